//! Embedded RAW previews ([`damkit_metadata::preview`]).
//!
//! No camera RAW file is in the shared data set, and real ones are 20-80 MB: the files here
//! are built to each container's layout (TIFF IFD chains with SubIFDs, Panasonic's 0x002E,
//! ORF's and RW2's magic numbers, the RAF header, CR3's boxes) around real baseline JPEGs
//! encoded by the `image` crate. Set `DAMKIT_WRITE_RAW_FIXTURES=DIR` to write them out (the
//! fuzz seeds and the facade's test files were made that way).

use damkit_metadata::preview::{
    PreviewKind, previews, previews_in_bytes, read_preview, read_preview_bytes,
};

/// A baseline JPEG of `w` x `h` (a gradient).
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut px = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            px.extend_from_slice(&[(x * 255 / w) as u8, (y * 255 / h) as u8, 128]);
        }
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode(&px, w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A SOF3 (lossless) JPEG header standing for raw sensor data.
fn lossless() -> Vec<u8> {
    vec![
        0xFF, 0xD8, 0xFF, 0xC3, 0, 11, 12, 0, 4, 0, 8, 1, 1, 0x11, 0, 0xFF, 0xD9,
    ]
}

/// A minimal TIFF writer: blobs first, IFDs after them.
struct Tw {
    le: bool,
    b: Vec<u8>,
}

/// (tag, type, count, value-or-offset)
type E = (u16, u16, u32, u32);

impl Tw {
    fn new(le: bool, magic: u16) -> Tw {
        let mut t = Tw {
            le,
            b: if le { b"II".to_vec() } else { b"MM".to_vec() },
        };
        t.u16(magic);
        t.u32(0);
        t
    }
    fn u16(&mut self, v: u16) {
        let b = if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        self.b.extend_from_slice(&b);
    }
    fn u32(&mut self, v: u32) {
        let b = if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        self.b.extend_from_slice(&b);
    }
    fn blob(&mut self, d: &[u8]) -> u32 {
        if self.b.len() % 2 == 1 {
            self.b.push(0);
        }
        let off = self.b.len() as u32;
        self.b.extend_from_slice(d);
        off
    }
    fn ifd(&mut self, entries: &[E], next: u32) -> u32 {
        if self.b.len() % 2 == 1 {
            self.b.push(0);
        }
        let off = self.b.len() as u32;
        self.u16(entries.len() as u16);
        for &(tag, typ, n, v) in entries {
            self.u16(tag);
            self.u16(typ);
            self.u32(n);
            if typ == 3 && n == 1 {
                self.u16(v as u16);
                self.u16(0);
            } else {
                self.u32(v);
            }
        }
        self.u32(next);
        off
    }
    fn finish(mut self, ifd0: u32) -> Vec<u8> {
        let b = if self.le {
            ifd0.to_le_bytes()
        } else {
            ifd0.to_be_bytes()
        };
        self.b[4..8].copy_from_slice(&b);
        self.b
    }
}

/// DNG-like: IFD0 (orientation 6) with SubIFDs = [raw (lossless), preview JPEG 320x214].
pub fn dng() -> Vec<u8> {
    let mut t = Tw::new(true, 42);
    let raw = lossless();
    let prev = jpeg(320, 214);
    let r = t.blob(&raw);
    let p = t.blob(&prev);
    let sub0 = t.ifd(
        &[
            (0x0103, 3, 1, 7),
            (0x0111, 4, 1, r),
            (0x0117, 4, 1, raw.len() as u32),
        ],
        0,
    );
    let sub1 = t.ifd(
        &[
            (0x0103, 3, 1, 7),
            (0x0111, 4, 1, p),
            (0x0117, 4, 1, prev.len() as u32),
        ],
        0,
    );
    let list = t.blob(&[sub0.to_le_bytes(), sub1.to_le_bytes()].concat());
    let ifd0 = t.ifd(
        &[
            (0x0112, 3, 1, 6),
            (0x014A, 4, 2, list),
            (0xC612, 1, 4, 0x0104),
        ],
        0,
    );
    t.finish(ifd0)
}

/// CR2-like: IFD0 = JPEG strip 400x266 (orientation 8), IFD1 = 160x120 thumbnail, IFD2 =
/// lossless raw.
pub fn cr2() -> Vec<u8> {
    let mut t = Tw::new(true, 42);
    let big = jpeg(400, 266);
    let thumb = jpeg(160, 120);
    let raw = lossless();
    let (b, th, r) = (t.blob(&big), t.blob(&thumb), t.blob(&raw));
    let ifd2 = t.ifd(
        &[
            (0x0103, 3, 1, 6),
            (0x0111, 4, 1, r),
            (0x0117, 4, 1, raw.len() as u32),
        ],
        0,
    );
    let ifd1 = t.ifd(
        &[(0x0201, 4, 1, th), (0x0202, 4, 1, thumb.len() as u32)],
        ifd2,
    );
    let ifd0 = t.ifd(
        &[
            (0x0103, 3, 1, 6),
            (0x0111, 4, 1, b),
            (0x0112, 3, 1, 8),
            (0x0117, 4, 1, big.len() as u32),
        ],
        ifd1,
    );
    t.finish(ifd0)
}

/// NEF-like, big-endian: IFD0 (orientation 3, one SubIFD given inline) → SubIFD0 with a
/// 0x0201 JPEG 300x200.
pub fn nef() -> Vec<u8> {
    let mut t = Tw::new(false, 42);
    let prev = jpeg(300, 200);
    let p = t.blob(&prev);
    let sub = t.ifd(&[(0x0201, 4, 1, p), (0x0202, 4, 1, prev.len() as u32)], 0);
    let ifd0 = t.ifd(&[(0x0112, 3, 1, 3), (0x014A, 4, 1, sub)], 0);
    t.finish(ifd0)
}

/// RW2-like: magic 0x55, IFD0 tag 0x002E (UNDEFINED) holding a 256x170 JPEG.
pub fn rw2() -> Vec<u8> {
    let mut t = Tw::new(true, 0x55);
    let prev = jpeg(256, 170);
    let p = t.blob(&prev);
    let ifd0 = t.ifd(&[(0x002E, 7, prev.len() as u32, p), (0x0112, 3, 1, 1)], 0);
    t.finish(ifd0)
}

/// ORF-like: magic `RO`, IFD1 thumbnail 160x120.
pub fn orf() -> Vec<u8> {
    let mut t = Tw::new(true, 0x4F52);
    let thumb = jpeg(160, 120);
    let th = t.blob(&thumb);
    let ifd1 = t.ifd(&[(0x0201, 4, 1, th), (0x0202, 4, 1, thumb.len() as u32)], 0);
    let ifd0 = t.ifd(&[(0x0112, 3, 1, 1)], ifd1);
    t.finish(ifd0)
}

/// RAF: the 16-byte magic, version fields, the JPEG's offset and length at 84 and 88.
pub fn raf() -> Vec<u8> {
    let prev = jpeg(288, 192);
    let mut b = b"FUJIFILMCCD-RAW 0201FF383501".to_vec();
    b.resize(84, 0);
    b.extend_from_slice(&148u32.to_be_bytes());
    b.extend_from_slice(&(prev.len() as u32).to_be_bytes());
    b.resize(148, 0);
    b.extend_from_slice(&prev);
    b
}

fn bx(typ: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(typ);
    b.extend_from_slice(payload);
    b
}

/// CR3-like: ftyp `crx `, moov/uuid(Canon)/{CNCV, CMT1 (orientation 6), THMB 160x120},
/// uuid(preview)/PRVW 320x214, mdat.
pub fn cr3() -> Vec<u8> {
    let canon = [
        0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a,
        0x48,
    ];
    let prvw_uuid = [
        0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d,
        0x16,
    ];
    let mut cmt1 = Tw::new(true, 42);
    let i0 = cmt1.ifd(&[(0x010F, 2, 6, 0), (0x0112, 3, 1, 6)], 0);
    let cmt1 = cmt1.finish(i0);
    let thumb = jpeg(160, 120);
    let mut th = vec![0, 0, 0, 0, 0, 160, 0, 120];
    th.extend_from_slice(&(thumb.len() as u32).to_be_bytes());
    th.extend_from_slice(&[0, 1, 0, 0]);
    th.extend_from_slice(&thumb);
    let mut canon_payload = canon.to_vec();
    canon_payload.extend(bx(b"CNCV", b"CanonCR3_001/00.09.00/00.00.00"));
    canon_payload.extend(bx(b"CMT1", &cmt1));
    canon_payload.extend(bx(b"THMB", &th));
    let moov = bx(b"moov", &bx(b"uuid", &canon_payload));
    let prev = jpeg(320, 214);
    let mut pv = vec![0, 0, 0, 0, 0, 1, 1, 64, 0, 214, 0, 1];
    pv.extend_from_slice(&(prev.len() as u32).to_be_bytes());
    pv.extend_from_slice(&prev);
    let mut up = prvw_uuid.to_vec();
    up.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
    up.extend(bx(b"PRVW", &pv));
    let mut f = bx(b"ftyp", b"crx \0\0\0\x01crx isom");
    f.extend(moov);
    f.extend(bx(b"uuid", &up));
    f.extend(bx(b"mdat", &[0u8; 64]));
    f
}

fn all() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("dng", dng()),
        ("cr2", cr2()),
        ("nef", nef()),
        ("rw2", rw2()),
        ("orf", orf()),
        ("raf", raf()),
        ("cr3", cr3()),
    ]
}

