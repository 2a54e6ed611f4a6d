//! Decoding arbitrary bytes for perceptual hashing (limits enforced, scaled JPEG decode,
//! EXIF orientation) and fingerprinting what decodes: never a panic; hashes of a decoded
//! image are stable.
#![no_main]

use damkit_core::Limits;
use damkit_dedup::decode::{DecodeOptions, decode_luma};
use damkit_dedup::near::{Fingerprint, NearOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default()
        .with_max_pixels(1 << 22)
        .with_max_alloc(64 << 20);
    let decode = DecodeOptions {
        limits,
        ..DecodeOptions::default()
    };
    if let Ok(luma) = decode_luma(data, &decode) {
        let opts = NearOptions {
            decode,
            ..NearOptions::default()
        };
        let a = Fingerprint::of(&luma, &opts);
        assert_eq!(a.distance(&a), 0);
        assert_eq!(a.pdq_distance(&a), 0);
    }
});
