//! Ingest: walk, detect, hash, store, find exact duplicates, run the capability stages and
//! commit to the catalog in batches.
//!
//! Pipeline: the calling thread walks, then for each batch looks up the paths (a read-only
//! catalog connection), plans on a snapshot (plus what the batches not yet committed will
//! create) and runs the capability stages of the batch and the reading and hashing of the
//! next one as one job on the worker pool; a committer thread commits the batches in order
//! (plan checked again in the transaction, near-duplicate groups, then the search index), so
//! the workers never wait for a commit. The last batch is cut small so that the commit nothing
//! overlaps is short.
//!
//! Crash safety: every batch of files is committed in one SQLite transaction that records the
//! asset, its version and the path together, so a killed ingest leaves each file either fully
//! recorded or not at all; the next run skips what is recorded (the hash cache) and does the
//! rest. Objects are written to `cache/tmp/` and renamed into `objects/` *before* the
//! transaction that refers to them commits; an object without a catalog row is harmless (the
//! next run finds it already there).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use damkit_core::{AssetId, MediaType};
use rayon::prelude::*;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Serialize, Serializer};

use super::catalog::{self, path_to_bytes};
use super::config::{DuplicatePolicy, StorageMode};
use super::error::{LibraryError, Result};
use super::lifecycle::LifecycleStatus;
use super::stage::{AssetStage, NOT_WIRED, StageInput, StageOutput};
use super::{Library, audit_insert};

/// Progress of an ingest, given to [`IngestOptions::progress`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IngestProgress {
    /// Files processed so far (hashed, or found unchanged, skipped or failed).
    pub done: usize,
    /// Files found by the walk.
    pub total: usize,
    /// The file just processed.
    pub path: PathBuf,
}

/// A progress callback; called from worker threads.
pub type ProgressFn = Arc<dyn Fn(&IngestProgress) + Send + Sync>;

/// How to run an ingest.
#[derive(Clone)]
#[non_exhaustive]
pub struct IngestOptions {
    /// Who is ingesting, for the audit log. Default: `$USER` (or `$USERNAME`), else `damkit`.
    pub actor: String,
    /// Worker threads for hashing and stages; `None` uses rayon's default (one per core).
    pub threads: Option<usize>,
    /// Follow symbolic links while walking (loops are detected and reported). Default false:
    /// links are reported as skipped.
    pub follow_symlinks: bool,
    /// Extra stages run after the built-in ones on every new asset or version.
    pub stages: Vec<Arc<dyn AssetStage>>,
    /// Called after each file.
    pub progress: Option<ProgressFn>,
}

impl std::fmt::Debug for IngestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestOptions")
            .field("actor", &self.actor)
            .field("threads", &self.threads)
            .field("follow_symlinks", &self.follow_symlinks)
            .field(
                "stages",
                &self
                    .stages
                    .iter()
                    .map(|s| s.name().to_string())
                    .collect::<Vec<_>>(),
            )
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            actor: default_actor(),
            threads: None,
            follow_symlinks: false,
            stages: Vec::new(),
            progress: None,
        }
    }
}

impl IngestOptions {
    /// Sets the actor recorded in the audit log.
    pub fn actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = actor.into();
        self
    }

    /// Sets the number of worker threads.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// Follows symbolic links while walking.
    pub fn follow_symlinks(mut self, yes: bool) -> Self {
        self.follow_symlinks = yes;
        self
    }

    /// Adds a stage to the pipeline.
    pub fn stage(mut self, stage: Arc<dyn AssetStage>) -> Self {
        self.stages.push(stage);
        self
    }

    /// Sets the progress callback.
    pub fn progress(mut self, f: impl Fn(&IngestProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }
}

/// The user name for the audit log when none is given.
pub fn default_actor() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "damkit".to_string())
}

fn lossy<S: Serializer>(p: &Path, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// A file that became a new asset or a new version.
#[derive(Debug, Clone, Serialize)]
pub struct IngestedFile {
    /// The file.
    #[serde(serialize_with = "lossy")]
    pub path: PathBuf,
    /// The asset.
    pub id: AssetId,
    /// The version number (1 for a new asset).
    pub version: i64,
    /// BLAKE3 of the bytes.
    pub blake3: String,
    /// Detected media type.
    pub media_type: Option<MediaType>,
    /// Size in bytes.
    pub size: u64,
}

/// What was done with an exact duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateAction {
    /// Recorded as another location of the existing asset.
    Linked,
    /// Not recorded as an asset location.
    Skipped,
    /// Ingested as an asset of its own.
    Kept,
}

/// A file whose bytes are exactly those of an asset already in the library.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateFile {
    /// The file.
    #[serde(serialize_with = "lossy")]
    pub path: PathBuf,
    /// The asset it duplicates.
    pub duplicate_of: AssetId,
    /// The asset created for it under the `keep` policy.
    pub kept_as: Option<AssetId>,
    /// What the duplicate policy did.
    pub action: DuplicateAction,
}

/// A file not ingested, and why (not an error).
#[derive(Debug, Clone, Serialize)]
pub struct SkippedFile {
    /// The file.
    #[serde(serialize_with = "lossy")]
    pub path: PathBuf,
    /// Why.
    pub reason: String,
}

/// A file or folder that failed, with the stage and the error.
#[derive(Debug, Clone, Serialize)]
pub struct IngestFailure {
    /// The file or folder.
    #[serde(serialize_with = "lossy")]
    pub path: PathBuf,
    /// The stage that failed (`walk`, `read`, `detect`, `hash`, `store`, or a capability stage;
    /// a capability-stage failure does not stop the file from being ingested).
    pub stage: String,
    /// The error.
    pub error: String,
}

/// Something worth knowing that did not stop a file.
#[derive(Debug, Clone, Serialize)]
pub struct IngestWarning {
    /// The file.
    #[serde(serialize_with = "lossy")]
    pub path: PathBuf,
    /// The message.
    pub message: String,
}

/// One stage of the pipeline in the report.
#[derive(Debug, Clone, Serialize)]
pub struct StageReport {
    /// Stage name.
    pub name: String,
    /// Whether it ran. A stage that is not wired yet records nothing.
    pub wired: bool,
    /// Time spent, in milliseconds, summed over worker threads (so it can exceed the wall
    /// clock on several cores). `catalog`, `near_groups` and `index` run on the ingest's
    /// committer thread, at the same time as the workers' stages of the next batch; `index`
    /// is the search index update after each committed batch.
    pub time_ms: f64,
    /// Files the stage processed.
    pub files: u64,
    /// "not wired yet (damkit-x: what it will record)" for stages not wired.
    pub note: Option<String>,
}

/// The outcome of [`Library::ingest`]: every file found is in exactly one of `added`,
/// `new_versions`, `refreshed`, `unchanged`, `duplicates`, `skipped` or `failures`.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    /// The library folder.
    #[serde(serialize_with = "lossy")]
    pub library: PathBuf,
    /// Files found by the walk.
    pub files_seen: usize,
    /// New assets.
    pub added: Vec<IngestedFile>,
    /// New versions of assets already in the library (the file at a known path changed).
    pub new_versions: Vec<IngestedFile>,
    /// Files already in the library and unchanged (found through the hash cache, or touched
    /// with the same bytes).
    pub unchanged: usize,
    /// Files whose bytes are unchanged but whose XMP sidecar changed: metadata, title,
    /// description, keywords and rights were read again into the current version (no new
    /// version; audited as `sidecar_changed`).
    pub refreshed: Vec<IngestedFile>,
    /// Exact duplicates of assets already in the library.
    pub duplicates: Vec<DuplicateFile>,
    /// Files not ingested (empty, unrecognised type, symbolic link not followed).
    pub skipped: Vec<SkippedFile>,
    /// Files and folders that failed; none stopped the run.
    pub failures: Vec<IngestFailure>,
    /// Warnings (names that are not UTF-8, capability stages that failed on a file).
    pub warnings: Vec<IngestWarning>,
    /// Every stage, wired or not, with its time.
    pub stages: Vec<StageReport>,
    /// Wall-clock time of the whole ingest in milliseconds.
    pub elapsed_ms: f64,
    /// Files processed per second.
    pub files_per_second: f64,
}

