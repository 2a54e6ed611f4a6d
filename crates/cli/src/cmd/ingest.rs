//! `damkit ingest PATH... --library LIB`: ingest files and folders into a library folder
//! (created with defaults when missing). Also the helpers the other library subcommands
//! (`show`, `edit`, `status`, `report`, `reindex`) share.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use damkit::library::{
    DuplicatePolicy, IngestOptions, IngestReport, Library, LibraryConfig, LibraryError, StorageMode,
};

use crate::output::{self, Status};

/// Ingest files and folders into a library (created with defaults if missing).
///
/// Folders are walked recursively, honouring `.damkitignore` files (gitignore syntax); hidden
/// files are skipped. Re-running skips unchanged files; a changed file becomes a new version.
/// Exit status 1 when some files failed (they are listed; the others are ingested).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders to ingest.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The library folder.
    #[arg(long, short = 'l', value_name = "LIB")]
    pub library: PathBuf,
    /// Print the ingest report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// When creating the library: keep originals in place (`reference`) or copy them into
    /// the library's content-addressed `objects/` (`copy`).
    #[arg(long, value_enum, value_name = "MODE")]
    pub storage: Option<StorageArg>,
    /// When creating the library: what to do with exact duplicates.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub duplicates: Option<DuplicateArg>,
    /// Who ingests, for the audit log (default: $USER).
    #[arg(long)]
    pub actor: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(long)]
    pub follow_symlinks: bool,
}

/// `--storage`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StorageArg {
    /// Originals stay where they are.
    Reference,
    /// Originals are copied into objects/.
    Copy,
}

/// `--duplicates`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DuplicateArg {
    /// Record the duplicate as another location of the existing asset.
    Link,
    /// Remember it but do not link it.
    Skip,
    /// Make it an asset of its own.
    Keep,
}

/// Opens an existing library for the subcommand `command`, with an error naming the folder.
pub fn open_library(path: &Path) -> anyhow::Result<Library> {
    Library::open(path).with_context(|| format!("opening library {}", path.display()))
}

/// The exit status for a library error: 2 (fatal) in every case, with the message on stderr.
pub fn library_error(command: &str, err: LibraryError) -> Status {
    output::fatal(command, &anyhow::Error::new(err))
}

/// Runs `damkit ingest`.
pub fn run(args: Args) -> Status {
    match ingest(&args) {
        Ok(status) => status,
        Err(e) => output::fatal("ingest", &e),
    }
}

fn ingest(args: &Args) -> anyhow::Result<Status> {
    let mut config = LibraryConfig::default();
    if let Some(s) = args.storage {
        config.storage.mode = match s {
            StorageArg::Reference => StorageMode::Reference,
            StorageArg::Copy => StorageMode::Copy,
        };
    }
    if let Some(d) = args.duplicates {
        config.duplicates.exact = match d {
            DuplicateArg::Link => DuplicatePolicy::Link,
            DuplicateArg::Skip => DuplicatePolicy::Skip,
            DuplicateArg::Keep => DuplicatePolicy::Keep,
        };
    }
    let (lib, created) = Library::open_or_create(&args.library, config.clone())
        .with_context(|| format!("opening library {}", args.library.display()))?;
    if created {
        output::warn(
            "ingest",
            format_args!(
                "created a new library in {} (storage: {}, duplicates: {}; edit {} to change)",
                lib.path().display(),
                format!("{:?}", lib.config().storage.mode).to_lowercase(),
                format!("{:?}", lib.config().duplicates.exact).to_lowercase(),
                lib.path().join(damkit::library::CONFIG_FILE).display()
            ),
        );
    } else if (args.storage.is_some() && lib.config().storage.mode != config.storage.mode)
        || (args.duplicates.is_some() && lib.config().duplicates.exact != config.duplicates.exact)
    {
        output::warn(
            "ingest",
            format_args!(
                "--storage/--duplicates apply when a library is created; {} keeps its settings \
                 (storage: {:?}, duplicates: {:?})",
                lib.path().display(),
                lib.config().storage.mode,
                lib.config().duplicates.exact
            ),
        );
    }

    let bar = output::progress(0, "ingest");
    let mut options = IngestOptions::default().follow_symlinks(args.follow_symlinks);
    if let Some(a) = &args.actor {
        options = options.actor(a.clone());
    }
    if let Some(n) = args.threads {
        options = options.threads(n);
    }
    let b = bar.clone();
    options = options.progress(move |p| {
        b.set_length(p.total as u64);
        b.set_position(p.done as u64);
    });
    let report = lib.ingest(&args.paths, &options)?;
    bar.finish_and_clear();

    if args.json {
        output::print_json(&report)?;
    } else {
        print_report(&report, created);
    }
    for f in &report.failures {
        output::warn(
            "ingest",
            format_args!("{}: {}: {}", f.path.display(), f.stage, f.error),
        );
    }
    Ok(Status::from_failures(report.failures.len()))
}

