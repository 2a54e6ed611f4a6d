//! The tree duplicate finder: size → hard links → first and last 4 KiB → full hash.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{DedupError, Result};
use crate::exact::{self, Digest, HashOptions};
use crate::near::{Fingerprint, NearOptions};
use crate::pdq::Pdq;

/// Bytes read from each end of a file for the partial hash.
pub const EDGE_BYTES: u64 = 4096;

/// A regular file found by the walk, with the identity the cache is keyed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// The path as walked.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// The identity of its inode and version.
    pub key: CacheKey,
}

/// What identifies one version of one file: (device, inode, size, modification time).
///
/// On platforms without inode numbers `device` and `inode` are 0, and the cache is only as
/// good as (size, mtime) — do not persist such a cache across folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CacheKey {
    /// The device (file system) id.
    pub device: u64,
    /// The inode number.
    pub inode: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch (negative before it).
    pub mtime_ns: i128,
}

impl CacheKey {
    /// The key of a file from its metadata.
    pub fn from_metadata(md: &std::fs::Metadata) -> Self {
        let mtime_ns = md
            .modified()
            .ok()
            .map(|t| match t.duration_since(UNIX_EPOCH) {
                Ok(d) => d.as_nanos() as i128,
                Err(e) => -(e.duration().as_nanos() as i128),
            })
            .unwrap_or(0);
        #[cfg(unix)]
        let (device, inode) = {
            use std::os::unix::fs::MetadataExt;
            (md.dev(), md.ino())
        };
        #[cfg(not(unix))]
        let (device, inode) = (0, 0);
        CacheKey {
            device,
            inode,
            size: md.len(),
            mtime_ns,
        }
    }

    fn has_inode(&self) -> bool {
        self.inode != 0
    }
}

/// Full-file blake3 hashes and perceptual fingerprints keyed by [`CacheKey`], to reuse
/// between scans (a re-scan neither re-reads nor re-decodes unchanged files).
///
/// Serialises (serde) as a list of `{key, hash}` records and a list of fingerprint
/// records (with the options they were computed with: fingerprints computed with other
/// [`NearOptions`] are not reused); [`HashCache::save`] and [`HashCache::load`] do so as
/// JSON with an atomic write. A fingerprint with all rotations and crops takes ~4.5 KB of
/// JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "CacheFile", into = "CacheFile")]
pub struct HashCache {
    map: HashMap<CacheKey, Digest>,
    fingerprint_options: Option<String>,
    fingerprints: HashMap<CacheKey, Fingerprint>,
}

#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    entries: Vec<CacheRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fingerprint_options: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fingerprints: Vec<FingerprintRecord>,
}

/// A fingerprint in the cache file: the variants as concatenated hex.
#[derive(Serialize, Deserialize)]
struct FingerprintRecord {
    key: CacheKey,
    phash: String,
    dhash: String,
    pdq: String,
    quality: u8,
}

impl FingerprintRecord {
    fn new(key: CacheKey, f: &Fingerprint) -> Self {
        FingerprintRecord {
            key,
            phash: f
                .phash_variants
                .iter()
                .map(|v| format!("{v:016x}"))
                .collect(),
            dhash: format!("{:016x}", f.dhash),
            pdq: f.pdq_variants.iter().map(Pdq::to_hex).collect(),
            quality: f.quality,
        }
    }

    fn fingerprint(&self) -> Option<Fingerprint> {
        let hex64 = |s: &str| u64::from_str_radix(s, 16).ok();
        if self.phash.is_empty()
            || !self.phash.len().is_multiple_of(16)
            || !self.pdq.len().is_multiple_of(64)
            || !self.phash.is_ascii()
            || !self.pdq.is_ascii()
        {
            return None;
        }
        let phash_variants: Vec<u64> = (0..self.phash.len() / 16)
            .map(|i| hex64(&self.phash[16 * i..16 * i + 16]))
            .collect::<Option<_>>()?;
        let pdq_variants: Vec<Pdq> = (0..self.pdq.len() / 64)
            .map(|i| Pdq::from_hex(&self.pdq[64 * i..64 * i + 64]))
            .collect::<Option<_>>()?;
        Some(Fingerprint {
            phash: phash_variants[0],
            dhash: hex64(&self.dhash)?,
            pdq: *pdq_variants.first()?,
            quality: self.quality,
            phash_variants,
            pdq_variants,
        })
    }
}

