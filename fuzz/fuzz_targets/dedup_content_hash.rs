//! The metadata-blind content hash's JPEG, PNG, TIFF and WebP payload parsers on arbitrary
//! bytes: never a panic, a hang or an unbounded allocation; deterministic; and for a JPEG,
//! inserting a COM (comment) segment after SOI never changes a successful hash.
#![no_main]

use damkit_dedup::content::content_hash;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let a = content_hash(data);
    let b = content_hash(data);
    match (&a, &b) {
        (Ok(x), Ok(y)) => assert_eq!(x, y),
        (Err(_), Err(_)) => {}
        _ => panic!("non-deterministic result"),
    }
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        if let Ok(h) = a {
            let mut with_com = vec![0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x06, b'n', b'o', b't', b'e'];
            with_com.extend_from_slice(&data[2..]);
            assert_eq!(content_hash(&with_com).ok(), Some(h));
        }
    }
});
