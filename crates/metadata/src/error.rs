//! The errors of this crate.

use std::path::PathBuf;

/// What went wrong reading or writing metadata. Messages name the file, block, offset or
/// rule that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read, written or renamed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a format this crate reads.
    #[error("unsupported or unrecognised file format{}", hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    UnsupportedFormat {
        /// What was seen, when known.
        hint: Option<String>,
    },
    /// A structural defect in a container or metadata block.
    #[error("{format} at byte {offset}: {message}")]
    Malformed {
        /// The container or block: `JPEG`, `PNG`, `IPTC-IIM`, `EXIF`…
        format: &'static str,
        /// Byte offset where the defect was found (relative to the block it names).
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// A size or count limit from [`crate::ReadLimits`] would be exceeded.
    #[error("{what} of {value} exceeds the limit of {limit} (raise {constant})")]
    Limit {
        /// What is counted.
        what: &'static str,
        /// The value found in the file.
        value: u64,
        /// The limit.
        limit: u64,
        /// The named constant or `ReadLimits` field that sets the limit.
        constant: &'static str,
    },
    /// The XMP packet could not be parsed or serialised.
    #[error("XMP: {0}")]
    Xmp(String),
    /// A write request that cannot be honoured.
    #[error("cannot write {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A field name or value the model does not know.
    #[error("field {field}: {reason}")]
    Field {
        /// The field as given (`XMP-dc:Title`, `MWG:Keywords`…).
        field: String,
        /// Why it was refused.
        reason: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn malformed(
        format: &'static str,
        offset: usize,
        message: impl Into<String>,
    ) -> Self {
        Error::Malformed {
            format,
            offset: offset as u64,
            message: message.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn error_traits() {
        damkit_core::error::assert_error_traits::<super::Error>();
    }
}
