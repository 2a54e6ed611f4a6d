//! Embedded JPEG previews of camera RAW files.
//!
//! A RAW file holds sensor data that needs demosaicing, but nearly every camera also embeds
//! one or more ready-made JPEG previews (what the camera shows on its screen). A DAM makes its
//! thumbnails from the largest of them, as digiKam, Immich or Bridge do. [`previews`] finds
//! them without reading the image data:
//!
//! | container | where the previews are |
//! |---|---|
//! | TIFF-based RAW (DNG, CR2, NEF, ARW, ORF, RW2, PEF, SRW, 3FR, ERF…) and TIFF | every IFD of the chain and their `SubIFDs` (depth ≤ 4): `JPEGInterchangeFormat` (0x0201) + length (0x0202), a single JPEG strip (0x0111/0x0117), Panasonic's `JpgFromRaw` (0x002E) |
//! | Fujifilm RAF | the JPEG named by the RAF header (offset 84, length 88) |
//! | Canon CR3 | `THMB` in Canon's `moov/uuid` box, `PRVW` in the preview `uuid` box |
//!
//! Only JPEGs a baseline decoder reads are listed: each candidate's markers are walked to its
//! start-of-frame, which gives the pixel size; lossless (SOF3, the raw data of CR2 and many
//! DNGs), arithmetic-coded and 12-bit JPEGs are left out. The orientation of the RAW (IFD0's
//! 0x0112, CR3's `CMT1`) is returned too: previews rarely carry their own, so a caller
//! rendering a preview applies this one.
//!
//! Maker-note previews (Nikon's `PreviewIFD`, Pentax's and Olympus's maker-note JPEGs) are
//! not followed: NEF and PEF also carry a larger JPEG in their SubIFDs or IFD0.
//!
//! Every read is bounded: at most [`MAX_IFDS`] IFDs of at most [`MAX_IFD_ENTRIES`] entries,
//! [`MAX_MARKERS`] JPEG markers per candidate and [`MAX_BOXES`] ISO-BMFF boxes per level; the
//! image data is never read. A structure that cannot be followed is a warning, and the
//! previews found elsewhere are still returned.
//!
//! ```
//! use damkit_metadata::preview::{previews_in_bytes, read_preview_bytes};
//!
//! // A little-endian TIFF whose IFD0 points (0x0201/0x0202) at an 8x4 baseline JPEG.
//! let jpeg: &[u8] = &[
//!     0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 4, 0, 8, 1, 1, 0x11, 0, 0xFF, 0xD9,
//! ];
//! let mut tiff = b"II*\0\x08\0\0\0".to_vec();
//! tiff.extend_from_slice(&3u16.to_le_bytes());
//! for (tag, typ, value) in [(0x0112u16, 3u16, 6u32), (0x0201, 4, 50), (0x0202, 4, jpeg.len() as u32)] {
//!     tiff.extend_from_slice(&tag.to_le_bytes());
//!     tiff.extend_from_slice(&typ.to_le_bytes());
//!     tiff.extend_from_slice(&1u32.to_le_bytes());
//!     tiff.extend_from_slice(&value.to_le_bytes());
//! }
//! tiff.extend_from_slice(&0u32.to_le_bytes());
//! tiff.extend_from_slice(jpeg);
//!
//! let found = previews_in_bytes(&tiff)?;
//! let p = found.largest().unwrap();
//! assert_eq!((p.width, p.height, p.offset), (8, 4, 50));
//! assert_eq!(found.orientation, Some(6));
//! assert_eq!(read_preview_bytes(&tiff, p, 1 << 20)?, jpeg);
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Error, Result};

/// IFDs followed in one file (chain, SubIFDs and CR3's `CMT1` together).
pub const MAX_IFDS: usize = 64;
/// Entries read from one IFD; a larger IFD is skipped with a warning.
pub const MAX_IFD_ENTRIES: u64 = 4096;
/// `SubIFDs` offsets followed from one IFD.
pub const MAX_SUBIFDS: u64 = 32;
/// Nesting depth of `SubIFDs`.
pub const MAX_SUBIFD_DEPTH: u32 = 4;
/// JPEG markers walked in one candidate before its start-of-frame.
pub const MAX_MARKERS: usize = 256;
/// ISO-BMFF boxes read at one level.
pub const MAX_BOXES: usize = 1024;
/// Previews listed from one file.
pub const MAX_PREVIEWS: usize = 64;

