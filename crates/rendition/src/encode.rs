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

/// The APP segments a JPEG rendition carries, in order: EXIF (APP1 `Exif\0\0`), XMP (APP1)
/// and Photoshop/IPTC (APP13), each checked to fit one segment.
fn app_segments(meta: &Carried) -> Result<Vec<(u8, Vec<u8>)>> {
    let mut segments = Vec::new();
    if let Some(exif) = &meta.exif {
        let mut data = Vec::with_capacity(6 + exif.len());
        data.extend_from_slice(b"Exif\0\0");
        data.extend_from_slice(exif);
        segments.push((1, data));
    }
    if let Some(xmp) = &meta.app1_xmp {
        segments.push((1, xmp.clone()));
    }
    if let Some(app13) = &meta.app13 {
        segments.push((13, app13.clone()));
    }
    for (n, data) in &segments {
        // A segment's length field (2 bytes) counts itself.
        if data.len() > 65_533 {
            return Err(RenditionError::encode(
                "JPEG",
                format!(
                    "APP{n} segment of {} bytes is over the 65,533-byte limit",
                    data.len()
                ),
            ));
        }
    }
    Ok(segments)
}

fn encode_jpeg(r: Raster, spec: &RenditionSpec, meta: &Carried) -> Result<Vec<u8>> {
    use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
    let (w, h) = (
        u16::try_from(r.width).map_err(|_| RenditionError::encode("JPEG", "wider than 65535"))?,
        u16::try_from(r.height).map_err(|_| RenditionError::encode("JPEG", "taller than 65535"))?,
    );
    let segments = app_segments(meta)?;
    // With the `turbojpeg` feature, baseline JPEGs are encoded by libjpeg-turbo (progressive
    // ones, and anything it fails on, by jpeg-encoder below).
    #[cfg(feature = "turbojpeg")]
    if !spec.progressive
        && let Some(jpeg) = crate::turbo::encode_rgb(&r, spec.quality, spec.chroma)
    {
        return insert_app_segments(jpeg, &segments);
    }
    let mut out = Vec::with_capacity(r.data.len() / 8 + 1024);
    let mut enc = Encoder::new(&mut out, spec.quality);
    enc.set_sampling_factor(match spec.chroma {
        Chroma::Yuv444 => SamplingFactor::R_4_4_4,
        Chroma::Yuv422 => SamplingFactor::R_4_2_2,
        Chroma::Yuv420 => SamplingFactor::R_4_2_0,
    });
    enc.set_progressive(spec.progressive);
    for (n, data) in segments {
        enc.add_app_segment(n, data)
            .map_err(|e| RenditionError::encode("JPEG", e))?;
    }
    enc.encode(&r.data, w, h, ColorType::Rgb)
        .map_err(|e| RenditionError::encode("JPEG", e))?;
    Ok(out)
}

