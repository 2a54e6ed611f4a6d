#![no_main]
//! Whole-file read (container, EXIF, IIM, XMP, MWG) in lenient and strict modes.

use damkit_metadata::{ReadOptions, read_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(md) = read_bytes(data, &ReadOptions::default()) {
        let _ = md.to_exiftool_json();
        let _ = md.photo();
    }
    let _ = read_bytes(data, &ReadOptions::default().strict(true));
});