/// What an embedded preview is, by ExifTool's names for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PreviewKind {
    /// A small thumbnail: IFD1's JPEG (EXIF thumbnail), CR3's `THMB`.
    ThumbnailImage,
    /// A medium or large preview: IFD0's `JPEGInterchangeFormat` (ARW), a single JPEG strip
    /// of an IFD (CR2's IFD0, DNG's preview SubIFD), RAF's JPEG, CR3's `PRVW`.
    PreviewImage,
    /// A (often full-size) JPEG: a SubIFD's `JPEGInterchangeFormat` (NEF), Panasonic's tag
    /// 0x002E.
    JpgFromRaw,
}

impl PreviewKind {
    /// ExifTool's tag name for this kind.
    pub fn name(self) -> &'static str {
        match self {
            PreviewKind::ThumbnailImage => "ThumbnailImage",
            PreviewKind::PreviewImage => "PreviewImage",
            PreviewKind::JpgFromRaw => "JpgFromRaw",
        }
    }
}

impl std::fmt::Display for PreviewKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One embedded JPEG preview: where it is and how large it is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmbeddedPreview {
    /// Byte offset of the JPEG (its SOI marker) in the file.
    pub offset: u64,
    /// Length in bytes, as the container states it (clamped to the file).
    pub len: u64,
    /// Pixel width from the JPEG's start-of-frame.
    pub width: u32,
    /// Pixel height from the JPEG's start-of-frame.
    pub height: u32,
    /// What the container calls it.
    pub kind: PreviewKind,
    /// Where it was found: `IFD0`, `IFD1`, `IFD0/SubIFD1`, `RAF header`, `CR3 PRVW`…
    pub location: String,
}

impl EmbeddedPreview {
    /// Width × height.
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// The previews of a file, the file's own orientation and what could not be followed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Previews {
    /// Decodable JPEG previews, in the order they were found.
    pub previews: Vec<EmbeddedPreview>,
    /// The RAW's EXIF orientation (1..=8) when it states one (IFD0 0x0112, CR3 `CMT1`).
    pub orientation: Option<u16>,
    /// Structures that could not be followed (the previews found elsewhere are kept).
    pub warnings: Vec<String>,
}

impl Previews {
    /// The preview with the most pixels (then the longest), if any.
    pub fn largest(&self) -> Option<&EmbeddedPreview> {
        self.previews.iter().max_by_key(|p| (p.pixels(), p.len))
    }
}

/// Finds the embedded JPEG previews of the file at `path` (reading only its structure).
pub fn previews(path: impl AsRef<Path>) -> Result<Previews> {
    let path = path.as_ref();
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    previews_in(&mut f).map_err(|e| match e {
        Error::Io { source, .. } => Error::io(path, source),
        e => e,
    })
}

/// Finds the embedded JPEG previews in a seekable source.
pub fn previews_in<R: Read + Seek>(r: &mut R) -> Result<Previews> {
    let len = r
        .seek(SeekFrom::End(0))
        .map_err(|e| Error::io("<input>", e))?;
    let mut s = Src { r, len };
    let head = s.read_at(0, 96).map_err(|e| Error::io("<input>", e))?;
    let mut out = Previews::default();
    let mut ifds = 0usize;
    if head.starts_with(b"FUJIFILMCCD-RAW") {
        raf(&mut s, &head, &mut out)?;
    } else if head.get(4..8) == Some(b"ftyp") {
        bmff(&mut s, &mut out, &mut ifds)?;
    } else if let Some(order) = tiff_order(&head) {
        let walk = Walk {
            base: 0,
            le: order,
            orientation_only: false,
        };
        let first = u64::from(rd32(&head, 4, order).unwrap_or(0));
        tiff_chain(&mut s, &walk, first, &mut out, &mut ifds)?;
    } else {
        return Err(Error::UnsupportedFormat {
            hint: Some("embedded previews are read from TIFF-based RAW, RAF and CR3".into()),
        });
    }
    out.previews.truncate(MAX_PREVIEWS);
    Ok(out)
}

