//! `damkit dupes PATH... [--exact-only] [--threshold N] [--json]`: exact, metadata-blind
//! and near-duplicate groups.

use std::path::{Path, PathBuf};

use damkit::dedup::finder::{
    FindOptions, FindReport, Group, Phase, Progress, find_duplicates_with,
};
use damkit::dedup::tree::HashCache;
use serde::Serialize;

use crate::output::{self, Status};

/// Find duplicate files and images: identical bytes, identical image payload with
/// different metadata, and perceptually similar images (resized, recompressed, rotated,
/// mirrored, slightly cropped).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders to search (folders are walked recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Only exact duplicates (identical bytes): no image decoding.
    #[arg(long)]
    pub exact_only: bool,
    /// Largest pHash-64 distance (0-64) for near duplicates.
    #[arg(long, value_name = "N", default_value_t = damkit::dedup::near::DEFAULT_THRESHOLD,
          value_parser = clap::value_parser!(u32).range(0..=64))]
    pub threshold: u32,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Do not match rotated and mirrored copies.
    #[arg(long)]
    pub no_rotations: bool,
    /// Smallest PDQ quality (0-100) for an image to be matched on its hash alone.
    #[arg(long, value_name = "Q", default_value_t = damkit::dedup::near::DEFAULT_MIN_QUALITY)]
    pub min_quality: u8,
    /// A hash cache to read and update (JSON), keyed by device, inode, size and mtime.
    #[arg(long, value_name = "FILE")]
    pub cache: Option<PathBuf>,
}

/// One failure in the JSON output.
#[derive(Debug, Serialize)]
pub struct Failure {
    /// The path that failed.
    pub path: PathBuf,
    /// What went wrong.
    pub error: String,
}

/// The JSON document.
#[derive(Debug, Serialize)]
pub struct Output<'a> {
    /// Groups: exact, then content, then near.
    pub groups: &'a [Group],
    /// Files and folders that could not be read, walked or decoded.
    pub errors: Vec<Failure>,
    /// Counters.
    pub stats: &'a damkit::dedup::finder::FindStats,
}

fn error_path(e: &damkit::dedup::DedupError) -> PathBuf {
    use damkit::dedup::DedupError as E;
    match e {
        E::Io { path, .. }
        | E::Walk { path, .. }
        | E::Changed { path, .. }
        | E::Limit { path, .. }
        | E::Decode { path, .. }
        | E::InFile { path, .. }
        | E::Cache { path, .. } => path.clone(),
        _ => PathBuf::new(),
    }
}

fn options(args: &Args) -> FindOptions {
    let mut opts = FindOptions {
        exact_only: args.exact_only,
        ..FindOptions::default()
    };
    opts.scan.follow_symlinks = args.follow_symlinks;
    opts.near.threshold = args.threshold;
    opts.near.dihedral = !args.no_rotations;
    opts.near.min_quality = args.min_quality;
    opts
}

/// A progress bar per phase of the scan (drawn only on a terminal).
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn start(&self, phase: Phase, total: u64) {
        let what = match phase {
            Phase::Walk => "walking",
            Phase::PartialHash => "hashing ends",
            Phase::FullHash => "hashing files",
            Phase::ContentHash => "hashing payloads",
            Phase::Fingerprint => "fingerprinting",
            _ => "working",
        };
        self.0.set_prefix(what);
        self.0.set_length(total);
        self.0.set_position(0);
    }

    fn advance(&self, steps: u64) {
        self.0.inc(steps);
    }
}

/// Runs the search (shared by `run` and `demo_step`), with a progress bar on a terminal.
pub fn search(paths: &[PathBuf], args: &Args) -> anyhow::Result<FindReport> {
    let opts = options(args);
    let mut cache = match &args.cache {
        Some(p) => Some(HashCache::load(p)?),
        None => None,
    };
    let bar = Bar(output::progress(0, "walking"));
    let report = find_duplicates_with(paths, &opts, cache.as_mut(), &bar);
    bar.0.finish_and_clear();
    if let (Some(p), Some(c)) = (&args.cache, &cache) {
        c.save(p)?;
    }
    Ok(report)
}

