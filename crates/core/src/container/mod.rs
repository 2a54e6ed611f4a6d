//! Writing PNG chunks and WebP (RIFF) chunks: a low-level building block.
//!
//! **Low level.** This module does not parse files and knows nothing about metadata models;
//! it frames bytes the caller already has. It exists because two damkit crates write
//! metadata into the same containers: `damkit-metadata` (write-back into existing PNG and
//! WebP files) and `damkit-rendition` (EXIF and XMP carried into PNG and WebP renditions).
//! Both need the same chunk framing and CRCs, the same XMP `iTXt` header, the same `VP8X`
//! header and the same RIFF size. Neither depends on the other, so the shared piece lives
//! here, as [`jpeg`](crate::jpeg) does for the image crates.
//!
//! - [`png`]: a chunk (length, type, data, CRC-32), and the uncompressed XMP `iTXt` chunk
//!   Adobe's XMP specification (part 3) asks for.
//! - [`webp`]: a RIFF chunk (fourcc, little-endian size, data, pad byte), the extended
//!   format's `VP8X` chunk and its flags, the canvas size of a simple file's `VP8 `/`VP8L`
//!   bitstream, and the file header with its RIFF size fixed up after the chunks are written.
//!
//! Where to put the chunks (after `IHDR`; `EXIF` and `XMP ` after the image data) and which
//! chunks to keep is the caller's business: the two crates differ there on purpose.
//!
//! # Safety against hostile input
//!
//! No panics on any input. Sizes a container cannot express (a PNG chunk over 2³¹ − 1
//! bytes, a RIFF chunk or file over 4 GiB, a WebP canvas over 2²⁴ pixels a side) are a
//! [`ContainerError`](crate::ContainerError), never a truncated length field.
//!
//! ```
//! use damkit_core::container::{png, webp};
//!
//! let mut chunk = Vec::new();
//! png::write_chunk(&mut chunk, b"IEND", &[])?;
//! assert_eq!(chunk, b"\0\0\0\0IEND\xae\x42\x60\x82");
//!
//! let mut file = webp::start_file();
//! webp::write_vp8x(&mut file, webp::FLAG_XMP, 640, 480)?;
//! webp::write_chunk(&mut file, b"XMP ", b"<x:xmpmeta/>")?;
//! webp::finish_file(&mut file)?;
//! assert_eq!(&file[4..8], &(file.len() as u32 - 8).to_le_bytes());
//! Ok::<(), damkit_core::ContainerError>(())
//! ```

pub mod png;
pub mod webp;