/// Finds the embedded JPEG previews of an in-memory file.
pub fn previews_in_bytes(data: &[u8]) -> Result<Previews> {
    previews_in(&mut std::io::Cursor::new(data))
}

/// Reads the bytes of `preview` from the file at `path`, refusing previews over `max_len`.
pub fn read_preview(
    path: impl AsRef<Path>,
    preview: &EmbeddedPreview,
    max_len: u64,
) -> Result<Vec<u8>> {
    let path = path.as_ref();
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    read_preview_in(&mut f, preview, max_len).map_err(|e| match e {
        Error::Io { source, .. } => Error::io(path, source),
        e => e,
    })
}

/// Reads the bytes of `preview` from an in-memory file, refusing previews over `max_len`.
pub fn read_preview_bytes(data: &[u8], preview: &EmbeddedPreview, max_len: u64) -> Result<Vec<u8>> {
    read_preview_in(&mut std::io::Cursor::new(data), preview, max_len)
}

/// Reads the bytes of `preview` from a seekable source, refusing previews over `max_len`.
pub fn read_preview_in<R: Read + Seek>(
    r: &mut R,
    preview: &EmbeddedPreview,
    max_len: u64,
) -> Result<Vec<u8>> {
    if preview.len > max_len {
        return Err(Error::Limit {
            what: "embedded preview length",
            value: preview.len,
            limit: max_len,
            constant: "read_preview max_len",
        });
    }
    let len = r
        .seek(SeekFrom::End(0))
        .map_err(|e| Error::io("<input>", e))?;
    if preview.offset.saturating_add(preview.len) > len {
        return Err(Error::malformed(
            "preview",
            preview.offset as usize,
            format!(
                "{} of {} bytes ends past the end of the {len}-byte file",
                preview.location, preview.len
            ),
        ));
    }
    let mut s = Src { r, len };
    let data = s
        .read_at(preview.offset, preview.len as usize)
        .map_err(|e| Error::io("<input>", e))?;
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err(Error::malformed(
            "preview",
            preview.offset as usize,
            format!("{} does not start with a JPEG SOI marker", preview.location),
        ));
    }
    Ok(data)
}

/// The largest preview's JPEG, ready to decode: the RAW's orientation is written into it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreviewJpeg {
    /// Which preview it is.
    pub preview: EmbeddedPreview,
    /// The JPEG bytes; when the RAW states an orientation, its `Exif` APP1 segments are
    /// replaced by one holding only that orientation (see [`jpeg_with_orientation`]).
    pub jpeg: Vec<u8>,
    /// The RAW's orientation, when it states one.
    pub orientation: Option<u16>,
    /// What [`previews`] could not follow.
    pub warnings: Vec<String>,
}

/// A bound for [`largest_preview_jpeg`]'s `max_len` when nothing tighter is known: previews
/// are a few MB, and this bounds what a hostile length field can make us read.
pub const MAX_PREVIEW_LEN: u64 = 256 << 20;

impl PreviewJpeg {
    /// Which preview this is, for messages: `the embedded 320x214 preview (PreviewImage in
    /// CR3 PRVW, RAW orientation 6)`.
    pub fn description(&self) -> String {
        let p = &self.preview;
        format!(
            "the embedded {}x{} preview ({} in {}{})",
            p.width,
            p.height,
            p.kind,
            p.location,
            self.orientation
                .map(|o| format!(", RAW orientation {o}"))
                .unwrap_or_default()
        )
    }
}

/// Reads the largest embedded preview of the file at `path` (at most `max_len` bytes) with
/// the RAW's orientation applied to it: what a thumbnailer decodes instead of the RAW.
/// `Ok(None)` when the file has no decodable preview.
pub fn largest_preview_jpeg(path: impl AsRef<Path>, max_len: u64) -> Result<Option<PreviewJpeg>> {
    let path = path.as_ref();
    let found = previews(path)?;
    let Some(p) = found.largest().cloned() else {
        return Ok(None);
    };
    let mut jpeg = read_preview(path, &p, max_len)?;
    if let Some(o) = found.orientation {
        jpeg = jpeg_with_orientation(&jpeg, o);
    }
    Ok(Some(PreviewJpeg {
        preview: p,
        jpeg,
        orientation: found.orientation,
        warnings: found.warnings,
    }))
}

