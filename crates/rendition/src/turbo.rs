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

thread_local! {
    /// One compressor per thread, like the decompressor.
    static COMPRESSOR: std::cell::RefCell<Option<turbojpeg::Compressor>> =
        const { std::cell::RefCell::new(None) };
}

/// Encodes an RGB8 raster as a baseline JPEG through libjpeg-turbo (`tjCompress2`: SIMD
/// colour conversion, chroma downsampling, forward DCT and Huffman coding; about 2.4x
/// faster than jpeg-encoder on a 2048 px rendition), at `quality` (1-100, the IJG scaling
/// jpeg-encoder uses too) with `chroma` subsampling. The result has a JFIF APP0 segment
/// and no other metadata. `None` when the raster is not RGB8 or libjpeg-turbo fails: the
/// caller encodes with jpeg-encoder instead.
pub(crate) fn encode_rgb(r: &Raster, quality: u8, chroma: crate::spec::Chroma) -> Option<Vec<u8>> {
    use crate::spec::Chroma;
    if r.layout != PixelLayout::Rgb8 || r.width == 0 || r.height == 0 {
        return None;
    }
    let (w, h) = (r.width as usize, r.height as usize);
    if r.data.len() != w.checked_mul(h)?.checked_mul(3)? {
        return None;
    }
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(turbojpeg::Compressor::new().ok()?);
        }
        let enc = slot.as_mut()?;
        enc.set_quality(i32::from(quality.clamp(1, 100)));
        enc.set_subsamp(match chroma {
            Chroma::Yuv444 => turbojpeg::Subsamp::None,
            Chroma::Yuv422 => turbojpeg::Subsamp::Sub2x1,
            Chroma::Yuv420 => turbojpeg::Subsamp::Sub2x2,
        });
        let image = turbojpeg::Image {
            pixels: r.data.as_slice(),
            width: w,
            pitch: w * 3,
            height: h,
            format: turbojpeg::PixelFormat::RGB,
        };
        let owned = enc.compress_to_owned(image).ok()?;
        Some(owned.to_vec())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bridge() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/bridge.jpg"
        ))
        .unwrap()
    }

    /// The full-size decode agrees with zune-jpeg's (both accurate IDCT and fancy
    /// upsampling: a few levels of rounding apart at most).
    #[test]
    fn full_size_matches_zune() {
        let bytes = bridge();
        let info = crate::decode::probe(&bytes, &damkit_core::Limits::default()).unwrap();
        let (w, h) = (info.width, info.height);
        let turbo = decode_rgb(&bytes, w, h, w, h).expect("libjpeg-turbo decodes bridge.jpg");
        let mut dec = zune_jpeg::JpegDecoder::new_with_options(
            zune_core::bytestream::ZCursor::new(&bytes[..]),
            zune_core::options::DecoderOptions::default()
                .jpeg_set_out_colorspace(zune_core::colorspace::ColorSpace::RGB),
        );
        let zune = dec.decode().unwrap();
        assert_eq!(turbo.data.len(), zune.len());
        let max = turbo
            .data
            .iter()
            .zip(&zune)
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        let mean = turbo
            .data
            .iter()
            .zip(&zune)
            .map(|(a, b)| f64::from(a.abs_diff(*b)))
            .sum::<f64>()
            / zune.len() as f64;
        assert!(mean < 0.5 && max <= 8, "mean {mean}, max {max}");
    }

    /// DCT-scaled decodes give ceil(w / s) x ceil(h / s) pixels whose mean follows the
    /// full-size image's; a size no DCT scale gives is refused (`None`), not mis-decoded.
    #[test]
    fn scaled_decodes_have_the_scaled_size() {
        let bytes = bridge();
        let info = crate::decode::probe(&bytes, &damkit_core::Limits::default()).unwrap();
        let (w, h) = (info.width, info.height);
        let full = decode_rgb(&bytes, w, h, w, h).unwrap();
        let mean =
            |r: &Raster| r.data.iter().map(|&v| f64::from(v)).sum::<f64>() / r.data.len() as f64;
        for s in [2u32, 4, 8] {
            let (ow, oh) = (w.div_ceil(s), h.div_ceil(s));
            let r = decode_rgb(&bytes, w, h, ow, oh).unwrap();
            assert_eq!(
                (r.width, r.height, r.data.len()),
                (ow, oh, (ow * oh * 3) as usize)
            );
            assert!((mean(&r) - mean(&full)).abs() < 2.0, "1/{s}");
        }
        assert!(
            decode_rgb(&bytes, w + 1, h, w, h).is_none(),
            "wrong header size"
        );
        assert!(
            decode_rgb(&bytes[..bytes.len() / 3], w, h, w, h).is_none(),
            "truncated"
        );
        assert!(decode_rgb(b"not a jpeg", w, h, w, h).is_none());
    }

    /// libjpeg-turbo's encoding decodes back to the picture about as closely as
    /// jpeg-encoder's (same quality scaling, same subsampling) and at a similar size.
    #[test]
    fn turbo_encoding_matches_jpeg_encoder() {
        let bytes = bridge();
        let info = crate::decode::probe(&bytes, &damkit_core::Limits::default()).unwrap();
        let src = decode_rgb(&bytes, info.width, info.height, info.width, info.height).unwrap();
        let mse = |jpeg: &[u8]| {
            let back = image::load_from_memory(jpeg).unwrap().to_rgb8();
            back.as_raw()
                .iter()
                .zip(&src.data)
                .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
                .sum::<f64>()
                / src.data.len() as f64
        };
        for chroma in [
            crate::spec::Chroma::Yuv420,
            crate::spec::Chroma::Yuv422,
            crate::spec::Chroma::Yuv444,
        ] {
            let turbo = encode_rgb(&src, 85, chroma).expect("libjpeg-turbo encodes");
            let mut reference = Vec::new();
            let mut enc = jpeg_encoder::Encoder::new(&mut reference, 85);
            enc.set_sampling_factor(match chroma {
                crate::spec::Chroma::Yuv444 => jpeg_encoder::SamplingFactor::R_4_4_4,
                crate::spec::Chroma::Yuv422 => jpeg_encoder::SamplingFactor::R_4_2_2,
                crate::spec::Chroma::Yuv420 => jpeg_encoder::SamplingFactor::R_4_2_0,
            });
            enc.encode(
                &src.data,
                src.width as u16,
                src.height as u16,
                jpeg_encoder::ColorType::Rgb,
            )
            .unwrap();
            let (t, r) = (mse(&turbo), mse(&reference));
            assert!(
                t < r * 1.15,
                "{chroma:?}: turbo MSE {t:.2}, jpeg-encoder {r:.2}"
            );
            let ratio = turbo.len() as f64 / reference.len() as f64;
            assert!(
                (0.8..1.2).contains(&ratio),
                "{chroma:?}: size ratio {ratio:.2}"
            );
        }
        let rgba = Raster {
            layout: PixelLayout::Rgba8,
            ..src.clone()
        };
        assert!(encode_rgb(&rgba, 85, crate::spec::Chroma::Yuv420).is_none());
    }
}
