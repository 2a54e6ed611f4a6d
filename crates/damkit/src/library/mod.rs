//! The library folder: a catalog of assets with versions, lifecycle status and an audit
//! trail, fed by an ingest pipeline that composes the damkit crates.
//!
//! # Layout
//!
//! | path | what |
//! |---|---|
//! | `damkit.toml` | the configuration ([`LibraryConfig`]): storage mode, duplicate policy, lifecycle rules, vocabularies, rendition presets, rights defaults |
//! | `catalog.sqlite` | the catalog, the source of truth (SQLite in WAL mode; format version in `PRAGMA user_version`) |
//! | `objects/ab/cdef…` | originals copied into the library (storage mode `copy`), named by BLAKE3 |
//! | `renditions/` | renditions made from presets |
//! | `index/` | the search index, derived from the catalog (`reindex` rebuilds it) |
//! | `cache/` | scratch space (`cache/tmp/` holds objects being written) |
//!
//! # The pipeline
//!
//! Ingest walks, detects types, hashes (BLAKE3), stores (copy mode), finds exact duplicates,
//! then runs the capability stages on each new asset or version, each behind its feature
//! (table in [`stages`](self#the-pipeline) order): `metadata` (EXIF/IPTC/XMP and sidecars:
//! the metadata JSON described in [`facts`], title, description, keywords), `renditions`
//! (the configured presets, decoded once), `content_hash` and `perceptual_hash` (pHash,
//! dHash, PDQ; near-duplicate groups in [`Library::duplicates`]), `keywords` (concepts from
//! the configured vocabularies; [`Library::vocabulary_report`]), `rights` (an ODRL policy from
//! the metadata's licence or the library default; [`Library::rights_report`]). A stage that
//! fails on a file is a warning for that file; the file is still ingested. Stages not in this
//! build are listed in [`stage::NOT_WIRED`] and in the ingest report.
//!
//! Edits of title, description and keywords are written back into the file or its sidecar
//! ([`writeback`]).
//!
//! # Example
//!
//! ```
//! use damkit::library::{IngestOptions, Library, LibraryConfig, LifecycleStatus};
//!
//! let dir = tempfile::tempdir()?;
//! let photos = dir.path().join("photos");
//! std::fs::create_dir(&photos)?;
//! std::fs::write(photos.join("a.jpg"), b"\xff\xd8\xff\xe0 a tiny jpeg-looking file")?;
//!
//! let lib = Library::create(dir.path().join("lib"), LibraryConfig::default())?;
//! let report = lib.ingest(&[&photos], &IngestOptions::default().actor("alice"))?;
//! assert_eq!(report.added.len(), 1);
//!
//! let id = report.added[0].id;
//! lib.set_status(&id, LifecycleStatus::InReview, "alice")?;
//! lib.set_status(&id, LifecycleStatus::Approved, "bob")?;
//! let asset = lib.asset(&id)?;
//! assert!(asset.distributable);
//! assert_eq!(asset.versions.len(), 1);
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod catalog;
mod config;
mod error;
pub mod facts;
#[cfg(feature = "search")]
mod index;
mod ingest;
mod lifecycle;
#[cfg(feature = "dedup")]
mod near;
mod query;
mod reports;
pub mod stage;
mod stages;
#[cfg(feature = "rights")]
mod usecheck;
pub mod writeback;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use damkit_core::AssetId;
use rusqlite::params;

pub use catalog::CATALOG_FORMAT;
pub use config::{
    CONFIG_FORMAT, DuplicateConfig, DuplicatePolicy, IngestConfig, LibraryConfig, LifecycleConfig,
    MetadataConfig, RenditionPreset, RightsConfig, RightsRules, StorageConfig, StorageMode,
    VocabularyConfig, WriteBack,
};
pub use error::{LibraryError, Result};
pub use facts::AssetFacts;
pub use ingest::{
    DuplicateAction, DuplicateFile, IngestFailure, IngestOptions, IngestProgress, IngestReport,
    IngestWarning, IngestedFile, ProgressFn, SkippedFile, StageReport, default_actor, exact_hash,
};
pub use lifecycle::{LifecycleStatus, ParseStatusError};
pub use query::NearGroupRef;
pub use query::{
    AssetSummary, AssetView, AuditEntry, DuplicateGroup, DuplicateMember, DuplicateReport, Edit,
    EditReport, FieldChange, FileView, LibraryStats, RenditionView, Transition, VersionView,
};
pub use reports::{
    KeywordSuggestion, NearGroup, NearMember, RightsAlert, RightsReport, UnknownKeyword,
    VocabularyReport, VocabularyStatus,
};
pub use stage::{RightsProvenance, RightsRecord};
#[cfg(feature = "rights")]
pub use usecheck::{LayerDecision, RightsUse, UseCheck};
pub use writeback::WriteBackOutcome;

