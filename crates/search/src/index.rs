//! Opening, creating and writing an index.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use damkit_core::AssetId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tantivy::indexer::LogMergePolicy;
use tantivy::schema::Value;
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::{
    DateTime, DocAddress, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy,
    TantivyDocument, Term,
};

use crate::error::{Result, SearchError, TantivyContext};
use crate::record::AssetRecord;
use crate::schema::{Fields, SCHEMA_VERSION, build_schema, language_slot, register_tokenizers};
use crate::stored::SegmentColumns;

/// Default number of decompressed 16 KiB document-store blocks cached per segment (tantivy's
/// default; 1.6 MiB per segment at most). See [`SearchIndex::with_store_cache`].
pub const DEFAULT_STORE_CACHE_BLOCKS: usize = 100;

/// Most threads a search uses by default (see [`SearchIndex::with_search_threads`]).
pub const DEFAULT_SEARCH_THREADS: usize = 4;

fn default_search_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(DEFAULT_SEARCH_THREADS)
}

fn set_search_threads(index: &mut Index, threads: usize) -> Result<()> {
    if threads <= 1 {
        index.set_executor(tantivy::Executor::single_thread());
        Ok(())
    } else {
        index
            .set_multithread_executor(threads)
            .ctx("starting the search threads")
    }
}

/// Size of a document-store block before compression.
const STORE_BLOCK_BYTES: usize = 16 * 1024;

/// Name of the file, next to tantivy's `meta.json`, that records the schema version.
pub const VERSION_FILE: &str = "damkit-search.json";

#[derive(Debug, Serialize, Deserialize)]
struct VersionFile {
    format: String,
    schema_version: u32,
}

