//! Writing: values land where MWG says, IIM and EXIF stay in sync, image data is untouched,
//! and nothing is written to a file we could not fully parse.

use std::path::{Path, PathBuf};

use damkit_metadata::{Edit, Op, ReadOptions, Source, Value, WriteOptions, read_path, write_path};

fn copy(name: &str, dir: &Path) -> PathBuf {
    let p = dir.join(name);
    std::fs::copy(crate::data(name), &p).unwrap();
    p
}

/// The bytes from the SOS marker to the end (entropy-coded data and EOI).
fn scan_data(d: &[u8]) -> &[u8] {
    let mut p = 2;
    while p + 4 <= d.len() {
        assert_eq!(d[p], 0xFF);
        let m = d[p + 1];
        if m == 0xDA {
            return &d[p..];
        }
        p += 2 + usize::from(u16::from_be_bytes([d[p + 2], d[p + 3]]));
    }
    panic!("no SOS");
}

fn pixels(p: &Path) -> Vec<u8> {
    image::open(p).unwrap().into_bytes()
}

fn edits() -> Vec<Edit> {
    vec![
        Edit::parse(Op::Set, "XMP-dc:Title=Pont sur la rivi\u{e8}re").unwrap(),
        Edit::parse(Op::Set, "MWG:Description=A bridge \u{2014} at dusk").unwrap(),
        Edit::parse(Op::Add, "MWG:Keywords=dog").unwrap(),
        Edit::parse(Op::Add, "MWG:Keywords=Animals|Mammals|Cat").unwrap(),
        Edit::parse(Op::Set, "MWG:Rating=4").unwrap(),
    ]
}

#[test]
fn jpeg_write_keeps_image_data_and_syncs_iim_and_exif() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "iptc-reference-2023.2.jpg",
        "iptc-ref2019-dotnet.jpg",
        "fujifilm-s1pro.jpg",
        "olympus-c860l.jpg",
    ] {
        let p = copy(name, dir.path());
        let before = std::fs::read(&p).unwrap();
        let px_before = pixels(&p);
        let had_iim = read_path(&p, &ReadOptions::default())
            .unwrap()
            .iim
            .is_some();
        let report = write_path(&p, &edits(), &WriteOptions::default()).unwrap();
        assert!(!report.sidecar);
        let after = std::fs::read(&p).unwrap();
        assert_eq!(
            scan_data(&before),
            scan_data(&after),
            "{name}: entropy-coded data changed"
        );
        assert_eq!(px_before, pixels(&p), "{name}: pixels changed");

        let md = read_path(&p, &ReadOptions::default().strict(true)).unwrap();
        assert_eq!(
            md.get("XMP-dc:Title").and_then(Value::as_text),
            Some("Pont sur la rivi\u{e8}re"),
            "{name}"
        );
        let desc = md.reconciled("Description").unwrap();
        assert_eq!(
            desc.value.as_text(),
            Some("A bridge \u{2014} at dusk"),
            "{name}"
        );
        let kw: Vec<&str> = md.get("MWG:Keywords").unwrap().texts();
        assert!(kw.contains(&"dog") && kw.contains(&"Cat"), "{name}: {kw:?}");
        let hier = md.get("XMP-lr:HierarchicalSubject").unwrap().texts();
        assert_eq!(hier, vec!["Animals|Mammals|Cat"], "{name}");
        assert_eq!(md.get("MWG:Rating").and_then(Value::as_text), Some("4"));
        if had_iim {
            assert!(
                report.iim_synced.contains(&"2:25".to_string()),
                "{name}: {report:?}"
            );
            assert_eq!(
                md.get("IPTC:CodedCharacterSet").and_then(Value::as_text),
                Some("\u{1b}%G")
            );
            assert_eq!(
                md.iptc_digest, md.current_iptc_digest,
                "{name}: digest not updated"
            );
            let iptc_kw = md.get("IPTC:Keywords").unwrap().texts();
            assert!(iptc_kw.contains(&"dog"), "{name}: {iptc_kw:?}");
            assert_eq!(
                md.get("IPTC:ObjectName").and_then(Value::as_text),
                Some("Pont sur la rivi\u{e8}re")
            );
        }
        if md.get("IFD0:ImageDescription").is_some() {
            assert_eq!(desc.source, Source::Exif);
            assert!(
                report.exif_synced.iter().any(|t| t == "ImageDescription"),
                "{name}"
            );
        }
    }
}