/// `jpeg` with its `Exif` APP1 segments replaced by one whose IFD0 holds only `orientation`
/// (0x0112), placed right after SOI. The previews of a RAW rarely carry an orientation of
/// their own (and when they do, the RAW's is the one the camera and editors maintain). A JPEG
/// whose leading segments cannot be walked keeps them all after the new segment.
pub fn jpeg_with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(jpeg.len() + 40);
    out.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE1, 0, 34]);
    out.extend_from_slice(b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0");
    out.extend_from_slice(&orientation.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let rest = jpeg.get(2..).unwrap_or_default();
    // Keep the leading APPn/COM segments other than EXIF, then everything from the first
    // other marker on.
    let mut p = 0usize;
    let mut kept = Vec::new();
    while let [0xFF, m @ (0xE0..=0xEF | 0xFE), hi, lo, ..] = rest[p..] {
        let end = p + 2 + usize::from(u16::from_be_bytes([hi, lo]));
        if end > rest.len() {
            break;
        }
        let seg = &rest[p..end];
        if !(m == 0xE1 && seg.get(4..10) == Some(b"Exif\0\0")) {
            kept.extend_from_slice(seg);
        }
        p = end;
    }
    out.extend_from_slice(&kept);
    out.extend_from_slice(&rest[p..]);
    out
}

/// A bounded random-access reader.
struct Src<'a, R> {
    r: &'a mut R,
    len: u64,
}

impl<R: Read + Seek> Src<'_, R> {
    /// Reads up to `n` bytes at `off` (fewer at the end of the file, none past it).
    fn read_at(&mut self, off: u64, n: usize) -> std::io::Result<Vec<u8>> {
        if off >= self.len {
            return Ok(Vec::new());
        }
        let n = (n as u64).min(self.len - off) as usize;
        let mut buf = vec![0u8; n];
        self.r.seek(SeekFrom::Start(off))?;
        self.r.read_exact(&mut buf)?;
        Ok(buf)
    }
}

fn rd16(d: &[u8], p: usize, le: bool) -> Option<u16> {
    let b: [u8; 2] = d.get(p..p + 2)?.try_into().ok()?;
    Some(if le {
        u16::from_le_bytes(b)
    } else {
        u16::from_be_bytes(b)
    })
}

fn rd32(d: &[u8], p: usize, le: bool) -> Option<u32> {
    let b: [u8; 4] = d.get(p..p + 4)?.try_into().ok()?;
    Some(if le {
        u32::from_le_bytes(b)
    } else {
        u32::from_be_bytes(b)
    })
}

fn io(e: std::io::Error) -> Error {
    Error::io("<input>", e)
}

/// The byte order of a classic TIFF header, including the RAW variants' magic numbers
/// (42; ORF's `RO`/`RS`; RW2's 0x55). `Some(true)` = little-endian.
fn tiff_order(h: &[u8]) -> Option<bool> {
    let le = match h.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    match rd16(h, 2, le)? {
        42 | 0x4F52 | 0x5352 | 0x55 => Some(le),
        _ => None,
    }
}

struct Walk {
    /// File offset of the TIFF header: IFD offsets are relative to it.
    base: u64,
    le: bool,
    /// Only IFD0's orientation is wanted (CR3's `CMT1`).
    orientation_only: bool,
}

/// Follows the IFD chain starting at `first` (IFD0, IFD1, …).
fn tiff_chain<R: Read + Seek>(
    s: &mut Src<'_, R>,
    w: &Walk,
    first: u64,
    out: &mut Previews,
    ifds: &mut usize,
) -> Result<()> {
    let mut next = first;
    let mut seen = Vec::new();
    let mut n = 0usize;
    while next != 0 {
        if seen.contains(&next) {
            out.warnings
                .push(format!("TIFF: IFD chain loops back to offset {next}"));
            break;
        }
        seen.push(next);
        let name = format!("IFD{n}");
        match ifd(s, w, next, &name, 0, out, ifds)? {
            Some(following) => next = following,
            None => break,
        }
        if w.orientation_only {
            break;
        }
        n += 1;
    }
    Ok(())
}

