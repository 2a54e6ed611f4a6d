//! `damkit status --library LIB ID [STATUS]`: show or change an asset's lifecycle status.

use std::path::PathBuf;

use damkit::AssetId;
use damkit::library::{LifecycleStatus, default_actor};

use crate::cmd::ingest::{library_error, open_library};
use crate::output::{self, Status};

/// Show an asset's lifecycle status and allowed transitions, or move it to STATUS (draft,
/// in_review, approved, archived, expired) if the rules allow. Only approved assets are
/// distributable.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The library folder.
    #[arg(long, short = 'l', value_name = "LIB")]
    pub library: PathBuf,
    /// The asset id.
    pub id: AssetId,
    /// The new status; without it, the current one is shown.
    pub status: Option<String>,
    /// Who changes it, for the audit log (default: $USER).
    #[arg(long)]
    pub actor: Option<String>,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(serde::Serialize)]
struct StatusOut {
    id: AssetId,
    from: Option<LifecycleStatus>,
    status: LifecycleStatus,
    distributable: bool,
    allowed_transitions: Vec<LifecycleStatus>,
}

/// Runs `damkit status`.
pub fn run(args: Args) -> Status {
    let target = match args.status.as_deref().map(str::parse::<LifecycleStatus>) {
        Some(Err(e)) => {
            output::warn("status", e);
            return Status::Fatal;
        }
        Some(Ok(s)) => Some(s),
        None => None,
    };
    let lib = match open_library(&args.library) {
        Ok(l) => l,
        Err(e) => return output::fatal("status", &e),
    };
    let mut from = None;
    if let Some(to) = target {
        let actor = args.actor.clone().unwrap_or_else(default_actor);
        match lib.set_status(&args.id, to, &actor) {
            Ok(t) => from = Some(t.from),
            Err(e) => return library_error("status", e),
        }
    }
    let asset = match lib.asset(&args.id) {
        Ok(a) => a,
        Err(e) => return library_error("status", e),
    };
    let out = StatusOut {
        id: asset.id,
        from,
        status: asset.status,
        distributable: asset.distributable,
        allowed_transitions: asset.allowed_transitions,
    };
    if args.json {
        if let Err(e) = output::print_json(&out) {
            return output::fatal("status", &e);
        }
    } else {
        match out.from {
            Some(f) if f != out.status => println!("{}: {} -> {}", out.id, f, out.status),
            _ => println!("{}: {}", out.id, out.status),
        }
        let next: Vec<&str> = out.allowed_transitions.iter().map(|s| s.as_str()).collect();
        println!(
            "distributable: {}; allowed next: {}",
            out.distributable,
            next.join(", ")
        );
    }
    Status::Success
}
