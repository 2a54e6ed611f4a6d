//! The few types every damkit crate shares.
//!
//! `damkit-core` is deliberately small (in the spirit of `tantivy-common` and `gix-hash`):
//! a type lives here only when several damkit crates need to agree on it.
//!
//! - [`AssetId`]: the stable identity of an asset across versions, renditions and indexes.
//! - [`MediaType`]: what a file *is*, detected from its magic bytes (never from its name
//!   alone), for every format damkit handles: JPEG, PNG, TIFF and the TIFF-based RAW formats,
//!   WebP, HEIC/HEIF, AVIF, GIF, PSD, BMP and XMP sidecars.
//! - [`Limits`]: resource limits for decoding untrusted input, finite by default, in the
//!   style of `image::Limits`.
//! - [`error`]: the error conventions every crate follows, and the shared [`LimitError`].
//! - [`jpeg`]: a low-level building block shared by the image crates: 1/8-scale JPEG
//!   decoding straight from the DC coefficients (what libjpeg's `scale_denom = 8` gives).
//! - [`container`]: another low-level building block, shared by the crates that write
//!   metadata into files: PNG chunks (with their CRC) and WebP RIFF chunks, the `VP8X`
//!   header and the RIFF size.
//!
//! # Example
//!
//! ```
//! use damkit_core::{MediaType, Limits};
//!
//! // The first bytes of a PNG file.
//! let head = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
//! let kind = MediaType::detect(head).expect("a PNG signature");
//! assert_eq!(kind, MediaType::Png);
//! assert_eq!(kind.mime(), "image/png");
//!
//! // Limits are finite by default: a 100000 x 100000 image is refused before any allocation.
//! let limits = Limits::default();
//! assert!(limits.check_dimensions(100_000, 100_000).is_err());
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod asset_id;
pub mod container;
pub mod error;
pub mod jpeg;
mod limits;
mod media_type;

pub use asset_id::{AssetId, ParseAssetIdError};
pub use error::{ContainerError, DetectError, LimitError};
pub use limits::Limits;
pub use media_type::{DETECT_HEAD_LEN, MediaFamily, MediaType};
