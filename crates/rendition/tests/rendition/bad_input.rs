//! Broken and hostile inputs fail with clear errors, within the limits, never a panic.

use damkit_core::Limits;
use damkit_rendition::{Renderer, RenditionError, RenditionSpec};

use crate::support::{bad, data, read};

fn render(renderer: &Renderer, bytes: &[u8]) -> Result<(), RenditionError> {
    renderer
        .render_bytes(bytes, &[RenditionSpec::long_edge("t", 64)])
        .map(|_| ())
}

#[test]
fn each_bad_file_gets_a_clear_error() {
    let r = Renderer::new();
    let cases = [
        ("empty.jpg", "empty"),
        ("bomb.png", "100000x100000"),
        ("truncated.jpg", "truncated JPEG"),
        ("photo.heic", "HEIC"),
        ("zero-size.jpg", "decoding JPEG"),
        ("not-an-image.jpg", "unsupported"),
        ("absurd-strips.tif", "TIFF"),
    ];
    for (name, needle) in cases {
        let err = render(&r, &read(&bad(name))).expect_err(name);
        let msg = err.to_string();
        assert!(msg.contains(needle), "{name}: {msg}");
    }
    let err = render(&r, &read(&bad("bomb.png"))).unwrap_err();
    assert!(
        err.is_limit(),
        "a decompression bomb is a limit error: {err}"
    );
}

#[test]
fn truncated_jpeg_decodes_in_lenient_mode_only() {
    let bytes = read(&bad("truncated.jpg"));
    let out = Renderer::new()
        .lenient(true)
        .render_bytes(&bytes, &[RenditionSpec::long_edge("t", 64)])
        .expect("lenient mode decodes what is there");
    assert!(out.warnings.iter().any(|w| w.contains("end-of-image")));
}

/// A truncated PNG fails in strict mode; in lenient mode the rows before the cut decode
/// exactly as in the whole file and the missing rows are filled (grey, or transparent when
/// the PNG has alpha), with a warning.
#[test]
fn truncated_png_decodes_its_rows_in_lenient_mode_only() {
    for (name, fill) in [
        ("palette.png", [128u8, 128, 128, 255]),
        ("rgba.png", [0, 0, 0, 0]),
        ("rgb16.png", [128, 128, 128, 255]),
    ] {
        let bytes = read(&data(name));
        let info = damkit_rendition::probe(&bytes, &Limits::default()).unwrap();
        let spec = RenditionSpec::long_edge("t", info.width.max(info.height));
        let full = Renderer::new().render_pixels(&bytes, &spec).unwrap();
        let cut = &bytes[..bytes.len() * 3 / 5];
        assert!(
            Renderer::new().render_pixels(cut, &spec).is_err(),
            "{name}: strict mode fails"
        );
        let part = Renderer::new()
            .lenient(true)
            .render_pixels(cut, &spec)
            .unwrap_or_else(|e| panic!("{name}: lenient mode decodes the rows: {e}"));
        assert_eq!(
            (part.width, part.height),
            (full.width, full.height),
            "{name}"
        );
        assert_eq!(part.layout, full.layout, "{name}");
        let stride = part.data.len() / part.height as usize;
        let n = part.layout.channels();
        assert_eq!(
            part.data[..stride],
            full.data[..stride],
            "{name}: first row"
        );
        let last = &part.data[part.data.len() - stride..];
        assert!(
            last.chunks_exact(n).all(|p| p == &fill[..n]),
            "{name}: last row filled"
        );
        let rendered = Renderer::new()
            .lenient(true)
            .render_bytes(cut, &[RenditionSpec::long_edge("t", 64)])
            .unwrap();
        assert!(
            rendered.warnings.iter().any(|w| w.contains("rows")),
            "{name}: {:?}",
            rendered.warnings
        );
    }
}

#[test]
fn every_prefix_of_a_jpeg_and_a_png_fails_cleanly() {
    let r = Renderer::new().lenient(true);
    for name in [
        "progressive.jpg",
        "palette.png",
        "rgb16.tif",
        "lossless.webp",
    ] {
        let bytes = read(&data(name));
        let step = (bytes.len() / 40).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            // Ok or Err, never a panic or a hang.
            let _ = render(&r, &bytes[..cut]);
        }
    }
}

#[test]
fn tight_limits_refuse_before_decoding() {
    let bytes = read(&data("bridge.jpg"));
    let tight = Renderer::new().with_limits(Limits::default().with_max_pixels(1_000_000));
    let err = render(&tight, &bytes).unwrap_err();
    assert!(err.is_limit(), "{err}");
    assert!(err.to_string().contains("1606400"), "{err}");
    // An allocation budget too small for the decode buffers.
    let small = Renderer::new().with_limits(Limits::default().with_max_alloc(1 << 20));
    let err = small
        .render_bytes(&bytes, &[RenditionSpec::long_edge("t", 1600)])
        .unwrap_err();
    assert!(err.is_limit(), "{err}");
    // The same budget is enough with shrink-on-load (a 1/8 decode for a 64 px thumbnail).
    render(&small, &bytes).unwrap();
    let input = Renderer::new().with_limits(Limits::default().with_max_input_bytes(1000));
    assert!(render(&input, &bytes).unwrap_err().is_limit());
}