#[test]
fn remove_keyword_removes_its_paths() {
    let dir = tempfile::tempdir().unwrap();
    let p = copy("olympus-c860l.jpg", dir.path());
    write_path(&p, &edits(), &WriteOptions::default()).unwrap();
    write_path(
        &p,
        &[Edit::parse(Op::Remove, "MWG:Keywords=Cat").unwrap()],
        &WriteOptions::default(),
    )
    .unwrap();
    let md = read_path(&p, &ReadOptions::default()).unwrap();
    assert_eq!(md.get("MWG:Keywords").unwrap().texts(), vec!["dog"]);
    assert!(md.get("XMP-lr:HierarchicalSubject").is_none());
}

#[test]
fn png_write_keeps_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let p = copy("photoshop-all-metadata.png", dir.path());
    let px = pixels(&p);
    write_path(&p, &edits(), &WriteOptions::default()).unwrap();
    assert_eq!(px, pixels(&p));
    let md = read_path(&p, &ReadOptions::default().strict(true)).unwrap();
    assert!(md.get("MWG:Keywords").unwrap().texts().contains(&"dog"));
}

#[test]
fn sidecar_write_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let p = copy("bigtiff.tif", dir.path());
    let before = std::fs::read(&p).unwrap();
    let r = write_path(&p, &edits(), &WriteOptions::default().sidecar(true)).unwrap();
    assert!(r.sidecar);
    assert_eq!(r.written, dir.path().join("bigtiff.xmp"));
    assert_eq!(before, std::fs::read(&p).unwrap());
    let md = read_path(&p, &ReadOptions::default().with_sidecars(true)).unwrap();
    assert_eq!(md.get("MWG:Rating").and_then(Value::as_text), Some("4"));
}

#[test]
fn tiff_embedding_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let p = copy("bigtiff.tif", dir.path());
    let before = std::fs::read(&p).unwrap();
    let e = write_path(&p, &edits(), &WriteOptions::default()).unwrap_err();
    assert!(e.to_string().contains("--sidecar"), "{e}");
    assert_eq!(before, std::fs::read(&p).unwrap());
}

#[test]
fn damaged_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["truncated-in-app1.jpg", "iim-overlong-dataset.jpg"] {
        let p = dir.path().join(name);
        std::fs::copy(crate::bad(name), &p).unwrap();
        let before = std::fs::read(&p).unwrap();
        let e = write_path(&p, &edits(), &WriteOptions::default()).unwrap_err();
        assert!(e.to_string().contains("fully parsed"), "{e}");
        assert_eq!(before, std::fs::read(&p).unwrap());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temporary file left behind"
        );
        std::fs::remove_file(&p).unwrap();
    }
}

#[test]
fn bad_edits_are_refused() {
    assert!(Edit::parse(Op::Set, "IFD0:Make=x").is_err());
    assert!(Edit::parse(Op::Set, "MWG:Nope=x").is_err());
    assert!(Edit::parse(Op::Set, "no-equals").is_err());
}

#[test]
fn raw_files_always_get_a_sidecar() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("IMG_1.CR2");
    std::fs::copy(crate::data("jpeg-in-tiff.tif"), &p).unwrap();
    let before = std::fs::read(&p).unwrap();
    let r = write_path(&p, &edits(), &WriteOptions::default()).unwrap();
    assert!(r.sidecar, "{r:?}");
    assert_eq!(r.written, dir.path().join("IMG_1.xmp"));
    assert_eq!(before, std::fs::read(&p).unwrap());
}

