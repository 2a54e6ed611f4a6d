#![no_main]
//! Whole-file read (container, EXIF, IIM, XMP, MWG) in lenient and strict modes; the sparse
//! (seekable) read gives the same tags as the in-memory read. The embedded RAW previews
//! (TIFF IFDs/SubIFDs, RAF, CR3) are listed without panics, and every listed preview lies in
//! the file and starts with a JPEG SOI.

use damkit_metadata::preview::{previews_in_bytes, read_preview_bytes};
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
    if let Ok(found) = previews_in_bytes(data) {
        for p in &found.previews {
            assert!(p.offset + p.len <= data.len() as u64, "preview past the end");
            let bytes = read_preview_bytes(data, p, u64::MAX).expect("listed preview readable");
            assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
        }
    }
});
