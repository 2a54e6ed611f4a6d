//! Files are written atomically, named STEM-PRESET.EXT; batches report per file.

use std::sync::atomic::{AtomicUsize, Ordering};

use damkit_rendition::{Presets, Renderer, RenditionSpec, render_batch, render_batch_with};

use crate::support::{bad, data};

#[test]
fn batch_writes_every_preset_and_reports_failures() {
    let out = tempfile::tempdir().unwrap();
    let presets = Presets::builtin();
    let specs = [
        presets.get("thumb-256").unwrap(),
        presets.get("og-1200x630").unwrap(),
    ];
    let inputs = vec![
        data("bridge.jpg"),
        bad("truncated.jpg"),
        data("palette.png"),
        data("missing-file.jpg"),
    ];
    let calls = AtomicUsize::new(0);
    let outcomes = render_batch(&Renderer::new(), &inputs, &specs, out.path(), |p| {
        assert_eq!(p.total, 4);
        calls.fetch_add(1, Ordering::Relaxed);
    });
    assert_eq!(calls.load(Ordering::Relaxed), 4);
    assert_eq!(outcomes.len(), 4);
    let ok = outcomes[0].result.as_ref().unwrap();
    assert_eq!(ok.outputs.len(), 2);
    assert_eq!(ok.outputs[0].path, out.path().join("bridge-thumb-256.jpg"));
    assert_eq!((ok.outputs[0].width, ok.outputs[0].height), (256, 161));
    assert_eq!((ok.outputs[1].width, ok.outputs[1].height), (1200, 630));
    assert_eq!(ok.shrink_on_load, 1, "og-1200x630 needs the full decode");
    let err = outcomes[1].result.as_ref().unwrap_err().to_string();
    assert!(
        err.contains("truncated.jpg") && err.contains("truncated"),
        "{err}"
    );
    assert!(outcomes[2].result.is_ok());
    let err = outcomes[3].result.as_ref().unwrap_err().to_string();
    assert!(err.contains("missing-file.jpg"), "{err}");
    // Nothing half-written: only complete renditions, no temporary files left behind.
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "bridge-og-1200x630.jpg",
            "bridge-thumb-256.jpg",
            "palette-og-1200x630.jpg",
            "palette-thumb-256.jpg"
        ]
    );
}

#[test]
fn a_batch_hook_renders_some_inputs_from_other_bytes() {
    // E.g. a RAW file rendered from its embedded preview: here a ".raw" name stands for
    // bridge.jpg's bytes; the other input takes the normal path.
    let out = tempfile::tempdir().unwrap();
    let specs = [RenditionSpec::long_edge("t", 64)];
    let fake = out.path().join("camera.raw");
    let inputs = vec![fake.clone(), data("orient-1.jpg")];
    let renderer = Renderer::new();
    let bridge = std::fs::read(data("bridge.jpg")).unwrap();
    let outcomes = render_batch_with(
        &renderer,
        &inputs,
        &specs,
        out.path(),
        |input| {
            (input.extension()? == "raw")
                .then(|| renderer.render_bytes_into(input, &bridge, &specs, out.path()))
        },
        |_| {},
    );
    let first = outcomes[0].result.as_ref().unwrap();
    assert_eq!(first.outputs[0].path, out.path().join("camera-t.jpg"));
    assert_eq!((first.outputs[0].width, first.outputs[0].height), (64, 40));
    assert!(out.path().join("camera-t.jpg").is_file());
    assert!(outcomes[1].result.is_ok());
    assert!(out.path().join("orient-1-t.jpg").is_file());
}

#[test]
fn colliding_stems_are_refused_not_overwritten() {
    let out = tempfile::tempdir().unwrap();
    let specs = [RenditionSpec::long_edge("t", 32)];
    let inputs = vec![data("orient-1.jpg"), data("orient-1.jpg")];
    let outcomes = render_batch(&Renderer::new(), &inputs, &specs, out.path(), |_| {});
    assert!(outcomes[0].result.is_ok());
    let err = outcomes[1].result.as_ref().unwrap_err().to_string();
    assert!(err.contains("collide"), "{err}");
}

