//! WebP (RIFF) chunks, the extended format's `VP8X` header and the RIFF size (low level;
//! see [`container`](super)).
//!
//! A WebP file is `RIFF`, a little-endian size (the bytes after it: 4 for `WEBP` plus every
//! chunk), `WEBP`, then chunks: a fourcc, a little-endian data size, the data, and one zero
//! pad byte when the size is odd (not counted in the chunk's size, counted in the RIFF size).
//! A file with metadata is in the extended format: a 10-byte `VP8X` chunk comes first,
//! whose flags say which optional chunks follow and which stores the canvas size minus one
//! in 24 bits a side ([WebP container specification](https://developers.google.com/speed/webp/docs/riff_container)).

use crate::ContainerError;

/// `VP8X` flag: an `ICCP` chunk follows.
pub const FLAG_ICC: u8 = 0x20;
/// `VP8X` flag: the image has alpha (an `ALPH` chunk, or a `VP8L` bitstream using alpha).
pub const FLAG_ALPHA: u8 = 0x10;
/// `VP8X` flag: an `EXIF` chunk follows the image data.
pub const FLAG_EXIF: u8 = 0x08;
/// `VP8X` flag: an `XMP ` chunk follows the image data.
pub const FLAG_XMP: u8 = 0x04;
/// `VP8X` flag: an animation (`ANIM` and `ANMF` chunks).
pub const FLAG_ANIMATION: u8 = 0x02;

/// The largest canvas width or height a `VP8X` chunk can hold: 2²⁴.
pub const MAX_CANVAS: u32 = 1 << 24;

/// The canvas of a simple-format file, read from its bitstream chunk's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Canvas {
    /// Width in pixels (14 bits in either bitstream; a lossy frame may declare 0).
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The `VP8L` header's alpha hint (always `false` for `VP8 `, whose alpha, if any, is
    /// in an `ALPH` chunk of an extended file).
    pub alpha: bool,
}

/// The canvas size of a `VP8 ` (lossy: key frame start code `9d 01 2a`, then 14-bit width
/// and height) or `VP8L` (lossless: signature `2f`, then 14-bit width − 1, height − 1 and
/// the alpha hint) bitstream, from the data of its chunk; `None` for any other chunk, or a
/// header that is too short or lacks its signature.
///
/// Used to build a `VP8X` chunk for a simple-format file, which has none.
pub fn bitstream_canvas(fourcc: &[u8; 4], data: &[u8]) -> Option<Canvas> {
    match fourcc {
        b"VP8 " => {
            let d = data.get(..10)?;
            (d[3..6] == [0x9d, 0x01, 0x2a]).then(|| Canvas {
                width: u32::from(u16::from_le_bytes([d[6], d[7]]) & 0x3fff),
                height: u32::from(u16::from_le_bytes([d[8], d[9]]) & 0x3fff),
                alpha: false,
            })
        }
        b"VP8L" => {
            let d = data.get(..5)?;
            (d[0] == 0x2f).then(|| {
                let b = u32::from_le_bytes([d[1], d[2], d[3], d[4]]);
                Canvas {
                    width: (b & 0x3fff) + 1,
                    height: ((b >> 14) & 0x3fff) + 1,
                    alpha: b & (1 << 28) != 0,
                }
            })
        }
        _ => None,
    }
}

/// Appends a whole chunk to `out`: `fourcc`, the data size (little-endian), the data, and a
/// zero pad byte when the size is odd.
///
/// Fails, writing nothing, when the data is 4 GiB or more.
pub fn write_chunk(out: &mut Vec<u8>, fourcc: &[u8; 4], data: &[u8]) -> Result<(), ContainerError> {
    let len = u32::try_from(data.len()).map_err(|_| ContainerError::ChunkTooLarge {
        format: "WebP",
        kind: *fourcc,
        len: data.len() as u64,
        max: u64::from(u32::MAX),
    })?;
    out.reserve(9 + data.len());
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(data);
    if len & 1 == 1 {
        out.push(0);
    }
    Ok(())
}

