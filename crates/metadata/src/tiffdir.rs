//! A minimal TIFF IFD0 reader for the blobs kamadak-exif does not interpret: XMP (tag 700),
//! IPTC-NAA (33723) and Photoshop resources (34377). Classic TIFF and BigTIFF.

use crate::error::{Error, Result};

/// Tag 700: XMP packet.
pub const TAG_XMP: u16 = 700;
/// Tag 33723: IPTC-NAA (IIM block).
pub const TAG_IPTC: u16 = 33723;
/// Tag 34377: Photoshop image resources.
pub const TAG_PHOTOSHOP: u16 = 34377;

#[derive(Debug, Default)]
pub(crate) struct Ifd0Blobs {
    pub xmp: Option<Vec<u8>>,
    pub iptc: Option<Vec<u8>>,
    pub photoshop: Option<Vec<u8>>,
}

fn type_size(t: u16) -> Option<u64> {
    Some(match t {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 | 16 | 17 | 18 => 8,
        _ => return None,
    })
}

pub(crate) fn ifd0_blobs(d: &[u8]) -> Result<Ifd0Blobs> {
    let le = match d.get(..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return Err(Error::malformed("TIFF", 0, "missing byte-order mark")),
    };
    let u16_at = |p: usize| -> Option<u16> {
        let b: [u8; 2] = d.get(p..p + 2)?.try_into().ok()?;
        Some(if le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_at = |p: usize| -> Option<u32> {
        let b: [u8; 4] = d.get(p..p + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let u64_at = |p: usize| -> Option<u64> {
        let b: [u8; 8] = d.get(p..p + 8)?.try_into().ok()?;
        Some(if le {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        })
    };
    let trunc = |p: usize| Error::malformed("TIFF", p, "IFD0 runs past the end of the file");
    let magic = u16_at(2).ok_or_else(|| trunc(2))?;
    let big = match magic {
        42 => false,
        43 => true,
        // ORF ("IIRO"/"IIRS") and RW2 (0x55) use other magic numbers with the same layout
        0x4f52 | 0x5352 | 0x55 => false,
        m => {
            return Err(Error::malformed(
                "TIFF",
                2,
                format!("unknown TIFF magic {m}"),
            ));
        }
    };
    let (ifd, entry_size, count_size) = if big {
        (u64_at(8).ok_or_else(|| trunc(8))?, 20usize, 8usize)
    } else {
        (
            u64::from(u32_at(4).ok_or_else(|| trunc(4))?),
            12usize,
            2usize,
        )
    };
    let ifd = usize::try_from(ifd).map_err(|_| trunc(4))?;
    let n = if big {
        u64_at(ifd).ok_or_else(|| trunc(ifd))?
    } else {
        u64::from(u16_at(ifd).ok_or_else(|| trunc(ifd))?)
    };
    let mut out = Ifd0Blobs::default();
    let n = n.min(((d.len().saturating_sub(ifd)) / entry_size) as u64) as usize;
    for i in 0..n {
        let e = ifd + count_size + i * entry_size;
        let (Some(tag), Some(typ)) = (u16_at(e), u16_at(e + 2)) else {
            break;
        };
        if !matches!(tag, TAG_XMP | TAG_IPTC | TAG_PHOTOSHOP) {
            continue;
        }
        let Some(ts) = type_size(typ) else { continue };
        let (count, inline, voff) = if big {
            (u64_at(e + 4).unwrap_or(0), 8u64, e + 12)
        } else {
            (u64::from(u32_at(e + 4).unwrap_or(0)), 4u64, e + 8)
        };
        let size = count.saturating_mul(ts);
        let start = if size <= inline {
            voff as u64
        } else if big {
            u64_at(voff).unwrap_or(u64::MAX)
        } else {
            u64::from(u32_at(voff).unwrap_or(u32::MAX))
        };
        let Some(bytes) = start
            .checked_add(size)
            .filter(|&end| end <= d.len() as u64)
            .map(|end| d[start as usize..end as usize].to_vec())
        else {
            return Err(Error::malformed(
                "TIFF",
                e,
                format!("tag {tag} of {size} bytes runs past the end of the file"),
            ));
        };
        match tag {
            TAG_XMP => out.xmp = Some(bytes),
            TAG_IPTC => out.iptc = Some(bytes),
            _ => out.photoshop = Some(bytes),
        }
    }
    Ok(out)
}