#[test]
fn write_fixtures_when_asked() {
    let Ok(dir) = std::env::var("DAMKIT_WRITE_RAW_FIXTURES") else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    for (ext, data) in all() {
        std::fs::write(format!("{dir}/preview.{ext}"), data).unwrap();
    }
}

/// (largest preview's width, …); the kinds and locations are those ExifTool 12.57 gives
/// for these files (`exiftool -a -G1 -PreviewImage -JpgFromRaw -ThumbnailImage`).
/// (largest preview's width, height, kind, location, count, orientation)
#[test]
fn finds_the_largest_preview_of_each_container() {
    let expect = [
        (
            "dng",
            320,
            214,
            PreviewKind::PreviewImage,
            "IFD0/SubIFD1 strip",
            1,
            Some(6),
        ),
        (
            "cr2",
            400,
            266,
            PreviewKind::PreviewImage,
            "IFD0 strip",
            2,
            Some(8),
        ),
        (
            "nef",
            300,
            200,
            PreviewKind::JpgFromRaw,
            "IFD0/SubIFD0",
            1,
            Some(3),
        ),
        (
            "rw2",
            256,
            170,
            PreviewKind::JpgFromRaw,
            "IFD0 tag 0x002E",
            1,
            Some(1),
        ),
        (
            "orf",
            160,
            120,
            PreviewKind::ThumbnailImage,
            "IFD1",
            1,
            Some(1),
        ),
        (
            "raf",
            288,
            192,
            PreviewKind::PreviewImage,
            "RAF header",
            1,
            None,
        ),
        (
            "cr3",
            320,
            214,
            PreviewKind::PreviewImage,
            "CR3 PRVW",
            2,
            Some(6),
        ),
    ];
    let files = all();
    for ((ext, data), (e2, w, h, kind, loc, n, orient)) in files.iter().zip(expect) {
        assert_eq!(*ext, e2);
        let p = previews_in_bytes(data).unwrap_or_else(|e| panic!("{ext}: {e}"));
        assert!(p.warnings.is_empty(), "{ext}: {:?}", p.warnings);
        assert_eq!(p.previews.len(), n, "{ext}: {:?}", p.previews);
        assert_eq!(p.orientation, orient, "{ext}");
        let l = p.largest().unwrap();
        assert_eq!(
            (l.width, l.height, l.kind, l.location.as_str()),
            (w, h, kind, loc),
            "{ext}"
        );
        // the bytes are a JPEG the image crate decodes to the stated size
        let bytes = read_preview_bytes(data, l, 1 << 20).unwrap();
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
            .unwrap_or_else(|e| panic!("{ext}: {e}"));
        assert_eq!((img.width(), img.height()), (w, h), "{ext}");
    }
}

