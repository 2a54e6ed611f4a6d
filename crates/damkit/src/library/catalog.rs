//! The SQLite catalog: schema, migrations and the low-level helpers every operation uses.
//!
//! The catalog is the source of truth of a library; the search index, renditions and caches
//! are derived from it. It runs in WAL mode, so readers (another process running `damkit show`,
//! a web handler) see the last committed state while an ingest writes.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::error::{LibraryError, Result};

/// The catalog format this build reads and writes (`PRAGMA user_version`). Each step of
/// the schema migrations raises it by one; a catalog with a higher number was written by a newer
/// damkit and is refused with [`LibraryError::FormatVersion`].
pub const CATALOG_FORMAT: i64 = MIGRATIONS.len() as i64;

/// The schema, one migration per format version. Never edit a published step: add one.
const MIGRATIONS: &[&str] = &[
    // Format 1.
    r#"
CREATE TABLE library (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE assets (
    id              TEXT PRIMARY KEY,            -- AssetId, hyphenated UUID
    created_at      TEXT NOT NULL,               -- RFC 3339
    updated_at      TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft','in_review','approved','archived','expired')),
    title           TEXT,
    description     TEXT,
    current_version INTEGER                      -- versions.id
) STRICT;

CREATE TABLE versions (
    id         INTEGER PRIMARY KEY,
    asset_id   TEXT NOT NULL REFERENCES assets(id),
    number     INTEGER NOT NULL,                 -- 1, 2, ... per asset
    blake3     TEXT NOT NULL,                    -- exact hash, hex
    size       INTEGER NOT NULL,
    media_type TEXT,                             -- MediaType name, NULL when unknown
    mime       TEXT,
    created_at TEXT NOT NULL,
    source     BLOB NOT NULL,                    -- path the bytes came from (OS bytes)
    object     TEXT,                             -- objects/ab/cdef... when copied
    UNIQUE (asset_id, number)
) STRICT;
CREATE INDEX versions_blake3 ON versions(blake3);

-- Every known location of an original, and the hash cache: a file whose
-- (device, inode, size, mtime) is unchanged is not read again.
CREATE TABLE files (
    path         BLOB PRIMARY KEY,               -- OS bytes of the absolute path
    path_text    TEXT NOT NULL,                  -- lossy UTF-8, for people
    asset_id     TEXT NOT NULL REFERENCES assets(id),
    version_id   INTEGER NOT NULL REFERENCES versions(id),
    role         TEXT NOT NULL CHECK (role IN ('primary','copy','skipped')),
    dev          INTEGER NOT NULL,
    ino          INTEGER NOT NULL,
    size         INTEGER NOT NULL,
    mtime_ns     INTEGER NOT NULL,
    seen_at      TEXT NOT NULL
) STRICT;
CREATE INDEX files_asset ON files(asset_id);

CREATE TABLE metadata (
    version_id INTEGER PRIMARY KEY REFERENCES versions(id),
    source     TEXT NOT NULL,                    -- the stage that read it
    json       TEXT NOT NULL
) STRICT;

CREATE TABLE keywords (
    asset_id   TEXT NOT NULL REFERENCES assets(id),
    keyword    TEXT NOT NULL,                    -- as written
    concept    TEXT,                             -- controlled concept URI, NULL if uncontrolled
    vocabulary TEXT,                             -- vocabulary name
    PRIMARY KEY (asset_id, keyword)
) STRICT;

CREATE TABLE rights (
    asset_id   TEXT PRIMARY KEY REFERENCES assets(id),
    source     TEXT NOT NULL,
    policy     TEXT NOT NULL,                    -- JSON (ODRL)
    expires_at TEXT
) STRICT;

CREATE TABLE hashes (
    version_id INTEGER NOT NULL REFERENCES versions(id),
    kind       TEXT NOT NULL,                    -- blake3, content, phash, dhash, ...
    value      TEXT NOT NULL,
    PRIMARY KEY (version_id, kind)
) STRICT;
CREATE INDEX hashes_kind_value ON hashes(kind, value);

CREATE TABLE renditions (
    version_id INTEGER NOT NULL REFERENCES versions(id),
    preset     TEXT NOT NULL,
    path       TEXT NOT NULL,                    -- relative to the library folder
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    PRIMARY KEY (version_id, preset)
) STRICT;

CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    asset_id TEXT,
    action   TEXT NOT NULL,
    detail   TEXT NOT NULL                       -- JSON: what changed
) STRICT;
CREATE INDEX audit_asset ON audit(asset_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;
"#,
    // Format 2: stored near-duplicate groups, the rights' library-rules layer and provenance,
    // the sidecar part of the hash-cache key.
    r#"
CREATE TABLE near_groups (
    asset_id TEXT PRIMARY KEY REFERENCES assets(id),
    group_id TEXT NOT NULL                       -- the smallest asset id of the group
) STRICT;
CREATE INDEX near_groups_group ON near_groups(group_id);
ALTER TABLE rights ADD COLUMN rules TEXT;        -- JSON (ODRL): library rules, on top of policy
ALTER TABLE rights ADD COLUMN provenance TEXT;   -- JSON: where each layer came from
ALTER TABLE files ADD COLUMN sidecars TEXT;      -- the sidecars read with the file: path, size, mtime
-- Groups of a catalog made before format 2 are computed when it is next opened.
INSERT OR REPLACE INTO library (key, value) VALUES ('near_groups_stale', '1');
"#,
];

/// An open catalog.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

impl Catalog {
    /// Opens (and with `create`, creates) the catalog at `path` and brings its schema to
    /// [`CATALOG_FORMAT`].
    pub(crate) fn open(path: &Path, create: bool) -> Result<Catalog> {
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        } else if !path.is_file() {
            return Err(LibraryError::NotALibrary {
                path: path.parent().unwrap_or(path).to_path_buf(),
                reason: format!("{} is missing", path.display()),
            });
        }
        let conn =
            Connection::open_with_flags(path, flags).map_err(|source| LibraryError::Catalog {
                path: path.into(),
                context: "opening".into(),
                source,
            })?;
        let mut cat = Catalog {
            conn,
            path: path.into(),
        };
        cat.configure()?;
        cat.migrate()?;
        Ok(cat)
    }

    /// Wraps a SQLite error with the catalog path and what was being done.
    pub(crate) fn err<C: Into<String>>(
        &self,
        context: C,
    ) -> impl Fn(rusqlite::Error) -> LibraryError + use<C> {
        let path = self.path.clone();
        let context: String = context.into();
        move |source| LibraryError::Catalog {
            path: path.clone(),
            context: context.clone(),
            source,
        }
    }

    fn configure(&mut self) -> Result<()> {
        self.conn
            .busy_timeout(Duration::from_secs(30))
            .map_err(self.err("setting the busy timeout"))?;
        // WAL: readers never block the writer and see the last committed transaction.
        // synchronous=NORMAL in WAL mode is durable across application crashes (the case the
        // ingest test covers) and loses at most the last transactions on power loss.
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;",
            )
            .map_err(self.err("configuring (WAL, foreign keys)"))?;
        Ok(())
    }

    fn migrate(&mut self) -> Result<()> {
        let found: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err("reading the format version"))?;
        if !(0..=CATALOG_FORMAT).contains(&found) {
            return Err(LibraryError::FormatVersion {
                path: self.path.clone(),
                found,
                supported: CATALOG_FORMAT,
            });
        }
        for (i, step) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let version = i as i64 + 1;
            let path = self.path.clone();
            let e = |source| LibraryError::Catalog {
                path: path.clone(),
                context: format!("migrating to format {version}"),
                source,
            };
            let tx = self.conn.transaction().map_err(e)?;
            tx.execute_batch(step).map_err(e)?;
            tx.pragma_update(None, "user_version", version).map_err(e)?;
            tx.commit().map_err(e)?;
        }
        Ok(())
    }

    /// A value from the `library` table.
    pub(crate) fn get_setting(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM library WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.err(format!("reading setting {key}")))
    }
}

