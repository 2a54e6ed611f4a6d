//! damkit-core's 1/8-scale DC JPEG decoder, baseline and progressive (used by
//! damkit-rendition's shrink-on-load and damkit-dedup's fingerprints) on any bytes, under
//! tight limits: never a panic, never an allocation past the budget; a decoded image has
//! `ceil(w/8) x ceil(h/8)` pixels of the frame `dc_probe` saw, and the luma plane agrees in
//! size; the streamed decode (`decode_dc_read`) gives the same result as the slice one.
#![no_main]

use damkit_core::Limits;
use damkit_core::jpeg::{dc_probe, decode_dc, decode_dc_luma, decode_dc_read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default()
        .with_max_dimensions(8192, 8192)
        .with_max_pixels(16_000_000)
        .with_max_alloc(16 << 20);
    let probe = dc_probe(data);
    let whole = decode_dc(data, &limits);
    // The streamed decode (small reads: chunk boundaries everywhere) agrees with the slice one.
    let streamed = decode_dc_read(Trickle(data), &limits);
    assert_eq!(
        streamed.as_ref().ok().cloned().flatten(),
        whole.as_ref().ok().cloned().flatten()
    );
    if let Ok(Some(img)) = whole {
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

/// A reader handing out 7 bytes at a time.
struct Trickle<'a>(&'a [u8]);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(7).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}
