//! Finding the metadata blocks (EXIF, XMP, IPTC-IIM, Photoshop resources) inside each
//! container format, without decoding the image.
//!
//! Each parser walks the container's own structure (JPEG markers, PNG chunks, RIFF chunks,
//! ISO-BMFF boxes, PSD sections, GIF blocks, TIFF IFD0) with bounds checks on every read and
//! the counts and sizes of [`ReadLimits`].

use std::io::Read;

use damkit_core::MediaType;

use crate::error::{Error, Result};
use crate::irb;

/// Size and count limits for reading untrusted files. Every limit is finite by default; the
/// defaults are the `DEFAULT_*` constants, which callers may raise field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadLimits {
    /// Largest single segment, chunk, box or resource whose content is read.
    pub max_segment_bytes: u64,
    /// Largest number of segments, chunks, boxes, resources or IIM datasets in one file.
    pub max_entries: u64,
    /// Largest decompressed size of a compressed PNG text chunk.
    pub max_inflated_bytes: u64,
    /// Largest nesting depth of ISO-BMFF boxes.
    pub max_box_depth: u32,
}

impl ReadLimits {
    /// Default for [`ReadLimits::max_segment_bytes`]: 256 MiB.
    pub const DEFAULT_MAX_SEGMENT_BYTES: u64 = 256 << 20;
    /// Default for [`ReadLimits::max_entries`]: 200,000.
    pub const DEFAULT_MAX_ENTRIES: u64 = 200_000;
    /// Default for [`ReadLimits::max_inflated_bytes`]: 64 MiB.
    pub const DEFAULT_MAX_INFLATED_BYTES: u64 = 64 << 20;
    /// Default for [`ReadLimits::max_box_depth`]: 16.
    pub const DEFAULT_MAX_BOX_DEPTH: u32 = 16;
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_segment_bytes: Self::DEFAULT_MAX_SEGMENT_BYTES,
            max_entries: Self::DEFAULT_MAX_ENTRIES,
            max_inflated_bytes: Self::DEFAULT_MAX_INFLATED_BYTES,
            max_box_depth: Self::DEFAULT_MAX_BOX_DEPTH,
        }
    }
}

/// The raw metadata blocks found in a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Blocks {
    /// The EXIF block as a TIFF stream (starting with `II*\0` or `MM\0*`).
    pub exif: Option<Vec<u8>>,
    /// The main XMP packet(s), in file order.
    pub xmp: Vec<Vec<u8>>,
    /// Extended XMP (JPEG), reassembled, keyed by its GUID.
    pub xmp_extended: Vec<(String, Vec<u8>)>,
    /// The IPTC-IIM block (datasets starting with `0x1C`).
    pub iim: Option<Vec<u8>>,
    /// The Photoshop image resource block, when the container has one.
    pub irb: Option<Vec<u8>>,
    /// The whole file is a TIFF (the EXIF block *is* the file; IFD0 describes the image).
    pub is_tiff: bool,
    /// File offset of the EXIF block's TIFF header, when the block is stored as is.
    pub exif_offset: Option<usize>,
}

/// The offset of `sub` inside `data`, when `sub` is a sub-slice of it.
fn offset_in(data: &[u8], sub: &[u8]) -> Option<usize> {
    let d = data.as_ptr() as usize;
    let s = sub.as_ptr() as usize;
    (s >= d && s + sub.len() <= d + data.len()).then(|| s - d)
}

impl Blocks {
    fn set_exif(&mut self, data: &[u8], tiff: &[u8]) {
        if self.exif.is_none() {
            self.exif = Some(tiff.to_vec());
            self.exif_offset = offset_in(data, tiff);
        }
    }
}

/// Collects defects: strict mode fails on the first, lenient mode records a warning.
#[derive(Debug, Default)]
pub(crate) struct Diag {
    pub strict: bool,
    pub warnings: Vec<String>,
}

impl Diag {
    /// No warnings yet; `strict` makes the first defect an error.
    pub(crate) fn new(strict: bool) -> Diag {
        Diag {
            strict,
            warnings: Vec::new(),
        }
    }

    pub(crate) fn defect(&mut self, e: Error) -> Result<()> {
        if self.strict {
            Err(e)
        } else {
            self.warnings.push(e.to_string());
            Ok(())
        }
    }
}

fn limit(what: &'static str, value: u64, limit: u64, constant: &'static str) -> Result<()> {
    if value > limit {
        Err(Error::Limit {
            what,
            value,
            limit,
            constant,
        })
    } else {
        Ok(())
    }
}