/// Runs `damkit dupes`.
pub fn run(args: Args) -> Status {
    let report = match search(&args.paths, &args) {
        Ok(r) => r,
        Err(e) => return output::fatal("dupes", &e),
    };
    let errors: Vec<Failure> = report
        .errors
        .iter()
        .map(|e| Failure {
            path: error_path(e),
            error: e.to_string(),
        })
        .collect();
    if args.json {
        let out = Output {
            groups: &report.groups,
            errors,
            stats: &report.stats,
        };
        if let Err(e) = output::print_json(&out) {
            return output::fatal("dupes", &e);
        }
    } else {
        for (n, g) in report.groups.iter().enumerate() {
            let kind = match g.kind {
                damkit::dedup::finder::GroupKind::Exact => "exact",
                damkit::dedup::finder::GroupKind::Content => "content",
                damkit::dedup::finder::GroupKind::Near => "near",
                _ => "other",
            };
            println!("group {} ({kind}, {} files)", n + 1, g.files.len());
            for f in &g.files {
                println!("  {:>2}  {}", f.distance, f.path.display());
            }
        }
        for e in &errors {
            output::warn("dupes", &e.error);
        }
        eprintln!(
            "{} files, {} groups, {} errors",
            report.stats.files,
            report.groups.len(),
            errors.len()
        );
    }
    Status::from_failures(report.errors.len())
}

/// A few lines showing duplicate detection on the bundled samples in `dir`.
pub fn demo_step(dir: &Path) -> anyhow::Result<Vec<String>> {
    let args = Args {
        paths: vec![dir.to_path_buf()],
        exact_only: false,
        threshold: damkit::dedup::near::DEFAULT_THRESHOLD,
        json: false,
        follow_symlinks: false,
        no_rotations: false,
        min_quality: damkit::dedup::near::DEFAULT_MIN_QUALITY,
        cache: None,
    };
    let report = search(&args.paths, &args)?;
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut lines = vec![format!(
        "dupes: {} files, {} fingerprinted, {} duplicate groups",
        report.stats.files,
        report.stats.fingerprinted,
        report.groups.len()
    )];
    for g in &report.groups {
        let files: Vec<String> = g
            .files
            .iter()
            .map(|f| format!("{} (distance {})", name(&f.path), f.distance))
            .collect();
        lines.push(format!("  {:?}: {}", g.kind, files.join(", ")).to_lowercase());
    }
    for e in &report.errors {
        lines.push(format!("  error: {e}"));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(paths: Vec<PathBuf>) -> Args {
        Args {
            paths,
            exact_only: false,
            threshold: damkit::dedup::near::DEFAULT_THRESHOLD,
            json: true,
            follow_symlinks: false,
            no_rotations: false,
            min_quality: damkit::dedup::near::DEFAULT_MIN_QUALITY,
            cache: None,
        }
    }

    #[test]
    fn json_contract_on_samples() {
        let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let dir = tempfile::tempdir().unwrap();
        for f in ["bridge.jpg", "bridge-rotated.jpg", "iptc-reference.jpg"] {
            std::fs::copy(samples.join(f), dir.path().join(f)).unwrap();
        }
        std::fs::copy(samples.join("bridge.jpg"), dir.path().join("copy.jpg")).unwrap();
        std::fs::write(dir.path().join("broken.png"), b"\x89PNG\r\n\x1a\nbroken").unwrap();
        let a = args(vec![dir.path().to_path_buf(), dir.path().join("missing")]);
        let report = search(&a.paths, &a).unwrap();
        let errors: Vec<Failure> = report
            .errors
            .iter()
            .map(|e| Failure {
                path: error_path(e),
                error: e.to_string(),
            })
            .collect();
        let out = Output {
            groups: &report.groups,
            errors,
            stats: &report.stats,
        };
        let v = serde_json::to_value(&out).unwrap();
        let kinds: Vec<&str> = v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, vec!["exact", "near"], "{v}");
        let near = &v["groups"][1]["files"];
        assert_eq!(near.as_array().unwrap().len(), 2, "{v}");
        assert!(near[0]["path"].is_string() && near[0]["distance"].is_u64());
        let errs = v["errors"].as_array().unwrap();
        assert_eq!(errs.len(), 2, "{v}");
        assert!(
            errs.iter()
                .all(|e| e["path"].is_string() && e["error"].is_string())
        );
        assert!(
            errs.iter()
                .any(|e| e["path"].as_str().unwrap().ends_with("broken.png"))
        );

        let exact = args(vec![dir.path().to_path_buf()]);
        let exact = Args {
            exact_only: true,
            ..exact
        };
        let r = search(&exact.paths, &exact).unwrap();
        assert_eq!(r.groups.len(), 1);
        assert_eq!(r.stats.fingerprinted, 0);
    }
}