/// Reads one IFD, records its previews, follows its SubIFDs; returns the next IFD's offset
/// (`None` when the IFD could not be read).
#[allow(clippy::too_many_arguments)]
fn ifd<R: Read + Seek>(
    s: &mut Src<'_, R>,
    w: &Walk,
    rel: u64,
    name: &str,
    depth: u32,
    out: &mut Previews,
    ifds: &mut usize,
) -> Result<Option<u64>> {
    if *ifds >= MAX_IFDS {
        out.warnings.push(format!(
            "TIFF: more than {MAX_IFDS} IFDs (MAX_IFDS); {name} and the rest not read"
        ));
        return Ok(None);
    }
    *ifds += 1;
    let le = w.le;
    let at = w.base.saturating_add(rel);
    let head = s.read_at(at, 2).map_err(io)?;
    let Some(count) = rd16(&head, 0, le) else {
        out.warnings.push(format!(
            "TIFF: {name} at offset {at} is past the end of the file"
        ));
        return Ok(None);
    };
    let count = u64::from(count);
    if count > MAX_IFD_ENTRIES {
        out.warnings.push(format!(
            "TIFF: {name} at offset {at} has {count} entries (over MAX_IFD_ENTRIES = {MAX_IFD_ENTRIES}); skipped"
        ));
        return Ok(None);
    }
    let body = s.read_at(at + 2, (count * 12 + 4) as usize).map_err(io)?;
    if (body.len() as u64) < count * 12 {
        out.warnings.push(format!(
            "TIFF: {name} at offset {at} is cut short by the end of the file"
        ));
        return Ok(None);
    }
    let next = rd32(&body, (count * 12) as usize, le).map(u64::from);
    let mut jif = (None, None);
    let mut strip = (None, None);
    let mut compression = None;
    let mut subifds: Vec<u64> = Vec::new();
    for i in 0..count as usize {
        let e = &body[i * 12..i * 12 + 12];
        let (Some(tag), Some(typ), Some(n)) = (rd16(e, 0, le), rd16(e, 2, le), rd32(e, 4, le))
        else {
            continue;
        };
        let short_or_long = |e: &[u8]| match typ {
            3 => rd16(e, 8, le).map(u32::from),
            4 | 13 => rd32(e, 8, le),
            _ => None,
        };
        match tag {
            0x0112 if depth == 0 && name == "IFD0" && typ == 3 && n >= 1 => {
                if let Some(v) = rd16(e, 8, le).filter(|v| (1..=8).contains(v)) {
                    out.orientation = Some(v);
                }
            }
            _ if w.orientation_only => {}
            0x0201 if n == 1 => jif.0 = short_or_long(e),
            0x0202 if n == 1 => jif.1 = short_or_long(e),
            0x0111 if n == 1 => strip.0 = short_or_long(e),
            0x0117 if n == 1 => strip.1 = short_or_long(e),
            0x0103 if n == 1 => compression = short_or_long(e),
            0x002E if typ == 7 && n > 4 => {
                if let Some(off) = rd32(e, 8, le) {
                    let loc = format!("{name} tag 0x002E");
                    candidate(
                        s,
                        w.base + u64::from(off),
                        u64::from(n),
                        PreviewKind::JpgFromRaw,
                        loc,
                        out,
                    )?;
                }
            }
            0x014A if depth < MAX_SUBIFD_DEPTH && (typ == 4 || typ == 13) => {
                let n = u64::from(n);
                if n > MAX_SUBIFDS {
                    out.warnings.push(format!(
                        "TIFF: {name} lists {n} SubIFDs (over MAX_SUBIFDS = {MAX_SUBIFDS}); the first {MAX_SUBIFDS} read"
                    ));
                }
                let n = n.min(MAX_SUBIFDS);
                if n == 1 {
                    subifds.extend(rd32(e, 8, le).map(u64::from));
                } else if let Some(off) = rd32(e, 8, le) {
                    let list = s
                        .read_at(w.base + u64::from(off), (n * 4) as usize)
                        .map_err(io)?;
                    subifds.extend(
                        (0..n as usize).filter_map(|k| rd32(&list, k * 4, le).map(u64::from)),
                    );
                }
            }
            _ => {}
        }
    }
    if !w.orientation_only {
        if let (Some(off), Some(len)) = jif {
            let kind = if depth == 0 && name == "IFD1" {
                PreviewKind::ThumbnailImage
            } else if depth > 0 {
                PreviewKind::JpgFromRaw
            } else {
                PreviewKind::PreviewImage
            };
            candidate(
                s,
                w.base + u64::from(off),
                u64::from(len),
                kind,
                name.to_string(),
                out,
            )?;
        }
        // A single strip of JPEG data (old-style 6 or 7); lossless raw data is filtered out by
        // its start-of-frame.
        if let (Some(off), Some(len), Some(6 | 7)) = (strip.0, strip.1, compression) {
            let loc = format!("{name} strip");
            candidate(
                s,
                w.base + u64::from(off),
                u64::from(len),
                PreviewKind::PreviewImage,
                loc,
                out,
            )?;
        }
        for (k, sub) in subifds.into_iter().enumerate() {
            let sub_name = format!("{name}/SubIFD{k}");
            ifd(s, w, sub, &sub_name, depth + 1, out, ifds)?;
        }
    }
    Ok(next)
}

