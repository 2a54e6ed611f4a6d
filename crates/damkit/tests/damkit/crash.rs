//! Crash safety: an ingest killed at any moment, re-run, completes the library with no lost
//! and no duplicated asset; readers see consistent state while ingest writes.
//!
//! The test re-invokes its own binary (running only [`child_process_entry`]) with
//! `DAMKIT_TEST_CRASH_CHILD` set, kills it while it ingests, and checks the catalog.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use damkit::library::{IngestOptions, Library, LibraryConfig, StorageMode, exact_hash};

use crate::util::{jpeg, write};

const CHILD_ENV: &str = "DAMKIT_TEST_CRASH_CHILD";
const FILES: usize = 400;

/// Entry point of the child process. Without the environment variable (a normal test run)
/// it has nothing to do.
#[test]
fn child_process_entry() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (lib, src) = spec.split_once('\n').expect("LIB\\nSRC");
    let lib = Library::open(lib).expect("child opens the library");
    // Slow the child down so that the parent can kill it mid-way.
    let opts = IngestOptions::default()
        .actor("child")
        .threads(2)
        .progress(|_| std::thread::sleep(Duration::from_millis(4)));
    lib.ingest(&[src], &opts).expect("child ingest");
}

fn spawn_child(lib: &Path, src: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash::child_process_entry",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD_ENV, format!("{}\n{}", lib.display(), src.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Checks the invariants any committed state must satisfy, from a separate connection.
fn check_consistent(lib_dir: &Path) -> u64 {
    let reader = Library::open(lib_dir).unwrap();
    let s = reader.stats().unwrap();
    let primaries = s.by_role.get("primary").copied().unwrap_or(0);
    assert_eq!(
        s.assets, primaries,
        "every asset has its primary file: {s:?}"
    );
    assert_eq!(
        s.assets, s.versions,
        "every asset has exactly one version: {s:?}"
    );
    assert_eq!(
        s.audit_entries,
        s.assets + s.by_role.get("copy").copied().unwrap_or(0)
    );
    s.assets
}

#[test]
fn killed_ingest_completes_on_rerun_without_loss_or_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let mut unique = HashSet::new();
    for i in 0..FILES {
        // Every tenth file repeats an earlier one: duplicates are linked, not new assets.
        let seed = if i % 10 == 9 {
            format!("{}", i - 5)
        } else {
            i.to_string()
        };
        unique.insert(seed.clone());
        write(&src, &format!("d{}/{i:04}.jpg", i % 7), &jpeg(&seed));
    }
    let mut config = LibraryConfig::default();
    config.storage.mode = StorageMode::Copy;
    config.ingest.batch_size = 8;
    let lib_dir = dir.path().join("lib");
    drop(Library::create(&lib_dir, config).unwrap());

    // Kill the child at growing progress points, twice.
    let mut kills = 0;
    for target in [40u64, 160] {
        let mut child = spawn_child(&lib_dir, &src);
        let start = Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            // A reader while the child writes: always a consistent snapshot.
            if check_consistent(&lib_dir) >= target {
                child.kill().unwrap();
                kills += 1;
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(120), "child hangs");
            std::thread::sleep(Duration::from_millis(15));
        }
        let status = child.wait().unwrap();
        let n = check_consistent(&lib_dir);
        assert!(n < unique.len() as u64 || status.success(), "{n}");
    }
    assert!(kills >= 1, "the child finished before it could be killed");

    // Re-run to completion.
    let lib = Library::open(&lib_dir).unwrap();
    let r = lib
        .ingest(&[&src], &IngestOptions::default().actor("rerun"))
        .unwrap();
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert_eq!(check_consistent(&lib_dir), unique.len() as u64);

    // Every source file is known exactly once, and its bytes are stored intact.
    let mut paths: Vec<PathBuf> = Vec::new();
    for a in lib.assets().unwrap() {
        let view = lib.asset(&a.id).unwrap();
        let v = view.current_version().unwrap();
        let obj = lib.path().join(v.object.as_ref().unwrap());
        assert_eq!(exact_hash(&obj).unwrap().0, v.blake3, "{}", obj.display());
        paths.extend(view.files.iter().map(|f| f.path.clone()));
    }
    let set: HashSet<&PathBuf> = paths.iter().collect();
    assert_eq!(set.len(), paths.len(), "a path recorded twice");
    assert_eq!(paths.len(), FILES, "a file lost");
    // Nothing is left in the scratch folder after a complete run.
    assert_eq!(
        std::fs::read_dir(lib.path().join("cache/tmp"))
            .unwrap()
            .count(),
        0
    );
    // A second re-run changes nothing.
    let r = lib.ingest(&[&src], &IngestOptions::default()).unwrap();
    assert_eq!(r.unchanged, FILES);
}