/// What fingerprints depend on, as a string stored with them in the cache.
fn fingerprint_signature(o: &NearOptions) -> String {
    format!(
        "v1 dihedral={} crops={:?} jpeg_min_side={:?} orientation={}",
        o.dihedral, o.crops, o.decode.jpeg_min_side, o.decode.apply_orientation
    )
}

#[derive(Serialize, Deserialize)]
struct CacheRecord {
    key: CacheKey,
    blake3: String,
}

impl From<CacheFile> for HashCache {
    fn from(f: CacheFile) -> Self {
        let map = f
            .entries
            .into_iter()
            .filter_map(|r| Some((r.key, exact::from_hex(&r.blake3)?)))
            .collect();
        let fingerprints = f
            .fingerprints
            .iter()
            .filter_map(|r| Some((r.key, r.fingerprint()?)))
            .collect();
        HashCache {
            map,
            fingerprint_options: f.fingerprint_options,
            fingerprints,
        }
    }
}

impl From<HashCache> for CacheFile {
    fn from(c: HashCache) -> Self {
        let mut entries: Vec<CacheRecord> = c
            .map
            .into_iter()
            .map(|(key, d)| CacheRecord {
                key,
                blake3: exact::to_hex(&d),
            })
            .collect();
        entries.sort_by_key(|r| r.key);
        let mut fingerprints: Vec<FingerprintRecord> = c
            .fingerprints
            .iter()
            .map(|(k, f)| FingerprintRecord::new(*k, f))
            .collect();
        fingerprints.sort_by_key(|r| r.key);
        CacheFile {
            version: 1,
            entries,
            fingerprint_options: c.fingerprint_options,
            fingerprints,
        }
    }
}

impl HashCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached hash of a file version.
    pub fn get(&self, key: &CacheKey) -> Option<Digest> {
        self.map.get(key).copied()
    }

    /// Records a hash.
    pub fn insert(&mut self, key: CacheKey, hash: Digest) {
        self.map.insert(key, hash);
    }

    /// The cached fingerprint of a file version, if it was computed with options that give
    /// the same fingerprint as `near`.
    pub fn fingerprint(&self, key: &CacheKey, near: &NearOptions) -> Option<&Fingerprint> {
        if self.fingerprint_options.as_deref() != Some(fingerprint_signature(near).as_str()) {
            return None;
        }
        self.fingerprints.get(key)
    }

    /// Records a fingerprint computed with `near` (fingerprints computed with other options
    /// are dropped).
    pub fn insert_fingerprint(&mut self, key: CacheKey, near: &NearOptions, f: Fingerprint) {
        let sig = fingerprint_signature(near);
        if self.fingerprint_options.as_deref() != Some(sig.as_str()) {
            self.fingerprints.clear();
            self.fingerprint_options = Some(sig);
        }
        self.fingerprints.insert(key, f);
    }

    /// Number of cached fingerprints.
    pub fn fingerprint_count(&self) -> usize {
        self.fingerprints.len()
    }

    /// Number of full-file hash entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Loads a cache saved by [`save`](Self::save); a missing file is an empty cache.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::new()),
            Err(e) => return Err(DedupError::io(path, e)),
        };
        serde_json::from_slice(&bytes).map_err(|e| DedupError::Cache {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Saves the cache as JSON: a temporary file in the same folder, fsync, rename. On any
    /// error the previous file is untouched.
    pub fn save(&self, path: &Path) -> Result<()> {
        use std::io::Write;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let err = |message: String| DedupError::Cache {
            path: path.to_path_buf(),
            message,
        };
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| err(e.to_string()))?;
        serde_json::to_writer(&mut tmp, self).map_err(|e| err(e.to_string()))?;
        tmp.flush().map_err(|e| err(e.to_string()))?;
        tmp.as_file().sync_all().map_err(|e| err(e.to_string()))?;
        tmp.persist(path).map_err(|e| err(e.error.to_string()))?;
        Ok(())
    }
}

