//! Creating and opening library folders.

use damkit::library::{
    CATALOG_FILE, CATALOG_FORMAT, CONFIG_FILE, Library, LibraryConfig, LibraryError, StorageMode,
};

#[test]
fn create_makes_the_layout_and_open_reads_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = LibraryConfig::default();
    config.storage.mode = StorageMode::Copy;
    let lib = Library::create(dir.path().join("lib"), config.clone()).unwrap();
    for f in ["objects", "renditions", "index", "cache"] {
        assert!(lib.path().join(f).is_dir(), "{f}");
    }
    assert!(lib.path().join(CATALOG_FILE).is_file());
    assert!(lib.path().join(CONFIG_FILE).is_file());
    drop(lib);
    let lib = Library::open(dir.path().join("lib")).unwrap();
    assert_eq!(lib.config(), &config);
    let stats = lib.stats().unwrap();
    assert_eq!(stats.assets, 0);
    assert_eq!(stats.catalog_format, CATALOG_FORMAT);
    assert!(stats.created_at.is_some());
}

#[test]
fn create_refuses_an_existing_library() {
    let dir = tempfile::tempdir().unwrap();
    Library::create(dir.path(), LibraryConfig::default()).unwrap();
    let err = Library::create(dir.path(), LibraryConfig::default()).unwrap_err();
    assert!(matches!(err, LibraryError::AlreadyExists { .. }), "{err}");
    let (_, created) = Library::open_or_create(dir.path(), LibraryConfig::default()).unwrap();
    assert!(!created);
}

#[test]
fn open_errors_name_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = Library::open(&missing).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    assert!(err.to_string().contains("does not exist"), "{err}");

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = Library::open(&empty).unwrap_err();
    assert!(matches!(err, LibraryError::NotALibrary { .. }), "{err}");
    assert!(err.to_string().contains("empty"), "{err}");

    // A config without a catalog.
    std::fs::write(empty.join(CONFIG_FILE), LibraryConfig::default().to_toml()).unwrap();
    let err = Library::open(&empty).unwrap_err();
    assert!(err.to_string().contains(CATALOG_FILE), "{err}");
}

#[test]
fn bad_config_is_reported_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    Library::create(dir.path(), LibraryConfig::default()).unwrap();
    std::fs::write(
        dir.path().join(CONFIG_FILE),
        "[storage]\nmode = \"cloud\"\n",
    )
    .unwrap();
    let err = Library::open(dir.path()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, LibraryError::Config { .. }), "{msg}");
    assert!(msg.contains(CONFIG_FILE) && msg.contains("cloud"), "{msg}");
}

#[test]
fn newer_catalog_format_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    Library::create(dir.path(), LibraryConfig::default()).unwrap();
    rusqlite_free_set_user_version(dir.path().join(CATALOG_FILE), 99);
    let err = Library::open(dir.path()).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, LibraryError::FormatVersion { found: 99, .. }),
        "{msg}"
    );
    assert!(
        msg.contains("format version 99") && msg.contains(CATALOG_FILE),
        "{msg}"
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_a_catalog_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    Library::create(dir.path(), LibraryConfig::default()).unwrap();
    let cat = dir.path().join(CATALOG_FILE);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", cat.display()));
    }
    std::fs::write(&cat, vec![b'x'; 4096]).unwrap();
    let err = Library::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains(CATALOG_FILE), "{err}");
}

/// Sets `PRAGMA user_version` by patching the SQLite header (bytes 60..64, big-endian), so the
/// test needs no SQLite dependency of its own.
fn rusqlite_free_set_user_version(path: std::path::PathBuf, v: u32) {
    // Make sure the WAL is checkpointed into the main file first: opening and dropping the
    // library does that on close.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[60..64].copy_from_slice(&v.to_be_bytes());
    std::fs::write(&path, bytes).unwrap();
}
