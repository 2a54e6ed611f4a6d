//! # Reading and writing image metadata with `damkit::metadata`
//!
//! Run it from the repository root: `cargo run --example metadata`.
//!
//! A photo carries its description, creator, keywords and rights in up to three places:
//! EXIF (written by cameras), IPTC-IIM (the 1990s news standard, still everywhere) and XMP
//! (Adobe's RDF packets). They disagree more often than you would think. This lesson reads
//! all three, shows how they are reconciled, and writes a change back safely.

use std::path::PathBuf;

use damkit::metadata::{Edit, Op, ReadOptions, WriteOptions, read_path, write_path};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ## 1. Read a file
    //
    // The IPTC reference image fills every IPTC field, in EXIF, IIM and XMP. `read_path`
    // detects the container from its bytes and extracts the three families.
    let file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/cli/samples/iptc-reference.jpg");
    let md = read_path(&file, &ReadOptions::default())?;
    println!("{} tags read from {}", md.tags.len(), file.display());

    // Every tag is named as ExifTool names it (`-G1`), with ExifTool's `-n` values. This is
    // the lingua franca of the field: scripts written against ExifTool's JSON work on ours.
    for key in [
        "IFD0:Make",
        "IPTC:City",
        "XMP-photoshop:City",
        "XMP-iptcExt:PersonInImage",
    ] {
        println!(
            "  {key:<28} = {}",
            md.get(key).map_or("-".into(), |v| v.to_json().to_string())
        );
    }

    // ## 2. Reconcile
    //
    // When EXIF, IIM and XMP disagree, the Metadata Working Group rules decide: a non-blank
    // EXIF value wins for description, creator, copyright and dates; otherwise XMP wins unless
    // the IPTC digest shows that the IIM block was edited by a tool that ignored XMP.
    // Each reconciled value says where it came from.
    for r in &md.mwg {
        println!(
            "  MWG:{:<18} from {:?}: {}",
            r.name,
            r.source,
            r.value.to_json()
        );
    }

    // ## 3. The typed model
    //
    // For application code, `photo()` gives the IPTC Photo Metadata Standard as Rust fields.
    let photo = md.photo();
    println!(
        "  title: {:?}; keywords: {:?}",
        photo.iptc.title, photo.iptc.keywords
    );

    // ## 4. Write, safely
    //
    // We write to a copy. A hierarchical keyword (`Places|Bridges|Stone bridge`) goes to
    // `lr:hierarchicalSubject` as a path and to `dc:subject` as its leaf; the IIM keywords are
    // updated too, the IIM is declared UTF-8 and its digest refreshed, so that every reader
    // reconciles to the same answer. The image data is copied byte for byte, and the file is
    // replaced atomically (temporary file, fsync, rename) only after it reads back cleanly.
    let dir = tempfile_dir()?;
    let copy = dir.join("copy.jpg");
    std::fs::copy(&file, &copy)?;
    let report = write_path(
        &copy,
        &[
            Edit::parse(Op::Add, "MWG:Keywords=Places|Bridges|Stone bridge")?,
            Edit::parse(Op::Set, "XMP-dc:Title=A stone bridge")?,
        ],
        &WriteOptions::default(),
    )?;
    println!(
        "wrote {} (IIM synced: {:?})",
        report.written.display(),
        report.iim_synced
    );
    let back = read_path(&copy, &ReadOptions::default())?;
    println!(
        "  keywords now: {}",
        back.get("MWG:Keywords")
            .map_or("-".into(), |v| v.to_json().to_string())
    );
    println!(
        "  IPTC:ObjectName now: {}",
        back.get("IPTC:ObjectName")
            .map_or("-".into(), |v| v.to_json().to_string())
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// A fresh folder under the system temporary directory.
fn tempfile_dir() -> std::io::Result<PathBuf> {
    let d = std::env::temp_dir().join(format!("damkit-metadata-example-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
