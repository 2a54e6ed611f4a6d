//! `damkit edit --library LIB ID --set FIELD=VALUE...`: change catalog fields, audited.

use std::path::PathBuf;

use damkit::AssetId;
use damkit::library::{Edit, default_actor};

use crate::cmd::ingest::{library_error, open_library};
use crate::output::{self, Status};

/// Edit an asset's catalog fields: `title=...`, `description=...`, `keywords=a,b`,
/// `keywords+=a`, `keywords-=a`, `status=in_review`. All edits apply together or not at all,
/// each change is audited. The catalog only: writing into the file comes with damkit-metadata.
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
        output::warn(
            "edit",
            "changed in the catalog only; writing metadata into the file comes with \
             damkit-metadata (not wired yet)",
        );
    }
    Status::Success
}
