//! Integration tests of damkit-metadata.

mod bad;
mod fidelity;
mod previews;
mod read;
mod sparse;
mod write;

use std::path::PathBuf;

/// A bundled test file.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A bundled broken file.
pub fn bad(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad")
        .join(name)
}

/// `../shared/data/metadata` when present.
pub fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/metadata");
    let p2 = PathBuf::from("/work/shared/data/metadata");
    [p, p2]
        .into_iter()
        .find(|p| p.join("exiftool-G1.json").is_file())
}
