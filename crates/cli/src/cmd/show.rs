//! `damkit show --library LIB ID`: everything the catalog has on an asset.

use std::path::PathBuf;

use damkit::AssetId;
use damkit::library::AssetView;

use crate::cmd::ingest::{library_error, open_library};
use crate::output::{self, Status};

/// Show an asset: status, versions, files, keywords, renditions, audit trail.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The library folder.
    #[arg(long, short = 'l', value_name = "LIB")]
    pub library: PathBuf,
    /// The asset id.
    pub id: AssetId,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `damkit show`.
pub fn run(args: Args) -> Status {
    let lib = match open_library(&args.library) {
        Ok(l) => l,
        Err(e) => return output::fatal("show", &e),
    };
    let asset = match lib.asset(&args.id) {
        Ok(a) => a,
        Err(e) => return library_error("show", e),
    };
    if args.json {
        if let Err(e) = output::print_json(&asset) {
            return output::fatal("show", &e);
        }
    } else {
        print_asset(&asset);
    }
    Status::Success
}

fn print_asset(a: &AssetView) {
    let none = "-".to_string();
    println!("asset       {}", a.id);
    println!(
        "status      {} (distributable: {})",
        a.status, a.distributable
    );
    let next: Vec<&str> = a.allowed_transitions.iter().map(|s| s.as_str()).collect();
    println!("next        {}", next.join(", "));
    println!("title       {}", a.title.as_ref().unwrap_or(&none));
    println!("description {}", a.description.as_ref().unwrap_or(&none));
    let kw: Vec<&str> = a.keywords.iter().map(|k| k.keyword.as_str()).collect();
    println!(
        "keywords    {}",
        if kw.is_empty() {
            none.clone()
        } else {
            kw.join(", ")
        }
    );
    println!(
        "rights      {}",
        a.rights.as_ref().map_or_else(
            || "none recorded (rights stage not wired yet)".into(),
            |r| r.to_string()
        )
    );
    println!("created     {}   updated {}", a.created_at, a.updated_at);
    println!("versions");
    for v in &a.versions {
        println!(
            "  {}{:<3} {}  {:>10} bytes  {:<5} {}  {}",
            if v.current { "*" } else { " " },
            v.number,
            v.created_at,
            v.size,
            v.media_type.as_deref().unwrap_or("-"),
            v.blake3,
            v.object.as_deref().unwrap_or("(referenced in place)")
        );
        if v.metadata.is_none() {
            println!("       metadata: none recorded (metadata stage not wired yet)");
        }
        if v.renditions.is_empty() {
            println!("       renditions: none (renditions stage not wired yet)");
        }
        for r in &v.renditions {
            println!(
                "       rendition {} {}x{} {}",
                r.preset, r.width, r.height, r.path
            );
        }
    }
    println!("files");
    for f in &a.files {
        println!("  {:<8} v{:<3} {}", f.role, f.version, f.path.display());
    }
    println!("audit");
    for e in &a.audit {
        println!("  {} {:<8} {:<12} {}", e.at, e.actor, e.action, e.detail);
    }
}
