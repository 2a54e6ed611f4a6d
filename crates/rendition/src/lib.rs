//! Thumbnails and derivatives from presets: shrink-on-load JPEG decoding, SIMD resizing,
//! EXIF orientation, colour management, watermarks, limits against decompression bombs.
//!
//! The pipeline for one input, whatever the number of renditions:
//!
//! 1. **Probe** the header (format, size, EXIF orientation, ICC) and check
//!    [`Limits`](damkit_core::Limits) *before* any pixel buffer exists.
//! 2. **Decode once**, at the size the largest rendition needs: JPEGs are decoded with DCT
//!    scaling (1/2, 1/4, 1/8) while at least a factor of two remains for the final resize
//!    (the libvips rule, [`jpeg_shrink_factor`]).
//! 3. For each [`RenditionSpec`]: **resize** (fast_image_resize, SIMD, Lanczos3 by default,
//!    alpha premultiplied), **convert** the embedded ICC profile (Adobe RGB, Display P3, CMYK…)
//!    to sRGB with moxcms, **orient** (all eight EXIF orientations), sharpen, watermark,
//!    **encode** (JPEG 4:2:0 via jpeg-encoder, PNG, WebP) with the metadata the spec keeps.
//! 4. **Write** through a temporary file in the output folder, fsynced and renamed.
//!
//! [`render_batch`] runs files in parallel (one image per core) with a progress callback.
//!
//! # Example
//!
//! ```
//! use damkit_rendition::{Presets, Renderer, RenditionSpec};
//!
//! // A 64x48 PNG to render (any JPEG, PNG, TIFF, WebP, GIF or BMP works).
//! let mut png = Vec::new();
//! image::RgbImage::from_pixel(64, 48, image::Rgb([200, 30, 30]))
//!     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
//!
//! let presets = Presets::builtin();
//! let specs = [RenditionSpec::long_edge("tiny", 32), presets.get("png-512")?];
//! let rendered = Renderer::new().render_bytes(&png, &specs)?;
//! assert_eq!(rendered.renditions[0].width, 32);
//! assert_eq!(rendered.renditions[0].height, 24);
//! assert!(rendered.renditions[0].data.starts_with(&[0xFF, 0xD8]), "a JPEG");
//! // png-512 does not enlarge: the 64x48 source stays 64x48.
//! assert_eq!((rendered.renditions[1].width, rendered.renditions[1].height), (64, 48));
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Formats
//!
//! | | decode | encode |
//! |---|---|---|
//! | JPEG | baseline, progressive, grey, CMYK and Adobe YCCK (jpeg-decoder, DCT scaling) | jpeg-encoder: 4:4:4 / 4:2:2 / 4:2:0, baseline or progressive |
//! | PNG | 8/16-bit, palette, grey, alpha (image) | 8-bit RGB / RGBA |
//! | TIFF | 8/16-bit RGB, grey, CMYK (naive conversion by image) | – |
//! | WebP | lossy and lossless (image-webp) | lossless (quality 100, image-webp); lossy with feature `webp-lossy` |
//! | GIF | first frame | – |
//! | BMP | yes | – |
//! | AVIF | 8/10/12-bit, 4:0:0 to 4:4:4, alpha, ICC, `irot`/`imir` (feature `avif-input`, off: rav1d + mp4parse) | with feature `avif` (ravif) |
//! | HEIC / HEIF | "unsupported" error (no pure-Rust HEVC decoder) | – |
//!
//! 16-bit inputs (PNG, TIFF; 10/12-bit AVIF) are resized at 16 bits per channel (alpha premultiplied at 16
//! bits) and reduced to 8 bits, with rounding, only after the resize; colour conversion and
//! the outputs are 8-bit.
//!
//! # Metadata carried into JPEG renditions
//!
//! | policy | EXIF | XMP | IPTC-IIM |
//! |---|---|---|---|
//! | `rights` (default) | Artist, Copyright | `dc:creator`, `dc:rights`, `xmpRights:*`, `photoshop:Credit`/`AuthorsPosition`, `Iptc4xmpCore:CreatorContactInfo`, PLUS owner/creator/licensor | By-line, By-line Title, Credit, Source, Copyright Notice |
//! | `all-but-gps` | all but GPS, MakerNote and pixel structure | all but GPS (`exif:GPS*`, `GPS*` structure fields) and pixel structure | all |
//! | `strip` | – | – | – |
//!
//! # Features
//!
//! - `webp-lossy` (default): lossy WebP output through the `webp` crate, whose libwebp C
//!   sources are vendored and compiled by `cc` (no system package). Without it, WebP output
//!   is lossless only.
//! - `avif-input` (off): AVIF decoding through `rav1d` (the Rust port of dav1d, without
//!   its assembly: no nasm) and `mp4parse` (Firefox's AVIF container parser). rav1d only has
//!   dav1d's C-style API: the private `ffi` module wraps it, the one place of this crate
//!   with `unsafe` code (forbidden everywhere without the feature). Off by default: rav1d
//!   1.1 aborts the process on some damaged files (a panic inside its `extern "C"` API).
//!   Without it, AVIF input is an "unsupported" error.
//! - `avif` (off): AVIF output through `ravif` (rav1e, pure Rust, without its assembly so no
//!   nasm is needed). Off by default: rav1e is a large build and AV1 encoding is slow.
//! - `turbojpeg` (off): colour and grey JPEGs are decoded (full size and DCT-scaled 1/2,
//!   1/4, 1/8) by the system's libjpeg-turbo through the `turbojpeg` crate (linked with
//!   pkg-config; Debian `libturbojpeg0-dev`), about twice as fast as the pure-Rust decoders,
//!   and baseline JPEG renditions are encoded by it (2.4x faster than jpeg-encoder).
//!   CMYK/YCCK JPEGs, and any file libjpeg-turbo refuses, take the pure-Rust path;
//!   progressive renditions are encoded by jpeg-encoder. Off by default: it needs a system
//!   library.
// Without AVIF input the crate has no unsafe code at all; with it, `ffi` alone allows it.
#![cfg_attr(not(feature = "avif-input"), forbid(unsafe_code))]
#![cfg_attr(feature = "avif-input", deny(unsafe_code))]
#![deny(missing_docs)]

#[cfg(feature = "avif-input")]
mod avif;
mod batch;
mod color;
mod decode;
mod encode;
mod error;
#[cfg(feature = "avif-input")]
mod ffi;
mod metadata;
mod ops;
mod pipeline;
mod raster;
mod spec;
#[cfg(feature = "turbojpeg")]
mod turbo;
mod xmp;

pub use batch::{FileOutcome, Progress, render_batch, render_batch_with};
pub use color::BUNDLED_CMYK_PROFILE;
pub use decode::{DecodeOptions, Decoded, SourceInfo, decode, detect_format, probe};
pub use error::{RenditionError, Result};
pub use pipeline::{
    CASCADE_FACTOR, FileReport, OutputFile, Rendered, Renderer, Rendition, output_name,
    write_atomically,
};
pub use raster::{Orientation, PixelLayout, Raster};
pub use spec::{
    Chroma, Filter, Fit, Format, Geometry, Gravity, MetadataPolicy, Presets, RenditionSpec, Rgb,
    Watermark, jpeg_shrink_factor,
};

#[cfg(test)]
mod tests {
    #[test]
    fn error_is_send_sync_static() {
        damkit_core::error::assert_error_traits::<super::RenditionError>();
    }
}
