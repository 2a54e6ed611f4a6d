//! Decode + render any bytes under tight limits: never a panic, never an allocation past the
//! budget (the limits are checked against the header before decoding), and any output has
//! the size the spec asked for.
#![no_main]

use damkit_core::Limits;
use damkit_rendition::{Fit, Format, Renderer, RenditionSpec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default()
        .with_max_dimensions(4096, 4096)
        .with_max_pixels(4_000_000)
        .with_max_alloc(64 << 20);
    let lenient = data.first().is_some_and(|b| b & 1 == 1);
    let renderer = Renderer::new().with_limits(limits).lenient(lenient);
    let specs = [
        RenditionSpec::long_edge("t", 32),
        RenditionSpec {
            format: Format::Png,
            ..RenditionSpec::boxed("c", Fit::Cover, 16, 9)
        },
    ];
    if let Ok(out) = renderer.render_bytes(data, &specs) {
        assert_eq!(out.renditions.len(), 2);
        let c = &out.renditions[1];
        let (w, h) = (c.width, c.height);
        assert!(w <= 16 && h <= 9 && w >= 1 && h >= 1, "{w}x{h}");
    }
});
