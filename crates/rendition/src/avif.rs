//! AVIF input (feature `avif-input`): the container through mp4parse (Firefox's AVIF
//! demuxer), the AV1 images through rav1d (see [`crate::ffi`]), YUV to RGB(A) here.

use std::io::Cursor;

use damkit_core::{Limits, MediaType};

use crate::decode::{DecodeOptions, Decoded, SourceInfo};
use crate::error::{RenditionError, Result};
use crate::ffi::{self, Colour, Picture, SequenceInfo, Subsampling};
use crate::raster::{Orientation, PixelLayout, Raster};

const NAME: &str = "AVIF";

fn container_error(e: mp4parse::Error) -> RenditionError {
    match e {
        mp4parse::Error::UnexpectedEOF => RenditionError::Truncated {
            format: NAME,
            detail: "the container ends inside a box".into(),
        },
        mp4parse::Error::Unsupported(what) => {
            RenditionError::Unsupported(format!("AVIF container: {what}"))
        }
        mp4parse::Error::InvalidData(status) => {
            RenditionError::decode(NAME, format!("container: {status:?}"))
        }
        other => RenditionError::decode(NAME, format!("container: {other}")),
    }
}

/// The container, parsed; strictly unless `lenient`.
fn parse(bytes: &[u8], lenient: bool) -> Result<mp4parse::AvifContext> {
    let strictness = if lenient {
        mp4parse::ParseStrictness::Permissive
    } else {
        mp4parse::ParseStrictness::Normal
    };
    mp4parse::read_avif(&mut Cursor::new(bytes), strictness).map_err(container_error)
}

/// The primary item's AV1 data, or the reason there is none.
fn primary(ctx: &mp4parse::AvifContext) -> Result<&[u8]> {
    use mp4parse::Feature;
    if let Some(data) = ctx.primary_item_coded_data() {
        return Ok(data);
    }
    let unsupported = &ctx.unsupported_features;
    if unsupported.contains(Feature::Grid) {
        return Err(RenditionError::Unsupported(
            "AVIF grid image (a primary image made of tiles): not decoded".into(),
        ));
    }
    let essential: Vec<&str> = [
        (Feature::Clap, "clap (clean aperture)"),
        (Feature::A1lx, "a1lx (layered image indexing)"),
        (Feature::A1op, "a1op (operating point selector)"),
        (Feature::Lsel, "lsel (layer selection)"),
        (Feature::Ipro, "ipro (protected item)"),
    ]
    .into_iter()
    .filter(|(f, _)| unsupported.contains(*f))
    .map(|(_, n)| n)
    .collect();
    if !essential.is_empty() {
        return Err(RenditionError::Unsupported(format!(
            "AVIF primary image with essential properties not supported: {}",
            essential.join(", ")
        )));
    }
    if ctx.sequence.is_some() {
        return Err(RenditionError::Unsupported(
            "AVIF image sequence without a primary still image".into(),
        ));
    }
    Err(RenditionError::decode(NAME, "no primary image item"))
}

/// AVIF's `irot` (anticlockwise rotation) then `imir` (mirror) as an EXIF orientation.
fn orientation(ctx: &mp4parse::AvifContext) -> Result<Orientation> {
    use mp4parse::ImageRotation as R;
    let rot = ctx.image_rotation().map_err(container_error)?;
    let mirror = ffi::avif_mirror(ctx).map_err(container_error)?;
    // EXIF 5 is "rotate 90° clockwise, then flip left-right", 7 "rotate 270° clockwise,
    // then flip left-right"; a top-bottom flip is a left-right flip after 180°.
    let o = match (rot, mirror) {
        (R::D0, None) => 1,
        (R::D0, Some(true)) | (R::D180, Some(false)) => 2,
        (R::D180, None) => 3,
        (R::D0, Some(false)) | (R::D180, Some(true)) => 4,
        (R::D90, Some(false)) | (R::D270, Some(true)) => 5,
        (R::D270, None) => 6,
        (R::D90, Some(true)) | (R::D270, Some(false)) => 7,
        (R::D90, None) => 8,
    };
    Ok(Orientation(o))
}

struct Header<'a> {
    info: SourceInfo,
    seq: SequenceInfo,
    colour_data: &'a [u8],
}

