//! The error type of this crate.

use std::path::PathBuf;

use damkit_core::LimitError;

/// Why a rendition could not be made.
///
/// Messages name the file (when there is one), the format and the step that failed, so that a
/// batch log line reads `rendering photo.jpg: decoding JPEG: ...`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenditionError {
    /// A file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("reading", "writing", "creating folder").
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A resource limit would be exceeded; raised before the allocation it guards.
    #[error("{context}: {source}")]
    Limit {
        /// What was being checked ("JPEG header", "PNG header", "resize buffer").
        context: String,
        /// The limit that would be exceeded.
        #[source]
        source: LimitError,
    },
    /// The input is empty.
    #[error("the input is empty (0 bytes)")]
    Empty,
    /// The bytes are not a format this crate decodes.
    #[error("unsupported input format: {0}")]
    Unsupported(String),
    /// The input is cut short (strict mode only; lenient mode decodes what is there).
    #[error("truncated {format}: {detail}")]
    Truncated {
        /// Format name.
        format: &'static str,
        /// What is missing.
        detail: String,
    },
    /// The decoder rejected the input.
    #[error("decoding {format}: {message}")]
    Decode {
        /// Format name.
        format: &'static str,
        /// The decoder's message.
        message: String,
    },
    /// An ICC profile could not be read or applied.
    #[error("colour management: {0}")]
    Color(String),
    /// A rendition spec is invalid.
    #[error("invalid rendition spec {name:?}: {message}")]
    Spec {
        /// The spec's name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A preset file could not be parsed, or a preset name is unknown.
    #[error("presets: {0}")]
    Preset(String),
    /// Encoding the output failed.
    #[error("encoding {format}: {message}")]
    Encode {
        /// Output format name.
        format: &'static str,
        /// The encoder's message.
        message: String,
    },
    /// The resizer failed.
    #[error("resizing: {0}")]
    Resize(String),
    /// The watermark image could not be loaded.
    #[error("watermark {path}: {source}")]
    Watermark {
        /// The watermark file.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: Box<RenditionError>,
    },
    /// An error while rendering a given file (wraps the others in batch results).
    #[error("rendering {path}: {source}")]
    File {
        /// The input file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: Box<RenditionError>,
    },
}

/// `Result` with [`RenditionError`].
pub type Result<T, E = RenditionError> = std::result::Result<T, E>;

impl RenditionError {
    pub(crate) fn limit(context: impl Into<String>, source: LimitError) -> Self {
        RenditionError::Limit {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn decode(format: &'static str, message: impl std::fmt::Display) -> Self {
        RenditionError::Decode {
            format,
            message: message.to_string(),
        }
    }

    pub(crate) fn encode(format: &'static str, message: impl std::fmt::Display) -> Self {
        RenditionError::Encode {
            format,
            message: message.to_string(),
        }
    }

    /// Wraps `self` with the input file it concerns.
    pub fn in_file(self, path: impl Into<PathBuf>) -> Self {
        match self {
            e @ (RenditionError::File { .. } | RenditionError::Io { .. }) => e,
            e => RenditionError::File {
                path: path.into(),
                source: Box::new(e),
            },
        }
    }

    /// Whether the error is a resource limit (possibly wrapped in [`RenditionError::File`]).
    pub fn is_limit(&self) -> bool {
        match self {
            RenditionError::Limit { .. } => true,
            RenditionError::File { source, .. } | RenditionError::Watermark { source, .. } => {
                source.is_limit()
            }
            _ => false,
        }
    }
}
