//! The metadata-blind content hash: blake3 over an image's payload only.
//!
//! Editing keywords, ratings or captions rewrites the metadata blocks of a file and changes
//! its whole-file checksum; the pixels stay the same. These small bounded parsers walk the
//! container and hash what defines the image:
//!
//! | format | hashed | skipped |
//! |---|---|---|
//! | JPEG | every marker segment and the entropy-coded data | APP0–APP15 (JFIF, EXIF, XMP, ICC, IPTC/Photoshop…), COM, anything after EOI |
//! | PNG | every chunk's type and data; the IDAT stream as one stream (re-chunking does not matter) | `tEXt`, `zTXt`, `iTXt`, `eXIf`, `tIME`, CRCs, anything after IEND |
//! | TIFF | per IFD in the main chain: the image-structure tags and the strip or tile data they point to | every other tag (EXIF, GPS, XMP, IPTC, ICC, descriptions, dates) |
//! | WebP | `VP8 `, `VP8L`, `ALPH`, `ANIM`, `ANMF` chunks | `VP8X` (its flags change when metadata is added), `EXIF`, `XMP `, `ICCP`, unknown chunks |
//! | anything else | the whole file | — |
//!
//! Each parser checks every length against the bytes it has and never allocates from a
//! length it read: a malformed file is a [`DedupError::Malformed`] naming the byte offset.

use std::path::Path;

use damkit_core::{Limits, MediaType};

use crate::error::{DedupError, Result};
use crate::exact::Digest;

/// What a content hash covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContentScope {
    /// The payload of an image container, metadata excluded.
    Payload(MediaType),
    /// The whole file (formats without a payload parser).
    WholeFile,
}

/// A metadata-blind content hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentHash {
    /// blake3 of the payload, domain-separated by format.
    pub hash: Digest,
    /// What was hashed.
    pub scope: ContentScope,
}

/// The content hash of a file, refusing files larger than `limits.max_input_bytes`.
pub fn content_hash_file(path: &Path, limits: &Limits) -> Result<ContentHash> {
    let md = std::fs::metadata(path).map_err(|e| DedupError::io(path, e))?;
    limits
        .check_input_size(md.len())
        .map_err(|source| DedupError::Limit {
            path: path.to_path_buf(),
            source,
        })?;
    let bytes = std::fs::read(path).map_err(|e| DedupError::io(path, e))?;
    content_hash(&bytes).map_err(|e| e.in_file(path))
}

