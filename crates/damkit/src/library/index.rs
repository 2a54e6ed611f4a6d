//! The library's search index: damkit-search records built from the catalog, kept current
//! after every change, rebuilt from scratch by [`Library::reindex`].
//!
//! # Layout and atomic rebuilds
//!
//! The index lives under `LIB/index/` in *generations*: `index/CURRENT` names the live one
//! (`index/g000003/`, a damkit-search index folder). [`Library::reindex`] builds a new
//! generation in a temporary folder (`index/build-…`), renames it to the next generation name
//! and then replaces `CURRENT` atomically (temporary file, fsync, rename): a reader sees the old
//! index or the new one, never a half-built one, and a crash during a rebuild leaves the old
//! index live. Older generations are removed afterwards (processes that still have them open
//! keep reading them until they notice the new `CURRENT` on their next search).
//!
//! # Keeping the index current
//!
//! Each generation records, in `damkit-library.json`, the sequence number of the last audit
//! log entry whose changes it holds. Every catalog change writes an audit entry, so
//! [`Library::sync_index`] (run after each committed ingest batch, edit and status change,
//! and before each search) re-indexes exactly the assets named by newer audit entries. A
//! change whose index update fails (another process holds the index writer for too long, a
//! crash between the catalog commit and the index commit) is therefore not lost: the next
//! update or search catches up. The catalog stays the source of truth.
//!
//! # Schema versions
//!
//! An index written with another damkit-search schema version (after an upgrade of damkit)
//! is rebuilt from the catalog automatically: by the first index update after a change (an
//! ingest batch, an edit), or by the first search, which then says so in a warning (the
//! search waits for the rebuild). [`SearchOptions::rebuild_if_needed`]`(false)` turns that
//! off for searches: they then fail with [`LibraryError::IndexRebuildNeeded`], whose message
//! says to run `damkit reindex --library LIB`. A library that has no index yet (new, or
//! created before the index was wired) gets one built from the catalog on its first update
//! or search. A damaged `index/CURRENT` is not repaired automatically (`IndexCorrupt`:
//! reindex).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, MutexGuard};
use std::time::{Duration, Instant};

use damkit_core::AssetId;
use damkit_search::{
    AssetRecord, ConceptExpander, GeoPoint, IndexerOptions, RightsSummary, SearchError,
    SearchIndex, SearchRequest, SearchResponse,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::error::{LibraryError, Result};
use super::lifecycle::LifecycleStatus;
use super::{CATALOG_FILE, Library};

/// The index folder inside a library folder.
pub const INDEX_DIR: &str = "index";
/// The file under `index/` that names the live generation.
pub const CURRENT_FILE: &str = "CURRENT";
/// The file inside a generation that records how far the index has followed the audit log.
pub const STATE_FILE: &str = "damkit-library.json";

/// The lock file that serialises rebuilds of one library's index.
const REBUILD_LOCK_FILE: &str = "REBUILD.lock";

/// How long an index update after a change waits for another process's index writer.
const WRITER_WAIT: Duration = Duration::from_secs(30);
/// Build folders older than this are leftovers of a killed rebuild.
const STALE_BUILD: Duration = Duration::from_secs(3600);

/// The in-process state of the index: the open generation, a read connection to the
/// catalog, the vocabularies (loaded once) and the last error of a background update.
#[derive(Default)]
pub(crate) struct IndexState {
    open: Option<(String, SearchIndex)>,
    reader: Option<Connection>,
    vocabularies: Option<Arc<Vocabularies>>,
    last_error: Option<String>,
}

impl std::fmt::Debug for IndexState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexState")
            .field("generation", &self.open.as_ref().map(|(g, _)| g))
            .field("last_error", &self.last_error)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct GenerationState {
    /// The last audit entry whose changes the generation holds.
    audit_seq: i64,
}

/// What [`Library::reindex`] did.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ReindexReport {
    /// The new live index folder.
    pub path: PathBuf,
    /// The generation name (`g000004`).
    pub generation: String,
    /// Records written (one per asset).
    pub records: u64,
    /// Assets whose record could not be built (reported, not indexed).
    pub failures: Vec<String>,
    /// Wall-clock time in milliseconds.
    pub elapsed_ms: f64,
}

/// What an index update did.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct IndexUpdate {
    /// Records written or replaced.
    pub upserted: u64,
    /// Records removed (assets no longer in the catalog).
    pub deleted: u64,
    /// True when the update built the index from scratch (it did not exist).
    pub rebuilt: bool,
    /// Wall-clock time in milliseconds.
    pub elapsed_ms: f64,
}

/// The state of the library's search index.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct IndexStatus {
    /// The live index folder, if there is one.
    pub path: Option<PathBuf>,
    /// Records in the index.
    pub records: u64,
    /// The last audit entry the index holds.
    pub indexed_seq: i64,
    /// The last audit entry of the catalog; the index is current when both are equal.
    pub catalog_seq: i64,
    /// The last error of an index update after a change, if any.
    pub last_error: Option<String>,
}

/// How to search a library ([`Library::search`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SearchOptions {
    /// Facets, filters, sort, limit, pagination, usage filter... (the query text is the
    /// `query` argument of [`Library::search`]).
    pub request: SearchRequest,
    /// Only distributable assets (lifecycle status `approved`).
    pub distributable_only: bool,
    /// Expand controlled keywords through the configured vocabularies (a broader concept
    /// finds narrower ones; a word that is a concept label finds assets tagged with the
    /// concept). Default true; needs the `taxonomy` feature.
    pub expand_concepts: bool,
    /// Catch up with catalog changes not in the index yet before searching (default true).
    pub catch_up: bool,
    /// Rebuild the index from the catalog when it was written with another damkit-search
    /// schema version, before searching (default true; false: fail with
    /// [`LibraryError::IndexRebuildNeeded`]). Needs `catch_up`.
    pub rebuild_if_needed: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            request: SearchRequest::default(),
            distributable_only: false,
            expand_concepts: true,
            catch_up: true,
            rebuild_if_needed: true,
        }
    }
}

