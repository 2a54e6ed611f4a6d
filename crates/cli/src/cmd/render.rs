//! `damkit render FILE_OR_DIR... --preset NAME [--preset NAME] --out DIR [--format F]
//! [--quality N] [--json]`: thumbnails and derivatives from named presets.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use damkit::rendition::{
    self, FileOutcome, Format, Presets, Renderer, RenditionError, RenditionSpec,
};
use damkit::{MediaFamily, MediaType};
use serde::Serialize;

use crate::output::{self, Status};

/// Make renditions (thumbnails, web sizes, crops) of images from named presets.
///
/// Output files are named `STEM-PRESET.EXT` in the output folder. Built-in presets:
/// thumb-256, thumb-512, preview-1024, web-2048, og-1200x630, square-1080, contain-800x600,
/// png-512, webp-1024; more from `--presets FILE` (TOML or JSON). Camera RAW files are
/// rendered from their largest embedded JPEG preview (no demosaicing).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Image files or folders (folders are walked recursively; only image files are taken).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// A preset to render (repeat for several; every input is decoded once for all).
    #[arg(long = "preset", required = true)]
    pub presets: Vec<String>,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Override the output format of every preset (avif needs damkit-rendition's `avif`
    /// feature).
    #[arg(long, value_parser = ["jpeg", "jpg", "png", "webp", "avif"])]
    pub format: Option<String>,
    /// Override the quality (1-100) of every preset.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=100))]
    pub quality: Option<u8>,
    /// Extra presets from a TOML or JSON file (`[presets.NAME]` tables).
    #[arg(long = "presets")]
    pub presets_file: Option<PathBuf>,
    /// Decode what is there in truncated files instead of failing them.
    #[arg(long)]
    pub lenient: bool,
    /// Decode JPEGs at full size (no DCT shrink-on-load): slower, the exact reference that
    /// shrink-on-load is measured against.
    #[arg(long)]
    pub no_shrink_on_load: bool,
    /// Skip the fsync before each rename (faster on busy disks; the rename stays atomic).
    #[arg(long)]
    pub no_fsync: bool,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Print JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// One input that failed.
#[derive(Debug, Serialize)]
pub struct Failure {
    /// The input.
    pub path: PathBuf,
    /// What went wrong.
    pub error: String,
}

/// The JSON report of `damkit render`.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Files rendered, in input order.
    pub files: Vec<rendition::FileReport>,
    /// Inputs that failed.
    pub errors: Vec<Failure>,
    /// Total wall-clock time in milliseconds.
    pub elapsed_ms: f64,
}

fn is_image_name(p: &Path) -> bool {
    let ext = p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        ext.as_str(),
        "jpg"
            | "jpeg"
            | "jpe"
            | "jfif"
            | "png"
            | "tif"
            | "tiff"
            | "webp"
            | "gif"
            | "bmp"
            | "heic"
            | "heif"
            | "avif"
    ) || MediaType::from_extension(&ext).is_some_and(|t| t.family() == MediaFamily::Raw)
}

/// A camera RAW file (by its content; the extension only breaks ties) is rendered from its
/// largest embedded JPEG preview, with the RAW's orientation: there is no demosaicing.
/// `None` for every other file (the rendition crate's own path).
fn render_raw(
    renderer: &Renderer,
    input: &Path,
    specs: &[RenditionSpec],
    out: &Path,
) -> Option<Result<rendition::FileReport, RenditionError>> {
    let ext = input.extension().and_then(|e| e.to_str());
    let mut head = [0u8; 64];
    let n = {
        use std::io::Read as _;
        let mut f = std::fs::File::open(input).ok()?;
        f.read(&mut head).ok()?
    };
    let kind = MediaType::detect_with_hint(&head[..n], ext)?;
    if kind.family() != MediaFamily::Raw {
        return None;
    }
    use damkit::metadata::preview::{MAX_PREVIEW_LEN, largest_preview_jpeg};
    let max = renderer
        .limits()
        .max_input_bytes
        .map_or(MAX_PREVIEW_LEN, |m| m.min(MAX_PREVIEW_LEN));
    let preview = match largest_preview_jpeg(input, max) {
        Ok(Some(p)) => p,
        Ok(None) => {
            return Some(Err(RenditionError::Unsupported(format!(
                "{}: a {} RAW file without an embedded JPEG preview (RAW decoding is not \
                 supported)",
                input.display(),
                kind.name()
            ))));
        }
        Err(e) => {
            return Some(Err(RenditionError::Unsupported(format!(
                "{}: reading the embedded previews of a {} RAW file: {e}",
                input.display(),
                kind.name()
            ))));
        }
    };
    Some(
        renderer
            .render_bytes_into(input, &preview.jpeg, specs, out)
            .map(|mut r| {
                r.media_type = kind;
                r.warnings
                    .push(format!("rendered from {}", preview.description()));
                r
            }),
    )
}