fn print_report(r: &IngestReport, created: bool) {
    println!(
        "library {}{}",
        r.library.display(),
        if created { " (new)" } else { "" }
    );
    for f in &r.added {
        println!(
            "  added    {}  {:<5} {}",
            f.id,
            f.media_type.map_or("-", |t| t.name()),
            f.path.display()
        );
    }
    for f in &r.new_versions {
        println!(
            "  version  {}  v{:<4} {}",
            f.id,
            f.version,
            f.path.display()
        );
    }
    for f in &r.refreshed {
        println!(
            "  sidecar  {}  v{:<4} {} (sidecar changed: metadata read again)",
            f.id,
            f.version,
            f.path.display()
        );
    }
    for d in &r.duplicates {
        println!(
            "  {:<8} {}  of {}",
            format!("{:?}", d.action).to_lowercase(),
            d.path.display(),
            d.duplicate_of
        );
    }
    for s in r.skipped.iter().take(20) {
        println!("  skipped  {}: {}", s.path.display(), s.reason);
    }
    if r.skipped.len() > 20 {
        println!(
            "  skipped  ... and {} more (see --json)",
            r.skipped.len() - 20
        );
    }
    for w in &r.warnings {
        println!("  warning  {}: {}", w.path.display(), w.message);
    }
    println!(
        "{} files: {} added, {} new versions, {} unchanged, {} sidecars re-read, {} duplicates, \
         {} skipped, {} failed in {:.2} s ({:.0} files/s)",
        r.files_seen,
        r.added.len(),
        r.new_versions.len(),
        r.unchanged,
        r.refreshed.len(),
        r.duplicates.len(),
        r.skipped.len(),
        r.failures.len(),
        r.elapsed_ms / 1e3,
        r.files_per_second
    );
    let wired: Vec<String> = r
        .stages
        .iter()
        .filter(|s| s.wired)
        .map(|s| format!("{} {:.1} ms", s.name, s.time_ms))
        .collect();
    println!("stages: {}", wired.join(", "));
    for s in r.stages.iter().filter(|s| !s.wired) {
        println!(
            "{}: {}",
            s.name,
            s.note.as_deref().unwrap_or("not wired yet")
        );
    }
}

/// The `damkit demo` step: ingests the samples in `dir` into a temporary library, re-runs to
/// show the hash cache, and walks one asset through review to approval.
pub fn demo_step(dir: &Path) -> anyhow::Result<Vec<String>> {
    use damkit::library::LifecycleStatus;
    let tmp = tempfile::Builder::new()
        .prefix("damkit-library-")
        .tempdir()?;
    let lib = Library::create(tmp.path().join("lib"), LibraryConfig::default())?;
    let opts = IngestOptions::default().actor("demo");
    let r = lib.ingest(&[dir], &opts)?;
    let mut lines = vec![format!(
        "ingested {} files into a library: {} assets, {} exact duplicates, {} skipped, {} failed",
        r.files_seen,
        r.added.len(),
        r.duplicates.len(),
        r.skipped.len(),
        r.failures.len()
    )];
    let again = lib.ingest(&[dir], &opts)?;
    lines.push(format!(
        "ingested again: {} unchanged (hash cache), {} added",
        again.unchanged,
        again.added.len()
    ));
    if let Some(first) = r.added.first() {
        lib.set_status(&first.id, LifecycleStatus::InReview, "demo")?;
        lib.set_status(&first.id, LifecycleStatus::Approved, "demo")?;
        let a = lib.asset(&first.id)?;
        lines.push(format!(
            "{} ({}): draft -> in_review -> approved, distributable: {}, {} audit entries",
            first.id,
            first.path.file_name().unwrap_or_default().to_string_lossy(),
            a.distributable,
            a.audit.len()
        ));
    }
    let stages: Vec<String> = r
        .stages
        .iter()
        .filter(|s| s.wired && s.files > 0)
        .map(|s| format!("{} {:.0} ms", s.name, s.time_ms))
        .collect();
    lines.push(format!("stages (CPU time): {}", stages.join(", ")));
    let d = lib.duplicates()?;
    lines.push(format!(
        "duplicates: {} exact, {} content, {} near groups{}",
        d.exact.len(),
        d.content.len(),
        d.near.len(),
        d.near.first().map_or_else(String::new, |g| {
            let names: Vec<String> = g
                .members
                .iter()
                .map(|m| {
                    format!(
                        "{} (distance {})",
                        m.path.file_name().unwrap_or_default().to_string_lossy(),
                        m.distance
                    )
                })
                .collect();
            format!(": {}", names.join(", "))
        })
    ));
    let pending: Vec<&str> = r
        .stages
        .iter()
        .filter(|s| !s.wired)
        .map(|s| s.name.as_str())
        .collect();
    if !pending.is_empty() {
        lines.push(format!("not wired into ingest yet: {}", pending.join(", ")));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_step_runs_on_the_samples() {
        let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let lines = demo_step(&samples).unwrap();
        assert!(lines[0].contains("6 assets"), "{lines:?}");
        assert!(lines[1].contains("6 unchanged"), "{lines:?}");
        assert!(
            lines[2].contains("approved, distributable: true"),
            "{lines:?}"
        );
        assert!(lines[3].contains("renditions"), "{lines:?}");
        assert!(lines[4].contains("1 near groups"), "{lines:?}");
    }
}