#[test]
fn reads_from_a_path_with_a_length_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.cr2");
    std::fs::write(&path, cr2()).unwrap();
    let p = previews(&path).unwrap();
    let l = p.largest().unwrap();
    assert_eq!(read_preview(&path, l, l.len).unwrap().len() as u64, l.len);
    let e = read_preview(&path, l, 100).unwrap_err();
    assert!(e.to_string().contains("embedded preview length"), "{e}");
    let e = previews(dir.path().join("missing.cr2")).unwrap_err();
    assert!(e.to_string().contains("missing.cr2"), "{e}");
}

/// Every prefix of every fixture: never a panic, never a preview that runs past the end.
#[test]
fn truncated_files_give_warnings_not_panics() {
    for (ext, data) in all() {
        let step = (data.len() / 97).max(1);
        for cut in (0..data.len()).step_by(step) {
            let d = &data[..cut];
            if let Ok(p) = previews_in_bytes(d) {
                for pr in &p.previews {
                    assert!(pr.offset + pr.len <= cut as u64, "{ext} cut at {cut}");
                }
            }
        }
    }
    // a CR2 cut inside its big preview: the thumbnail is still found, the cut one has
    // whatever length is left (a lenient decoder shows the top of it)
    let d = cr2();
    let cut = &d[..d.len() / 3];
    let p = previews_in_bytes(cut).unwrap();
    assert!(!p.warnings.is_empty(), "{:?}", p);
}