/// Checks that `[off, off + len)` is a JPEG a baseline decoder reads and records it.
fn candidate<R: Read + Seek>(
    s: &mut Src<'_, R>,
    off: u64,
    len: u64,
    kind: PreviewKind,
    location: String,
    out: &mut Previews,
) -> Result<()> {
    if out.previews.iter().any(|p| p.offset == off) || out.previews.len() >= MAX_PREVIEWS {
        return Ok(());
    }
    if len < 4 || off >= s.len {
        out.warnings.push(format!(
            "{location}: preview of {len} bytes at offset {off} is outside the file"
        ));
        return Ok(());
    }
    let len = len.min(s.len - off);
    match jpeg_frame(s, off, len)? {
        Ok((width, height)) => out.previews.push(EmbeddedPreview {
            offset: off,
            len,
            width,
            height,
            kind,
            location,
        }),
        Err(why) => {
            // Raw sensor data in lossless JPEG is expected, not a defect worth a warning.
            if !why.starts_with("lossless") {
                out.warnings
                    .push(format!("{location}: data at offset {off} skipped: {why}"));
            }
        }
    }
    Ok(())
}

/// Walks a JPEG's markers to its start-of-frame: the pixel size of a baseline/extended/
/// progressive 8-bit JPEG, or why it is not one.
fn jpeg_frame<R: Read + Seek>(
    s: &mut Src<'_, R>,
    off: u64,
    len: u64,
) -> Result<std::result::Result<(u32, u32), String>> {
    let end = off + len;
    let soi = s.read_at(off, 2).map_err(io)?;
    if soi != [0xFF, 0xD8] {
        return Ok(Err("not a JPEG (no SOI marker)".into()));
    }
    let mut p = off + 2;
    for _ in 0..MAX_MARKERS {
        if p + 4 > end {
            break;
        }
        let m = s.read_at(p, 4).map_err(io)?;
        if m.len() < 4 || m[0] != 0xFF {
            return Ok(Err(format!("no JPEG marker at offset {p}")));
        }
        let code = m[1];
        if code == 0xFF {
            p += 1; // fill byte
            continue;
        }
        let seg = u64::from(u16::from_be_bytes([m[2], m[3]]));
        match code {
            0xC0..=0xC2 => {
                let f = s.read_at(p + 4, 6).map_err(io)?;
                if f.len() < 6 {
                    return Ok(Err("start-of-frame cut short".into()));
                }
                if f[0] != 8 {
                    return Ok(Err(format!("{}-bit samples", f[0])));
                }
                let h = u32::from(u16::from_be_bytes([f[1], f[2]]));
                let w = u32::from(u16::from_be_bytes([f[3], f[4]]));
                if w == 0 || h == 0 || !matches!(f[5], 1 | 3 | 4) {
                    return Ok(Err(format!("frame {w}x{h} with {} components", f[5])));
                }
                return Ok(Ok((w, h)));
            }
            0xC3 | 0xC7 | 0xCB | 0xCF => return Ok(Err("lossless JPEG (raw data)".into())),
            0xC5 | 0xC6 | 0xC9 | 0xCA | 0xCD | 0xCE => {
                return Ok(Err(format!(
                    "JPEG process SOF{} not decodable",
                    code - 0xC0
                )));
            }
            0xD8..=0xDA => return Ok(Err("no start-of-frame before the scan".into())),
            0x01 | 0xD0..=0xD7 => p += 2,
            _ => {
                if seg < 2 {
                    return Ok(Err(format!("marker segment length {seg} at offset {p}")));
                }
                p += 2 + seg;
            }
        }
    }
    Ok(Err("no start-of-frame found".into()))
}

