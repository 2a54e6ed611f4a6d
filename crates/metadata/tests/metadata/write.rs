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
fn bigtiff_embedding_is_refused_untouched() {
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

/// One extended-XMP segment: GUID, full length, offset, data.
type ExtSegment = (String, u32, u32, Vec<u8>);

/// The main XMP segment's payload length and the APP1 extended-XMP segments.
fn extended_segments(d: &[u8]) -> (usize, Vec<ExtSegment>) {
    const SIG: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
    const MAIN: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
    let (mut main_len, mut out) = (0, Vec::new());
    let mut p = 2;
    while p + 4 <= d.len() && d[p + 1] != 0xDA {
        let len = usize::from(u16::from_be_bytes([d[p + 2], d[p + 3]]));
        let payload = &d[p + 4..p + 2 + len];
        if d[p + 1] == 0xE1 && payload.starts_with(SIG) {
            let q = &payload[SIG.len()..];
            out.push((
                String::from_utf8(q[..32].to_vec()).unwrap(),
                u32::from_be_bytes(q[32..36].try_into().unwrap()),
                u32::from_be_bytes(q[36..40].try_into().unwrap()),
                q[40..].to_vec(),
            ));
        } else if d[p + 1] == 0xE1 && payload.starts_with(MAIN) {
            main_len = payload.len();
        }
        p += 2 + len;
    }
    (main_len, out)
}

#[test]
fn big_xmp_goes_to_extended_xmp_in_jpeg() {
    use md5::{Digest as _, Md5};
    let dir = tempfile::tempdir().unwrap();
    let p = copy("fujifilm-s1pro.jpg", dir.path());
    let scan_before = scan_data(&std::fs::read(&p).unwrap()).to_vec();
    let big: String = (0..9_000).map(|i| format!("word{i:05} ")).collect();
    let edits = [
        Edit::parse(Op::Set, &format!("XMP-xmp:Nickname={big}")).unwrap(),
        Edit::parse(Op::Set, "XMP-dc:Title=Small title").unwrap(),
    ];
    let rep = write_path(&p, &edits, &WriteOptions::default()).unwrap();
    let guid = rep.extended_xmp.clone().expect("extended XMP written");
    let after = std::fs::read(&p).unwrap();
    assert_eq!(scan_data(&after), &scan_before[..], "image data changed");
    let (main_len, ext) = extended_segments(&after);
    assert!(main_len > 0 && main_len <= 65_533);
    assert!(
        ext.len() >= 2,
        "90 KB needs at least two extension segments"
    );
    let mut whole = vec![0u8; ext[0].1 as usize];
    for (g, full, off, data) in &ext {
        assert_eq!(g, &guid);
        assert_eq!(*full as usize, whole.len());
        whole[*off as usize..*off as usize + data.len()].copy_from_slice(data);
    }
    let md5: String = Md5::digest(&whole)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert_eq!(md5, guid, "the GUID is the MD5 of the extended packet");
    let md = read_path(&p, &ReadOptions::default().strict(true)).unwrap();
    assert_eq!(
        md.get("XMP-xmp:Nickname").and_then(Value::as_text),
        Some(big.as_str())
    );
    assert_eq!(
        md.get("XMP-dc:Title").and_then(Value::as_text),
        Some("Small title")
    );
    assert_eq!(
        md.get("XMP-xmpNote:HasExtendedXMP")
            .and_then(Value::as_text),
        Some(guid.as_str())
    );

    // a second edit merges the extension, edits, and replaces it (one GUID left)
    let e2 = [Edit::parse(Op::Set, "XMP-dc:Title=Other title").unwrap()];
    let rep2 = write_path(&p, &e2, &WriteOptions::default()).unwrap();
    let after2 = std::fs::read(&p).unwrap();
    let (_, ext2) = extended_segments(&after2);
    let guids: std::collections::BTreeSet<_> = ext2.iter().map(|e| e.0.clone()).collect();
    assert_eq!(guids.len(), 1, "old extension kept beside the new one");
    assert_eq!(guids.first(), rep2.extended_xmp.as_ref());
    let md = read_path(&p, &ReadOptions::default()).unwrap();
    assert_eq!(
        md.get("XMP-xmp:Nickname").and_then(Value::as_text),
        Some(big.as_str())
    );
    assert_eq!(
        md.get("XMP-dc:Title").and_then(Value::as_text),
        Some("Other title")
    );

    // shrinking the packet drops the extension and its GUID
    let e3 = [Edit::parse(Op::Set, "XMP-xmp:Nickname=short").unwrap()];
    let rep3 = write_path(&p, &e3, &WriteOptions::default()).unwrap();
    assert_eq!(rep3.extended_xmp, None);
    let after3 = std::fs::read(&p).unwrap();
    assert!(extended_segments(&after3).1.is_empty());
    assert_eq!(scan_data(&after3), &scan_before[..]);
    let md = read_path(&p, &ReadOptions::default().strict(true)).unwrap();
    assert!(md.get("XMP-xmpNote:HasExtendedXMP").is_none());
    assert_eq!(
        md.get("XMP-xmp:Nickname").and_then(Value::as_text),
        Some("short")
    );
    assert_eq!(
        md.get("XMP-dc:Title").and_then(Value::as_text),
        Some("Other title")
    );
}

#[test]
fn missing_exif_artist_and_copyright_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let p = copy("olympus-c860l.jpg", dir.path());
    let before_bytes = std::fs::read(&p).unwrap();
    let before = read_path(&p, &ReadOptions::default()).unwrap();
    assert!(before.get("IFD0:Artist").is_none() && before.get("IFD0:Copyright").is_none());
    let rep = write_path(
        &p,
        &[
            Edit::parse(Op::Set, "MWG:Creator=Jane Doe").unwrap(),
            Edit::parse(Op::Set, "MWG:Copyright=(c) 2026 Jane Doe").unwrap(),
        ],
        &WriteOptions::default(),
    )
    .unwrap();
    assert!(
        rep.exif_synced.iter().any(|t| t == "Artist")
            && rep.exif_synced.iter().any(|t| t == "Copyright"),
        "{:?}",
        rep.exif_synced
    );
    let after_bytes = std::fs::read(&p).unwrap();
    assert_eq!(scan_data(&after_bytes), scan_data(&before_bytes));
    let md = read_path(&p, &ReadOptions::default().strict(true)).unwrap();
    assert_eq!(
        md.get("IFD0:Artist").and_then(Value::as_text),
        Some("Jane Doe")
    );
    assert_eq!(
        md.get("IFD0:Copyright").and_then(Value::as_text),
        Some("(c) 2026 Jane Doe")
    );
    // every other EXIF tag (IFD0, ExifIFD, GPS, IFD1 and its thumbnail) is unchanged
    let exif = |m: &damkit_metadata::Metadata| -> Vec<(String, Value)> {
        m.tags
            .iter()
            .filter(|t| t.group.starts_with("IFD") || t.group.ends_with("IFD") || t.group == "GPS")
            .filter(|t| !(t.group == "IFD0" && matches!(t.name.as_str(), "Artist" | "Copyright")))
            .map(|t| (t.key(), t.value.clone()))
            .collect()
    };
    assert_eq!(exif(&md), exif(&before));
    assert!(md.get("IFD1:ThumbnailImage").is_some() == before.get("IFD1:ThumbnailImage").is_some());
    for key in ["MWG:Creator", "MWG:Copyright"] {
        assert_eq!(
            md.reconciled(key.trim_start_matches("MWG:"))
                .map(|r| r.source),
            Some(Source::Exif),
            "{key}"
        );
    }
}