fn header<'a>(ctx: &'a mp4parse::AvifContext, limits: &Limits) -> Result<Header<'a>> {
    let colour_data = primary(ctx)?;
    let seq = ffi::parse_sequence_header(colour_data)
        .map_err(|e| RenditionError::decode(NAME, format!("primary item: {e}")))?;
    let (w, h) = (seq.max_width, seq.max_height);
    if w == 0 || h == 0 {
        return Err(RenditionError::decode(
            NAME,
            format!("AV1 sequence header declares {w}x{h} pixels"),
        ));
    }
    limits
        .check_dimensions(w, h)
        .map_err(|e| RenditionError::limit("AVIF (AV1 sequence header)", e))?;
    let info = SourceInfo {
        media_type: MediaType::Avif,
        width: w,
        height: h,
        orientation: orientation(ctx)?,
        has_icc: matches!(ctx.icc_colour_information(), Some(Ok(_))),
        progressive: false,
    };
    Ok(Header {
        info,
        seq,
        colour_data,
    })
}

/// Reads the container and the AV1 sequence header; checks the limits.
pub(crate) fn probe(bytes: &[u8], limits: &Limits) -> Result<SourceInfo> {
    let ctx = parse(bytes, true)?;
    Ok(header(&ctx, limits)?.info)
}

/// Decodes the primary image (and its alpha item) of an AVIF.
pub(crate) fn decode(bytes: &[u8], opts: &DecodeOptions, keep_wide: bool) -> Result<Decoded> {
    let ctx = parse(bytes, opts.lenient)?;
    let Header {
        mut info,
        seq,
        colour_data,
    } = header(&ctx, &opts.limits)?;
    let icc = match ctx.icc_colour_information() {
        Some(Ok(icc)) => Some(icc.to_vec()),
        _ => None,
    };
    let alpha_data = ctx.alpha_item_coded_data();
    let alpha_seq = match alpha_data {
        Some(a) => Some(
            ffi::parse_sequence_header(a)
                .map_err(|e| RenditionError::decode(NAME, format!("alpha item: {e}")))?,
        ),
        None => None,
    };
    let wide = keep_wide && seq.bit_depth > 8;
    let layout = if alpha_data.is_some() {
        PixelLayout::Rgba8
    } else {
        PixelLayout::Rgb8
    };
    // rav1d's picture (three planes, 1 or 2 bytes a sample, rows padded) and about as much
    // again for its frame state; the alpha item's; our RGB(A) copy.
    let pixels = u64::from(seq.max_width) * u64::from(seq.max_height);
    let av1_bytes = |s: &SequenceInfo| pixels * if s.bit_depth > 8 { 2 } else { 1 } * 3 * 2;
    let ours = Raster::byte_len(seq.max_width, seq.max_height, layout) * if wide { 2 } else { 1 };
    let need = av1_bytes(&seq) + alpha_seq.as_ref().map_or(0, av1_bytes) + ours;
    let mut budget = opts.limits.clone();
    budget
        .reserve(need)
        .map_err(|e| RenditionError::limit("AVIF decode buffers", e))?;
    let max_pixels = opts.limits.max_pixels.or_else(|| {
        Some(u64::from(opts.limits.max_image_width?) * u64::from(opts.limits.max_image_height?))
    });
    // rav1d is a translation of dav1d's C code: a few of its checks are `unwrap`s and
    // index bounds that panic, and its API functions are `extern "C"`, so such a panic
    // aborts the process (no `catch_unwind` can stop it). That is why the feature is off
    // by default (README "AVIF input"; `tests/bad/rav1d-panic.avif`).
    let pixels = decode_pixels(
        colour_data,
        alpha_data,
        ctx.premultiplied_alpha,
        wide,
        max_pixels,
    )?;
    info.width = pixels.width;
    info.height = pixels.height;
    let mut warnings = Vec::new();
    if matches!(pixels.colour.transfer, 16 | 18) {
        warnings.push(format!(
            "AVIF with HDR transfer characteristics ({}): not tone-mapped",
            if pixels.colour.transfer == 16 {
                "PQ"
            } else {
                "HLG"
            }
        ));
    }
    if ctx.unsupported_features.contains(mp4parse::Feature::Clap) {
        warnings.push("AVIF clean aperture (clap) ignored: the whole coded image is shown".into());
    }
    let icc = icc.or_else(|| cicp_profile(pixels.colour));
    let (data, wide) = match pixels.samples {
        Samples::Narrow(d) => (d, None),
        Samples::Wide(d) => (Vec::new(), Some(d)),
    };
    Ok(Decoded {
        raster: Raster {
            width: info.width,
            height: info.height,
            layout,
            data,
        },
        info,
        icc,
        exif: None,
        warnings,
        shrink: 1,
        wide,
        xmp: None,
        iim: None,
    })
}