/// Files named on the command line are always taken; inside folders, only image extensions.
fn collect_inputs(paths: &[PathBuf], errors: &mut Vec<Failure>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for root in paths {
        if root.is_file() {
            files.push(root.clone());
            continue;
        }
        if !root.exists() {
            errors.push(Failure {
                path: root.clone(),
                error: "no such file or folder".into(),
            });
            continue;
        }
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            match entry {
                Ok(e) if e.file_type().is_file() && is_image_name(e.path()) => {
                    files.push(e.into_path());
                }
                Ok(_) => {}
                Err(err) => errors.push(Failure {
                    path: err.path().unwrap_or(root).to_path_buf(),
                    error: err.to_string(),
                }),
            }
        }
    }
    files
}

fn specs_for(args: &Args) -> anyhow::Result<Vec<RenditionSpec>> {
    let mut presets = Presets::builtin();
    if let Some(file) = &args.presets_file {
        presets.extend(Presets::load(file)?);
    }
    let format = args
        .format
        .as_deref()
        .map(str::parse::<Format>)
        .transpose()?;
    let mut specs = Vec::new();
    for name in &args.presets {
        if specs.iter().any(|s: &RenditionSpec| &s.name == name) {
            continue;
        }
        let mut spec = presets.get(name)?;
        if let Some(f) = format {
            spec.format = f;
        }
        if let Some(q) = args.quality {
            spec.quality = q;
        }
        spec.validate()?;
        specs.push(spec);
    }
    Ok(specs)
}

fn render(args: &Args) -> anyhow::Result<Report> {
    let start = std::time::Instant::now();
    let specs = specs_for(args)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating output folder {}", args.out.display()))?;
    let mut report = Report::default();
    let inputs = collect_inputs(&args.paths, &mut report.errors);
    let renderer = Renderer::new()
        .lenient(args.lenient)
        .fsync(!args.no_fsync)
        .full_decode(args.no_shrink_on_load);
    let bar = output::progress(inputs.len() as u64, "render");
    let run = || {
        rendition::render_batch_with(
            &renderer,
            &inputs,
            &specs,
            &args.out,
            |input| render_raw(&renderer, input, &specs, &args.out),
            |p| {
                bar.inc(1);
                if let Err(e) = &p.outcome.result {
                    bar.suspend(|| output::warn("render", e));
                }
            },
        )
    };
    let outcomes: Vec<FileOutcome> = match args.jobs {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .context("starting worker threads")?
            .install(run),
        None => run(),
    };
    bar.finish_and_clear();
    for o in outcomes {
        match o.result {
            Ok(r) => report.files.push(r),
            Err(e) => report.errors.push(Failure {
                path: o.input,
                error: e.to_string(),
            }),
        }
    }
    report.elapsed_ms = start.elapsed().as_secs_f64() * 1e3;
    Ok(report)
}