fn be16(d: &[u8], p: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(p..p + 2)?.try_into().ok()?))
}
fn be32(d: &[u8], p: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(p..p + 4)?.try_into().ok()?))
}
fn be64(d: &[u8], p: usize) -> Option<u64> {
    Some(u64::from_be_bytes(d.get(p..p + 8)?.try_into().ok()?))
}
fn le32(d: &[u8], p: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(p..p + 4)?.try_into().ok()?))
}

/// JPEG APP1 signature of the EXIF block.
pub const JPEG_EXIF_SIG: &[u8] = b"Exif\0\0";
/// JPEG APP1 signature of the main XMP packet.
pub const JPEG_XMP_SIG: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
/// JPEG APP1 signature of extended XMP.
pub const JPEG_XMP_EXT_SIG: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
/// JPEG APP13 signature of the Photoshop image resources.
pub const JPEG_PS_SIG: &[u8] = b"Photoshop 3.0\0";

/// Extracts the metadata blocks of `data`, a whole file of type `kind`: the packet extraction
/// step alone (no EXIF/IIM/XMP decoding). Lenient mode returns the warnings beside the blocks.
pub fn extract_blocks(
    data: &[u8],
    kind: MediaType,
    limits: &ReadLimits,
    strict: bool,
) -> Result<(Blocks, Vec<String>)> {
    let mut diag = Diag::new(strict);
    let b = extract(data, kind, limits, &mut diag)?;
    Ok((b, diag.warnings))
}

/// Extracts the metadata blocks of `data`, a whole file of type `kind`.
pub(crate) fn extract(
    data: &[u8],
    kind: MediaType,
    limits: &ReadLimits,
    diag: &mut Diag,
) -> Result<Blocks> {
    extract_with(data, kind, limits, diag, true)
}

/// [`extract`]; with `copy_tiff` false, a TIFF's EXIF block (the whole file) is not copied
/// into [`Blocks::exif`]: the caller hands the file buffer itself to the EXIF reader.
pub(crate) fn extract_with(
    data: &[u8],
    kind: MediaType,
    limits: &ReadLimits,
    diag: &mut Diag,
    copy_tiff: bool,
) -> Result<Blocks> {
    let mut b = Blocks::default();
    match kind {
        MediaType::Jpeg => jpeg(data, limits, diag, &mut b)?,
        MediaType::Png => png(data, limits, diag, &mut b)?,
        MediaType::WebP => webp(data, limits, diag, &mut b)?,
        MediaType::Gif => gif(data, limits, diag, &mut b)?,
        MediaType::Psd => psd(data, limits, diag, &mut b)?,
        MediaType::Xmp => b.xmp.push(data.to_vec()),
        k if k.is_isobmff() => isobmff(data, limits, diag, &mut b)?,
        k if k.is_tiff_based() => tiff(data, diag, &mut b, copy_tiff)?,
        _ => {
            return Err(Error::UnsupportedFormat {
                hint: Some(kind.name().to_string()),
            });
        }
    }
    if let Some(irb) = b.irb.clone() {
        irb_blocks(&irb, limits, diag, &mut b)?;
    }
    Ok(b)
}

/// Fills IIM/XMP/EXIF from a Photoshop resource block when not found elsewhere.
fn irb_blocks(irb: &[u8], limits: &ReadLimits, diag: &mut Diag, b: &mut Blocks) -> Result<()> {
    let (res, err) = irb::parse(irb, limits);
    if let Some(e) = err {
        diag.defect(e)?;
    }
    for r in res {
        match r.id {
            irb::IPTC_NAA if b.iim.is_none() => b.iim = Some(r.data.to_vec()),
            irb::XMP if b.xmp.is_empty() => b.xmp.push(r.data.to_vec()),
            irb::EXIF_1 if b.exif.is_none() => b.exif = Some(strip_exif_header(r.data).to_vec()),
            _ => {}
        }
    }
    Ok(())
}

fn strip_exif_header(d: &[u8]) -> &[u8] {
    d.strip_prefix(JPEG_EXIF_SIG)
        .or_else(|| d.strip_prefix(b"Exif\0\xff"))
        .unwrap_or(d)
}

/// One JPEG marker segment: marker byte, offset of the 0xFF, whole length including marker.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    pub marker: u8,
    pub start: usize,
    pub end: usize,
    /// Start of the payload (after the 2-byte length).
    pub payload: usize,
}

