//! Broken input: clear errors or lenient warnings, never a panic, hang or huge allocation.

use damkit_metadata::{Error, ReadOptions, read_bytes, read_path};

const BAD: &[&str] = &[
    "truncated-in-app1.jpg",
    "iim-overlong-dataset.jpg",
    "png-chunk-overflow.png",
    "heif-meta-overflow.heic",
    "xmp-extension-4gb.jpg",
    "tiff-ifd-past-end.tif",
    "psd-resources-past-end.psd",
    "gif-xmp-unterminated.gif",
    "webp-exif-past-end.webp",
    "not-an-image.bin",
];

#[test]
fn bad_files_fail_strictly_with_a_named_defect() {
    for name in BAD {
        let r = read_path(crate::bad(name), &ReadOptions::default().strict(true));
        let e = r.expect_err(name);
        let msg = e.to_string();
        assert!(msg.len() > 10, "{name}: {msg}");
        println!("{name}: {msg}");
    }
}

#[test]
fn bad_files_read_leniently_with_warnings() {
    for name in BAD {
        match read_path(crate::bad(name), &ReadOptions::default()) {
            Ok(md) => assert!(
                !md.warnings.is_empty(),
                "{name}: lenient read without a warning"
            ),
            Err(e) => println!("{name}: {e}"),
        }
    }
}

#[test]
fn iim_defect_is_named() {
    let md = read_path(
        crate::bad("iim-overlong-dataset.jpg"),
        &ReadOptions::default(),
    )
    .unwrap();
    assert!(
        md.warnings.iter().any(|w| w.contains("2:120")),
        "{:?}",
        md.warnings
    );
    // what could be read is still there
    assert_eq!(
        md.get("IPTC:ApplicationRecordVersion")
            .and_then(|v| v.as_text()),
        Some("4")
    );
}

#[test]
fn unknown_format_is_an_error() {
    assert!(matches!(
        read_path(crate::bad("not-an-image.bin"), &ReadOptions::default()),
        Err(Error::UnsupportedFormat { .. })
    ));
}

fn truncations(data: &[u8]) -> Vec<usize> {
    (1..=10).map(|i| data.len() * i / 11).collect()
}

#[test]
fn truncated_bundled_files_never_panic() {
    for entry in std::fs::read_dir(crate::data("")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "json" || e == "md") {
            continue;
        }
        let data = std::fs::read(&p).unwrap();
        for cut in truncations(&data) {
            let _ = read_bytes(&data[..cut], &ReadOptions::default());
            let _ = read_bytes(&data[..cut], &ReadOptions::default().strict(true));
        }
    }
}

#[test]
fn truncated_shared_files_never_panic() {
    let Some(dir) = crate::shared() else {
        println!("note: ../shared/data/metadata absent; skipping");
        return;
    };
    let mut n = 0;
    for sub in ["mei", "iptc"] {
        let mut stack = vec![dir.join(sub)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let data = std::fs::read(&p).unwrap();
                let _ = read_bytes(&data, &ReadOptions::default());
                for cut in truncations(&data) {
                    let _ = read_bytes(&data[..cut], &ReadOptions::default());
                }
                n += 1;
            }
        }
    }
    assert!(n >= 170, "{n} files");
}
