//! `damkit demo`: the README's first command. It writes the sample assets bundled in the
//! binary into a folder and shows, step by step, what each damkit crate does with them:
//! media types, metadata, renditions, duplicates, vocabulary, rights and search. Each step is
//! the `demo_step` function of its subcommand's module.

use std::path::PathBuf;

use damkit::AssetId;

use crate::cmd::detect;
use crate::output::{self, Status};

/// Walk through damkit on bundled sample files.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write the samples into this folder (created if missing) and keep it, instead of a
    /// temporary folder removed at the end.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Print JSON on stdout instead of the walkthrough.
    #[arg(long)]
    pub json: bool,
}

/// The sample assets, embedded at build time (see `samples/README.md` for sources and
/// licences).
pub const SAMPLES: &[(&str, &[u8])] = &[
    (
        "iptc-reference.jpg",
        include_bytes!("../../samples/iptc-reference.jpg"),
    ),
    (
        "olympus-pen-e-p3.jpg",
        include_bytes!("../../samples/olympus-pen-e-p3.jpg"),
    ),
    ("bridge.jpg", include_bytes!("../../samples/bridge.jpg")),
    (
        "bridge-rotated.jpg",
        include_bytes!("../../samples/bridge-rotated.jpg"),
    ),
    (
        "photoshop-all-metadata.png",
        include_bytes!("../../samples/photoshop-all-metadata.png"),
    ),
    (
        "nikon-d1x.webp",
        include_bytes!("../../samples/nikon-d1x.webp"),
    ),
];

/// Runs `damkit demo`.
pub fn run(args: Args) -> Status {
    match demo(&args) {
        Ok(status) => status,
        Err(e) => output::fatal("demo", &e),
    }
}

#[derive(serde::Serialize)]
struct DemoAsset {
    id: AssetId,
    #[serde(flatten)]
    file: detect::Detected,
}

fn demo(args: &Args) -> anyhow::Result<Status> {
    use anyhow::Context as _;
    let temp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
            d.clone()
        }
        None => {
            temp = tempfile::Builder::new().prefix("damkit-demo-").tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let say = |line: String| {
        if !args.json {
            println!("{line}");
        }
    };

    say(format!(
        "damkit demo: {} sample assets into {}",
        SAMPLES.len(),
        dir.display()
    ));
    for (name, bytes) in SAMPLES {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }

    say(String::new());
    say("1. Detect media types from magic bytes (damkit-core) and assign asset ids".into());
    let report = detect::detect_paths(std::slice::from_ref(&dir));
    let assets: Vec<DemoAsset> = report
        .files
        .into_iter()
        .map(|file| DemoAsset {
            id: AssetId::new(),
            file,
        })
        .collect();
    for a in &assets {
        let kind = a.file.media_type.map_or("unknown", |t| t.name());
        let name = a
            .file
            .path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        say(format!(
            "   {}  {kind:<5} {:>8} bytes  {name}",
            a.id, a.file.size
        ));
    }
    for e in &report.errors {
        output::warn("demo", format_args!("{}: {}", e.path.display(), e.error));
    }

    // Each capability shows itself on the same files; a failing step is reported and the
    // walkthrough goes on.
    type Step = fn(&std::path::Path) -> anyhow::Result<Vec<String>>;
    let steps: [(&str, &str, Step); 7] = [
        (
            "metadata",
            "Read EXIF, IPTC-IIM and XMP, reconciled as MWG (damkit-metadata)",
            crate::cmd::metadata::demo_step,
        ),
        (
            "render",
            "Make renditions from presets (damkit-rendition)",
            crate::cmd::render::demo_step,
        ),
        (
            "dupes",
            "Find exact and near duplicates (damkit-dedup)",
            crate::cmd::dupes::demo_step,
        ),
        (
            "vocab",
            "Normalise keywords with a controlled vocabulary (damkit-taxonomy)",
            crate::cmd::vocab::demo_step,
        ),
        (
            "rights",
            "Check a use against an ODRL licence (damkit-rights)",
            crate::cmd::rights::demo_step,
        ),
        (
            "search",
            "Index and search the assets (damkit-search)",
            crate::cmd::search::demo_step,
        ),
        (
            "ingest",
            "Ingest into a library folder: catalog, versions, lifecycle (damkit)",
            crate::cmd::ingest::demo_step,
        ),
    ];
    let mut step_results = Vec::new();
    let mut failed_steps = 0;
    for (i, (name, title, step)) in steps.iter().enumerate() {
        say(String::new());
        say(format!("{}. {title}", i + 2));
        match step(&dir) {
            Ok(lines) => {
                for line in &lines {
                    say(format!("   {line}"));
                }
                step_results.push(serde_json::json!({"step": name, "lines": lines}));
            }
            Err(e) => {
                failed_steps += 1;
                output::warn("demo", format_args!("{name}: {e:#}"));
                step_results.push(serde_json::json!({"step": name, "error": format!("{e:#}")}));
            }
        }
    }

    if args.json {
        output::print_json(&serde_json::json!({
            "dir": dir,
            "assets": assets,
            "steps": step_results,
            "errors": report.errors,
        }))?;
    }
    Ok(Status::from_failures(report.errors.len() + failed_steps))
}
