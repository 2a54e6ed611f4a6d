//! Errors of the search crate.

use std::path::PathBuf;

/// Why an index operation failed. Query text never produces an error: malformed queries give
/// results and warnings (see [`crate::SearchResponse::warnings`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// The index on disk was written with another schema version.
    #[error(
        "index at {path} has schema version {found}, this damkit-search needs version {expected}: \
         rebuild needed (delete the folder and index the records again)"
    )]
    RebuildNeeded {
        /// The index folder.
        path: PathBuf,
        /// The version found in the index.
        found: u32,
        /// The version this crate writes.
        expected: u32,
    },
    /// The folder holds no damkit index.
    #[error(
        "no damkit search index at {path} (expected {path}/meta.json and {path}/damkit-search.json)"
    )]
    NotAnIndex {
        /// The folder.
        path: PathBuf,
    },
    /// The version file of the index is unreadable.
    #[error("reading the schema version file {path}: {reason}")]
    BadVersionFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// File system error.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An error of the tantivy engine.
    #[error("search engine error while {context}: {source}")]
    Tantivy {
        /// What was being done.
        context: &'static str,
        /// The tantivy error.
        #[source]
        source: tantivy::TantivyError,
    },
    /// A stored record could not be decoded (index corruption or a foreign writer).
    #[error("stored record of document {doc} is not valid: {reason}")]
    BadStoredRecord {
        /// tantivy document address, as `segment/doc`.
        doc: String,
        /// The decoding error.
        reason: String,
    },
    /// A request parameter is invalid (for example an unknown facet or sort field).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

/// Result alias.
pub type Result<T> = std::result::Result<T, SearchError>;

pub(crate) trait TantivyContext<T> {
    fn ctx(self, context: &'static str) -> Result<T>;
}

impl<T> TantivyContext<T> for std::result::Result<T, tantivy::TantivyError> {
    fn ctx(self, context: &'static str) -> Result<T> {
        self.map_err(|source| SearchError::Tantivy { context, source })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn error_traits() {
        damkit_core::error::assert_error_traits::<super::SearchError>();
    }
}
