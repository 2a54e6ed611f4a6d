//! Ingest: walking, hashing, the hash cache, versions, duplicates, bad input.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use damkit::library::stage::{AssetStage, KeywordRecord, StageInput, StageOutput};
use damkit::library::{
    DuplicateAction, DuplicatePolicy, Library, LibraryConfig, StorageMode, exact_hash,
};
use damkit::{AssetId, MediaType};

use crate::util::{bump_mtime, can_read_mode_000, jpeg, opts, setup, write};

#[test]
fn ingest_records_assets_and_rerun_skips_unchanged_files() {
    let (_d, src, lib) = setup(LibraryConfig::default());
    write(&src, "a.jpg", &jpeg("a"));
    write(&src, "sub/b.jpg", &jpeg("b"));
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    std::fs::copy(data.join("nikon-d1x.webp"), src.join("n.webp")).unwrap();
    std::fs::copy(data.join("photoshop-all-metadata.png"), src.join("p.png")).unwrap();
    write(&src, "notes.txt", b"not an image");

    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.added.len(), 4, "{r:#?}");
    assert_eq!(r.files_seen, 5);
    assert_eq!(r.skipped.len(), 1, "{:?}", r.skipped);
    assert!(r.skipped[0].reason.contains("not a media type"));
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    let webp = r.added.iter().find(|f| f.path.ends_with("n.webp")).unwrap();
    assert_eq!(webp.media_type, Some(MediaType::WebP));
    assert_eq!(
        webp.blake3,
        exact_hash(&data.join("nikon-d1x.webp")).unwrap().0
    );
    // Every stage is in the report; capability stages say they are not wired.
    let names: Vec<&str> = r.stages.iter().map(|s| s.name.as_str()).collect();
    for n in [
        "walk",
        "detect",
        "exact_hash",
        "duplicates",
        "catalog",
        "metadata",
        "renditions",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    let meta = r.stages.iter().find(|s| s.name == "metadata").unwrap();
    assert!(meta.wired, "{meta:?}");
    assert!(
        r.stages
            .iter()
            .find(|s| s.name == "exact_hash")
            .unwrap()
            .files
            >= 4
    );

    let stats = lib.stats().unwrap();
    assert_eq!((stats.assets, stats.versions, stats.files), (4, 4, 4));
    assert_eq!(stats.by_status.get("draft"), Some(&4));
    assert_eq!(stats.audit_entries, 4);

    // Re-run: nothing is hashed again.
    let r2 = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r2.unchanged, 4, "{r2:#?}");
    assert!(r2.added.is_empty() && r2.new_versions.is_empty());
    assert_eq!(
        r2.stages
            .iter()
            .find(|s| s.name == "exact_hash")
            .unwrap()
            .files,
        0
    );
    assert_eq!(lib.stats().unwrap().assets, 4);
}

#[test]
fn a_changed_file_becomes_a_new_version_and_the_old_one_stays() {
    let mut config = LibraryConfig::default();
    config.storage.mode = StorageMode::Copy;
    let (_d, src, lib) = setup(config);
    let p = write(&src, "a.jpg", &jpeg("first"));
    bump_mtime(&p, 1);
    let r = lib.ingest(&[&src], &opts()).unwrap();
    let id = r.added[0].id;
    let v1_hash = r.added[0].blake3.clone();

    // Touching without changing bytes is not a new version.
    bump_mtime(&p, 2);
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!((r.unchanged, r.new_versions.len()), (1, 0), "{r:#?}");

    std::fs::write(&p, jpeg("second")).unwrap();
    bump_mtime(&p, 3);
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.new_versions.len(), 1, "{r:#?}");
    assert_eq!(r.new_versions[0].id, id);
    assert_eq!(r.new_versions[0].version, 2);

    let asset = lib.asset(&id).unwrap();
    assert_eq!(asset.versions.len(), 2);
    assert_eq!(asset.current_version().unwrap().number, 2);
    assert_eq!(asset.versions[0].blake3, v1_hash);
    // Copy mode: the old bytes are retrievable from objects/.
    let old = lib.version_content(&id, 1).unwrap();
    assert!(old.starts_with(lib.path().join("objects")));
    assert_eq!(std::fs::read(old).unwrap(), jpeg("first"));
    let actions: Vec<&str> = asset.audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["ingest", "new_version"]);
    assert_eq!(lib.stats().unwrap().assets, 1);
}

