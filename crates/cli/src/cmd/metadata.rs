//! `damkit metadata read [--json] FILE...` and
//! `damkit metadata write FILE... --set G:T=V --add G:T=V --remove G:T=V [--sidecar]`.

use std::path::{Path, PathBuf};

use damkit::metadata::{self as md, Edit, Op, ReadOptions, WriteOptions};

use crate::output::{self, Status};

/// Read and write EXIF, IPTC-IIM and XMP metadata.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print every tag under ExifTool's group-1 names, plus the MWG reconciled values.
    Read(ReadArgs),
    /// Set, add or remove fields (embedded XMP for JPEG/TIFF/PNG/PSD/WebP, or a sidecar),
    /// keeping IPTC-IIM and EXIF in sync as MWG says.
    Write(WriteArgs),
}

#[derive(Debug, clap::Args)]
struct ReadArgs {
    /// Files to read.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print a JSON array shaped like `exiftool -j -G1 -n -struct` (plus `MWG:*`).
    #[arg(long)]
    json: bool,
    /// Fail on the first defect instead of reading what can be read (with warnings).
    #[arg(long)]
    strict: bool,
    /// Do not read `NAME.xmp` / `NAME.EXT.xmp` sidecars.
    #[arg(long)]
    no_sidecars: bool,
    /// Decode IIM text without a 1:90 character set as: auto (UTF-8 when valid, else
    /// Windows-1252), utf8 or cp1252.
    #[arg(long, default_value = "auto")]
    iim_charset: String,
    /// Worker threads reading files in parallel (default: one per core). Output keeps the
    /// order of the FILE arguments.
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
}

#[derive(Debug, clap::Args)]
struct WriteArgs {
    /// Files to change.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Replace a value: `--set XMP-dc:Title="Sunset"`, `--set MWG:Description=...`.
    #[arg(long, value_name = "GROUP:TAG=VALUE")]
    set: Vec<String>,
    /// Add a list item: `--add MWG:Keywords=dog` (`A|B|C` is a hierarchical keyword).
    #[arg(long, value_name = "GROUP:TAG=VALUE")]
    add: Vec<String>,
    /// Remove a list item: `--remove MWG:Keywords=cat`.
    #[arg(long, value_name = "GROUP:TAG=VALUE")]
    remove: Vec<String>,
    /// Write an XMP sidecar (`NAME.xmp`) instead of changing the file (RAW files always).
    #[arg(long)]
    sidecar: bool,
}

/// Runs `damkit metadata`.
pub fn run(args: Args) -> Status {
    match args.command {
        Command::Read(a) => read(a),
        Command::Write(a) => write(a),
    }
}

fn read(a: ReadArgs) -> Status {
    let charset = match a.iim_charset.as_str() {
        "auto" => md::IimCharset::Auto,
        "utf8" => md::IimCharset::Utf8,
        "cp1252" => md::IimCharset::Windows1252,
        other => {
            output::warn(
                "metadata",
                format_args!("unknown --iim-charset {other} (auto, utf8, cp1252)"),
            );
            return Status::Fatal;
        }
    };
    let opts = ReadOptions::default()
        .strict(a.strict)
        .with_sidecars(!a.no_sidecars)
        .with_iim_charset(charset);
    let mut failures = 0;
    let mut out = Vec::new();
    let bar = output::progress(a.files.len() as u64, "metadata");
    // each file is read and (with --json) turned into its JSON object by the workers
    let json = a.json;
    let one = |f: &PathBuf| {
        let r = md::read_path(f, &opts).map(|m| {
            let j = json.then(|| m.to_exiftool_json());
            (m, j)
        });
        bar.inc(1);
        r
    };
    let jobs = a.jobs.unwrap_or(0);
    let results: Vec<_> = if jobs == 1 || a.files.len() == 1 {
        // no thread pool to start for one worker or one file
        a.files.iter().map(one).collect()
    } else {
        use rayon::prelude::*;
        match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
            // read in parallel, print in argument order
            Ok(pool) => pool.install(|| a.files.par_iter().map(one).collect()),
            Err(e) => {
                return output::fatal("metadata", &anyhow::anyhow!("starting worker threads: {e}"));
            }
        }
    };
    bar.finish_and_clear();
    for (f, r) in a.files.iter().zip(results) {
        match r {
            Ok((m, j)) => {
                for w in &m.warnings {
                    output::warn("metadata", format_args!("{}: warning: {w}", f.display()));
                }
                match j {
                    Some(j) => out.push(j),
                    None => print_listing(f, &m),
                }
            }
            Err(e) => {
                failures += 1;
                output::warn("metadata", named(f, &e));
            }
        }
    }
    if a.json
        && let Err(e) = print_json_once(&out)
    {
        return output::fatal("metadata", &e);
    }
    Status::from_failures(failures)
}

