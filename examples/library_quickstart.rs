//! # Tutorial: a library folder in five minutes
//!
//! A DAM starts with a *library*: a folder that holds a catalog of assets (what they are,
//! their versions, who approved them), the originals or references to them, and everything
//! derived from them (renditions, a search index). damkit's [`Library`] is that folder.
//!
//! This lesson builds a library from the sample photos bundled with the `damkit` command,
//! ingests them twice (the second time is nearly free), looks at what the capability stages
//! recorded (metadata, renditions, hashes, rights), changes one file to make a new version,
//! edits an asset (written back into the photo), walks it through review to approval, and
//! reads the reports: duplicates (exact and near), rights, vocabulary.
//!
//! ```text
//! cargo run --example library_quickstart
//! ```

use std::path::Path;

use damkit::library::{
    Edit, IngestOptions, Library, LibraryConfig, LifecycleStatus, StorageMode, stage,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ## 1. Create a library
    //
    // We work in a temporary folder so the lesson leaves nothing behind. The samples are
    // copied into `photos/` because we are going to modify one of them.
    let work = tempfile::tempdir()?;
    let photos = work.path().join("photos");
    std::fs::create_dir(&photos)?;
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/cli/samples");
    for entry in std::fs::read_dir(&samples)? {
        let entry = entry?;
        std::fs::copy(entry.path(), photos.join(entry.file_name()))?;
    }
    // And an exact copy of one photo, as happens with every camera card imported twice.
    std::fs::copy(
        samples.join("bridge.jpg"),
        photos.join("copy of bridge.jpg"),
    )?;

    // The configuration is `damkit.toml` in the library folder. `StorageMode::Copy` copies
    // every original into `objects/ab/cdef…`, named by its BLAKE3 hash: the library then
    // owns its bytes and every version stays retrievable. (`Reference`, the default, leaves
    // originals where they are, like Lightroom.)
    let mut config = LibraryConfig::default();
    config.storage.mode = StorageMode::Copy;
    let lib = Library::create(work.path().join("library"), config)?;
    println!("created {}", lib.path().display());

    // ## 2. Ingest
    //
    // `ingest` walks folders (honouring `.damkitignore` files), detects each file's type from
    // its magic bytes, hashes it, stores it, spots exact duplicates, then runs the capability
    // stages on each new asset: metadata (EXIF/IPTC/XMP), renditions (thumb 256 and preview
    // 1024 by default), content and perceptual hashes, keywords, rights. Everything goes into
    // the catalog in batches: kill it at any moment and the next run completes the library.
    // Nothing stops it: every problem goes into the report.
    let options = IngestOptions::default().actor("alice");
    let report = lib.ingest(&[&photos], &options)?;
    println!(
        "ingest: {} files, {} new assets, {} duplicates, {} skipped",
        report.files_seen,
        report.added.len(),
        report.duplicates.len(),
        report.skipped.len()
    );
    for d in &report.duplicates {
        println!(
            "  {} is an exact copy of {} ({:?})",
            d.path.display(),
            d.duplicate_of,
            d.action
        );
    }
    for s in &report.skipped {
        println!("  skipped {}: {}", s.path.display(), s.reason);
    }
    // The report has a time per stage (summed over worker threads); a stage not in this
    // build (its feature is off) says so.
    for s in &report.stages {
        match &s.note {
            Some(note) => println!("  stage {:<16} {note}", s.name),
            None => println!(
                "  stage {:<16} {:>8.2} ms over {} files",
                s.name, s.time_ms, s.files
            ),
        }
    }
    let _ = stage::NOT_WIRED; // the stages not in this build, as data

    // What the stages recorded for the IPTC reference photo: title and keywords from its
    // metadata, renditions, hashes, and a rights policy from its PLUS fields.
    let reference = report
        .added
        .iter()
        .find(|f| f.path.ends_with("iptc-reference.jpg"))
        .expect("the IPTC reference photo was ingested");
    let a = lib.asset(&reference.id)?;
    let v = a.current_version().expect("a current version");
    let facts = damkit::library::AssetFacts::from_metadata_json(
        v.metadata.as_ref().expect("metadata was read"),
    );
    println!(
        "{:?}: {:?}x{:?}, keywords {:?}",
        a.title.as_deref().unwrap_or("-"),
        facts.width,
        facts.height,
        facts.keywords
    );
    for r in &v.renditions {
        println!(
            "  rendition {} {}x{} at {}",
            r.preset, r.width, r.height, r.path
        );
    }
    println!(
        "  pHash {}, rights from {}",
        v.hashes.get("phash").map_or("-", String::as_str),
        a.rights_source.as_deref().unwrap_or("nowhere")
    );

    // ## 3. Ingest again: the hash cache
    //
    // A file whose (device, inode, size, modification time) has not changed is not read
    // again, so re-running over a large folder costs a `stat` per file.
    let again = lib.ingest(&[&photos], &options)?;
    println!(
        "ingest again: {} unchanged, {} added",
        again.unchanged,
        again.added.len()
    );

    // ## 4. A changed file is a new version of the same asset
    let bridge = report
        .added
        .iter()
        .find(|f| f.path.ends_with("bridge.jpg"))
        .expect("bridge.jpg was ingested");
    let mut bytes = std::fs::read(photos.join("bridge.jpg"))?;
    bytes.extend_from_slice(b"edited"); // bytes after the JPEG end marker: a different file
    std::fs::write(photos.join("bridge.jpg"), bytes)?;
    let edited = lib.ingest(&[&photos], &options)?;
    println!(
        "after an edit: {} new version(s)",
        edited.new_versions.len()
    );
    let asset = lib.asset(&bridge.id)?;
    for v in &asset.versions {
        println!(
            "  version {}{}: {} bytes, blake3 {}…",
            v.number,
            if v.current { " (current)" } else { "" },
            v.size,
            &v.blake3[..16]
        );
    }
    // In copy mode the first version's bytes are still there.
    println!(
        "  version 1 is kept at {}",
        lib.version_content(&bridge.id, 1)?.display()
    );

    // ## 5. Edits and the lifecycle
    //
    // Edits change fields in one transaction, each change audited. Title, description and
    // keywords are first written into the photo itself (embedded XMP; `metadata.write_back`
    // in `damkit.toml` can choose a sidecar instead): if that fails, nothing changes. The
    // rewritten photo is recorded as a new version, so the next ingest finds it unchanged.
    let olympus = report
        .added
        .iter()
        .find(|f| f.path.ends_with("olympus-pen-e-p3.jpg"))
        .expect("the Olympus photo was ingested");
    let edits = [
        "title=Street at dusk".parse::<Edit>()?,
        "keywords=street, city".parse()?,
    ];
    match lib.edit(&olympus.id, &edits, "alice") {
        Ok(written) => {
            if let Some(w) = &written.write_back {
                println!(
                    "edit written into {} (new version {:?})",
                    w.written.as_deref().unwrap_or(Path::new("-")).display(),
                    w.new_version
                );
            }
        }
        // A file damkit-metadata cannot rewrite safely is refused, and nothing changes.
        Err(e) => println!("edit refused: {e}"),
    }
    // Assets start as drafts; only approved ones are distributable, and by default a draft
    // goes through review first. A refused transition says what is allowed.
    if let Err(e) = lib.set_status(&olympus.id, LifecycleStatus::Approved, "alice") {
        println!("refused: {e}");
    }
    lib.set_status(&olympus.id, LifecycleStatus::InReview, "alice")?;
    lib.set_status(&olympus.id, LifecycleStatus::Approved, "bob")?;
    let asset = lib.asset(&olympus.id)?;
    println!(
        "{:?} is {} (distributable: {})",
        asset.title.as_deref().unwrap_or("-"),
        asset.status,
        asset.distributable
    );
    // The audit log is append-only: SQLite triggers refuse to change or delete an entry.
    for e in &asset.audit {
        println!(
            "  audit {} {:<6} {:<12} {}",
            e.at, e.actor, e.action, e.detail
        );
    }

    // ## 6. Reports
    //
    // Duplicates at three levels: exact (same bytes), content (same pixels, other metadata)
    // and near (the rotated bridge is found, with its distance).
    let dupes = lib.duplicates()?;
    println!(
        "{} group(s) of exact duplicates, {} of content duplicates, {} of near duplicates",
        dupes.exact.len(),
        dupes.content.len(),
        dupes.near.len()
    );
    for g in &dupes.near {
        for m in &g.members {
            println!("  near: {} (distance {})", m.path.display(), m.distance);
        }
    }
    // Rights expiring within 30 days, and keywords no vocabulary knows (none is configured
    // here: every keyword is listed as uncontrolled; see the `vocabulary` example).
    let rights = lib.rights_report(30)?;
    println!(
        "{} asset(s) with rights, {} needing attention",
        rights.with_rights,
        rights.alerts.len()
    );
    let vocab = lib.vocabulary_report()?;
    println!(
        "{} keywords, {} controlled, {} without a concept",
        vocab.keywords,
        vocab.controlled,
        vocab.unknown.len()
    );
    let stats = lib.stats()?;
    println!(
        "{} assets, {} versions, {} files, {} bytes stored; by type {:?}",
        stats.assets, stats.versions, stats.files, stats.stored_bytes, stats.by_media_type
    );
    Ok(())
}