impl IngestReport {
    /// The number of failures (the CLI exits 1 when it is not zero).
    pub fn failure_count(&self) -> usize {
        self.failures.len()
    }
}

/// BLAKE3 of the file at `path`, lower-case hex, and its length.
///
/// With the `dedup` feature this is damkit-dedup's hasher (memory-mapped reads for large
/// files, single-threaded: ingest already hashes one file per core, and a file that changes
/// while it is read is an error rather than a wrong hash); without it, a streaming BLAKE3.
#[cfg(feature = "dedup")]
pub fn exact_hash(path: &Path) -> std::io::Result<(String, u64)> {
    use damkit_dedup::exact::{HashOptions, hash_file_with, to_hex};
    let size = std::fs::metadata(path)?.len();
    let digest = hash_file_with(path, HashOptions::single_threaded())
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok((to_hex(&digest), size))
}

/// BLAKE3 of the file at `path`, lower-case hex, and its length.
///
/// With the `dedup` feature this is damkit-dedup's hasher (memory-mapped reads for large
/// files); without it, a streaming BLAKE3.
#[cfg(not(feature = "dedup"))]
pub fn exact_hash(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let n = std::io::copy(&mut file, &mut hasher)?;
    Ok((hasher.finalize().to_hex().to_string(), n))
}

/// Where the report stood before a batch, to find the assets the batch changed.
struct ReportMark {
    added: usize,
    new_versions: usize,
    refreshed: usize,
    duplicates: usize,
}

impl ReportMark {
    fn of(r: &IngestReport) -> ReportMark {
        ReportMark {
            added: r.added.len(),
            new_versions: r.new_versions.len(),
            refreshed: r.refreshed.len(),
            duplicates: r.duplicates.len(),
        }
    }