impl SearchOptions {
    /// Options around a full damkit-search request (its query is replaced by the `query`
    /// argument of [`Library::search`]).
    pub fn from_request(request: SearchRequest) -> Self {
        SearchOptions {
            request,
            ..SearchOptions::default()
        }
    }
    /// Adds a facet to count (`keyword`, `taxonomy`, `make`, `status`...).
    pub fn facet(mut self, name: impl Into<String>) -> Self {
        self.request.facets.push(name.into());
        self
    }
    /// Adds a drill-down filter clause in the query language.
    pub fn filter(mut self, clause: impl Into<String>) -> Self {
        self.request.filters.push(clause.into());
        self
    }
    /// Sets the number of hits.
    pub fn limit(mut self, limit: usize) -> Self {
        self.request.limit = limit;
        self
    }
    /// Sets the sort order.
    pub fn sort(mut self, sort: damkit_search::Sort) -> Self {
        self.request.sort = Some(sort);
        self
    }
    /// Whether a search rebuilds an index of another schema version (default true).
    pub fn rebuild_if_needed(mut self, yes: bool) -> Self {
        self.rebuild_if_needed = yes;
        self
    }

    /// Only distributable (approved) assets.
    pub fn distributable(mut self, yes: bool) -> Self {
        self.distributable_only = yes;
        self
    }
}

fn search_err(path: &Path, context: &'static str) -> impl FnOnce(SearchError) -> LibraryError {
    let path = path.to_path_buf();
    move |source| match source {
        SearchError::RebuildNeeded {
            path: p,
            found,
            expected,
        } => LibraryError::IndexRebuildNeeded {
            path: p,
            found,
            expected,
        },
        source => LibraryError::Index {
            path,
            context,
            source,
        },
    }
}

fn is_lock_busy(e: &SearchError) -> bool {
    matches!(
        e,
        SearchError::Tantivy {
            source: tantivy::TantivyError::LockFailure(
                tantivy::directory::error::LockError::LockBusy,
                _
            ),
            ..
        }
    )
}

impl Library {
    fn index_root(&self) -> PathBuf {
        self.root.join(INDEX_DIR)
    }