/// (offset, length) of every strip and tile of every IFD, from the read tags.
fn image_ranges(md: &damkit_metadata::Metadata) -> Vec<(String, u64, u64)> {
    let nums = |k: &str| -> Vec<u64> {
        md.get(k)
            .and_then(Value::as_text)
            .map(|t| t.split(' ').filter_map(|x| x.parse().ok()).collect())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for g in ["IFD0", "IFD1", "IFD2", "IFD3"] {
        for (o, c) in [
            ("StripOffsets", "StripByteCounts"),
            ("TileOffsets", "TileByteCounts"),
        ] {
            let (offs, lens) = (nums(&format!("{g}:{o}")), nums(&format!("{g}:{c}")));
            for (a, b) in offs.iter().zip(&lens) {
                out.push((g.to_string(), *a, *b));
            }
        }
    }
    out
}

#[test]
fn tiff_write_embeds_xmp_and_keeps_image_data_and_other_ifds() {
    // (jpeg-in-tiff.tif has tile offsets without byte counts: covered by the shared test)
    for name in ["xp-tags.tif"] {
        let dir = tempfile::tempdir().unwrap();
        let p = copy(name, dir.path());
        let before_bytes = std::fs::read(&p).unwrap();
        let before = read_path(&p, &ReadOptions::default()).unwrap();
        let ranges = image_ranges(&before);
        assert!(!ranges.is_empty(), "{name}: no strips or tiles found");
        let rep = write_path(&p, &edits(), &WriteOptions::default()).unwrap();
        assert!(!rep.sidecar, "{name}");
        let after_bytes = std::fs::read(&p).unwrap();
        let md = read_path(&p, &ReadOptions::default().strict(true)).unwrap();
        // image data: same offsets, same bytes
        assert_eq!(
            image_ranges(&md),
            ranges,
            "{name}: strip/tile offsets moved"
        );
        for (g, off, len) in &ranges {
            let r = *off as usize..(*off + *len) as usize;
            assert_eq!(
                after_bytes.get(r.clone()),
                before_bytes.get(r),
                "{name}: {g} image data changed"
            );
        }
        // values
        assert_eq!(
            md.get("XMP-dc:Title").and_then(Value::as_text),
            Some("Pont sur la rivi\u{e8}re"),
            "{name}"
        );
        let kw = md.get("XMP-dc:Subject").unwrap().texts();
        assert!(kw.contains(&"dog") && kw.contains(&"Cat"), "{name}: {kw:?}");
        assert_eq!(
            md.get("IFD0:ImageDescription").and_then(Value::as_text),
            Some("A bridge \u{2014} at dusk"),
            "{name}: EXIF description synced"
        );
        // every other tag outside IFD0's synced ones is unchanged
        let other = |m: &damkit_metadata::Metadata| -> Vec<(String, Value)> {
            m.tags
                .iter()
                .filter(|t| !t.group.starts_with("XMP") && t.group != "IPTC")
                .filter(|t| {
                    !(t.group == "IFD0"
                        && matches!(
                            t.name.as_str(),
                            "ImageDescription" | "Artist" | "Copyright" | "ApplicationNotes"
                        ))
                })
                .map(|t| (t.key(), t.value.clone()))
                .collect()
        };
        assert_eq!(other(&md), other(&before), "{name}");
        // a second write reuses the packet's slot when it fits
        let len1 = after_bytes.len();
        write_path(
            &p,
            &[Edit::parse(Op::Set, "XMP-dc:Title=Short").unwrap()],
            &WriteOptions::default(),
        )
        .unwrap();
        let md = read_path(&p, &ReadOptions::default().strict(true)).unwrap();
        assert_eq!(
            md.get("XMP-dc:Title").and_then(Value::as_text),
            Some("Short")
        );
        assert!(
            std::fs::read(&p).unwrap().len() <= len1 + 64,
            "{name}: grew again"
        );
    }
}

#[test]
fn shared_tiffs_are_written_with_image_data_intact_or_refused_untouched() {
    let Some(root) = crate::shared() else {
        eprintln!("note: ../shared/data/metadata absent; skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut written, mut refused) = (0, 0);
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let src = e.path();
            if src.is_dir() {
                stack.push(src);
                continue;
            }
            if src.extension().is_none_or(|x| x != "tif") {
                continue;
            }
            let p = dir.path().join(src.file_name().unwrap());
            std::fs::copy(&src, &p).unwrap();
            let before_bytes = std::fs::read(&p).unwrap();
            let before = read_path(&p, &ReadOptions::default()).unwrap();
            match write_path(&p, &edits(), &WriteOptions::default()) {
                Ok(_) => {
                    written += 1;
                    let after_bytes = std::fs::read(&p).unwrap();
                    let md = read_path(&p, &ReadOptions::default().strict(true)).unwrap();
                    let ranges = image_ranges(&before);
                    assert_eq!(image_ranges(&md), ranges, "{}", src.display());
                    for (g, off, len) in ranges {
                        let r = off as usize..(off + len) as usize;
                        assert_eq!(
                            after_bytes.get(r.clone()),
                            before_bytes.get(r),
                            "{}: {g} image data changed",
                            src.display()
                        );
                    }
                    assert_eq!(
                        md.get("XMP-dc:Title").and_then(Value::as_text),
                        Some("Pont sur la rivi\u{e8}re"),
                        "{}",
                        src.display()
                    );
                }
                Err(_) => {
                    refused += 1;
                    assert_eq!(
                        before_bytes,
                        std::fs::read(&p).unwrap(),
                        "{}",
                        src.display()
                    );
                }
            }
        }
    }
    eprintln!("shared TIFFs: {written} written, {refused} refused");
    assert!(
        written >= 5,
        "only {written} TIFFs written ({refused} refused)"
    );
}

/// png-text.png with an IIM block (ObjectName, one keyword) in a `tEXt` raw profile, as
/// ImageMagick stores it.
fn png_with_iim() -> Vec<u8> {
    let png = std::fs::read(crate::data("png-text.png")).unwrap();
    let mut iim = Vec::new();
    for (ds, v) in [(0u8, &b"\x00\x04"[..]), (5, b"Old title"), (25, b"cat")] {
        iim.extend_from_slice(&[0x1C, 2, ds]);
        iim.extend_from_slice(&(v.len() as u16).to_be_bytes());
        iim.extend_from_slice(v);
    }
    let hex: String = iim.iter().map(|b| format!("{b:02x}")).collect();
    let mut body = b"tEXtRaw profile type iptc\0".to_vec();
    body.extend_from_slice(format!("\nIPTC\n{:8}\n{hex}\n", iim.len()).as_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&body);
    let mut chunk = ((body.len() - 4) as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&crc.sum().to_be_bytes());
    // after IHDR (8 + 25 bytes)
    [&png[..33], &chunk[..], &png[33..]].concat()
}

#[test]
fn png_iim_raw_profile_is_kept_in_sync() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("iim.png");
    std::fs::write(&p, png_with_iim()).unwrap();
    let before = read_path(&p, &ReadOptions::default().strict(true)).unwrap();
    assert_eq!(
        before.get("IPTC:ObjectName").and_then(Value::as_text),
        Some("Old title")
    );
    let px = pixels(&p);
    let rep = write_path(
        &p,
        &[
            Edit::parse(Op::Set, "XMP-dc:Title=Nouveau titre \u{e9}t\u{e9}").unwrap(),
            Edit::parse(Op::Add, "MWG:Keywords=dog").unwrap(),
        ],
        &WriteOptions::default(),
    )
    .unwrap();
    assert!(
        rep.iim_synced.iter().any(|d| d == "2:5"),
        "{:?}",
        rep.iim_synced
    );
    assert_eq!(pixels(&p), px, "pixels changed");
    let md = read_path(&p, &ReadOptions::default().strict(true)).unwrap();
    assert_eq!(
        md.get("IPTC:ObjectName").and_then(Value::as_text),
        Some("Nouveau titre \u{e9}t\u{e9}")
    );
    assert_eq!(md.get("IPTC:Keywords").unwrap().texts(), ["cat", "dog"]);
    assert!(md.get("IPTC:CodedCharacterSet").is_some(), "1:90 set");
    assert_eq!(
        md.get("XMP-dc:Title").and_then(Value::as_text),
        Some("Nouveau titre \u{e9}t\u{e9}")
    );
}