#[test]
fn reference_mode_says_when_old_bytes_are_gone() {
    let (_d, src, lib) = setup(LibraryConfig::default());
    let p = write(&src, "a.jpg", &jpeg("first"));
    bump_mtime(&p, 1);
    let id = lib.ingest(&[&src], &opts()).unwrap().added[0].id;
    assert_eq!(
        lib.version_content(&id, 1).unwrap(),
        std::fs::canonicalize(&p).unwrap()
    );
    std::fs::write(&p, jpeg("second")).unwrap();
    bump_mtime(&p, 2);
    lib.ingest(&[&src], &opts()).unwrap();
    let err = lib.version_content(&id, 1).unwrap_err();
    assert!(err.to_string().contains("version 1"), "{err}");
    assert!(lib.version_content(&id, 2).is_ok());
    assert!(lib.version_content(&id, 3).is_err());
}

fn dup_setup(policy: DuplicatePolicy) -> (tempfile::TempDir, Library, damkit::IngestReport) {
    let mut config = LibraryConfig::default();
    config.duplicates.exact = policy;
    let (d, src, lib) = setup(config);
    write(&src, "a/one.jpg", &jpeg("same"));
    write(&src, "b/two.jpg", &jpeg("same"));
    write(&src, "c/three.jpg", &jpeg("other"));
    let r = lib.ingest(&[&src], &opts()).unwrap();
    (d, lib, r)
}

#[test]
fn exact_duplicates_are_linked_by_default() {
    let (_d, lib, r) = dup_setup(DuplicatePolicy::Link);
    assert_eq!(r.added.len(), 2);
    assert_eq!(r.duplicates.len(), 1);
    assert_eq!(r.duplicates[0].action, DuplicateAction::Linked);
    let of = r.duplicates[0].duplicate_of;
    let asset = lib.asset(&of).unwrap();
    let roles: Vec<&str> = asset.files.iter().map(|f| f.role.as_str()).collect();
    assert_eq!(roles, ["primary", "copy"]);
    let dupes = lib.duplicates().unwrap();
    assert_eq!(dupes.exact.len(), 1);
    assert_eq!(dupes.exact[0].members.len(), 2);
    assert_eq!(dupes.wasted_bytes, jpeg("same").len() as u64);
    // Re-run: the linked copy is in the hash cache too.
    let r2 = lib
        .ingest(&[r.library.parent().unwrap().join("src")], &opts())
        .unwrap();
    assert_eq!(r2.unchanged, 3, "{r2:#?}");
}

#[test]
fn exact_duplicates_skipped_or_kept_by_policy() {
    let (_d, lib, r) = dup_setup(DuplicatePolicy::Skip);
    assert_eq!(r.added.len(), 2);
    assert_eq!(r.duplicates[0].action, DuplicateAction::Skipped);
    assert_eq!(lib.stats().unwrap().by_role.get("skipped"), Some(&1));

    let (_d, lib, r) = dup_setup(DuplicatePolicy::Keep);
    assert_eq!(r.added.len(), 3);
    assert_eq!(r.duplicates[0].action, DuplicateAction::Kept);
    assert!(r.duplicates[0].kept_as.is_some());
    let dupes = lib.duplicates().unwrap();
    let ids: HashSet<AssetId> = dupes.exact[0].members.iter().map(|m| m.id).collect();
    assert_eq!(ids.len(), 2, "two assets share the bytes");
}