#[cfg(feature = "search")]
pub use index::{
    CURRENT_FILE, INDEX_DIR, IndexStatus, IndexUpdate, ReindexReport, STATE_FILE, SearchOptions,
};

use catalog::Catalog;

/// The catalog file name inside a library folder.
pub const CATALOG_FILE: &str = "catalog.sqlite";
/// The config file name inside a library folder.
pub const CONFIG_FILE: &str = "damkit.toml";
/// The folders of a library.
pub const FOLDERS: [&str; 4] = ["objects", "renditions", "index", "cache"];

/// A library folder, open. Cheap to share between threads (`&Library` is `Sync`): catalog
/// access is serialised by a mutex; other processes may open the same folder and read while
/// this one writes.
#[derive(Debug)]
pub struct Library {
    root: PathBuf,
    config: LibraryConfig,
    catalog: Mutex<Catalog>,
    /// The configured vocabularies, loaded on first use.
    #[cfg(feature = "taxonomy")]
    vocabularies: std::sync::OnceLock<std::sync::Arc<stages::keywords::Vocabularies>>,
    #[cfg(feature = "search")]
    index: Mutex<index::IndexState>,
    /// Perceptual fingerprints read from the catalog, for near-duplicate grouping.
    #[cfg(feature = "dedup")]
    fingerprints: Mutex<near::FingerprintCache>,
}

impl Library {
    /// Creates a library in `path` (created if missing; it may exist if empty of a library)
    /// with this configuration, and opens it.
    pub fn create(path: impl AsRef<Path>, config: LibraryConfig) -> Result<Library> {
        let path = path.as_ref();
        config.validate(&path.join(CONFIG_FILE))?;
        if path.join(CONFIG_FILE).exists() || path.join(CATALOG_FILE).exists() {
            return Err(LibraryError::AlreadyExists { path: path.into() });
        }
        std::fs::create_dir_all(path).map_err(|e| LibraryError::io("creating", path, e))?;
        let root =
            std::fs::canonicalize(path).map_err(|e| LibraryError::io("resolving", path, e))?;
        for f in FOLDERS {
            let d = root.join(f);
            std::fs::create_dir_all(&d).map_err(|e| LibraryError::io("creating", &d, e))?;
        }
        // The catalog first, the config last: a folder with a config is a complete library.
        let catalog = Catalog::open(&root.join(CATALOG_FILE), true)?;
        catalog
            .conn
            .execute(
                "INSERT OR REPLACE INTO library (key, value) VALUES ('created_at', ?1)",
                [catalog::now()],
            )
            .map_err(catalog.err("recording the creation time"))?;
        write_atomic(&root.join(CONFIG_FILE), config.to_toml().as_bytes())?;
        Library {
            root,
            config,
            catalog: Mutex::new(catalog),
            #[cfg(feature = "taxonomy")]
            vocabularies: std::sync::OnceLock::new(),
            #[cfg(feature = "search")]
            index: Mutex::default(),
            #[cfg(feature = "dedup")]
            fingerprints: Mutex::default(),
        }
        .finish_open()
    }

    /// Opens an existing library folder. The error names the folder and what is missing or
    /// wrong (no config, bad config, catalog of a newer format).
    pub fn open(path: impl AsRef<Path>) -> Result<Library> {
        let path = path.as_ref();
        if !path.is_dir() {
            return Err(LibraryError::NotALibrary {
                path: path.into(),
                reason: if path.exists() {
                    "it is not a folder".into()
                } else {
                    "it does not exist".into()
                },
            });
        }
        let root =
            std::fs::canonicalize(path).map_err(|e| LibraryError::io("resolving", path, e))?;
        let config_path = root.join(CONFIG_FILE);
        if !config_path.is_file() {
            return Err(LibraryError::NotALibrary {
                path: root,
                reason: format!(
                    "no {CONFIG_FILE} (create one with Library::create or `damkit ingest`)"
                ),
            });
        }
        let config = LibraryConfig::load(&config_path)?;
        let catalog = Catalog::open(&root.join(CATALOG_FILE), false)?;
        for f in FOLDERS {
            let d = root.join(f);
            std::fs::create_dir_all(&d).map_err(|e| LibraryError::io("creating", &d, e))?;
        }
        Library {
            root,
            config,
            catalog: Mutex::new(catalog),
            #[cfg(feature = "taxonomy")]
            vocabularies: std::sync::OnceLock::new(),
            #[cfg(feature = "search")]
            index: Mutex::default(),
            #[cfg(feature = "dedup")]
            fingerprints: Mutex::default(),
        }
        .finish_open()
    }