/// The content hash of a file's bytes.
///
/// ```
/// use damkit_dedup::content::{content_hash, ContentScope};
/// // A JPEG with a comment and the same JPEG without it hash the same.
/// let bare = b"\xff\xd8\xff\xdb\x00\x04\x00\x01\xff\xda\x00\x02\x12\x34\xff\xd9";
/// let with_com = b"\xff\xd8\xff\xfe\x00\x05hi!\xff\xdb\x00\x04\x00\x01\xff\xda\x00\x02\x12\x34\xff\xd9";
/// let a = content_hash(bare)?;
/// assert_eq!(a, content_hash(with_com)?);
/// assert!(matches!(a.scope, ContentScope::Payload(_)));
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn content_hash(bytes: &[u8]) -> Result<ContentHash> {
    let mut h = blake3::Hasher::new();
    let scope = match MediaType::detect(bytes) {
        Some(MediaType::Jpeg) => {
            h.update(b"damkit-content/jpeg\0");
            jpeg(bytes, &mut h)?;
            ContentScope::Payload(MediaType::Jpeg)
        }
        Some(MediaType::Png) => {
            h.update(b"damkit-content/png\0");
            png(bytes, &mut h)?;
            ContentScope::Payload(MediaType::Png)
        }
        Some(MediaType::WebP) => {
            h.update(b"damkit-content/webp\0");
            webp(bytes, &mut h)?;
            ContentScope::Payload(MediaType::WebP)
        }
        Some(MediaType::Tiff) if is_classic_tiff(bytes) => {
            h.update(b"damkit-content/tiff\0");
            tiff(bytes, &mut h)?;
            ContentScope::Payload(MediaType::Tiff)
        }
        _ => {
            h.update(bytes);
            return Ok(ContentHash {
                hash: *blake3::hash(bytes).as_bytes(),
                scope: ContentScope::WholeFile,
            });
        }
    };
    Ok(ContentHash {
        hash: *h.finalize().as_bytes(),
        scope,
    })
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// JPEG: every segment but APPn and COM, plus the entropy-coded data, up to EOI.
fn jpeg(b: &[u8], h: &mut blake3::Hasher) -> Result<()> {
    const F: &str = "JPEG";
    if b.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(DedupError::malformed(F, 0, "no SOI marker"));
    }
    let mut pos = 2;
    loop {
        if b.get(pos) != Some(&0xFF) {
            return Err(DedupError::malformed(
                F,
                pos,
                if pos >= b.len() {
                    "truncated: no EOI marker".to_string()
                } else {
                    format!("expected a marker, found byte 0x{:02X}", b[pos])
                },
            ));
        }
        while b.get(pos) == Some(&0xFF) {
            pos += 1; // fill bytes
        }
        let at = pos - 1;
        let Some(&m) = b.get(pos) else {
            return Err(DedupError::malformed(F, at, "truncated inside a marker"));
        };
        pos += 1;
        match m {
            0xD9 => {
                h.update(&[0xFF, 0xD9]);
                return Ok(());
            }
            0xD8 => return Err(DedupError::malformed(F, at, "a second SOI marker")),
            0x01 | 0xD0..=0xD7 => {
                h.update(&[0xFF, m]);
            }
            _ => {
                let len = be16(b, pos)
                    .ok_or_else(|| DedupError::malformed(F, pos, "truncated segment length"))?
                    as usize;
                if len < 2 || pos + len > b.len() {
                    return Err(DedupError::malformed(
                        F,
                        pos,
                        format!("segment 0xFF{m:02X} of length {len} runs past the end"),
                    ));
                }
                let seg = &b[pos..pos + len];
                pos += len;
                if (0xE0..=0xEF).contains(&m) || m == 0xFE {
                    continue; // metadata
                }
                h.update(&[0xFF, m]);
                h.update(seg);
                if m == 0xDA {
                    // Entropy-coded data up to the next marker that is not a stuffed 0xFF00
                    // or a restart marker.
                    let start = pos;
                    let mut i = pos;
                    loop {
                        let Some(off) = memchr::memchr(0xFF, &b[i..]) else {
                            return Err(DedupError::malformed(
                                F,
                                start,
                                "truncated entropy-coded data: no EOI marker",
                            ));
                        };
                        i += off;
                        match b.get(i + 1) {
                            None => {
                                return Err(DedupError::malformed(
                                    F,
                                    i,
                                    "truncated entropy-coded data: no EOI marker",
                                ));
                            }
                            Some(0x00) | Some(0xD0..=0xD7) | Some(0xFF) => i += 1,
                            Some(_) => break,
                        }
                    }
                    // `i` is at a 0xFF that starts a marker; trailing fill bytes of the
                    // scan are not part of the data.
                    let mut end = i;
                    while end > start && b[end - 1] == 0xFF {
                        end -= 1;
                    }
                    h.update(&b[start..end]);
                    pos = i;
                }
            }
        }
    }
}

/// PNG: every chunk but the text and time ones; IDAT as one stream.
fn png(b: &[u8], h: &mut blake3::Hasher) -> Result<()> {
    const F: &str = "PNG";
    if b.get(..8) != Some(b"\x89PNG\r\n\x1a\n") {
        return Err(DedupError::malformed(F, 0, "no PNG signature"));
    }
    let mut pos = 8;
    let mut in_idat = false;
    loop {
        let len = be32(b, pos)
            .ok_or_else(|| DedupError::malformed(F, pos, "truncated: no IEND chunk"))?
            as usize;
        let Some(ty) = b.get(pos + 4..pos + 8) else {
            return Err(DedupError::malformed(F, pos + 4, "truncated chunk type"));
        };
        if len > 0x7FFF_FFFF || pos + 12 + len > b.len() {
            return Err(DedupError::malformed(
                F,
                pos,
                format!(
                    "chunk {} of length {len} runs past the end",
                    String::from_utf8_lossy(ty)
                ),
            ));
        }
        if !ty.iter().all(u8::is_ascii_alphabetic) {
            return Err(DedupError::malformed(
                F,
                pos + 4,
                "chunk type is not 4 letters",
            ));
        }
        let data = &b[pos + 8..pos + 8 + len];
        match ty {
            b"IDAT" => {
                if !in_idat {
                    h.update(b"IDAT");
                    in_idat = true;
                }
                h.update(data);
            }
            b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME" => {}
            _ => {
                in_idat = false;
                h.update(ty);
                h.update(&(len as u32).to_be_bytes());
                h.update(data);
                if ty == b"IEND" {
                    return Ok(());
                }
            }
        }
        pos += 12 + len;
    }
}

