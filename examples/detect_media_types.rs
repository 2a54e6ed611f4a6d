//! # Tutorial: what is in this folder?
//!
//! Before a DAM can do anything with a file it must know what the file *is*. File names lie
//! (`IMG_0001.JPG` exported as PNG, a `.tif` that is really a Nikon RAW), so damkit looks at
//! the first bytes of the file, its *magic bytes*.
//!
//! Run it on the samples bundled with the `damkit` command, or on any folder:
//!
//! ```text
//! cargo run --example detect_media_types
//! cargo run --example detect_media_types -- ~/Pictures
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

// Everything lives behind the `damkit` facade; `MediaType` comes from the small `damkit-core`
// crate that every damkit crate shares.
use damkit::{MediaFamily, MediaType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The folder to look at: the first argument, or the samples bundled with the CLI.
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/cli/samples"));

    // We walk the folder ourselves with the standard library to keep the lesson small.
    let mut files = Vec::new();
    collect_files(&root, &mut files)?;
    files.sort();

    // `MediaType::detect_path` reads at most `DETECT_HEAD_LEN` bytes of the file, and uses
    // the extension only as a *hint* for what the bytes cannot settle (a TIFF-structured file
    // named `.nef` is a Nikon RAW even when its first IFD shows no sensor data). It never lets
    // the name override a signature: a JPEG named `.png` is a JPEG.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for path in &files {
        let kind = MediaType::detect_path(path)?;
        let label = match kind {
            Some(t) => {
                // Each media type knows its MIME type, its usual extensions and its family:
                // raster image, camera RAW or metadata sidecar.
                let family = match t.family() {
                    MediaFamily::Raster => "raster",
                    MediaFamily::Raw => "raw",
                    MediaFamily::Sidecar => "sidecar",
                    _ => "other",
                };
                println!(
                    "{:<5} {:<26} {family:<7} {}",
                    t.name(),
                    t.mime(),
                    path.display()
                );
                t.name().to_string()
            }
            None => {
                println!("{:<5} {:<26} {:<7} {}", "-", "unknown", "-", path.display());
                "unknown".to_string()
            }
        };
        *counts.entry(label).or_default() += 1;
    }

    // A summary per type, the way a DAM's ingest report starts.
    println!();
    for (kind, n) in counts {
        println!("{n:>6}  {kind}");
    }
    Ok(())
}

/// Every regular file under `dir`, without following symbolic links.
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_files(&entry.path(), out)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}
