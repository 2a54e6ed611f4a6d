//! `damkit reindex --library LIB`: rebuild the search index from the catalog.

use std::path::PathBuf;

use crate::cmd::ingest::{library_error, open_library};
use crate::output::{self, Status};

/// Rebuild the library's search index (`LIB/index/`) from the catalog, from scratch.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The library folder.
    #[arg(long, short = 'l', value_name = "LIB")]
    pub library: PathBuf,
}

/// Runs `damkit reindex`: exits 2 with "search not wired yet" until damkit-search is part of
/// the library pipeline.
pub fn run(args: Args) -> Status {
    let lib = match open_library(&args.library) {
        Ok(l) => l,
        Err(e) => return output::fatal("reindex", &e),
    };
    match lib.reindex() {
        Ok(()) => {
            println!("rebuilt {}", lib.path().join("index").display());
            Status::Success
        }
        Err(e) => library_error("reindex", e),
    }
}