/// Walks JPEG markers up to SOS. Returns the segments and the offset of the SOS marker
/// (`None` when the file ends first).
pub(crate) fn jpeg_segments(
    data: &[u8],
    limits: &ReadLimits,
    diag: &mut Diag,
) -> Result<(Vec<Segment>, Option<usize>)> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err(Error::malformed("JPEG", 0, "missing SOI marker"));
    }
    let mut segs = Vec::new();
    let mut pos = 2;
    loop {
        limit(
            "JPEG segment count",
            segs.len() as u64,
            limits.max_entries,
            "ReadLimits::max_entries",
        )?;
        if pos >= data.len() {
            diag.defect(Error::malformed(
                "JPEG",
                pos,
                "file ends before the image data (SOS)",
            ))?;
            return Ok((segs, None));
        }
        if data[pos] != 0xFF {
            diag.defect(Error::malformed(
                "JPEG",
                pos,
                format!("expected a marker, found byte 0x{:02X}", data[pos]),
            ))?;
            return Ok((segs, None));
        }
        let start = pos;
        while pos < data.len() && data[pos] == 0xFF {
            pos += 1;
        }
        let Some(&marker) = data.get(pos) else {
            diag.defect(Error::malformed("JPEG", pos, "file ends inside a marker"))?;
            return Ok((segs, None));
        };
        pos += 1;
        match marker {
            0xD8 | 0x01 | 0xD0..=0xD7 => continue,
            0xD9 => {
                diag.defect(Error::malformed("JPEG", start, "EOI before any image data"))?;
                return Ok((segs, None));
            }
            _ => {}
        }
        let Some(len) = be16(data, pos) else {
            diag.defect(Error::malformed(
                "JPEG",
                pos,
                "file ends inside a segment length",
            ))?;
            return Ok((segs, None));
        };
        let len = usize::from(len);
        if len < 2 {
            diag.defect(Error::malformed(
                "JPEG",
                pos,
                format!("segment 0xFF{marker:02X} has invalid length {len}"),
            ))?;
            return Ok((segs, None));
        }
        if marker == 0xDA {
            return Ok((segs, Some(start)));
        }
        let end = pos + len;
        if end > data.len() {
            diag.defect(Error::malformed(
                "JPEG",
                start,
                format!("segment 0xFF{marker:02X} of {len} bytes is truncated"),
            ))?;
            return Ok((segs, None));
        }
        segs.push(Segment {
            marker,
            start,
            end,
            payload: pos + 2,
        });
        pos = end;
    }
}

fn jpeg(data: &[u8], limits: &ReadLimits, diag: &mut Diag, b: &mut Blocks) -> Result<()> {
    let (segs, _) = jpeg_segments(data, limits, diag)?;
    let mut irb = Vec::new();
    // GUID -> (full length, parts)
    let mut ext: Vec<(String, u32, Vec<u8>, u64)> = Vec::new();
    for s in &segs {
        let p = &data[s.payload..s.end];
        match s.marker {
            0xE1 if p.starts_with(JPEG_EXIF_SIG) || p.starts_with(b"Exif\0\xff") => {
                b.set_exif(data, &p[6..]);
            }
            0xE1 if p.starts_with(JPEG_XMP_SIG) => b.xmp.push(p[JPEG_XMP_SIG.len()..].to_vec()),
            0xE1 if p.starts_with(JPEG_XMP_EXT_SIG) => {
                let q = &p[JPEG_XMP_EXT_SIG.len()..];
                if q.len() < 40 {
                    diag.defect(Error::malformed(
                        "JPEG",
                        s.start,
                        "extended XMP segment shorter than its 40-byte header",
                    ))?;
                    continue;
                }
                let guid = String::from_utf8_lossy(&q[..32]).into_owned();
                let full = be32(q, 32).unwrap_or(0);
                let off = be32(q, 36).unwrap_or(0) as usize;
                let part = &q[40..];
                limit(
                    "extended XMP length",
                    u64::from(full),
                    limits.max_segment_bytes,
                    "ReadLimits::max_segment_bytes",
                )?;
                if full as usize > data.len() {
                    diag.defect(Error::malformed(
                        "JPEG",
                        s.start,
                        format!("extended XMP claims {full} bytes, more than the whole file"),
                    ))?;
                    continue;
                }
                let idx = match ext.iter().position(|e| e.0 == guid) {
                    Some(i) => i,
                    None => {
                        ext.push((guid, full, vec![0; full as usize], 0));
                        ext.len() - 1
                    }
                };
                let e = &mut ext[idx];
                if off.checked_add(part.len()).is_none_or(|x| x > e.2.len()) {
                    diag.defect(Error::malformed(
                        "JPEG",
                        s.start,
                        format!("extended XMP part at offset {off} lies outside its {full} bytes"),
                    ))?;
                    continue;
                }
                e.2[off..off + part.len()].copy_from_slice(part);
                e.3 += part.len() as u64;
            }
            0xED if p.starts_with(JPEG_PS_SIG) => irb.extend_from_slice(&p[JPEG_PS_SIG.len()..]),
            _ => {}
        }
    }
    for (guid, full, bytes, got) in ext {
        if got < u64::from(full) {
            diag.defect(Error::malformed(
                "JPEG",
                0,
                format!("extended XMP {guid} has {got} of its {full} bytes"),
            ))?;
        }
        b.xmp_extended.push((guid, bytes));
    }
    if !irb.is_empty() {
        b.irb = Some(irb);
    }
    Ok(())
}

