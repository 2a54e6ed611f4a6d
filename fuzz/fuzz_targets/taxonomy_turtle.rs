//! SKOS in Turtle: interpretation, lint, hierarchy and autocomplete never panic or hang.
#![no_main]

use damkit_taxonomy::skos::{RdfSyntax, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = parse(data, RdfSyntax::Turtle, "fuzz.ttl") else {
        return;
    };
    let _ = damkit_taxonomy::lint(&v);
    for c in v.concept_ids().take(16) {
        let _ = v.paths(c, &["en"]);
        let _ = v.expand_for_index(&[c]);
    }
    let ac = damkit_taxonomy::Autocomplete::new(&v);
    let _ = ac.suggest(&v, "a", Some("en"), 5);
    // Fuzzy tiers (Levenshtein walks over the index) and a wide limit.
    let _ = ac.suggest(&v, "abcdefgh", None, 50);
    let _ = damkit_taxonomy::export(&v, damkit_taxonomy::ExportFormat::Csv, &[]);
    let _ = damkit_taxonomy::export(&v, damkit_taxonomy::ExportFormat::Lightroom, &[]);
});
