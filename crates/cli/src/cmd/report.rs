//! `damkit report --library LIB dupes|rights|vocab|stats`: library reports.

use std::path::PathBuf;

use crate::cmd::ingest::{library_error, open_library};
use crate::output::{self, Status};

/// Library reports: duplicates (exact, content, near), rights expiring soon, unknown
/// keywords, statistics.
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
    /// Duplicates: exact (same bytes), content (same pixels) and near (perceptually close).
    Dupes,
    /// Rights expired, expiring within N days, or not yet valid, with the reason.
    Rights,
    /// Keywords not in the configured vocabularies, with suggestions.
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
                for g in d.content.iter().chain(&d.near) {
                    match &g.content_hash {
                        Some(h) => println!("content {h} ({} assets)", g.members.len()),
                        None => println!(
                            "near group {} ({} assets)",
                            g.group.as_deref().unwrap_or("-"),
                            g.members.len()
                        ),
                    }
                    for m in &g.members {
                        let pdq = m
                            .pdq_distance
                            .map_or_else(String::new, |p| format!(" pdq {p:>3}"));
                        println!(
                            "  {} distance {:>2}{pdq} {}",
                            m.id,
                            m.distance,
                            m.path.display()
                        );
                    }
                }
                println!(
                    "{} groups of exact duplicates ({} bytes in extra copies), {} of content \
                     duplicates, {} of near duplicates",
                    d.exact.len(),
                    d.wasted_bytes,
                    d.content.len(),
                    d.near.len()
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
            .map(|r| {
                if args.json {
                    output::print_json(&r)
                } else {
                    for a in &r.alerts {
                        println!(
                            "{} {:<13} {} [{}] {}",
                            a.id,
                            a.status,
                            a.title.as_deref().unwrap_or("-"),
                            a.source,
                            a.reason
                        );
                        if !a.hints.is_empty() {
                            println!("  hints: {}", a.hints.join(", "));
                        }
                    }
                    println!(
                        "{} assets need attention within {} days ({} with rights, {} without)",
                        r.alerts.len(),
                        r.horizon_days,
                        r.with_rights,
                        r.without_rights
                    );
                    Ok(())
                }
            }),
        Kind::Vocab => lib.vocabulary_report().map(|r| {
            if args.json {
                output::print_json(&r)
            } else {
                for v in &r.vocabularies {
                    match (&v.concepts, &v.error) {
                        (Some(n), _) => {
                            println!("vocabulary {} ({n} concepts) {}", v.name, v.path.display());
                        }
                        (None, e) => println!(
                            "vocabulary {} NOT LOADED: {}",
                            v.name,
                            e.as_deref().unwrap_or("?")
                        ),
                    }
                }
                for u in &r.unknown {
                    let s: Vec<String> = u
                        .suggestions
                        .iter()
                        .map(|s| format!("{} ({})", s.label, s.vocabulary))
                        .collect();
                    println!(
                        "{:<12} {:<24} {} asset(s){}",
                        u.status,
                        u.keyword,
                        u.assets,
                        if s.is_empty() {
                            String::new()
                        } else {
                            format!("  did you mean: {}", s.join(", "))
                        }
                    );
                }
                println!(
                    "{} keywords, {} controlled, {} without a concept",
                    r.keywords,
                    r.controlled,
                    r.unknown.len()
                );
                Ok(())
            }
        }),
    };
    match printed {
        Ok(Ok(())) => Status::Success,
        Ok(Err(e)) => output::fatal("report", &e),
        Err(e) => library_error("report", e),
    }
}