/// The current time as RFC 3339 text (UTC), the catalog's time format.
pub(crate) fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// The OS bytes of a path, stored as a BLOB so that names that are not UTF-8 survive the
/// round trip exactly.
pub(crate) fn path_to_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(windows)]
    {
        use std::os::windows::ffi::OsStrExt;
        path.as_os_str()
            .encode_wide()
            .flat_map(u16::to_le_bytes)
            .collect()
    }
    #[cfg(not(any(unix, windows)))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

/// The inverse of [`path_to_bytes`].
pub(crate) fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(OsString::from_vec(bytes.to_vec()))
    }
    #[cfg(windows)]
    {
        use std::os::windows::ffi::OsStringExt;
        let wide: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        PathBuf::from(OsString::from_wide(&wide))
    }
    #[cfg(not(any(unix, windows)))]
    {
        PathBuf::from(OsString::from(String::from_utf8_lossy(bytes).into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_bytes_round_trip() {
        let p = Path::new("/tmp/caf\u{e9}/x.jpg");
        assert_eq!(path_from_bytes(&path_to_bytes(p)), p);
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let raw = std::ffi::OsStr::from_bytes(b"/tmp/\xff\xfe.jpg");
            let p = Path::new(raw);
            assert_eq!(path_from_bytes(&path_to_bytes(p)), p);
        }
    }

    #[test]
    fn audit_is_append_only() {
        let dir = tempfile::tempdir().unwrap();
        let cat = Catalog::open(&dir.path().join("c.sqlite"), true).unwrap();
        cat.conn
            .execute(
                "INSERT INTO audit (at, actor, action, detail) VALUES ('t', 'me', 'x', '{}')",
                [],
            )
            .unwrap();
        let e = cat
            .conn
            .execute("UPDATE audit SET actor = 'you'", [])
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
        let e = cat.conn.execute("DELETE FROM audit", []).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }
}