/// PNG signature.
pub const PNG_SIG: &[u8] = b"\x89PNG\r\n\x1a\n";

/// One PNG chunk: offset of its length field, type, data range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunk {
    pub start: usize,
    pub kind: [u8; 4],
    pub data: (usize, usize),
}

pub(crate) fn png_chunks(
    data: &[u8],
    limits: &ReadLimits,
    diag: &mut Diag,
) -> Result<(Vec<Chunk>, bool)> {
    if !data.starts_with(PNG_SIG) {
        return Err(Error::malformed("PNG", 0, "missing PNG signature"));
    }
    let mut pos = 8;
    let mut out = Vec::new();
    loop {
        limit(
            "PNG chunk count",
            out.len() as u64,
            limits.max_entries,
            "ReadLimits::max_entries",
        )?;
        if pos == data.len() {
            diag.defect(Error::malformed(
                "PNG",
                pos,
                "file ends without an IEND chunk",
            ))?;
            return Ok((out, false));
        }
        let (Some(len), Some(kind)) = (be32(data, pos), data.get(pos + 4..pos + 8)) else {
            diag.defect(Error::malformed(
                "PNG",
                pos,
                "file ends inside a chunk header",
            ))?;
            return Ok((out, false));
        };
        let kind: [u8; 4] = kind.try_into().unwrap_or_default();
        let start = pos + 8;
        let end = start.saturating_add(len as usize);
        if len > 0x7FFF_FFFF || end.saturating_add(4) > data.len() {
            diag.defect(Error::malformed(
                "PNG",
                pos,
                format!(
                    "chunk {} of {len} bytes is truncated",
                    String::from_utf8_lossy(&kind)
                ),
            ))?;
            return Ok((out, false));
        }
        out.push(Chunk {
            start: pos,
            kind,
            data: (start, end),
        });
        pos = end + 4;
        if &kind == b"IEND" {
            return Ok((out, true));
        }
    }
}

pub(crate) fn inflate(d: &[u8], limits: &ReadLimits) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(d)
        .take(limits.max_inflated_bytes + 1)
        .read_to_end(&mut out)?;
    if out.len() as u64 > limits.max_inflated_bytes {
        return Err(std::io::Error::other(format!(
            "inflates past ReadLimits::max_inflated_bytes ({})",
            limits.max_inflated_bytes
        )));
    }
    Ok(out)
}

/// Decodes ImageMagick's "Raw profile type X" text: `\nname\n   length\nhex...`.
pub(crate) fn raw_profile(text: &[u8]) -> Option<Vec<u8>> {
    let s = std::str::from_utf8(text).ok()?;
    let mut it = s.trim_start().splitn(3, '\n');
    let _name = it.next()?;
    let len: usize = it.next()?.trim().parse().ok()?;
    let hex = it.next()?;
    let mut out = Vec::with_capacity(len.min(hex.len() / 2));
    let mut hi: Option<u8> = None;
    for c in hex.bytes() {
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => continue,
        };
        match hi.take() {
            None => hi = Some(v),
            Some(h) => out.push(h << 4 | v),
        }
        if out.len() == len {
            break;
        }
    }
    Some(out)
}

