//! JPEG decoding through libjpeg-turbo (feature `turbojpeg`): the full-size decode and the
//! DCT-scaled decodes (1/2, 1/4, 1/8), both about twice as fast as the pure-Rust decoders
//! (libjpeg-turbo's hand-written SIMD Huffman, IDCT and upsampling code).
//!
//! Used for colour (YCbCr, RGB) and greyscale JPEGs, into RGB. CMYK/YCCK JPEGs keep the
//! pure-Rust path (their inversion and colour management live there). Anything libjpeg-turbo
//! refuses or warns about (corrupt data, an unusual marker layout) returns `None` and the
//! pure-Rust decoders take over with their own errors, so the feature never makes a file
//! fail that decodes without it. `tjDecompress2` runs with the default flags: accurate
//! integer IDCT (`JDCT_ISLOW`) and fancy (triangular) chroma upsampling, as the pure-Rust
//! decoders and libvips do.

use crate::raster::{PixelLayout, Raster};

thread_local! {
    /// One decompressor per thread (a handle holds libjpeg's error manager and allocators;
    /// making one per image costs more than the decode of a thumbnail-sized scale).
    static DECOMPRESSOR: std::cell::RefCell<Option<turbojpeg::Decompressor>> =
        const { std::cell::RefCell::new(None) };
}

/// Decodes `bytes` (a JPEG of `width` x `height` pixels) at 1/`shrink` (1, 2, 4 or 8) as
/// RGB: `ow` x `oh` pixels, the size the DCT-scaled decode gives (`ceil(w / shrink)`).
/// `None` when libjpeg-turbo cannot decode it cleanly or gives another size.
pub(crate) fn decode_rgb(
    bytes: &[u8],
    width: u32,
    height: u32,
    ow: u32,
    oh: u32,
) -> Option<Raster> {
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(turbojpeg::Decompressor::new().ok()?);
        }
        let dec = slot.as_mut()?;
        let header = dec.read_header(bytes).ok()?;
        if (header.width, header.height) != (width as usize, height as usize) {
            return None;
        }
        let (w, h) = (ow as usize, oh as usize);
        let len = w.checked_mul(h)?.checked_mul(3)?;
        // The full-size buffer is this thread's kept one (see `decode::take_buffer`).
        let mut data = if ow == width && oh == height {
            crate::decode::take_buffer(len)
        } else {
            vec![0u8; len]
        };
        let image = turbojpeg::Image {
            pixels: data.as_mut_slice(),
            width: w,
            pitch: w * 3,
            height: h,
            format: turbojpeg::PixelFormat::RGB,
        };
        // tjDecompress2 picks the largest scaling factor whose output fits in `w` x `h`:
        // exactly 1/shrink for the sizes the caller computed.
        match dec.decompress(bytes, image) {
            Ok(()) => Some(Raster {
                width: ow,
                height: oh,
                layout: PixelLayout::Rgb8,
                data,
            }),
            Err(_) => {
                crate::decode::give_back_buffer(data);
                None
            }
        }
    })
}