/// Appends a `VP8X` chunk (18 bytes): `flags` (the `FLAG_*` constants), three reserved zero
/// bytes, then `width − 1` and `height − 1` in 24 bits each, little-endian. A width or height
/// of 0 is written as 1 (the field cannot say 0).
///
/// Fails, writing nothing, when a side is over [`MAX_CANVAS`].
pub fn write_vp8x(
    out: &mut Vec<u8>,
    flags: u8,
    width: u32,
    height: u32,
) -> Result<(), ContainerError> {
    if width > MAX_CANVAS || height > MAX_CANVAS {
        return Err(ContainerError::CanvasTooLarge { width, height });
    }
    let (w, h) = (width.saturating_sub(1), height.saturating_sub(1));
    let mut data = [0u8; 10];
    data[0] = flags;
    data[4..7].copy_from_slice(&w.to_le_bytes()[..3]);
    data[7..10].copy_from_slice(&h.to_le_bytes()[..3]);
    write_chunk(out, b"VP8X", &data)
}

/// The 12-byte file header (`RIFF`, a size of 0 for now, `WEBP`): write the chunks after it
/// with [`write_chunk`] or by copying whole chunks (with their pad bytes), then call
/// [`finish_file`].
pub fn start_file() -> Vec<u8> {
    b"RIFF\0\0\0\0WEBP".to_vec()
}

