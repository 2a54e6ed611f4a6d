//! damkit-core's 1/8-scale DC JPEG decoder (used by damkit-rendition's shrink-on-load and
//! damkit-dedup's fingerprints) on any bytes, under tight limits: never a panic, never an
//! allocation past the budget; a decoded image has `ceil(w/8) x ceil(h/8)` pixels of the
//! frame `dc_probe` saw, and the luma plane agrees in size.
#![no_main]

use damkit_core::Limits;
use damkit_core::jpeg::{dc_probe, decode_dc, decode_dc_luma};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default()
        .with_max_dimensions(8192, 8192)
        .with_max_pixels(16_000_000)
        .with_max_alloc(16 << 20);
    let probe = dc_probe(data);
    if let Ok(Some(img)) = decode_dc(data, &limits) {
        let (w, h) = probe.expect("decoded, so the probe saw a supported frame");
        assert_eq!((img.width, img.height), (w.div_ceil(8), h.div_ceil(8)));
        assert_eq!(
            img.data.len(),
            img.width as usize * img.height as usize * img.color.channels()
        );
    }
    if let Ok(Some(luma)) = decode_dc_luma(data, &limits) {
        let (w, h) = probe.expect("decoded, so the probe saw a supported frame");
        assert_eq!((luma.width, luma.height), (w.div_ceil(8), h.div_ceil(8)));
        assert_eq!(luma.values.len(), w.div_ceil(8) as usize * h.div_ceil(8) as usize);
        assert!(luma.values.iter().all(|v| (0.0..=255.0).contains(v)));
    }
});
