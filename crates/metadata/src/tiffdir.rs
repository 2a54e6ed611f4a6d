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

/// A BigTIFF header: magic 43, offset size 8, then zero. A classic TIFF whose magic number is
/// damaged into 43 (ExifTool reads it as classic) is not one.
pub(crate) fn is_bigtiff(d: &[u8]) -> bool {
    let Ok(o) = Order::of(d, "TIFF") else {
        return false;
    };
    o.r16(d, 2) == Some(43) && o.r16(d, 4) == Some(8) && o.r16(d, 6) == Some(0)
}

pub(crate) fn ifd0_blobs(d: &[u8]) -> Result<Ifd0Blobs> {
    let o = Order::of(d, "TIFF")?;
    let trunc = |p: usize| Error::malformed("TIFF", p, "IFD0 runs past the end of the file");
    let magic = o.r16(d, 2).ok_or_else(|| trunc(2))?;
    let big = match magic {
        42 => false,
        43 => is_bigtiff(d),
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
        (o.r64(d, 8).ok_or_else(|| trunc(8))?, 20usize, 8usize)
    } else {
        (
            u64::from(o.r32(d, 4).ok_or_else(|| trunc(4))?),
            12usize,
            2usize,
        )
    };
    let ifd = usize::try_from(ifd).map_err(|_| trunc(4))?;
    let n = if big {
        o.r64(d, ifd).ok_or_else(|| trunc(ifd))?
    } else {
        u64::from(o.r16(d, ifd).ok_or_else(|| trunc(ifd))?)
    };
    let mut out = Ifd0Blobs::default();
    let n = n.min(((d.len().saturating_sub(ifd)) / entry_size) as u64) as usize;
    for i in 0..n {
        let e = ifd + count_size + i * entry_size;
        let (Some(tag), Some(typ)) = (o.r16(d, e), o.r16(d, e + 2)) else {
            break;
        };
        if !matches!(tag, TAG_XMP | TAG_IPTC | TAG_PHOTOSHOP) {
            continue;
        }
        let Some(ts) = type_size(typ) else { continue };
        let (count, inline, voff) = if big {
            (o.r64(d, e + 4).unwrap_or(0), 8u64, e + 12)
        } else {
            (u64::from(o.r32(d, e + 4).unwrap_or(0)), 4u64, e + 8)
        };
        let size = count.saturating_mul(ts);
        let start = if size <= inline {
            voff as u64
        } else if big {
            o.r64(d, voff).unwrap_or(u64::MAX)
        } else {
            u64::from(o.r32(d, voff).unwrap_or(u32::MAX))
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

/// One entry of our own IFD walker (used for BigTIFF and for files kamadak-exif refuses).
pub(crate) struct Entry {
    pub ctx: exif::Context,
    pub ifd: u16,
    pub number: u16,
    pub value: exif::Value,
}

/// Walks IFD0, IFD1… and their Exif, GPS and Interop sub-IFDs, classic TIFF or BigTIFF,
/// tolerating an unknown magic number. Bounded: at most `max_entries` entries in total and
/// 8 IFDs in the chain; each IFD offset is visited once.
pub(crate) fn walk(d: &[u8], max_entries: u64) -> Result<(bool, Vec<Entry>)> {
    use exif::{Context, Rational, SRational, Value as V};
    let le = Order::of(d, "TIFF")?.le;
    let rd = |p: usize, n: usize| -> Option<u64> {
        let s = d.get(p..p.checked_add(n)?)?;
        let mut v = 0u64;
        if le {
            for &b in s.iter().rev() {
                v = (v << 8) | u64::from(b);
            }
        } else {
            for &b in s {
                v = (v << 8) | u64::from(b);
            }
        }
        Some(v)
    };
    let big = is_bigtiff(d);
    let (first, esz, csz, osz) = if big {
        (rd(8, 8), 20, 8, 8)
    } else {
        (rd(4, 4), 12, 2, 4)
    };
    let mut out = Vec::new();
    let mut seen = Vec::new();
    let mut queue: Vec<(u64, Context, u16, bool)> =
        vec![(first.unwrap_or(0), Context::Tiff, 0, true)];
    while let Some((off, ctx, ifd, chain)) = queue.pop() {
        if off == 0 || seen.contains(&off) || seen.len() > 64 {
            continue;
        }
        seen.push(off);
        let off = off as usize;
        let Some(n) = rd(off, csz) else { continue };
        for i in 0..n as usize {
            if out.len() as u64 >= max_entries {
                return Err(Error::Limit {
                    what: "TIFF entry count",
                    value: out.len() as u64 + 1,
                    limit: max_entries,
                    constant: "ReadLimits::max_entries",
                });
            }
            let e = off + csz + i * esz;
            let (Some(tag), Some(typ), Some(count)) = (rd(e, 2), rd(e + 2, 2), rd(e + 4, osz))
            else {
                break;
            };
            let tag = tag as u16;
            let ts: u64 = match typ {
                1 | 2 | 6 | 7 => 1,
                3 | 8 => 2,
                4 | 9 | 11 | 13 => 4,
                5 | 10 | 12 | 16 | 17 | 18 => 8,
                _ => continue,
            };
            let sub = match (ctx, tag) {
                (Context::Tiff, 0x8769) => Some(Context::Exif),
                (Context::Tiff, 0x8825) => Some(Context::Gps),
                (Context::Exif, 0xa005) => Some(Context::Interop),
                _ => None,
            };
            // only entries the reader names (a damaged IFD holds tens of thousands of
            // garbage entries): no value is built for the others
            if sub.is_none() && crate::names::exif_name(tag, ctx == Context::Gps, ifd).is_none() {
                continue;
            }
            let size = count.saturating_mul(ts);
            let voff = e + 4 + osz;
            let start = if size <= osz as u64 {
                voff as u64
            } else {
                rd(voff, osz).unwrap_or(u64::MAX)
            };
            let Some(bytes) = start
                .checked_add(size)
                .filter(|&x| x <= d.len() as u64)
                .map(|x| &d[start as usize..x as usize])
            else {
                continue;
            };
            let u = |i: usize, w: usize| rd(start as usize + i * w, w).unwrap_or(0);
            let cnt = count as usize;
            let value = match typ {
                1 => V::Byte(bytes.to_vec()),
                2 => V::Ascii(
                    bytes
                        .split(|&c| c == 0)
                        .filter(|s| !s.is_empty())
                        .map(<[u8]>::to_vec)
                        .collect(),
                ),
                3 => V::Short((0..cnt).map(|i| u(i, 2) as u16).collect()),
                4 | 13 => V::Long((0..cnt).map(|i| u(i, 4) as u32).collect()),
                16 | 18 => V::Long((0..cnt).map(|i| u(i, 8) as u32).collect()),
                5 => V::Rational(
                    (0..cnt)
                        .map(|i| Rational {
                            num: u(2 * i, 4) as u32,
                            denom: u(2 * i + 1, 4) as u32,
                        })
                        .collect(),
                ),
                10 => V::SRational(
                    (0..cnt)
                        .map(|i| SRational {
                            num: u(2 * i, 4) as u32 as i32,
                            denom: u(2 * i + 1, 4) as u32 as i32,
                        })
                        .collect(),
                ),
                6 => V::SByte(bytes.iter().map(|&b| b as i8).collect()),
                8 => V::SShort((0..cnt).map(|i| u(i, 2) as u16 as i16).collect()),
                9 => V::SLong((0..cnt).map(|i| u(i, 4) as u32 as i32).collect()),
                11 => V::Float((0..cnt).map(|i| f32::from_bits(u(i, 4) as u32)).collect()),
                12 => V::Double((0..cnt).map(|i| f64::from_bits(u(i, 8))).collect()),
                _ => V::Undefined(bytes.to_vec(), start as u32),
            };
            if let Some(c) = sub {
                if let Some(o) = value.get_uint(0) {
                    queue.push((u64::from(o), c, ifd, false));
                }
                if big && typ == 16 {
                    queue.push((u(0, 8), c, ifd, false));
                }
                continue;
            }
            out.push(Entry {
                ctx,
                ifd,
                number: tag,
                value,
            });
        }
        if chain && ifd < 8 {
            let next = rd(off + csz + n as usize * esz, osz).unwrap_or(0);
            queue.push((next, Context::Tiff, ifd + 1, true));
        }
    }
    Ok((le, out))
}

/// IFDs with more entries than this are read by [`walk`], not kamadak-exif: no real IFD comes
/// near it (a DNG's IFD0 has ~100 entries), and kamadak-exif parses every entry of a damaged
/// 65,535-entry IFD (milliseconds per file).
pub(crate) const HUGE_IFD: u64 = 1024;

/// Whether a classic TIFF block has an IFD (IFD0, IFD1…, Exif, GPS, Interop) of more than
/// [`HUGE_IFD`] entries. Reads only the entry counts and the pointers.
pub(crate) fn has_huge_ifd(d: &[u8]) -> bool {
    let Ok(o) = Order::of(d, "TIFF") else {
        return false;
    };
    let mut queue: Vec<(usize, bool)> = match o.r32(d, 4) {
        Some(first) => vec![(first as usize, true)],
        None => return false,
    };
    let mut seen = Vec::new();
    while let Some((off, chain)) = queue.pop() {
        if off == 0 || seen.contains(&off) || seen.len() > 64 {
            continue;
        }
        seen.push(off);
        let Some(n) = o.r16(d, off) else { continue };
        if u64::from(n) > HUGE_IFD {
            return true;
        }
        for i in 0..usize::from(n) {
            let e = off + 2 + i * 12;
            match o.r16(d, e) {
                Some(0x8769 | 0x8825 | 0xa005) => {
                    if let Some(p) = o.r32(d, e + 8) {
                        queue.push((p as usize, false));
                    }
                }
                Some(_) => {}
                None => break,
            }
        }
        if chain && let Some(next) = o.r32(d, off + 2 + usize::from(n) * 12) {
            queue.push((next as usize, true));
        }
    }
    false
}

/// Sets an ASCII tag of IFD0 in a classic TIFF block: in place when the new text fits the
/// old value's bytes (padded with NULs), else appended at the end of the block with the entry
/// re-pointed. Returns `false` when IFD0 has no such tag (MWG: EXIF is only updated where it
/// exists; a new tag would need IFD0 rewritten).
pub(crate) fn patch_ifd0_ascii(d: &mut Vec<u8>, tag: u16, text: &str) -> Result<bool> {
    let o = Order::of(d, "EXIF")?;
    if o.r16(d, 2) != Some(42) {
        return Err(Error::malformed(
            "EXIF",
            2,
            "only classic TIFF EXIF blocks can be patched",
        ));
    }
    let trunc = || Error::malformed("EXIF", 4, "IFD0 runs past the end of the block");
    let ifd = o.r32(d, 4).ok_or_else(trunc)? as usize;
    let n = usize::from(o.r16(d, ifd).ok_or_else(trunc)?);
    for i in 0..n {
        let e = ifd + 2 + i * 12;
        if o.r16(d, e).ok_or_else(trunc)? != tag {
            continue;
        }
        if o.r16(d, e + 2) != Some(2) {
            return Ok(false);
        }
        let count = o.r32(d, e + 4).ok_or_else(trunc)? as usize;
        let mut bytes = text.as_bytes().to_vec();
        bytes.push(0);
        if bytes.len() <= count {
            let start = if count <= 4 {
                e + 8
            } else {
                o.r32(d, e + 8).ok_or_else(trunc)? as usize
            };
            let slot = d.get_mut(start..start + count).ok_or_else(trunc)?;
            slot.fill(0);
            slot[..bytes.len()].copy_from_slice(&bytes);
        } else {
            if d.len() % 2 == 1 {
                d.push(0);
            }
            let off = u32::try_from(d.len()).map_err(|_| trunc())?;
            d.extend_from_slice(&bytes);
            let c = o.w32(bytes.len() as u32);
            d[e + 4..e + 8].copy_from_slice(&c);
            let o = o.w32(off);
            d[e + 8..e + 12].copy_from_slice(&o);
        }
        return Ok(true);
    }
    Ok(false)
}

/// Adds an ASCII tag to IFD0 of a classic TIFF block that lacks it (MWG: keep
/// ImageDescription/Artist/Copyright in sync when the file has EXIF). IFD0 cannot grow in
/// place, so it is rewritten at the end of the block with the new entry in tag order and the
/// header re-pointed; every other offset in the block is absolute and stays valid, and the old
/// IFD0 bytes are left unused. Returns `false` when IFD0 already has the tag.
pub(crate) fn add_ifd0_ascii(d: &mut Vec<u8>, tag: u16, text: &str) -> Result<bool> {
    let o = Order::of(d, "EXIF")?;
    if o.r16(d, 2) != Some(42) {
        return Err(Error::malformed(
            "EXIF",
            2,
            "only classic TIFF EXIF blocks can be rewritten",
        ));
    }
    let trunc = || Error::malformed("EXIF", 4, "IFD0 runs past the end of the block");
    let ifd = o.r32(d, 4).ok_or_else(trunc)? as usize;
    let n = usize::from(o.r16(d, ifd).ok_or_else(trunc)?);
    let entries_end = ifd + 2 + n * 12;
    let next = o.r32(d, entries_end).ok_or_else(trunc)?;
    let mut entries: Vec<[u8; 12]> = Vec::with_capacity(n + 1);
    for i in 0..n {
        let e = ifd + 2 + i * 12;
        let raw: [u8; 12] = d[e..e + 12].try_into().map_err(|_| trunc())?;
        if o.r16(&raw, 0) == Some(tag) {
            return Ok(false);
        }
        entries.push(raw);
    }
    if n >= usize::from(u16::MAX) {
        return Err(Error::malformed("EXIF", ifd, "IFD0 is full"));
    }
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0);
    let count = u32::try_from(bytes.len()).map_err(|_| trunc())?;
    let mut entry = [0u8; 12];
    entry[..2].copy_from_slice(&o.w16(tag));
    entry[2..4].copy_from_slice(&o.w16(2));
    entry[4..8].copy_from_slice(&o.w32(count));
    if bytes.len() <= 4 {
        entry[8..8 + bytes.len()].copy_from_slice(&bytes);
    } else {
        if d.len() % 2 == 1 {
            d.push(0);
        }
        let off = u32::try_from(d.len()).map_err(|_| trunc())?;
        d.extend_from_slice(&bytes);
        entry[8..12].copy_from_slice(&o.w32(off));
    }
    let at = entries
        .iter()
        .position(|e| o.r16(e, 0).is_some_and(|t| t > tag))
        .unwrap_or(entries.len());
    entries.insert(at, entry);
    if d.len() % 2 == 1 {
        d.push(0);
    }
    let new_ifd = u32::try_from(d.len()).map_err(|_| trunc())?;
    d.extend_from_slice(&o.w16(entries.len() as u16));
    for e in &entries {
        d.extend_from_slice(e);
    }
    d.extend_from_slice(&o.w32(next));
    d[4..8].copy_from_slice(&o.w32(new_ifd));
    Ok(true)
}

/// Sets the value of IFD0 entry `tag` in a classic TIFF file or block to `bytes` with field
/// type `typ` (1 BYTE, 2 ASCII, 7 UNDEFINED: one byte per unit). An existing entry is
/// rewritten in place when the bytes fit its old value, else the value is appended at the end
/// and the entry re-pointed; a missing entry is added by rewriting IFD0 at the end
/// ([`add_ifd0_ascii`]'s method). Image data, other IFDs and every other offset are left as
/// they are.
pub(crate) fn set_ifd0_value(d: &mut Vec<u8>, tag: u16, typ: u16, bytes: &[u8]) -> Result<()> {
    let o = Order::of(d, "TIFF")?;
    if o.r16(d, 2) != Some(42) {
        return Err(Error::malformed(
            "TIFF",
            2,
            "only classic TIFF can be rewritten (not BigTIFF or a vendor variant)",
        ));
    }
    if !matches!(typ, 1 | 2 | 7) {
        return Err(Error::malformed(
            "TIFF",
            0,
            "only byte-sized field types are written",
        ));
    }
    let too_big = || {
        Error::malformed(
            "TIFF",
            0,
            "the file would pass 4 GiB, the limit of classic TIFF offsets",
        )
    };
    if (d.len() as u64) + (bytes.len() as u64) + 65_536 > u64::from(u32::MAX) {
        return Err(too_big());
    }
    let count = u32::try_from(bytes.len()).map_err(|_| too_big())?;
    let trunc = || Error::malformed("TIFF", 4, "IFD0 runs past the end of the file");
    let ifd = o.r32(d, 4).ok_or_else(trunc)? as usize;
    let n = usize::from(o.r16(d, ifd).ok_or_else(trunc)?);
    if d.len() < ifd + 2 + n * 12 + 4 {
        return Err(trunc());
    }
    let unit = |t: u16| -> u64 {
        match t {
            3 | 8 => 2,
            4 | 9 | 11 | 13 => 4,
            5 | 10 | 12 => 8,
            _ => 1,
        }
    };
    for i in 0..n {
        let e = ifd + 2 + i * 12;
        if o.r16(d, e) != Some(tag) {
            continue;
        }
        let old_t = o.r16(d, e + 2).ok_or_else(trunc)?;
        let old_len = unit(old_t) * u64::from(o.r32(d, e + 4).ok_or_else(trunc)?);
        d[e + 2..e + 4].copy_from_slice(&o.w16(typ));
        d[e + 4..e + 8].copy_from_slice(&o.w32(count));
        if bytes.len() <= 4 {
            let mut v = [0u8; 4];
            v[..bytes.len()].copy_from_slice(bytes);
            d[e + 8..e + 12].copy_from_slice(&v);
            return Ok(());
        }
        let old_off = o.r32(d, e + 8).ok_or_else(trunc)? as usize;
        if old_len > 4
            && bytes.len() as u64 <= old_len
            && old_off as u64 + old_len <= d.len() as u64
        {
            let slot = &mut d[old_off..old_off + old_len as usize];
            slot.fill(0);
            slot[..bytes.len()].copy_from_slice(bytes);
        } else {
            if d.len() % 2 == 1 {
                d.push(0);
            }
            let off = u32::try_from(d.len()).map_err(|_| too_big())?;
            d.extend_from_slice(bytes);
            d[e + 8..e + 12].copy_from_slice(&o.w32(off));
        }
        return Ok(());
    }
    // a new entry: IFD0 rewritten at the end, in tag order
    if n >= usize::from(u16::MAX) {
        return Err(Error::malformed("TIFF", ifd, "IFD0 is full"));
    }
    let mut entry = [0u8; 12];
    entry[..2].copy_from_slice(&o.w16(tag));
    entry[2..4].copy_from_slice(&o.w16(typ));
    entry[4..8].copy_from_slice(&o.w32(count));
    if bytes.len() <= 4 {
        entry[8..8 + bytes.len()].copy_from_slice(bytes);
    } else {
        if d.len() % 2 == 1 {
            d.push(0);
        }
        let off = u32::try_from(d.len()).map_err(|_| too_big())?;
        d.extend_from_slice(bytes);
        entry[8..12].copy_from_slice(&o.w32(off));
    }
    let mut entries: Vec<[u8; 12]> = (0..n)
        .map(|i| {
            let e = ifd + 2 + i * 12;
            d[e..e + 12].try_into().unwrap_or([0; 12])
        })
        .collect();
    let next = o.r32(d, ifd + 2 + n * 12).ok_or_else(trunc)?;
    let at = entries
        .iter()
        .position(|e| o.r16(e, 0).is_some_and(|t| t > tag))
        .unwrap_or(entries.len());
    entries.insert(at, entry);
    if d.len() % 2 == 1 {
        d.push(0);
    }
    let new_ifd = u32::try_from(d.len()).map_err(|_| too_big())?;
    d.extend_from_slice(&o.w16(entries.len() as u16));
    for e in &entries {
        d.extend_from_slice(e);
    }
    d.extend_from_slice(&o.w32(next));
    d[4..8].copy_from_slice(&o.w32(new_ifd));
    Ok(())
}

#[cfg(test)]
mod add_tests {
    use super::*;

    #[test]
    fn adds_a_tag_in_order_and_keeps_the_others() {
        // little-endian TIFF: IFD0 with Make (0x010F, "Cam\0" inline) and Orientation,
        // next IFD pointer 0x1234
        let mut d = b"II*\0\x08\0\0\0".to_vec();
        d.extend_from_slice(&2u16.to_le_bytes());
        d.extend_from_slice(&[0x0F, 0x01, 2, 0, 4, 0, 0, 0, b'C', b'a', b'm', 0]);
        d.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
        d.extend_from_slice(&0x1234u32.to_le_bytes());
        assert!(add_ifd0_ascii(&mut d, 0x010E, "A long description").unwrap());
        assert!(!add_ifd0_ascii(&mut d, 0x010E, "again").unwrap());
        let ifd = u32::from_le_bytes(d[4..8].try_into().unwrap()) as usize;
        assert_eq!(u16::from_le_bytes([d[ifd], d[ifd + 1]]), 3);
        let tags: Vec<u16> = (0..3)
            .map(|i| u16::from_le_bytes([d[ifd + 2 + i * 12], d[ifd + 3 + i * 12]]))
            .collect();
        assert_eq!(tags, [0x010E, 0x010F, 0x0112]);
        let e = ifd + 2;
        let off = u32::from_le_bytes(d[e + 8..e + 12].try_into().unwrap()) as usize;
        assert_eq!(&d[off..off + 19], b"A long description\0");
        let next = ifd + 2 + 36;
        assert_eq!(
            u32::from_le_bytes(d[next..next + 4].try_into().unwrap()),
            0x1234
        );
        let (_, entries) = walk(&d, 100).unwrap();
        assert!(entries.iter().any(|e| e.number == 0x010F));
    }
}

/// The byte order of a TIFF block (its `II` / `MM` mark): reads and writes its integers.
#[derive(Debug, Clone, Copy)]
struct Order {
    le: bool,
}

impl Order {
    /// Reads the mark at the start of `d`; `group` names the block in the error.
    fn of(d: &[u8], group: &'static str) -> Result<Order> {
        match d.get(..2) {
            Some(b"II") => Ok(Order { le: true }),
            Some(b"MM") => Ok(Order { le: false }),
            _ => Err(Error::malformed(group, 0, "missing byte-order mark")),
        }
    }

    fn r16(self, d: &[u8], p: usize) -> Option<u16> {
        let b: [u8; 2] = d.get(p..p.checked_add(2)?)?.try_into().ok()?;
        Some(if self.le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn r32(self, d: &[u8], p: usize) -> Option<u32> {
        let b: [u8; 4] = d.get(p..p.checked_add(4)?)?.try_into().ok()?;
        Some(if self.le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn r64(self, d: &[u8], p: usize) -> Option<u64> {
        let b: [u8; 8] = d.get(p..p.checked_add(8)?)?.try_into().ok()?;
        Some(if self.le {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        })
    }

    fn w16(self, v: u16) -> [u8; 2] {
        if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }

    fn w32(self, v: u32) -> [u8; 4] {
        if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }
}