/// Sets the RIFF size of a file begun with [`start_file`] to the bytes after the size field
/// (`file.len() − 8`).
///
/// Fails, changing nothing, when `file` does not start with a `RIFF`…`WEBP` header or is
/// over the 4 GiB a RIFF size can express.
pub fn finish_file(file: &mut [u8]) -> Result<(), ContainerError> {
    if file.len() < 12 || &file[..4] != b"RIFF" || &file[8..12] != b"WEBP" {
        return Err(ContainerError::MissingHeader { format: "WebP" });
    }
    let size = file.len() as u64 - 8;
    let size = u32::try_from(size).map_err(|_| ContainerError::FileTooLarge {
        format: "WebP",
        len: file.len() as u64,
    })?;
    file[4..8].copy_from_slice(&size.to_le_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// metadata-extractor-images' "Alpha Lossy (2).webp": libwebp's extended file, 386x395,
    /// `VP8X` (alpha flag), `ALPH`, `VP8 `.
    const ALPHA_LOSSY: &[u8] = include_bytes!("../../tests/data/alpha-lossy.webp");

    /// The file's chunks as (fourcc, data, whole chunk incl. pad byte).
    fn chunks(file: &[u8]) -> Vec<([u8; 4], &[u8], &[u8])> {
        let mut out = Vec::new();
        let mut at = 12;
        while at + 8 <= file.len() {
            let len = u32::from_le_bytes(file[at + 4..at + 8].try_into().unwrap()) as usize;
            let kind = file[at..at + 4].try_into().unwrap();
            let end = (at + 8 + len + (len & 1)).min(file.len());
            out.push((kind, &file[at + 8..at + 8 + len], &file[at..end]));
            at = end;
        }
        out
    }

    /// A `VP8L` header: signature, 14-bit width − 1, height − 1, alpha hint, version 0.
    fn vp8l(width: u32, height: u32, alpha: bool) -> Vec<u8> {
        let b = (width - 1) | ((height - 1) << 14) | (u32::from(alpha) << 28);
        let mut d = vec![0x2f];
        d.extend_from_slice(&b.to_le_bytes());
        d.extend_from_slice(&[0; 8]);
        d
    }

    #[test]
    fn rebuilds_libwebp_extended_file_byte_for_byte() {
        let found = chunks(ALPHA_LOSSY);
        let kinds: Vec<&[u8]> = found.iter().map(|c| &c.0[..]).collect();
        assert_eq!(kinds, [&b"VP8X"[..], b"ALPH", b"VP8 "]);
        let (_, vp8x, vp8x_whole) = found[0];
        assert_eq!(vp8x[0], FLAG_ALPHA);

        // The lossy bitstream's canvas is the VP8X canvas libwebp wrote.
        let canvas = bitstream_canvas(b"VP8 ", found[2].1).unwrap();
        assert_eq!(
            canvas,
            Canvas {
                width: 386,
                height: 395,
                alpha: false
            }
        );
        let mut x = Vec::new();
        write_vp8x(&mut x, FLAG_ALPHA, canvas.width, canvas.height).unwrap();
        assert_eq!(x, vp8x_whole);

        let mut file = start_file();
        for (kind, data, _) in &found {
            write_chunk(&mut file, kind, data).unwrap();
        }
        finish_file(&mut file).unwrap();
        assert_eq!(file, ALPHA_LOSSY);
    }

    #[test]
    fn vp8x_flags_and_canvas() {
        // lossy, no alpha, EXIF and XMP
        let mut x = Vec::new();
        write_vp8x(&mut x, FLAG_EXIF | FLAG_XMP, 640, 480).unwrap();
        assert_eq!(
            x,
            [
                b'V', b'P', b'8', b'X', 10, 0, 0, 0, 0x0c, 0, 0, 0, 0x7f, 0x02, 0, 0xdf, 0x01, 0
            ]
        );
        // lossless with alpha, XMP: flags from the bitstream's alpha hint
        let c = bitstream_canvas(b"VP8L", &vp8l(16384, 3, true)).unwrap();
        assert_eq!((c.width, c.height, c.alpha), (16384, 3, true));
        let mut x = Vec::new();
        let flags = if c.alpha { FLAG_ALPHA } else { 0 } | FLAG_XMP;
        write_vp8x(&mut x, flags, c.width, c.height).unwrap();
        assert_eq!(x[8], 0x14);
        assert_eq!(&x[12..18], [0xff, 0x3f, 0, 2, 0, 0]);
        // lossless without alpha
        let c = bitstream_canvas(b"VP8L", &vp8l(1, 1, false)).unwrap();
        assert_eq!((c.width, c.height, c.alpha), (1, 1, false));
        // the largest canvas, and one past it
        let mut x = Vec::new();
        write_vp8x(&mut x, 0, MAX_CANVAS, 1).unwrap();
        assert_eq!(&x[12..18], [0xff, 0xff, 0xff, 0, 0, 0]);
        let mut x = b"kept".to_vec();
        let e = write_vp8x(&mut x, 0, 1, MAX_CANVAS + 1).unwrap_err();
        assert_eq!(x, b"kept");
        assert!(e.to_string().contains("16777217"), "{e}");
        // a lossy frame declaring 0 is written as 1 (the field stores the size minus one)
        let mut x = Vec::new();
        write_vp8x(&mut x, 0, 0, 0).unwrap();
        assert_eq!(&x[12..18], [0; 6]);
    }

    #[test]
    fn bitstream_canvas_refuses_what_is_not_a_bitstream_header() {
        let lossy = &chunks(ALPHA_LOSSY)[2].1[..10];
        assert!(bitstream_canvas(b"VP8 ", lossy).is_some());
        assert_eq!(bitstream_canvas(b"VP8 ", &lossy[..9]), None);
        let mut bad = lossy.to_vec();
        bad[3] = 0;
        assert_eq!(bitstream_canvas(b"VP8 ", &bad), None);
        assert_eq!(bitstream_canvas(b"ALPH", lossy), None);
        assert_eq!(bitstream_canvas(b"VP8L", &vp8l(5, 5, false)[..4]), None);
        assert_eq!(bitstream_canvas(b"VP8L", &[0x2e, 0, 0, 0, 0]), None);
        assert_eq!(bitstream_canvas(b"VP8L", &[]), None);
    }

    #[test]
    fn odd_chunks_are_padded_and_the_riff_size_counts_the_pad() {
        let mut file = start_file();
        assert_eq!(file, b"RIFF\0\0\0\0WEBP");
        write_chunk(&mut file, b"EXIF", b"abc").unwrap();
        assert_eq!(&file[12..], b"EXIF\x03\0\0\0abc\0");
        write_chunk(&mut file, b"XMP ", b"").unwrap();
        write_chunk(&mut file, b"XMP ", b"ab").unwrap();
        assert_eq!(&file[24..], b"XMP \0\0\0\0XMP \x02\0\0\0ab");
        finish_file(&mut file).unwrap();
        assert_eq!(file.len(), 12 + 12 + 8 + 10);
        assert_eq!(file[4..8], 34u32.to_le_bytes());
        // finishing again after more chunks fixes the size up again
        write_chunk(&mut file, b"ICCP", b"x").unwrap();
        finish_file(&mut file).unwrap();
        assert_eq!(file[4..8], 44u32.to_le_bytes());
    }

    #[test]
    fn finish_refuses_what_is_not_a_webp_header() {
        for bad in [
            &b""[..],
            b"RIFF\0\0\0\0WEB",
            b"RIFX\0\0\0\0WEBP",
            b"RIFF\0\0\0\0WAVE",
        ] {
            let mut f = bad.to_vec();
            let e = finish_file(&mut f).unwrap_err();
            assert_eq!(f, bad);
            assert!(e.to_string().contains("WebP"), "{e}");
        }
    }
}
