//! Encoders: JPEG (jpeg-encoder), PNG (png via image), WebP (image-webp lossless; libwebp
//! lossy behind the `webp-lossy` feature).

use damkit_core::container;

use crate::error::{RenditionError, Result};
use crate::ops;
use crate::raster::{PixelLayout, Raster};
use crate::spec::{Chroma, Format, RenditionSpec};

/// Metadata to embed: EXIF (TIFF structure), the filtered XMP packet, and ready-made APP1 XMP
/// and APP13 Photoshop/IPTC payloads (JPEG). PNG gets `eXIf` and an `iTXt`
/// `XML:com.adobe.xmp` chunk, WebP its `EXIF` and `XMP ` chunks (extended format); IIM has no
/// place in either (its IPTC Core values travel in the XMP).
#[derive(Debug, Default)]
pub(crate) struct Carried {
    pub(crate) exif: Option<Vec<u8>>,
    pub(crate) xmp: Option<Vec<u8>>,
    pub(crate) app1_xmp: Option<Vec<u8>>,
    pub(crate) app13: Option<Vec<u8>>,
}

/// Encodes an sRGB RGB8/RGBA8 raster as `spec.format`.
pub(crate) fn encode(r: Raster, spec: &RenditionSpec, meta: &Carried) -> Result<Vec<u8>> {
    match spec.format {
        Format::Jpeg => encode_jpeg(ops::flatten(r, spec.background), spec, meta),
        Format::Png => {
            let png = encode_png(&ops::drop_opaque_alpha(r))?;
            png_with_metadata(png, meta)
        }
        Format::WebP => {
            let r = ops::drop_opaque_alpha(r);
            let webp = encode_webp(&r, spec.quality)?;
            webp_with_metadata(webp, &r, meta)
        }
        Format::Avif => encode_avif(&ops::drop_opaque_alpha(r), spec.quality),
    }
}

fn encode_jpeg(r: Raster, spec: &RenditionSpec, meta: &Carried) -> Result<Vec<u8>> {
    use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
    let (w, h) = (
        u16::try_from(r.width).map_err(|_| RenditionError::encode("JPEG", "wider than 65535"))?,
        u16::try_from(r.height).map_err(|_| RenditionError::encode("JPEG", "taller than 65535"))?,
    );
    let mut out = Vec::with_capacity(r.data.len() / 8 + 1024);
    let mut enc = Encoder::new(&mut out, spec.quality);
    enc.set_sampling_factor(match spec.chroma {
        Chroma::Yuv444 => SamplingFactor::R_4_4_4,
        Chroma::Yuv422 => SamplingFactor::R_4_2_2,
        Chroma::Yuv420 => SamplingFactor::R_4_2_0,
    });
    enc.set_progressive(spec.progressive);
    if let Some(exif) = &meta.exif {
        enc.add_exif_metadata(exif)
            .map_err(|e| RenditionError::encode("JPEG", e))?;
    }
    if let Some(xmp) = &meta.app1_xmp {
        enc.add_app_segment(1, xmp.clone())
            .map_err(|e| RenditionError::encode("JPEG", e))?;
    }
    if let Some(app13) = &meta.app13 {
        enc.add_app_segment(13, app13.clone())
            .map_err(|e| RenditionError::encode("JPEG", e))?;
    }
    enc.encode(&r.data, w, h, ColorType::Rgb)
        .map_err(|e| RenditionError::encode("JPEG", e))?;
    Ok(out)
}

fn encode_png(r: &Raster) -> Result<Vec<u8>> {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let mut out = Vec::new();
    let ct = if r.layout == PixelLayout::Rgba8 {
        image::ExtendedColorType::Rgba8
    } else {
        image::ExtendedColorType::Rgb8
    };
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(&r.data, r.width, r.height, ct)
        .map_err(|e| RenditionError::encode("PNG", e))?;
    Ok(out)
}

