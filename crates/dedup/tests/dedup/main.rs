//! Integration tests of damkit-dedup (one binary, modules per area).

mod content;
mod exact;
mod parity;

use std::path::PathBuf;

/// `tests/data/NAME`.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// `tests/bad/NAME`.
pub fn bad(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad")
        .join(name)
}

/// The CLI's bundled samples (in the repository, not in ../shared).
pub fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../cli/samples")
        .join(name)
}
