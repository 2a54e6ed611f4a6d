//! # Tutorial: which of these pictures are the same?
//!
//! A DAM that holds the same photo twice splits its history: keywords on one copy, rights on
//! the other. Duplicates come in three strengths, and damkit checks them in order:
//!
//! 1. **exact**: the same bytes (a copy of a copy);
//! 2. **content**: the same image data with different metadata (someone added keywords, and
//!    the file's checksum changed);
//! 3. **near**: the same picture after an edit (resized, recompressed, rotated, mirrored,
//!    cropped a little).
//!
//! Run it on the samples bundled with the `damkit` command, or on any folder:
//!
//! ```text
//! cargo run --example find_duplicates
//! cargo run --example find_duplicates -- ~/Pictures
//! ```

use std::path::{Path, PathBuf};

use damkit::dedup::content::content_hash_file;
use damkit::dedup::decode::{DecodeOptions, Dihedral, load_luma};
use damkit::dedup::finder::{FindOptions, find_duplicates};
use damkit::dedup::near::{Fingerprint, NearOptions};
use damkit::dedup::pdq::PdqDct;
use damkit::dedup::phash::PhashDct;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/cli/samples");
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| samples.clone());

    // ## Lesson 1: the whole pipeline in one call
    //
    // `find_duplicates` walks the folders, finds exact duplicates the way the fastest tree
    // finders do (group by size, skip hard links, hash the first and last 4 KiB, fully hash
    // only what is still ambiguous), then hashes image payloads without their metadata, then
    // fingerprints the remaining images. Nothing stops it: unreadable files are reported.
    let report = find_duplicates(std::slice::from_ref(&root), &FindOptions::default(), None);
    println!("{} files walked", report.stats.files);
    for g in &report.groups {
        println!("{:?} group:", g.kind);
        for f in &g.files {
            println!("  distance {:>2}  {}", f.distance, f.path.display());
        }
    }
    for e in &report.errors {
        println!("error: {e}");
    }

    // The remaining lessons look inside, on the bundled bridge photo and its rotated copy.
    let bridge = samples.join("bridge.jpg");
    let rotated = samples.join("bridge-rotated.jpg");

    // ## Lesson 2: a metadata-blind hash
    //
    // The content hash reads the JPEG's segments and skips APPn (EXIF, XMP, IPTC, ICC) and
    // comments. Editing keywords changes the file, not this hash.
    let limits = damkit::Limits::default();
    let c = content_hash_file(&bridge, &limits)?;
    println!("\ncontent hash of bridge.jpg covers {:?}", c.scope);

    // ## Lesson 3: rotations for free
    //
    // pHash keeps the lowest 8×8 DCT coefficients of a 32×32 reduction. Mirroring an image
    // flips the sign of its odd frequencies; transposing it transposes the coefficients. So
    // the hashes of all 8 rotations and flips come from one DCT, without decoding again.
    let opts = DecodeOptions::default(); // limits, EXIF orientation, 1/8-size JPEG decode
    let a = load_luma(&bridge, &opts)?;
    let b = load_luma(&rotated, &opts)?;
    let dct = PhashDct::of(&a.gray);
    let target = PhashDct::of(&b.gray).hash();
    for t in Dihedral::ALL {
        let d = (dct.transformed(t).hash() ^ target).count_ones();
        println!("pHash of bridge.jpg as {t:?}: {d:>2} bits from bridge-rotated.jpg");
    }

    // ## Lesson 4: a second opinion and a quality gate
    //
    // 64 bits can make two look-alike scenes collide; PDQ's 256 bits tell them apart, so a
    // near duplicate needs both. PDQ also scores how much detail the image has: a black
    // frame scores 0 and is never matched on its hash alone.
    let q = PdqDct::of_luma(&a).hash();
    println!(
        "\nPDQ of bridge.jpg: {} (quality {})",
        q.hash.to_hex(),
        q.quality
    );
    let near = NearOptions::default();
    let fa = Fingerprint::of(&a, &near);
    let fb = Fingerprint::of(&b, &near);
    println!(
        "over all variants: pHash distance {}, PDQ distance {} (thresholds {} and {})",
        fa.distance(&fb),
        fa.pdq_distance(&fb),
        near.threshold,
        near.pdq_threshold
    );
    Ok(())
}