/// A search index of asset records, on disk or in memory.
///
/// Cloning is cheap (the index and its reader are shared). Searches see the state of the last
/// commit: an [`Indexer`] of the same process reloads the reader when it commits; other
/// processes' commits are picked up within a moment (tantivy watches `meta.json`) or at once
/// with [`SearchIndex::reload`].
#[derive(Clone)]
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) fields: Arc<Fields>,
    pub(crate) reader: IndexReader,
    path: Option<PathBuf>,
    columns: Arc<Mutex<HashMap<tantivy::index::SegmentId, Arc<SegmentColumns>>>>,
    /// Threads of one search (segments collected and hits loaded in parallel).
    search_threads: usize,
    store_cache_blocks: usize,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::Zstd(ZstdCompressor {
            compression_level: Some(6),
        }),
        // 16 KiB blocks: reading a hit decompresses a quarter of what 64 KiB blocks cost
        // (2.97 -> 2.22 ms CPU per typical query at 1M records) for ~3 more bytes per record
        // than 64 KiB blocks once the id left the store (see `stored`).
        docstore_blocksize: STORE_BLOCK_BYTES,
        ..IndexSettings::default()
    }
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> SearchError + 'a {
    move |source| SearchError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` atomically: temporary file in the same folder, fsync, rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    let mut f = std::fs::File::create(&tmp).map_err(io("creating", &tmp))?;
    f.write_all(bytes).map_err(io("writing", &tmp))?;
    f.sync_all().map_err(io("syncing", &tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io("renaming into place", path))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

impl SearchIndex {
    /// Creates a new index in `dir` (created if missing; must not already hold an index).
    pub fn create(dir: impl AsRef<Path>) -> Result<SearchIndex> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(io("creating the index folder", dir))?;
        if dir.join("meta.json").exists() || dir.join(VERSION_FILE).exists() {
            return Err(SearchError::InvalidRequest(format!(
                "{} already holds an index; open it instead of creating one",
                dir.display()
            )));
        }
        let version = serde_json::to_vec_pretty(&VersionFile {
            format: "damkit-search".into(),
            schema_version: SCHEMA_VERSION,
        })
        .unwrap_or_default();
        write_atomic(&dir.join(VERSION_FILE), &version)?;
        let (schema, fields) = build_schema();
        let index = Index::builder()
            .schema(schema)
            .settings(settings())
            .create_in_dir(dir)
            .ctx("creating the index")?;
        Self::finish_open(index, fields, Some(dir.to_path_buf()))
    }

    /// Opens the index in `dir`, checking its schema version.
    pub fn open(dir: impl AsRef<Path>) -> Result<SearchIndex> {
        let dir = dir.as_ref();
        let vpath = dir.join(VERSION_FILE);
        if !dir.join("meta.json").exists() || !vpath.exists() {
            return Err(SearchError::NotAnIndex {
                path: dir.to_path_buf(),
            });
        }
        let bytes = std::fs::read(&vpath).map_err(io("reading", &vpath))?;
        let v: VersionFile =
            serde_json::from_slice(&bytes).map_err(|e| SearchError::BadVersionFile {
                path: vpath.clone(),
                reason: e.to_string(),
            })?;
        if v.format != "damkit-search" {
            return Err(SearchError::BadVersionFile {
                path: vpath,
                reason: format!("format is {:?}, expected \"damkit-search\"", v.format),
            });
        }
        if v.schema_version != SCHEMA_VERSION {
            return Err(SearchError::RebuildNeeded {
                path: dir.to_path_buf(),
                found: v.schema_version,
                expected: SCHEMA_VERSION,
            });
        }
        let index = Index::open_in_dir(dir).ctx("opening the index")?;
        let (schema, fields) = build_schema();
        if index.schema() != schema {
            return Err(SearchError::RebuildNeeded {
                path: dir.to_path_buf(),
                found: v.schema_version,
                expected: SCHEMA_VERSION,
            });
        }
        Self::finish_open(index, fields, Some(dir.to_path_buf()))
    }

    /// Opens the index in `dir`, or creates it when the folder holds none.
    pub fn open_or_create(dir: impl AsRef<Path>) -> Result<SearchIndex> {
        let dir = dir.as_ref();
        if dir.join(VERSION_FILE).exists() && dir.join("meta.json").exists() {
            Self::open(dir)
        } else if dir.join("meta.json").exists() {
            Err(SearchError::NotAnIndex {
                path: dir.to_path_buf(),
            })
        } else {
            // A version file without meta.json: creation was interrupted; start again.
            let _ = std::fs::remove_file(dir.join(VERSION_FILE));
            Self::create(dir)
        }
    }

    /// A new index in memory (tests, demos).
    pub fn create_in_ram() -> SearchIndex {
        let (schema, fields) = build_schema();
        let index = Index::builder()
            .schema(schema)
            .settings(settings())
            .create_in_ram()
            .expect("creating an index in RAM cannot fail");
        Self::finish_open(index, fields, None).expect("opening a reader on a RAM index")
    }

    fn finish_open(mut index: Index, fields: Fields, path: Option<PathBuf>) -> Result<SearchIndex> {
        register_tokenizers(index.tokenizers());
        let search_threads = default_search_threads();
        set_search_threads(&mut index, search_threads)?;
        let reader = Self::open_reader(&index, DEFAULT_STORE_CACHE_BLOCKS)?;
        Ok(SearchIndex {
            index,
            fields: Arc::new(fields),
            reader,
            path,
            columns: Arc::default(),
            search_threads,
            store_cache_blocks: DEFAULT_STORE_CACHE_BLOCKS,
        })
    }

    /// The same index searched by `threads` threads per search (1 to 16; the default is the
    /// number of CPUs, at most [`DEFAULT_SEARCH_THREADS`]).
    ///
    /// The segments of the index are collected in parallel, and the records of the hits
    /// are read and decompressed in parallel: a search answers sooner on an idle machine,
    /// for about the same CPU time. One thread runs everything on the calling thread (best
    /// throughput when many searches run at once).
    pub fn with_search_threads(&self, threads: usize) -> Result<SearchIndex> {
        let threads = threads.clamp(1, 16);
        let mut index = self.index.clone();
        set_search_threads(&mut index, threads)?;
        Ok(SearchIndex {
            reader: Self::open_reader(&index, self.store_cache_blocks)?,
            index,
            search_threads: threads,
            ..self.clone()
        })
    }

    /// Threads of one search (see [`SearchIndex::with_search_threads`]).
    pub fn search_threads(&self) -> usize {
        self.search_threads
    }

    fn open_reader(index: &Index, store_cache_blocks: usize) -> Result<IndexReader> {
        index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .doc_store_cache_num_blocks(store_cache_blocks)
            .try_into()
            .ctx("opening a reader")
    }

    /// The same index with a cache of `blocks` decompressed document-store blocks per segment
    /// (default [`DEFAULT_STORE_CACHE_BLOCKS`]).
    ///
    /// Loading a hit's record decompresses the 16 KiB block holding it (about 170 records
    /// of the synthetic benchmark) unless the block is cached: at 1M records that is a
    /// quarter of a typical query's time. A cache of `records / 150` blocks holds the whole
    /// store decompressed, about 95 bytes of memory per record (95 MB at 1M records) once
    /// every block was read.
    pub fn with_store_cache(&self, blocks: usize) -> Result<SearchIndex> {
        Ok(SearchIndex {
            reader: Self::open_reader(&self.index, blocks)?,
            store_cache_blocks: blocks,
            ..self.clone()
        })
    }

    /// The index folder (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Makes searches see the latest commit now (of this or another process).
    pub fn reload(&self) -> Result<()> {
        self.reader.reload().ctx("reloading the reader")
    }

    /// Number of records visible to searches.
    pub fn num_records(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Number of segments visible to searches (kept low by the merge policy).
    pub fn num_segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// The record stored for `id`, if any.
    pub fn get(&self, id: AssetId) -> Result<Option<AssetRecord>> {
        let searcher = self.reader.searcher();
        let q = tantivy::query::TermQuery::new(
            id_term(&self.fields, id),
            tantivy::schema::IndexRecordOption::Basic,
        );
        let top = searcher
            .search(
                &q,
                &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
            )
            .ctx("looking up an id")?;
        match top.first() {
            Some((_, addr)) => Ok(Some(self.load_record(&searcher, *addr)?)),
            None => Ok(None),
        }
    }

    pub(crate) fn load_record(
        &self,
        searcher: &tantivy::Searcher,
        addr: DocAddress,
    ) -> Result<AssetRecord> {
        let mut v = self.load_records(searcher, &[addr])?;
        v.pop().ok_or_else(|| SearchError::BadStoredRecord {
            doc: format!("{}/{}", addr.segment_ord, addr.doc_id),
            reason: "not loaded".into(),
        })
    }

    /// The records at `addrs`, in that order: stored bytes completed from the fast columns
    /// (one dictionary pass per column and segment for all of them).
    pub(crate) fn load_records(
        &self,
        searcher: &tantivy::Searcher,
        addrs: &[DocAddress],
    ) -> Result<Vec<AssetRecord>> {
        let name = |addr: &DocAddress| format!("{}/{}", addr.segment_ord, addr.doc_id);
        let read = |addr: &DocAddress| -> Result<crate::stored::Partial> {
            let doc: TantivyDocument = searcher.doc(*addr).ctx("reading a stored record")?;
            let bytes = doc
                .get_first(self.fields.record)
                .and_then(|v| v.as_bytes())
                .ok_or_else(|| SearchError::BadStoredRecord {
                    doc: name(addr),
                    reason: "no record bytes".into(),
                })?;
            crate::stored::decode(bytes).map_err(|reason| SearchError::BadStoredRecord {
                doc: name(addr),
                reason,
            })
        };
        // Reading a record decompresses its document-store block: the hits are read by
        // `search_threads` threads, each taking a run of hits in address order (hits of one
        // block mostly go to one thread, which decompresses it once thanks to the cache).
        let mut order: Vec<usize> = (0..addrs.len()).collect();
        order.sort_by_key(|&i| (addrs[i].segment_ord, addrs[i].doc_id));
        let threads = self.search_threads.min(addrs.len() / 4).max(1);
        let mut partials: Vec<Option<Result<crate::stored::Partial>>> =
            std::iter::repeat_with(|| None).take(addrs.len()).collect();
        if threads == 1 {
            for i in order {
                partials[i] = Some(read(&addrs[i]));
            }
        } else {
            let per = order.len().div_ceil(threads);
            let chunks: Vec<&[usize]> = order.chunks(per).collect();
            let done = self
                .index
                .search_executor()
                .map(
                    |chunk: &[usize]| Ok(chunk.iter().map(|&i| (i, read(&addrs[i]))).collect()),
                    chunks.into_iter(),
                )
                .ctx("reading stored records")?;
            for (i, p) in done.into_iter().flat_map(|v: Vec<_>| v) {
                partials[i] = Some(p);
            }
        }
        // (segment, [(position in `addrs`, stored part, doc)]).
        type Items = Vec<(usize, crate::stored::Partial, tantivy::DocId)>;
        let mut by_segment: Vec<(u32, Items)> = Vec::new();
        for (i, (addr, partial)) in addrs.iter().zip(partials).enumerate() {
            let partial = partial.ok_or_else(|| SearchError::BadStoredRecord {
                doc: name(addr),
                reason: "not read".into(),
            })??;
            let item = (i, partial, addr.doc_id);
            match by_segment.iter_mut().find(|(s, _)| *s == addr.segment_ord) {
                Some((_, v)) => v.push(item),
                None => by_segment.push((addr.segment_ord, vec![item])),
            }
        }
        let mut out: Vec<Option<AssetRecord>> = vec![None; addrs.len()];
        for (seg, items) in by_segment {
            let columns = self.segment_columns(searcher, seg)?;
            let order: Vec<usize> = items.iter().map(|(i, _, _)| *i).collect();
            let records = columns
                .fill_all(items.into_iter().map(|(_, p, d)| (p, d)).collect())
                .map_err(|reason| SearchError::BadStoredRecord {
                    doc: format!("{seg}/*"),
                    reason,
                })?;
            for (i, r) in order.into_iter().zip(records) {
                out[i] = Some(r);
            }
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// The columns that complete stored records, opened once per segment.
    fn segment_columns(
        &self,
        searcher: &tantivy::Searcher,
        segment_ord: u32,
    ) -> Result<Arc<SegmentColumns>> {
        let seg = searcher.segment_reader(segment_ord);
        let id = seg.segment_id();
        let mut cache = self
            .columns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = cache.get(&id) {
            return Ok(c.clone());
        }
        let c = Arc::new(SegmentColumns::open(seg).ctx("opening the record columns")?);
        // Forget segments merged away since.
        if cache.len() >= 64 {
            let live: Vec<_> = searcher
                .segment_readers()
                .iter()
                .map(|s| s.segment_id())
                .collect();
            cache.retain(|k, _| live.contains(k));
        }
        cache.insert(id, c.clone());
        Ok(c)
    }

    /// An indexer (the index's only writer; a second one, in this or another process, fails
    /// with a lock error until the first is dropped).
    pub fn indexer(&self, options: IndexerOptions) -> Result<Indexer> {
        let threads = options.threads.clamp(1, 8);
        let budget = options.memory_budget.max((threads * 16) << 20);
        let writer: IndexWriter = self
            .index
            .writer_with_num_threads(threads, budget)
            .ctx("opening the index writer")?;
        let preexisting = if options.bulk_load {
            // No merge while loading: `finish` merges the new segments once.
            writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
            self.index
                .searchable_segment_ids()
                .ctx("listing segments")?
                .into_iter()
                .collect()
        } else {
            writer.set_merge_policy(Box::new(log_merge_policy()));
            HashSet::new()
        };
        Ok(Indexer {
            index: self.clone(),
            writer,
            options,
            last_commit: Instant::now(),
            pending: 0,
            preexisting,
            scratch: Scratch::default(),
        })
    }
}

fn log_merge_policy() -> LogMergePolicy {
    let mut policy = LogMergePolicy::default();
    policy.set_min_num_segments(4);
    policy.set_del_docs_ratio_before_merge(0.2);
    policy
}

/// How an [`Indexer`] batches its work.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IndexerOptions {
    /// Indexing threads (1 to 8).
    pub threads: usize,
    /// Memory budget of the writer in bytes (at least 16 MiB per thread).
    pub memory_budget: usize,
    /// [`Indexer::maybe_commit`] commits when the last commit is older than this...
    pub commit_interval: Duration,
    /// ...or when this many operations are pending.
    pub commit_every: usize,
    /// Bulk loading (default `false`): no segment merges while records are added;
    /// [`Indexer::finish`] merges the segments written by this indexer once, into one segment
    /// per indexing thread (merged in parallel), and [`Indexer::optimize`] into one.
    ///
    /// Every commit writes a segment per indexing thread. With the log merge policy those
    /// segments are merged as they accumulate, and then merged again with other merged
    /// segments: loading 1M records with a commit every 100k merged each record about twice,
    /// ~17% of the CPU time of the load. In bulk mode each record is merged once, at the end.
    /// Until `finish` (or if the indexer is dropped without it), searches see every committed
    /// segment unmerged (slower searches, a bigger index); the next non-bulk indexer's merge
    /// policy merges them.
    pub bulk_load: bool,
}

impl Default for IndexerOptions {
    fn default() -> Self {
        IndexerOptions {
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .min(4),
            memory_budget: 256 << 20,
            commit_interval: Duration::from_secs(1),
            commit_every: 100_000,
            bulk_load: false,
        }
    }
}

impl IndexerOptions {
    /// Sets the commit interval.
    pub fn commit_interval(mut self, interval: Duration) -> Self {
        self.commit_interval = interval;
        self
    }
    /// Sets the number of pending operations that triggers a commit.
    pub fn commit_every(mut self, n: usize) -> Self {
        self.commit_every = n.max(1);
        self
    }
    /// Sets the number of indexing threads.
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }
    /// Sets the memory budget in bytes.
    pub fn memory_budget(mut self, bytes: usize) -> Self {
        self.memory_budget = bytes;
        self
    }
    /// Sets bulk loading (see [`IndexerOptions::bulk_load`]).
    pub fn bulk_load(mut self, on: bool) -> Self {
        self.bulk_load = on;
        self
    }
}

/// Writes records into an index: upsert by asset id, delete, commit in batches.
///
/// Nothing is visible to searches (nor durable) before a commit. A commit is atomic: after a
/// crash the index reopens at the last commit, with every record committed before it and
/// none of the uncommitted ones. Dropping an `Indexer` without committing discards pending
/// work.
pub struct Indexer {
    index: SearchIndex,
    writer: IndexWriter,
    options: IndexerOptions,
    last_commit: Instant,
    pending: usize,
    /// Segments that existed when a bulk-loading indexer opened (its `finish` leaves them).
    preexisting: HashSet<tantivy::index::SegmentId>,
    /// Buffers reused from record to record.
    scratch: Scratch,
}

/// Buffers [`to_document`] reuses from record to record (no allocation per record for them).
#[derive(Default)]
pub(crate) struct Scratch {
    stored: Vec<u8>,
    text: String,
    paths: Vec<String>,
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl Indexer {
    /// Adds `record`, replacing any record with the same id.
    pub fn upsert(&mut self, record: &AssetRecord) -> Result<()> {
        let doc = to_document(&self.index.fields, record, &mut self.scratch);
        self.writer
            .delete_term(id_term(&self.index.fields, record.id));
        self.writer.add_document(doc).ctx("adding a document")?;
        self.pending += 1;
        Ok(())
    }

    /// Adds a new record without looking for an older one with the same id (faster bulk
    /// loading into an empty index; use [`Indexer::upsert`] when the id may exist).
    pub fn add_new(&mut self, record: &AssetRecord) -> Result<()> {
        let doc = to_document(&self.index.fields, record, &mut self.scratch);
        self.writer.add_document(doc).ctx("adding a document")?;
        self.pending += 1;
        Ok(())
    }

    /// Removes the record of `id` (no error when there is none).
    pub fn delete(&mut self, id: AssetId) {
        self.writer.delete_term(id_term(&self.index.fields, id));
        self.pending += 1;
    }

    /// Operations since the last commit.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Commits when the commit interval has passed or enough operations are pending; returns
    /// whether it committed. Call it after each batch of upserts.
    pub fn maybe_commit(&mut self) -> Result<bool> {
        if self.pending > 0
            && (self.pending >= self.options.commit_every
                || self.last_commit.elapsed() >= self.options.commit_interval)
        {
            self.commit()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Makes every pending operation durable and visible to searches.
    pub fn commit(&mut self) -> Result<()> {
        self.writer.commit().ctx("committing")?;
        self.pending = 0;
        self.last_commit = Instant::now();
        self.index.reload()
    }

    /// Drops every operation since the last commit.
    pub fn rollback(&mut self) -> Result<()> {
        self.writer.rollback().ctx("rolling back")?;
        self.pending = 0;
        Ok(())
    }

    /// Commits, then merges all segments into one (best search speed and size; takes time on
    /// large indexes) and waits for merges to finish.
    pub fn optimize(mut self) -> Result<()> {
        self.commit()?;
        // No new background merges; one still running makes our merge fail (its segments
        // are busy or gone): wait for it and try again with the segments of the moment.
        self.writer
            .set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        let start = Instant::now();
        loop {
            let ids = self
                .index
                .index
                .searchable_segment_ids()
                .ctx("listing segments")?;
            if ids.len() <= 1 {
                break;
            }
            match self.writer.merge(&ids).wait() {
                Ok(_) => break,
                Err(tantivy::TantivyError::InvalidArgument(_))
                    if start.elapsed() < Duration::from_secs(3600) =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(e).ctx("merging segments"),
            }
        }
        self.index.reload()?;
        self.remove_unused_files();
        self.writer
            .wait_merging_threads()
            .ctx("waiting for merges")?;
        self.index.reload()
    }

    /// Commits and waits for background merges to finish. In bulk mode
    /// ([`IndexerOptions::bulk_load`]), first merges the segments written by this indexer
    /// into one per indexing thread (each record is merged once; the merges run in parallel).
    pub fn finish(mut self) -> Result<()> {
        self.commit()?;
        if self.options.bulk_load {
            self.merge_new_segments()?;
        }
        self.writer
            .wait_merging_threads()
            .ctx("waiting for merges")?;
        self.index.reload()
    }
}

impl Indexer {
    /// Merges the segments written since a bulk-loading indexer opened into at most
    /// `threads` segments of similar size, the merges running in parallel.
    fn merge_new_segments(&mut self) -> Result<()> {
        let target = self.options.threads.clamp(1, 8);
        let mut metas: Vec<_> = self
            .index
            .index
            .searchable_segment_metas()
            .ctx("listing segments")?
            .into_iter()
            .filter(|m| !self.preexisting.contains(&m.id()))
            .collect();
        if metas.len() <= target {
            return Ok(());
        }
        // Largest first, each to the lightest group: groups of near-equal record counts.
        metas.sort_by_key(|m| std::cmp::Reverse(m.num_docs()));
        let mut groups: Vec<(u64, Vec<tantivy::index::SegmentId>)> = vec![(0, Vec::new()); target];
        for m in &metas {
            if let Some(g) = groups.iter_mut().min_by_key(|g| g.0) {
                g.0 += u64::from(m.num_docs());
                g.1.push(m.id());
            }
        }
        // A live `SegmentMeta` keeps its segment's files from being collected.
        drop(metas);
        let merges: Vec<_> = groups
            .iter()
            .filter(|g| g.1.len() > 1)
            .map(|g| self.writer.merge(&g.1))
            .collect();
        for merge in merges {
            merge.wait().ctx("merging segments")?;
        }
        // The reader still holds the merged-away segments: let go of them, then delete them.
        self.index.reload()?;
        self.remove_unused_files();
        Ok(())
    }

    /// Deletes the files of merged-away segments now. tantivy collects files after each merge
    /// but keeps those of segments a searcher still uses (our reader, until it reloads); with
    /// no later commit they would stay on disk until the next indexer's first commit.
    /// Segments of searchers the caller still holds stay until then too.
    fn remove_unused_files(&self) {
        // A failed collection only leaves files for the next commit to remove.
        let _ = self.writer.garbage_collect_files().wait();
    }
}

pub(crate) fn id_term(fields: &Fields, id: AssetId) -> Term {
    Term::from_field_bytes(fields.id, id.as_bytes())
}

/// Tag of a hex content hash key (followed by the hash bytes).
pub(crate) const HASH_HEX: u8 = 0;
/// Tag of any other content hash key (followed by its lower-cased text).
pub(crate) const HASH_TEXT: u8 = 1;

/// The indexed form of a content hash: case-insensitive, hex as raw bytes.
pub(crate) fn hash_key(hash: &str) -> Vec<u8> {
    let lower = hash.trim().to_lowercase();
    match crate::stored::lower_hex_bytes(&lower) {
        Some(bytes) => {
            let mut k = Vec::with_capacity(bytes.len() + 1);
            k.push(HASH_HEX);
            k.extend_from_slice(&bytes);
            k
        }
        None => {
            let mut k = Vec::with_capacity(lower.len() + 1);
            k.push(HASH_TEXT);
            k.extend_from_slice(lower.as_bytes());
            k
        }
    }
}

pub(crate) fn date(ts: Timestamp) -> DateTime {
    date_micros(ts.as_microsecond())
}

/// tantivy keeps dates as i64 nanoseconds (years 1678 to 2261): dates outside are clamped.
pub(crate) fn date_micros(us: i64) -> DateTime {
    DateTime::from_timestamp_micros(us.clamp(OPEN_START_MICROS, OPEN_END_MICROS))
}

/// Micros of the sentinels used for missing licence bounds, and the clamp of every date:
/// 1680-01-01 and 2260-01-01.
pub(crate) const OPEN_START_MICROS: i64 = -9_151_488_000_000_000;
pub(crate) const OPEN_END_MICROS: i64 = 9_151_488_000_000_000;

/// The normalised form of a taxonomy path (`/a/b/c`), `None` when it has no segment.
pub(crate) fn normalise_path(path: &str) -> Option<String> {
    let mut acc = String::new();
    for part in path.split('/').map(str::trim).filter(|p| !p.is_empty()) {
        acc.push('/');
        acc.push_str(part);
    }
    (!acc.is_empty()).then_some(acc)
}

/// Writes the normalised form of each taxonomy path (`a/b//c ` → `/a/b/c`) into `out`
/// (reusing its strings), sorted, without duplicates.
fn normalised_paths(paths: &[String], out: &mut Vec<String>) {
    let mut n = 0;
    for path in paths {
        if out.len() == n {
            out.push(String::new());
        }
        let acc = &mut out[n];
        acc.clear();
        for part in path.split('/').map(str::trim).filter(|p| !p.is_empty()) {
            acc.push('/');
            acc.push_str(part);
        }
        if !acc.is_empty() {
            n += 1;
        }
    }
    out[..n].sort_unstable();
    let mut kept = 0;
    for i in 0..n {
        if kept == 0 || out[i] != out[kept - 1] {
            out.swap(kept, i);
            kept += 1;
        }
    }
    out.truncate(kept);
}