#[test]
fn damkitignore_is_honoured_and_the_library_is_never_ingested_into_itself() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".damkitignore", b"*.tmp.jpg\nrejects/\n");
    write(root, "keep.jpg", &jpeg("keep"));
    write(root, "x.tmp.jpg", &jpeg("tmp"));
    write(root, "rejects/r.jpg", &jpeg("rej"));
    write(root, ".hidden.jpg", &jpeg("hidden"));
    // The library lives inside the folder being ingested.
    let lib = Library::create(root.join("lib"), LibraryConfig::default()).unwrap();
    let r = lib.ingest(&[root], &opts()).unwrap();
    let added: Vec<String> = r
        .added
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(added, ["keep.jpg"], "{r:#?}");
    assert!(r.failures.is_empty(), "{:?}", r.failures);
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_are_ingested_exactly() {
    use std::os::unix::ffi::OsStrExt;
    let (_d, src, lib) = setup(LibraryConfig::default());
    let name = std::ffi::OsStr::from_bytes(b"caf\xE9-\xFF.jpg");
    let p = src.join(name);
    if std::fs::write(&p, jpeg("latin1")).is_err() {
        eprintln!("note: this file system refuses non-UTF-8 names; test skipped");
        return;
    }
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.added.len(), 1, "{r:#?}");
    // (The capability stages also warn: these test files are JPEG signatures, not images.)
    let utf8: Vec<_> = r
        .warnings
        .iter()
        .filter(|w| w.message.contains("UTF-8"))
        .collect();
    assert_eq!(utf8.len(), 1, "{:?}", r.warnings);
    let asset = lib.asset(&r.added[0].id).unwrap();
    assert_eq!(
        asset.files[0].path.file_name().unwrap(),
        name,
        "exact bytes kept"
    );
    // The JSON form is lossy but valid.
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("caf\u{FFFD}"), "{json}");
    // Hash cache works on the exact path.
    assert_eq!(lib.ingest(&[&src], &opts()).unwrap().unchanged, 1);
}

#[test]
fn bad_input_is_reported_never_fatal() {
    let (d, src, lib) = setup(LibraryConfig::default());
    for i in 0..2000 {
        write(&src, &format!("empty/{i:05}.jpg"), b"");
    }
    write(&src, "good.jpg", &jpeg("good"));
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad/truncated.jpg"),
        src.join("truncated.jpg"),
    )
    .unwrap();
    let missing = d.path().join("does-not-exist");
    let mut unreadable = None;
    #[cfg(unix)]
    if !can_read_mode_000(d.path()) {
        use std::os::unix::fs::PermissionsExt;
        let p = write(&src, "locked.jpg", &jpeg("locked"));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
        unreadable = Some(p);
    }
    if unreadable.is_none() {
        eprintln!(
            "note: running as a user who can read mode-000 files; unreadable-file case skipped"
        );
    }
    let r = lib
        .ingest(&[src.clone(), missing.clone()], &opts())
        .unwrap();
    assert_eq!(
        r.skipped
            .iter()
            .filter(|s| s.reason == "empty file")
            .count(),
        2000
    );
    // Until the metadata and rendition stages decode images, a truncated JPEG is ingested.
    assert_eq!(r.added.len(), 2, "{:?}", r.added);
    assert!(
        r.failures
            .iter()
            .any(|f| f.path == missing && f.stage == "walk")
    );
    if let Some(p) = unreadable {
        let f = r
            .failures
            .iter()
            .find(|f| f.path.ends_with("locked.jpg"))
            .unwrap();
        assert!(f.error.to_lowercase().contains("permission"), "{f:?}");
        let _ = p;
    }
}

#[cfg(unix)]
#[test]
fn symlinks_are_skipped_or_followed_without_loops() {
    let (_d, src, lib) = setup(LibraryConfig::default());
    write(&src, "real/a.jpg", &jpeg("a"));
    std::os::unix::fs::symlink(src.join("real"), src.join("real/loop")).unwrap();
    std::os::unix::fs::symlink(src.join("real/a.jpg"), src.join("link.jpg")).unwrap();
    std::os::unix::fs::symlink(src.join("gone.jpg"), src.join("dangling.jpg")).unwrap();

    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.added.len(), 1);
    assert_eq!(r.skipped.len(), 3, "{:?}", r.skipped);

    let r = lib.ingest(&[&src], &opts().follow_symlinks(true)).unwrap();
    // The loop and the dangling link are reported; the link to a.jpg is a linked duplicate.
    assert!(
        r.failures
            .iter()
            .any(|f| f.error.to_lowercase().contains("loop")),
        "{:?}",
        r.failures
    );
    assert_eq!(r.duplicates.len(), 1, "{r:#?}");
}