/// Inserts `eXIf` and `iTXt` (`XML:com.adobe.xmp`, uncompressed, as Adobe's XMP spec part 3
/// asks) chunks right after IHDR, before any image data. Chunk framing and CRCs:
/// [`damkit_core::container::png`].
fn png_with_metadata(png: Vec<u8>, meta: &Carried) -> Result<Vec<u8>> {
    if meta.exif.is_none() && meta.xmp.is_none() {
        return Ok(png);
    }
    // Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC).
    const AFTER_IHDR: usize = 8 + 25;
    if png.len() < AFTER_IHDR || &png[12..16] != b"IHDR" {
        return Err(RenditionError::encode("PNG", "encoder output lacks IHDR"));
    }
    let mut out = Vec::with_capacity(png.len() + 64 + meta.xmp.as_ref().map_or(0, Vec::len));
    out.extend_from_slice(&png[..AFTER_IHDR]);
    let too_large = |e| RenditionError::encode("PNG", e);
    if let Some(exif) = &meta.exif {
        container::png::write_chunk(&mut out, b"eXIf", &[exif]).map_err(too_large)?;
    }
    if let Some(xmp) = &meta.xmp {
        container::png::write_xmp_itxt(&mut out, xmp).map_err(too_large)?;
    }
    out.extend_from_slice(&png[AFTER_IHDR..]);
    Ok(out)
}

/// Rewrites an encoder's WebP (simple `VP8 `/`VP8L`, or extended) as an extended file with
/// `EXIF` and `XMP ` chunks after the image data, in the order the WebP container spec
/// gives, with the VP8X flags set. Chunk framing, the VP8X chunk and the RIFF size:
/// [`damkit_core::container::webp`].
fn webp_with_metadata(webp: Vec<u8>, r: &Raster, meta: &Carried) -> Result<Vec<u8>> {
    use container::webp::{FLAG_ALPHA, FLAG_EXIF, FLAG_XMP};
    if meta.exif.is_none() && meta.xmp.is_none() {
        return Ok(webp);
    }
    let bad = || RenditionError::encode("WebP", "encoder output is not a RIFF WEBP file");
    if webp.len() < 12 || &webp[..4] != b"RIFF" || &webp[8..12] != b"WEBP" {
        return Err(bad());
    }
    // The chunks after the header, as (fourcc, whole chunk bytes incl. padding).
    let mut chunks: Vec<(&[u8], &[u8])> = Vec::new();
    let mut at = 12;
    while at + 8 <= webp.len() {
        let len = u32::from_le_bytes(webp[at + 4..at + 8].try_into().map_err(|_| bad())?) as usize;
        let end = at
            .checked_add(8 + len + (len & 1))
            .filter(|&e| e <= webp.len())
            .ok_or_else(bad)?;
        chunks.push((&webp[at..at + 4], &webp[at..end]));
        at = end;
    }
    let mut flags = 0u8;
    if r.layout == PixelLayout::Rgba8 {
        flags |= FLAG_ALPHA;
    }
    match chunks.first() {
        Some((b"VP8X", c)) if c.len() >= 18 => {
            flags |= c[8];
            chunks.remove(0);
        }
        Some(_) => {}
        None => return Err(bad()),
    }
    if meta.exif.is_some() {
        flags |= FLAG_EXIF;
    }
    if meta.xmp.is_some() {
        flags |= FLAG_XMP;
    }
    let too_large = |e| RenditionError::encode("WebP", e);
    let mut out = container::webp::start_file();
    out.reserve(webp.len() + 64);
    container::webp::write_vp8x(&mut out, flags, r.width, r.height).map_err(too_large)?;
    for (kind, c) in &chunks {
        // Metadata an encoder may have written is replaced by ours.
        if *kind != b"EXIF" && *kind != b"XMP " {
            out.extend_from_slice(c);
        }
    }
    for (kind, data) in [(b"EXIF", &meta.exif), (b"XMP ", &meta.xmp)] {
        if let Some(data) = data {
            container::webp::write_chunk(&mut out, kind, data).map_err(too_large)?;
        }
    }
    container::webp::finish_file(&mut out).map_err(too_large)?;
    Ok(out)
}