/// WebP: the image-data chunks only.
fn webp(b: &[u8], h: &mut blake3::Hasher) -> Result<()> {
    const F: &str = "WebP";
    if b.get(..4) != Some(b"RIFF") || b.get(8..12) != Some(b"WEBP") {
        return Err(DedupError::malformed(F, 0, "no RIFF WEBP header"));
    }
    let riff_len = le32(b, 4).unwrap_or(0) as usize;
    let end = (8 + riff_len).min(b.len());
    let mut pos = 12;
    let mut any = false;
    while pos + 8 <= end {
        let ty = &b[pos..pos + 4];
        let len = le32(b, pos + 4).unwrap_or(0) as usize;
        let data_end = pos + 8 + len;
        if data_end > b.len() {
            return Err(DedupError::malformed(
                F,
                pos,
                format!(
                    "chunk {} of length {len} runs past the end",
                    String::from_utf8_lossy(ty)
                ),
            ));
        }
        if matches!(ty, b"VP8 " | b"VP8L" | b"ALPH" | b"ANIM" | b"ANMF") {
            h.update(ty);
            h.update(&(len as u32).to_le_bytes());
            h.update(&b[pos + 8..data_end]);
            any |= ty != b"ANIM";
        }
        pos = data_end + (len & 1);
    }
    if !any {
        return Err(DedupError::malformed(
            F,
            12,
            "no VP8, VP8L or ANMF image data",
        ));
    }
    Ok(())
}

fn is_classic_tiff(b: &[u8]) -> bool {
    matches!(b.get(..4), Some(b"II*\0") | Some(b"MM\0*"))
}

/// TIFF tags that define the pixels (hashed with their values).
const TIFF_STRUCTURE_TAGS: &[u16] = &[
    254, 255, 256, 257, 258, 259, 262, 266, 277, 278, 284, 317, 320, 322, 323, 338, 339, 347,
];
const STRIP_OFFSETS: u16 = 273;
const STRIP_BYTE_COUNTS: u16 = 279;
const TILE_OFFSETS: u16 = 324;
const TILE_BYTE_COUNTS: u16 = 325;

struct Tiff<'a> {
    b: &'a [u8],
    le: bool,
}

impl Tiff<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let s: [u8; 2] = self.b.get(at..at + 2)?.try_into().ok()?;
        Some(if self.le {
            u16::from_le_bytes(s)
        } else {
            u16::from_be_bytes(s)
        })
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let s: [u8; 4] = self.b.get(at..at + 4)?.try_into().ok()?;
        Some(if self.le {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        })
    }

    /// The value bytes of an IFD entry at `e`, and its element size and count.
    fn value(&self, e: usize) -> Result<(&[u8], usize, usize)> {
        const F: &str = "TIFF";
        let ty = self.u16(e + 2).unwrap_or(0);
        let count = self.u32(e + 4).unwrap_or(0) as usize;
        let size = match ty {
            1 | 2 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 | 11 | 13 => 4,
            5 | 10 | 12 | 16 | 17 | 18 => 8,
            _ => {
                return Err(DedupError::malformed(
                    F,
                    e + 2,
                    format!("unknown field type {ty}"),
                ));
            }
        };
        let total = count
            .checked_mul(size)
            .filter(|&t| t <= self.b.len())
            .ok_or_else(|| DedupError::malformed(F, e + 4, "value count larger than the file"))?;
        let start = if total <= 4 {
            e + 8
        } else {
            self.u32(e + 8).unwrap_or(0) as usize
        };
        let v = self.b.get(start..start + total).ok_or_else(|| {
            DedupError::malformed(F, e + 8, format!("value at {start} runs past the end"))
        })?;
        Ok((v, size, count))
    }

    fn ints(&self, e: usize) -> Result<Vec<u64>> {
        let (v, size, count) = self.value(e)?;
        let mut out = Vec::new();
        out.try_reserve_exact(count)
            .map_err(|_| DedupError::malformed("TIFF", e, "too many offsets"))?;
        for c in v.chunks_exact(size) {
            out.push(match size {
                2 => u64::from(self.u16_of(c)),
                4 => u64::from(self.u32_of(c)),
                8 => {
                    let a: [u8; 8] = c.try_into().unwrap_or([0; 8]);
                    if self.le {
                        u64::from_le_bytes(a)
                    } else {
                        u64::from_be_bytes(a)
                    }
                }
                _ => u64::from(c[0]),
            });
        }
        Ok(out)
    }
    fn u16_of(&self, c: &[u8]) -> u16 {
        let a = [c[0], c[1]];
        if self.le {
            u16::from_le_bytes(a)
        } else {
            u16::from_be_bytes(a)
        }
    }
    fn u32_of(&self, c: &[u8]) -> u32 {
        let a = [c[0], c[1], c[2], c[3]];
        if self.le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    }
}

