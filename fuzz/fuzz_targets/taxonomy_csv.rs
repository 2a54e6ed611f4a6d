//! CSV keyword lists: reading never panics; the result normalises and lints.
#![no_main]

use damkit_taxonomy::csv::{ReadOptions, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok((v, _)) = parse(data, "fuzz.csv", &ReadOptions::default()) else {
        return;
    };
    let n = damkit_taxonomy::Normalizer::new(&v, damkit_taxonomy::NormalizeOptions::default());
    for c in v.concepts().take(8) {
        if let Some(l) = c.pref_label(&[]) {
            assert!(!n.normalize(l).candidates.is_empty(), "{l:?}");
        }
    }
    let _ = damkit_taxonomy::lint(&v);
});