/// A stage of a scan, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Walking the folders (total unknown: 0).
    Walk,
    /// Sizes, hard links and first/last 4 KiB (one step per file walked).
    PartialHash,
    /// Full hashes where the partial hashes tied (one step per file).
    FullHash,
    /// Metadata-blind content hashes of images (one step per image).
    ContentHash,
    /// Decoding and perceptual fingerprints (one step per image).
    Fingerprint,
}

/// Receives progress reports; called from many threads. Both methods do nothing by
/// default, and `()` reports nowhere.
pub trait Progress: Sync {
    /// A phase starts with `total` steps (0 when unknown).
    fn start(&self, phase: Phase, total: u64) {
        let _ = (phase, total);
    }
    /// `steps` more steps of the current phase are done.
    fn advance(&self, steps: u64) {
        let _ = steps;
    }
}

impl Progress for () {}

/// Options of [`find_exact_duplicates`].
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Follow symbolic links (loops are detected and reported). Default: `false`.
    pub follow_symlinks: bool,
    /// Ignore files smaller than this. Default: 1 (empty files are not duplicates worth
    /// reporting).
    pub min_size: u64,
    /// How full hashes are computed.
    pub hash: HashOptions,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            follow_symlinks: false,
            min_size: 1,
            hash: HashOptions::single_threaded(),
        }
    }
}

/// A set of files with identical bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactGroup {
    /// Size of each file.
    pub size: u64,
    /// The blake3 hash they share.
    pub hash: Digest,
    /// The files, sorted by path.
    pub files: Vec<PathBuf>,
}

/// Counters of a scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanStats {
    /// Regular files found.
    pub files: usize,
    /// Extra paths of an inode already seen (hard links and repeated arguments), skipped.
    pub hard_links_skipped: usize,
    /// Files whose first and last 4 KiB were hashed.
    pub partial_hashes: usize,
    /// Files fully hashed.
    pub full_hashes: usize,
    /// Full hashes taken from the cache.
    pub cache_hits: usize,
}

/// The outcome of a scan: the walked files, the duplicate groups, and what failed.
#[derive(Debug, Default)]
pub struct ScanReport {
    /// Every regular file walked (including unique ones), in walk order.
    pub files: Vec<FileInfo>,
    /// Groups of at least two files with identical bytes, largest files first.
    pub groups: Vec<ExactGroup>,
    /// Paths that could not be read, walked or trusted; they never stop the scan.
    pub errors: Vec<DedupError>,
    /// Counters.
    pub stats: ScanStats,
}

