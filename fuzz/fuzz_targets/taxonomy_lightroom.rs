//! Lightroom keyword lists: reading never panics, and write → read → write is stable.
#![no_main]

use damkit_taxonomy::lightroom::{ReadOptions, parse, write};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse(data, "fuzz", &ReadOptions::strict());
    let Ok((v, _)) = parse(data, "fuzz", &ReadOptions::default()) else {
        return;
    };
    let Ok(first) = write(&v, &[]) else { return };
    let (again, warnings) = parse(first.as_bytes(), "again", &ReadOptions::default())
        .expect("a written list reads back");
    assert!(warnings.is_empty(), "{warnings:?}\n{first}");
    let second = write(&again, &[]).expect("writes again");
    assert_eq!(first, second);
    let _ = damkit_taxonomy::lint(&v);
});
