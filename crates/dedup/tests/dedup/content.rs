//! The metadata-blind content hash on real files.

use damkit_core::Limits;
use damkit_dedup::content::{ContentScope, content_hash_file};

use crate::{bad, data};

#[test]
fn metadata_edits_keep_the_content_hash() {
    let l = Limits::default();
    for (a, b) in [
        ("meta-plain.jpg", "meta-tagged.jpg"),
        ("q0003.jpg", "q0003-keywords.jpg"),
        ("meta-plain.png", "meta-tagged.png"),
        ("meta-plain.png", "meta-exiftool.png"),
        ("meta-plain.tif", "meta-tagged.tif"),
        ("meta-plain.webp", "meta-tagged.webp"),
    ] {
        let ha = content_hash_file(&data(a), &l).unwrap();
        let hb = content_hash_file(&data(b), &l).unwrap();
        assert!(matches!(ha.scope, ContentScope::Payload(_)), "{a}");
        assert_eq!(ha, hb, "{a} vs {b}");
        assert_ne!(
            std::fs::read(data(a)).unwrap(),
            std::fs::read(data(b)).unwrap()
        );
    }
    let plain = content_hash_file(&data("meta-plain.jpg"), &l).unwrap();
    let other = content_hash_file(&data("meta-other.jpg"), &l).unwrap();
    assert_ne!(plain, other, "a re-encode is a different payload");
}

#[test]
fn broken_files_are_errors_naming_the_file() {
    let l = Limits::default();
    for name in [
        "truncated.jpg",
        "truncated.png",
        "truncated.webp",
        "truncated.tif",
        "tiff-huge-ifd.tif",
        "png-huge-chunk.png",
        "webp-no-image.webp",
        "jpeg-app1-past-end.jpg",
    ] {
        let e = content_hash_file(&bad(name), &l).unwrap_err();
        assert!(e.to_string().contains(name), "{name}: {e}");
    }
    // Unknown formats hash whole.
    let t = content_hash_file(&bad("text.jpg"), &l).unwrap();
    assert_eq!(t.scope, ContentScope::WholeFile);
}

#[test]
fn input_size_limit_is_enforced() {
    let l = Limits::default().with_max_input_bytes(100);
    let e = content_hash_file(&data("meta-plain.png"), &l).unwrap_err();
    assert!(e.to_string().contains("meta-plain.png"), "{e}");
}

#[test]
fn every_truncation_of_real_files_is_handled() {
    for name in [
        "meta-tagged.jpg",
        "meta-tagged.png",
        "meta-tagged.tif",
        "meta-tagged.webp",
    ] {
        let bytes = std::fs::read(data(name)).unwrap();
        let step = (bytes.len() / 200).max(1);
        for n in (0..bytes.len()).step_by(step) {
            let _ = damkit_dedup::content::content_hash(&bytes[..n]);
        }
    }
}