    pub(crate) fn index_lock(&self) -> MutexGuard<'_, IndexState> {
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Brings the search index up to date after a committed change of `ids` (and of any other
    /// asset changed since the last update, found through the audit log). Called by ingest
    /// after each batch and by edits and status changes; never fails the change itself: an
    /// error is kept for [`Library::index_status`] and the next update or search catches up.
    pub(crate) fn index_after_change(&self, ids: &[AssetId]) {
        let mut st = self.index_lock();
        let r = match self.sync_locked(&mut st, ids, WRITER_WAIT) {
            // Written by another schema version (damkit was upgraded): rebuilt from the
            // catalog, which holds this change already.
            Err(LibraryError::IndexRebuildNeeded { .. }) => {
                self.rebuild_locked(&mut st).map(|_| ())
            }
            r => r.map(|_| ()),
        };
        st.last_error = r.err().map(|e| e.to_string());
    }

    /// Indexes the current state of `ids`, plus every asset changed in the catalog since the
    /// index was last updated; builds the index when the library has none. Waits up to 30 s
    /// for another process's index writer.
    pub fn index_assets(&self, ids: &[AssetId]) -> Result<IndexUpdate> {
        let mut st = self.index_lock();
        let r = self.sync_locked(&mut st, ids, WRITER_WAIT);
        st.last_error = r.as_ref().err().map(|e| e.to_string());
        r
    }

    /// Brings the index up to date with the catalog (the assets named by audit entries newer
    /// than the index). Equivalent to `index_assets(&[])`.
    pub fn sync_index(&self) -> Result<IndexUpdate> {
        self.index_assets(&[])
    }

    /// The state of the search index: where it is, how many records, how far behind the
    /// catalog, the last update error.
    pub fn index_status(&self) -> Result<IndexStatus> {
        let mut st = self.index_lock();
        let catalog_seq = self.catalog_seq(&mut st)?;
        let last_error = st.last_error.clone();
        let root = self.index_root();
        match self.open_current(&mut st)? {
            None => Ok(IndexStatus {
                path: None,
                records: 0,
                indexed_seq: 0,
                catalog_seq,
                last_error,
            }),
            Some((generation, index)) => {
                let dir = root.join(&generation);
                Ok(IndexStatus {
                    path: Some(dir.clone()),
                    records: index.num_records(),
                    indexed_seq: read_state(&dir)?.audit_seq,
                    catalog_seq,
                    last_error,
                })
            }
        }
    }

    /// Rebuilds the search index from the catalog, from scratch, and swaps it in atomically
    /// (see the module docs). Searches running meanwhile use the old index; changes committed
    /// meanwhile are caught up by the next update or search.
    pub fn reindex(&self) -> Result<ReindexReport> {
        let mut st = self.index_lock();
        let r = self.rebuild_locked(&mut st);
        if r.is_ok() {
            st.last_error = None;
        }
        r
    }

    /// Searches the library. The query language, facets, sorting and pagination are
    /// damkit-search's (see [`damkit_search`]); `options` adds the "distributable" filter and
    /// taxonomy expansion through the configured vocabularies. Changes committed to the
    /// catalog but not yet indexed are indexed first (unless another process is writing the
    /// index: then the results may lag, and a warning says so).
    ///
    /// An index written by another schema version is rebuilt from the catalog first (a
    /// warning says so); with [`SearchOptions::rebuild_if_needed`]`(false)` the search fails
    /// with [`LibraryError::IndexRebuildNeeded`] instead: run `damkit reindex --library LIB`
    /// (or [`Library::reindex`]).
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<SearchResponse> {
        let mut st = self.index_lock();
        let mut warnings = Vec::new();
        if options.catch_up {
            match self.sync_locked(&mut st, &[], Duration::ZERO) {
                Ok(_) => {}
                Err(LibraryError::IndexRebuildNeeded {
                    found, expected, ..
                }) if options.rebuild_if_needed => {
                    let rebuilt = self.rebuild_locked(&mut st)?;
                    st.last_error = None;
                    warnings.push(format!(
                        "the search index was written with damkit-search schema version \
                         {found} (this build: {expected}); it was rebuilt from the catalog \
                         ({} records in {:.0} ms)",
                        rebuilt.records, rebuilt.elapsed_ms
                    ));
                }
                Err(e @ LibraryError::IndexRebuildNeeded { .. }) => return Err(e),
                Err(e) => warnings.push(format!(
                    "the index may not show the latest catalog changes: {e}"
                )),
            }
        }
        let root = self.index_root();
        let Some((_, index)) = self.open_current(&mut st)? else {
            return Err(LibraryError::Index {
                path: root.clone(),
                context: "opening the search index",
                source: SearchError::NotAnIndex { path: root },
            });
        };
        let expander = if options.expand_concepts {
            self.index_vocabularies(&mut st)
        } else {
            None
        };
        drop(st);
        index
            .reload()
            .map_err(search_err(&root, "reloading the search index"))?;
        let mut request = options.request.clone();
        request.query = query.to_string();
        if options.distributable_only {
            request
                .filters
                .push(format!("status:{}", LifecycleStatus::Approved.as_str()));
        }
        let mut response = match &expander {
            Some(v) => index.search_with(&request, Some(v.as_ref() as &dyn ConceptExpander)),
            None => index.search(&request),
        }
        .map_err(search_err(&root, "searching"))?;
        if let Some(v) = &expander {
            warnings.extend(v.warnings.iter().cloned());
        }
        warnings.append(&mut response.warnings);
        response.warnings = warnings;
        Ok(response)
    }

    /// The damkit-search record the index holds for `id` (`None` when not indexed yet).
    pub fn indexed_record(&self, id: &AssetId) -> Result<Option<AssetRecord>> {
        let mut st = self.index_lock();
        let root = self.index_root();
        let Some((_, index)) = self.open_current(&mut st)? else {
            return Ok(None);
        };
        drop(st);
        index
            .reload()
            .map_err(search_err(&root, "reloading the search index"))?;
        index
            .get(*id)
            .map_err(search_err(&root, "reading a record"))
    }

    /// The damkit-search record of `id` built from the catalog now (what the index will hold).
    pub fn asset_record(&self, id: &AssetId) -> Result<Option<AssetRecord>> {
        let mut st = self.index_lock();
        let vocab = self.index_vocabularies(&mut st);
        let conn = self.reader(&mut st)?;
        build_record(conn, id, vocab.as_deref()).map_err(self.read_err("building a record"))
    }

    // ---- internals ----

    fn read_err(&self, context: &str) -> impl Fn(rusqlite::Error) -> LibraryError + use<> {
        let path = self.root.join(CATALOG_FILE);
        let context = context.to_string();
        move |source| LibraryError::Catalog {
            path: path.clone(),
            context: context.clone(),
            source,
        }
    }

    /// A read-only connection to the catalog of its own: index updates read a consistent
    /// snapshot without holding the catalog lock of this process.
    fn reader<'s>(&self, st: &'s mut IndexState) -> Result<&'s mut Connection> {
        if st.reader.is_none() {
            let path = self.root.join(CATALOG_FILE);
            let conn = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .and_then(|c| {
                c.busy_timeout(Duration::from_secs(30))?;
                Ok(c)
            })
            .map_err(self.read_err("opening a read connection for the index"))?;
            st.reader = Some(conn);
        }
        Ok(st.reader.as_mut().expect("set above"))
    }

    fn catalog_seq(&self, st: &mut IndexState) -> Result<i64> {
        let conn = self.reader(st)?;
        conn.query_row("SELECT COALESCE(MAX(id), 0) FROM audit", [], |r| r.get(0))
            .map_err(self.read_err("reading the audit sequence"))
    }

    fn index_vocabularies(&self, st: &mut IndexState) -> Option<Arc<Vocabularies>> {
        if st.vocabularies.is_none() {
            st.vocabularies = Some(Arc::new(Vocabularies::load(self)));
        }
        st.vocabularies.clone().filter(|v| !v.is_empty())
    }

    /// The live generation, opened. A rebuild in another handle or process may replace
    /// `CURRENT` and remove the generation it named between our reading `CURRENT` and
    /// opening the folder: then `CURRENT` has changed, and we open what it names now.
    fn open_current(&self, st: &mut IndexState) -> Result<Option<(String, SearchIndex)>> {
        let root = self.index_root();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let generation = match read_current(&root) {
                Ok(Some(g)) => g,
                Ok(None) => return Ok(None),
                Err(LibraryError::IndexCorrupt { .. }) if attempts < 5 => {
                    std::thread::sleep(Duration::from_millis(5 * attempts));
                    continue;
                }
                Err(e) => return Err(e),
            };
            match self.open_generation(st, &generation) {
                Ok(index) => return Ok(Some((generation, index))),
                Err(e) => {
                    let now = read_current(&root).ok().flatten();
                    if attempts >= 5 || now.as_deref() == Some(generation.as_str()) {
                        return Err(e);
                    }
                }
            }
        }
    }

    fn open_generation(&self, st: &mut IndexState, generation: &str) -> Result<SearchIndex> {
        if let Some((g, index)) = &st.open
            && g == generation
        {
            return Ok(index.clone());
        }
        let dir = self.index_root().join(generation);
        let index =
            SearchIndex::open(&dir).map_err(search_err(&dir, "opening the search index"))?;
        st.open = Some((generation.to_string(), index.clone()));
        Ok(index)
    }

    /// The update behind [`Library::index_assets`], [`Library::search`] and the hook.
    fn sync_locked(
        &self,
        st: &mut IndexState,
        extra: &[AssetId],
        wait: Duration,
    ) -> Result<IndexUpdate> {
        let started = Instant::now();
        let root = self.index_root();
        let Some((generation, index)) = self.open_current(st)? else {
            // No index yet: build it (the catalog may already hold assets), unless another
            // handle or process builds it first.
            if let Some(r) = self.rebuild_with(st, true)? {
                return Ok(IndexUpdate {
                    upserted: r.records,
                    deleted: 0,
                    rebuilt: true,
                    elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
                });
            }
            return self.sync_locked(st, extra, wait);
        };
        let dir = root.join(&generation);
        // Cheap check first: nothing to do when the index has followed the whole audit log.
        let catalog_seq = self.catalog_seq(st)?;
        if extra.is_empty() && read_state(&dir)?.audit_seq >= catalog_seq {
            return Ok(IndexUpdate::default());
        }
        // Take the writer first, then read the snapshot: two processes updating the same index
        // are serialised by the writer lock, so an older snapshot never overwrites a newer one.
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(5);
        let mut indexer = loop {
            match index.indexer(IndexerOptions::default().threads(1).memory_budget(32 << 20)) {
                Ok(w) => break w,
                Err(e) if is_lock_busy(&e) && Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                Err(e) => return Err(search_err(&dir, "opening the index writer")(e)),
            }
        };
        let vocab = self.index_vocabularies(st);
        let since = read_state(&dir)?.audit_seq;
        let conn = self.reader(st)?;
        let e = self.read_err("reading changed assets for the index");
        let tx = conn.transaction().map_err(&e)?;
        let seq: i64 = tx
            .query_row("SELECT COALESCE(MAX(id), 0) FROM audit", [], |r| r.get(0))
            .map_err(&e)?;
        let mut ids: BTreeSet<AssetId> = extra.iter().copied().collect();
        {
            let mut stmt = tx
                .prepare(
                    "SELECT DISTINCT asset_id FROM audit
                     WHERE id > ?1 AND id <= ?2 AND asset_id IS NOT NULL",
                )
                .map_err(&e)?;
            let rows = stmt
                .query_map([since, seq], |r| r.get::<_, String>(0))
                .map_err(&e)?;
            for row in rows {
                if let Ok(id) = row.map_err(&e)?.parse() {
                    ids.insert(id);
                }
            }
        }
        let mut update = IndexUpdate::default();
        for id in &ids {
            match build_record(&tx, id, vocab.as_deref()).map_err(&e)? {
                Some(rec) => {
                    indexer
                        .upsert(&rec)
                        .map_err(search_err(&dir, "indexing a record"))?;
                    update.upserted += 1;
                }
                None => {
                    indexer.delete(*id);
                    update.deleted += 1;
                }
            }
        }
        drop(tx);
        indexer
            .finish()
            .map_err(search_err(&dir, "committing the index"))?;
        write_state(&dir, &GenerationState { audit_seq: seq })?;
        update.elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
        Ok(update)
    }

    fn rebuild_locked(&self, st: &mut IndexState) -> Result<ReindexReport> {
        Ok(self
            .rebuild_with(st, false)?
            .expect("an unconditional rebuild returns a report"))
    }

    /// Rebuilds the index, one rebuild at a time across handles and processes (an exclusive
    /// lock on `index/REBUILD.lock`). With `only_if_missing`, returns `None` without building
    /// when another rebuild has created the index while we waited for the lock.
    fn rebuild_with(
        &self,
        st: &mut IndexState,
        only_if_missing: bool,
    ) -> Result<Option<ReindexReport>> {
        let started = Instant::now();
        let root = self.index_root();
        std::fs::create_dir_all(&root).map_err(|e| LibraryError::io("creating", &root, e))?;
        let lock_path = root.join(REBUILD_LOCK_FILE);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| LibraryError::io("opening", &lock_path, e))?;
        lock.lock()
            .map_err(|e| LibraryError::io("locking", &lock_path, e))?;
        if only_if_missing && read_current(&root)?.is_some() {
            return Ok(None);
        }
        remove_stale_builds(&root);
        let build = tempfile::Builder::new()
            .prefix("build-")
            .tempdir_in(&root)
            .map_err(|e| LibraryError::io("creating a build folder in", &root, e))?;
        let index = SearchIndex::create(build.path())
            .map_err(search_err(build.path(), "creating the search index"))?;
        let mut indexer = index
            .indexer(IndexerOptions::default().bulk_load(true))
            .map_err(search_err(build.path(), "opening the index writer"))?;
        let vocab = self.index_vocabularies(st);
        let conn = self.reader(st)?;
        let e = self.read_err("reading the catalog for a reindex");
        let tx = conn.transaction().map_err(&e)?;
        let seq: i64 = tx
            .query_row("SELECT COALESCE(MAX(id), 0) FROM audit", [], |r| r.get(0))
            .map_err(&e)?;
        let ids: Vec<String> = {
            let mut stmt = tx
                .prepare("SELECT id FROM assets ORDER BY id")
                .map_err(&e)?;
            stmt.query_map([], |r| r.get(0))
                .map_err(&e)?
                .collect::<rusqlite::Result<_>>()
                .map_err(&e)?
        };
        let mut records = 0;
        let mut failures = Vec::new();
        for text in ids {
            let id: AssetId = match text.parse() {
                Ok(id) => id,
                Err(err) => {
                    failures.push(format!("asset id {text:?} in the catalog: {err}"));
                    continue;
                }
            };
            match build_record(&tx, &id, vocab.as_deref()) {
                Ok(Some(rec)) => {
                    indexer
                        .add_new(&rec)
                        .map_err(search_err(build.path(), "indexing a record"))?;
                    records += 1;
                }
                Ok(None) => {}
                Err(err) => failures.push(format!("asset {id}: {err}")),
            }
        }
        drop(tx);
        indexer
            .optimize()
            .map_err(search_err(build.path(), "committing the index"))?;
        drop(index);
        write_state(build.path(), &GenerationState { audit_seq: seq })?;
        // Name the generation, then point CURRENT at it (the atomic step).
        let build = build.keep();
        let mut n = next_generation(&root);
        let final_dir = loop {
            let name = format!("g{n:06}");
            let dir = root.join(&name);
            match std::fs::rename(&build, &dir) {
                Ok(()) => break (name, dir),
                Err(_) if dir.exists() && n < u32::MAX => n += 1,
                Err(err) => {
                    let _ = std::fs::remove_dir_all(&build);
                    return Err(LibraryError::io("renaming the new index to", &dir, err));
                }
            }
        };
        let (generation, dir) = final_dir;
        sync_dir(&root);
        super::write_atomic(
            &root.join(CURRENT_FILE),
            format!("{generation}\n").as_bytes(),
        )?;
        sync_dir(&root);
        st.open = None;
        // Older generations: processes that have them open keep their files (on Unix) until
        // they see the new CURRENT; errors (Windows, files in use) leave them for next time.
        for old in generations(&root) {
            if old.0 < n {
                let _ = std::fs::remove_dir_all(root.join(&old.1));
            }
        }
        drop(lock);
        Ok(Some(ReindexReport {
            path: dir,
            generation,
            records,
            failures,
            elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
        }))
    }
}