/// Walks `roots` and returns every regular file, collecting errors (permission denied,
/// symbolic-link loops) instead of stopping.
///
/// The walk runs on as many threads as rayon's pool (directories are read and files
/// stat'ed in parallel); hidden files and ignore files get no special treatment. Files
/// come back sorted by path, errors too.
pub fn walk(roots: &[PathBuf], follow_symlinks: bool) -> (Vec<FileInfo>, Vec<DedupError>) {
    let Some((first, rest)) = roots.split_first() else {
        return (Vec::new(), Vec::new());
    };
    let mut builder = ignore::WalkBuilder::new(first);
    for r in rest {
        builder.add(r);
    }
    builder
        .standard_filters(false)
        .follow_links(follow_symlinks)
        .threads(rayon::current_num_threads().max(1));
    let (tx, rx) = std::sync::mpsc::channel::<std::result::Result<FileInfo, DedupError>>();
    builder.build_parallel().run(|| {
        let tx = tx.clone();
        Box::new(move |entry| {
            let item = match entry {
                Ok(e) => {
                    if !e.file_type().is_some_and(|t| t.is_file()) {
                        return ignore::WalkState::Continue;
                    }
                    match e.metadata() {
                        Ok(md) => Ok(FileInfo {
                            size: md.len(),
                            key: CacheKey::from_metadata(&md),
                            path: e.into_path(),
                        }),
                        Err(err) => Err(walk_error(err, e.path())),
                    }
                }
                Err(err) => Err(walk_error(err, first)),
            };
            // The receiver outlives the walk.
            let _ = tx.send(item);
            ignore::WalkState::Continue
        })
    });
    drop(tx);
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for item in rx {
        match item {
            Ok(f) => files.push(f),
            Err(e) => errors.push(e),
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    errors.sort_by_cached_key(ToString::to_string);
    (files, errors)
}

/// A walk error naming its path (`fallback` when the error has none).
fn walk_error(err: ignore::Error, fallback: &Path) -> DedupError {
    fn parts(e: &ignore::Error) -> (Option<PathBuf>, bool) {
        match e {
            ignore::Error::WithPath { path, err } => {
                let (p, l) = parts(err);
                (p.or_else(|| Some(path.clone())), l)
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                parts(err)
            }
            ignore::Error::Loop { child, .. } => (Some(child.clone()), true),
            ignore::Error::Partial(v) => v.first().map(parts).unwrap_or((None, false)),
            _ => (None, false),
        }
    }
    let (path, is_loop) = parts(&err);
    let message = if is_loop {
        format!("symbolic-link loop ({err})")
    } else {
        err.to_string()
    };
    DedupError::Walk {
        path: path.unwrap_or_else(|| fallback.to_path_buf()),
        message,
    }
}

/// Finds files with identical bytes under `roots`, as fast as the best tree finders:
///
/// 1. group by size (a unique size cannot have a duplicate);
/// 2. collapse hard links (same device and inode: one file, not a duplicate);
/// 3. hash the first and last 4 KiB of what is left (files of 8 KiB or less are hashed
///    whole here and are done);
/// 4. fully hash (blake3, memory-mapped) only where step 3 left ties, reusing and filling
///    `cache`.
///
/// Steps 3 and 4 run on all rayon threads. Files that change while they are hashed are
/// reported in [`ScanReport::errors`] and left out of the groups.
///
/// ```
/// use damkit_dedup::tree::{find_exact_duplicates, ScanOptions};
/// # let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("a"), b"same bytes")?;
/// std::fs::write(dir.path().join("b"), b"same bytes")?;
/// std::fs::write(dir.path().join("c"), b"other")?;
/// let report = find_exact_duplicates(&[dir.path().to_path_buf()], &ScanOptions::default(), None);
/// assert_eq!(report.groups.len(), 1);
/// assert_eq!(report.groups[0].files.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn find_exact_duplicates(
    roots: &[PathBuf],
    opts: &ScanOptions,
    cache: Option<&mut HashCache>,
) -> ScanReport {
    find_exact_duplicates_with(roots, opts, cache, &())
}

/// [`find_exact_duplicates`] reporting progress.
pub fn find_exact_duplicates_with(
    roots: &[PathBuf],
    opts: &ScanOptions,
    cache: Option<&mut HashCache>,
    progress: &dyn Progress,
) -> ScanReport {
    progress.start(Phase::Walk, 0);
    let (files, errors) = walk(roots, opts.follow_symlinks);
    progress.advance(files.len() as u64);
    let mut report = group_files_with(files, opts, cache, progress);
    let mut errs = errors;
    errs.append(&mut report.errors);
    report.errors = errs;
    report
}

/// Steps 1–4 of [`find_exact_duplicates`] over an already walked list of files.
pub fn group_files(
    files: Vec<FileInfo>,
    opts: &ScanOptions,
    cache: Option<&mut HashCache>,
) -> ScanReport {
    group_files_with(files, opts, cache, &())
}

/// [`group_files`] reporting [`Phase::PartialHash`] and [`Phase::FullHash`] progress.
pub fn group_files_with(
    files: Vec<FileInfo>,
    opts: &ScanOptions,
    mut cache: Option<&mut HashCache>,
    progress: &dyn Progress,
) -> ScanReport {
    progress.start(Phase::PartialHash, files.len() as u64);
    let mut stats = ScanStats {
        files: files.len(),
        ..ScanStats::default()
    };
    let mut errors = Vec::new();

    // 1. By size.
    let mut by_size: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, f) in files.iter().enumerate() {
        if f.size >= opts.min_size {
            by_size.entry(f.size).or_default().push(i);
        }
    }
    // 2. Hard links: keep the first path of each (device, inode).
    let mut candidates: Vec<usize> = Vec::new();
    for idxs in by_size.values() {
        if idxs.len() < 2 {
            continue;
        }
        let mut seen = std::collections::HashSet::new();
        let mut kept = Vec::new();
        for &i in idxs {
            let k = &files[i].key;
            if k.has_inode() && !seen.insert((k.device, k.inode)) {
                stats.hard_links_skipped += 1;
                continue;
            }
            kept.push(i);
        }
        if kept.len() >= 2 {
            candidates.extend(kept);
        }
    }

    // 3. Partial hashes (whole small files).
    progress.advance((files.len() - candidates.len()) as u64);
    let cache_ro = cache.as_deref();
    let partial: Vec<(usize, Result<Step>)> = candidates
        .par_iter()
        .map(|&i| {
            let f = &files[i];
            if let Some(h) = cache_ro.and_then(|c| c.get(&f.key)) {
                progress.advance(1);
                return (i, Ok(Step::Cached(h)));
            }
            let r = partial_hash(f);
            progress.advance(1);
            (i, r)
        })
        .collect();
    let mut by_partial: HashMap<(u64, Digest), Vec<usize>> = HashMap::new();
    let mut full_known: Vec<(usize, Digest)> = Vec::new();
    for (i, r) in partial {
        match r {
            Ok(Step::Cached(h)) => {
                stats.cache_hits += 1;
                full_known.push((i, h));
            }
            Ok(Step::Whole(h)) => {
                stats.partial_hashes += 1;
                full_known.push((i, h));
            }
            Ok(Step::Partial(p)) => {
                stats.partial_hashes += 1;
                by_partial.entry((files[i].size, p)).or_default().push(i);
            }
            Err(e) => errors.push(e),
        }
    }
    // Cached files of a size must be compared with uncached files of the same size: an
    // uncached file whose partial hash is unique may still equal a cached one, so fully
    // hash every uncached file that shares its size with a cached one.
    let cached_sizes: std::collections::HashSet<u64> =
        full_known.iter().map(|&(i, _)| files[i].size).collect();

    // 4. Full hashes where ambiguous.
    let need_full: Vec<usize> = by_partial
        .values()
        .filter(|v| v.len() >= 2 || v.iter().any(|&i| cached_sizes.contains(&files[i].size)))
        .flat_map(|v| v.iter().copied())
        .collect();
    let hash_opts = opts.hash;
    progress.start(Phase::FullHash, need_full.len() as u64);
    let full: Vec<(usize, Result<Digest>)> = need_full
        .par_iter()
        .map(|&i| {
            let r = full_hash(&files[i], hash_opts);
            progress.advance(1);
            (i, r)
        })
        .collect();
    for (i, r) in full {
        match r {
            Ok(h) => {
                stats.full_hashes += 1;
                if let Some(c) = cache.as_deref_mut() {
                    c.insert(files[i].key, h);
                }
                full_known.push((i, h));
            }
            Err(e) => errors.push(e),
        }
    }

    // 5. Group by (size, full hash).
    let mut by_hash: HashMap<(u64, Digest), Vec<usize>> = HashMap::new();
    for (i, h) in full_known {
        by_hash.entry((files[i].size, h)).or_default().push(i);
    }
    let mut groups: Vec<ExactGroup> = by_hash
        .into_iter()
        .filter(|(_, v)| v.len() >= 2)
        .map(|((size, hash), v)| {
            let mut paths: Vec<PathBuf> = v.iter().map(|&i| files[i].path.clone()).collect();
            paths.sort();
            ExactGroup {
                size,
                hash,
                files: paths,
            }
        })
        .collect();
    groups.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.files.cmp(&b.files)));
    ScanReport {
        files,
        groups,
        errors,
        stats,
    }
}

