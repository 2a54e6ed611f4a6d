//! `damkit reindex --library LIB [--json]`: rebuild the search index from the catalog.

use std::path::PathBuf;

use crate::cmd::ingest::{library_error, open_library};
use crate::output::{self, Status};

/// Rebuild the library's search index (`LIB/index/`) from the catalog, from scratch. The new
/// index replaces the old one atomically; searches running meanwhile use the old one.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The library folder.
    #[arg(long, short = 'l', value_name = "LIB")]
    pub library: PathBuf,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `damkit reindex`: prints the number of records, the time and the new index folder;
/// exits 1 when some assets could not be indexed, 2 when the rebuild failed (the old index
/// stays live).
pub fn run(args: Args) -> Status {
    let lib = match open_library(&args.library) {
        Ok(l) => l,
        Err(e) => return output::fatal("reindex", &e),
    };
    match lib.reindex() {
        Ok(report) => {
            for f in &report.failures {
                output::warn("reindex", f);
            }
            if args.json {
                if let Err(e) = output::print_json(&report) {
                    return output::fatal("reindex", &e);
                }
            } else {
                println!(
                    "reindexed {} assets in {:.0} ms into {} ({} failed)",
                    report.records,
                    report.elapsed_ms,
                    report.path.display(),
                    report.failures.len()
                );
            }
            Status::from_failures(report.failures.len())
        }
        Err(e) => library_error("reindex", e),
    }
}
