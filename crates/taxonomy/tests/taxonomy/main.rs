//! Integration tests of damkit-taxonomy.

mod bad;
mod hierarchy;
mod import;
mod lint;
mod normalize;
mod roundtrip;
mod suggest;

use std::path::{Path, PathBuf};

use damkit_taxonomy::{ConceptId, Vocabulary};

#[allow(missing_docs)]
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[allow(missing_docs)]
pub fn bad(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad")
        .join(name)
}

/// `../shared/data/taxonomy` when present (skips with a note otherwise).
#[allow(missing_docs)]
pub fn shared(rel: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/data/taxonomy");
    let candidates = [root, PathBuf::from("/work/shared/data/taxonomy")];
    for c in candidates {
        let p = c.join(rel);
        if p.exists() {
            return Some(p);
        }
    }
    eprintln!("note: shared data {rel} absent, skipping");
    None
}

#[allow(missing_docs)]
pub fn load(name: &str) -> Vocabulary {
    damkit_taxonomy::load_path(&data(name)).unwrap().0
}

#[allow(missing_docs)]
pub fn by_label(v: &Vocabulary, label: &str) -> ConceptId {
    v.concepts()
        .find(|c| c.labels().any(|l| l.text == label))
        .unwrap_or_else(|| panic!("no concept labelled {label}"))
        .id()
}
