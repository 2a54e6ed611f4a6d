//! Media-type detection over real files (`tests/data`) and broken ones (`tests/bad`).

use std::path::Path;

use damkit_core::{DETECT_HEAD_LEN, MediaType};

fn data(dir: &str, name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir)
        .join(name)
}

#[test]
fn real_files_are_detected() {
    let cases = [
        ("exif.jpg", MediaType::Jpeg),
        ("pngsuite-s01n3p01.png", MediaType::Png),
        ("alpha-lossy.webp", MediaType::WebP),
        ("small.avif", MediaType::Avif),
        ("mif1-heic.heif", MediaType::Heic),
        ("small.gif", MediaType::Gif),
        ("bigtiff.tif", MediaType::Tiff),
        ("classic.tif", MediaType::Tiff),
    ];
    for (name, want) in cases {
        let got = MediaType::detect_path(&data("data", name)).unwrap();
        assert_eq!(got, Some(want), "{name}");
    }
}

#[test]
fn broken_files_fail_cleanly() {
    let cases = [
        ("bad-tiff-magic.tif", None),
        ("gif-bad-signature.gif", None),
        ("jpeg-no-marker.jpg", None),
        ("psb-header-only.psd", Some(MediaType::Psd)),
    ];
    for (name, want) in cases {
        let got = MediaType::detect_path(&data("bad", name)).unwrap();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn truncation_at_every_offset_never_panics() {
    for dir in ["data", "bad"] {
        let rd = std::fs::read_dir(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests")
                .join(dir),
        );
        for entry in rd.unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let head = &bytes[..bytes.len().min(DETECT_HEAD_LEN)];
            for len in 0..head.len().min(2048) {
                let _ = MediaType::detect(&head[..len]);
            }
        }
    }
}

#[test]
fn missing_file_error_names_the_path() {
    let err = MediaType::detect_path(Path::new("/no/such/dir/photo.jpg")).unwrap_err();
    assert!(err.to_string().contains("/no/such/dir/photo.jpg"), "{err}");
}
