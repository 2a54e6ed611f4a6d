//! Error conventions shared by every damkit crate, and the errors of this crate.
//!
//! Every damkit crate follows the same rules, taken from the workspaces we learn from
//! (see `STYLE.md`):
//!
//! 1. **One `thiserror` enum per crate** (or per operation where that reads better), marked
//!    `#[non_exhaustive]`, with a `Result<T>` alias. The facade wraps each with `#[from]`.
//! 2. **Messages name what failed**: the file path, the field or tag, the byte offset, the
//!    rule. "invalid data" alone is a bug. Paths are kept as [`std::path::PathBuf`] in the
//!    variant, not pre-formatted, so callers can act on them.
//! 3. **Errors are `Send + Sync + 'static`**, so they cross threads (rayon batches) and can be
//!    boxed into `anyhow`/`Box<dyn Error>`; each crate has a test for it (see
//!    [`assert_error_traits`]).
//! 4. **Untrusted input never panics**: a defect in a file is an `Err` (strict mode) or a
//!    warning next to the partial result (lenient mode). Resource limits are checked *before*
//!    allocating and reported with [`LimitError`].
//! 5. **Lower-case messages without trailing punctuation**, so they compose as
//!    `"reading {path}: {source}"`.

use std::path::PathBuf;

/// A resource limit that an input would exceed. Raised *before* the allocation it guards.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// The image is wider or taller than the limit allows.
    #[error("image dimensions {width}x{height} exceed the limit of {max_width}x{max_height}")]
    Dimensions {
        /// Width claimed by the input.
        width: u64,
        /// Height claimed by the input.
        height: u64,
        /// Largest width allowed.
        max_width: u64,
        /// Largest height allowed.
        max_height: u64,
    },
    /// The image has more pixels than the limit allows.
    #[error("image of {pixels} pixels exceeds the limit of {max_pixels} pixels")]
    Pixels {
        /// Pixel count claimed by the input.
        pixels: u64,
        /// Largest pixel count allowed.
        max_pixels: u64,
    },
    /// An allocation would take the total past the memory budget.
    #[error(
        "allocating {requested} bytes would exceed the memory limit of {max_alloc} bytes ({in_use} already in use)"
    )]
    Allocation {
        /// Bytes requested.
        requested: u64,
        /// Bytes already reserved.
        in_use: u64,
        /// Total budget.
        max_alloc: u64,
    },
    /// The input file is larger than the limit allows.
    #[error("input of {size} bytes exceeds the limit of {max_input_bytes} bytes")]
    InputSize {
        /// Size of the input.
        size: u64,
        /// Largest input allowed.
        max_input_bytes: u64,
    },
}

/// Why the media type of a file could not be detected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DetectError {
    /// The file could not be opened or read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// A size a container cannot express, refused by the writers of
/// [`container`](crate::container) before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContainerError {
    /// A chunk's data is longer than its length field can say.
    #[error(
        "{format} chunk {} of {len} bytes exceeds the limit of {max} bytes",
        String::from_utf8_lossy(.kind)
    )]
    ChunkTooLarge {
        /// `PNG` or `WebP`.
        format: &'static str,
        /// The chunk type (fourcc).
        kind: [u8; 4],
        /// The data length asked for.
        len: u64,
        /// The largest the format allows.
        max: u64,
    },
    /// A WebP canvas side over the 2^24 pixels a `VP8X` chunk can hold.
    #[error("WebP canvas {width}x{height} exceeds the VP8X limit of 16777216 pixels a side")]
    CanvasTooLarge {
        /// Width asked for.
        width: u32,
        /// Height asked for.
        height: u32,
    },
    /// A whole file over what its size field can say (a RIFF size is 32 bits).
    #[error("{format} file of {len} bytes exceeds the 4 GiB a RIFF size can express")]
    FileTooLarge {
        /// `WebP`.
        format: &'static str,
        /// The file's length.
        len: u64,
    },
    /// The buffer to finish does not start with the file header.
    #[error("{format} file to finish does not start with its RIFF header")]
    MissingHeader {
        /// `WebP`.
        format: &'static str,
    },
}

/// Compile-time check that an error type follows convention 3 (`Send + Sync + 'static` and
/// [`std::error::Error`]). Call it in a test of each crate:
///
/// ```
/// damkit_core::error::assert_error_traits::<damkit_core::LimitError>();
/// ```
pub fn assert_error_traits<E: std::error::Error + Send + Sync + 'static>() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_send_sync_static() {
        assert_error_traits::<LimitError>();
        assert_error_traits::<DetectError>();
        assert_error_traits::<ContainerError>();
        assert_error_traits::<crate::ParseAssetIdError>();
    }

    #[test]
    fn messages_name_the_numbers() {
        let e = LimitError::Pixels {
            pixels: 10_000_000_000,
            max_pixels: 268_435_456,
        };
        let msg = e.to_string();
        assert!(
            msg.contains("10000000000") && msg.contains("268435456"),
            "{msg}"
        );
    }
}
