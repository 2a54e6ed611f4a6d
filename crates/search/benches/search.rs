//! Benches (written next).
fn main() {}