/// Fujifilm RAF: a big-endian JPEG offset and length at 84 and 88 of the header.
fn raf<R: Read + Seek>(s: &mut Src<'_, R>, head: &[u8], out: &mut Previews) -> Result<()> {
    match (rd32(head, 84, false), rd32(head, 88, false)) {
        (Some(off), Some(len)) => candidate(
            s,
            u64::from(off),
            u64::from(len),
            PreviewKind::PreviewImage,
            "RAF header".into(),
            out,
        ),
        _ => {
            out.warnings
                .push("RAF: header cut short before the JPEG offset (byte 84)".into());
            Ok(())
        }
    }
}

const CANON_UUID: [u8; 16] = [
    0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48,
];
const PREVIEW_UUID: [u8; 16] = [
    0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d, 0x16,
];

/// The boxes in `[start, end)`: (type, payload start, box end).
fn boxes<R: Read + Seek>(
    s: &mut Src<'_, R>,
    start: u64,
    end: u64,
    out: &mut Previews,
) -> Result<Vec<([u8; 4], u64, u64)>> {
    let mut list = Vec::new();
    let mut p = start;
    while p + 8 <= end {
        if list.len() >= MAX_BOXES {
            out.warnings.push(format!(
                "ISO-BMFF: more than {MAX_BOXES} boxes (MAX_BOXES) at one level; the rest not read"
            ));
            break;
        }
        let h = s.read_at(p, 16).map_err(io)?;
        let (Some(size), Some(typ)) = (rd32(&h, 0, false), h.get(4..8)) else {
            break;
        };
        let typ: [u8; 4] = typ.try_into().unwrap_or_default();
        let (payload, box_end) = match size {
            0 => (p + 8, end),
            1 => match h.get(8..16) {
                Some(b) => {
                    let big = u64::from_be_bytes(b.try_into().unwrap_or_default());
                    (p + 16, p.saturating_add(big))
                }
                None => break,
            },
            n => (p + 8, p + u64::from(n)),
        };
        if box_end < payload || box_end > end {
            out.warnings.push(format!(
                "ISO-BMFF: box {:?} at offset {p} runs past its parent (ends at {box_end}, parent at {end})",
                String::from_utf8_lossy(&typ)
            ));
            break;
        }
        list.push((typ, payload, box_end));
        p = box_end;
    }
    Ok(list)
}

/// A CR3's `THMB` or `PRVW` box: the JPEG starts within its first 32 payload bytes.
fn bmff_jpeg<R: Read + Seek>(
    s: &mut Src<'_, R>,
    payload: u64,
    end: u64,
    kind: PreviewKind,
    location: &str,
    out: &mut Previews,
) -> Result<()> {
    let h = s.read_at(payload, 40).map_err(io)?;
    match h.windows(3).position(|w| w == [0xFF, 0xD8, 0xFF]) {
        Some(k) if k <= 32 => {
            let off = payload + k as u64;
            candidate(s, off, end - off, kind, location.into(), out)
        }
        _ => {
            out.warnings.push(format!(
                "{location}: no JPEG at the start of the box (offset {payload})"
            ));
            Ok(())
        }
    }
}