    /// The assets added, given a new version or a new linked copy since the mark.
    fn changed_since(&self, r: &IngestReport) -> Vec<AssetId> {
        let mut ids: Vec<AssetId> = r.added[self.added..]
            .iter()
            .chain(&r.new_versions[self.new_versions..])
            .chain(&r.refreshed[self.refreshed..])
            .map(|f| f.id)
            .chain(
                r.duplicates[self.duplicates..]
                    .iter()
                    .filter(|d| d.action == DuplicateAction::Linked)
                    .map(|d| d.duplicate_of),
            )
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// The hash-cache key of a file: (device, inode, size, mtime in ns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CacheKey {
    pub(crate) dev: i64,
    pub(crate) ino: i64,
    pub(crate) size: i64,
    pub(crate) mtime_ns: i64,
}

impl CacheKey {
    pub(crate) fn of(meta: &std::fs::Metadata) -> CacheKey {
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (meta.dev() as i64, meta.ino() as i64)
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        CacheKey {
            dev,
            ino,
            size: i64::try_from(meta.len()).unwrap_or(i64::MAX),
            mtime_ns,
        }
    }
}

/// A path the catalog already knows.
#[derive(Debug, Clone)]
struct Known {
    asset: AssetId,
    blake3: String,
    role: String,
    key: CacheKey,
    /// The sidecars read with the file ([`sidecar_key`]).
    sidecars: Option<String>,
}

/// The XMP sidecars of a file that the metadata stage reads (`NAME.xmp` and `NAME.EXT.xmp`,
/// either case), as `name:size:mtime_ns` joined by `;`: the sidecar part of the hash-cache
/// key. `None` when there is none or sidecars are not read.
pub(crate) fn sidecar_key(path: &Path, read_sidecars: bool) -> Option<String> {
    if !read_sidecars {
        return None;
    }
    let mut names: Vec<PathBuf> = Vec::new();
    for ext in ["xmp", "XMP"] {
        names.push(path.with_extension(ext));
        let mut s = path.as_os_str().to_owned();
        s.push(".");
        s.push(ext);
        names.push(PathBuf::from(s));
    }
    names.sort();
    names.dedup();
    let parts: Vec<String> = names
        .iter()
        .filter(|p| p.as_path() != path)
        .filter_map(|p| {
            let m = std::fs::metadata(p)
                .ok()
                .filter(std::fs::Metadata::is_file)?;
            let k = CacheKey::of(&m);
            Some(format!(
                "{}:{}:{}",
                p.file_name()?.to_string_lossy(),
                k.size,
                k.mtime_ns
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(";"))
}

/// The result of reading one file (parallel phase).
enum Read {
    Unchanged,
    Skipped(String),
    Failed {
        stage: &'static str,
        error: String,
    },
    Hashed(Hashed),
    /// Same bytes as the version on record, but the sidecar changed.
    Sidecar(Hashed),
}

struct Hashed {
    key: CacheKey,
    media_type: Option<MediaType>,
    blake3: String,
    size: u64,
    /// `objects/ab/cdef…` in copy mode.
    object: Option<String>,
    /// The sidecars read with it ([`sidecar_key`]).
    sidecars: Option<String>,
}

/// What the stages produced for a file, and for which (asset, metadata only) they ran.
struct StageRun {
    key: (AssetId, bool),
    output: StageOutput,
    errors: Vec<(String, String)>,
}

impl Plan {
    /// The (asset, metadata only) the capability stages run for, when the plan needs them.
    fn stage_key(&self) -> Option<(AssetId, bool)> {
        match self {
            Plan::NewAsset { asset, .. } | Plan::NewVersion { asset } => Some((*asset, false)),
            Plan::Refresh { asset } => Some((*asset, true)),
            Plan::Touch | Plan::Duplicate { .. } => None,
        }
    }
}

/// What the catalog will do with a hashed file.
enum Plan {
    /// Same bytes as the version on record (file touched): refresh the cache key.
    Touch,
    /// A new version of the asset at this path.
    NewVersion { asset: AssetId },
    /// Only the sidecar changed: read the metadata again into the current version.
    Refresh { asset: AssetId },
    /// A new asset.
    NewAsset {
        asset: AssetId,
        dup_of: Option<AssetId>,
    },
    /// Exact duplicate, linked or skipped.
    Duplicate {
        of: AssetId,
        action: DuplicateAction,
    },
}

struct Timers {
    names: Vec<String>,
    nanos: Vec<AtomicU64>,
    files: Vec<AtomicU64>,
}

impl Timers {
    fn new(names: Vec<String>) -> Timers {
        let n = names.len();
        Timers {
            names,
            nanos: (0..n).map(|_| AtomicU64::new(0)).collect(),
            files: (0..n).map(|_| AtomicU64::new(0)).collect(),
        }
    }
    /// Adds time spent on one file.
    fn add(&self, i: usize, d: Duration) {
        self.add_n(i, d, 1);
    }
    /// Adds time spent on `n` files.
    fn add_n(&self, i: usize, d: Duration, n: usize) {
        self.nanos[i].fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
        self.files[i].fetch_add(n as u64, Ordering::Relaxed);
    }
    fn idx(&self, name: &str) -> usize {
        self.names.iter().position(|n| n == name).unwrap_or(0)
    }
}

const S_WALK: usize = 0;
const S_DETECT: usize = 1;
const S_HASH: usize = 2;
const S_STORE: usize = 3;
const S_DUPES: usize = 4;
const S_CATALOG: usize = 5;
#[cfg(feature = "dedup")]
const S_NEAR: usize = 6;
#[cfg(feature = "search")]
const S_INDEX: usize = 7;
const BUILTIN: [&str; 8] = [
    "walk",
    "detect",
    "exact_hash",
    "store",
    "duplicates",
    "catalog",
    "near_groups",
    "index",
];

/// A report with nothing in it yet.
fn empty_report(library: &Path) -> IngestReport {
    IngestReport {
        library: library.to_path_buf(),
        files_seen: 0,
        added: Vec::new(),
        new_versions: Vec::new(),
        refreshed: Vec::new(),
        unchanged: 0,
        duplicates: Vec::new(),
        skipped: Vec::new(),
        failures: Vec::new(),
        warnings: Vec::new(),
        stages: Vec::new(),
        elapsed_ms: 0.0,
        files_per_second: 0.0,
    }
}

/// A batch read, hashed, planned and through the capability stages, on its way to the
/// committer thread.
struct BatchWork<'a> {
    /// Its position in the ingest (0, 1, 2...): batches are committed in this order.
    seq: usize,
    files: &'a [PathBuf],
    reads: Vec<Read>,
    plans: Vec<Option<Plan>>,
    outputs: Vec<Option<StageRun>>,
}

impl Library {
    /// Ingests files and folders (walked recursively, honouring `.damkitignore` files in
    /// gitignore syntax). Never stops on a bad file: every problem is in the report. Returns
    /// an error only when the catalog itself cannot be written.
    pub fn ingest<P: AsRef<Path>>(
        &self,
        paths: &[P],
        options: &IngestOptions,
    ) -> Result<IngestReport> {
        let started = Instant::now();
        let builtin = self.builtin_stages();
        let stages: Vec<Arc<dyn AssetStage>> = builtin
            .stages
            .iter()
            .chain(&options.stages)
            .cloned()
            .collect();
        let mut stage_names: Vec<String> = BUILTIN.iter().map(|s| s.to_string()).collect();
        stage_names.extend(stages.iter().map(|s| s.name().to_string()));
        let timers = Timers::new(stage_names);
        let mut report = empty_report(&self.root);
        for (path, message) in builtin.warnings {
            report.warnings.push(IngestWarning { path, message });
        }

        self.clean_tmp()?;
        let t = Instant::now();
        let files = self.walk(paths, options, &mut report);
        timers.add_n(S_WALK, t.elapsed(), files.len());
        report.files_seen = files.len() + report.skipped.len();
        for f in &files {
            if f.to_str().is_none() {
                report.warnings.push(IngestWarning {
                    path: f.clone(),
                    message: "file name is not valid UTF-8; stored exactly (as OS bytes), shown \
                              with replacement characters"
                        .into(),
                });
            }
        }

        let pool = {
            let mut b = rayon::ThreadPoolBuilder::new();
            if let Some(n) = options.threads {
                b = b.num_threads(n);
            }
            b.build().map_err(|e| {
                LibraryError::io(
                    "starting worker threads for",
                    &self.root,
                    std::io::Error::other(e.to_string()),
                )
            })?
        };
        let done = AtomicUsize::new(0);
        let total = files.len();
        // The batches go through a pipeline: this thread plans each batch and runs, on the
        // worker pool, its capability stages together with the reading and hashing of the
        // next batch, while a committer thread records the batch before (one catalog
        // transaction, the near-duplicate groups, then the search index update). The
        // workers never wait for a commit; a batch is still committed whole or not at all,
        // in walk order, one at a time.
        let reader = self.ingest_reader()?;
        let committed = AtomicUsize::new(0);
        let (to_committer, batches) = std::sync::mpsc::sync_channel::<BatchWork<'_>>(1);
        let (produced, commit_result) = std::thread::scope(|s| {
            let committer = std::thread::Builder::new()
                .name("damkit-ingest-commit".into())
                .spawn_scoped(s, {
                    let (stages, timers, committed) = (&stages, &timers, &committed);
                    let mut report = std::mem::replace(&mut report, empty_report(&self.root));
                    move || {
                        for work in batches {
                            let seq = work.seq;
                            if let Err(e) =
                                self.commit_batch(work, stages, timers, options, &mut report)
                            {
                                return (report, Err(e));
                            }
                            committed.store(seq + 1, Ordering::Release);
                        }
                        (report, Ok(()))
                    }
                });
            let committer = match committer {
                Ok(c) => c,
                Err(e) => {
                    return (
                        Err(LibraryError::io(
                            "starting the ingest commit thread for",
                            &self.root,
                            e,
                        )),
                        None,
                    );
                }
            };
            let produced = self.produce_batches(
                &files,
                &pool,
                reader,
                &committed,
                &to_committer,
                &stages,
                &timers,
                options,
                &done,
                total,
            );
            // No more batches: the committer finishes the ones sent and stops.
            drop(to_committer);
            let finished = committer
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (produced, Some(finished))
        });
        let commit_result = match commit_result {
            Some((r, result)) => {
                report = r;
                result
            }
            None => Ok(()),
        };
        // A catalog error of the committer is the cause of a stopped producer: report it first.
        commit_result?;
        produced?;
        for (i, name) in timers.names.iter().enumerate() {
            // Near-duplicate groups need the perceptual hashes of the `dedup` feature, the
            // search index the `search` feature.
            let note = match name.as_str() {
                "near_groups" if !cfg!(feature = "dedup") => {
                    Some("needs the `dedup` feature (perceptual hashes)")
                }
                "index" if !cfg!(feature = "search") => Some("needs the `search` feature"),
                _ => None,
            };
            report.stages.push(StageReport {
                name: name.clone(),
                wired: note.is_none(),
                time_ms: timers.nanos[i].load(Ordering::Relaxed) as f64 / 1e6,
                files: timers.files[i].load(Ordering::Relaxed),
                note: note.map(String::from),
            });
        }
        let custom: HashSet<&str> = stages.iter().map(|s| s.name()).collect();
        for p in NOT_WIRED.iter().filter(|p| !custom.contains(p.name)) {
            report.stages.push(StageReport {
                name: p.name.into(),
                wired: false,
                time_ms: 0.0,
                files: 0,
                note: Some(format!(
                    "not wired yet ({}: {})",
                    p.provided_by, p.will_record
                )),
            });
        }
        let elapsed = started.elapsed();
        report.elapsed_ms = elapsed.as_secs_f64() * 1e3;
        report.files_per_second = if elapsed.as_secs_f64() > 0.0 {
            total as f64 / elapsed.as_secs_f64()
        } else {
            0.0
        };
        Ok(report)
    }

    /// A read-only connection to the catalog for the planning side of the ingest pipeline:
    /// in WAL mode it reads the last committed state while the committer thread writes, so
    /// planning the next batch never waits for the catalog lock.
    fn ingest_reader(&self) -> Result<rusqlite::Connection> {
        let path = self.root.join(super::CATALOG_FILE);
        rusqlite::Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(|c| {
            c.busy_timeout(Duration::from_secs(30))?;
            Ok(c)
        })
        .map_err(self.cat_err("opening a read connection for ingest"))
    }

    /// The producing side of the pipeline, on the calling thread. For each batch: what the
    /// catalog knows about its paths, reading and hashing (worker pool), the plan, the
    /// capability stages (worker pool), and off to the committer. The stages of batch N and
    /// the reading and hashing of batch N+1 run as one parallel job, so a worker that
    /// finishes its last image of batch N hashes files of batch N+1 instead of waiting for
    /// the other worker. Stops early when the committer has stopped (on a catalog error,
    /// which the committer returns).
    #[allow(clippy::too_many_arguments)]
    fn produce_batches<'f>(
        &self,
        files: &'f [PathBuf],
        pool: &rayon::ThreadPool,
        mut reader: rusqlite::Connection,
        committed: &AtomicUsize,
        to_committer: &std::sync::mpsc::SyncSender<BatchWork<'f>>,
        stages: &[Arc<dyn AssetStage>],
        timers: &Timers,
        options: &IngestOptions,
        done: &AtomicUsize,
        total: usize,
    ) -> Result<()> {
        // What the catalog knows about a batch's paths (committed state; the paths of the
        // batches in flight are other paths: the walk lists each path once).
        let lookup = |reader: &rusqlite::Connection, batch: &[PathBuf]| {
            batch
                .iter()
                .map(|p| lookup_known(reader, p))
                .collect::<std::result::Result<Vec<Option<Known>>, _>>()
                .map_err(self.cat_err("looking up known files"))
        };
        // Reads, detects and hashes a batch (in parallel on the pool it is called on).
        let read_batch = |batch: &[PathBuf], known: &[Option<Known>]| -> Vec<Read> {
            batch
                .par_iter()
                .zip(known.par_iter())
                .map(|(path, known)| {
                    let r = self.read_file(path, known.as_ref(), timers);
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if let Some(cb) = &options.progress {
                        cb(&IngestProgress {
                            done: n,
                            total,
                            path: path.clone(),
                        });
                    }
                    r
                })
                .collect()
        };
        let batches = split_batches(files, self.config.ingest.batch_size);
        let Some(first) = batches.first() else {
            return Ok(());
        };
        let mut known = lookup(&reader, first)?;
        let mut reads: Vec<Read> = pool.install(|| read_batch(first, &known));
        // What the batches sent but not yet committed will create: (seq, blake3 -> asset).
        // A batch is planned against the catalog plus these, so a file with the same bytes
        // as a file of an uncommitted batch is its duplicate, as if that batch were committed
        // already (the committer plans again in its transaction and finds the same).
        let mut in_flight: Vec<(usize, HashMap<String, AssetId>)> = Vec::new();
        for (seq, &batch) in batches.iter().enumerate() {
            // Plan (new asset, new version, duplicate...) on a snapshot of the catalog plus
            // the batches still in flight.
            let t = Instant::now();
            let plans: Vec<Option<Plan>> = {
                // Batches committed before the snapshot starts are in it.
                let c = committed.load(Ordering::Acquire);
                in_flight.retain(|(s, _)| *s >= c);
                let mut seed = HashMap::new();
                for (_, m) in &in_flight {
                    for (h, a) in m {
                        seed.entry(h.clone()).or_insert(*a);
                    }
                }
                let tx = reader
                    .transaction()
                    .map_err(self.cat_err("starting an ingest plan"))?;
                let plans = self
                    .plan_batch(&tx, &known, &reads, None, seed)
                    .map_err(self.cat_err("planning"))?;
                drop(tx);
                plans
            };
            let planned = plans.iter().filter(|p| p.is_some()).count();
            timers.add_n(S_DUPES, t.elapsed(), planned);
            in_flight.push((seq, creates(&reads, &plans)));
            // The capability stages of this batch and the reading of the next, together.
            let next = batches.get(seq + 1).copied();
            let next_known = match next {
                Some(n) => Some(lookup(&reader, n)?),
                None => None,
            };
            let (outputs, next_reads): (Vec<Option<StageRun>>, Option<Vec<Read>>) =
                pool.install(|| {
                    rayon::join(
                        || {
                            // One file per job: rayon's adaptive splitting otherwise
                            // leaves runs of several files to one thread, and the batch
                            // ends with the other thread idle until that run is done.
                            batch
                                .par_iter()
                                .zip(reads.par_iter())
                                .zip(plans.par_iter())
                                .with_max_len(1)
                                .map(|((path, read), plan)| {
                                    self.stages_for(path, read, plan.as_ref(), stages, timers)
                                })
                                .collect()
                        },
                        || {
                            next.zip(next_known.as_deref())
                                .map(|(n, k)| read_batch(n, k))
                        },
                    )
                });
            known = next_known.unwrap_or_default();
            let work = BatchWork {
                seq,
                files: batch,
                reads: std::mem::replace(&mut reads, next_reads.unwrap_or_default()),
                plans,
                outputs,
            };
            // To the committer: waits while it still has a batch queued (at most one batch
            // is being committed and one queued while the next is processed).
            if to_committer.send(work).is_err() {
                // The committer stopped on an error; it returns it.
                break;
            }
        }
        Ok(())
    }

    /// The committing side of the pipeline (its own thread): one transaction per batch with
    /// the plan checked again inside it, the near-duplicate groups in the same transaction,
    /// then the search index.
    fn commit_batch(
        &self,
        work: BatchWork<'_>,
        stages: &[Arc<dyn AssetStage>],
        timers: &Timers,
        options: &IngestOptions,
        report: &mut IngestReport,
    ) -> Result<()> {
        let BatchWork {
            files: batch,
            reads,
            plans,
            mut outputs,
            ..
        } = work;
        let mark = ReportMark::of(report);
        let mut guard = self.lock();
        let tx = guard
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(self.cat_err("starting an ingest transaction"))?;
        let t = Instant::now();
        let known_now: Vec<Option<Known>> = batch
            .iter()
            .map(|p| lookup_known(&tx, p))
            .collect::<std::result::Result<_, _>>()
            .map_err(self.cat_err("looking up known files"))?;
        let final_plans = self
            .plan_batch(&tx, &known_now, &reads, Some(&plans), HashMap::new())
            .map_err(self.cat_err("planning"))?;
        timers.add_n(S_DUPES, t.elapsed(), 0);
        // A file whose plan changed meanwhile (rare: another handle ingested the same bytes
        // or path) gets its stages run again for the new plan, here.
        for (i, plan) in final_plans.iter().enumerate() {
            let ran_for = outputs[i].as_ref().map(|o| o.key);
            let wants = plan.as_ref().and_then(Plan::stage_key);
            if wants.is_some() && ran_for != wants {
                outputs[i] = self.stages_for(&batch[i], &reads[i], plan.as_ref(), stages, timers);
            }
        }
        let t = Instant::now();
        for (((path, read), plan), out) in batch.iter().zip(reads).zip(final_plans).zip(outputs) {
            let (out, errs) = match out {
                Some(o) if plan.as_ref().and_then(Plan::stage_key) == Some(o.key) => {
                    (o.output, o.errors)
                }
                _ => (StageOutput::default(), Vec::new()),
            };
            for (stage, error) in errs {
                report.warnings.push(IngestWarning {
                    path: path.clone(),
                    message: format!("stage {stage} failed: {error}"),
                });
            }
            for w in &out.warnings {
                report.warnings.push(IngestWarning {
                    path: path.clone(),
                    message: w.clone(),
                });
            }
            match (read, plan) {
                (Read::Unchanged, _) => report.unchanged += 1,
                (Read::Skipped(reason), _) => report.skipped.push(SkippedFile {
                    path: path.clone(),
                    reason,
                }),
                (Read::Failed { stage, error }, _) => report.failures.push(IngestFailure {
                    path: path.clone(),
                    stage: stage.into(),
                    error,
                }),
                (Read::Hashed(h) | Read::Sidecar(h), Some(plan)) => self
                    .commit_file(&tx, path, h, plan, out, &options.actor, report)
                    .map_err(self.cat_err(format!("recording {}", path.display())))?,
                (Read::Sidecar(_), None) => report.warnings.push(IngestWarning {
                    path: path.clone(),
                    message: "its catalog record changed while its sidecar was read \
                              (another ingest?); it is read again on the next run"
                        .into(),
                }),
                (Read::Hashed(_), None) => {}
            }
        }
        #[cfg_attr(not(feature = "dedup"), allow(unused_mut))]
        let mut changed = mark.changed_since(report);
        #[cfg(feature = "dedup")]
        {
            // Near-duplicate groups around what this batch added or changed, in the same
            // transaction: the groups always match the committed assets.
            let t = Instant::now();
            let mut cache = self.fingerprints.lock().unwrap_or_else(|p| p.into_inner());
            // A batch that only added assets (the common case) merges them into the groups;
            // new versions (a changed fingerprint may split a group) recompute the groups
            // around what changed.
            let regrouped = if report.new_versions.len() == mark.new_versions {
                let added: Vec<AssetId> = report.added[mark.added..].iter().map(|f| f.id).collect();
                super::near::add_to_groups(&tx, &mut cache, &added, &options.actor)
            } else {
                super::near::update_groups(&tx, &mut cache, &changed, &options.actor)
            }
            .map_err(self.cat_err("updating near-duplicate groups"))?;
            timers.add_n(S_NEAR, t.elapsed(), changed.len());
            changed.extend(regrouped);
            changed.sort_unstable();
            changed.dedup();
        }
        tx.commit()
            .map_err(self.cat_err("committing an ingest batch"))?;
        timers.add_n(S_CATALOG, t.elapsed(), batch.len());
        drop(guard);
        if !changed.is_empty() {
            let t = Instant::now();
            self.after_change(&changed);
            #[cfg(feature = "search")]
            timers.add_n(S_INDEX, t.elapsed(), changed.len());
            #[cfg(not(feature = "search"))]
            let _ = t;
        }
        Ok(())
    }

    fn cat_err(&self, context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> LibraryError {
        let path = self.root.join(super::CATALOG_FILE);
        let context = context.into();
        move |source| LibraryError::Catalog {
            path,
            context,
            source,
        }
    }

    /// Removes temporary files a killed ingest may have left in `cache/tmp/`.
    fn clean_tmp(&self) -> Result<()> {
        let tmp = self.root.join("cache").join("tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| LibraryError::io("cleaning", &tmp, e))?;
        }
        std::fs::create_dir_all(&tmp).map_err(|e| LibraryError::io("creating", &tmp, e))
    }

    fn walk<P: AsRef<Path>>(
        &self,
        roots: &[P],
        options: &IngestOptions,
        report: &mut IngestReport,
    ) -> Vec<PathBuf> {
        let mut seen = HashSet::new();
        let mut files = Vec::new();
        let lib_root = self.root.clone();
        for root in roots {
            let root = root.as_ref();
            let root = match std::fs::canonicalize(root) {
                Ok(r) => r,
                Err(e) => {
                    report.failures.push(IngestFailure {
                        path: root.into(),
                        stage: "walk".into(),
                        error: e.to_string(),
                    });
                    continue;
                }
            };
            let lib = lib_root.clone();
            let walker = ignore::WalkBuilder::new(&root)
                .standard_filters(false)
                .hidden(!self.config.ingest.include_hidden)
                .add_custom_ignore_filename(".damkitignore")
                .parents(true)
                .follow_links(options.follow_symlinks)
                .sort_by_file_name(|a, b| a.cmp(b))
                // Never ingest the library folder into itself.
                .filter_entry(move |e| !e.path().starts_with(&lib))
                .build();
            for entry in walker {
                match entry {
                    Ok(e) => {
                        let Some(ft) = e.file_type() else { continue };
                        if ft.is_file() {
                            if e.file_name() == ".damkitignore" {
                                continue;
                            }
                            let p = e.into_path();
                            if let Some(of) = sidecar_of(&p) {
                                report.skipped.push(SkippedFile {
                                    reason: format!(
                                        "XMP sidecar of {} (read with that file by the \
                                         metadata stage)",
                                        of.display()
                                    ),
                                    path: p,
                                });
                            } else if seen.insert(p.clone()) {
                                files.push(p);
                            }
                        } else if ft.is_symlink() {
                            report.skipped.push(SkippedFile {
                                path: e.into_path(),
                                reason: "symbolic link (not followed; see follow_symlinks)".into(),
                            });
                        } else if !ft.is_dir() {
                            report.skipped.push(SkippedFile {
                                path: e.into_path(),
                                reason: "not a regular file (device, FIFO or socket)".into(),
                            });
                        }
                    }
                    Err(err) => report.failures.push(IngestFailure {
                        path: walk_error_path(&err).unwrap_or_else(|| root.clone()),
                        stage: "walk".into(),
                        error: err.to_string(),
                    }),
                }
            }
        }
        files
    }

    fn read_file(&self, path: &Path, known: Option<&Known>, timers: &Timers) -> Read {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                return Read::Failed {
                    stage: "read",
                    error: e.to_string(),
                };
            }
        };
        let key = CacheKey::of(&meta);
        let sidecars = sidecar_key(path, self.config.metadata.read_sidecars);
        if let Some(k) = known.filter(|k| k.key == key) {
            if k.sidecars == sidecars || k.role != "primary" {
                return Read::Unchanged;
            }
            // The bytes are those on record (the hash cache says so); only the sidecar
            // changed: the metadata is read again, nothing is hashed or rendered.
            let media_type = MediaType::detect_path(path).ok().flatten();
            let object = (self.config.storage.mode == StorageMode::Copy)
                .then(|| format!("objects/{}/{}", &k.blake3[..2], &k.blake3[2..]));
            return Read::Sidecar(Hashed {
                key,
                media_type,
                blake3: k.blake3.clone(),
                size: meta.len(),
                object,
                sidecars,
            });
        }
        if meta.len() == 0 {
            return Read::Skipped("empty file".into());
        }
        let t = Instant::now();
        let media_type = match MediaType::detect_path(path) {
            Ok(t) => t,
            Err(e) => {
                return Read::Failed {
                    stage: "detect",
                    error: e.to_string(),
                };
            }
        };
        timers.add(S_DETECT, t.elapsed());
        if media_type.is_none() && !self.config.ingest.accept_unknown_types {
            return Read::Skipped(
                "not a media type damkit recognises (see ingest.accept_unknown_types)".into(),
            );
        }
        let (blake3, size, object) = match self.config.storage.mode {
            StorageMode::Reference => {
                let t = Instant::now();
                match exact_hash(path) {
                    Ok((h, n)) => {
                        timers.add(S_HASH, t.elapsed());
                        (h, n, None)
                    }
                    Err(e) => {
                        return Read::Failed {
                            stage: "hash",
                            error: e.to_string(),
                        };
                    }
                }
            }
            StorageMode::Copy => match self.store_object(path, timers) {
                Ok((h, n, obj)) => (h, n, Some(obj)),
                Err((stage, error)) => return Read::Failed { stage, error },
            },
        };
        // A file written to while we read it is not recorded: its hash may mix two states.
        match std::fs::metadata(path) {
            Ok(after) if CacheKey::of(&after) == key && after.len() == size => {}
            _ => {
                return Read::Failed {
                    stage: "read",
                    error: "the file changed while it was being read; it will be read again on \
                            the next run"
                        .into(),
                };
            }
        }
        Read::Hashed(Hashed {
            key,
            media_type,
            blake3,
            size,
            object,
            sidecars,
        })
    }

    /// Copies `path` into `cache/tmp/`, hashes the copy, fsyncs it and renames it to
    /// `objects/ab/cdef…`. What is hashed is exactly what is stored.
    fn store_object(
        &self,
        path: &Path,
        timers: &Timers,
    ) -> std::result::Result<(String, u64, String), (&'static str, String)> {
        let t = Instant::now();
        let tmp_dir = self.root.join("cache").join("tmp");
        let mut tmp = tempfile::NamedTempFile::new_in(&tmp_dir).map_err(|e| {
            (
                "store",
                format!("creating a temporary file in {}: {e}", tmp_dir.display()),
            )
        })?;
        let mut src = std::fs::File::open(path).map_err(|e| ("read", e.to_string()))?;
        std::io::copy(&mut src, tmp.as_file_mut()).map_err(|e| ("store", e.to_string()))?;
        tmp.as_file()
            .sync_all()
            .map_err(|e| ("store", format!("syncing {}: {e}", tmp.path().display())))?;
        timers.add(S_STORE, t.elapsed());
        let t = Instant::now();
        let (hash, size) = exact_hash(tmp.path()).map_err(|e| ("hash", e.to_string()))?;
        timers.add(S_HASH, t.elapsed());
        let t = Instant::now();
        let rel = format!("objects/{}/{}", &hash[..2], &hash[2..]);
        let dest = self.root.join(&rel);
        if !dest.exists() {
            let dir = dest.parent().unwrap_or(&self.root);
            std::fs::create_dir_all(dir)
                .map_err(|e| ("store", format!("creating {}: {e}", dir.display())))?;
            tmp.persist(&dest).map_err(|e| {
                (
                    "store",
                    format!("renaming into {}: {}", dest.display(), e.error),
                )
            })?;
            sync_dir(dir);
        }
        timers.add_n(S_STORE, t.elapsed(), 0);
        Ok((hash, size, rel))
    }

    fn plan(
        &self,
        tx: &rusqlite::Connection,
        known: Option<&Known>,
        h: &Hashed,
        pending: &mut HashMap<String, AssetId>,
        prefer: Option<AssetId>,
    ) -> rusqlite::Result<Plan> {
        if let Some(k) = known {
            if k.role == "primary" {
                if k.blake3 == h.blake3 {
                    return Ok(Plan::Touch);
                }
                // Later files of this batch with the same bytes duplicate the new version.
                pending.entry(h.blake3.clone()).or_insert(k.asset);
                return Ok(Plan::NewVersion { asset: k.asset });
            }
            if k.blake3 == h.blake3 {
                return Ok(Plan::Touch);
            }
            // A linked or skipped copy whose bytes changed: it is a file of its own now, and
            // goes through duplicate detection like a new file.
        }
        let existing = match pending.get(&h.blake3) {
            Some(a) => Some(*a),
            None => find_by_hash(tx, &h.blake3)?,
        };
        let plan = match (existing, self.config.duplicates.exact) {
            (Some(of), DuplicatePolicy::Link) => Plan::Duplicate {
                of,
                action: DuplicateAction::Linked,
            },
            (Some(of), DuplicatePolicy::Skip) => Plan::Duplicate {
                of,
                action: DuplicateAction::Skipped,
            },
            (dup_of, _) => {
                let asset = prefer.unwrap_or_else(AssetId::new);
                if dup_of.is_none() {
                    pending.insert(h.blake3.clone(), asset);
                }
                Plan::NewAsset { asset, dup_of }
            }
        };
        Ok(plan)
    }

    /// Plans every hashed file of a batch in order (`pending` makes later files of the batch
    /// with the same bytes duplicates of earlier ones). With `before`, the plan made earlier
    /// for the batch: a file that again becomes a new asset keeps the id it was given (the
    /// stages ran for that id). `seed`: bytes earlier batches not yet committed create
    /// (see [`creates`]), treated like the catalog's.
    fn plan_batch(
        &self,
        tx: &rusqlite::Connection,
        known: &[Option<Known>],
        reads: &[Read],
        before: Option<&[Option<Plan>]>,
        seed: HashMap<String, AssetId>,
    ) -> rusqlite::Result<Vec<Option<Plan>>> {
        let mut pending = seed;
        let mut plans = Vec::with_capacity(reads.len());
        for (i, (known, read)) in known.iter().zip(reads).enumerate() {
            let prefer = before.and_then(|b| match &b[i] {
                Some(Plan::NewAsset { asset, .. }) => Some(*asset),
                _ => None,
            });
            plans.push(match read {
                Read::Hashed(h) => Some(self.plan(tx, known.as_ref(), h, &mut pending, prefer)?),
                Read::Sidecar(h) => known
                    .as_ref()
                    .filter(|k| k.role == "primary" && k.blake3 == h.blake3)
                    .map(|k| Plan::Refresh { asset: k.asset }),
                _ => None,
            });
        }
        Ok(plans)
    }

    /// Runs the stages a plan needs on a file, if any.
    fn stages_for(
        &self,
        path: &Path,
        read: &Read,
        plan: Option<&Plan>,
        stages: &[Arc<dyn AssetStage>],
        timers: &Timers,
    ) -> Option<StageRun> {
        let key = plan.and_then(Plan::stage_key)?;
        let h = match read {
            Read::Hashed(h) | Read::Sidecar(h) => h,
            _ => return None,
        };
        let (output, errors) = self.run_stages(path, h, key.0, key.1, stages, timers);
        Some(StageRun {
            key,
            output,
            errors,
        })
    }

    fn run_stages(
        &self,
        path: &Path,
        h: &Hashed,
        asset: AssetId,
        metadata_only: bool,
        stages: &[Arc<dyn AssetStage>],
        timers: &Timers,
    ) -> (StageOutput, Vec<(String, String)>) {
        let mut out = StageOutput::default();
        let mut errors = Vec::new();
        let object = h.object.as_ref().map(|o| self.root.join(o));
        let input = StageInput {
            path,
            content: object.as_deref().unwrap_or(path),
            media_type: h.media_type,
            blake3: &h.blake3,
            size: h.size,
            library: &self.root,
            config: &self.config,
            asset: Some(asset),
            metadata_only,
            bytes: Default::default(),
        };
        for stage in stages {
            let t = Instant::now();
            // A panicking stage must not take the ingest down with it.
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                stage.process(&input, &mut out)
            }));
            timers.add(timers.idx(stage.name()), t.elapsed());
            match r {
                Ok(Ok(())) => {}
                Ok(Err(e)) => errors.push((stage.name().to_string(), e.to_string())),
                Err(_) => errors.push((stage.name().to_string(), "the stage panicked".into())),
            }
        }
        (out, errors)
    }

    #[allow(clippy::too_many_arguments)]
    fn commit_file(
        &self,
        tx: &Transaction<'_>,
        path: &Path,
        h: Hashed,
        plan: Plan,
        out: StageOutput,
        actor: &str,
        report: &mut IngestReport,
    ) -> rusqlite::Result<()> {
        let now = catalog::now();
        let pbytes = path_to_bytes(path);
        let ptext = path.to_string_lossy();
        let k = h.key;
        let upsert_file = |asset: &AssetId, version_id: i64, role: &str| {
            tx.execute(
                "INSERT INTO files (path, path_text, asset_id, version_id, role, dev, ino, size,
                                    mtime_ns, seen_at, sidecars)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(path) DO UPDATE SET asset_id = ?3, version_id = ?4, role = ?5,
                     dev = ?6, ino = ?7, size = ?8, mtime_ns = ?9, seen_at = ?10,
                     sidecars = ?11",
                params![
                    pbytes,
                    ptext,
                    asset.to_string(),
                    version_id,
                    role,
                    k.dev,
                    k.ino,
                    k.size,
                    k.mtime_ns,
                    now,
                    h.sidecars
                ],
            )
        };
        match plan {
            Plan::Touch => {
                tx.execute(
                    "UPDATE files SET dev = ?2, ino = ?3, size = ?4, mtime_ns = ?5, seen_at = ?6,
                                      sidecars = ?7
                     WHERE path = ?1",
                    params![pbytes, k.dev, k.ino, k.size, k.mtime_ns, now, h.sidecars],
                )?;
                report.unchanged += 1;
            }
            Plan::Refresh { asset } => {
                self.refresh_metadata(tx, path, &h, asset, out, actor, report)?;
            }
            Plan::Duplicate { of, action } => {
                let version_id: i64 = tx.query_row(
                    "SELECT id FROM versions WHERE asset_id = ?1 AND blake3 = ?2
                     ORDER BY number DESC LIMIT 1",
                    params![of.to_string(), h.blake3],
                    |r| r.get(0),
                )?;
                let role = if action == DuplicateAction::Linked {
                    "copy"
                } else {
                    "skipped"
                };
                upsert_file(&of, version_id, role)?;
                if action == DuplicateAction::Linked {
                    audit_insert(
                        tx,
                        actor,
                        Some(&of),
                        "link_copy",
                        &serde_json::json!({ "path": ptext, "blake3": h.blake3 }),
                    )?;
                }
                report.duplicates.push(DuplicateFile {
                    path: path.into(),
                    duplicate_of: of,
                    kept_as: None,
                    action,
                });
            }
            Plan::NewAsset { asset, dup_of } => {
                tx.execute(
                    "INSERT INTO assets (id, created_at, updated_at, status, title, description)
                     VALUES (?1, ?2, ?2, 'draft', ?3, ?4)",
                    params![asset.to_string(), now, out.title, out.description],
                )?;
                let version_id = insert_version(tx, &asset, 1, &h, path, &now)?;
                upsert_file(&asset, version_id, "primary")?;
                store_outputs(tx, &asset, version_id, &out)?;
                audit_insert(
                    tx,
                    actor,
                    Some(&asset),
                    "ingest",
                    &serde_json::json!({
                        "path": ptext, "version": 1, "blake3": h.blake3, "size": h.size,
                        "media_type": h.media_type.map(MediaType::name),
                        "duplicate_of": dup_of.map(|a| a.to_string()),
                    }),
                )?;
                if let Some(of) = dup_of {
                    report.duplicates.push(DuplicateFile {
                        path: path.into(),
                        duplicate_of: of,
                        kept_as: Some(asset),
                        action: DuplicateAction::Kept,
                    });
                }
                report.added.push(IngestedFile {
                    path: path.into(),
                    id: asset,
                    version: 1,
                    blake3: h.blake3,
                    media_type: h.media_type,
                    size: h.size,
                });
            }
            Plan::NewVersion { asset } => {
                let number: i64 = tx.query_row(
                    "SELECT COALESCE(MAX(number), 0) + 1 FROM versions WHERE asset_id = ?1",
                    [asset.to_string()],
                    |r| r.get(0),
                )?;
                let version_id = insert_version(tx, &asset, number, &h, path, &now)?;
                upsert_file(&asset, version_id, "primary")?;
                store_outputs(tx, &asset, version_id, &out)?;
                audit_insert(
                    tx,
                    actor,
                    Some(&asset),
                    "new_version",
                    &serde_json::json!({
                        "path": ptext, "version": number, "blake3": h.blake3, "size": h.size,
                    }),
                )?;
                let status: String = tx.query_row(
                    "SELECT status FROM assets WHERE id = ?1",
                    [asset.to_string()],
                    |r| r.get(0),
                )?;
                if status == LifecycleStatus::Approved.as_str() {
                    tx.execute(
                        "UPDATE assets SET status = 'in_review' WHERE id = ?1",
                        [asset.to_string()],
                    )?;
                    audit_insert(
                        tx,
                        actor,
                        Some(&asset),
                        "status",
                        &serde_json::json!({
                            "from": "approved", "to": "in_review",
                            "reason": format!("new version {number}: the approved content changed"),
                        }),
                    )?;
                }
                report.new_versions.push(IngestedFile {
                    path: path.into(),
                    id: asset,
                    version: number,
                    blake3: h.blake3,
                    media_type: h.media_type,
                    size: h.size,
                });
            }
        }
        Ok(())
    }
}

