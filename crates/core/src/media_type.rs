//! Media-type detection from magic bytes.
//!
//! Detection looks only at the first [`DETECT_HEAD_LEN`] bytes of a file. Most formats are
//! told apart by a fixed signature; three need a little parsing, done here with bounds checks
//! on every read:
//!
//! - **TIFF-based RAW** formats share TIFF's `II*\0` / `MM\0*` header. Canon CR2, Olympus ORF
//!   and Panasonic RW2 have their own signature; DNG is recognised by its `DNGVersion` tag in
//!   IFD0; Nikon NEF, Sony ARW, Pentax PEF and Samsung SRW by the camera make in IFD0 *together
//!   with* a sign of raw sensor data (a `SubIFDs` tag, a CFA or LinearRaw photometric
//!   interpretation, or a vendor raw compression), so that a TIFF exported from a Nikon photo
//!   stays a TIFF. A file extension can be given as a hint to settle what the bytes leave open.
//! - **ISO-BMFF** files (HEIC, HEIF, AVIF, Canon CR3) are told apart by the major and
//!   compatible brands of their `ftyp` box.
//! - **XMP sidecars** are text: an optional BOM and whitespace, then an `<?xpacket`,
//!   `<x:xmpmeta` or `<rdf:RDF` element, or an XML declaration followed by one of them.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::DetectError;

/// How many leading bytes [`MediaType::detect`] looks at. Reading more is harmless; reading
/// less may miss the camera make of a TIFF-based RAW file.
pub const DETECT_HEAD_LEN: usize = 64 * 1024;

/// The kind of content a [`MediaType`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MediaFamily {
    /// A rendered image (JPEG, PNG, TIFF, WebP, HEIF, AVIF, GIF, PSD, BMP, JPEG XL).
    Raster,
    /// A camera RAW file: sensor data that needs demosaicing.
    Raw,
    /// A metadata sidecar (XMP).
    Sidecar,
}

/// A file format damkit recognises, detected from magic bytes.
///
/// ```
/// use damkit_core::{MediaFamily, MediaType};
///
/// assert_eq!(MediaType::detect(b"\xff\xd8\xff\xe1"), Some(MediaType::Jpeg));
/// assert_eq!(MediaType::detect(b"GIF89a\x01\0\x01\0"), Some(MediaType::Gif));
/// assert_eq!(MediaType::detect(b"hello"), None);
/// assert_eq!(MediaType::Cr2.family(), MediaFamily::Raw);
/// assert_eq!(MediaType::from_extension("JPG"), Some(MediaType::Jpeg));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MediaType {
    /// JPEG / JFIF / EXIF JPEG.
    Jpeg,
    /// PNG (including APNG).
    Png,
    /// TIFF, classic or BigTIFF, that is not a recognised RAW format.
    Tiff,
    /// WebP (lossy, lossless or extended).
    WebP,
    /// HEIC: HEIF with HEVC-coded images.
    Heic,
    /// HEIF with another or unknown codec.
    Heif,
    /// AVIF: HEIF with AV1-coded images.
    Avif,
    /// GIF 87a or 89a.
    Gif,
    /// Adobe Photoshop document (PSD, and PSB large documents).
    Psd,
    /// Windows / OS/2 bitmap.
    Bmp,
    /// JPEG XL, bare codestream or ISO-BMFF container.
    Jxl,
    /// Adobe Digital Negative.
    Dng,
    /// Canon RAW 2 (TIFF-based).
    Cr2,
    /// Canon RAW 3 (ISO-BMFF based).
    Cr3,
    /// Canon RAW (CIFF, older cameras).
    Crw,
    /// Nikon Electronic Format (TIFF-based).
    Nef,
    /// Sony Alpha RAW (TIFF-based).
    Arw,
    /// Olympus / OM System RAW (TIFF-like).
    Orf,
    /// Panasonic RAW (TIFF-like).
    Rw2,
    /// Fujifilm RAW.
    Raf,
    /// Pentax Electronic File (TIFF-based).
    Pef,
    /// Samsung RAW (TIFF-based).
    Srw,
    /// An XMP packet on its own: a sidecar.
    Xmp,
}

