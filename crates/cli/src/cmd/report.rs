//! `damkit report --library LIB dupes|rights|vocab|stats`: library reports.

use std::path::PathBuf;

use crate::cmd::ingest::{library_error, open_library};
use crate::output::{self, Status};

/// Library reports: exact duplicates, rights expiring soon, unknown keywords, statistics.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The library folder.
    #[arg(long, short = 'l', value_name = "LIB")]
    pub library: PathBuf,
    /// Which report.
    #[arg(value_enum)]
    pub kind: Kind,
    /// For `rights`: the horizon in days (default: the library's rights.expiry_warning_days,
    /// else 30).
    #[arg(long)]
    pub days: Option<u32>,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The reports.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Kind {
    /// Exact duplicates (same BLAKE3).
    Dupes,
    /// Rights expiring within N days (not wired yet).
    Rights,
    /// Keywords not in the configured vocabularies (not wired yet).
    Vocab,
    /// Library statistics.
    Stats,
}

/// Runs `damkit report`.
pub fn run(args: Args) -> Status {
    let lib = match open_library(&args.library) {
        Ok(l) => l,
        Err(e) => return output::fatal("report", &e),
    };
    let printed = match args.kind {
        Kind::Dupes => lib.duplicates().map(|d| {
            if args.json {
                output::print_json(&d)
            } else {
                for g in &d.exact {
                    println!("{} ({} bytes, {} files)", g.blake3, g.size, g.members.len());
                    for m in &g.members {
                        println!("  {} {:<8} {}", m.id, m.role, m.path.display());
                    }
                }
                println!(
                    "{} groups of exact duplicates, {} bytes in extra copies (near duplicates \
                     come with damkit-dedup, not wired yet)",
                    d.exact.len(),
                    d.wasted_bytes
                );
                Ok(())
            }
        }),
        Kind::Stats => lib.stats().map(|s| {
            if args.json {
                output::print_json(&s)
            } else {
                println!("library   {}", s.library.display());
                println!(
                    "assets    {}   versions {}   files {}",
                    s.assets, s.versions, s.files
                );
                println!(
                    "bytes     {} current, {} stored in objects/",
                    s.current_bytes, s.stored_bytes
                );
                println!("status    {:?}", s.by_status);
                println!("types     {:?}", s.by_media_type);
                println!("files     {:?}", s.by_role);
                println!(
                    "keywords  {}   audit entries {}   catalog format {}",
                    s.keywords, s.audit_entries, s.catalog_format
                );
                Ok(())
            }
        }),
        Kind::Rights => lib
            .rights_report(
                args.days
                    .or(lib.config().rights.expiry_warning_days)
                    .unwrap_or(30),
            )
            .map(|()| Ok(())),
        Kind::Vocab => lib.vocabulary_report().map(|()| Ok(())),
    };
    match printed {
        Ok(Ok(())) => Status::Success,
        Ok(Err(e)) => output::fatal("report", &e),
        Err(e) => library_error("report", e),
    }
}