impl Library {
    /// Records what the metadata, keywords and rights stages read again for a file whose
    /// sidecar changed, into its asset's current version; audited as `sidecar_changed`.
    #[allow(clippy::too_many_arguments)]
    fn refresh_metadata(
        &self,
        tx: &Transaction<'_>,
        path: &Path,
        h: &Hashed,
        asset: AssetId,
        mut out: StageOutput,
        actor: &str,
        report: &mut IngestReport,
    ) -> rusqlite::Result<()> {
        use super::facts::AssetFacts;
        let aid = asset.to_string();
        let (vid, number, title, description): (i64, i64, Option<String>, Option<String>) = tx
            .query_row(
                "SELECT v.id, v.number, a.title, a.description
                 FROM assets a JOIN versions v ON v.id = a.current_version WHERE a.id = ?1",
                [&aid],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        let old: Option<serde_json::Value> = tx
            .query_row(
                "SELECT json FROM metadata WHERE version_id = ?1",
                [vid],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .and_then(|j| serde_json::from_str(&j).ok());
        let old_facts = old.as_ref().map(AssetFacts::from_metadata_json);
        let mut changed: Vec<&str> = Vec::new();
        if let Some((_, json)) = &mut out.metadata {
            // Keep what the byte-level stages recorded (the decoder's pixel size).
            if let (Some(serde_json::Value::Object(o)), serde_json::Value::Object(n)) =
                (&old, &mut *json)
            {
                for (k, v) in o.iter().filter(|(k, _)| k.starts_with("File:Image")) {
                    n.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            if old.as_ref() != Some(&*json) {
                changed.push("metadata");
            }
        }
        // Title and description follow the metadata where the metadata changed them (a
        // catalog edit of a field the sidecar did not change stays).
        let old_title = old_facts.as_ref().and_then(|f| f.title.clone());
        let old_desc = old_facts.as_ref().and_then(|f| f.description.clone());
        if out.title != old_title && out.title != title {
            tx.execute(
                "UPDATE assets SET title = ?2 WHERE id = ?1",
                params![aid, out.title],
            )?;
            changed.push("title");
        }
        if out.description != old_desc && out.description != description {
            tx.execute(
                "UPDATE assets SET description = ?2 WHERE id = ?1",
                params![aid, out.description],
            )?;
            changed.push("description");
        }
        // Keywords the old metadata carried and the new one does not are removed.
        let new_kw: HashSet<&str> = out.keywords.iter().map(|k| k.keyword.as_str()).collect();
        let mut kw_changed = false;
        for k in old_facts.iter().flat_map(|f| &f.keywords) {
            if !new_kw.contains(k.as_str()) {
                kw_changed |= tx.execute(
                    "DELETE FROM keywords WHERE asset_id = ?1 AND keyword = ?2",
                    params![aid, k],
                )? > 0;
            }
        }
        for k in &out.keywords {
            kw_changed |= tx.execute(
                "INSERT OR IGNORE INTO keywords (asset_id, keyword, concept, vocabulary)
                 VALUES (?1, ?2, ?3, ?4)",
                params![aid, k.keyword, k.concept, k.vocabulary],
            )? > 0;
        }
        if kw_changed {
            changed.push("keywords");
        }
        let old_rights: Option<String> = tx
            .query_row(
                "SELECT policy FROM rights WHERE asset_id = ?1",
                [&aid],
                |r| r.get(0),
            )
            .optional()?;
        if old_rights
            .as_deref()
            .map(serde_json::from_str::<serde_json::Value>)
            .and_then(std::result::Result::ok)
            != out.rights.as_ref().map(|r| r.policy.clone())
        {
            changed.push("rights");
        }
        tx.execute("DELETE FROM rights WHERE asset_id = ?1", [&aid])?;
        out.keywords.clear();
        store_outputs(tx, &asset, vid, &out)?;
        let k = h.key;
        tx.execute(
            "UPDATE files SET dev = ?2, ino = ?3, size = ?4, mtime_ns = ?5, seen_at = ?6,
                              sidecars = ?7
             WHERE path = ?1",
            params![
                path_to_bytes(path),
                k.dev,
                k.ino,
                k.size,
                k.mtime_ns,
                catalog::now(),
                h.sidecars
            ],
        )?;
        tx.execute(
            "UPDATE assets SET updated_at = ?2 WHERE id = ?1",
            params![aid, catalog::now()],
        )?;
        audit_insert(
            tx,
            actor,
            Some(&asset),
            "sidecar_changed",
            &serde_json::json!({
                "path": path.to_string_lossy(), "version": number,
                "sidecars": h.sidecars, "changed": changed,
            }),
        )?;
        report.refreshed.push(IngestedFile {
            path: path.into(),
            id: asset,
            version: number,
            blake3: h.blake3.clone(),
            media_type: h.media_type,
            size: h.size,
        });
        Ok(())
    }
}

fn walk_error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.iter().find_map(walk_error_path),
        _ => None,
    }
}

/// The file an XMP sidecar belongs to: `NAME.EXT` for `NAME.EXT.xmp`, else a `NAME.*` that
/// is not itself a sidecar. `None` for other files and for lone XMP files (ingested as
/// assets).
fn sidecar_of(path: &Path) -> Option<PathBuf> {
    let ext = path.extension()?.to_str()?;
    if !ext.eq_ignore_ascii_case("xmp") {
        return None;
    }
    let base = path.with_extension("");
    if base.extension().is_some() && base.is_file() {
        return Some(base);
    }
    let stem = path.file_stem()?;
    let dir = path.parent()?;
    std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
        let p = e.path();
        (p != path
            && p.file_stem() == Some(stem)
            && p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| !x.eq_ignore_ascii_case("xmp"))
            && p.is_file())
        .then_some(p)
    })
}