impl MediaType {
    /// Every media type, in declaration order.
    pub const ALL: &'static [MediaType] = &[
        MediaType::Jpeg,
        MediaType::Png,
        MediaType::Tiff,
        MediaType::WebP,
        MediaType::Heic,
        MediaType::Heif,
        MediaType::Avif,
        MediaType::Gif,
        MediaType::Psd,
        MediaType::Bmp,
        MediaType::Jxl,
        MediaType::Dng,
        MediaType::Cr2,
        MediaType::Cr3,
        MediaType::Crw,
        MediaType::Nef,
        MediaType::Arw,
        MediaType::Orf,
        MediaType::Rw2,
        MediaType::Raf,
        MediaType::Pef,
        MediaType::Srw,
        MediaType::Xmp,
    ];

    /// Detects the media type from the first bytes of a file (give at least
    /// [`DETECT_HEAD_LEN`] bytes when the file is that long). `None` when the bytes match no
    /// format damkit handles.
    pub fn detect(head: &[u8]) -> Option<MediaType> {
        detect_inner(head, None)
    }

    /// Like [`detect`](MediaType::detect), with the file's extension (without the dot, any
    /// case) as a hint for what the bytes cannot settle: a TIFF-structured file named `.nef`
    /// is a NEF even when its IFD0 shows no raw data. The hint never overrides a signature:
    /// a JPEG named `.png` is a JPEG.
    pub fn detect_with_hint(head: &[u8], extension: Option<&str>) -> Option<MediaType> {
        detect_inner(head, extension.and_then(MediaType::from_extension))
    }

    /// Reads the head of the file at `path` and detects its media type, using the extension
    /// as a hint (see [`detect_with_hint`](MediaType::detect_with_hint)).
    pub fn detect_path(path: &Path) -> Result<Option<MediaType>, DetectError> {
        let io = |source| DetectError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let mut head = Vec::with_capacity(4096);
        file.take(DETECT_HEAD_LEN as u64)
            .read_to_end(&mut head)
            .map_err(io)?;
        let ext = path.extension().and_then(|e| e.to_str());
        Ok(MediaType::detect_with_hint(&head, ext))
    }

    /// The media type usually meant by a file extension (without the dot, any case).
    pub fn from_extension(ext: &str) -> Option<MediaType> {
        let ext = ext.trim_start_matches('.').to_ascii_lowercase();
        MediaType::ALL
            .iter()
            .copied()
            .find(|t| t.extensions().contains(&ext.as_str()))
    }

    /// The IANA media type (or the de-facto one where IANA has none).
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Tiff => "image/tiff",
            MediaType::WebP => "image/webp",
            MediaType::Heic => "image/heic",
            MediaType::Heif => "image/heif",
            MediaType::Avif => "image/avif",
            MediaType::Gif => "image/gif",
            MediaType::Psd => "image/vnd.adobe.photoshop",
            MediaType::Bmp => "image/bmp",
            MediaType::Jxl => "image/jxl",
            MediaType::Dng => "image/x-adobe-dng",
            MediaType::Cr2 => "image/x-canon-cr2",
            MediaType::Cr3 => "image/x-canon-cr3",
            MediaType::Crw => "image/x-canon-crw",
            MediaType::Nef => "image/x-nikon-nef",
            MediaType::Arw => "image/x-sony-arw",
            MediaType::Orf => "image/x-olympus-orf",
            MediaType::Rw2 => "image/x-panasonic-rw2",
            MediaType::Raf => "image/x-fuji-raf",
            MediaType::Pef => "image/x-pentax-pef",
            MediaType::Srw => "image/x-samsung-srw",
            MediaType::Xmp => "application/rdf+xml",
        }
    }

    /// File extensions in use for this type, lower case, the usual one first.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            MediaType::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            MediaType::Png => &["png", "apng"],
            MediaType::Tiff => &["tif", "tiff"],
            MediaType::WebP => &["webp"],
            MediaType::Heic => &["heic", "hif"],
            MediaType::Heif => &["heif"],
            MediaType::Avif => &["avif"],
            MediaType::Gif => &["gif"],
            MediaType::Psd => &["psd", "psb"],
            MediaType::Bmp => &["bmp", "dib"],
            MediaType::Jxl => &["jxl"],
            MediaType::Dng => &["dng"],
            MediaType::Cr2 => &["cr2"],
            MediaType::Cr3 => &["cr3"],
            MediaType::Crw => &["crw"],
            MediaType::Nef => &["nef", "nrw"],
            MediaType::Arw => &["arw", "srf", "sr2"],
            MediaType::Orf => &["orf"],
            MediaType::Rw2 => &["rw2", "raw"],
            MediaType::Raf => &["raf"],
            MediaType::Pef => &["pef"],
            MediaType::Srw => &["srw"],
            MediaType::Xmp => &["xmp"],
        }
    }

    /// A short upper-case name (`"JPEG"`, `"CR2"`, `"XMP"`), as ExifTool's `FileType`.
    pub fn name(self) -> &'static str {
        match self {
            MediaType::Jpeg => "JPEG",
            MediaType::Png => "PNG",
            MediaType::Tiff => "TIFF",
            MediaType::WebP => "WEBP",
            MediaType::Heic => "HEIC",
            MediaType::Heif => "HEIF",
            MediaType::Avif => "AVIF",
            MediaType::Gif => "GIF",
            MediaType::Psd => "PSD",
            MediaType::Bmp => "BMP",
            MediaType::Jxl => "JXL",
            MediaType::Dng => "DNG",
            MediaType::Cr2 => "CR2",
            MediaType::Cr3 => "CR3",
            MediaType::Crw => "CRW",
            MediaType::Nef => "NEF",
            MediaType::Arw => "ARW",
            MediaType::Orf => "ORF",
            MediaType::Rw2 => "RW2",
            MediaType::Raf => "RAF",
            MediaType::Pef => "PEF",
            MediaType::Srw => "SRW",
            MediaType::Xmp => "XMP",
        }
    }

    /// Raster image, camera RAW or sidecar.
    pub fn family(self) -> MediaFamily {
        match self {
            MediaType::Dng
            | MediaType::Cr2
            | MediaType::Cr3
            | MediaType::Crw
            | MediaType::Nef
            | MediaType::Arw
            | MediaType::Orf
            | MediaType::Rw2
            | MediaType::Raf
            | MediaType::Pef
            | MediaType::Srw => MediaFamily::Raw,
            MediaType::Xmp => MediaFamily::Sidecar,
            _ => MediaFamily::Raster,
        }
    }

    /// Whether the file is laid out as TIFF (IFDs with tags), so that EXIF-style parsers can
    /// read it directly: TIFF, DNG, CR2, NEF, ARW, PEF, SRW, and the TIFF-like ORF and RW2.
    pub fn is_tiff_based(self) -> bool {
        matches!(
            self,
            MediaType::Tiff
                | MediaType::Dng
                | MediaType::Cr2
                | MediaType::Nef
                | MediaType::Arw
                | MediaType::Orf
                | MediaType::Rw2
                | MediaType::Pef
                | MediaType::Srw
        )
    }

    /// Whether the file is an ISO base media file (`ftyp` box): HEIC, HEIF, AVIF, CR3.
    pub fn is_isobmff(self) -> bool {
        matches!(
            self,
            MediaType::Heic | MediaType::Heif | MediaType::Avif | MediaType::Cr3
        )
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn detect_inner(head: &[u8], hint: Option<MediaType>) -> Option<MediaType> {
    let starts = |sig: &[u8]| head.starts_with(sig);
    if starts(b"\xFF\xD8\xFF") {
        return Some(MediaType::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some(MediaType::Png);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some(MediaType::Gif);
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some(MediaType::WebP);
    }
    if head.len() >= 6 && &head[0..4] == b"8BPS" && matches!(head[4..6], [0, 1] | [0, 2]) {
        return Some(MediaType::Psd);
    }
    if starts(b"FUJIFILMCCD-RAW") {
        return Some(MediaType::Raf);
    }
    if head.len() >= 14 && matches!(&head[0..2], b"II" | b"MM") && &head[6..14] == b"HEAPCCDR" {
        return Some(MediaType::Crw);
    }
    if starts(b"\xFF\x0A") || starts(b"\0\0\0\x0CJXL \r\n\x87\n") {
        return Some(MediaType::Jxl);
    }
    if let Some(t) = detect_isobmff(head) {
        return Some(t);
    }
    if let Some(t) = detect_tiff(head, hint) {
        return Some(t);
    }
    if is_bmp(head) {
        return Some(MediaType::Bmp);
    }
    if is_xmp(head) {
        return Some(MediaType::Xmp);
    }
    None
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn detect_isobmff(head: &[u8]) -> Option<MediaType> {
    if head.get(4..8)? != b"ftyp" {
        return None;
    }
    // The box size bounds the brand list; a size of 0 or 1 (to end / 64-bit size) is not
    // used for ftyp in practice, so read what the head holds.
    let size = be32(head, 0)? as usize;
    let end = if size >= 16 {
        size.min(head.len())
    } else {
        head.len().min(64)
    };
    let major = head.get(8..12)?;
    let mut brands: Vec<&[u8]> = vec![major];
    let mut at = 16;
    while at + 4 <= end && brands.len() < 64 {
        brands.push(&head[at..at + 4]);
        at += 4;
    }
    let has = |b: &[u8]| brands.contains(&b);
    if major == b"crx " {
        return Some(MediaType::Cr3);
    }
    if major == b"JXL " {
        return Some(MediaType::Jxl);
    }
    if matches!(major, b"avif" | b"avis") {
        return Some(MediaType::Avif);
    }
    if matches!(
        major,
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx"
    ) {
        return Some(MediaType::Heic);
    }
    // A generic major brand (mif1, msf1, miaf): the compatible brands say which codec.
    if has(b"avif") || has(b"avis") {
        return Some(MediaType::Avif);
    }
    if has(b"heic") || has(b"heix") || has(b"hevc") || has(b"hevx") {
        return Some(MediaType::Heic);
    }
    if has(b"mif1") || has(b"msf1") || has(b"miaf") {
        return Some(MediaType::Heif);
    }
    None
}

/// Reads IFD0 of a TIFF-structured file within `head`, never past it.
struct Ifd0Scan {
    dng: bool,
    raw_signal: bool,
    make: Option<String>,
}

fn detect_tiff(head: &[u8], hint: Option<MediaType>) -> Option<MediaType> {
    let le = match head.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let s = head.get(at..at.checked_add(2)?)?;
        Some(if le {
            u16::from_le_bytes([s[0], s[1]])
        } else {
            u16::from_be_bytes([s[0], s[1]])
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let s = head.get(at..at.checked_add(4)?)?;
        Some(if le {
            u32::from_le_bytes([s[0], s[1], s[2], s[3]])
        } else {
            u32::from_be_bytes([s[0], s[1], s[2], s[3]])
        })
    };
    let magic = u16_at(2)?;
    match magic {
        42 => {}
        43 => return Some(MediaType::Tiff), // BigTIFF
        // ORF: "IIRO", "IIRS" and "MMOR"
        0x4F52 | 0x5352 if le => return Some(MediaType::Orf),
        0x4F52 if !le => return Some(MediaType::Orf),
        // RW2: "IIU\0"
        0x0055 if le => return Some(MediaType::Rw2),
        _ => return None,
    }
    if head.get(8..11) == Some(b"CR\x02") {
        return Some(MediaType::Cr2);
    }
    let scan = scan_ifd0(head, &u16_at, &u32_at);
    if scan.dng {
        return Some(MediaType::Dng);
    }
    let hinted_raw = hint.filter(|h| h.is_tiff_based() && *h != MediaType::Tiff);
    if scan.raw_signal {
        let make = scan.make.as_deref().unwrap_or("").to_ascii_uppercase();
        let by_make = if make.starts_with("NIKON") {
            Some(MediaType::Nef)
        } else if make.starts_with("SONY") {
            Some(MediaType::Arw)
        } else if make.starts_with("PENTAX") || make.starts_with("RICOH") {
            Some(MediaType::Pef)
        } else if make.starts_with("SAMSUNG") {
            Some(MediaType::Srw)
        } else if make.starts_with("CANON") {
            Some(MediaType::Cr2)
        } else if make.starts_with("OLYMPUS") || make.starts_with("OM DIGITAL") {
            Some(MediaType::Orf)
        } else if make.starts_with("PANASONIC") {
            Some(MediaType::Rw2)
        } else {
            None
        };
        if let Some(t) = by_make {
            return Some(t);
        }
    }
    Some(hinted_raw.unwrap_or(MediaType::Tiff))
}

fn scan_ifd0(
    head: &[u8],
    u16_at: &dyn Fn(usize) -> Option<u16>,
    u32_at: &dyn Fn(usize) -> Option<u32>,
) -> Ifd0Scan {
    let mut scan = Ifd0Scan {
        dng: false,
        raw_signal: false,
        make: None,
    };
    let Some(ifd) = u32_at(4).map(|o| o as usize) else {
        return scan;
    };
    let Some(count) = u16_at(ifd) else {
        return scan;
    };
    // At most 1,000 entries are looked at; a real IFD0 has a few dozen.
    for i in 0..usize::from(count).min(1000) {
        let e = ifd + 2 + i * 12;
        let (Some(tag), Some(typ), Some(n)) = (u16_at(e), u16_at(e + 2), u32_at(e + 4)) else {
            break;
        };
        let short_value = || {
            if typ == 3 {
                u16_at(e + 8).map(u32::from)
            } else {
                u32_at(e + 8)
            }
        };
        match tag {
            0xC612 => scan.dng = true,
            0x014A => scan.raw_signal = true, // SubIFDs: the full-size raw image lives there
            0x0106 => {
                // PhotometricInterpretation: CFA or LinearRaw
                if matches!(short_value(), Some(32803 | 34892)) {
                    scan.raw_signal = true;
                }
            }
            0x0103 => {
                // Compression: vendor raw codecs
                if matches!(short_value(), Some(32767 | 32769 | 32770 | 34713 | 65535)) {
                    scan.raw_signal = true;
                }
            }
            0x010F if typ == 2 => {
                let n = n as usize;
                let bytes = if n <= 4 {
                    head.get(e + 8..e + 8 + n)
                } else {
                    u32_at(e + 8).and_then(|off| {
                        let off = off as usize;
                        head.get(off..off.checked_add(n.min(64))?)
                    })
                };
                if let Some(b) = bytes {
                    let text: String = b
                        .iter()
                        .take_while(|&&c| c != 0)
                        .map(|&c| c as char)
                        .collect();
                    scan.make = Some(text.trim().to_string());
                }
            }
            _ => {}
        }
    }
    scan
}

fn is_bmp(head: &[u8]) -> bool {
    if !head.starts_with(b"BM") || head.len() < 18 {
        return false;
    }
    let dib = u32::from_le_bytes([head[14], head[15], head[16], head[17]]);
    matches!(dib, 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124)
}

fn is_xmp(head: &[u8]) -> bool {
    let mut s = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let skip_ws = |s: &[u8]| -> usize { s.iter().take_while(|c| c.is_ascii_whitespace()).count() };
    s = &s[skip_ws(s)..];
    let element_start = |s: &[u8]| {
        s.starts_with(b"<?xpacket")
            || s.starts_with(b"<x:xmpmeta")
            || s.starts_with(b"<x:xapmeta")
            || s.starts_with(b"<rdf:RDF")
    };
    if element_start(s) {
        return true;
    }
    if s.starts_with(b"<?xml") {
        // Look for the XMP root element in what follows the declaration.
        let window = &s[..s.len().min(4096)];
        return contains(window, b"<x:xmpmeta")
            || contains(window, b"<x:xapmeta")
            || contains(window, b"adobe:ns:meta")
            || (contains(window, b"<rdf:RDF") && contains(window, b"ns.adobe.com"));
    }
    false
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a little-endian classic TIFF header with IFD0 at offset 8 holding `entries`
    /// (tag, type, count, value) and an ASCII Make string placed after the IFD if given.
    fn tiff_le(entries: &[(u16, u16, u32, u32)], make: Option<&str>) -> Vec<u8> {
        let mut v = b"II*\0\x08\0\0\0".to_vec();
        let n = entries.len() + usize::from(make.is_some());
        let data_off = 8 + 2 + n * 12 + 4;
        v.extend_from_slice(&(n as u16).to_le_bytes());
        for &(tag, typ, count, value) in entries {
            v.extend_from_slice(&tag.to_le_bytes());
            v.extend_from_slice(&typ.to_le_bytes());
            v.extend_from_slice(&count.to_le_bytes());
            v.extend_from_slice(&value.to_le_bytes());
        }
        if let Some(m) = make {
            v.extend_from_slice(&0x010Fu16.to_le_bytes());
            v.extend_from_slice(&2u16.to_le_bytes());
            v.extend_from_slice(&((m.len() + 1) as u32).to_le_bytes());
            v.extend_from_slice(&(data_off as u32).to_le_bytes());
        }
        v.extend_from_slice(&0u32.to_le_bytes());
        if let Some(m) = make {
            v.extend_from_slice(m.as_bytes());
            v.push(0);
        }
        v
    }

    #[test]
    fn signatures() {
        let cases: &[(&[u8], MediaType)] = &[
            (b"\xFF\xD8\xFF\xE0\0\x10JFIF", MediaType::Jpeg),
            (b"\x89PNG\r\n\x1a\n", MediaType::Png),
            (b"GIF87a", MediaType::Gif),
            (b"RIFF\x10\0\0\0WEBPVP8 ", MediaType::WebP),
            (b"8BPS\0\x01", MediaType::Psd),
            (b"8BPS\0\x02", MediaType::Psd),
            (b"FUJIFILMCCD-RAW 0201", MediaType::Raf),
            (b"II\x1a\0\0\0HEAPCCDR", MediaType::Crw),
            (b"\xFF\x0A\xFA", MediaType::Jxl),
            (b"\0\0\0\x0CJXL \r\n\x87\n", MediaType::Jxl),
            (b"IIRO\x08\0\0\0", MediaType::Orf),
            (b"IIRS\x08\0\0\0", MediaType::Orf),
            (b"MMOR\0\0\0\x08", MediaType::Orf),
            (b"IIU\0\x18\0\0\0", MediaType::Rw2),
            (b"II*\0\x10\0\0\0CR\x02\0", MediaType::Cr2),
            (b"II+\0\x08\0\0\0", MediaType::Tiff),
            (b"MM\0*\0\0\0\x08", MediaType::Tiff),
        ];
        for (bytes, want) in cases {
            assert_eq!(MediaType::detect(bytes), Some(*want), "{bytes:?}");
        }
    }

    #[test]
    fn not_detected() {
        for bytes in [
            &b""[..],
            b"\xFF",
            b"\xFF\xD8",
            b"BM",
            b"BMtext that is not a bitmap",
            b"hello world",
            b"<html><body>",
            b"RIFF\0\0\0\0WAVEfmt ",
            b"8BPS\0\x03",
            b"\0\0\0\x18ftypisom\0\0\0\0isommp41",
        ] {
            assert_eq!(MediaType::detect(bytes), None, "{bytes:?}");
        }
    }

    #[test]
    fn isobmff_brands() {
        let ftyp = |major: &[u8], compat: &[&[u8]]| {
            let mut v = Vec::new();
            v.extend_from_slice(&((16 + 4 * compat.len()) as u32).to_be_bytes());
            v.extend_from_slice(b"ftyp");
            v.extend_from_slice(major);
            v.extend_from_slice(&[0, 0, 0, 0]);
            for c in compat {
                v.extend_from_slice(c);
            }
            v
        };
        assert_eq!(
            MediaType::detect(&ftyp(b"heic", &[b"mif1"])),
            Some(MediaType::Heic)
        );
        assert_eq!(
            MediaType::detect(&ftyp(b"avif", &[b"mif1"])),
            Some(MediaType::Avif)
        );
        assert_eq!(
            MediaType::detect(&ftyp(b"mif1", &[b"mif1", b"avif", b"miaf"])),
            Some(MediaType::Avif)
        );
        assert_eq!(
            MediaType::detect(&ftyp(b"mif1", &[b"mif1", b"heic"])),
            Some(MediaType::Heic)
        );
        assert_eq!(
            MediaType::detect(&ftyp(b"mif1", &[b"mif1"])),
            Some(MediaType::Heif)
        );
        assert_eq!(
            MediaType::detect(&ftyp(b"crx ", &[b"crx "])),
            Some(MediaType::Cr3)
        );
        assert_eq!(MediaType::detect(&ftyp(b"mp42", &[b"isom"])), None);
        // A box that claims a huge size does not make us read past the head.
        let mut huge = ftyp(b"mif1", &[b"mif1"]);
        huge[0..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(MediaType::detect(&huge), Some(MediaType::Heif));
    }

    #[test]
    fn tiff_based_raw() {
        // DNGVersion in IFD0
        let dng = tiff_le(&[(0xC612, 1, 4, 0x0000_0401)], Some("Canon"));
        assert_eq!(MediaType::detect(&dng), Some(MediaType::Dng));
        // Nikon make with SubIFDs: NEF
        let nef = tiff_le(&[(0x014A, 4, 1, 1000)], Some("NIKON CORPORATION"));
        assert_eq!(MediaType::detect(&nef), Some(MediaType::Nef));
        // Nikon make without raw signs: a TIFF exported from a Nikon photo
        let tif = tiff_le(&[(0x0103, 3, 1, 1)], Some("NIKON CORPORATION"));
        assert_eq!(MediaType::detect(&tif), Some(MediaType::Tiff));
        // ... unless the caller says it is named .nef
        assert_eq!(
            MediaType::detect_with_hint(&tif, Some("NEF")),
            Some(MediaType::Nef)
        );
        // a hint never overrides a signature
        assert_eq!(
            MediaType::detect_with_hint(b"\xFF\xD8\xFF\xE1", Some("nef")),
            Some(MediaType::Jpeg)
        );
        // Sony with a CFA photometric interpretation
        let arw = tiff_le(&[(0x0106, 3, 1, 32803)], Some("SONY"));
        assert_eq!(MediaType::detect(&arw), Some(MediaType::Arw));
        let pef = tiff_le(&[(0x0103, 3, 1, 65535)], Some("PENTAX Corporation"));
        assert_eq!(MediaType::detect(&pef), Some(MediaType::Pef));
        let srw = tiff_le(&[(0x014A, 4, 1, 1000)], Some("SAMSUNG"));
        assert_eq!(MediaType::detect(&srw), Some(MediaType::Srw));
        // Short make stored inline in the entry
        let inline = tiff_le(&[(0x010F, 2, 4, u32::from_le_bytes(*b"ABC\0"))], None);
        assert_eq!(MediaType::detect(&inline), Some(MediaType::Tiff));
    }

    #[test]
    fn hostile_tiff_headers_are_bounded() {
        // IFD offset far past the head, absurd entry counts, make offset past the end.
        let mut v = b"II*\0\xff\xff\xff\x7f".to_vec();
        assert_eq!(MediaType::detect(&v), Some(MediaType::Tiff));
        v = b"II*\0\x08\0\0\0\xff\xff".to_vec();
        assert_eq!(MediaType::detect(&v), Some(MediaType::Tiff));
        let mut make_past_end = tiff_le(&[(0x014A, 4, 1, 0)], Some("NIKON"));
        let len = make_past_end.len();
        make_past_end.truncate(len - 3);
        assert_eq!(MediaType::detect(&make_past_end), Some(MediaType::Tiff));
        let mut big_count = tiff_le(&[], Some("NIKON"));
        // make count of u32::MAX at an offset near the end
        big_count[8 + 2 + 4..8 + 2 + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        let _ = MediaType::detect(&big_count);
    }

    #[test]
    fn bmp_needs_a_plausible_dib_header() {
        let mut bmp = b"BM\x46\0\0\0\0\0\0\0\x36\0\0\0".to_vec();
        bmp.extend_from_slice(&40u32.to_le_bytes());
        assert_eq!(MediaType::detect(&bmp), Some(MediaType::Bmp));
        bmp[14] = 41;
        assert_eq!(MediaType::detect(&bmp), None);
    }

    #[test]
    fn xmp_sidecars() {
        for text in [
            &b"<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"[..],
            b"\xEF\xBB\xBF<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">",
            b"\n\n  <x:xmpmeta xmlns:x=\"adobe:ns:meta/\">",
            b"<?xml version=\"1.0\"?>\n<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">",
            b"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">",
        ] {
            assert_eq!(MediaType::detect(text), Some(MediaType::Xmp), "{text:?}");
        }
        assert_eq!(
            MediaType::detect(
                b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>"
            ),
            None
        );
    }

    #[test]
    fn extensions_and_names_are_consistent() {
        for &t in MediaType::ALL {
            assert_eq!(MediaType::from_extension(t.extensions()[0]), Some(t), "{t}");
            assert!(t.mime().contains('/'));
            assert!(!t.name().is_empty());
        }
        assert_eq!(MediaType::from_extension(".TIFF"), Some(MediaType::Tiff));
        assert_eq!(MediaType::from_extension("txt"), None);
        let json = serde_json::to_string(&MediaType::WebP).unwrap();
        assert_eq!(json, "\"webp\"");
    }

    #[test]
    fn every_prefix_of_every_case_is_safe() {
        // Truncation anywhere must not panic.
        let nef = tiff_le(&[(0x014A, 4, 1, 1000)], Some("NIKON CORPORATION"));
        for len in 0..=nef.len() {
            let _ = MediaType::detect(&nef[..len]);
        }
    }
}
