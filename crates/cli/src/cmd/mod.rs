//! One module per subcommand.

pub mod demo;
pub mod detect;
pub mod dupes;
pub mod edit;
pub mod ingest;
pub mod metadata;
pub mod reindex;
pub mod render;
pub mod report;
pub mod rights;
pub mod search;
pub mod show;
pub mod status;
pub mod vocab;