fn sync_dir(dir: &Path) {
    // Makes the rename durable; best effort (not every platform can open a folder).
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn lookup_known(conn: &rusqlite::Connection, path: &Path) -> rusqlite::Result<Option<Known>> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.asset_id, f.version_id, v.blake3, f.role, f.dev, f.ino, f.size, f.mtime_ns,
                f.sidecars
         FROM files f JOIN versions v ON v.id = f.version_id WHERE f.path = ?1",
    )?;
    stmt.query_row([path_to_bytes(path)], |r| {
        let id: String = r.get(0)?;
        Ok(Known {
            asset: id.parse().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?,
            blake3: r.get(2)?,
            role: r.get(3)?,
            key: CacheKey {
                dev: r.get(4)?,
                ino: r.get(5)?,
                size: r.get(6)?,
                mtime_ns: r.get(7)?,
            },
            sidecars: r.get(8)?,
        })
    })
    .optional()
}

/// Batches of at most `size` files; the last full-size batch is cut into halves, quarters...
/// (down to 16 files), because the commit of the last batch is the one the workers cannot
/// overlap with the next: a small last batch keeps the end of the ingest short.
fn split_batches(files: &[PathBuf], size: usize) -> Vec<&[PathBuf]> {
    const TAIL: usize = 16;
    let size = size.max(1);
    let mut batches: Vec<&[PathBuf]> = files.chunks(size).collect();
    if let Some(last) = batches.pop() {
        let mut rest = last;
        while rest.len() > TAIL {
            let (head, tail) = rest.split_at(rest.len().div_ceil(2));
            batches.push(head);
            rest = tail;
        }
        batches.push(rest);
    }
    batches
}