#[test]
fn psd_write_keeps_layers_and_image_data() {
    let dir = tempfile::tempdir().unwrap();
    let p = copy("cmyk16.psd", dir.path());
    let before = std::fs::read(&p).unwrap();
    let had_iim = read_path(&p, &ReadOptions::default())
        .unwrap()
        .iim
        .is_some();
    write_path(&p, &edits(), &WriteOptions::default()).unwrap();
    let after = std::fs::read(&p).unwrap();
    // everything after the image resources section is byte-identical
    let tail = |d: &[u8]| {
        let cm = u32::from_be_bytes(d[26..30].try_into().unwrap()) as usize;
        let r = 30 + cm;
        let len = u32::from_be_bytes(d[r..r + 4].try_into().unwrap()) as usize;
        d[r + 4 + len..].to_vec()
    };
    assert_eq!(tail(&before), tail(&after));
    assert_eq!(before[..26], after[..26]);
    let md = read_path(&p, &ReadOptions::default().strict(true)).unwrap();
    assert_eq!(
        md.get("XMP-dc:Title").and_then(Value::as_text),
        Some("Pont sur la rivi\u{e8}re")
    );
    assert!(md.get("MWG:Keywords").unwrap().texts().contains(&"dog"));
    if had_iim {
        assert_eq!(md.iptc_digest, md.current_iptc_digest);
        assert!(md.get("IPTC:Keywords").unwrap().texts().contains(&"dog"));
    }
}

#[test]
fn webp_write_keeps_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let p = copy("nikon-d1x.webp", dir.path());
    let px = pixels(&p);
    write_path(&p, &edits(), &WriteOptions::default()).unwrap();
    assert_eq!(px, pixels(&p));
    let md = read_path(&p, &ReadOptions::default().strict(true)).unwrap();
    assert!(md.get("MWG:Keywords").unwrap().texts().contains(&"dog"));
    assert!(md.get("IFD0:Make").is_some(), "EXIF kept");
}

/// A JPEG with IIM keywords `a`, `b` (Windows-1252 `café` caption) and no XMP.
fn iim_only_jpeg() -> Vec<u8> {
    let ds = |n: u8, d: &[u8]| {
        let mut v = vec![0x1c, 2, n];
        v.extend_from_slice(&(d.len() as u16).to_be_bytes());
        v.extend_from_slice(d);
        v
    };
    let iim = [
        ds(0, &[0, 4]),
        ds(25, b"a"),
        ds(25, b"b"),
        ds(120, b"caf\xe9"),
    ]
    .concat();
    let mut irb = b"8BIM\x04\x04\0\0".to_vec();
    irb.extend_from_slice(&(iim.len() as u32).to_be_bytes());
    irb.extend_from_slice(&iim);
    let payload = [&b"Photoshop 3.0\0"[..], &irb].concat();
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xED];
    j.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    j.extend_from_slice(&payload);
    j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0xFF, 0xD9]);
    j
}

#[test]
fn adding_a_keyword_extends_iim_only_keywords() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("iim.jpg");
    std::fs::write(&p, iim_only_jpeg()).unwrap();
    write_path(
        &p,
        &[Edit::parse(Op::Add, "MWG:Keywords=dog").unwrap()],
        &WriteOptions::default(),
    )
    .unwrap();
    let md = read_path(&p, &ReadOptions::default().strict(true)).unwrap();
    assert_eq!(
        md.get("IPTC:Keywords").unwrap().texts(),
        vec!["a", "b", "dog"]
    );
    assert_eq!(
        md.get("XMP-dc:Subject").unwrap().texts(),
        vec!["a", "b", "dog"]
    );
    // the untouched caption keeps its text, now declared UTF-8
    assert_eq!(
        md.get("IPTC:Caption-Abstract").and_then(Value::as_text),
        Some("caf\u{e9}")
    );
    assert_eq!(md.iptc_digest, md.current_iptc_digest);
}

#[test]
fn adding_a_creator_keeps_the_exif_artist() {
    let dir = tempfile::tempdir().unwrap();
    let p = copy("fujifilm-s1pro.jpg", dir.path());
    let before = read_path(&p, &ReadOptions::default()).unwrap();
    let artist = before
        .get("IFD0:Artist")
        .and_then(Value::as_text)
        .unwrap()
        .trim()
        .to_string();
    write_path(
        &p,
        &[Edit::parse(Op::Add, "MWG:Creator=Second Author").unwrap()],
        &WriteOptions::default(),
    )
    .unwrap();
    let md = read_path(&p, &ReadOptions::default()).unwrap();
    let creators = md.get("XMP-dc:Creator").unwrap().texts();
    assert!(
        creators.contains(&artist.as_str()) && creators.contains(&"Second Author"),
        "{creators:?}"
    );
    let mwg = md.get("MWG:Creator").unwrap().texts();
    assert!(
        mwg.contains(&"Second Author"),
        "EXIF Artist updated too: {mwg:?}"
    );
}