/// An ICC profile for colour primaries other than BT.709/sRGB (Display P3, BT.2020...)
/// signalled by code points only, so that the colour stage converts them to sRGB.
fn cicp_profile(c: Colour) -> Option<Vec<u8>> {
    use moxcms::{
        CicpColorPrimaries, CicpProfile, ColorProfile, MatrixCoefficients, TransferCharacteristics,
    };
    // 1 = BT.709 (sRGB primaries), 2 = unspecified: nothing to convert.
    if matches!(c.primaries, 1 | 2) || matches!(c.transfer, 16 | 18) {
        return None;
    }
    let primaries = CicpColorPrimaries::try_from(c.primaries).ok()?;
    // Unspecified transfer: sRGB's curve, as the AVIF defaults are.
    let transfer =
        TransferCharacteristics::try_from(if c.transfer == 2 { 13 } else { c.transfer }).ok()?;
    let profile = ColorProfile::new_from_cicp(CicpProfile {
        color_primaries: primaries,
        transfer_characteristics: transfer,
        matrix_coefficients: MatrixCoefficients::try_from(0).ok()?,
        full_range: true,
    });
    profile.encode().ok()
}

enum Samples {
    Narrow(Vec<u8>),
    Wide(Vec<u16>),
}

struct Pixels {
    width: u32,
    height: u32,
    colour: Colour,
    samples: Samples,
}

fn av1_err(item: &str) -> impl Fn(String) -> RenditionError + '_ {
    move |e| RenditionError::decode(NAME, format!("{item}: {e}"))
}

fn decode_pixels(
    colour_data: &[u8],
    alpha_data: Option<&[u8]>,
    premultiplied: bool,
    wide: bool,
    max_pixels: Option<u64>,
) -> Result<Pixels> {
    let mut dec = ffi::Decoder::new(max_pixels).map_err(av1_err("primary item"))?;
    let pic = dec.decode(colour_data).map_err(av1_err("primary item"))?;
    let (w, h) = (pic.width(), pic.height());
    let colour = pic.colour().unwrap_or(Colour {
        primaries: 2,
        transfer: 2,
        matrix: 2,
        full_range: false,
    });
    let channels = if alpha_data.is_some() { 4 } else { 3 };
    let len = w as usize * h as usize * channels;
    let no_memory = |e: std::collections::TryReserveError| {
        RenditionError::decode(NAME, format!("{w}x{h} pixels: {e}"))
    };
    // Fallible allocation: with `Limits::no_limits()` a huge frame is an error, not an abort.
    let mut samples = if wide {
        Samples::Wide(crate::decode::filled(len, 0u16).map_err(no_memory)?)
    } else {
        Samples::Narrow(crate::decode::filled(len, 0u8).map_err(no_memory)?)
    };
    to_rgb(&pic, colour, channels, &mut samples)?;
    drop(pic);
    drop(dec);
    if let Some(a) = alpha_data {
        let mut dec = ffi::Decoder::new(max_pixels).map_err(av1_err("alpha item"))?;
        let apic = dec.decode(a).map_err(av1_err("alpha item"))?;
        if (apic.width(), apic.height()) != (w, h) {
            return Err(RenditionError::decode(
                NAME,
                format!(
                    "alpha item is {}x{}, the colour image {w}x{h}",
                    apic.width(),
                    apic.height()
                ),
            ));
        }
        put_alpha(&apic, &mut samples, premultiplied)?;
    }
    Ok(Pixels {
        width: w,
        height: h,
        colour,
        samples,
    })
}

