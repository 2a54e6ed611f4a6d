//! One module per subcommand.

pub mod demo;
pub mod detect;
pub mod dupes;
pub mod ingest;
pub mod metadata;
pub mod render;
pub mod rights;
pub mod search;
pub mod vocab;