/// Adds each normalised path of `paths` (sorted, deduplicated) and all its ancestors to
/// `field` once: `/a/b/c` → `/a`, `/a/b`, `/a/b/c`.
fn add_paths_with_ancestors(
    d: &mut TantivyDocument,
    field: tantivy::schema::Field,
    paths: &[String],
) {
    let mut added: Vec<&str> = Vec::with_capacity(paths.len() * 4);
    for p in paths {
        let ends = p
            .char_indices()
            .skip(1)
            .filter(|(_, c)| *c == '/')
            .map(|(i, _)| i)
            .chain([p.len()]);
        for end in ends {
            added.push(&p[..end]);
        }
    }
    added.sort_unstable();
    added.dedup();
    for p in added {
        d.add_text(field, p);
    }
}

fn to_document(f: &Fields, r: &AssetRecord, scratch: &mut Scratch) -> TantivyDocument {
    let mut d = TantivyDocument::new();
    d.add_bytes(f.id, r.id.as_bytes());
    d.add_u64(f.id_key, r.id.as_u128() as u64);
    d.add_u64(f.id_hi, (r.id.as_u128() >> 64) as u64);
    let stored = &mut scratch.stored;
    stored.clear();
    crate::stored::encode(r, stored);
    d.add_bytes(f.record, stored.as_slice());
    let stem = language_slot(r.language.as_deref()).map(|i| f.stemmed[i]);
    let mut text = |field, s: &str| {
        d.add_text(field, s);
        if let Some(sf) = stem {
            d.add_text(sf, s);
        }
    };
    if let Some(t) = &r.title {
        text(f.title, t);
    }
    if let Some(t) = &r.description {
        text(f.description, t);
    }
    for k in &r.keywords {
        text(f.keyword_text, k);
    }
    for k in &r.keywords {
        d.add_text(f.keyword, k);
    }
    let opt = |d: &mut TantivyDocument, field, v: &Option<String>| {
        if let Some(v) = v {
            d.add_text(field, v);
        }
    };
    opt(&mut d, f.language, &r.language);
    opt(&mut d, f.credit, &r.credit);
    opt(&mut d, f.copyright, &r.copyright);
    opt(&mut d, f.make, &r.make);
    opt(&mut d, f.model, &r.model);
    opt(&mut d, f.lens, &r.lens);
    opt(&mut d, f.format, &r.format);
    opt(&mut d, f.mime, &r.media_type);
    opt(&mut d, f.label, &r.label);
    opt(&mut d, f.status, &r.status);
    if let Some(h) = &r.content_hash {
        match crate::stored::hash_words(h) {
            Some(words) => {
                for (field, w) in f.hash_cols.iter().zip(words) {
                    d.add_u64(*field, w);
                }
            }
            None => d.add_bytes(f.hash, &hash_key(h)),
        }
    }
    opt(&mut d, f.group, &r.duplicate_group);
    for p in &r.paths {
        d.add_text(f.path, p);
    }
    for c in &r.concepts {
        d.add_text(f.concept, c);
    }
    normalised_paths(&r.taxonomy_paths, &mut scratch.paths);
    add_paths_with_ancestors(&mut d, f.taxonomy, &scratch.paths);
    for c in &r.creators {
        d.add_text(f.creator, c);
        d.add_text(f.creator_text, c);
    }
    for c in &r.collections {
        d.add_text(f.collection, c);
    }
    for c in &r.rights.channels {
        d.add_text(f.channel, c);
    }
    for c in &r.rights.territories {
        d.add_text(f.territory, c);
    }
    if let Some(t) = r.taken {
        d.add_date(f.taken, date(t));
        scratch.text.clear();
        let year = t.to_zoned_datetime(jiff::tz::TimeZone::UTC).year();
        let _ = std::fmt::Write::write_fmt(&mut scratch.text, format_args!("{year}"));
        d.add_text(f.year, &scratch.text);
    }
    for (field, v) in [
        (f.created, r.created),
        (f.modified, r.modified),
        (f.ingested, r.ingested),
    ] {
        if let Some(t) = v {
            d.add_date(field, date(t));
        }
    }
    d.add_date(
        f.licence_start,
        r.rights
            .licence_start
            .map_or(date_micros(OPEN_START_MICROS), date),
    );
    d.add_date(
        f.licence_end,
        r.rights
            .licence_end
            .map_or(date_micros(OPEN_END_MICROS), date),
    );
    if let Some(w) = r.width {
        d.add_u64(f.width, u64::from(w));
    }
    if let Some(h) = r.height {
        d.add_u64(f.height, u64::from(h));
    }
    if let (Some(w), Some(h)) = (r.width, r.height) {
        d.add_u64(f.pixels, u64::from(w) * u64::from(h));
    }
    if let Some(o) = r.orientation {
        d.add_u64(f.orientation, u64::from(o));
    }
    if let Some(s) = r.file_size {
        d.add_u64(f.size, s);
    }
    if let Some(s) = r.rating {
        d.add_i64(f.rating, i64::from(s));
    }
    if let Some(g) = r.gps
        && g.lat.is_finite()
        && g.lon.is_finite()
    {
        d.add_f64(f.lat, g.lat);
        d.add_f64(f.lon, g.lon);
    }
    d.add_bool(f.editorial, r.rights.editorial_only);
    d.add_bool(f.model_release, r.rights.model_release);
    d.add_bool(f.property_release, r.rights.property_release);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taxonomy_paths_are_normalised_with_their_ancestors_once() {
        let (_, fields) = build_schema();
        let mut out = vec!["stale".to_string(); 5];
        normalised_paths(
            &[
                " a/b//c ".into(),
                "/a/b".into(),
                "///".into(),
                "/a/b/c".into(),
                "/Été/x".into(),
            ],
            &mut out,
        );
        assert_eq!(out, ["/a/b", "/a/b/c", "/Été/x"]);
        let mut d = TantivyDocument::new();
        add_paths_with_ancestors(&mut d, fields.taxonomy, &out);
        let got: Vec<&str> = d
            .get_all(fields.taxonomy)
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(got, ["/a", "/a/b", "/a/b/c", "/Été", "/Été/x"]);
        normalised_paths(&[], &mut out);
        assert!(out.is_empty());
    }
}