#[cfg(unix)]
#[test]
fn fifos_are_skipped_not_opened() {
    let (_d, src, lib) = setup(LibraryConfig::default());
    let fifo = src.join("pipe.jpg");
    let ok = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !ok.is_ok_and(|s| s.success()) {
        eprintln!("note: mkfifo unavailable; test skipped");
        return;
    }
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.skipped.len(), 1);
    assert!(r.skipped[0].reason.contains("not a regular file"));
}

/// A stage as an application (or a damkit crate, once wired) would plug in.
struct FakeTagger {
    calls: AtomicUsize,
}

impl AssetStage for FakeTagger {
    fn name(&self) -> &str {
        "tagger"
    }
    fn process(
        &self,
        input: &StageInput<'_>,
        out: &mut StageOutput,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if input.path.ends_with("bad.jpg") {
            return Err(format!("cannot tag {}", input.path.display()).into());
        }
        let bytes = std::fs::read(input.content)?;
        out.metadata = Some(("tagger".into(), serde_json::json!({ "len": bytes.len() })));
        out.title = Some("tagged".into());
        out.hashes.push(("len".into(), bytes.len().to_string()));
        out.keywords.push(KeywordRecord {
            keyword: "auto".into(),
            concept: None,
            vocabulary: None,
        });
        Ok(())
    }
}

#[test]
fn plugged_in_stages_are_stored_and_their_failures_are_warnings() {
    let (_d, src, lib) = setup(LibraryConfig::default());
    write(&src, "ok.jpg", &jpeg("ok"));
    write(&src, "bad.jpg", &jpeg("bad"));
    write(&src, "zz-dup.jpg", &jpeg("ok"));
    let tagger = Arc::new(FakeTagger {
        calls: AtomicUsize::new(0),
    });
    let r = lib.ingest(&[&src], &opts().stage(tagger.clone())).unwrap();
    assert_eq!(r.added.len(), 2);
    // Stages do not run on duplicates.
    assert_eq!(tagger.calls.load(Ordering::SeqCst), 2);
    let tagger_warnings: Vec<_> = r
        .warnings
        .iter()
        .filter(|w| w.message.contains("tagger"))
        .collect();
    assert_eq!(tagger_warnings.len(), 1, "{:?}", r.warnings);
    assert!(tagger_warnings[0].path.ends_with("bad.jpg"));
    let ok = r.added.iter().find(|f| f.path.ends_with("ok.jpg")).unwrap();
    let asset = lib.asset(&ok.id).unwrap();
    assert_eq!(asset.title.as_deref(), Some("tagged"));
    assert_eq!(asset.keywords[0].keyword, "auto");
    let v = asset.current_version().unwrap();
    assert_eq!(v.metadata.as_ref().unwrap()["len"], jpeg("ok").len());
    assert!(v.hashes.contains_key("len") && v.hashes.contains_key("blake3"));
    assert!(
        r.stages
            .iter()
            .any(|s| s.name == "tagger" && s.wired && s.files == 2)
    );
}