fn encode_webp(r: &Raster, quality: u8) -> Result<Vec<u8>> {
    if quality >= 100 {
        let mut out = Vec::new();
        let ct = if r.layout == PixelLayout::Rgba8 {
            image_webp::ColorType::Rgba8
        } else {
            image_webp::ColorType::Rgb8
        };
        image_webp::WebPEncoder::new(&mut out)
            .encode(&r.data, r.width, r.height, ct)
            .map_err(|e| RenditionError::encode("WebP", e))?;
        return Ok(out);
    }
    encode_webp_lossy(r, quality)
}

#[cfg(feature = "webp-lossy")]
fn encode_webp_lossy(r: &Raster, quality: u8) -> Result<Vec<u8>> {
    if r.width > 16_383 || r.height > 16_383 {
        return Err(RenditionError::encode(
            "WebP",
            format!("{}x{} exceeds the WebP maximum of 16383", r.width, r.height),
        ));
    }
    let enc = if r.layout == PixelLayout::Rgba8 {
        webp::Encoder::from_rgba(&r.data, r.width, r.height)
    } else {
        webp::Encoder::from_rgb(&r.data, r.width, r.height)
    };
    let mem = enc
        .encode_simple(false, f32::from(quality))
        .map_err(|e| RenditionError::encode("WebP", format!("{e:?}")))?;
    Ok(mem.to_vec())
}

#[cfg(not(feature = "webp-lossy"))]
fn encode_webp_lossy(_r: &Raster, quality: u8) -> Result<Vec<u8>> {
    Err(RenditionError::encode(
        "WebP",
        format!(
            "lossy WebP (quality {quality}) needs the `webp-lossy` feature; use quality 100 for \
             lossless WebP"
        ),
    ))
}

/// AVIF through ravif (rav1e, pure Rust; its `asm` feature is off so no nasm is needed).
/// Speed 6 (ravif's default trade-off), colour and alpha at `quality`.
#[cfg(feature = "avif")]
fn encode_avif(r: &Raster, quality: u8) -> Result<Vec<u8>> {
    use ravif::{Encoder, Img, RGB8, RGBA8};
    let q = f32::from(quality.clamp(1, 100));
    let enc = Encoder::new()
        .with_quality(q)
        .with_alpha_quality(q)
        .with_speed(6);
    let (w, h) = (r.width as usize, r.height as usize);
    let encoded = if r.layout == PixelLayout::Rgba8 {
        let px: Vec<RGBA8> = r
            .data
            .chunks_exact(4)
            .map(|p| RGBA8::new(p[0], p[1], p[2], p[3]))
            .collect();
        enc.encode_rgba(Img::new(&px[..], w, h))
    } else {
        let px: Vec<RGB8> = r
            .data
            .chunks_exact(3)
            .map(|p| RGB8::new(p[0], p[1], p[2]))
            .collect();
        enc.encode_rgb(Img::new(&px[..], w, h))
    };
    encoded
        .map(|e| e.avif_file)
        .map_err(|e| RenditionError::encode("AVIF", e))
}

#[cfg(not(feature = "avif"))]
fn encode_avif(_r: &Raster, _quality: u8) -> Result<Vec<u8>> {
    Err(RenditionError::encode(
        "AVIF",
        "AVIF output needs the `avif` feature of damkit-rendition (ravif, pure Rust; off by \
         default because rav1e is a large build)",
    ))
}

#[cfg(all(test, feature = "avif"))]
mod avif_tests {
    use super::*;

    #[test]
    fn avif_output_is_an_avif_file_with_and_without_alpha() {
        for layout in [PixelLayout::Rgb8, PixelLayout::Rgba8] {
            let (w, h) = (24u32, 16u32);
            let n = (w * h) as usize * if layout == PixelLayout::Rgba8 { 4 } else { 3 };
            let r = Raster {
                width: w,
                height: h,
                layout,
                data: (0..n).map(|i| (i * 7 % 251) as u8).collect(),
            };
            let out = encode_avif(&r, 60).unwrap();
            assert_eq!(&out[4..12], b"ftypavif", "{layout:?}");
            assert!(out.len() > 100, "{layout:?}: {} bytes", out.len());
        }
    }
}
