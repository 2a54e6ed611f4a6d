//! Header probing and decoding under [`Limits`], with JPEG shrink-on-load.

use std::io::{Cursor, Read};

use damkit_core::{Limits, MediaType};
use serde::Serialize;

use crate::error::{RenditionError, Result};
use crate::raster::{Orientation, PixelLayout, Raster};

/// What the header of an input says, read without decoding pixels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SourceInfo {
    /// The detected format.
    pub media_type: MediaType,
    /// Stored width in pixels.
    pub width: u32,
    /// Stored height in pixels.
    pub height: u32,
    /// EXIF orientation (1 when absent).
    pub orientation: Orientation,
    /// Whether an ICC profile is embedded.
    pub has_icc: bool,
    /// Whether the JPEG is progressive (false for other formats).
    pub progressive: bool,
}

impl SourceInfo {
    /// Width and height after applying the orientation.
    pub fn display_size(&self) -> (u32, u32) {
        self.orientation.display_size(self.width, self.height)
    }
}

/// A decoded source, possibly reduced in size by shrink-on-load.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Decoded {
    /// Header facts of the source (full size).
    pub info: SourceInfo,
    /// The pixels, in stored (not yet oriented) order.
    pub raster: Raster,
    /// The embedded ICC profile.
    pub icc: Option<Vec<u8>>,
    /// The raw EXIF block (TIFF structure, without the `Exif\0\0` prefix).
    pub exif: Option<Vec<u8>>,
    /// Defects tolerated in lenient mode.
    pub warnings: Vec<String>,
    /// The DCT scale-down used: each decoded pixel stands for `shrink` x `shrink` source
    /// pixels (the last row and column may stand for fewer).
    pub shrink: u32,
    /// 16-bit samples (RGB or RGBA per `raster.layout`, native endian) of a 16-bit source
    /// decoded for the pipeline: it resizes these and reduces to 8 bits afterwards. When
    /// set, `raster.data` is empty.
    pub(crate) wide: Option<Vec<u16>>,
    /// The source's XMP packet, if any.
    pub(crate) xmp: Option<Vec<u8>>,
    /// The source's IPTC-IIM block, if any.
    pub(crate) iim: Option<Vec<u8>>,
}

/// How to decode.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// Resource limits, checked against the header before any pixel buffer is allocated.
    pub limits: Limits,
    /// Decode what is there in truncated inputs (with a warning) instead of failing.
    pub lenient: bool,
    /// JPEG DCT scale-down: 1, 2, 4 or 8 (other formats ignore it).
    pub jpeg_shrink: u32,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            limits: Limits::default(),
            lenient: false,
            jpeg_shrink: 1,
        }
    }
}

/// Detects the format and refuses the ones this crate cannot decode, with a clear message.
pub fn detect_format(bytes: &[u8]) -> Result<MediaType> {
    if bytes.is_empty() {
        return Err(RenditionError::Empty);
    }
    match MediaType::detect(bytes) {
        Some(
            t @ (MediaType::Jpeg
            | MediaType::Png
            | MediaType::Tiff
            | MediaType::WebP
            | MediaType::Gif
            | MediaType::Bmp),
        ) => Ok(t),
        #[cfg(feature = "avif-input")]
        Some(MediaType::Avif) => Ok(MediaType::Avif),
        #[cfg(not(feature = "avif-input"))]
        Some(MediaType::Avif) => Err(RenditionError::Unsupported(
            "AVIF (this build has no AV1 decoder: build damkit-rendition with feature \
             `avif-input`)"
                .into(),
        )),
        Some(t @ (MediaType::Heic | MediaType::Heif)) => Err(RenditionError::Unsupported(format!(
            "{} (HEVC: no pure-Rust HEVC decoder builds from crates.io without system \
             libraries; convert it to JPEG, PNG, TIFF or AVIF first)",
            t.name()
        ))),
        Some(t) => Err(RenditionError::Unsupported(format!(
            "{} ({}) is not a raster format this crate decodes",
            t.name(),
            t.mime()
        ))),
        None => Err(RenditionError::Unsupported(
            "unrecognised bytes (not JPEG, PNG, TIFF, WebP, GIF or BMP)".into(),
        )),
    }
}

/// Reads the header only: format, size, orientation, ICC presence; checks the limits.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<SourceInfo> {
    let media_type = detect_format(bytes)?;
    limits
        .check_input_size(bytes.len() as u64)
        .map_err(|e| RenditionError::limit("input", e))?;
    #[cfg(feature = "avif-input")]
    if media_type == MediaType::Avif {
        return crate::avif::probe(bytes, limits);
    }
    if media_type == MediaType::Jpeg {
        let mut dec = jpeg_decoder::Decoder::new(Cursor::new(bytes));
        dec.read_info()
            .map_err(|e| RenditionError::decode("JPEG", e))?;
        let (info, _) = jpeg_info(&dec, limits)?;
        Ok(info)
    } else {
        let (info, _) = image_header(Cursor::new(bytes), media_type, limits)?;
        Ok(info)
    }
}

/// Decodes `bytes` under `opts`. The raster is 8 bits per channel (16-bit inputs are
/// reduced; the renderer itself resizes 16-bit inputs at 16 bits, see [`crate::Renderer`]).
pub fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded> {
    decode_impl(bytes, opts, false)
}

