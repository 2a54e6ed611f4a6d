//! Reading from a path reads only the metadata regions of TIFF, PSD and PNG files: the
//! result must equal reading the whole file from memory.

use damkit_metadata::{
    Metadata, ReadOptions, read_bytes, read_path, read_seekable, read_seekable_always_sparse,
};

fn same(a: &Metadata, b: &Metadata, what: &str) {
    assert_eq!(a.tags, b.tags, "{what}: tags differ");
    assert_eq!(
        a.mwg
            .iter()
            .map(|r| (&r.name, &r.value))
            .collect::<Vec<_>>(),
        b.mwg
            .iter()
            .map(|r| (&r.name, &r.value))
            .collect::<Vec<_>>(),
        "{what}: MWG differs"
    );
    assert_eq!(a.warnings, b.warnings, "{what}: warnings differ");
    assert_eq!(a.blocks.xmp, b.blocks.xmp, "{what}: XMP blocks differ");
    assert_eq!(a.blocks.iim, b.blocks.iim, "{what}: IIM blocks differ");
}

fn check(path: &std::path::Path) {
    let whole = std::fs::read(path).unwrap();
    let opts = ReadOptions::default();
    match (read_path(path, &opts), read_bytes(&whole, &opts)) {
        (Ok(a), Ok(b)) => same(&a, &b, &path.display().to_string()),
        (Err(_), Err(_)) => {}
        (a, b) => panic!(
            "{}: path read {:?}, memory read {:?}",
            path.display(),
            a.err(),
            b.err()
        ),
    }
    // small files too: the sparse plan on every file, from a seekable source
    for sparse in [
        read_seekable_always_sparse(&mut std::io::Cursor::new(&whole), &opts),
        read_seekable(&mut std::io::Cursor::new(&whole), &opts),
    ] {
        match (sparse, read_bytes(&whole, &opts)) {
            (Ok(a), Ok(b)) => same(&a, &b, &format!("{} (seekable)", path.display())),
            (Err(_), Err(_)) => {}
            (a, b) => panic!(
                "{}: seekable read {:?}, memory read {:?}",
                path.display(),
                a.err(),
                b.err()
            ),
        }
    }
}

fn tiff_like(p: &std::path::Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "tif" | "psd" | "png"))
}

#[test]
fn bundled_files_read_the_same_from_a_path() {
    for dir in ["tests/data", "tests/bad"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if tiff_like(&e.path()) {
                check(&e.path());
            }
        }
    }
}

#[test]
fn shared_files_read_the_same_from_a_path() {
    let Some(root) = crate::shared() else {
        eprintln!("note: ../shared/data/metadata absent; skipped");
        return;
    };
    let mut stack = vec![root];
    let mut n = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if tiff_like(&p) {
                check(&p);
                n += 1;
            }
        }
    }
    assert!(n > 50, "only {n} files compared");
}

/// A big-endian classic TIFF: 600 KB of "image data" first, then IFD0 (Make, XMP), an Exif
/// IFD (DateTimeOriginal) and IFD1, all after the data.
fn big_tiff() -> Vec<u8> {
    let mut f = b"MM\0*".to_vec();
    f.extend_from_slice(&0u32.to_be_bytes()); // IFD0 offset, patched below
    let strip = f.len() as u32;
    f.extend((0..600_000u32).map(|i| (i * 7 + 3) as u8));
    let make = f.len() as u32;
    f.extend_from_slice(b"Sparse Camera Co.\0");
    let xmp_at = f.len() as u32;
    let xmp = br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject><rdf:Bag><rdf:li>far away</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>"#;
    f.extend_from_slice(xmp);
    if f.len() % 2 == 1 {
        f.push(0);
    }
    let entry = |f: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: u32| {
        f.extend_from_slice(&tag.to_be_bytes());
        f.extend_from_slice(&typ.to_be_bytes());
        f.extend_from_slice(&count.to_be_bytes());
        f.extend_from_slice(&value.to_be_bytes());
    };
    let ifd0 = f.len() as u32;
    f[4..8].copy_from_slice(&ifd0.to_be_bytes());
    f.extend_from_slice(&9u16.to_be_bytes());
    entry(&mut f, 0x0100, 4, 1, 1000); // ImageWidth
    entry(&mut f, 0x0101, 4, 1, 600); // ImageLength
    entry(&mut f, 0x0102, 3, 1, 8 << 16); // BitsPerSample (short, left-justified)
    entry(&mut f, 0x010F, 2, 18, make);
    entry(&mut f, 0x0111, 4, 1, strip);
    entry(&mut f, 0x0116, 4, 1, 600);
    entry(&mut f, 0x0117, 4, 1, 600_000);
    entry(&mut f, 0x02BC, 1, xmp.len() as u32, xmp_at);
    let exif_ptr = f.len() + 8;
    entry(&mut f, 0x8769, 4, 1, 0); // patched below
    let next = f.len();
    f.extend_from_slice(&0u32.to_be_bytes());
    let ifd1 = f.len() as u32;
    f[next..next + 4].copy_from_slice(&ifd1.to_be_bytes());
    f.extend_from_slice(&1u16.to_be_bytes());
    entry(&mut f, 0x0103, 3, 1, 6 << 16); // Compression
    f.extend_from_slice(&0u32.to_be_bytes());
    // the Exif IFD and its date far from the other directories (another disk block)
    f.extend(std::iter::repeat_n(0xAA, 16_384));
    let date = f.len() as u32;
    f.extend_from_slice(b"2024:05:06 07:08:09\0");
    f.extend(std::iter::repeat_n(0xAA, 16_384));
    let exif_ifd = f.len() as u32;
    f[exif_ptr..exif_ptr + 4].copy_from_slice(&exif_ifd.to_be_bytes());
    f.extend_from_slice(&1u16.to_be_bytes());
    entry(&mut f, 0x9003, 2, 20, date);
    f.extend_from_slice(&0u32.to_be_bytes());
    f
}