    /// Opens the library at `path`, creating it with `config` when the folder holds none.
    /// The boolean is true when it was created.
    pub fn open_or_create(
        path: impl AsRef<Path>,
        config: LibraryConfig,
    ) -> Result<(Library, bool)> {
        let path = path.as_ref();
        if path.join(CONFIG_FILE).exists() {
            Ok((Library::open(path)?, false))
        } else {
            Ok((Library::create(path, config)?, true))
        }
    }

    /// Work left by a catalog migration: the near-duplicate groups of a catalog made before
    /// format 2 are computed once (with the `dedup` feature; without it they wait).
    fn finish_open(self) -> Result<Library> {
        #[cfg(feature = "dedup")]
        {
            use rusqlite::OptionalExtension as _;
            let mut cat = self.lock();
            let e = cat.err("computing the near-duplicate groups of an older catalog");
            let stale: Option<String> = cat
                .conn
                .query_row(
                    "SELECT value FROM library WHERE key = 'near_groups_stale'",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(&e)?;
            if stale.is_some() {
                let tx = cat
                    .conn
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(&e)?;
                // Another process may have done it meanwhile.
                let still: bool = tx
                    .query_row(
                        "SELECT COUNT(*) FROM library WHERE key = 'near_groups_stale'",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                    .map_err(&e)?
                    > 0;
                if still {
                    let mut cache = self.fingerprints.lock().unwrap_or_else(|p| p.into_inner());
                    near::recompute_all(&tx, &mut cache, "damkit").map_err(&e)?;
                    tx.execute("DELETE FROM library WHERE key = 'near_groups_stale'", [])
                        .map_err(&e)?;
                }
                tx.commit().map_err(&e)?;
            }
        }
        Ok(self)
    }

    /// The library folder (absolute).
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The configuration.
    pub fn config(&self) -> &LibraryConfig {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, Catalog> {
        // A panic while holding the lock cannot leave a half-written transaction behind
        // (rusqlite rolls back on drop), so a poisoned lock is safe to reuse.
        self.catalog.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Called after every committed change to assets (each ingest batch, each edit or status
    /// change), with the catalog lock released, and the ids of the assets that changed. The
    /// derived state (the search index under `index/`) is brought up to date here.
    ///
    /// Must not fail the operation that called it: the catalog change is already committed
    /// and the catalog is the source of truth (`reindex` rebuilds everything derived).
    pub(crate) fn after_change(&self, ids: &[AssetId]) {
        #[cfg(feature = "search")]
        self.index_after_change(ids);
        #[cfg(not(feature = "search"))]
        let _ = ids;
    }

    /// Rebuilds the search index: needs the `search` feature.
    #[cfg(not(feature = "search"))]
    pub fn reindex(&self) -> Result<()> {
        Err(LibraryError::NotWired {
            capability: "search",
            detail: "this build of damkit has no `search` feature",
        })
    }

    /// The configured vocabularies, loaded once (the first time ingest, a report or an
    /// expansion needs them).
    #[cfg(feature = "taxonomy")]
    pub(crate) fn vocabularies(&self) -> std::sync::Arc<stages::keywords::Vocabularies> {
        self.vocabularies
            .get_or_init(|| {
                std::sync::Arc::new(stages::keywords::Vocabularies::load(
                    &self.root,
                    &self.config,
                ))
            })
            .clone()
    }
}

/// Appends an entry to the audit log (inside the caller's transaction).
pub(crate) fn audit_insert(
    conn: &rusqlite::Connection,
    actor: &str,
    asset: Option<&AssetId>,
    action: &str,
    detail: &serde_json::Value,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit (at, actor, asset_id, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        catalog::now(),
        actor,
        asset.map(|a| a.to_string()),
        action,
        detail.to_string()
    ])?;
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file in the same folder, fsync and rename; on
/// error the original is untouched.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir).map_err(|e| LibraryError::io("writing", path, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| LibraryError::io("writing", path, e))?;
    tmp.persist(path)
        .map_err(|e| LibraryError::io("writing", path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_send_sync_static() {
        damkit_core::error::assert_error_traits::<LibraryError>();
        damkit_core::error::assert_error_traits::<ParseStatusError>();
    }

    #[test]
    fn library_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Library>();
    }
}
