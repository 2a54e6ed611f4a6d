#![no_main]
//! IPTC-IIM parser: never panics; what parses cleanly round-trips through the writer.

use damkit_metadata::iim::{DEFAULT_MAX_DATASETS, IimBlock, IimCharset};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((block, err)) = IimBlock::parse(data, false, DEFAULT_MAX_DATASETS) {
        for ds in &block.datasets {
            let _ = block.decode(&ds.data, IimCharset::Auto);
        }
        if err.is_none() {
            let bytes = block.to_bytes();
            let (again, err2) = IimBlock::parse(&bytes, true, DEFAULT_MAX_DATASETS).expect("re-parse");
            assert!(err2.is_none());
            assert_eq!(again, block);
        }
    }
    let _ = IimBlock::parse(data, true, DEFAULT_MAX_DATASETS);
});