/// TIFF: per IFD of the main chain, the structure tags and the strip/tile data.
fn tiff(b: &[u8], h: &mut blake3::Hasher) -> Result<()> {
    const F: &str = "TIFF";
    let t = Tiff {
        b,
        le: b.starts_with(b"II"),
    };
    let mut ifd = t.u32(4).unwrap_or(0) as usize;
    let mut seen = std::collections::HashSet::new();
    let mut ifds = 0;
    while ifd != 0 {
        if !seen.insert(ifd) {
            return Err(DedupError::malformed(F, ifd, "IFD chain loops"));
        }
        ifds += 1;
        if ifds > 1024 {
            return Err(DedupError::malformed(F, ifd, "more than 1024 IFDs"));
        }
        let n = t
            .u16(ifd)
            .ok_or_else(|| DedupError::malformed(F, ifd, "IFD offset past the end"))?
            as usize;
        if ifd + 2 + 12 * n + 4 > b.len() {
            return Err(DedupError::malformed(
                F,
                ifd,
                format!("IFD of {n} entries runs past the end"),
            ));
        }
        h.update(b"IFD");
        let (mut offsets, mut counts) = (None, None);
        for k in 0..n {
            let e = ifd + 2 + 12 * k;
            let tag = t.u16(e).unwrap_or(0);
            if TIFF_STRUCTURE_TAGS.contains(&tag) {
                let (v, _, _) = t.value(e)?;
                h.update(&tag.to_be_bytes());
                h.update(&(v.len() as u64).to_be_bytes());
                h.update(v);
            } else if tag == STRIP_OFFSETS || tag == TILE_OFFSETS {
                offsets = Some(t.ints(e)?);
            } else if tag == STRIP_BYTE_COUNTS || tag == TILE_BYTE_COUNTS {
                counts = Some(t.ints(e)?);
            }
        }
        match (offsets, counts) {
            (Some(o), Some(c)) => {
                if o.len() != c.len() {
                    return Err(DedupError::malformed(
                        F,
                        ifd,
                        format!("{} data offsets but {} byte counts", o.len(), c.len()),
                    ));
                }
                for (off, cnt) in o.into_iter().zip(c) {
                    let (off, cnt) = (off as usize, cnt as usize);
                    let data = off
                        .checked_add(cnt)
                        .and_then(|end| b.get(off..end))
                        .ok_or_else(|| {
                            DedupError::malformed(
                                F,
                                off,
                                format!("strip or tile of {cnt} bytes runs past the end"),
                            )
                        })?;
                    h.update(data);
                }
            }
            (None, None) => {}
            _ => {
                return Err(DedupError::malformed(
                    F,
                    ifd,
                    "strip or tile offsets without byte counts (or the reverse)",
                ));
            }
        }
        ifd = t.u32(ifd + 2 + 12 * n).unwrap_or(0) as usize;
    }
    if ifds == 0 {
        return Err(DedupError::malformed(F, 4, "no IFD"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_chunk(ty: &[u8], data: &[u8]) -> Vec<u8> {
        let mut v = (data.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(ty);
        v.extend_from_slice(data);
        v.extend_from_slice(&[0, 0, 0, 0]);
        v
    }

    #[test]
    fn png_ignores_text_and_idat_splits() {
        let sig = b"\x89PNG\r\n\x1a\n".to_vec();
        let ihdr = png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        let iend = png_chunk(b"IEND", &[]);
        let a = [
            sig.clone(),
            ihdr.clone(),
            png_chunk(b"IDAT", b"abcdef"),
            iend.clone(),
        ]
        .concat();
        let b = [
            sig.clone(),
            ihdr.clone(),
            png_chunk(b"tEXt", b"Title\0x"),
            png_chunk(b"IDAT", b"abc"),
            png_chunk(b"IDAT", b"def"),
            png_chunk(b"eXIf", b"MM\0*"),
            iend.clone(),
        ]
        .concat();
        let c = [sig, ihdr, png_chunk(b"IDAT", b"abcdeF"), iend].concat();
        assert_eq!(content_hash(&a).unwrap(), content_hash(&b).unwrap());
        assert_ne!(content_hash(&a).unwrap(), content_hash(&c).unwrap());
        let e = content_hash(&a[..a.len() - 12]).unwrap_err();
        assert!(e.to_string().contains("PNG"), "{e}");
    }

    #[test]
    fn jpeg_truncations_are_errors() {
        let ok = b"\xff\xd8\xff\xdb\x00\x04\x00\x01\xff\xda\x00\x02\x12\x34\xff\xd9";
        content_hash(ok).unwrap();
        for n in 3..ok.len() - 1 {
            assert!(content_hash(&ok[..n]).is_err(), "prefix {n}");
        }
    }

    #[test]
    fn other_files_hash_whole() {
        let c = content_hash(b"plain text").unwrap();
        assert_eq!(c.scope, ContentScope::WholeFile);
        assert_eq!(c.hash, *blake3::hash(b"plain text").as_bytes());
    }
}
