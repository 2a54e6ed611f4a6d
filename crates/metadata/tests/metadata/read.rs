//! Reading: values, formats, sidecars, IIM character sets, MWG provenance.

use damkit_metadata::{IimCharset, ReadOptions, Source, Value, read_path};

#[test]
fn iptc_reference_values() {
    let md = read_path(
        crate::data("iptc-reference-2023.2.jpg"),
        &ReadOptions::default(),
    )
    .unwrap();
    assert!(md.warnings.is_empty(), "{:?}", md.warnings);
    let kw = md.get("IPTC:Keywords").unwrap();
    assert!(matches!(kw, Value::List(v) if v.len() >= 3));
    let d = md.reconciled("Description").unwrap();
    assert_eq!(d.source, Source::Exif);
    assert!(md.get("XMP-iptcExt:PersonInImage").is_some());
    assert!(md.get("XMP-plus:Licensor").is_some());
}

#[test]
fn formats_are_read() {
    for (file, key) in [
        ("nikon-d1x.webp", "IFD0:Make"),
        ("xmp.gif", "XMP-dc:Subject"),
        ("bigtiff.tif", "IFD0:ImageWidth"),
        ("exif.avif", "IFD0:Orientation"),
        ("photoshop-all-metadata.png", "XMP-x:XMPToolkit"),
        ("cmyk16.psd", "IFD0:Software"),
    ] {
        let md = read_path(crate::data(file), &ReadOptions::default()).unwrap();
        assert!(md.get(key).is_some(), "{file}: no {key}");
    }
}

#[test]
fn sidecars_are_read_beside_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("IMG_1.CR2");
    std::fs::copy(crate::data("bigtiff.tif"), &img).unwrap();
    let xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmp:Rating="4">
<dc:subject><rdf:Bag><rdf:li>dog</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>"#;
    std::fs::write(dir.path().join("IMG_1.xmp"), xmp).unwrap();
    std::fs::write(
        dir.path().join("IMG_1.CR2.xmp"),
        xmp.replace("\"4\"", "\"2\""),
    )
    .unwrap();
    let md = read_path(&img, &ReadOptions::default().with_sidecars(true)).unwrap();
    assert_eq!(md.sidecars.len(), 2);
    assert_eq!(md.get("MWG:Rating").and_then(Value::as_text), Some("4"));
    assert_eq!(
        md.get("MWG:Keywords"),
        Some(&Value::List(vec![Value::text("dog")]))
    );
    let plain = read_path(&img, &ReadOptions::default()).unwrap();
    assert!(plain.get("MWG:Rating").is_none());
}

#[cfg(unix)]
#[test]
fn sidecars_of_non_utf8_file_names_are_found() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    // "IMG_\xE9.tif": Latin-1 é, not UTF-8
    let img = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"IMG_\xE9.tif"));
    std::fs::copy(crate::data("bigtiff.tif"), &img).unwrap();
    let xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="3"/></rdf:RDF></x:xmpmeta>"#;
    std::fs::write(
        dir.path()
            .join(std::ffi::OsStr::from_bytes(b"IMG_\xE9.tif.xmp")),
        xmp,
    )
    .unwrap();
    let md = read_path(&img, &ReadOptions::default().with_sidecars(true)).unwrap();
    assert_eq!(md.sidecars.len(), 1);
    assert_eq!(md.get("MWG:Rating").and_then(Value::as_text), Some("3"));
}

#[test]
fn iim_charset_is_configurable() {
    let auto = read_path(crate::data("fujifilm-s1pro.jpg"), &ReadOptions::default()).unwrap();
    let utf8 = read_path(
        crate::data("fujifilm-s1pro.jpg"),
        &ReadOptions::default().with_iim_charset(IimCharset::Utf8),
    )
    .unwrap();
    assert!(auto.get("IPTC:Category").is_some());
    assert_eq!(auto.get("IPTC:Category"), utf8.get("IPTC:Category"));
}
