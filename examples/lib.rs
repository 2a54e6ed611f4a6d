//! The examples package holds only examples: see `examples/*.rs` and `examples/README.md`.
