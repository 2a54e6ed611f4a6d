//! Media-type detection on arbitrary bytes, with and without an extension hint: it must never
//! panic, and a hint must never override a signature it contradicts.
#![no_main]

use damkit_core::MediaType;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let plain = MediaType::detect(data);
    for hint in ["nef", "jpg", "xmp", "cr2", "tif"] {
        let hinted = MediaType::detect_with_hint(data, Some(hint));
        // A hint only refines a TIFF-structured file into a RAW format.
        if plain != hinted {
            assert_eq!(plain, Some(MediaType::Tiff), "hint {hint} changed {plain:?}");
            assert!(hinted.is_some_and(MediaType::is_tiff_based));
        }
    }
});