fn read_current(root: &Path) -> Result<Option<String>> {
    let path = root.join(CURRENT_FILE);
    match std::fs::read_to_string(&path) {
        Ok(s) => {
            let name = s.trim();
            let valid = name.len() == 7
                && name.starts_with('g')
                && name[1..].bytes().all(|b| b.is_ascii_digit());
            if !valid {
                return Err(LibraryError::IndexCorrupt {
                    path,
                    reason: format!(
                        "it should name an index generation like g000001, it holds {:?}",
                        s.chars().take(40).collect::<String>()
                    ),
                });
            }
            if !root.join(name).is_dir() {
                return Err(LibraryError::IndexCorrupt {
                    path,
                    reason: format!("the generation {name} it names is missing"),
                });
            }
            Ok(Some(name.to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(LibraryError::io("reading", path, e)),
    }
}

fn read_state(dir: &Path) -> Result<GenerationState> {
    let path = dir.join(STATE_FILE);
    match std::fs::read(&path) {
        // A missing or unreadable state only means "catch up from the start": upserts are
        // idempotent.
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).unwrap_or_default()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(GenerationState::default()),
        Err(e) => Err(LibraryError::io("reading", path, e)),
    }
}

fn write_state(dir: &Path, state: &GenerationState) -> Result<()> {
    let bytes = serde_json::to_vec(state).unwrap_or_default();
    super::write_atomic(&dir.join(STATE_FILE), &bytes)
}

fn generations(root: &Path) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(root) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(n) = name
                .strip_prefix('g')
                .filter(|d| d.len() == 6)
                .and_then(|d| d.parse::<u32>().ok())
            {
                out.push((n, name));
            }
        }
    }
    out.sort();
    out
}