/// Canon CR3 (ISO-BMFF): `moov/uuid(Canon)/THMB` and `CMT1`, `uuid(preview)/PRVW`. Other
/// ISO-BMFF files (HEIC, AVIF) have none of these boxes and give no previews.
fn bmff<R: Read + Seek>(s: &mut Src<'_, R>, out: &mut Previews, ifds: &mut usize) -> Result<()> {
    let len = s.len;
    for (typ, payload, end) in boxes(s, 0, len, out)? {
        match &typ {
            b"moov" => {
                for (t, pl, e) in boxes(s, payload, end, out)? {
                    if &t != b"uuid" || s.read_at(pl, 16).map_err(io)? != CANON_UUID {
                        continue;
                    }
                    for (t2, pl2, e2) in boxes(s, pl + 16, e, out)? {
                        match &t2 {
                            b"THMB" => {
                                bmff_jpeg(
                                    s,
                                    pl2,
                                    e2,
                                    PreviewKind::ThumbnailImage,
                                    "CR3 THMB",
                                    out,
                                )?;
                            }
                            b"CMT1" => {
                                let h = s.read_at(pl2, 8).map_err(io)?;
                                if let Some(le) = tiff_order(&h) {
                                    let w = Walk {
                                        base: pl2,
                                        le,
                                        orientation_only: true,
                                    };
                                    let first = u64::from(rd32(&h, 4, le).unwrap_or(0));
                                    tiff_chain(s, &w, first, out, ifds)?;
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            b"uuid" if s.read_at(payload, 16).map_err(io)? == PREVIEW_UUID => {
                // 16-byte UUID, 8 bytes Canon keeps there, then the PRVW box
                for (t, pl, e) in boxes(s, payload + 24, end, out)? {
                    if &t == b"PRVW" {
                        bmff_jpeg(s, pl, e, PreviewKind::PreviewImage, "CR3 PRVW", out)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossless_strips_are_not_previews() {
        // IFD0: compression 6, one strip holding a SOF3 (lossless) JPEG
        let data: &[u8] = &[0xFF, 0xD8, 0xFF, 0xC3, 0, 11, 8, 0, 4, 0, 8, 1, 1, 0x11, 0];
        let mut t = b"II*\0\x08\0\0\0".to_vec();
        t.extend_from_slice(&3u16.to_le_bytes());
        for (tag, typ, v) in [(0x0103u16, 3u16, 6u32), (0x0111, 4, 50), (0x0117, 4, 15)] {
            t.extend_from_slice(&tag.to_le_bytes());
            t.extend_from_slice(&typ.to_le_bytes());
            t.extend_from_slice(&1u32.to_le_bytes());
            t.extend_from_slice(&v.to_le_bytes());
        }
        t.extend_from_slice(&0u32.to_le_bytes());
        t.extend_from_slice(data);
        let p = previews_in_bytes(&t).unwrap();
        assert!(p.previews.is_empty());
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn orientation_replaces_the_exif_segment() {
        let exif = [&[0xFF, 0xE1, 0, 10][..], b"Exif\0\0MM"].concat();
        let app0 = [0xFF, 0xE0, 0, 4, 1, 2];
        let jpeg = [
            &[0xFF, 0xD8][..],
            &app0,
            &exif,
            &[0xFF, 0xDB, 0, 2, 0xFF, 0xD9],
        ]
        .concat();
        let out = jpeg_with_orientation(&jpeg, 6);
        assert_eq!(out.len(), jpeg.len() - exif.len() + 36);
        assert_eq!(&out[..4], &[0xFF, 0xD8, 0xFF, 0xE1]);
        assert_eq!(&out[6..12], b"Exif\0\0");
        assert_eq!(u16::from_le_bytes([out[30], out[31]]), 6);
        assert_eq!(&out[38..44], &app0);
        assert_eq!(&out[44..], &[0xFF, 0xDB, 0, 2, 0xFF, 0xD9]);
        // a segment length past the end: kept verbatim after the new segment
        let odd = [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 1];
        assert_eq!(&jpeg_with_orientation(&odd, 3)[38..], &odd[2..]);
    }

    #[test]
    fn a_looping_chain_is_a_warning() {
        let mut t = b"II*\0\x08\0\0\0".to_vec();
        t.extend_from_slice(&0u16.to_le_bytes());
        t.extend_from_slice(&8u32.to_le_bytes());
        let p = previews_in_bytes(&t).unwrap();
        assert!(p.warnings[0].contains("loops"), "{:?}", p.warnings);
    }

    #[test]
    fn not_a_raw_container() {
        let e = previews_in_bytes(b"\x89PNG\r\n\x1a\n....").unwrap_err();
        assert!(e.to_string().contains("RAF and CR3"), "{e}");
    }
}