fn png(data: &[u8], limits: &ReadLimits, diag: &mut Diag, b: &mut Blocks) -> Result<()> {
    let (chunks, _) = png_chunks(data, limits, diag)?;
    for c in chunks {
        let d = &data[c.data.0..c.data.1];
        let text_chunk = |d: &[u8], compressed: bool| -> Option<(Vec<u8>, Vec<u8>)> {
            let nul = d.iter().position(|&x| x == 0)?;
            let key = d[..nul].to_vec();
            let rest = &d[nul + 1..];
            if compressed {
                Some((key, rest.get(1..)?.to_vec()))
            } else {
                Some((key, rest.to_vec()))
            }
        };
        let (key, text) = match &c.kind {
            b"eXIf" => {
                b.set_exif(data, strip_exif_header(d));
                continue;
            }
            b"tEXt" => match text_chunk(d, false) {
                Some(x) => x,
                None => continue,
            },
            b"zTXt" => match text_chunk(d, true) {
                Some((k, z)) => match inflate(&z, limits) {
                    Ok(t) => (k, t),
                    Err(e) => {
                        diag.defect(Error::malformed(
                            "PNG",
                            c.start,
                            format!("zTXt {}: {e}", String::from_utf8_lossy(&k)),
                        ))?;
                        continue;
                    }
                },
                None => continue,
            },
            b"iTXt" => {
                let Some(nul) = d.iter().position(|&x| x == 0) else {
                    continue;
                };
                let key = d[..nul].to_vec();
                let Some(&[flag, _method]) = d.get(nul + 1..nul + 3) else {
                    continue;
                };
                let rest = &d[nul + 3..];
                // language tag and translated keyword, each NUL-terminated
                let Some(l) = rest.iter().position(|&x| x == 0) else {
                    continue;
                };
                let rest = &rest[l + 1..];
                let Some(t) = rest.iter().position(|&x| x == 0) else {
                    continue;
                };
                let body = &rest[t + 1..];
                if flag == 1 {
                    match inflate(body, limits) {
                        Ok(t) => (key, t),
                        Err(e) => {
                            diag.defect(Error::malformed(
                                "PNG",
                                c.start,
                                format!("iTXt {}: {e}", String::from_utf8_lossy(&key)),
                            ))?;
                            continue;
                        }
                    }
                } else {
                    (key, body.to_vec())
                }
            }
            _ => continue,
        };
        match key.as_slice() {
            b"XML:com.adobe.xmp" => b.xmp.push(text),
            b"Raw profile type exif" | b"Raw profile type APP1" => {
                if b.exif.is_none()
                    && let Some(p) = raw_profile(&text)
                {
                    b.exif = Some(strip_exif_header(&p).to_vec());
                }
            }
            b"Raw profile type xmp" => {
                if let Some(p) = raw_profile(&text) {
                    b.xmp.push(p);
                }
            }
            b"Raw profile type iptc" | b"Raw profile type 8bim" => {
                if let Some(p) = raw_profile(&text) {
                    if p.starts_with(b"8BIM") {
                        b.irb.get_or_insert_with(Vec::new).extend_from_slice(&p);
                    } else if p.first() == Some(&0x1C) && b.iim.is_none() {
                        b.iim = Some(p);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// RIFF chunks of a WebP file: fourcc, data range.
pub(crate) fn webp_chunks(
    data: &[u8],
    limits: &ReadLimits,
    diag: &mut Diag,
) -> Result<Vec<([u8; 4], usize, usize)>> {
    if data.len() < 12 || &data[..4] != b"RIFF" || &data[8..12] != b"WEBP" {
        return Err(Error::malformed("WebP", 0, "missing RIFF/WEBP header"));
    }
    let mut out = Vec::new();
    let mut pos = 12;
    while pos + 8 <= data.len() {
        limit(
            "WebP chunk count",
            out.len() as u64,
            limits.max_entries,
            "ReadLimits::max_entries",
        )?;
        let kind: [u8; 4] = data[pos..pos + 4].try_into().unwrap_or_default();
        let len = le32(data, pos + 4).unwrap_or(0) as usize;
        let start = pos + 8;
        let Some(end) = start.checked_add(len).filter(|&e| e <= data.len()) else {
            diag.defect(Error::malformed(
                "WebP",
                pos,
                format!(
                    "chunk {} of {len} bytes is truncated",
                    String::from_utf8_lossy(&kind)
                ),
            ))?;
            break;
        };
        out.push((kind, start, end));
        pos = end + (len & 1);
    }
    Ok(out)
}

fn webp(data: &[u8], limits: &ReadLimits, diag: &mut Diag, b: &mut Blocks) -> Result<()> {
    for (kind, s, e) in webp_chunks(data, limits, diag)? {
        match &kind {
            b"EXIF" => b.set_exif(data, strip_exif_header(&data[s..e])),
            b"XMP " => b.xmp.push(data[s..e].to_vec()),
            _ => {}
        }
    }
    Ok(())
}

fn gif(data: &[u8], limits: &ReadLimits, diag: &mut Diag, b: &mut Blocks) -> Result<()> {
    if data.len() < 13 || !(data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a")) {
        return Err(Error::malformed("GIF", 0, "missing GIF header"));
    }
    let flags = data[10];
    let mut pos = 13;
    if flags & 0x80 != 0 {
        pos += 3 << ((flags & 7) + 1);
    }
    let mut n = 0u64;
    // Skips data sub-blocks from `p`; returns the offset after the terminator.
    let skip_blocks = |mut p: usize| -> Option<usize> {
        loop {
            let len = usize::from(*data.get(p)?);
            p += 1;
            if len == 0 {
                return Some(p);
            }
            p += len;
        }
    };
    loop {
        n += 1;
        limit(
            "GIF block count",
            n,
            limits.max_entries,
            "ReadLimits::max_entries",
        )?;
        match data.get(pos) {
            Some(0x3B) => return Ok(()),
            Some(0x21) => {
                let label = data.get(pos + 1).copied();
                if label == Some(0xFF)
                    && data.get(pos + 2) == Some(&11)
                    && data.get(pos + 3..pos + 14) == Some(b"XMP DataXMP")
                {
                    let start = pos + 14;
                    let body = &data[start..];
                    let end = find(body, b"<?xpacket end")
                        .and_then(|i| find(&body[i..], b"?>").map(|j| i + j + 2))
                        .or_else(|| find(body, b"</x:xmpmeta>").map(|i| i + 12));
                    match end {
                        Some(e) => b.xmp.push(body[..e].to_vec()),
                        None => diag.defect(Error::malformed(
                            "GIF",
                            start,
                            "XMP application extension without a packet end",
                        ))?,
                    }
                }
                match skip_blocks(pos + 2) {
                    Some(p) => pos = p,
                    None => {
                        diag.defect(Error::malformed("GIF", pos, "truncated extension block"))?;
                        return Ok(());
                    }
                }
            }
            Some(0x2C) => {
                let Some(&f) = data.get(pos + 9) else {
                    diag.defect(Error::malformed("GIF", pos, "truncated image descriptor"))?;
                    return Ok(());
                };
                let mut p = pos + 10;
                if f & 0x80 != 0 {
                    p += 3 << ((f & 7) + 1);
                }
                match skip_blocks(p + 1) {
                    Some(q) => pos = q,
                    None => {
                        diag.defect(Error::malformed("GIF", pos, "truncated image data"))?;
                        return Ok(());
                    }
                }
            }
            Some(&x) => {
                diag.defect(Error::malformed(
                    "GIF",
                    pos,
                    format!("unknown block introducer 0x{x:02X}"),
                ))?;
                return Ok(());
            }
            None => {
                diag.defect(Error::malformed("GIF", pos, "file ends without a trailer"))?;
                return Ok(());
            }
        }
    }
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// PSD sections: (image resources range).
pub(crate) fn psd_resources(data: &[u8]) -> Result<(usize, usize)> {
    if data.len() < 26 || &data[..4] != b"8BPS" {
        return Err(Error::malformed("PSD", 0, "missing 8BPS header"));
    }
    let cm =
        be32(data, 26).ok_or_else(|| Error::malformed("PSD", 26, "truncated header"))? as usize;
    let p = 30usize
        .checked_add(cm)
        .filter(|&p| p + 4 <= data.len())
        .ok_or_else(|| Error::malformed("PSD", 26, "colour mode data runs past the end"))?;
    let len = be32(data, p).unwrap_or(0) as usize;
    let s = p + 4;
    let e = s
        .checked_add(len)
        .filter(|&e| e <= data.len())
        .ok_or_else(|| {
            Error::malformed(
                "PSD",
                p,
                format!("image resources of {len} bytes run past the end"),
            )
        })?;
    Ok((s, e))
}

fn psd(data: &[u8], limits: &ReadLimits, diag: &mut Diag, b: &mut Blocks) -> Result<()> {
    match psd_resources(data) {
        Ok((s, e)) => {
            limit(
                "PSD image resources size",
                (e - s) as u64,
                limits.max_segment_bytes,
                "ReadLimits::max_segment_bytes",
            )?;
            b.irb = Some(data[s..e].to_vec());
        }
        Err(e) => diag.defect(e)?,
    }
    Ok(())
}

fn tiff(data: &[u8], diag: &mut Diag, b: &mut Blocks, copy: bool) -> Result<()> {
    b.is_tiff = true;
    if copy {
        b.set_exif(data, data);
    } else {
        b.exif_offset = Some(0);
    }
    match crate::tiffdir::ifd0_blobs(data) {
        Ok(blobs) => {
            if let Some(x) = blobs.xmp {
                b.xmp.push(x);
            }
            b.iim = blobs.iptc;
            b.irb = blobs.photoshop;
        }
        Err(e) => diag.defect(e)?,
    }
    Ok(())
}

/// The items an ISO-BMFF reader extracts: `Exif`, and `mime` items of type
/// `application/rdf+xml` (XMP).
pub(crate) fn bmff_wanted(t: &[u8; 4], content_type: &str) -> bool {
    t == b"Exif" || t == b"mime" && content_type.contains("rdf+xml")
}

/// Items of an ISO-BMFF file's top-level `meta` box: `(id, type, content type)` from `iinf`,
/// their locations from `iloc`, and the `idat` range; `None` without a `meta` box.
#[allow(clippy::type_complexity)]
pub(crate) fn bmff_items(
    data: &[u8],
    limits: &ReadLimits,
    diag: &mut Diag,
) -> Result<Option<(Vec<(u32, [u8; 4], String)>, Locs, Option<(usize, usize)>)>> {
    let boxes = bmff_boxes(data, 0, data.len(), limits, diag)?;
    let Some(meta) = boxes.iter().find(|x| &x.0 == b"meta") else {
        return Ok(None);
    };
    // meta is a full box: skip version and flags
    let children = bmff_boxes(data, meta.1 + 4, meta.2, limits, diag)?;
    let mut items: Vec<(u32, [u8; 4], String)> = Vec::new();
    let mut locs: Locs = Vec::new();
    let mut idat: Option<(usize, usize)> = None;
    for (kind, s, e) in &children {
        match kind {
            b"iinf" => {
                let v = data[*s];
                let first = if v == 0 { s + 6 } else { s + 8 };
                for (k, is, ie) in bmff_boxes(data, first.min(*e), *e, limits, diag)? {
                    if &k != b"infe" {
                        continue;
                    }
                    let d = &data[is..ie];
                    let ver = d.first().copied().unwrap_or(0);
                    let (id, p) = match ver {
                        2 => (u32::from(be16(d, 4).unwrap_or(0)), 8),
                        3 => (be32(d, 4).unwrap_or(0), 10),
                        _ => continue,
                    };
                    let Some(t) = d.get(p..p + 4) else { continue };
                    let t: [u8; 4] = t.try_into().unwrap_or_default();
                    let mut ct = String::new();
                    if &t == b"mime" {
                        let rest = &d[p + 4..];
                        if let Some(n) = rest.iter().position(|&x| x == 0) {
                            let r2 = &rest[n + 1..];
                            let n2 = r2.iter().position(|&x| x == 0).unwrap_or(r2.len());
                            ct = String::from_utf8_lossy(&r2[..n2]).into_owned();
                        }
                    }
                    items.push((id, t, ct));
                }
            }
            b"iloc" => match iloc(&data[*s..*e], limits) {
                Some(l) => locs = l,
                None => diag.defect(Error::malformed("ISO-BMFF", *s, "malformed iloc box"))?,
            },
            b"idat" => idat = Some((*s, *e)),
            _ => {}
        }
    }
    Ok(Some((items, locs, idat)))
}

/// ISO-BMFF (HEIC, HEIF, AVIF): the `Exif` item and `mime` items of type
/// `application/rdf+xml`, located through `meta`/`iinf`/`iloc`/`idat`.
fn isobmff(data: &[u8], limits: &ReadLimits, diag: &mut Diag, b: &mut Blocks) -> Result<()> {
    let Some((items, locs, idat)) = bmff_items(data, limits, diag)? else {
        return Ok(());
    };
    for (id, t, ct) in items {
        let want_exif = &t == b"Exif";
        let want_xmp = bmff_wanted(&t, &ct) && !want_exif;
        if !want_exif && !want_xmp {
            continue;
        }
        let Some((_, method, extents)) = locs.iter().find(|l| l.0 == id) else {
            continue;
        };
        let (base, top) = match method {
            0 => (0usize, data.len()),
            1 => match idat {
                Some(x) => x,
                None => continue,
            },
            _ => continue,
        };
        let mut bytes = Vec::new();
        for &(off, len) in extents {
            limit(
                "ISO-BMFF item size",
                bytes.len() as u64 + len,
                limits.max_segment_bytes,
                "ReadLimits::max_segment_bytes",
            )?;
            let s = base as u64 + off;
            let e = if len == 0 { top as u64 } else { s + len };
            if e > top as u64 || s > e {
                diag.defect(Error::malformed(
                    "ISO-BMFF",
                    s as usize,
                    format!("item {id} extent runs past the end of the file"),
                ))?;
                bytes.clear();
                break;
            }
            bytes.extend_from_slice(&data[s as usize..e as usize]);
        }
        if bytes.is_empty() {
            continue;
        }
        if want_exif && b.exif.is_none() {
            let skip = be32(&bytes, 0).unwrap_or(0) as usize;
            match bytes.get(4 + skip..) {
                Some(t) => b.exif = Some(strip_exif_header(t).to_vec()),
                None => diag.defect(Error::malformed(
                    "ISO-BMFF",
                    0,
                    "Exif item header offset past its end",
                ))?,
            }
        } else if want_xmp {
            b.xmp.push(bytes);
        }
    }
    Ok(())
}

fn bmff_boxes(
    data: &[u8],
    mut pos: usize,
    end: usize,
    limits: &ReadLimits,
    diag: &mut Diag,
) -> Result<Vec<([u8; 4], usize, usize)>> {
    let mut out = Vec::new();
    while pos + 8 <= end {
        limit(
            "ISO-BMFF box count",
            out.len() as u64,
            limits.max_entries,
            "ReadLimits::max_entries",
        )?;
        let size = be32(data, pos).unwrap_or(0) as u64;
        let kind: [u8; 4] = data[pos + 4..pos + 8].try_into().unwrap_or_default();
        let (hdr, size) = match size {
            0 => (8, (end - pos) as u64),
            1 => match be64(data, pos + 8) {
                Some(s) => (16, s),
                None => break,
            },
            s => (8, s),
        };
        if size < hdr as u64 || (pos as u64).saturating_add(size) > end as u64 {
            // boxes after a malformed one are ignored (ExifTool reads what precedes them)
            diag.defect(Error::malformed(
                "ISO-BMFF",
                pos,
                format!(
                    "box {} of {size} bytes runs past its parent",
                    String::from_utf8_lossy(&kind)
                ),
            ))?;
            break;
        }
        let e = pos + size as usize;
        out.push((kind, pos + hdr, e));
        pos = e;
    }
    Ok(out)
}

pub(crate) type Locs = Vec<(u32, u8, Vec<(u64, u64)>)>;

fn iloc(d: &[u8], limits: &ReadLimits) -> Option<Locs> {
    let ver = *d.first()?;
    let a = *d.get(4)?;
    let bb = *d.get(5)?;
    let (osz, lsz, bsz) = (a >> 4, a & 15, bb >> 4);
    let isz = if ver >= 1 { bb & 15 } else { 0 };
    let mut p = 6;
    let read = |p: &mut usize, n: u8| -> Option<u64> {
        let v = match n {
            0 => 0,
            4 => u64::from(be32(d, *p)?),
            8 => be64(d, *p)?,
            2 => u64::from(be16(d, *p)?),
            _ => return None,
        };
        *p += usize::from(n);
        Some(v)
    };
    let count = if ver < 2 {
        u64::from(be16(d, p)?)
    } else {
        u64::from(be32(d, p)?)
    };
    p += if ver < 2 { 2 } else { 4 };
    if count > limits.max_entries {
        return None;
    }
    let mut out = Vec::new();
    for _ in 0..count {
        let id = if ver < 2 {
            u32::from(be16(d, p)?)
        } else {
            be32(d, p)?
        };
        p += if ver < 2 { 2 } else { 4 };
        let method = if ver >= 1 {
            let m = be16(d, p)? as u8 & 15;
            p += 2;
            m
        } else {
            0
        };
        p += 2; // data reference index
        let base = read(&mut p, bsz)?;
        let n = be16(d, p)?;
        p += 2;
        let mut ext = Vec::new();
        for _ in 0..n {
            if isz > 0 {
                read(&mut p, isz)?;
            }
            let off = read(&mut p, osz)?;
            let len = read(&mut p, lsz)?;
            ext.push((base.checked_add(off)?, len));
        }
        out.push((id, method, ext));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A box whose 64-bit size runs to u64::MAX is a defect (lenient: ignored), never an
    /// overflow (found by the metadata_read fuzz target).
    #[test]
    fn huge_64_bit_box_size_is_a_defect() {
        let mut data = vec![0, 0, 0, 1];
        data.extend_from_slice(b"meta");
        data.extend_from_slice(&u64::MAX.to_be_bytes());
        data.extend_from_slice(&[0; 8]);
        let mut diag = Diag::new(false);
        let boxes = bmff_boxes(&data, 0, data.len(), &ReadLimits::default(), &mut diag).unwrap();
        assert!(boxes.is_empty());
        let mut strict = Diag::new(true);
        assert!(bmff_boxes(&data, 0, data.len(), &ReadLimits::default(), &mut strict).is_err());
    }
}
