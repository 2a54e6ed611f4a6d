//! Integration tests of damkit-rights.

mod bad_input;
mod conformance;
mod dam;
mod model;
mod w3c;

use std::path::PathBuf;

/// A file of `tests/data`.
pub fn data(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(p)
}
