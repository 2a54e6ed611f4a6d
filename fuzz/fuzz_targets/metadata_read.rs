#![no_main]
//! Whole-file read (container, EXIF, IIM, XMP, MWG) in lenient and strict modes; the sparse
//! (seekable) read gives the same tags as the in-memory read.

use damkit_metadata::{ReadOptions, read_bytes, read_seekable_always_sparse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = read_bytes(data, &ReadOptions::default());
    if let Ok(md) = &whole {
        let _ = md.to_exiftool_json();
        let _ = md.photo();
    }
    let sparse = read_seekable_always_sparse(
        &mut std::io::Cursor::new(data),
        &ReadOptions::default(),
    );
    if let (Ok(a), Ok(b)) = (&whole, &sparse)
        && !data.starts_with(&[0xFF, 0xD8])
    {
        // JPEG is cut at SOS when read from a stream; the other containers must agree fully
        assert_eq!(a.tags, b.tags, "sparse read differs from the whole read");
    }
    let _ = read_bytes(data, &ReadOptions::default().strict(true));
});
