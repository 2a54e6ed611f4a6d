//! `damkit show --library LIB ID`: everything the catalog has on an asset.

use std::path::PathBuf;

use damkit::AssetId;
use damkit::library::{AssetView, RightsUse, UseCheck};

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
    /// Check a use against the lifecycle and every rights layer (licence and library
    /// rules): the ODRL action, e.g. `distribute`. The other `--use-*` flags give its
    /// context; context left out is unknown, and a rule that constrains it does not permit.
    #[arg(long, value_name = "ACTION")]
    pub check: Option<String>,
    /// The use's delivery channel (`web`, `print`, `social`...), with `--check`.
    #[arg(long, value_name = "CHANNEL", requires = "check")]
    pub channel: Option<String>,
    /// The use's territory (ISO 3166 code), with `--check`.
    #[arg(long, value_name = "CODE", requires = "check")]
    pub territory: Option<String>,
    /// The use's time (RFC 3339; default now), with `--check`.
    #[arg(long, value_name = "TIME", requires = "check")]
    pub at: Option<jiff::Timestamp>,
    /// The use's purpose (`editorial`, `advertising`...), with `--check`.
    #[arg(long, value_name = "PURPOSE", requires = "check")]
    pub purpose: Option<String>,
    /// The use's media, with `--check`.
    #[arg(long, value_name = "MEDIA", requires = "check")]
    pub media: Option<String>,
}

/// The JSON of `show --check`: the asset and the decision.
#[derive(serde::Serialize)]
struct Checked<'a> {
    #[serde(flatten)]
    asset: &'a AssetView,
    check: &'a UseCheck,
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
    let check = match &args.check {
        None => None,
        Some(action) => {
            let mut u = RightsUse::action(action.clone());
            u.territory = args.territory.clone();
            u.channel = args.channel.clone();
            u.at = args.at;
            u.purpose = args.purpose.clone();
            u.media = args.media.clone();
            match lib.check_use(&args.id, &u) {
                Ok(c) => Some(c),
                Err(e) => return library_error("show", e),
            }
        }
    };
    if args.json {
        let r = match &check {
            Some(c) => output::print_json(&Checked {
                asset: &asset,
                check: c,
            }),
            None => output::print_json(&asset),
        };
        if let Err(e) = r {
            return output::fatal("show", &e);
        }
    } else {
        print_asset(&asset);
        if let Some(c) = &check {
            print_check(c);
        }
    }
    Status::Success
}

fn print_check(c: &UseCheck) {
    let u = &c.use_;
    let ctx: Vec<String> = [
        ("channel", &u.channel),
        ("territory", &u.territory),
        ("purpose", &u.purpose),
        ("media", &u.media),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
    .chain(u.at.map(|t| format!("at {t}")))
    .collect();
    println!(
        "check       {} ({}): {}",
        u.action,
        ctx.join(", "),
        if c.allowed { "ALLOWED" } else { "NOT ALLOWED" }
    );
    println!(
        "  lifecycle {} ({})",
        c.lifecycle,
        if c.lifecycle_ok { "ok" } else { "not approved" }
    );
    if c.layers.is_empty() {
        println!("  rights    none recorded: nothing forbids it");
    }
    for l in &c.layers {
        println!("  {:<9} {} ({})", l.layer, l.decision, l.source);
    }
    for r in &c.reasons {
        println!("  why       {r}");
    }
}

fn print_asset(a: &AssetView) {
    let none = "-".to_string();
    println!("asset       {}", a.id);
    println!(
        "status      {} (distributable: {}{})",
        a.status,
        a.distributable,
        a.distribution_blocked_by
            .as_ref()
            .map_or_else(String::new, |b| format!(": {b}"))
    );
    let next: Vec<&str> = a.allowed_transitions.iter().map(|s| s.as_str()).collect();
    println!("next        {}", next.join(", "));
    println!("title       {}", a.title.as_ref().unwrap_or(&none));
    println!("description {}", a.description.as_ref().unwrap_or(&none));
    let kw: Vec<String> = a
        .keywords
        .iter()
        .map(|k| match (&k.vocabulary, &k.concept) {
            (Some(v), Some(c)) => format!("{} [{v}: {c}]", k.keyword),
            _ => k.keyword.clone(),
        })
        .collect();
    println!(
        "keywords    {}",
        if kw.is_empty() {
            none.clone()
        } else {
            kw.join(", ")
        }
    );
    match (&a.rights_source, &a.rights) {
        (Some(source), Some(policy)) => {
            println!(
                "rights      from {source}; ends {}",
                a.rights_expires_at.as_deref().unwrap_or("never")
            );
            println!("            {policy}");
        }
        _ => println!("rights      none recorded"),
    }
    for p in &a.rights_provenance {
        println!("  {:<9} {}: {}", p.layer, p.source, p.detail);
    }
    if let Some(rules) = &a.rights_rules {
        println!("  rules     {rules}");
    }
    match &a.near_group {
        Some(g) => {
            let others: Vec<String> = g.others.iter().map(|o| o.to_string()).collect();
            println!("near group  {} (with {})", g.group, others.join(", "));
        }
        None => println!("near group  none"),
    }
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
        match &v.metadata {
            None => println!("       metadata: none recorded"),
            Some(m) => {
                let f = damkit::library::AssetFacts::from_metadata_json(m);
                let n = m.as_object().map_or(0, |o| o.len());
                let mut parts = vec![format!("{n} tags")];
                if let (Some(w), Some(h)) = (f.width, f.height) {
                    parts.push(format!("{w}x{h}"));
                }
                if let Some(d) = &f.date_taken {
                    parts.push(format!("taken {d}"));
                }
                let camera: Vec<&str> = [&f.camera_make, &f.camera_model]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                if !camera.is_empty() {
                    parts.push(camera.join(" "));
                }
                if let (Some(la), Some(lo)) = (f.latitude, f.longitude) {
                    parts.push(format!("GPS {la:.5},{lo:.5}"));
                }
                println!("       metadata: {}", parts.join(", "));
            }
        }
        for (k, h) in v
            .hashes
            .iter()
            .filter(|(k, _)| matches!(k.as_str(), "content" | "phash" | "dhash" | "pdq"))
        {
            println!("       {k:<9} {h}");
        }
        if v.renditions.is_empty() {
            println!("       renditions: none");
        }
        for r in &v.renditions {
            println!(
                "       rendition {:<8} {}x{} {} ({} bytes) {}",
                r.preset, r.width, r.height, r.mime, r.size, r.path
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