/// [`decode`], keeping 16-bit samples of 16-bit sources in `Decoded::wide` when `keep_wide`.
pub(crate) fn decode_impl(bytes: &[u8], opts: &DecodeOptions, keep_wide: bool) -> Result<Decoded> {
    let media_type = detect_format(bytes)?;
    opts.limits
        .check_input_size(bytes.len() as u64)
        .map_err(|e| RenditionError::limit("input", e))?;
    #[cfg(feature = "avif-input")]
    if media_type == MediaType::Avif {
        return crate::avif::decode(bytes, opts, keep_wide);
    }
    if media_type == MediaType::Jpeg {
        decode_jpeg(bytes, opts)
    } else {
        decode_with_image(|| Ok(Cursor::new(bytes)), media_type, opts, keep_wide)
    }
}

fn exif_orientation(exif: &[u8]) -> Orientation {
    let Ok(parsed) = exif::Reader::new().read_raw(exif.to_vec()) else {
        return Orientation::NORMAL;
    };
    parsed
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .map_or(Orientation::NORMAL, Orientation::from_exif)
}

fn jpeg_info<R: Read>(
    dec: &jpeg_decoder::Decoder<R>,
    limits: &Limits,
) -> Result<(SourceInfo, Option<Vec<u8>>)> {
    let info = dec
        .info()
        .ok_or_else(|| RenditionError::decode("JPEG", "no frame header (SOF) before the scan"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if w == 0 || h == 0 {
        return Err(RenditionError::decode(
            "JPEG",
            format!("frame header declares {w}x{h} pixels"),
        ));
    }
    limits
        .check_dimensions(w, h)
        .map_err(|e| RenditionError::limit("JPEG header", e))?;
    let exif = dec.exif_data().map(<[u8]>::to_vec);
    let orientation = exif
        .as_deref()
        .map_or(Orientation::NORMAL, exif_orientation);
    let icc = dec.icc_profile();
    Ok((
        SourceInfo {
            media_type: MediaType::Jpeg,
            width: w,
            height: h,
            orientation,
            has_icc: icc.is_some(),
            progressive: matches!(
                info.coding_process,
                jpeg_decoder::CodingProcess::DctProgressive
            ),
        },
        exif,
    ))
}

/// Whether the JPEG ends with an EOI marker (ignoring trailing zero padding and whitespace).
fn jpeg_has_eoi(bytes: &[u8]) -> bool {
    // Some writers append padding or other data; look in the last 64 KiB for FF D9.
    let tail = &bytes[bytes.len().saturating_sub(64 * 1024)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

fn decode_jpeg(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded> {
    if opts.lenient && !jpeg_has_eoi(bytes) {
        // The decoder pads the entropy-coded data with zeros when it meets a marker: give it
        // an end-of-image marker where the file stops, and it decodes what is there.
        let mut padded = Vec::new();
        padded
            .try_reserve_exact(bytes.len() + 2)
            .map_err(|e| RenditionError::decode("JPEG", e))?;
        padded.extend_from_slice(bytes);
        padded.extend_from_slice(&[0xFF, 0xD9]);
        let mut d = decode_jpeg_inner(&padded, opts)?;
        d.warnings
            .push("JPEG has no end-of-image marker (truncated): decoded what was there".into());
        return Ok(d);
    }
    decode_jpeg_inner(bytes, opts)
}

fn decode_jpeg_inner(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded> {
    let warnings = Vec::new();
    let mut dec = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    dec.read_info()
        .map_err(|e| RenditionError::decode("JPEG", e))?;
    let (info, exif) = jpeg_info(&dec, &opts.limits)?;
    let icc = dec.icc_profile();
    let (xmp, iim) = crate::xmp::jpeg_xmp_and_iim(bytes);
    if !jpeg_has_eoi(bytes) {
        return Err(RenditionError::Truncated {
            format: "JPEG",
            detail: format!(
                "no end-of-image marker in {} bytes (use lenient mode to decode what is there)",
                bytes.len()
            ),
        });
    }
    let jinfo = dec
        .info()
        .ok_or_else(|| RenditionError::decode("JPEG", "no frame header (SOF) before the scan"))?;
    let ncomp: u64 = match jinfo.pixel_format {
        jpeg_decoder::PixelFormat::L8 => 1,
        jpeg_decoder::PixelFormat::L16 => 2,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
    };
    let shrink = match opts.jpeg_shrink {
        s @ (2 | 4 | 8) => s,
        _ => 1,
    };
    let (mut ow, mut oh) = (info.width, info.height);
    if shrink > 1 {
        let req_w = info.width.div_ceil(shrink) as u16;
        let req_h = info.height.div_ceil(shrink) as u16;
        let (w, h) = dec
            .scale(req_w, req_h)
            .map_err(|e| RenditionError::decode("JPEG", e))?;
        (ow, oh) = (u32::from(w), u32::from(h));
    }
    // The decoder keeps one plane per component at output size (plus, for progressive JPEGs,
    // the full-size coefficients: 2 bytes per sample) and returns an interleaved copy.
    let full = u64::from(info.width) * u64::from(info.height);
    let out = u64::from(ow) * u64::from(oh) * ncomp;
    let coeffs = if info.progressive {
        full * ncomp * 2
    } else {
        0
    };
    let estimate = out * 2 + coeffs;
    // The budget of the general decoders; the DC decoder checks its own (much smaller)
    // buffers against the limits, so a progressive file too large for jpeg-decoder's
    // coefficients can still get its 1/8 decode.
    let budget = opts
        .limits
        .clone()
        .reserve(estimate)
        .map_err(|e| RenditionError::limit("JPEG decode buffers", e));
    dec.set_max_decoding_buffer_size(alloc_budget(&opts.limits));
    // At 1/8 scale only the DC coefficients matter: damkit-core's DC decoder gives
    // libjpeg's 1/8-scale pixels while only skipping the AC coefficients (several times
    // faster than jpeg-decoder's scaled path; for progressive files it skips the AC scans
    // whole). Kinds it does not handle (arithmetic, 12-bit, damaged data...) fall through
    // to jpeg-decoder.
    // With the `turbojpeg` feature, libjpeg-turbo decodes colour and grey JPEGs at every
    // scale (`None`: not such a JPEG, or libjpeg-turbo refused it: the paths below).
    let turbo = match budget {
        Ok(()) => decode_turbo(bytes, &info, jinfo.pixel_format, ow, oh),
        Err(_) => None,
    };
    let dc = if let Some(r) = turbo {
        Some(r)
    } else if shrink == 8 {
        decode_dc(bytes, &opts.limits, ow, oh)?
    } else {
        None
    };
    if dc.is_none() {
        budget?;
    }
    // A full-size decode of a colour or grey JPEG goes through zune-jpeg (SIMD, faster and
    // one output buffer); scaled decodes and CMYK/YCCK go through jpeg-decoder.
    let full_size_rgb = shrink == 1
        && matches!(
            jinfo.pixel_format,
            jpeg_decoder::PixelFormat::RGB24 | jpeg_decoder::PixelFormat::L8
        );
    let raster = match dc {
        Some(raster) => raster,
        None if full_size_rgb => Raster {
            width: ow,
            height: oh,
            layout: PixelLayout::Rgb8,
            data: decode_full_with_zune(bytes, &info)?,
        },
        None => decode_with_jpeg_decoder(&mut dec, jinfo.pixel_format, ow, oh)?,
    };
    Ok(Decoded {
        info,
        raster,
        icc,
        exif,
        warnings,
        shrink,
        wide: None,
        xmp,
        iim,
    })
}

/// The jpeg-decoder path (scaled decodes, CMYK/YCCK, 16-bit grey): its output as a raster of
/// `ow` x `oh` pixels, checked against the size it claims.
fn decode_with_jpeg_decoder<R: Read>(
    dec: &mut jpeg_decoder::Decoder<R>,
    format: jpeg_decoder::PixelFormat,
    ow: u32,
    oh: u32,
) -> Result<Raster> {
    let pixels = match dec.decode() {
        Ok(p) => p,
        Err(e) => return Err(RenditionError::decode("JPEG", e)),
    };
    let n = (u64::from(ow) * u64::from(oh)) as usize;
    let raster = match format {
        jpeg_decoder::PixelFormat::RGB24 => Raster {
            width: ow,
            height: oh,
            layout: PixelLayout::Rgb8,
            data: pixels,
        },
        jpeg_decoder::PixelFormat::CMYK32 => Raster {
            width: ow,
            height: oh,
            layout: PixelLayout::Cmyk8,
            data: pixels,
        },
        jpeg_decoder::PixelFormat::L8 => Raster {
            width: ow,
            height: oh,
            layout: PixelLayout::Rgb8,
            data: pixels.iter().take(n).flat_map(|&v| [v, v, v]).collect(),
        },
        jpeg_decoder::PixelFormat::L16 => Raster {
            width: ow,
            height: oh,
            layout: PixelLayout::Rgb8,
            // Big-endian 16-bit samples: keep the high byte.
            data: pixels
                .chunks_exact(2)
                .take(n)
                .flat_map(|v| [v[0], v[0], v[0]])
                .collect(),
        },
    };
    if raster.data.len() as u64 != Raster::byte_len(ow, oh, raster.layout) {
        return Err(RenditionError::decode(
            "JPEG",
            format!(
                "decoder returned {} bytes for {ow}x{oh} pixels",
                raster.data.len()
            ),
        ));
    }
    Ok(raster)
}

/// The 1/8-scale decode from the DC coefficients, as a raster of the layout jpeg-decoder
/// would give (grey expanded to RGB; CMYK with 0 = no ink); `None` to decode otherwise.
fn decode_dc(bytes: &[u8], limits: &Limits, ow: u32, oh: u32) -> Result<Option<Raster>> {
    let img = damkit_core::jpeg::decode_dc(bytes, limits)
        .map_err(|e| RenditionError::limit("JPEG decode", e))?;
    Ok(img.and_then(|img| dc_raster(img, ow, oh)))
}

/// A DC decoder's image as a raster (grey expanded to RGB; CMYK with 0 = no ink); `None`
/// unless it has the size jpeg-decoder's 1/8 decode would have.
fn dc_raster(img: damkit_core::jpeg::DcImage, ow: u32, oh: u32) -> Option<Raster> {
    use damkit_core::jpeg::DcColor;
    if (img.width, img.height) != (ow, oh) {
        return None;
    }
    let (layout, data) = match img.color {
        DcColor::Gray => (
            PixelLayout::Rgb8,
            img.data.iter().flat_map(|&v| [v, v, v]).collect(),
        ),
        DcColor::Rgb => (PixelLayout::Rgb8, img.data),
        DcColor::Cmyk => {
            // libjpeg gives Adobe CMYK as stored (inverted); ours is 0 = no ink.
            let mut d = img.data;
            d.iter_mut().for_each(|v| *v = 255 - *v);
            (PixelLayout::Cmyk8, d)
        }
        _ => return None,
    };
    Some(Raster {
        width: ow,
        height: oh,
        layout,
        data,
    })
}

/// The start of a file read by [`read_head`].
pub(crate) struct Head {
    /// Every byte read so far (the file's first `bytes.len()` bytes).
    pub(crate) bytes: Vec<u8>,
    /// For a JPEG: the length of its marker segments up to and including the first scan
    /// header (SOS), when they end within `bytes`.
    pub(crate) jpeg_head: Option<usize>,
}

/// Reads the start of a file: 64 KiB, and for a JPEG as much more as its marker segments
/// before the first scan take (up to `max` bytes).
pub(crate) fn read_head<R: Read>(r: &mut R, max: usize) -> std::io::Result<Head> {
    let mut bytes = Vec::new();
    let mut i = 2usize;
    loop {
        let before = bytes.len();
        let want = (64 * 1024).min(max.saturating_sub(before));
        r.by_ref().take(want as u64).read_to_end(&mut bytes)?;
        let end = bytes.len() == before;
        if !bytes.starts_with(&[0xFF, 0xD8]) {
            return Ok(Head {
                bytes,
                jpeg_head: None,
            });
        }
        // Walk the segments read so far.
        while i + 4 <= bytes.len() {
            if bytes[i] != 0xFF {
                return Ok(Head {
                    bytes,
                    jpeg_head: None,
                });
            }
            let marker = bytes[i + 1];
            if marker == 0xFF {
                i += 1;
                continue;
            }
            if matches!(marker, 0x01 | 0xD0..=0xD8) {
                i += 2;
                continue;
            }
            if marker == 0xD9 {
                return Ok(Head {
                    bytes,
                    jpeg_head: None,
                });
            }
            let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
            if marker == 0xDA && i + 2 + len <= bytes.len() {
                return Ok(Head {
                    bytes,
                    jpeg_head: Some(i + 2 + len),
                });
            }
            if marker == 0xDA {
                break;
            }
            i += 2 + len;
        }
        if end || bytes.len() >= max {
            return Ok(Head {
                bytes,
                jpeg_head: None,
            });
        }
    }
}

/// The header facts of a JPEG head (see [`read_head`]); `None` when jpeg-decoder cannot
/// read them (the full decode path reports why).
pub(crate) fn jpeg_head_info(head: &[u8], limits: &Limits) -> Result<Option<SourceInfo>> {
    let mut dec = jpeg_decoder::Decoder::new(Cursor::new(head));
    if dec.read_info().is_err() {
        return Ok(None);
    }
    Ok(Some(jpeg_info(&dec, limits)?.0))
}

/// A 1/8-scale decode of a baseline or progressive JPEG streamed from `file` (positioned at
/// `head.bytes.len()`, of `len` bytes in all) through damkit-core's DC decoder, without
/// holding the file in memory. `None` when this path does not apply (other scales,
/// unsupported by the DC decoder, no end-of-image marker, damaged
/// data): the caller then reads the file and decodes it the usual way, which reports
/// defects and handles lenient mode.
///
/// (Tried: streaming the 1/2 and 1/4 jpeg-decoder decodes through a `BufReader` too. It
/// saved the 4 MB input of a 12 MP photo but cost 25 % CPU: jpeg-decoder reads byte by
/// byte, which is much cheaper from a slice.)
pub(crate) fn decode_jpeg_streamed<F: Read + std::io::Seek>(
    file: &mut F,
    head: &Head,
    len: u64,
    opts: &DecodeOptions,
    path: &std::path::Path,
) -> Result<Option<Decoded>> {
    use std::io::SeekFrom;
    let limits = &opts.limits;
    let shrink = opts.jpeg_shrink;
    let Some(head_len) = head.jpeg_head else {
        return Ok(None);
    };
    if shrink != 8 {
        return Ok(None);
    }
    let h = &head.bytes[..head_len];
    let mut dec = jpeg_decoder::Decoder::new(Cursor::new(h));
    if dec.read_info().is_err() {
        return Ok(None);
    }
    let (info, exif) = jpeg_info(&dec, limits)?;
    let Some(jinfo) = dec.info() else {
        return Ok(None);
    };
    let io = |source| RenditionError::Io {
        action: "reading",
        path: path.to_path_buf(),
        source,
    };
    // Strict decoding needs the end-of-image marker: look at the tail, then come back.
    let read_len = head.bytes.len() as u64;
    let tail_len = len.saturating_sub(read_len).min(64 * 1024);
    let mut tail = Vec::with_capacity(tail_len as usize);
    file.seek(SeekFrom::Start(len - tail_len)).map_err(io)?;
    file.by_ref()
        .take(tail_len)
        .read_to_end(&mut tail)
        .map_err(io)?;
    file.seek(SeekFrom::Start(read_len)).map_err(io)?;
    let eoi_zone = if tail_len < 64 * 1024 {
        // A short file: the tail and what was read overlap; look at both.
        [&head.bytes[..], &tail[..]].concat()
    } else {
        tail
    };
    if !jpeg_has_eoi(&eoi_zone) {
        return Ok(None);
    }
    let ncomp: u64 = match jinfo.pixel_format {
        jpeg_decoder::PixelFormat::L8 => 1,
        jpeg_decoder::PixelFormat::L16 => 2,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
    };
    let (ow, oh) = (info.width.div_ceil(shrink), info.height.div_ceil(shrink));
    // Only the DC decoder runs here (it checks its own buffers, including a progressive
    // file's 4:2:0 chroma coefficients, against the limits); its output and our copy:
    let mut budget = limits.clone();
    budget
        .reserve(u64::from(ow) * u64::from(oh) * ncomp * 2)
        .map_err(|e| RenditionError::limit("JPEG decode buffers", e))?;
    let mut raster = None;
    if shrink == 8 && damkit_core::jpeg::dc_probe(h).is_some() {
        let stream = Cursor::new(&head.bytes[..]).chain(&mut *file);
        raster = match damkit_core::jpeg::decode_dc_read(stream, limits) {
            Ok(img) => img.and_then(|img| dc_raster(img, ow, oh)),
            Err(damkit_core::jpeg::DcReadError::Limit(e)) => {
                return Err(RenditionError::limit("JPEG decode", e));
            }
            Err(damkit_core::jpeg::DcReadError::Io(e)) => return Err(io(e)),
            Err(e) => return Err(RenditionError::decode("JPEG", e)),
        };
    }
    let Some(raster) = raster else {
        return Ok(None);
    };
    let icc = dec.icc_profile();
    let (xmp, iim) = crate::xmp::jpeg_xmp_and_iim(h);
    Ok(Some(Decoded {
        info,
        raster,
        icc,
        exif,
        warnings: Vec::new(),
        shrink,
        wide: None,
        xmp,
        iim,
    }))
}

/// The decode through libjpeg-turbo (feature `turbojpeg`) of a colour or grey JPEG, at the
/// DCT scale that gives `ow` x `oh`.
#[cfg(feature = "turbojpeg")]
fn decode_turbo(
    bytes: &[u8],
    info: &SourceInfo,
    format: jpeg_decoder::PixelFormat,
    ow: u32,
    oh: u32,
) -> Option<Raster> {
    match format {
        jpeg_decoder::PixelFormat::RGB24 | jpeg_decoder::PixelFormat::L8 => {
            crate::turbo::decode_rgb(bytes, info.width, info.height, ow, oh)
        }
        _ => None,
    }
}

#[cfg(not(feature = "turbojpeg"))]
fn decode_turbo(
    _: &[u8],
    _: &SourceInfo,
    _: jpeg_decoder::PixelFormat,
    _: u32,
    _: u32,
) -> Option<Raster> {
    None
}

/// The full-size RGB pixels through zune-jpeg, into this thread's kept buffer.
///
/// (Tried: asking zune-jpeg for YCbCr and converting after the resize. Slower: its YCbCr
/// output is interleaved by a scalar loop, while its RGB conversion is AVX2.)
fn decode_full_with_zune(bytes: &[u8], info: &SourceInfo) -> Result<Vec<u8>> {
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions as ZOptions;
    let options = ZOptions::default()
        .set_max_width(info.width as usize)
        .set_max_height(info.height as usize)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    dec.decode_headers()
        .map_err(|e| RenditionError::decode("JPEG", e))?;
    let expected = Raster::byte_len(info.width, info.height, PixelLayout::Rgb8);
    let size = dec.output_buffer_size().unwrap_or(0);
    if size as u64 != expected {
        return Err(RenditionError::decode(
            "JPEG",
            format!(
                "decoder wants {size} bytes for {}x{} RGB pixels",
                info.width, info.height
            ),
        ));
    }
    let mut data = take_buffer(size);
    if let Err(e) = dec.decode_into(&mut data) {
        give_back_buffer(data);
        return Err(RenditionError::decode("JPEG", e));
    }
    Ok(data)
}

thread_local! {
    /// One large pixel buffer kept per thread between full-size decodes: a 12 MP RGB
    /// decode is 36 MB, above glibc's largest mmap threshold, so a fresh buffer per image
    /// is a fresh mapping whose 9,000 pages fault in (and are zeroed) on every decode.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A buffer of `len` bytes (contents unspecified), reusing this thread's kept one.
pub(crate) fn take_buffer(len: usize) -> Vec<u8> {
    let mut v = BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    if v.capacity() < len {
        // Reserving on a too-small kept buffer would copy it: start afresh.
        v = Vec::with_capacity(len);
    }
    v.resize(len, 0);
    v.truncate(len);
    v
}

/// Keeps `v` for the next decode on this thread (buffers under 4 MiB are not worth it).
pub(crate) fn give_back_buffer(v: Vec<u8>) {
    if v.capacity() >= 4 << 20 {
        BUFFER.with(|b| {
            let mut kept = b.borrow_mut();
            if kept.capacity() < v.capacity() {
                *kept = v;
            }
        });
    }
}

fn image_format(t: MediaType) -> (image::ImageFormat, &'static str) {
    match t {
        MediaType::Png => (image::ImageFormat::Png, "PNG"),
        MediaType::Tiff => (image::ImageFormat::Tiff, "TIFF"),
        MediaType::WebP => (image::ImageFormat::WebP, "WebP"),
        MediaType::Gif => (image::ImageFormat::Gif, "GIF"),
        _ => (image::ImageFormat::Bmp, "BMP"),
    }
}

fn image_limits(limits: &Limits) -> image::Limits {
    // Dimensions are checked by us right after the header, with an error that names them.
    let mut l = image::Limits::default();
    l.max_image_width = None;
    l.max_image_height = None;
    l.max_alloc = limits.remaining_alloc();
    l
}

fn map_image_err(name: &'static str, e: image::ImageError) -> RenditionError {
    match e {
        image::ImageError::Limits(l) => RenditionError::Decode {
            format: name,
            message: format!("refused by the decoder's memory limit: {l}"),
        },
        image::ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            RenditionError::Truncated {
                format: name,
                detail: io.to_string(),
            }
        }
        other => RenditionError::decode(name, other),
    }
}

type BoxedDecoder<'a> = Box<dyn image::ImageDecoder + 'a>;

fn image_header<'a, R: std::io::BufRead + std::io::Seek + 'a>(
    input: R,
    media_type: MediaType,
    limits: &Limits,
) -> Result<(SourceInfo, BoxedDecoder<'a>)> {
    use image::ImageDecoder;
    let (fmt, name) = image_format(media_type);
    let mut reader = image::ImageReader::with_format(input, fmt);
    reader.limits(image_limits(limits));
    let mut dec = reader.into_decoder().map_err(|e| map_image_err(name, e))?;
    let (w, h) = dec.dimensions();
    if w == 0 || h == 0 {
        return Err(RenditionError::decode(
            name,
            format!("header declares {w}x{h} pixels"),
        ));
    }
    limits
        .check_dimensions(w, h)
        .map_err(|e| RenditionError::limit(format!("{name} header"), e))?;
    let orientation = match dec.orientation() {
        Ok(o) => Orientation(image_orientation_value(o)),
        Err(_) => Orientation::NORMAL,
    };
    let has_icc = matches!(dec.icc_profile(), Ok(Some(_)));
    Ok((
        SourceInfo {
            media_type,
            width: w,
            height: h,
            orientation,
            has_icc,
            progressive: false,
        },
        Box::new(dec),
    ))
}

fn image_orientation_value(o: image::metadata::Orientation) -> u8 {
    use image::metadata::Orientation as O;
    match o {
        O::NoTransforms => 1,
        O::FlipHorizontal => 2,
        O::Rotate180 => 3,
        O::FlipVertical => 4,
        O::Rotate90FlipH => 5,
        O::Rotate90 => 6,
        O::Rotate270FlipH => 7,
        O::Rotate270 => 8,
    }
}

/// Decodes a PNG, TIFF, WebP, GIF or BMP with the `image` crate from a reader that `open`
/// makes (at the start of the input; called twice for CMYK TIFFs).
pub(crate) fn decode_with_image<R: std::io::BufRead + std::io::Seek>(
    open: impl Fn() -> std::io::Result<R>,
    media_type: MediaType,
    opts: &DecodeOptions,
    keep_wide: bool,
) -> Result<Decoded> {
    let (_, name) = image_format(media_type);
    let reader = open().map_err(|e| RenditionError::decode(name, e))?;
    let (info, mut dec) = image_header(reader, media_type, &opts.limits)?;
    let icc = dec.icc_profile().ok().flatten();
    let exif = dec.exif_metadata().ok().flatten();
    let xmp = dec.xmp_metadata().ok().flatten();
    let iim = dec.iptc_metadata().ok().flatten();
    let original = dec.original_color_type();
    if media_type == MediaType::Tiff {
        let reader = open().map_err(|e| RenditionError::decode(name, e))?;
        let (w, h) = (info.width, info.height);
        let direct = if matches!(
            original,
            image::ExtendedColorType::Cmyk8 | image::ExtendedColorType::Cmyk16
        ) {
            // The `image` crate would convert CMYK to RGB with the naive formula: decode the
            // samples as stored and let the colour stage apply the embedded or bundled
            // profile.
            let need = Raster::byte_len(w, h, PixelLayout::Cmyk8).saturating_mul(
                if original == image::ExtendedColorType::Cmyk16 {
                    3
                } else {
                    1
                },
            );
            let mut limits = opts.limits.clone();
            limits
                .reserve(need)
                .map_err(|e| RenditionError::limit("TIFF decode buffers", e))?;
            decode_cmyk_tiff(reader, &opts.limits, w, h)?
                .map(|data| (PixelLayout::Cmyk8, data, None))
        } else {
            // RGB(A) straight into the pipeline's buffer (the `image` crate decodes into a
            // buffer of its own and copies: twice the memory of the decoded image).
            decode_rgb_tiff(reader, &opts.limits, w, h, keep_wide)?
        };
        if let Some((layout, data, wide)) = direct {
            return Ok(Decoded {
                raster: Raster {
                    width: w,
                    height: h,
                    layout,
                    data,
                },
                info,
                icc,
                exif,
                warnings: Vec::new(),
                shrink: 1,
                wide,
                xmp,
                iim,
            });
        }
    }
    let ct = dec.color_type();
    // 16 bits per channel (RGB, RGBA, grey, grey + alpha; float formats are not decoded here).
    let wide = keep_wide && ct.bytes_per_pixel() == 2 * ct.channel_count();
    // The decoder's own buffer, then our copy (8-bit, or 16-bit for the wide path).
    let decoded_bytes = dec.total_bytes();
    let has_alpha = ct.has_alpha();
    let layout = if has_alpha {
        PixelLayout::Rgba8
    } else {
        PixelLayout::Rgb8
    };
    let ours =
        Raster::byte_len(info.width, info.height, layout).saturating_mul(if wide { 2 } else { 1 });
    let mut limits = opts.limits.clone();
    limits
        .reserve(decoded_bytes.saturating_add(ours))
        .map_err(|e| RenditionError::limit(format!("{name} decode buffers"), e))?;
    let img = match image::DynamicImage::from_decoder(dec) {
        Ok(img) => img,
        Err(e) => {
            let e = map_image_err(name, e);
            if !(opts.lenient && media_type == MediaType::Png) || e.is_limit() {
                return Err(e);
            }
            // Lenient mode: the rows a damaged or truncated PNG still has.
            let reader = open().map_err(|e| RenditionError::decode(name, e))?;
            let Some((raster, warning)) = decode_png_rows(reader, &opts.limits, &info)? else {
                return Err(e);
            };
            return Ok(Decoded {
                info,
                raster,
                icc,
                exif,
                warnings: vec![warning],
                shrink: 1,
                wide: None,
                xmp,
                iim,
            });
        }
    };
    let (width, height) = (img.width(), img.height());
    let (data, wide) = match (wide, has_alpha) {
        (true, true) => (Vec::new(), Some(img.into_rgba16().into_raw())),
        (true, false) => (Vec::new(), Some(img.into_rgb16().into_raw())),
        (false, true) => (img.into_rgba8().into_raw(), None),
        (false, false) => (img.into_rgb8().into_raw(), None),
    };
    // A CMYK TIFF of a kind not decoded above arrives converted to RGB by the decoder; its
    // CMYK profile no longer applies.
    let icc = match original {
        image::ExtendedColorType::Cmyk8 | image::ExtendedColorType::Cmyk16 => None,
        _ => icc,
    };
    Ok(Decoded {
        info,
        raster: Raster {
            width,
            height,
            layout,
            data,
        },
        icc,
        exif,
        warnings: Vec::new(),
        shrink: 1,
        wide,
        xmp,
        iim,
    })
}

/// Lenient mode for a PNG that fails to decode (truncated or damaged data): the rows
/// before the damage, as RGB8 or RGBA8 (8 bits: palette, grey and low depths expanded,
/// 16 bits reduced), the missing rows filled with mid-grey (RGB) or transparency (RGBA),
/// and a warning that says how many rows were decoded. `None` when the header cannot be
/// read again, the image is interlaced (its passes cover the whole image coarsely, so no
/// complete row precedes the damage) or no row at all decodes.
fn decode_png_rows<R: std::io::BufRead + std::io::Seek>(
    input: R,
    limits: &Limits,
    info: &SourceInfo,
) -> Result<Option<(Raster, String)>> {
    use png::{ColorType, Transformations};
    let mut dec = png::Decoder::new_with_limits(
        input,
        png::Limits {
            bytes: alloc_budget(limits),
        },
    );
    // Palette, low depths and tRNS expanded; 16 bits reduced below with rounding, as the
    // whole-file path reduces them (png's STRIP_16 would truncate).
    dec.set_transformations(Transformations::EXPAND);
    let Ok(mut reader) = dec.read_info() else {
        return Ok(None);
    };
    let (w, h) = (reader.info().width, reader.info().height);
    if reader.info().interlaced || (w, h) != (info.width, info.height) {
        return Ok(None);
    }
    let (color, depth) = reader.output_color_type();
    let wide = depth == png::BitDepth::Sixteen;
    let (layout, fill) = match color {
        ColorType::Rgba | ColorType::GrayscaleAlpha => (PixelLayout::Rgba8, 0u8),
        _ => (PixelLayout::Rgb8, 128u8),
    };
    let bytes = Raster::byte_len(w, h, layout);
    let mut budget = limits.clone();
    budget
        .reserve(bytes)
        .map_err(|e| RenditionError::limit("PNG decode buffers", e))?;
    let len = usize::try_from(bytes).map_err(|e| RenditionError::decode("PNG", e))?;
    let mut data = filled(len, fill).map_err(|e| RenditionError::decode("PNG", e))?;
    let stride = w as usize * layout.channels();
    let mut rows = 0usize;
    let mut narrow = Vec::new();
    for out in data.chunks_exact_mut(stride) {
        let Ok(Some(row)) = reader.next_row() else {
            break;
        };
        let src = if wide {
            narrow.clear();
            narrow.extend(
                row.data()
                    .chunks_exact(2)
                    .map(|b| crate::ops::reduce16(u16::from_be_bytes([b[0], b[1]]))),
            );
            &narrow[..]
        } else {
            row.data()
        };
        match color {
            ColorType::Rgb | ColorType::Rgba if src.len() == stride => out.copy_from_slice(src),
            ColorType::Grayscale if src.len() * 3 == stride => {
                for (o, &g) in out.chunks_exact_mut(3).zip(src) {
                    o.fill(g);
                }
            }
            ColorType::GrayscaleAlpha if src.len() * 2 == stride => {
                for (o, ga) in out.chunks_exact_mut(4).zip(src.chunks_exact(2)) {
                    o.copy_from_slice(&[ga[0], ga[0], ga[0], ga[1]]);
                }
            }
            _ => break,
        }
        rows += 1;
    }
    if rows == 0 {
        return Ok(None);
    }
    let warning = format!(
        "PNG is damaged or truncated: decoded {rows} of {h} rows, the rest filled (lenient mode)"
    );
    Ok(Some((
        Raster {
            width: w,
            height: h,
            layout,
            data,
        },
        warning,
    )))
}

/// A `tiff` crate error as ours (a file that ends early is truncated).
fn tiff_err(e: tiff::TiffError) -> RenditionError {
    match e {
        tiff::TiffError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            RenditionError::Truncated {
                format: "TIFF",
                detail: io.to_string(),
            }
        }
        e => RenditionError::decode("TIFF", e),
    }
}

/// What is left of the allocation budget, for a decoder's own memory limit (`usize::MAX`
/// when there is no budget).
fn alloc_budget(limits: &Limits) -> usize {
    limits
        .remaining_alloc()
        .map_or(usize::MAX, |r| usize::try_from(r).unwrap_or(usize::MAX))
}

/// `len` copies of `fill`, allocated fallibly: memory the system refuses is an error for
/// the caller to name, not an abort (even with `Limits::no_limits()`).
pub(crate) fn filled<T: Clone>(
    len: usize,
    fill: T,
) -> std::result::Result<Vec<T>, std::collections::TryReserveError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)?;
    v.resize(len, fill);
    Ok(v)
}

/// A `tiff` decoder whose buffers are bounded by what is left of the allocation budget.
fn tiff_decoder<R: Read + std::io::Seek>(
    input: R,
    limits: &Limits,
) -> Result<tiff::decoder::Decoder<R>> {
    let budget = alloc_budget(limits);
    let mut tl = tiff::decoder::Limits::default();
    tl.decoding_buffer_size = tl.decoding_buffer_size.min(budget);
    tl.intermediate_buffer_size = tl.intermediate_buffer_size.min(budget);
    Ok(tiff::decoder::Decoder::new(input)
        .map_err(tiff_err)?
        .with_limits(tl))
}

/// The pixels of an RGB or RGBA TIFF of 8 or 16 unsigned bits per sample stored
/// interleaved, decoded by the `tiff` crate straight into the buffer the pipeline keeps:
/// `(layout, 8-bit samples, 16-bit samples)`, the 16-bit ones (and no 8-bit ones) when the
/// file has 16 bits and `keep_wide`. `None` for every other kind of TIFF (grey, palette,
/// YCbCr, planar, float, other depths, 16 bits without `keep_wide`): the `image` path
/// takes those.
#[allow(clippy::type_complexity)]
fn decode_rgb_tiff<R: Read + std::io::Seek>(
    input: R,
    limits: &Limits,
    w: u32,
    h: u32,
    keep_wide: bool,
) -> Result<Option<(PixelLayout, Vec<u8>, Option<Vec<u16>>)>> {
    use tiff::ColorType;
    use tiff::tags::SampleFormat;
    let mut dec = tiff_decoder(input, limits)?;
    if dec.dimensions().map_err(tiff_err)? != (w, h) {
        return Ok(None);
    }
    let (layout, bits) = match dec.colortype().map_err(tiff_err)? {
        ColorType::RGB(b @ (8 | 16)) => (PixelLayout::Rgb8, b),
        ColorType::RGBA(b @ (8 | 16)) => (PixelLayout::Rgba8, b),
        _ => return Ok(None),
    };
    if bits == 16 && !keep_wide {
        return Ok(None);
    }
    let pref = dec.image_buffer_layout().map_err(tiff_err)?;
    let bytes = Raster::byte_len(w, h, layout).saturating_mul(u64::from(bits / 8));
    if pref.planes != 1 || pref.sample_format != SampleFormat::Uint || pref.len as u64 != bytes {
        return Ok(None);
    }
    let mut budget = limits.clone();
    budget
        .reserve(bytes)
        .map_err(|e| RenditionError::limit("TIFF decode buffers", e))?;
    let len = usize::try_from(bytes).map_err(|e| RenditionError::decode("TIFF", e))?;
    let no_memory = |e| RenditionError::decode("TIFF", e);
    if bits == 16 {
        let mut samples = filled(len / 2, 0u16).map_err(no_memory)?;
        dec.read_image_bytes(bytemuck::cast_slice_mut(&mut samples))
            .map_err(tiff_err)?;
        Ok(Some((layout, Vec::new(), Some(samples))))
    } else {
        let mut data = filled(len, 0u8).map_err(no_memory)?;
        dec.read_image_bytes(&mut data).map_err(tiff_err)?;
        Ok(Some((layout, data, None)))
    }
}

/// The samples of a CMYK TIFF as stored (0 = no ink), reduced to 8 bits; `None` when the
/// file is CMYK of another kind (with alpha, other depths): the `image` path takes it.
fn decode_cmyk_tiff<R: Read + std::io::Seek>(
    input: R,
    limits: &Limits,
    w: u32,
    h: u32,
) -> Result<Option<Vec<u8>>> {
    use tiff::ColorType;
    use tiff::decoder::DecodingResult;
    let mut dec = tiff_decoder(input, limits)?;
    if dec.dimensions().map_err(tiff_err)? != (w, h) {
        return Ok(None);
    }
    let data = match (
        dec.colortype().map_err(tiff_err)?,
        dec.read_image().map_err(tiff_err)?,
    ) {
        (ColorType::CMYK(8), DecodingResult::U8(v)) => v,
        (ColorType::CMYK(16), DecodingResult::U16(v)) => {
            v.iter().map(|&s| crate::ops::reduce16(s)).collect()
        }
        _ => return Ok(None),
    };
    if data.len() as u64 != Raster::byte_len(w, h, PixelLayout::Cmyk8) {
        return Err(RenditionError::decode(
            "TIFF",
            format!(
                "decoder returned {} bytes for {w}x{h} CMYK pixels",
                data.len()
            ),
        ));
    }
    Ok(Some(data))
}
