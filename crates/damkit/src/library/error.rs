//! The errors of the library folder.

use std::path::PathBuf;

use damkit_core::AssetId;

use super::lifecycle::LifecycleStatus;

/// A `Result` whose error is [`LibraryError`].
pub type Result<T, E = LibraryError> = std::result::Result<T, E>;

/// What went wrong opening, reading or changing a library folder. Each variant names the
/// folder, file or asset concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LibraryError {
    /// The folder is not a damkit library (no `damkit.toml` or no `catalog.sqlite`).
    #[error("{path} is not a damkit library: {reason}")]
    NotALibrary {
        /// The folder.
        path: PathBuf,
        /// What is missing.
        reason: String,
    },
    /// `Library::create` on a folder that already holds a library.
    #[error("{path} already holds a damkit library")]
    AlreadyExists {
        /// The folder.
        path: PathBuf,
    },
    /// A file or folder could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("reading", "creating", ...).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `damkit.toml` is not valid.
    #[error("invalid library config {path}: {message}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong, with the line where the parser knows it.
        message: String,
    },
    /// The catalog was written by a newer (or unknown) version of damkit.
    #[error(
        "catalog {path} has format version {found}, this damkit reads versions up to {supported}: \
         upgrade damkit to open it"
    )]
    FormatVersion {
        /// The catalog file.
        path: PathBuf,
        /// The version found in the catalog.
        found: i64,
        /// The newest version this build understands.
        supported: i64,
    },
    /// The SQLite catalog reported an error.
    #[error("catalog {path}: {context}: {source}")]
    Catalog {
        /// The catalog file.
        path: PathBuf,
        /// What the catalog was doing.
        context: String,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// No asset with this id in the catalog.
    #[error("no asset {id} in the library")]
    AssetNotFound {
        /// The id asked for.
        id: AssetId,
    },
    /// No version with this number for the asset.
    #[error("asset {id} has no version {number}")]
    VersionNotFound {
        /// The asset.
        id: AssetId,
        /// The version number asked for.
        number: i64,
    },
    /// The bytes of a version are not available any more (reference-in-place storage keeps
    /// only the current file; older versions are kept as bytes only in copy mode).
    #[error("the content of version {number} of asset {id} is not stored: {reason}")]
    ContentUnavailable {
        /// The asset.
        id: AssetId,
        /// The version.
        number: i64,
        /// Why.
        reason: String,
    },
    /// A lifecycle transition that the rules do not allow.
    #[error(
        "asset {id}: {from} -> {to} is not allowed; from {from} the allowed statuses are: {allowed}"
    )]
    Transition {
        /// The asset.
        id: AssetId,
        /// Its current status.
        from: LifecycleStatus,
        /// The status asked for.
        to: LifecycleStatus,
        /// The statuses reachable from `from`, comma-separated.
        allowed: String,
    },
    /// An edit that names an unknown field or gives a bad value.
    #[error("field {field:?}: {message}")]
    Field {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Writing an edit back into the original (or its sidecar) failed; nothing changed: not
    /// the file, not the catalog, not the index.
    #[error("asset {id}: writing the edit into {path} failed, nothing was changed: {message}")]
    WriteBack {
        /// The asset.
        id: AssetId,
        /// The file (or sidecar) that was to be written.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The search index was written by another schema version of damkit-search.
    #[cfg(feature = "search")]
    #[error(
        "the search index {path} has schema version {found}, this damkit needs version \
         {expected}: run `damkit reindex --library LIB` (Library::reindex) to rebuild it from \
         the catalog"
    )]
    IndexRebuildNeeded {
        /// The index folder.
        path: PathBuf,
        /// The version found.
        found: u32,
        /// The version this build writes.
        expected: u32,
    },
    /// The search index failed.
    #[cfg(feature = "search")]
    #[error("search index {path}: {context}: {source}")]
    Index {
        /// The index folder.
        path: PathBuf,
        /// What was being done.
        context: &'static str,
        /// The damkit-search error.
        #[source]
        source: damkit_search::SearchError,
    },
    /// The index folder is damaged (`index/CURRENT` unreadable or naming a missing folder).
    #[cfg(feature = "search")]
    #[error("search index {path}: {reason}; run `damkit reindex --library LIB` to rebuild it")]
    IndexCorrupt {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The capability is not wired into the library pipeline yet.
    #[error("{capability} not wired yet: {detail}")]
    NotWired {
        /// The capability ("search", "metadata", ...).
        capability: &'static str,
        /// What will happen once it is.
        detail: &'static str,
    },
}

impl LibraryError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        LibraryError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