fn sample(plane: &ffi::Plane<'_>, wide: bool, x: usize, y: usize) -> f32 {
    let i = y * plane.stride + if wide { x * 2 } else { x };
    if wide {
        match plane.bytes.get(i..i + 2) {
            Some(b) => f32::from(u16::from_ne_bytes([b[0], b[1]])),
            None => 0.0,
        }
    } else {
        plane.bytes.get(i).map_or(0.0, |&v| f32::from(v))
    }
}

/// How to turn normalised Y'CbCr into R'G'B'.
#[derive(Clone, Copy)]
enum Matrix {
    /// Y'CbCr with these luma weights of red and blue.
    Ycc { kr: f32, kb: f32 },
    /// GBR stored as Y, U, V (matrix 0).
    Identity,
    /// YCgCo (matrix 8).
    YCgCo,
}

fn matrix(code: u8) -> Matrix {
    match code {
        0 => Matrix::Identity,
        1 => Matrix::Ycc {
            kr: 0.2126,
            kb: 0.0722,
        },
        4 => Matrix::Ycc { kr: 0.30, kb: 0.11 },
        7 => Matrix::Ycc {
            kr: 0.212,
            kb: 0.087,
        },
        8 => Matrix::YCgCo,
        9 | 10 => Matrix::Ycc {
            kr: 0.2627,
            kb: 0.0593,
        },
        // 5, 6 (BT.601), 2 (unspecified: BT.601 by the AVIF/libavif default) and the rare
        // ones (SMPTE 2085, chromaticity-derived, ICtCp).
        _ => Matrix::Ycc {
            kr: 0.299,
            kb: 0.114,
        },
    }
}

fn to_rgb(pic: &Picture<'_>, colour: Colour, channels: usize, out: &mut Samples) -> Result<()> {
    let depth = pic.bit_depth();
    if !(8..=12).contains(&depth) {
        return Err(RenditionError::decode(
            NAME,
            format!("unsupported AV1 bit depth {depth}"),
        ));
    }
    let sub = pic.subsampling().ok_or_else(|| {
        RenditionError::decode(NAME, "the AV1 picture has an unknown chroma layout")
    })?;
    let missing = |p: usize| {
        RenditionError::decode(
            NAME,
            format!(
                "the AV1 picture ({} {depth}-bit) has no usable plane {p}",
                sub.name()
            ),
        )
    };
    let y_plane = pic.plane(0).ok_or_else(|| missing(0))?;
    let uv = if sub == Subsampling::Mono {
        None
    } else {
        Some((
            pic.plane(1).ok_or_else(|| missing(1))?,
            pic.plane(2).ok_or_else(|| missing(2))?,
        ))
    };
    let wide_in = depth > 8;
    let max = f32::from(((1u32 << depth) - 1) as u16);
    let scale = f32::from(1u16 << (depth - 8));
    // Normalisation of luma (and of identity-coded G, B, R) and of chroma to [0, 1] and
    // [-0.5, 0.5].
    let (y_off, y_div, c_div) = if colour.full_range {
        (0.0, max, max)
    } else {
        (16.0 * scale, 219.0 * scale, 224.0 * scale)
    };
    let c_mid = 128.0 * scale;
    let m = matrix(colour.matrix);
    let (sx, sy) = sub.shifts();
    let (w, h) = (pic.width() as usize, pic.height() as usize);
    let mut write = |i: usize, v: f32| {
        let v = v.clamp(0.0, 1.0);
        match out {
            Samples::Narrow(d) => d[i] = (v * 255.0 + 0.5) as u8,
            Samples::Wide(d) => d[i] = (v * 65535.0 + 0.5) as u16,
        }
    };
    for y in 0..h {
        for x in 0..w {
            let luma = (sample(&y_plane, wide_in, x, y) - y_off) / y_div;
            let (r, g, b) = match &uv {
                None => (luma, luma, luma),
                Some((u, v)) => {
                    let (cx, cy) = (x >> sx, y >> sy);
                    let (us, vs) = (sample(u, wide_in, cx, cy), sample(v, wide_in, cx, cy));
                    match m {
                        Matrix::Identity => ((vs - y_off) / y_div, luma, (us - y_off) / y_div),
                        Matrix::YCgCo => {
                            let (cg, co) = ((us - c_mid) / c_div, (vs - c_mid) / c_div);
                            let t = luma - cg;
                            (t + co, luma + cg, t - co)
                        }
                        Matrix::Ycc { kr, kb } => {
                            let (cb, cr) = ((us - c_mid) / c_div, (vs - c_mid) / c_div);
                            let r = luma + 2.0 * (1.0 - kr) * cr;
                            let b = luma + 2.0 * (1.0 - kb) * cb;
                            let g = (luma - kr * r - kb * b) / (1.0 - kr - kb);
                            (r, g, b)
                        }
                    }
                }
            };
            let i = (y * w + x) * channels;
            write(i, r);
            write(i + 1, g);
            write(i + 2, b);
            if channels == 4 {
                write(i + 3, 1.0);
            }
        }
    }
    Ok(())
}