#[test]
fn hostile_structures_are_bounded() {
    // IFD0 whose SubIFD is itself: depth-bounded, no hang
    let mut t = Tw::new(true, 42);
    let ifd0 = t.ifd(&[(0x014A, 4, 1, 8)], 0);
    assert_eq!(ifd0, 8);
    let p = previews_in_bytes(&t.finish(ifd0)).unwrap();
    assert!(p.previews.is_empty());
    // an IFD claiming 65535 entries
    let mut d = b"II*\0\x08\0\0\0\xff\xff".to_vec();
    d.resize(64, 0);
    let p = previews_in_bytes(&d).unwrap();
    assert!(
        p.warnings[0].contains("MAX_IFD_ENTRIES"),
        "{:?}",
        p.warnings
    );
    // a preview pointer past the end of the file
    let mut t = Tw::new(true, 42);
    let ifd0 = t.ifd(&[(0x0201, 4, 1, 1 << 30), (0x0202, 4, 1, 5000)], 0);
    let p = previews_in_bytes(&t.finish(ifd0)).unwrap();
    assert!(p.previews.is_empty());
    assert!(
        p.warnings[0].contains("outside the file"),
        "{:?}",
        p.warnings
    );
    // data that is not a JPEG
    let mut t = Tw::new(true, 42);
    let junk = t.blob(&[0x12; 64]);
    let ifd0 = t.ifd(&[(0x0201, 4, 1, junk), (0x0202, 4, 1, 64)], 0);
    let p = previews_in_bytes(&t.finish(ifd0)).unwrap();
    assert!(p.warnings[0].contains("no SOI"), "{:?}", p.warnings);
    // a CR3 box claiming more than its parent
    let mut f = cr3();
    f[24..28].copy_from_slice(&u32::MAX.to_be_bytes()); // moov size (after the 24-byte ftyp)
    let p = previews_in_bytes(&f).unwrap();
    assert!(
        p.warnings.iter().any(|w| w.contains("runs past")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn heic_and_plain_tiff_have_none() {
    let heic = std::fs::read(crate::data("exif.avif")).unwrap();
    let p = previews_in_bytes(&heic).unwrap();
    assert!(p.previews.is_empty());
    let p = previews(crate::data("bigtiff.tif"));
    // BigTIFF is not walked (no RAW format uses it): unsupported, with a message
    assert!(p.is_err());
}
