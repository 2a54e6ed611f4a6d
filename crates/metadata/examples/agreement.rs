//! Prints the agreement table between damkit-metadata and ExifTool for a folder.
//!
//! ```text
//! cargo run --release -p damkit-metadata --example agreement -- \
//!     ../shared/data/metadata ../shared/data/metadata/exiftool-G1.json \
//!     [../shared/data/metadata/exiftool-mwg.json] [--diff]
//! ```
//! Paths in the JSON (`SourceFile`) are relative to the folder.

use std::path::PathBuf;

use damkit_metadata::agreement::{Report, load_exiftool_json};
use damkit_metadata::{ReadOptions, read_path};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let diff = args.iter().any(|a| a == "--diff");
    let pos: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    if pos.len() < 2 {
        eprintln!("usage: agreement DIR EXIFTOOL_G1.json [EXIFTOOL_MWG.json] [--diff]");
        std::process::exit(2);
    }
    let dir = PathBuf::from(pos[0]);
    let g1 = load_exiftool_json(&PathBuf::from(pos[1]))?;
    let mwg = match pos.get(2) {
        Some(p) => load_exiftool_json(&PathBuf::from(p))?,
        None => Default::default(),
    };
    let mut report = Report::default();
    let mut failures = 0;
    for (file, theirs) in &g1 {
        let path = dir.join(file);
        let ours = match read_path(&path, &ReadOptions::default()) {
            Ok(md) => md.to_exiftool_json(),
            Err(e) => {
                failures += 1;
                eprintln!("{}: {e}", path.display());
                serde_json::json!({})
            }
        };
        report.add(theirs, &ours, mwg.get(file));
    }
    println!("{} files ({} could not be read)\n", report.files, failures);
    print!("{}", report.table());
    if diff {
        println!();
        for d in &report.differences {
            let ours = d
                .ours
                .as_ref()
                .map_or("<missing>".to_string(), |v| v.to_string());
            let t = d.exiftool.to_string();
            println!(
                "{} | {} | exiftool={} | ours={}",
                d.file,
                d.key,
                &t[..t.len().min(120)],
                &ours[..ours.len().min(120)]
            );
        }
    }
    Ok(())
}