/// The bytes a batch's plans create an asset or a version for, and the asset: what later
/// batches must see as already in the library.
fn creates(reads: &[Read], plans: &[Option<Plan>]) -> HashMap<String, AssetId> {
    let mut m = HashMap::new();
    for (read, plan) in reads.iter().zip(plans) {
        let (Read::Hashed(h), Some(plan)) = (read, plan) else {
            continue;
        };
        match plan {
            Plan::NewAsset {
                asset,
                dup_of: None,
            }
            | Plan::NewVersion { asset } => {
                m.entry(h.blake3.clone()).or_insert(*asset);
            }
            _ => {}
        }
    }
    m
}

/// The asset whose version has these bytes (the oldest asset when several do).
fn find_by_hash(tx: &rusqlite::Connection, blake3: &str) -> rusqlite::Result<Option<AssetId>> {
    let id: Option<String> = tx
        .query_row(
            "SELECT asset_id FROM versions WHERE blake3 = ?1 ORDER BY id LIMIT 1",
            [blake3],
            |r| r.get(0),
        )
        .optional()?;
    Ok(id.and_then(|s| s.parse().ok()))
}

fn insert_version(
    tx: &Transaction<'_>,
    asset: &AssetId,
    number: i64,
    h: &Hashed,
    path: &Path,
    now: &str,
) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT INTO versions (asset_id, number, blake3, size, media_type, mime, created_at,
                               source, object)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            asset.to_string(),
            number,
            h.blake3,
            i64::try_from(h.size).unwrap_or(i64::MAX),
            h.media_type.map(MediaType::name),
            h.media_type.map(MediaType::mime),
            now,
            path_to_bytes(path),
            h.object
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "UPDATE assets SET current_version = ?2, updated_at = ?3 WHERE id = ?1",
        params![asset.to_string(), id, now],
    )?;
    tx.execute(
        "INSERT INTO hashes (version_id, kind, value) VALUES (?1, 'blake3', ?2)",
        params![id, h.blake3],
    )?;
    Ok(id)
}