#[test]
fn progress_is_reported_for_every_file() {
    let (_d, src, lib) = setup(LibraryConfig::default());
    for i in 0..50 {
        write(&src, &format!("{i}.jpg"), &jpeg(&i.to_string()));
    }
    let seen = Arc::new(AtomicUsize::new(0));
    let s2 = seen.clone();
    let r = lib
        .ingest(
            &[&src],
            &opts().progress(move |p| {
                assert!(p.done <= p.total && p.total == 50);
                s2.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 50);
    assert_eq!(r.added.len(), 50);
    assert!(r.files_per_second > 0.0);
}

#[test]
fn a_new_file_with_the_bytes_of_a_new_version_in_the_same_run_is_a_duplicate() {
    let (_d, src, lib) = setup(LibraryConfig::default());
    let a = write(&src, "a.jpg", &jpeg("x"));
    bump_mtime(&a, 1);
    let id = lib.ingest(&[&src], &opts()).unwrap().added[0].id;
    std::fs::write(&a, jpeg("y")).unwrap();
    bump_mtime(&a, 2);
    write(&src, "b.jpg", &jpeg("y"));
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.new_versions.len(), 1, "{r:#?}");
    assert_eq!(r.duplicates.len(), 1, "{r:#?}");
    assert_eq!(r.duplicates[0].duplicate_of, id);
    assert!(r.added.is_empty());
    let asset = lib.asset(&id).unwrap();
    assert!(
        asset.files.iter().all(|f| f.version == 2),
        "{:?}",
        asset.files
    );
}

/// A stage that waits (at most 60 s) until the test lets it go, telling when it started.
struct Gate {
    entered: std::sync::atomic::AtomicBool,
    release: std::sync::atomic::AtomicBool,
}

impl AssetStage for Gate {
    fn name(&self) -> &str {
        "gate"
    }
    fn process(
        &self,
        _input: &StageInput<'_>,
        _out: &mut StageOutput,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.entered.store(true, Ordering::SeqCst);
        for _ in 0..6000 {
            if self.release.load(Ordering::SeqCst) {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        Err("the test never released the gate".into())
    }
}

#[test]
fn readers_of_the_same_handle_are_not_blocked_while_stages_run() {
    let (_d, src, lib) = setup(LibraryConfig::default());
    write(&src, "first.jpg", &jpeg("first"));
    lib.ingest(&[&src], &opts()).unwrap();
    write(&src, "second.jpg", &jpeg("second"));
    let gate = Arc::new(Gate {
        entered: false.into(),
        release: false.into(),
    });
    std::thread::scope(|s| {
        let ingest = s.spawn(|| lib.ingest(&[&src], &opts().stage(gate.clone())).unwrap());
        while !gate.entered.load(Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // The stage is running (and cannot finish until released): a reader on the same
        // handle gets the catalog, and sees the last committed state (the batch is not).
        let (tx, rx) = std::sync::mpsc::channel();
        let lib = &lib;
        s.spawn(move || {
            let stats = lib.stats().unwrap();
            let assets = lib.assets().unwrap();
            tx.send((stats.assets, assets.len())).unwrap();
        });
        let seen = rx.recv_timeout(std::time::Duration::from_secs(30));
        gate.release.store(true, Ordering::SeqCst);
        assert_eq!(
            seen.expect("a reader was blocked while a stage ran"),
            (1, 1)
        );
        let r = ingest.join().unwrap();
        assert_eq!(r.added.len(), 1, "{r:#?}");
    });
    assert_eq!(lib.stats().unwrap().assets, 2);
}

#[test]
fn two_handles_ingesting_the_same_folder_record_each_file_once() {
    let (d, src, lib) = setup(LibraryConfig::default());
    for i in 0..40 {
        write(&src, &format!("f{i:02}.jpg"), &jpeg(&format!("f{i}")));
    }
    // Some same bytes under two names: duplicates, whichever handle sees them first.
    write(&src, "zz-copy.jpg", &jpeg("f7"));
    let other = Library::open(d.path().join("lib")).unwrap();
    std::thread::scope(|s| {
        let a = s.spawn(|| lib.ingest(&[&src], &opts()).unwrap());
        let b = s.spawn(|| other.ingest(&[&src], &opts()).unwrap());
        a.join().unwrap();
        b.join().unwrap();
    });
    let stats = lib.stats().unwrap();
    assert_eq!(stats.assets, 40, "{stats:?}");
    let assets = lib.assets().unwrap();
    let ids: HashSet<AssetId> = assets.iter().map(|a| a.id).collect();
    assert_eq!(ids.len(), 40);
}
