//! Exact hashing: streaming blake3 of whole files, memory-mapped when large.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{DedupError, Result};

/// Files at least this large are memory-mapped instead of read through a buffer (as `b3sum`).
pub const MMAP_THRESHOLD: u64 = 64 * 1024;
/// Files at least this large are hashed with blake3's multi-threaded `update_rayon` when the
/// caller allows it.
pub const RAYON_THRESHOLD: u64 = 128 * 1024 * 1024;

/// A 32-byte blake3 digest.
pub type Digest = [u8; 32];

/// How [`hash_file_with`] reads and hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashOptions {
    /// Memory-map files of at least this many bytes (`u64::MAX`: never).
    pub mmap_threshold: u64,
    /// Hash files of at least this many bytes on all rayon threads (`u64::MAX`: never).
    pub rayon_threshold: u64,
}

impl Default for HashOptions {
    fn default() -> Self {
        HashOptions {
            mmap_threshold: MMAP_THRESHOLD,
            rayon_threshold: RAYON_THRESHOLD,
        }
    }
}

impl HashOptions {
    /// Single-threaded hashing (for benchmarks against `b3sum --num-threads 1`, and inside
    /// an already parallel scan).
    pub fn single_threaded() -> Self {
        HashOptions {
            rayon_threshold: u64::MAX,
            ..Self::default()
        }
    }
}

/// The blake3 hash of a file's bytes, with default options.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// let path = dir.path().join("a.txt");
/// std::fs::write(&path, b"hello")?;
/// let h = damkit_dedup::exact::hash_file(&path)?;
/// assert_eq!(h, *blake3::hash(b"hello").as_bytes());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn hash_file(path: &Path) -> Result<Digest> {
    hash_file_with(path, HashOptions::default())
}

/// The blake3 hash of a file's bytes.
///
/// Small files are read through a 64 KiB buffer; large ones are memory-mapped; huge ones are
/// hashed on all threads when `opts` allows. The file's size and modification time are
/// checked before and after hashing: a file that changed meanwhile is an error
/// ([`DedupError::Changed`]) rather than a wrong hash.
pub fn hash_file_with(path: &Path, opts: HashOptions) -> Result<Digest> {
    let file = File::open(path).map_err(|e| DedupError::io(path, e))?;
    let before = file.metadata().map_err(|e| DedupError::io(path, e))?;
    let mut hasher = blake3::Hasher::new();
    let len = before.len();
    if len >= opts.mmap_threshold && before.is_file() {
        // SAFETY: the map is read-only and lives only inside this block. Another process
        // could still modify or truncate the file while it is mapped: modifications are
        // caught by the size/mtime check below (the hash is then discarded); truncation can
        // raise SIGBUS on some platforms, the same trade-off `b3sum` and `rg` make for speed.
        // Callers hashing files that other processes truncate should set `mmap_threshold`
        // to `u64::MAX`.
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| DedupError::io(path, e))?;
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Sequential);
        if len >= opts.rayon_threshold {
            hasher.update_rayon(&map);
        } else {
            hasher.update(&map);
        }
    } else {
        stream(&mut hasher, &file, path)?;
    }
    let after = std::fs::metadata(path).map_err(|e| DedupError::io(path, e))?;
    check_unchanged(path, &before, &after)?;
    Ok(*hasher.finalize().as_bytes())
}

/// Streams `reader` into `hasher` with a 64 KiB buffer.
fn stream(hasher: &mut blake3::Hasher, mut reader: impl Read, path: &Path) -> Result<u64> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => {
                hasher.update(&buf[..n]);
                total += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(DedupError::io(path, e)),
        }
    }
}

/// The blake3 hash of everything `reader` yields.
pub fn hash_reader(reader: impl Read) -> std::io::Result<Digest> {
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(reader)?;
    Ok(*hasher.finalize().as_bytes())
}

/// Errors when the size or modification time differ between two stats of one file.
pub(crate) fn check_unchanged(
    path: &Path,
    before: &std::fs::Metadata,
    after: &std::fs::Metadata,
) -> Result<()> {
    if before.len() != after.len() {
        return Err(DedupError::Changed {
            path: path.to_path_buf(),
            what: format!("size {} became {}", before.len(), after.len()),
        });
    }
    if let (Ok(a), Ok(b)) = (before.modified(), after.modified())
        && a != b
    {
        return Err(DedupError::Changed {
            path: path.to_path_buf(),
            what: "modification time changed".into(),
        });
    }
    Ok(())
}

/// Lower-case hex of a digest.
pub fn to_hex(d: &Digest) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(64);
    for b in d {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Parses 64 hex digits into a digest.
pub fn from_hex(s: &str) -> Option<Digest> {
    let s = s.as_bytes();
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in s.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_paths_agree_with_blake3() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0usize, 1, 4095, 64 * 1024, 300_000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let p = dir.path().join(format!("f{len}"));
            std::fs::write(&p, &data).unwrap();
            let want = *blake3::hash(&data).as_bytes();
            assert_eq!(hash_file(&p).unwrap(), want, "len {len}");
            let never = HashOptions {
                mmap_threshold: u64::MAX,
                rayon_threshold: u64::MAX,
            };
            assert_eq!(hash_file_with(&p, never).unwrap(), want);
            let always = HashOptions {
                mmap_threshold: 1,
                rayon_threshold: 1,
            };
            assert_eq!(hash_file_with(&p, always).unwrap(), want);
            assert_eq!(hash_reader(&data[..]).unwrap(), want);
        }
    }

    #[test]
    fn missing_file_names_the_path() {
        let e = hash_file(Path::new("/nonexistent/x.bin")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.bin"), "{e}");
    }

    #[test]
    fn hex_round_trip() {
        let d = *blake3::hash(b"x").as_bytes();
        assert_eq!(from_hex(&to_hex(&d)), Some(d));
        assert_eq!(from_hex("zz"), None);
    }
}