/// Inserts `segments` into an encoder's JPEG right after its SOI and JFIF APP0 segment
/// (where jpeg-encoder writes them too).
#[cfg_attr(not(feature = "turbojpeg"), allow(dead_code))]
fn insert_app_segments(jpeg: Vec<u8>, segments: &[(u8, Vec<u8>)]) -> Result<Vec<u8>> {
    if segments.is_empty() {
        return Ok(jpeg);
    }
    if jpeg.len() < 4 || jpeg[..2] != [0xFF, 0xD8] {
        return Err(RenditionError::encode("JPEG", "encoder output lacks SOI"));
    }
    let mut at = 2;
    if jpeg[2..4] == [0xFF, 0xE0] {
        let len = jpeg
            .get(4..6)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .filter(|&len| len >= 2 && 4 + len <= jpeg.len())
            .ok_or_else(|| RenditionError::encode("JPEG", "encoder output has a bad APP0"))?;
        at = 4 + len;
    }
    let extra: usize = segments.iter().map(|(_, d)| 4 + d.len()).sum();
    let mut out = Vec::with_capacity(jpeg.len() + extra);
    out.extend_from_slice(&jpeg[..at]);
    for (n, data) in segments {
        out.extend_from_slice(&[0xFF, 0xE0 + n]);
        // Checked by `app_segments`: at most 65,533 bytes of data.
        out.extend_from_slice(&((data.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(data);
    }
    out.extend_from_slice(&jpeg[at..]);
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

#[cfg(test)]
mod jpeg_tests {
    use super::*;

    /// A smooth RGB test picture with some detail (a JPEG encodes it well at q90).
    fn picture(w: u32, h: u32) -> Raster {
        let mut data = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                let (fx, fy) = (f64::from(x) / f64::from(w), f64::from(y) / f64::from(h));
                data.push((255.0 * fx) as u8);
                data.push((255.0 * fy) as u8);
                data.push((127.5 + 100.0 * (fx * 12.0).sin() * (fy * 9.0).cos()) as u8);
            }
        }
        Raster {
            width: w,
            height: h,
            layout: PixelLayout::Rgb8,
            data,
        }
    }

    /// The markers of a JPEG's segments up to the first scan, with their payloads.
    fn segments(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "SOI");
        let mut out = Vec::new();
        let mut at = 2;
        while at + 4 <= jpeg.len() {
            assert_eq!(jpeg[at], 0xFF, "marker at {at}");
            let marker = jpeg[at + 1];
            let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
            out.push((marker, jpeg[at + 4..at + 2 + len].to_vec()));
            if marker == 0xDA {
                break;
            }
            at += 2 + len;
        }
        out
    }

    fn psnr(a: &[u8], b: &[u8]) -> f64 {
        assert_eq!(a.len(), b.len());
        let mse = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
            .sum::<f64>()
            / a.len() as f64;
        10.0 * (255.0 * 255.0 / mse.max(1e-9)).log10()
    }

    fn carried() -> Carried {
        Carried {
            exif: Some(b"MM\0\x2a\0\0\0\x08\0\0".to_vec()),
            xmp: None,
            app1_xmp: Some(b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>".to_vec()),
            app13: Some(b"Photoshop 3.0\0".to_vec()),
        }
    }

    /// Whichever encoder the build uses, a JPEG rendition carries EXIF, XMP and IIM segments
    /// right after SOI and APP0, in that order, and decodes back to the picture.
    #[test]
    fn jpeg_output_carries_segments_and_decodes() {
        let r = picture(301, 207);
        for (progressive, chroma) in [
            (false, Chroma::Yuv420),
            (false, Chroma::Yuv444),
            (false, Chroma::Yuv422),
            (true, Chroma::Yuv420),
        ] {
            let spec = RenditionSpec {
                quality: 92,
                progressive,
                chroma,
                ..RenditionSpec::default()
            };
            let jpeg = encode_jpeg(r.clone(), &spec, &carried()).unwrap();
            let segs = segments(&jpeg);
            let markers: Vec<u8> = segs.iter().map(|s| s.0).collect();
            assert_eq!(&markers[..4], &[0xE0, 0xE1, 0xE1, 0xED], "{markers:x?}");
            assert!(segs[1].1.starts_with(b"Exif\0\0MM"));
            assert!(segs[2].1.starts_with(b"http://ns.adobe.com/xap/1.0/\0"));
            assert!(segs[3].1.starts_with(b"Photoshop 3.0\0"));
            let sof = if progressive { 0xC2 } else { 0xC0 };
            assert!(markers.contains(&sof), "{progressive}: {markers:x?}");
            let back = image::load_from_memory(&jpeg).unwrap().to_rgb8();
            assert_eq!(back.dimensions(), (301, 207));
            let p = psnr(back.as_raw(), &r.data);
            assert!(p > 34.0, "{chroma:?} progressive {progressive}: {p:.1} dB");
        }
    }

    /// A segment too large for JPEG's 16-bit length is a clear error, not a broken file.
    #[test]
    fn oversized_segment_is_refused() {
        let meta = Carried {
            app13: Some(vec![0; 70_000]),
            ..Carried::default()
        };
        let err = encode_jpeg(picture(16, 16), &RenditionSpec::default(), &meta).unwrap_err();
        assert!(err.to_string().contains("APP13"), "{err}");
    }

    /// Segments go after APP0 when there is one, else right after SOI; none: unchanged.
    #[test]
    fn segments_are_inserted_after_app0() {
        let with_app0 = [0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2, 0xFF, 0xDB];
        let segs = vec![(1u8, b"ab".to_vec())];
        assert_eq!(
            insert_app_segments(with_app0.to_vec(), &segs).unwrap(),
            [
                0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2, 0xFF, 0xE1, 0, 4, b'a', b'b', 0xFF, 0xDB
            ]
        );
        let bare = [0xFF, 0xD8, 0xFF, 0xDB];
        assert_eq!(
            insert_app_segments(bare.to_vec(), &segs).unwrap(),
            [0xFF, 0xD8, 0xFF, 0xE1, 0, 4, b'a', b'b', 0xFF, 0xDB]
        );
        assert_eq!(insert_app_segments(bare.to_vec(), &[]).unwrap(), bare);
        assert!(insert_app_segments(vec![0xFF, 0xE0, 0, 0], &segs).is_err());
        assert!(insert_app_segments(vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 40], &segs).is_err());
    }
}
