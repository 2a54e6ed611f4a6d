//! Reading only the bytes that hold metadata.
//!
//! A TIFF, PSD or PNG file is mostly image data that no metadata parser looks at. Instead of
//! reading the whole file, [`read`] returns a buffer of the file's full length (so every offset
//! stays valid for the parsers) in which only the structure and metadata regions are read
//! from disk: TIFF headers, IFDs and the values their entries point to (image strips and
//! tiles are skipped), the PSD header, colour mode data and image resources (layers and image
//! data are skipped), PNG chunks other than `IDAT`/`fdAT`, ISO-BMFF (HEIC, HEIF, AVIF) boxes
//! other than `mdat` plus the `iloc` extents of the `Exif` and XMP items, WebP chunks other
//! than the image data (`VP8 `, `VP8L`, `ALPH`, `ANMF`). GIF is read whole: its image data is
//! a chain of sub-blocks of at most 255 bytes whose length bytes must all be read to find
//! what follows, so skipping it would touch every page anyway. The rest stays zero, which the
//! allocator gives without touching the pages. Anything unusual (odd TIFF magic, BigTIFF, a
//! limit reached, a structure we cannot follow) falls back to reading the whole file, so the
//! result the parsers see is always what a whole read would give in every region they read.

use std::io::{Read, Seek, SeekFrom};

/// Files up to this size are read whole: one read beats several seeks.
const SMALL_FILE: u64 = 256 * 1024;
/// Granularity of the loaded-region bookkeeping.
const BLOCK: u64 = 4096;
/// IFDs followed in one TIFF before giving up and reading the whole file.
const MAX_IFDS: usize = 1024;

struct Sparse<'f, R> {
    f: &'f mut R,
    buf: Vec<u8>,
    /// One bit per [`BLOCK`]: already read from disk.
    loaded: Vec<u64>,
}

/// Chunks or boxes walked in one PNG, ISO-BMFF or WebP file before reading it whole instead.
const MAX_CHUNKS: u32 = 100_000;

/// Counts one more chunk of a walk; true once there are more than [`MAX_CHUNKS`].
fn too_many_chunks(count: &mut u32) -> bool {
    *count += 1;
    *count > MAX_CHUNKS
}

/// The walk met something it does not follow: read the whole file instead.
struct Fallback;