fn next_generation(root: &Path) -> u32 {
    generations(root).last().map_or(1, |g| g.0 + 1)
}

fn remove_stale_builds(root: &Path) {
    let Ok(rd) = std::fs::read_dir(root) else {
        return;
    };
    for e in rd.flatten() {
        let stale = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_BUILD);
        if stale && e.file_name().to_string_lossy().starts_with("build-") {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

// ---- records ----

/// A view of the stored metadata JSON: ExifTool-style `Group:Tag` keys (damkit-metadata's
/// `to_exiftool_json`), at the top level or one object down.
struct Meta<'a>(Vec<&'a serde_json::Map<String, serde_json::Value>>);

impl<'a> Meta<'a> {
    fn new(v: Option<&'a serde_json::Value>) -> Meta<'a> {
        let mut maps = Vec::new();
        if let Some(serde_json::Value::Object(m)) = v {
            maps.push(m);
            for inner in m.values() {
                if let serde_json::Value::Object(o) = inner
                    && o.keys().any(|k| k.contains(':'))
                {
                    maps.push(o);
                }
            }
        }
        Meta(maps)
    }

    fn get(&self, keys: &[&str]) -> Option<&'a serde_json::Value> {
        keys.iter()
            .find_map(|k| self.0.iter().find_map(|m| m.get(*k)))
            .filter(|v| !v.is_null())
    }

    fn text(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| {
            let v = self.get(&[k])?;
            let s = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Array(a) => a.iter().find_map(|x| x.as_str())?.to_string(),
                _ => return None,
            };
            let s = s.trim_end_matches(['\0', ' ']).trim().to_string();
            (!s.is_empty()).then_some(s)
        })
    }

    fn texts(&self, keys: &[&str]) -> Vec<String> {
        let Some(v) = self.get(keys) else {
            return Vec::new();
        };
        let items: Vec<&serde_json::Value> = match v {
            serde_json::Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        items
            .into_iter()
            .filter_map(|x| match x {
                serde_json::Value::String(s) => Some(s.trim().to_string()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .collect()
    }

    fn number(&self, keys: &[&str]) -> Option<f64> {
        keys.iter().find_map(|k| match self.get(&[k])? {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
    }

    fn date(&self, keys: &[&str]) -> Option<jiff::Timestamp> {
        keys.iter().find_map(|k| parse_exif_date(&self.text(&[k])?))
    }
}

/// An ExifTool date (`YYYY:MM:DD HH:MM:SS[.fff][±HH:MM|Z]`, or ISO 8601 with `-` and `T`),
/// as an instant. A date without an offset is taken as UTC; a date alone as midnight UTC.
pub(crate) fn parse_exif_date(s: &str) -> Option<jiff::Timestamp> {
    let s = s.trim();
    if s.len() < 10 {
        return None;
    }
    let b = s.as_bytes();
    if !(b[4] == b':' || b[4] == b'-') || !(b[7] == b':' || b[7] == b'-') {
        return None;
    }
    let mut iso = String::with_capacity(s.len() + 1);
    iso.push_str(&s[..4]);
    iso.push('-');
    iso.push_str(s.get(5..7)?);
    iso.push('-');
    iso.push_str(s.get(8..10)?);
    let rest = s.get(10..)?.trim_start_matches([' ', 'T']);
    if rest.is_empty() {
        iso.push_str("T00:00:00");
    } else {
        iso.push('T');
        iso.push_str(rest);
    }
    if let Ok(t) = iso.parse::<jiff::Timestamp>() {
        return Some(t);
    }
    let dt: jiff::civil::DateTime = iso.parse().ok()?;
    dt.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// Builds the damkit-search record of `id` from the catalog (`None` when the asset is not in
/// the catalog). Fields the catalog does not hold (metadata, rights, near-duplicate groups of
/// stages that did not run) are left empty.
fn build_record(
    conn: &Connection,
    id: &AssetId,
    vocab: Option<&Vocabularies>,
) -> rusqlite::Result<Option<AssetRecord>> {
    let aid = id.to_string();
    let Some((status, title, description, created_at, current)) = conn
        .query_row(
            "SELECT status, title, description, created_at, current_version
             FROM assets WHERE id = ?1",
            [&aid],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            },
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut rec = AssetRecord::new(*id);
    rec.status = Some(status);
    rec.title = title.filter(|s| !s.trim().is_empty());
    rec.description = description.filter(|s| !s.trim().is_empty());
    rec.ingested = created_at.parse().ok();

    // Where its files are: primary first, then linked copies (skipped duplicates are not
    // locations of the asset).
    let mut stmt = conn.prepare_cached(
        "SELECT path_text FROM files WHERE asset_id = ?1 AND role != 'skipped'
         ORDER BY role DESC, path_text",
    )?;
    rec.paths = stmt
        .query_map([&aid], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;

    // The current version: format, size, hashes, metadata.
    let mut metadata = None;
    if let Some(vid) = current {
        let row = conn
            .query_row(
                "SELECT v.blake3, v.size, v.media_type, v.mime, m.json
                 FROM versions v LEFT JOIN metadata m ON m.version_id = v.id WHERE v.id = ?1",
                [vid],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                },
            )
            .optional()?;
        if let Some((blake3, size, media_type, mime, json)) = row {
            rec.content_hash = Some(blake3);
            rec.file_size = u64::try_from(size).ok();
            rec.format = media_type.map(|t| t.to_ascii_lowercase());
            rec.media_type = mime;
            metadata = json.and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok());
        }
        // The near-duplicate group stored by ingest (catalog table `near_groups`).
        rec.duplicate_group = conn
            .prepare_cached("SELECT group_id FROM near_groups WHERE asset_id = ?1")?
            .query_row([&aid], |r| r.get(0))
            .optional()?;
    }
    let md = Meta::new(metadata.as_ref());
    fill_from_metadata(&mut rec, &md);

    // Keywords: every keyword as written; controlled ones add their concept (and its broader
    // concepts) and their hierarchical paths.
    let mut stmt = conn.prepare_cached(
        "SELECT keyword, concept FROM keywords WHERE asset_id = ?1 ORDER BY keyword",
    )?;
    let rows: Vec<(String, Option<String>)> = stmt
        .query_map([&aid], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut concepts = BTreeSet::new();
    let mut paths = BTreeSet::new();
    for (keyword, concept) in rows {
        rec.keywords.push(keyword);
        if let Some(c) = concept {
            if let Some(v) = vocab {
                v.expand(&c, &mut concepts, &mut paths);
            }
            concepts.insert(c);
        }
    }
    for p in md.texts(&["XMP-lr:HierarchicalSubject"]) {
        let p: Vec<&str> = p
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if !p.is_empty() {
            paths.insert(format!("/{}", p.join("/")));
        }
    }
    rec.concepts = concepts.into_iter().collect();
    rec.taxonomy_paths = paths.into_iter().collect();

    // Rights.
    let rights: Option<(String, Option<String>, Option<String>)> = conn
        .query_row(
            "SELECT policy, expires_at, rules FROM rights WHERE asset_id = ?1",
            [&aid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((policy, expires, rules)) = rights {
        rec.rights = rights_summary(&policy, expires.as_deref());
        if let Some(rules) = rules {
            rec.rights = intersect_rights(rec.rights, rights_summary(&rules, None));
        }
    }
    rec.rights.model_release = released(md.text(&["XMP-plus:ModelReleaseStatus"]), "MR-");
    rec.rights.property_release = released(md.text(&["XMP-plus:PropertyReleaseStatus"]), "PR-");

    // Collections, when the catalog has them (a later catalog format).
    let has_collections: bool = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'collection_members'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)?;
    if has_collections {
        let mut stmt = conn.prepare_cached(
            "SELECT collection FROM collection_members WHERE asset_id = ?1 ORDER BY collection",
        )?;
        rec.collections = stmt
            .query_map([&aid], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(Some(rec))
}

/// A release "on file": PLUS codes `MR-UMR`/`MR-LMR` (unlimited/limited release) or `-NAP`
/// (not applicable), with or without the PLUS vocabulary URL.
fn released(status: Option<String>, prefix: &str) -> bool {
    status.is_some_and(|s| {
        let code = s.rsplit('/').next().unwrap_or(&s).to_ascii_uppercase();
        code.starts_with(prefix)
            && ["UMR", "LMR", "UPR", "LPR", "NAP"]
                .iter()
                .any(|c| code.ends_with(c))
    })
}

fn fill_from_metadata(rec: &mut AssetRecord, md: &Meta<'_>) {
    rec.creators = md.texts(&[
        "MWG:Creator",
        "XMP-dc:Creator",
        "IPTC:By-line",
        "IFD0:Artist",
    ]);
    rec.credit = md.text(&["XMP-photoshop:Credit", "IPTC:Credit"]);
    rec.copyright = md.text(&[
        "MWG:Copyright",
        "XMP-dc:Rights",
        "IPTC:CopyrightNotice",
        "IFD0:Copyright",
    ]);
    rec.taken = md.date(&[
        "MWG:DateTimeOriginal",
        "ExifIFD:DateTimeOriginal",
        "XMP-photoshop:DateCreated",
    ]);
    rec.created = md.date(&["MWG:CreateDate", "ExifIFD:CreateDate", "XMP-xmp:CreateDate"]);
    rec.modified = md.date(&["MWG:ModifyDate", "IFD0:ModifyDate", "XMP-xmp:ModifyDate"]);
    let orientation = md
        .number(&[
            "MWG:Orientation",
            "IFD0:Orientation",
            "XMP-tiff:Orientation",
        ])
        .filter(|o| (1.0..=8.0).contains(o))
        .map(|o| o as u8);
    rec.orientation = orientation;
    let dim = |keys: &[&str]| {
        md.number(keys)
            .filter(|n| *n >= 1.0 && *n <= f64::from(u32::MAX))
            .map(|n| n as u32)
    };
    let w = dim(&[
        "File:ImageWidth",
        "ExifIFD:ExifImageWidth",
        "IFD0:ImageWidth",
        "PNG:ImageWidth",
        "XMP-exif:ExifImageWidth",
        "XMP-tiff:ImageWidth",
    ]);
    let h = dim(&[
        "File:ImageHeight",
        "ExifIFD:ExifImageHeight",
        "IFD0:ImageHeight",
        "PNG:ImageHeight",
        "XMP-exif:ExifImageHeight",
        "XMP-tiff:ImageHeight",
    ]);
    // Width and height after orientation: 5-8 are rotated by 90 degrees.
    (rec.width, rec.height) = if orientation.is_some_and(|o| o >= 5) {
        (h, w)
    } else {
        (w, h)
    };
    rec.make = md.text(&["IFD0:Make", "XMP-tiff:Make"]);
    rec.model = md.text(&["IFD0:Model", "XMP-tiff:Model"]);
    rec.lens = md.text(&["ExifIFD:LensModel", "XMP-aux:Lens", "XMP-exifEX:LensModel"]);
    rec.rating = md
        .number(&["MWG:Rating", "XMP-xmp:Rating"])
        .filter(|r| (-1.0..=5.0).contains(r))
        .map(|r| r.round() as i8);
    rec.label = md.text(&["XMP-xmp:Label"]);
    rec.language = md
        .text(&["XMP-dc:Language"])
        .filter(|l| l.len() <= 35 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    rec.gps = gps(md);
}

fn gps(md: &Meta<'_>) -> Option<GeoPoint> {
    let signed = |v: f64, r: Option<String>, neg: char| {
        if r.is_some_and(|r| r.trim().starts_with(neg)) {
            -v.abs()
        } else {
            v
        }
    };
    let (lat, lon) = match (
        md.number(&["GPS:GPSLatitude"]),
        md.number(&["GPS:GPSLongitude"]),
    ) {
        (Some(a), Some(b)) => (
            signed(a, md.text(&["GPS:GPSLatitudeRef"]), 'S'),
            signed(b, md.text(&["GPS:GPSLongitudeRef"]), 'W'),
        ),
        _ => (
            md.number(&["Composite:GPSLatitude", "XMP-exif:GPSLatitude"])?,
            md.number(&["Composite:GPSLongitude", "XMP-exif:GPSLongitude"])?,
        ),
    };
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) && (lat, lon) != (0.0, 0.0))
        .then_some(GeoPoint { lat, lon })
}

/// The rights summary of an ODRL policy: permitted channels and territories (`any` / `world`
/// when the permissions do not restrict them), the licence window, editorial-only.
#[cfg(feature = "rights")]
fn rights_summary(policy: &str, expires: Option<&str>) -> RightsSummary {
    use damkit_rights::model::{Constraint, RuleKind};
    use damkit_rights::value::Value;
    use damkit_rights::vocab::{LeftOperand, Operator};

    let mut s = RightsSummary::default();
    s.licence_end = expires.and_then(|e| e.parse().ok());
    let Ok(p) = damkit_rights::Policy::from_jsonld(policy.as_bytes(), "rights policy") else {
        return s;
    };
    let (start, end) = damkit_rights::dam::alerts::window(&p);
    s.licence_start = start;
    s.licence_end = end.or(s.licence_end);
    let mut any_permission = false;
    let (mut channels, mut territories) = (BTreeSet::new(), BTreeSet::new());
    let (mut channel_limited, mut territory_limited) = (false, false);
    fn atoms<'a>(c: &'a Constraint, out: &mut Vec<&'a damkit_rights::model::AtomicConstraint>) {
        match c {
            Constraint::Atomic(a) => out.push(a),
            Constraint::Logical(l) => {
                for m in &l.members {
                    atoms(m, out);
                }
            }
        }
    }
    for rule in p.rules().filter(|r| r.kind == RuleKind::Permission) {
        any_permission = true;
        let mut list = Vec::new();
        for c in &rule.constraints {
            atoms(c, &mut list);
        }
        let positive = |op: &Operator| *op == Operator::IS_ANY_OF || *op == Operator::EQ;
        for a in list {
            let values = a.right_operand.iter().filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                _ => None,
            });
            if a.left_operand == LeftOperand::SPATIAL && positive(&a.operator) {
                territory_limited = true;
                territories.extend(values);
            } else if a.left_operand == LeftOperand::DELIVERY_CHANNEL && positive(&a.operator) {
                channel_limited = true;
                channels.extend(values);
            } else if a.left_operand == LeftOperand::PURPOSE
                && a.operator == Operator::EQ
                && a.right_operand
                    .iter()
                    .any(|v| matches!(v, Value::String(s) if s == "editorial"))
            {
                s.editorial_only = true;
            }
        }
    }
    if any_permission {
        if !channel_limited {
            channels.insert(RightsSummary::ANY_CHANNEL.to_string());
        }
        if !territory_limited {
            territories.insert(RightsSummary::WORLDWIDE.to_string());
        }
    }
    s.channels = channels.into_iter().collect();
    s.territories = territories.into_iter().collect();
    s
}

/// The places both territory lists cover, by damkit-rights' ISO 3166 reading (the one
/// [`Library::check_use`](super::Library::check_use) evaluates with): a code within a group
/// of the other list stays (`DE` against `EU` gives `DE`), a subdivision within a country
/// stays (`DE-BY` against `DE`), two overlapping groups give their common members (`EU`
/// against `DACH` gives `AT`, `DE`). Codes are normalised to upper case.
#[cfg(feature = "rights")]
fn intersect_territories(a: &[String], b: &[String]) -> Vec<String> {
    use damkit_rights::vocab::{SPATIAL_GROUPS, normalize_place, place_within};
    let members = |g: &str| {
        SPATIAL_GROUPS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(g))
            .map(|(_, m)| *m)
    };
    let mut out = BTreeSet::new();
    for x in a {
        for y in b {
            let (nx, ny) = (normalize_place(x), normalize_place(y));
            if place_within(&nx, &ny) {
                out.insert(nx);
            } else if place_within(&ny, &nx) {
                out.insert(ny);
            } else if let (Some(mx), Some(_)) = (members(&nx), members(&ny)) {
                out.extend(
                    mx.iter()
                        .filter(|m| place_within(m, &ny))
                        .map(|m| (*m).to_string()),
                );
            }
        }
    }
    out.into_iter().collect()
}

/// Without damkit-rights: the territories both lists name, as written.
#[cfg(not(feature = "rights"))]
fn intersect_territories(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|x| b.contains(x)).cloned().collect()
}

/// What two rights layers in force together permit: channels and territories both allow
/// (`any` / `world` defer to the other layer; channels are intersected as written,
/// territories by ISO 3166 and damkit-rights' groups, see [`intersect_territories`]), the
/// later start, the earlier end, editorial-only when either says so. A summary for facets;
/// [`Library::check_use`](super::Library::check_use) decides a concrete use.
fn intersect_rights(a: RightsSummary, b: RightsSummary) -> RightsSummary {
    fn both(a: Vec<String>, b: Vec<String>, any: &str) -> Vec<String> {
        if a.iter().any(|x| x == any) || a.is_empty() {
            return b;
        }
        if b.iter().any(|x| x == any) || b.is_empty() {
            return a;
        }
        a.into_iter().filter(|x| b.contains(x)).collect()
    }
    let mut s = RightsSummary::default();
    s.channels = both(a.channels, b.channels, RightsSummary::ANY_CHANNEL);
    let world = RightsSummary::WORLDWIDE;
    s.territories = if a.territories.is_empty() || a.territories.iter().any(|x| x == world) {
        b.territories
    } else if b.territories.is_empty() || b.territories.iter().any(|x| x == world) {
        a.territories
    } else {
        intersect_territories(&a.territories, &b.territories)
    };
    s.licence_start = a.licence_start.max(b.licence_start);
    s.licence_end = match (a.licence_end, b.licence_end) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    s.editorial_only = a.editorial_only || b.editorial_only;
    s
}

#[cfg(not(feature = "rights"))]
fn rights_summary(_policy: &str, expires: Option<&str>) -> RightsSummary {
    let mut s = RightsSummary::default();
    s.licence_end = expires.and_then(|e| e.parse().ok());
    s
}

// ---- vocabularies ----

/// The library's configured vocabularies as the index uses them: concept hierarchy for the
/// records and query expansion for searches. A view of the one loader
/// ([`Library::vocabularies`], `stages::keywords::Vocabularies`), so ingest, reports and
/// search always see the same vocabularies, loaded once per open library.
pub(crate) struct Vocabularies {
    #[cfg(feature = "taxonomy")]
    inner: Arc<super::stages::keywords::Vocabularies>,
    warnings: Vec<String>,
}

impl Vocabularies {
    fn is_empty(&self) -> bool {
        #[cfg(feature = "taxonomy")]
        {
            self.inner.list.is_empty() && self.warnings.is_empty()
        }
        #[cfg(not(feature = "taxonomy"))]
        {
            self.warnings.is_empty()
        }
    }

    #[cfg(feature = "taxonomy")]
    fn load(lib: &Library) -> Vocabularies {
        let inner = lib.vocabularies();
        let warnings = inner
            .errors
            .iter()
            .map(|(path, e)| format!("{e} ({}); not used for search", path.display()))
            .collect();
        Vocabularies { inner, warnings }
    }

    #[cfg(not(feature = "taxonomy"))]
    fn load(lib: &Library) -> Vocabularies {
        let _ = lib;
        Vocabularies {
            warnings: Vec::new(),
        }
    }

    /// Adds the broader concepts of `concept` and its hierarchical paths.
    #[cfg(feature = "taxonomy")]
    fn expand(&self, concept: &str, concepts: &mut BTreeSet<String>, paths: &mut BTreeSet<String>) {
        self.inner.broader_and_paths(concept, concepts, paths);
    }

    #[cfg(not(feature = "taxonomy"))]
    fn expand(&self, _: &str, _: &mut BTreeSet<String>, _: &mut BTreeSet<String>) {}
}

impl ConceptExpander for Vocabularies {
    fn narrower(&self, concept: &str) -> Vec<String> {
        #[cfg(feature = "taxonomy")]
        {
            self.inner.narrower(concept)
        }
        #[cfg(not(feature = "taxonomy"))]
        {
            let _ = concept;
            Vec::new()
        }
    }

    fn concepts_for_label(&self, text: &str) -> Vec<String> {
        #[cfg(feature = "taxonomy")]
        {
            self.inner.concepts_for_label(text)
        }
        #[cfg(not(feature = "taxonomy"))]
        {
            let _ = text;
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "rights")]
    #[test]
    fn territories_intersect_by_iso_3166_groups() {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let t = |a: &[&str], b: &[&str]| intersect_territories(&v(a), &v(b));
        assert_eq!(t(&["EU"], &["DE"]), ["DE"]);
        assert_eq!(t(&["de"], &["EU"]), ["DE"]);
        assert_eq!(t(&["EU"], &["DE", "US", "FR"]), ["DE", "FR"]);
        assert_eq!(t(&["EU"], &["DACH"]), ["AT", "DE"]);
        assert_eq!(t(&["DE-BY"], &["DE"]), ["DE-BY"]);
        assert_eq!(t(&["urn:iso:std:iso:3166:-1:NO"], &["EEA"]), ["NO"]);
        assert!(t(&["EU"], &["US", "CH"]).is_empty());
        assert!(t(&["NO"], &["EU"]).is_empty());
        // through the layer intersection: `world` defers to the other layer
        let mut a = RightsSummary::default();
        a.territories = v(&["EU"]);
        let mut b = RightsSummary::default();
        b.territories = v(&["DE", "CH"]);
        assert_eq!(intersect_rights(a.clone(), b).territories, ["DE"]);
        let mut w = RightsSummary::default();
        w.territories = v(&[RightsSummary::WORLDWIDE]);
        assert_eq!(intersect_rights(a, w).territories, ["EU"]);
    }

    #[test]
    fn exif_dates() {
        let t = parse_exif_date("2020:06:30 04:27:20.277-06:30").unwrap();
        assert_eq!(t.to_string(), "2020-06-30T10:57:20.277Z");
        assert_eq!(
            parse_exif_date("2021:01:15 09:30:00").unwrap().to_string(),
            "2021-01-15T09:30:00Z"
        );
        assert_eq!(
            parse_exif_date("2021-01-15").unwrap().to_string(),
            "2021-01-15T00:00:00Z"
        );
        assert!(parse_exif_date("0000:00:00 00:00:00").is_none());
        assert!(parse_exif_date("yesterday").is_none());
        assert!(parse_exif_date("2021:13:45 99:00:00").is_none());
    }

    #[test]
    fn releases() {
        assert!(released(Some("MR-UMR".into()), "MR-"));
        assert!(released(
            Some("http://ns.useplus.org/ldf/vocab/MR-LMR".into()),
            "MR-"
        ));
        assert!(!released(Some("MR-NON".into()), "MR-"));
        assert!(!released(None, "MR-"));
    }

    #[test]
    fn metadata_view_reads_exiftool_json() {
        let v = serde_json::json!({
            "SourceFile": "x.jpg",
            "IFD0:Make": "Canon",
            "MWG:Creator": ["Ann", "Bob"],
            "MWG:Orientation": 6,
            "ExifIFD:ExifImageWidth": 4000,
            "ExifIFD:ExifImageHeight": 3000,
            "MWG:DateTimeOriginal": "2021:01:15 09:30:00+01:00",
            "GPS:GPSLatitude": 48.5, "GPS:GPSLatitudeRef": "S",
            "GPS:GPSLongitude": 2.25, "GPS:GPSLongitudeRef": "E",
            "MWG:Rating": 4,
        });
        let md = Meta::new(Some(&v));
        let mut rec = AssetRecord::new(AssetId::new());
        fill_from_metadata(&mut rec, &md);
        assert_eq!(rec.make.as_deref(), Some("Canon"));
        assert_eq!(rec.creators, ["Ann", "Bob"]);
        assert_eq!((rec.width, rec.height), (Some(3000), Some(4000)));
        assert_eq!(rec.taken.unwrap().to_string(), "2021-01-15T08:30:00Z");
        assert_eq!(
            rec.gps,
            Some(GeoPoint {
                lat: -48.5,
                lon: 2.25
            })
        );
        assert_eq!(rec.rating, Some(4));
        // Nested one level down (e.g. {"tags": {...}}) is found too.
        let nested = serde_json::json!({"tags": {"IFD0:Model": "EOS"}});
        assert_eq!(
            Meta::new(Some(&nested)).text(&["IFD0:Model"]).as_deref(),
            Some("EOS")
        );
    }
}
