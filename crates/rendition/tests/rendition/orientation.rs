//! All eight EXIF orientations give the same display image (checked against ImageMagick's
//! `-auto-orient`, which produced `orient-display.png` from the stored pixels).

use damkit_rendition::{Fit, Renderer, RenditionSpec, probe};

use crate::support::{data, psnr, read, rgb_of};

#[test]
fn all_eight_orientations_display_upright() {
    let display = rgb_of(&read(&data("orient-display.png")));
    let renderer = Renderer::new();
    for n in 1..=8u8 {
        let bytes = read(&data(&format!("orient-{n}.jpg")));
        let info = probe(&bytes, renderer.limits()).unwrap();
        assert_eq!(info.orientation.0, n);
        assert_eq!(info.display_size(), (120, 80));
        // Large enough that no resize happens: pure orientation.
        let out = renderer
            .render_pixels(&bytes, &RenditionSpec::long_edge("t", 512))
            .unwrap();
        let p = psnr(&out, &display);
        assert!(p > 35.0, "orientation {n}: {p:.1} dB");
    }
}

#[test]
fn crops_follow_the_display_orientation() {
    // A north-gravity square crop of the display image keeps its top (the red marker at
    // x 4..30, y 4..20), whatever the stored orientation.
    let mut spec = RenditionSpec::boxed("sq", Fit::Cover, 80, 80);
    spec.gravity = damkit_rendition::Gravity::West;
    let renderer = Renderer::new();
    for n in 1..=8u8 {
        let out = renderer
            .render_pixels(&read(&data(&format!("orient-{n}.jpg"))), &spec)
            .unwrap();
        assert_eq!((out.width, out.height), (80, 80));
        let px = |x: usize, y: usize| &out.data[(y * 80 + x) * 3..(y * 80 + x) * 3 + 3];
        let red = px(15, 12);
        assert!(red[0] > 180 && red[1] < 80, "orientation {n}: {red:?}");
    }
}