impl<R: Read + Seek> Sparse<'_, R> {
    fn len(&self) -> u64 {
        self.buf.len() as u64
    }

    fn is_loaded(&self, b: u64) -> bool {
        self.loaded[(b / 64) as usize] & (1 << (b % 64)) != 0
    }

    /// Reads `[off, off + len)` (clamped to the file) unless already read.
    fn ensure(&mut self, off: u64, len: u64) -> std::io::Result<()> {
        let end = off.saturating_add(len).min(self.len());
        if off >= end {
            return Ok(());
        }
        let (first, last) = (off / BLOCK, (end - 1) / BLOCK);
        let mut b = first;
        while b <= last {
            if self.is_loaded(b) {
                b += 1;
                continue;
            }
            let run = b;
            while b <= last && !self.is_loaded(b) {
                self.loaded[(b / 64) as usize] |= 1 << (b % 64);
                b += 1;
            }
            let s = run * BLOCK;
            let e = (b * BLOCK).min(self.len());
            self.f.seek(SeekFrom::Start(s))?;
            self.f.read_exact(&mut self.buf[s as usize..e as usize])?;
        }
        Ok(())
    }

    fn u16_at(&self, p: u64, le: bool) -> Option<u16> {
        let b = self.buf.get(p as usize..p as usize + 2)?;
        Some(if le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    }

    fn u32_at(&self, p: u64, le: bool) -> Option<u32> {
        let b: [u8; 4] = self.buf.get(p as usize..p as usize + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }
}

/// Reads the file at `f` (of `len` bytes, the first `head.len()` already read into `head`)
/// keeping only its metadata regions, or the whole file when the format has no sparse plan.
pub(crate) fn read<R: Read + Seek>(f: &mut R, len: u64, head: Vec<u8>) -> std::io::Result<Vec<u8>> {
    read_above(f, len, head, SMALL_FILE)
}

/// [`read`], reading files of at most `small` bytes whole.
pub(crate) fn read_above<R: Read + Seek>(
    f: &mut R,
    len: u64,
    head: Vec<u8>,
    small: u64,
) -> std::io::Result<Vec<u8>> {
    let kind = if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Some(tiff::<R> as fn(&mut Sparse<'_, R>) -> std::io::Result<Result<(), Fallback>>)
    } else if head.starts_with(b"8BPS") {
        Some(psd::<R> as fn(&mut Sparse<'_, R>) -> std::io::Result<Result<(), Fallback>>)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(png::<R> as fn(&mut Sparse<'_, R>) -> std::io::Result<Result<(), Fallback>>)
    } else if head.get(4..8) == Some(b"ftyp") {
        Some(bmff::<R> as fn(&mut Sparse<'_, R>) -> std::io::Result<Result<(), Fallback>>)
    } else if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        Some(webp::<R> as fn(&mut Sparse<'_, R>) -> std::io::Result<Result<(), Fallback>>)
    } else {
        None
    };
    let whole = |f: &mut R, mut head: Vec<u8>| -> std::io::Result<Vec<u8>> {
        f.seek(SeekFrom::Start(head.len() as u64))?;
        // the exact size up front: no doubling and copying while reading
        head.reserve_exact(usize::try_from(len).unwrap_or(0).saturating_sub(head.len()));
        f.read_to_end(&mut head)?;
        Ok(head)
    };
    let Some(plan) = kind.filter(|_| len > small) else {
        return whole(f, head);
    };
    let Ok(n) = usize::try_from(len) else {
        return whole(f, head);
    };
    let blocks = len.div_ceil(BLOCK);
    let mut s = Sparse {
        f,
        // zeroed allocation: untouched pages are never written
        buf: vec![0u8; n],
        loaded: vec![0u64; blocks.div_ceil(64) as usize],
    };
    let h = head.len().min(n);
    s.buf[..h].copy_from_slice(&head[..h]);
    for b in 0..(h as u64 / BLOCK) {
        s.loaded[(b / 64) as usize] |= 1 << (b % 64);
    }
    match plan(&mut s) {
        Ok(Ok(())) => Ok(s.buf),
        // a file that changed size while we read it, or a structure we do not follow
        Ok(Err(Fallback)) | Err(_) => {
            drop(s);
            whole(f, head)
        }
    }
}

fn type_size(t: u16) -> u64 {
    match t {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 => 8,
        _ => 0,
    }
}

/// Classic TIFF: the IFD chain from the header, Exif/GPS/Interop/SubIFD directories, and
/// every entry value stored outside its entry.
fn tiff<R: Read + Seek>(s: &mut Sparse<'_, R>) -> std::io::Result<Result<(), Fallback>> {
    s.ensure(0, 8)?;
    let le = s.buf[0] == b'I';
    let Some(first) = s.u32_at(4, le) else {
        return Ok(Err(Fallback));
    };
    // (offset, part of the main chain)
    let mut queue: Vec<(u64, bool)> = vec![(u64::from(first), true)];
    let mut seen: Vec<u64> = Vec::new();
    while let Some((off, chain)) = queue.pop() {
        if off == 0 || off >= s.len() || seen.contains(&off) {
            continue;
        }
        if seen.len() >= MAX_IFDS {
            return Ok(Err(Fallback));
        }
        seen.push(off);
        s.ensure(off, 2)?;
        let Some(n) = s.u16_at(off, le) else {
            continue;
        };
        let n = u64::from(n);
        s.ensure(off + 2, n * 12 + 4)?;
        for i in 0..n {
            let e = off + 2 + i * 12;
            let (Some(tag), Some(typ), Some(count)) =
                (s.u16_at(e, le), s.u16_at(e + 2, le), s.u32_at(e + 4, le))
            else {
                break;
            };
            let size = type_size(typ).saturating_mul(u64::from(count));
            let value_at = if size > 4 {
                let Some(v) = s.u32_at(e + 8, le) else { break };
                let v = u64::from(v);
                // a value running past the end of the file is refused by every reader
                // (kamadak-exif, our walker, the IFD0 blob reader): nothing to read
                if v.saturating_add(size) <= s.len() {
                    s.ensure(v, size)?;
                }
                v
            } else {
                e + 8
            };
            match tag {
                // Exif, GPS, Interop pointers
                0x8769 | 0x8825 | 0xA005 => {
                    if let Some(p) = s.u32_at(e + 8, le) {
                        queue.push((u64::from(p), false));
                    }
                }
                // SubIFDs: a list of offsets
                0x014A if matches!(typ, 4 | 13) => {
                    for k in 0..u64::from(count).min(64) {
                        if let Some(p) = s.u32_at(value_at + 4 * k, le) {
                            queue.push((u64::from(p), false));
                        }
                    }
                }
                _ => {}
            }
        }
        if chain && let Some(next) = s.u32_at(off + 2 + n * 12, le) {
            queue.push((u64::from(next), true));
        }
    }
    Ok(Ok(()))
}

/// PSD: header, colour mode data and image resources (layers and image data follow them).
fn psd<R: Read + Seek>(s: &mut Sparse<'_, R>) -> std::io::Result<Result<(), Fallback>> {
    s.ensure(0, 30)?;
    let Some(cm) = s.u32_at(26, false) else {
        return Ok(Err(Fallback));
    };
    let res = 30 + u64::from(cm);
    s.ensure(26, 4 + u64::from(cm) + 4)?;
    let Some(rlen) = s.u32_at(res, false) else {
        return Ok(Err(Fallback));
    };
    s.ensure(res, 4 + u64::from(rlen) + 4)?;
    Ok(Ok(()))
}

/// PNG: every chunk but the image data (`IDAT`, APNG `fdAT`), whose headers are read.
fn png<R: Read + Seek>(s: &mut Sparse<'_, R>) -> std::io::Result<Result<(), Fallback>> {
    let mut pos = 8u64;
    let mut count = 0u32;
    while pos + 8 <= s.len() {
        if too_many_chunks(&mut count) {
            return Ok(Err(Fallback));
        }
        s.ensure(pos, 8)?;
        let Some(n) = s.u32_at(pos, false) else {
            break;
        };
        let kind = &s.buf[pos as usize + 4..pos as usize + 8];
        let skip = kind == b"IDAT" || kind == b"fdAT";
        let iend = kind == b"IEND";
        if !skip {
            s.ensure(pos + 8, u64::from(n) + 4)?;
        }
        pos = pos + 12 + u64::from(n);
        if iend {
            break;
        }
    }
    Ok(Ok(()))
}

/// ISO-BMFF (HEIC, HEIF, AVIF): every top-level box but the media data (`mdat`, whose header
/// is read), then the extents (`iloc`) of the items the reader extracts (`Exif`, XMP), which
/// usually lie in `mdat`.
fn bmff<R: Read + Seek>(s: &mut Sparse<'_, R>) -> std::io::Result<Result<(), Fallback>> {
    let mut pos = 0u64;
    let mut count = 0u32;
    while pos + 8 <= s.len() {
        if too_many_chunks(&mut count) {
            return Ok(Err(Fallback));
        }
        s.ensure(pos, 16)?;
        let (Some(size), Some(kind)) = (
            s.u32_at(pos, false),
            s.buf.get(pos as usize + 4..pos as usize + 8),
        ) else {
            break;
        };
        let mdat = kind == b"mdat";
        let (hdr, size) = match size {
            0 => (8, s.len() - pos),
            1 => match (s.u32_at(pos + 8, false), s.u32_at(pos + 12, false)) {
                (Some(hi), Some(lo)) => (16, (u64::from(hi) << 32) | u64::from(lo)),
                _ => break,
            },
            n => (8, u64::from(n)),
        };
        if size < hdr || pos.saturating_add(size) > s.len() {
            // the reader stops at a box that runs past the end of the file
            break;
        }
        if !mdat {
            s.ensure(pos, size)?;
        }
        pos += size;
    }
    let mut diag = crate::container::Diag::new(false);
    let limits = crate::ReadLimits::default();
    let (items, locs) = match crate::container::bmff_items(&s.buf, &limits, &mut diag) {
        Ok(Some((items, locs, _))) => (items, locs),
        Ok(None) => return Ok(Ok(())),
        // a limit reached: the reader decides on the whole file
        Err(_) => return Ok(Err(Fallback)),
    };
    for (id, t, ct) in items {
        if !crate::container::bmff_wanted(&t, &ct) {
            continue;
        }
        // construction method 0: offsets in the file (1, `idat`, is inside `meta`)
        if let Some((_, 0, extents)) = locs.iter().find(|l| l.0 == id) {
            for &(off, len) in extents {
                let len = if len == 0 {
                    s.len().saturating_sub(off)
                } else {
                    len
                };
                s.ensure(off, len)?;
            }
        }
    }
    Ok(Ok(()))
}

/// WebP: every RIFF chunk but the image data (`VP8 `, `VP8L`, `ALPH`, animation frames
/// `ANMF`), whose headers are read.
fn webp<R: Read + Seek>(s: &mut Sparse<'_, R>) -> std::io::Result<Result<(), Fallback>> {
    s.ensure(0, 12)?;
    let mut pos = 12u64;
    let mut count = 0u32;
    while pos + 8 <= s.len() {
        if too_many_chunks(&mut count) {
            return Ok(Err(Fallback));
        }
        s.ensure(pos, 8)?;
        let Some(n) = s.u32_at(pos + 4, true) else {
            break;
        };
        let kind = &s.buf[pos as usize..pos as usize + 4];
        let image = matches!(kind, b"VP8 " | b"VP8L" | b"ALPH" | b"ANMF");
        if !image {
            s.ensure(pos + 8, u64::from(n))?;
        }
        pos = pos + 8 + u64::from(n) + u64::from(n & 1);
    }
    Ok(Ok(()))
}