/// [`output::print_json`]'s output (pretty JSON and a newline) in one write: stdout is
/// line-buffered, and a batch's JSON has thousands of lines.
fn print_json_once(value: &[serde_json::Value]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut buf = serde_json::to_vec_pretty(value)?;
    buf.push(b'\n');
    std::io::stdout().lock().write_all(&buf)?;
    Ok(())
}

fn short(v: &serde_json::Value) -> String {
    let s = match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 100 {
        format!("{}…", s.chars().take(100).collect::<String>())
    } else {
        s
    }
}

/// The error, prefixed with the file unless the message names it already.
fn named(f: &Path, e: &md::Error) -> String {
    let msg = e.to_string();
    let p = f.display().to_string();
    if msg.starts_with(&p) {
        msg
    } else {
        format!("{p}: {msg}")
    }
}

fn print_listing(f: &Path, m: &md::Metadata) {
    println!("======== {}", f.display());
    for t in &m.tags {
        println!(
            "[{:<14}] {:<32}: {}",
            t.group,
            t.name,
            short(&t.value.to_json())
        );
    }
    for r in &m.mwg {
        println!(
            "[{:<14}] {:<32}: {}  (from {:?})",
            "MWG",
            r.name,
            short(&r.value.to_json()),
            r.source
        );
    }
}

fn write(a: WriteArgs) -> Status {
    let mut edits = Vec::new();
    for (op, list) in [
        (Op::Set, &a.set),
        (Op::Add, &a.add),
        (Op::Remove, &a.remove),
    ] {
        for s in list {
            match Edit::parse(op, s) {
                Ok(e) => edits.push(e),
                Err(e) => {
                    output::warn("metadata", e);
                    return Status::Fatal;
                }
            }
        }
    }
    if edits.is_empty() {
        output::warn(
            "metadata",
            "nothing to write: give --set, --add or --remove",
        );
        return Status::Fatal;
    }
    let opts = WriteOptions::default().sidecar(a.sidecar);
    let mut failures = 0;
    for f in &a.files {
        match md::write_path(f, &edits, &opts) {
            Ok(r) => {
                let mut extra = Vec::new();
                if !r.iim_synced.is_empty() {
                    extra.push(format!("IIM {}", r.iim_synced.join(",")));
                }
                if !r.exif_synced.is_empty() {
                    extra.push(format!("EXIF {}", r.exif_synced.join(",")));
                }
                eprintln!(
                    "{}: written {}{}",
                    f.display(),
                    r.written.display(),
                    if extra.is_empty() {
                        String::new()
                    } else {
                        format!(" (synced {})", extra.join("; "))
                    }
                );
            }
            Err(e) => {
                failures += 1;
                output::warn("metadata", named(f, &e));
            }
        }
    }
    Status::from_failures(failures)
}

/// A few lines showing the capability on the demo samples.
pub fn demo_step(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    let opts = ReadOptions::default();
    for name in [
        "iptc-reference.jpg",
        "olympus-pen-e-p3.jpg",
        "photoshop-all-metadata.png",
        "nikon-d1x.webp",
    ] {
        let m = md::read_path(dir.join(name), &opts)?;
        let get = |k: &str| {
            m.get(k)
                .and_then(|v| v.first_text())
                .unwrap_or("-")
                .to_string()
        };
        lines.push(format!(
            "{name}: {} tags; camera {} {}; description {:?}; keywords {}",
            m.tags.len(),
            get("IFD0:Make"),
            get("IFD0:Model"),
            short(&serde_json::Value::String(get("MWG:Description"))),
            m.get("MWG:Keywords").map_or(0, |k| k.texts().len()),
        ));
    }
    // Write to a copy: keywords go to XMP, IIM (with a new digest) and lr:hierarchicalSubject.
    let tmp = tempfile::tempdir()?;
    let copy = tmp.path().join("iptc-reference.jpg");
    std::fs::copy(dir.join("iptc-reference.jpg"), &copy)?;
    let r = md::write_path(
        &copy,
        &[Edit::parse(
            Op::Add,
            "MWG:Keywords=Places|Bridges|Stone bridge",
        )?],
        &WriteOptions::default(),
    )?;
    let back = md::read_path(&copy, &opts)?;
    lines.push(format!(
        "wrote keyword 'Places|Bridges|Stone bridge' to a copy of iptc-reference.jpg: IIM synced {:?}, \
         MWG:Keywords now {} items, image data untouched",
        r.iim_synced,
        back.get("MWG:Keywords").map_or(0, |k| k.texts().len())
    ));
    Ok(lines)
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_step_runs_on_the_samples() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let lines = super::demo_step(&dir).unwrap();
        assert!(lines.len() >= 5, "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("IIM synced")), "{lines:?}");
    }
}