enum Step {
    Cached(Digest),
    Whole(Digest),
    Partial(Digest),
}

/// blake3 over the first and last [`EDGE_BYTES`] (or the whole file when it is no larger
/// than twice that, in which case the hash is final).
fn partial_hash(f: &FileInfo) -> Result<Step> {
    let path = &f.path;
    let mut file = File::open(path).map_err(|e| DedupError::io(path, e))?;
    let md = file.metadata().map_err(|e| DedupError::io(path, e))?;
    if CacheKey::from_metadata(&md) != f.key {
        return Err(DedupError::Changed {
            path: path.clone(),
            what: "size or modification time changed since the walk".into(),
        });
    }
    if f.size <= 2 * EDGE_BYTES {
        let mut buf = Vec::with_capacity(f.size as usize);
        (&mut file)
            .take(2 * EDGE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| DedupError::io(path, e))?;
        if buf.len() as u64 != f.size {
            return Err(DedupError::Changed {
                path: path.clone(),
                what: format!("expected {} bytes, read {}", f.size, buf.len()),
            });
        }
        return Ok(Step::Whole(*blake3::hash(&buf).as_bytes()));
    }
    let mut buf = [0u8; 2 * EDGE_BYTES as usize];
    let (head, tail) = buf.split_at_mut(EDGE_BYTES as usize);
    file.read_exact(head).map_err(|e| DedupError::io(path, e))?;
    file.seek(SeekFrom::Start(f.size - EDGE_BYTES))
        .map_err(|e| DedupError::io(path, e))?;
    file.read_exact(tail).map_err(|e| DedupError::io(path, e))?;
    Ok(Step::Partial(*blake3::hash(&buf).as_bytes()))
}