/// Runs `damkit render`.
pub fn run(args: Args) -> Status {
    let report = match render(&args) {
        Ok(r) => r,
        Err(e) => return output::fatal("render", &e),
    };
    if args.json {
        if let Err(e) = output::print_json(&report) {
            return output::fatal("render", &e);
        }
    } else {
        for f in &report.files {
            for o in &f.outputs {
                println!(
                    "{:>5}x{:<5} {:>9} B  {}",
                    o.width,
                    o.height,
                    o.bytes,
                    o.path.display()
                );
            }
            for w in &f.warnings {
                output::warn("render", format_args!("{}: {w}", f.input.display()));
            }
        }
        // Per-file errors were reported as they happened (see the progress callback).
        let outputs: usize = report.files.iter().map(|f| f.outputs.len()).sum();
        eprintln!(
            "{} files rendered ({} renditions), {} failed, {:.1} s",
            report.files.len(),
            outputs,
            report.errors.len(),
            report.elapsed_ms / 1e3
        );
    }
    Status::from_failures(report.errors.len())
}

/// Demo lines for `damkit demo`: renders the sample photos to a temporary folder.
pub fn demo_step(dir: &Path) -> anyhow::Result<Vec<String>> {
    let out = tempfile::tempdir()?;
    let presets = Presets::builtin();
    let specs = vec![presets.get("thumb-256")?, presets.get("og-1200x630")?];
    let renderer = Renderer::new();
    let mut lines = Vec::new();
    for name in [
        "bridge.jpg",
        "bridge-rotated.jpg",
        "photoshop-all-metadata.png",
        "nikon-d1x.webp",
    ] {
        let input = dir.join(name);
        if !input.exists() {
            continue;
        }
        let r = renderer.render_file(&input, &specs, out.path())?;
        let outs: Vec<String> = r
            .outputs
            .iter()
            .map(|o| format!("{} {}x{} ({} B)", o.preset, o.width, o.height, o.bytes))
            .collect();
        lines.push(format!(
            "{name}: {}x{} orientation {} shrink-on-load 1/{} -> {} in {:.0} ms",
            r.source_size.0,
            r.source_size.1,
            r.orientation,
            r.shrink_on_load,
            outs.join(", "),
            r.total_ms
        ));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../damkit/tests/data")
            .join(name)
    }

    #[test]
    fn raw_files_render_from_their_embedded_preview_with_the_raw_orientation() {
        let out = tempfile::tempdir().unwrap();
        let specs = vec![Presets::builtin().get("thumb-256").unwrap()];
        let renderer = Renderer::new().fsync(false);
        // The DNG states orientation 6: its 320x214 preview becomes portrait.
        let r = render_raw(&renderer, &fixture("raw-preview.dng"), &specs, out.path())
            .expect("a RAW file takes the preview path")
            .unwrap();
        assert_eq!(r.media_type, MediaType::Dng);
        assert_eq!((r.outputs[0].width, r.outputs[0].height), (171, 256));
        assert!(r.outputs[0].path.ends_with("raw-preview-thumb-256.jpg"));
        assert!(r.warnings[0].contains("preview"), "{:?}", r.warnings);
        let jpeg = std::fs::read(&r.outputs[0].path).unwrap();
        assert!(jpeg.starts_with(&[0xFF, 0xD8]) && jpeg.len() as u64 == r.outputs[0].bytes);
        // The RAF states none.
        let r = render_raw(&renderer, &fixture("raw-preview.raf"), &specs, out.path())
            .unwrap()
            .unwrap();
        assert_eq!((r.outputs[0].width, r.outputs[0].height), (256, 171));
        // Other files are left to the rendition crate.
        assert!(render_raw(&renderer, &fixture("bridge.jpg"), &specs, out.path()).is_none());
    }

    #[test]
    fn a_raw_file_without_a_preview_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        // A TIFF-based RAW (DNG by its extension) that holds no preview.
        let mut tiff = b"II*\0\x08\0\0\0\0\0\0\0\0\0".to_vec();
        tiff.resize(64, 0);
        let path = dir.path().join("empty.dng");
        std::fs::write(&path, &tiff).unwrap();
        let specs = vec![Presets::builtin().get("thumb-256").unwrap()];
        let Some(Err(e)) = render_raw(&Renderer::new(), &path, &specs, dir.path()) else {
            panic!("expected an error");
        };
        let msg = e.to_string();
        assert!(msg.contains("empty.dng"), "{msg}");
    }
}
