//! `damkit detect PATH...`: the media type of each file, from its magic bytes.

use std::path::{Path, PathBuf};

use damkit::{MediaFamily, MediaType};
use serde::Serialize;

use crate::output::{self, Status};

/// Detect media types of files and folders (folders are walked recursively).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders to inspect.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// One detected file.
#[derive(Debug, Serialize)]
pub struct Detected {
    /// The file.
    pub path: PathBuf,
    /// The media type, or `None` when the bytes match no format damkit handles.
    pub media_type: Option<MediaType>,
    /// The MIME type of `media_type`.
    pub mime: Option<&'static str>,
    /// Raster, raw or sidecar.
    pub family: Option<MediaFamily>,
    /// File size in bytes.
    pub size: u64,
}

/// A file or folder that could not be read.
#[derive(Debug, Serialize)]
pub struct Failure {
    /// The path that failed.
    pub path: PathBuf,
    /// What went wrong.
    pub error: String,
}

/// The outcome of detecting a set of paths.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Files read, in walk order (sorted by name within a folder).
    pub files: Vec<Detected>,
    /// Paths that could not be read.
    pub errors: Vec<Failure>,
}

/// Walks `paths` (not following symbolic links, so loops are impossible) and detects every
/// regular file. Nothing stops the walk: failures are collected.
pub fn detect_paths(paths: &[PathBuf]) -> Report {
    let mut report = Report::default();
    let mut files = Vec::new();
    for root in paths {
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            match entry {
                Ok(e) if e.file_type().is_file() => files.push(e.into_path()),
                Ok(_) => {}
                Err(err) => report.errors.push(Failure {
                    path: err.path().unwrap_or(root).to_path_buf(),
                    error: err.to_string(),
                }),
            }
        }
    }
    let bar = output::progress(files.len() as u64, "detect");
    for path in &files {
        report.push(path);
        bar.inc(1);
    }
    bar.finish_and_clear();
    report
}

impl Report {
    fn push(&mut self, path: &Path) {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        match MediaType::detect_path(path) {
            Ok(t) => self.files.push(Detected {
                path: path.to_path_buf(),
                media_type: t,
                mime: t.map(MediaType::mime),
                family: t.map(MediaType::family),
                size,
            }),
            Err(e) => self.errors.push(Failure {
                path: path.to_path_buf(),
                error: e.to_string(),
            }),
        }
    }

    /// Prints the report as a table on stdout and the errors on stderr.
    pub fn print_table(&self, command: &str) {
        for f in &self.files {
            let (name, mime, family) = match f.media_type {
                Some(t) => (
                    t.name(),
                    t.mime(),
                    format!("{:?}", t.family()).to_lowercase(),
                ),
                None => ("-", "unknown", "-".to_string()),
            };
            println!(
                "{name:<5} {mime:<26} {family:<7} {:>10}  {}",
                f.size,
                f.path.display()
            );
        }
        for e in &self.errors {
            output::warn(command, format_args!("{}: {}", e.path.display(), e.error));
        }
    }
}

/// Runs `damkit detect`.
pub fn run(args: Args) -> Status {
    let report = detect_paths(&args.paths);
    if args.json {
        if let Err(e) = output::print_json(&report) {
            return output::fatal("detect", &e);
        }
    } else {
        report.print_table("detect");
        let known = report
            .files
            .iter()
            .filter(|f| f.media_type.is_some())
            .count();
        eprintln!(
            "{} files, {} recognised, {} unknown, {} errors",
            report.files.len(),
            known,
            report.files.len() - known,
            report.errors.len()
        );
    }
    Status::from_failures(report.errors.len())
}