#[test]
fn a_failed_render_leaves_the_old_file_untouched() {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("truncated-t.jpg");
    std::fs::write(&target, b"old").unwrap();
    let r = Renderer::new().render_file(
        &bad("truncated.jpg"),
        &[RenditionSpec::long_edge("t", 32)],
        out.path(),
    );
    assert!(r.is_err());
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1);
}

#[test]
fn watermark_is_drawn_from_a_png_with_alpha() {
    let out = tempfile::tempdir().unwrap();
    let mut spec = RenditionSpec::long_edge("wm", 400);
    let mut mark = damkit_rendition::Watermark::new(data("rgba.png"));
    mark.opacity = 1.0;
    mark.scale = 0.5;
    spec.watermark = Some(mark.clone());
    spec.format = damkit_rendition::Format::Png;
    let plain = RenditionSpec {
        name: "plain".into(),
        watermark: None,
        ..spec.clone()
    };
    let bytes = std::fs::read(data("bridge.jpg")).unwrap();
    let r = Renderer::new();
    let with = r.render_pixels(&bytes, &spec).unwrap();
    let without = r.render_pixels(&bytes, &plain).unwrap();
    let changed = |x0: usize, y0: usize, x1: usize, y1: usize| {
        let mut n = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                let i = (y * 400 + x) * 3;
                if with.data[i..i + 3] != without.data[i..i + 3] {
                    n += 1;
                }
            }
        }
        n
    };
    // Bottom-right quarter (minus the margin) changed, top-left untouched.
    assert!(changed(250, 180, 380, 235) > 1000);
    assert_eq!(changed(0, 0, 150, 100), 0);
    // A missing watermark file is a clear error naming it.
    spec.watermark = Some(damkit_rendition::Watermark::new(
        out.path().join("nope.png"),
    ));
    let err = r.render_pixels(&bytes, &spec).unwrap_err().to_string();
    assert!(err.contains("nope.png"), "{err}");
}

#[test]
fn a_file_rendered_at_one_eighth_is_streamed_with_the_same_result() {
    // 1600x1004 to 64 px: 1/8 shrink-on-load, which render_file streams from the file
    // through the DC decoder (never reading it whole); the result must equal the in-memory
    // path's, metadata included.
    let out = tempfile::tempdir().unwrap();
    let spec = RenditionSpec::long_edge("t", 64);
    let r = Renderer::new();
    // PNG and TIFF are decoded from the file through a buffered reader.
    for name in [
        "bridge.jpg",
        "orient-6.jpg",
        "cmyk.jpg",
        "progressive.jpg",
        "rgb16.png",
        "rgb16.tif",
        "cmyk.tif",
        "rgba.png",
        "palette.png",
    ] {
        let bytes = std::fs::read(data(name)).unwrap();
        let in_memory = r.render_bytes(&bytes, std::slice::from_ref(&spec)).unwrap();
        let report = r
            .render_file(&data(name), std::slice::from_ref(&spec), out.path())
            .unwrap();
        assert_eq!(report.shrink_on_load, in_memory.shrink_on_load, "{name}");
        let written = std::fs::read(&report.outputs[0].path).unwrap();
        assert_eq!(written, in_memory.renditions[0].data, "{name}");
    }
    // A truncated JPEG still fails in strict mode (the streamed path refuses files without
    // an end-of-image marker and the whole-file path reports them), and decodes leniently.
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(data("bridge.jpg")).unwrap();
    let cut = dir.path().join("cut.jpg");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let e = r
        .render_file(&cut, std::slice::from_ref(&spec), out.path())
        .unwrap_err()
        .to_string();
    assert!(e.contains("end-of-image"), "{e}");
    let lenient = Renderer::new()
        .lenient(true)
        .render_file(&cut, std::slice::from_ref(&spec), out.path())
        .unwrap();
    assert_eq!(lenient.shrink_on_load, 8);
    assert!(!lenient.warnings.is_empty());
}
