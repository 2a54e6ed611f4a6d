//! The errors of this crate.

use std::path::PathBuf;

use damkit_core::LimitError;

/// Everything that can go wrong while hashing, decoding or scanning.
///
/// Messages name the file (and, for the payload parsers, the format and byte offset).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DedupError {
    /// Reading a file or folder failed (missing, permission denied, I/O error).
    #[error("reading {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Walking a folder failed (permission denied, a symbolic-link loop).
    #[error("walking {path}: {message}")]
    Walk {
        /// The entry that failed.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A file changed (size or modification time) while it was being hashed; its hash is
    /// not trusted.
    #[error("{path}: changed during the scan ({what})")]
    Changed {
        /// The file.
        path: PathBuf,
        /// What changed.
        what: String,
    },
    /// A resource limit refused the input before it was decoded.
    #[error("{path}: {source}")]
    Limit {
        /// The file.
        path: PathBuf,
        /// The limit that was hit.
        #[source]
        source: LimitError,
    },
    /// An image payload is malformed where the metadata-blind content hash parses it.
    #[error("malformed {format} at byte {offset}: {reason}")]
    Malformed {
        /// The container format (`JPEG`, `PNG`, `TIFF`, `WebP`).
        format: &'static str,
        /// Byte offset of the defect.
        offset: u64,
        /// The rule that was broken.
        reason: String,
    },
    /// The image could not be decoded (unsupported or broken).
    #[error("decoding {path}: {message}")]
    Decode {
        /// The file (empty when decoding from memory).
        path: PathBuf,
        /// The decoder's message.
        message: String,
    },
    /// An error in a named file (wraps a byte-level error with the path).
    #[error("{path}: {source}")]
    InFile {
        /// The file.
        path: PathBuf,
        /// What failed inside it.
        #[source]
        source: Box<DedupError>,
    },
    /// Reading or writing a persisted hash cache failed.
    #[error("hash cache {path}: {message}")]
    Cache {
        /// The cache file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl DedupError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DedupError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn malformed(
        format: &'static str,
        offset: usize,
        reason: impl Into<String>,
    ) -> Self {
        DedupError::Malformed {
            format,
            offset: offset as u64,
            reason: reason.into(),
        }
    }

    /// Attaches a path to a byte-level error (a no-op for errors that already carry one),
    /// e.g. to an error of [`content_hash`](crate::content::content_hash) on bytes read from
    /// `path`.
    pub fn in_file(self, path: &std::path::Path) -> Self {
        match self {
            e @ DedupError::Malformed { .. } => DedupError::InFile {
                path: path.to_path_buf(),
                source: Box::new(e),
            },
            DedupError::Decode { path: p, message } if p.as_os_str().is_empty() => {
                DedupError::Decode {
                    path: path.to_path_buf(),
                    message,
                }
            }
            other => other,
        }
    }
}

/// `Result` with [`DedupError`].
pub type Result<T, E = DedupError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_traits() {
        damkit_core::error::assert_error_traits::<DedupError>();
    }

    #[test]
    fn messages_name_the_file() {
        let e = DedupError::malformed("PNG", 33, "chunk length past the end")
            .in_file(std::path::Path::new("a.png"));
        assert_eq!(
            e.to_string(),
            "a.png: malformed PNG at byte 33: chunk length past the end"
        );
    }
}
