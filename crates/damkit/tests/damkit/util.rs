//! Helpers shared by the library tests.

use std::path::{Path, PathBuf};

use damkit::library::{IngestOptions, Library, LibraryConfig};

/// Bytes that damkit detects as a JPEG, unique per `seed`.
pub fn jpeg(seed: &str) -> Vec<u8> {
    let mut v = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00".to_vec();
    v.extend_from_slice(seed.as_bytes());
    v.extend_from_slice(&[0u8; 64]);
    v
}

/// Writes `bytes` at `dir/name`, creating folders.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A temporary folder with a `src/` and a library in `lib/` made with `config`.
pub fn setup(config: LibraryConfig) -> (tempfile::TempDir, PathBuf, Library) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let lib = Library::create(dir.path().join("lib"), config).unwrap();
    (dir, src, lib)
}

/// Options for tests: a fixed actor, two threads.
pub fn opts() -> IngestOptions {
    IngestOptions::default().actor("tester").threads(2)
}

/// Sets a file's mtime to a fixed distinct value so a rewrite is seen as a change even on file
/// systems with coarse timestamps.
pub fn bump_mtime(path: &Path, secs: u64) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000 + secs))
        .unwrap();
}

/// Whether the current user can read a file with mode 000 (root can): then "unreadable file"
/// cannot be tested here.
pub fn can_read_mode_000(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let p = write(dir, "probe-000", b"x");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
        let ok = std::fs::File::open(&p).is_ok();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::remove_file(&p).unwrap();
        ok
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        true
    }
}
