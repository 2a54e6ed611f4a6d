//! `damkit edit --library LIB ID --set FIELD=VALUE...`: change an asset's fields (written
//! back into the file or its sidecar, then the catalog), audited.

use std::path::PathBuf;

use damkit::AssetId;
use damkit::library::{Edit, default_actor};

use crate::cmd::ingest::{library_error, open_library};
use crate::output::{self, Status};

/// Edit an asset's catalog fields: `title=...`, `description=...`, `keywords=a,b`,
/// `keywords+=a`, `keywords-=a`, `status=in_review`. All edits apply together or not at all,
/// each change is audited. Title, description and keywords are written into the original
/// (embedded XMP) or an XMP sidecar first, as the library's `metadata.write_back` says; if
/// that fails nothing changes.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The library folder.
    #[arg(long, short = 'l', value_name = "LIB")]
    pub library: PathBuf,
    /// The asset id.
    pub id: AssetId,
    /// FIELD=VALUE (repeatable).
    #[arg(long = "set", value_name = "FIELD=VALUE", required = true)]
    pub set: Vec<String>,
    /// Who edits, for the audit log (default: $USER).
    #[arg(long)]
    pub actor: Option<String>,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `damkit edit`.
pub fn run(args: Args) -> Status {
    let mut edits = Vec::new();
    for s in &args.set {
        match s.parse::<Edit>() {
            Ok(e) => edits.push(e),
            Err(e) => return library_error("edit", e),
        }
    }
    let lib = match open_library(&args.library) {
        Ok(l) => l,
        Err(e) => return output::fatal("edit", &e),
    };
    let actor = args.actor.clone().unwrap_or_else(default_actor);
    let report = match lib.edit(&args.id, &edits, &actor) {
        Ok(r) => r,
        Err(e) => return library_error("edit", e),
    };
    if args.json {
        if let Err(e) = output::print_json(&report) {
            return output::fatal("edit", &e);
        }
    } else {
        if report.changes.is_empty() {
            println!("{}: nothing changed", report.id);
        }
        for c in &report.changes {
            println!("{}: {}: {} -> {}", report.id, c.field, c.from, c.to);
        }
        if let Some(w) = &report.write_back {
            if let Some(p) = &w.written {
                println!(
                    "written into {}{}",
                    p.display(),
                    if w.sidecar { " (XMP sidecar)" } else { "" }
                );
            }
            if let Some(v) = w.new_version {
                println!("the rewritten file is recorded as version {v}");
            }
        }
    }
    Status::Success
}