fn full_hash(f: &FileInfo, opts: HashOptions) -> Result<Digest> {
    let md = std::fs::metadata(&f.path).map_err(|e| DedupError::io(&f.path, e))?;
    if CacheKey::from_metadata(&md) != f.key {
        return Err(DedupError::Changed {
            path: f.path.clone(),
            what: "size or modification time changed since the walk".into(),
        });
    }
    exact::hash_file_with(&f.path, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_serde_round_trip() {
        let mut c = HashCache::new();
        let key = CacheKey {
            device: 1,
            inode: 2,
            size: 3,
            mtime_ns: -4,
        };
        c.insert(key, [7; 32]);
        let json = serde_json::to_string(&c).unwrap();
        let back: HashCache = serde_json::from_str(&json).unwrap();
        assert_eq!(back.get(&key), Some([7; 32]));
        // A cache written before fingerprints were cached still loads.
        let old = r#"{"version":1,"entries":[]}"#;
        assert!(serde_json::from_str::<HashCache>(old).unwrap().is_empty());
    }

    #[test]
    fn fingerprints_round_trip_and_follow_the_options() {
        let near = NearOptions::default();
        let px: Vec<u8> = (0..64 * 48).map(|i| ((i * 7) % 251) as u8).collect();
        let g = crate::decode::GrayImage::new(64, 48, px).unwrap();
        let luma = crate::decode::Luma {
            float: g.pixels.iter().map(|&p| f32::from(p)).collect(),
            gray: g,
        };
        let fp = Fingerprint::of(&luma, &near);
        let key = CacheKey {
            device: 1,
            inode: 9,
            size: 100,
            mtime_ns: 5,
        };
        let mut c = HashCache::new();
        c.insert_fingerprint(key, &near, fp.clone());
        let back: HashCache = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back.fingerprint(&key, &near), Some(&fp));
        let other = NearOptions {
            dihedral: false,
            ..NearOptions::default()
        };
        assert_eq!(back.fingerprint(&key, &other), None);
    }
}