/// Writes the alpha item's luma (full range, whatever its header says: libavif's rule) into
/// the fourth channel, and undoes premultiplication when the file says it is premultiplied.
fn put_alpha(pic: &Picture<'_>, out: &mut Samples, premultiplied: bool) -> Result<()> {
    let depth = pic.bit_depth();
    let plane = pic
        .plane(0)
        .filter(|_| (8..=12).contains(&depth))
        .ok_or_else(|| RenditionError::decode(NAME, "the alpha item has no usable plane"))?;
    let wide_in = depth > 8;
    let max = f32::from(((1u32 << depth) - 1) as u16);
    let (w, h) = (pic.width() as usize, pic.height() as usize);
    for y in 0..h {
        for x in 0..w {
            let a = (sample(&plane, wide_in, x, y) / max).clamp(0.0, 1.0);
            let i = (y * w + x) * 4;
            match out {
                Samples::Narrow(d) => {
                    let a = (a * 255.0 + 0.5) as u8;
                    d[i + 3] = a;
                    if premultiplied {
                        for c in &mut d[i..i + 3] {
                            *c = unpremultiply(u32::from(*c), u32::from(a), 255) as u8;
                        }
                    }
                }
                Samples::Wide(d) => {
                    let a = (a * 65535.0 + 0.5) as u16;
                    d[i + 3] = a;
                    if premultiplied {
                        for c in &mut d[i..i + 3] {
                            *c = unpremultiply(u32::from(*c), u32::from(a), 65535) as u16;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn unpremultiply(c: u32, a: u32, max: u32) -> u32 {
    if a == 0 {
        0
    } else {
        ((u64::from(c) * u64::from(max) + u64::from(a) / 2) / u64::from(a)).min(u64::from(max))
            as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// 10- and 12-bit sources keep 16-bit samples for the pipeline's wide path, within
    /// rounding of libavif's 16-bit decode.
    #[test]
    fn high_bit_depth_keeps_16_bit_samples() {
        for (name, reference) in [
            ("avif-10bit.avif", "avif-10bit.ref16.png"),
            (
                "avif-422-12bit-bt709-limited.avif",
                "avif-422-12bit-bt709-limited.ref16.png",
            ),
        ] {
            let d = decode(&file(name), &DecodeOptions::default(), true).unwrap();
            let wide = d.wide.expect("16-bit samples");
            assert!(d.raster.data.is_empty());
            let want = image::load_from_memory(&file(reference))
                .unwrap()
                .into_rgb16()
                .into_raw();
            assert_eq!(wide.len(), want.len());
            let max = wide
                .iter()
                .zip(&want)
                .map(|(a, b)| a.abs_diff(*b))
                .max()
                .unwrap();
            // 3 steps of 8 bits; a 10-bit step is 64.
            assert!(max <= 3 * 257, "{name}: max 16-bit difference {max}");
            // 8-bit sources stay 8-bit.
            let d = decode(&file("avif-420.avif"), &DecodeOptions::default(), true).unwrap();
            assert!(d.wide.is_none() && !d.raster.data.is_empty());
        }
    }

    #[test]
    fn unpremultiply_rounds_and_clamps() {
        assert_eq!(unpremultiply(64, 128, 255), 128);
        assert_eq!(unpremultiply(200, 100, 255), 255);
        assert_eq!(unpremultiply(10, 0, 255), 0);
        assert_eq!(unpremultiply(65535, 65535, 65535), 65535);
    }
}
