//! The tree duplicate finder on real folders: hard links, symlink loops, permissions, cache.

use std::path::PathBuf;

use damkit_dedup::tree::{HashCache, ScanOptions, find_exact_duplicates};

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, bytes).unwrap();
    p
}

fn big(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(seed).wrapping_add(seed))
        .collect()
}

#[test]
fn finds_groups_across_sizes_and_middles() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = big(3, 100_000);
    let mut middle = a.clone();
    middle[50_000] ^= 1; // same size, same first and last 4 KiB, different middle
    write(d, "a1", &a);
    write(d, "sub/a2", &a);
    write(d, "sub/deeper/a3", &a);
    write(d, "m", &middle);
    write(d, "small1", b"tiny");
    write(d, "small2", b"tiny");
    write(d, "empty1", b"");
    write(d, "empty2", b"");
    write(d, "unique", &big(5, 1234));
    let r = find_exact_duplicates(&[d.to_path_buf()], &ScanOptions::default(), None);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.groups.len(), 2, "{:?}", r.groups);
    assert_eq!(r.groups[0].files.len(), 3);
    assert_eq!(r.groups[0].size, 100_000);
    assert_eq!(r.groups[1].files.len(), 2);
    assert_eq!(r.stats.files, 9);
}

#[cfg(unix)]
#[test]
fn hard_links_are_skipped_and_symlink_loops_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = write(d, "a", &big(7, 20_000));
    std::fs::hard_link(&a, d.join("a-link")).unwrap();
    std::os::unix::fs::symlink(d, d.join("loop")).unwrap();
    let r = find_exact_duplicates(&[d.to_path_buf()], &ScanOptions::default(), None);
    assert!(
        r.groups.is_empty(),
        "a hard link is not a duplicate: {:?}",
        r.groups
    );
    assert_eq!(r.stats.hard_links_skipped, 1);
    let follow = ScanOptions {
        follow_symlinks: true,
        ..ScanOptions::default()
    };
    let r = find_exact_duplicates(&[d.to_path_buf()], &follow, None);
    assert!(
        r.errors.iter().any(|e| e.to_string().contains("loop")),
        "{:?}",
        r.errors
    );
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_errors_not_stops() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = big(9, 10_000);
    write(d, "x1", &data);
    write(d, "x2", &data);
    let locked = write(d, "x3", &data);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let r = find_exact_duplicates(
        &[d.to_path_buf(), d.join("missing")],
        &ScanOptions::default(),
        None,
    );
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(r.groups.len(), 1);
    assert!(r.errors.iter().any(|e| e.to_string().contains("missing")));
    // Root can read mode-000 files; only check the error when it could not.
    if r.groups[0].files.len() == 2 {
        assert!(r.errors.iter().any(|e| e.to_string().contains("x3")));
    }
}

#[test]
fn cache_is_reused_and_persisted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("tree");
    let data = big(11, 50_000);
    write(&d, "a", &data);
    write(&d, "b", &data);
    let mut cache = HashCache::new();
    let r1 = find_exact_duplicates(
        std::slice::from_ref(&d),
        &ScanOptions::default(),
        Some(&mut cache),
    );
    assert_eq!(r1.stats.full_hashes, 2);
    assert_eq!(cache.len(), 2);
    let path = dir.path().join("cache.json");
    cache.save(&path).unwrap();
    let mut loaded = HashCache::load(&path).unwrap();
    assert_eq!(loaded, cache);
    let r2 = find_exact_duplicates(
        std::slice::from_ref(&d),
        &ScanOptions::default(),
        Some(&mut loaded),
    );
    assert_eq!(r2.stats.cache_hits, 2);
    assert_eq!(r2.stats.full_hashes, 0);
    assert_eq!(r2.groups, r1.groups);
    // A third file equal to the cached ones is found although its partial hash is unique
    // among uncached files.
    write(&d, "c", &data);
    let r3 = find_exact_duplicates(
        std::slice::from_ref(&d),
        &ScanOptions::default(),
        Some(&mut loaded),
    );
    assert_eq!(r3.groups[0].files.len(), 3);
    // A corrupt cache file is an error naming it; a missing one is empty.
    std::fs::write(&path, b"{not json").unwrap();
    assert!(
        HashCache::load(&path)
            .unwrap_err()
            .to_string()
            .contains("cache.json")
    );
    assert!(
        HashCache::load(&dir.path().join("none.json"))
            .unwrap()
            .is_empty()
    );
}

/// Fingerprints go into the cache; a re-scan with the saved cache decodes nothing and
/// finds the same groups; progress is reported for every phase.
#[test]
fn fingerprints_are_cached_and_progress_reported() {
    use damkit_dedup::finder::{FindOptions, Phase, Progress, find_duplicates_with};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[derive(Default)]
    struct Log {
        phases: Mutex<Vec<(Phase, u64)>>,
        steps: AtomicU64,
    }
    impl Progress for Log {
        fn start(&self, phase: Phase, total: u64) {
            self.phases.lock().unwrap().push((phase, total));
        }
        fn advance(&self, steps: u64) {
            self.steps.fetch_add(steps, Ordering::Relaxed);
        }
    }

    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(crate::sample("bridge.jpg"), dir.path().join("a.jpg")).unwrap();
    std::fs::copy(
        crate::sample("bridge-rotated.jpg"),
        dir.path().join("b.jpg"),
    )
    .unwrap();
    let roots = [dir.path().to_path_buf()];
    let opts = FindOptions::default();
    let mut cache = HashCache::new();
    let log = Log::default();
    let first = find_duplicates_with(&roots, &opts, Some(&mut cache), &log);
    assert_eq!(first.stats.fingerprinted, 2);
    assert_eq!(first.stats.fingerprint_cache_hits, 0);
    assert_eq!(cache.fingerprint_count(), 2);
    let phases: Vec<Phase> = log.phases.lock().unwrap().iter().map(|p| p.0).collect();
    assert_eq!(
        phases,
        [
            Phase::Walk,
            Phase::PartialHash,
            Phase::FullHash,
            Phase::ContentHash,
            Phase::Fingerprint
        ]
    );
    assert!(log.steps.load(Ordering::Relaxed) >= 2 + 2 + 2 + 2);

    let path = dir.path().join("cache.json");
    cache.save(&path).unwrap();
    let mut loaded = HashCache::load(&path).unwrap();
    assert_eq!(loaded, cache);
    let again = find_duplicates_with(&roots, &opts, Some(&mut loaded), &());
    assert_eq!(again.stats.fingerprint_cache_hits, 2);
    assert_eq!(again.groups, first.groups);
}