fn store_outputs(
    tx: &Transaction<'_>,
    asset: &AssetId,
    version_id: i64,
    out: &StageOutput,
) -> rusqlite::Result<()> {
    let aid = asset.to_string();
    if let Some((source, json)) = &out.metadata {
        tx.execute(
            "INSERT OR REPLACE INTO metadata (version_id, source, json) VALUES (?1, ?2, ?3)",
            params![version_id, source, json.to_string()],
        )?;
    }
    for (kind, value) in &out.hashes {
        tx.execute(
            "INSERT OR REPLACE INTO hashes (version_id, kind, value) VALUES (?1, ?2, ?3)",
            params![version_id, kind, value],
        )?;
    }
    for k in &out.keywords {
        tx.execute(
            "INSERT OR IGNORE INTO keywords (asset_id, keyword, concept, vocabulary)
             VALUES (?1, ?2, ?3, ?4)",
            params![aid, k.keyword, k.concept, k.vocabulary],
        )?;
    }
    if let Some(r) = &out.rights {
        tx.execute(
            "INSERT OR REPLACE INTO rights (asset_id, source, policy, expires_at, rules,
                                            provenance)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                aid,
                r.source,
                r.policy.to_string(),
                r.expires_at,
                r.rules.as_ref().map(|v| v.to_string()),
                serde_json::to_string(&r.provenance).ok()
            ],
        )?;
    }
    for r in &out.renditions {
        tx.execute(
            "INSERT OR REPLACE INTO renditions (version_id, preset, path, width, height, mime, size)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                version_id,
                r.preset,
                r.path,
                r.width,
                r.height,
                r.mime,
                i64::try_from(r.size).unwrap_or(i64::MAX)
            ],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_keep_every_file_in_order_and_end_small() {
        let files: Vec<PathBuf> = (0..200).map(|i| PathBuf::from(format!("f{i}"))).collect();
        let b = split_batches(&files, 128);
        let sizes: Vec<usize> = b.iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [128, 36, 18, 9, 9]);
        let flat: Vec<&PathBuf> = b.iter().flat_map(|b| b.iter()).collect();
        assert_eq!(flat, files.iter().collect::<Vec<_>>());
        let sizes = |n: usize, size: usize| -> Vec<usize> {
            let f: Vec<PathBuf> = (0..n).map(|i| PathBuf::from(i.to_string())).collect();
            split_batches(&f, size).iter().map(|b| b.len()).collect()
        };
        assert_eq!(sizes(0, 128), Vec::<usize>::new());
        assert_eq!(sizes(10, 128), [10]);
        assert_eq!(sizes(256, 128), [128, 64, 32, 16, 16]);
        assert_eq!(sizes(3, 1), [1, 1, 1]);
        assert_eq!(sizes(20, 8), [8, 8, 4]);
    }
}