#[test]
fn tiff_metadata_after_the_image_data_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.tif");
    std::fs::write(&p, big_tiff()).unwrap();
    let md = read_path(&p, &ReadOptions::default()).unwrap();
    assert_eq!(
        md.get("IFD0:Make").and_then(|v| v.as_text()),
        Some("Sparse Camera Co.")
    );
    assert_eq!(
        md.get("ExifIFD:DateTimeOriginal").and_then(|v| v.as_text()),
        Some("2024:05:06 07:08:09")
    );
    assert_eq!(
        md.get("IFD1:Compression").and_then(|v| v.as_text()),
        Some("6")
    );
    assert_eq!(md.get("XMP-dc:Subject").unwrap().texts(), ["far away"]);
    check(&p);
}

#[test]
fn png_text_after_the_image_data_is_read() {
    let mut f = b"\x89PNG\r\n\x1a\n".to_vec();
    let chunk = |f: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        f.extend_from_slice(&(data.len() as u32).to_be_bytes());
        f.extend_from_slice(kind);
        f.extend_from_slice(data);
        f.extend_from_slice(&0u32.to_be_bytes()); // CRC: not checked when reading metadata
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100u32.to_be_bytes());
    ihdr.extend_from_slice(&100u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut f, b"IHDR", &ihdr);
    for _ in 0..5 {
        chunk(&mut f, b"IDAT", &vec![0x55; 100_000]);
    }
    let xmp = br#"XML:com.adobe.xmp<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="4"/></rdf:RDF></x:xmpmeta>"#;
    let mut itxt = Vec::new();
    let (key, body) = xmp.split_at(17);
    itxt.extend_from_slice(key);
    itxt.extend_from_slice(&[0, 0, 0, 0, 0]);
    itxt.extend_from_slice(body);
    chunk(&mut f, b"iTXt", &itxt);
    chunk(&mut f, b"IEND", &[]);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.png");
    std::fs::write(&p, &f).unwrap();
    let md = read_path(&p, &ReadOptions::default()).unwrap();
    assert_eq!(
        md.get("XMP-xmp:Rating").and_then(|v| v.as_text()),
        Some("4")
    );
    check(&p);
}

#[test]
fn truncated_files_read_the_same_sparse_and_whole() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let opts = ReadOptions::default();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if !tiff_like(&e.path()) {
            continue;
        }
        let whole = std::fs::read(e.path()).unwrap();
        for k in 1..=10 {
            let cut = &whole[..whole.len() * k / 11];
            let a = read_seekable_always_sparse(&mut std::io::Cursor::new(cut), &opts);
            let b = read_bytes(cut, &opts);
            match (a, b) {
                (Ok(a), Ok(b)) => same(
                    &a,
                    &b,
                    &format!("{} cut at {}", e.path().display(), cut.len()),
                ),
                (Err(_), Err(_)) => {}
                (a, b) => panic!(
                    "{} cut at {}: sparse {:?}, whole {:?}",
                    e.path().display(),
                    cut.len(),
                    a.err(),
                    b.err()
                ),
            }
        }
    }
}
