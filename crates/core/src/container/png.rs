//! PNG chunks: length, type, data, CRC-32 (low level; see [`container`](super)).
//!
//! A chunk is a 4-byte big-endian data length (at most 2³¹ − 1), a 4-byte type, the data,
//! and the CRC-32 (ISO 3309, as zlib computes it) of type and data, big-endian
//! ([PNG specification, 5.3](https://www.w3.org/TR/png-3/#5Chunk-layout)).

use crate::ContainerError;

/// The 8 bytes every PNG file starts with.
pub const SIGNATURE: [u8; 8] = *b"\x89PNG\r\n\x1a\n";

/// The largest data length a PNG chunk may declare: 2³¹ − 1.
pub const MAX_CHUNK_LEN: u32 = 0x7FFF_FFFF;

/// The start of the data of an uncompressed XMP `iTXt` chunk, before the packet: the
/// keyword `XML:com.adobe.xmp` and its NUL, compression flag 0, compression method 0, an
/// empty language tag and an empty translated keyword (each NUL-terminated), as Adobe's XMP
/// specification part 3 asks (XMP in PNG is never compressed, so it can be found in place).
pub const XMP_ITXT_HEADER: &[u8] = b"XML:com.adobe.xmp\0\0\0\0\0";

/// Appends a whole chunk to `out`: its length, `kind`, the data given as `parts` (written
/// one after another, so callers need not concatenate a header and a payload first), and
/// the CRC of type and data.
///
/// Fails, writing nothing, when the data is longer than [`MAX_CHUNK_LEN`].
pub fn write_chunk(
    out: &mut Vec<u8>,
    kind: &[u8; 4],
    parts: &[&[u8]],
) -> Result<(), ContainerError> {
    let total: u64 = parts.iter().map(|p| p.len() as u64).sum();
    let len = u32::try_from(total)
        .ok()
        .filter(|&l| l <= MAX_CHUNK_LEN)
        .ok_or(ContainerError::ChunkTooLarge {
            format: "PNG",
            kind: *kind,
            len: total,
            max: u64::from(MAX_CHUNK_LEN),
        })?;
    out.reserve(12 + len as usize);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    for p in parts {
        crc.update(p);
        out.extend_from_slice(p);
    }
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    Ok(())
}

/// Appends an uncompressed XMP `iTXt` chunk holding `packet`
/// ([`XMP_ITXT_HEADER`], then the packet as is).
pub fn write_xmp_itxt(out: &mut Vec<u8>, packet: &[u8]) -> Result<(), ContainerError> {
    write_chunk(out, b"iTXt", &[XMP_ITXT_HEADER, packet])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PngSuite's s01n3p01.png (1x1, palette): every chunk written by libpng.
    const PNGSUITE: &[u8] = include_bytes!("../../tests/data/pngsuite-s01n3p01.png");

    /// The file's chunks as (type, data, whole chunk).
    fn chunks(png: &[u8]) -> Vec<([u8; 4], &[u8], &[u8])> {
        let mut out = Vec::new();
        let mut at = SIGNATURE.len();
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let kind = png[at + 4..at + 8].try_into().unwrap();
            out.push((kind, &png[at + 8..at + 8 + len], &png[at..at + 12 + len]));
            at += 12 + len;
        }
        out
    }

    #[test]
    fn chunks_equal_libpng_ones_byte_for_byte() {
        assert_eq!(PNGSUITE[..8], SIGNATURE);
        let found = chunks(PNGSUITE);
        let kinds: Vec<&[u8]> = found.iter().map(|c| &c.0[..]).collect();
        assert_eq!(
            kinds,
            [&b"IHDR"[..], b"gAMA", b"sBIT", b"PLTE", b"IDAT", b"IEND"]
        );
        let mut rebuilt = SIGNATURE.to_vec();
        for (kind, data, whole) in &found {
            let mut one = Vec::new();
            write_chunk(&mut one, kind, &[data]).unwrap();
            assert_eq!(one, *whole, "{}", String::from_utf8_lossy(kind));
            write_chunk(&mut rebuilt, kind, &[data]).unwrap();
        }
        assert_eq!(rebuilt, PNGSUITE);
    }

    #[test]
    fn parts_are_one_data_field() {
        // IHDR of the PngSuite file, its data split in three parts.
        let (kind, data, whole) = chunks(PNGSUITE)[0];
        let mut out = b"prefix".to_vec();
        write_chunk(&mut out, &kind, &[&data[..4], &[], &data[4..]]).unwrap();
        assert_eq!(&out[..6], b"prefix");
        assert_eq!(&out[6..], whole);
        // Known CRC of IHDR for a 1x1, 1-bit palette image (libpng's bytes).
        assert_eq!(&out[out.len() - 4..], [0x25, 0xdb, 0x56, 0xca]);
    }

    #[test]
    fn empty_chunk_crc() {
        let mut out = Vec::new();
        write_chunk(&mut out, b"IEND", &[]).unwrap();
        assert_eq!(out, b"\0\0\0\0IEND\xae\x42\x60\x82");
    }

    #[test]
    fn xmp_itxt_layout() {
        let mut out = Vec::new();
        write_xmp_itxt(&mut out, b"<x/>").unwrap();
        let len = XMP_ITXT_HEADER.len() + 4;
        assert_eq!(out.len(), 12 + len);
        assert_eq!(out[..4], (len as u32).to_be_bytes());
        assert_eq!(&out[4..8], b"iTXt");
        assert_eq!(&out[8..8 + 17], b"XML:com.adobe.xmp");
        // keyword NUL, flag 0, method 0, language NUL, translated keyword NUL
        assert_eq!(&out[8 + 17..8 + 22], [0, 0, 0, 0, 0]);
        assert_eq!(&out[8 + 22..8 + 26], b"<x/>");
        let mut crc = crc32fast::Hasher::new();
        crc.update(&out[4..out.len() - 4]);
        assert_eq!(out[out.len() - 4..], crc.finalize().to_be_bytes());
    }

    #[test]
    fn over_two_gib_is_refused_and_nothing_is_written() {
        // Slices of one buffer add up past the limit without allocating 2 GiB.
        let mib = vec![0u8; 1 << 20];
        let parts: Vec<&[u8]> = std::iter::repeat_n(&mib[..], 2048).collect();
        let mut out = b"kept".to_vec();
        let e = write_chunk(&mut out, b"iTXt", &parts).unwrap_err();
        assert_eq!(out, b"kept");
        assert!(matches!(
            e,
            ContainerError::ChunkTooLarge { len, .. } if len == 1 << 31
        ));
        let msg = e.to_string();
        assert!(msg.contains("PNG") && msg.contains("iTXt"), "{msg}");
    }
}
