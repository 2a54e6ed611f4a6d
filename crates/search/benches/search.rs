//! Criterion benches of damkit-search on generated records (see `benches/README.md`).
//!
//! The setup builds an index of `DAMKIT_SEARCH_BENCH_RECORDS` records (default 1,000,000)
//! once, timing the bulk load and measuring the bytes per record, and prints p50/p99 of the
//! typical query and of the all-records facet counts over 1,000 runs (criterion reports means
//! and medians, not tails). Set `DAMKIT_SEARCH_BENCH_DIR` to keep the index between runs.
//!
//! The bulk load is what a library rebuild does: every record added with `Indexer::add_new`
//! by a `bulk_load` indexer (2 threads, 1 GiB budget), then one `finish`. Knobs:
//! `DAMKIT_SEARCH_BENCH_COMMIT_EVERY=N` (a commit every N records, as an import that
//! checkpoints), `DAMKIT_SEARCH_BENCH_BUDGET_MIB`, `DAMKIT_SEARCH_BENCH_NO_BULK` (the log merge
//! policy during the load), `DAMKIT_SEARCH_BENCH_INDEX_ONLY` (stop after the load).
//!
//! ```text
//! cargo bench -p damkit-search --bench search -- --warm-up-time 1 --measurement-time 3
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use damkit_search::synth::Generator;
use damkit_search::{IndexerOptions, SearchIndex, SearchRequest, Sort};

const SEED: u64 = 42;
const CHUNK: u64 = 100_000;

fn records() -> u64 {
    std::env::var("DAMKIT_SEARCH_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// CPU time (user + system) of this process so far, from `/proc/self/stat` (Linux; zero
/// elsewhere). The machine is shared, so CPU time says more than wall time.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which may contain spaces) start at state (field 3).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux).
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Prints where the bytes of the index go: per component, then the biggest fields.
fn print_space(dir: &Path, n: u64) {
    let Ok(index) = tantivy::Index::open_in_dir(dir) else {
        return;
    };
    let Ok(reader) = index.reader() else { return };
    let Ok(usage) = reader.searcher().space_usage() else {
        return;
    };
    let mut components = std::collections::BTreeMap::<&str, u64>::new();
    let mut fields = std::collections::BTreeMap::<String, u64>::new();
    for seg in usage.segments() {
        for (name, per) in [
            ("termdict", seg.termdict()),
            ("postings", seg.postings()),
            ("positions", seg.positions()),
            ("fast", seg.fast_fields()),
            ("fieldnorms", seg.fieldnorms()),
        ] {
            *components.entry(name).or_default() += per.total().get_bytes();
            for f in per.fields() {
                *fields
                    .entry(format!("{name}/{}", f.field_name()))
                    .or_default() += f.total().get_bytes();
            }
        }
        *components.entry("store").or_default() += seg.store().total().get_bytes();
    }
    let per = |b: u64| b as f64 / n as f64;
    let line: Vec<String> = components
        .iter()
        .map(|(k, v)| format!("{k} {:.1}", per(*v)))
        .collect();
    eprintln!("bytes/record by component: {}", line.join(", "));
    let mut fields: Vec<_> = fields.into_iter().collect();
    fields.sort_by_key(|f| std::cmp::Reverse(f.1));
    let line: Vec<String> = fields
        .iter()
        .take(60)
        .map(|(k, v)| format!("{k} {:.1}", per(*v)))
        .collect();
    eprintln!("bytes/record by field: {}", line.join(", "));
}

/// Builds (or reopens) the big index and reports indexing speed and size.
fn big_index() -> (SearchIndex, Option<tempfile::TempDir>) {
    let n = records();
    let (dir, tmp): (PathBuf, Option<tempfile::TempDir>) =
        match std::env::var_os("DAMKIT_SEARCH_BENCH_DIR") {
            Some(d) => (PathBuf::from(d), None),
            None => {
                let t = tempfile::tempdir().expect("temp dir");
                (t.path().join("index"), Some(t))
            }
        };
    if let Ok(index) = SearchIndex::open(&dir)
        && index.num_records() == n
    {
        eprintln!("reusing the index of {n} records in {}", dir.display());
        print_space(&dir, n);
        return (index, tmp);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let index = SearchIndex::create(&dir).expect("create index");
    let g = Generator::new(SEED);
    // Generating records is not indexing: all of them are generated before the timed part
    // (in chunks of 100,000; ~2 GB at 1M records).
    let chunks: Vec<Vec<_>> = (0..n.div_ceil(CHUNK))
        .map(|c| {
            (c * CHUNK..((c + 1) * CHUNK).min(n))
                .map(|i| g.record(i))
                .collect()
        })
        .collect();
    // A bulk load: every record added, then one `finish` (as a library rebuild does), unless
    // DAMKIT_SEARCH_BENCH_COMMIT_EVERY asks for intermediate commits.
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let commit_every = env("DAMKIT_SEARCH_BENCH_COMMIT_EVERY").unwrap_or(0);
    let budget_mib = env("DAMKIT_SEARCH_BENCH_BUDGET_MIB").unwrap_or(1024) as usize;
    let bulk = std::env::var_os("DAMKIT_SEARCH_BENCH_NO_BULK").is_none();
    let mut indexer = index
        .indexer(
            IndexerOptions::default()
                .threads(2)
                .memory_budget(budget_mib << 20)
                .commit_every(usize::MAX)
                .bulk_load(bulk),
        )
        .expect("indexer");
    let (t, c) = (Instant::now(), cpu_time());
    let (mut committing, mut commit_cpu) = (Duration::ZERO, Duration::ZERO);
    let mut added = 0;
    for r in chunks.iter().flatten() {
        indexer.add_new(r).expect("add");
        added += 1;
        if commit_every > 0 && added % commit_every == 0 && added < n {
            let (tc, cc) = (Instant::now(), cpu_time());
            indexer.commit().expect("commit");
            committing += tc.elapsed();
            commit_cpu += cpu_time().saturating_sub(cc);
        }
    }
    let (adding, adding_cpu) = (t.elapsed(), cpu_time().saturating_sub(c));
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("").to_string())
        })
        .unwrap_or_default();
    eprintln!("resident memory after adding (records included): {rss} kB");
    // `finish` commits, then merges: the commit is timed apart to tell the two costs apart.
    let (tc, cc) = (Instant::now(), cpu_time());
    indexer.commit().expect("commit");
    let (last_commit, last_commit_cpu) = (tc.elapsed(), cpu_time().saturating_sub(cc));
    let flushed = index.num_segments();
    let (tf, cf) = (Instant::now(), cpu_time());
    indexer.finish().expect("finish");
    let (finishing, finish_cpu) = (tf.elapsed(), cpu_time().saturating_sub(cf));
    let (indexing, cpu) = (t.elapsed(), cpu_time().saturating_sub(c));
    drop(chunks);
    eprintln!(
        "{} MiB budget, bulk_load {bulk}, commit every {commit_every}; wall (CPU) time: adding {:.2} s ({:.2} s) of which commits {:.2} s ({:.2} s), last commit {:.2} s ({:.2} s) -> {flushed} segments, finish (merges) {:.2} s ({:.2} s)",
        budget_mib,
        adding.as_secs_f64(),
        adding_cpu.as_secs_f64(),
        committing.as_secs_f64(),
        commit_cpu.as_secs_f64(),
        last_commit.as_secs_f64(),
        last_commit_cpu.as_secs_f64(),
        finishing.as_secs_f64(),
        finish_cpu.as_secs_f64(),
    );
    let bytes = dir_size(&dir);
    eprintln!(
        "indexed {n} records in {:.2} s: {:.0} records/s (2 threads, bulk add); CPU time {:.2} s = {:.0} records per CPU-second, {:.0} records/s on 2 fully available cores; {} segments, {} bytes = {:.0} bytes/record",
        indexing.as_secs_f64(),
        n as f64 / indexing.as_secs_f64(),
        cpu.as_secs_f64(),
        n as f64 / cpu.as_secs_f64(),
        2.0 * n as f64 / cpu.as_secs_f64(),
        index.num_segments(),
        bytes,
        bytes as f64 / n as f64
    );
    print_space(&dir, n);
    (index, tmp)
}

fn typical_request(g: &Generator, i: usize) -> SearchRequest {
    let makes = ["Canon", "Nikon", "Sony", "Fujifilm"];
    let q = format!(
        "{} {} taken:[2010-01-01 TO 2020-01-01]",
        g.word(40 + (i * 7) % 200),
        g.word(60 + (i * 13) % 300)
    );
    SearchRequest::new(q)
        .filter(format!("make:{}", makes[i % makes.len()]))
        .sort(Sort::parse("-taken").ok().flatten().expect("sort"))
        .limit(20)
        .facet("make")
        .facet("taxonomy")
        .facet("year")
        .facet("rating")
}

fn facets_request() -> SearchRequest {
    SearchRequest::new("")
        .limit(0)
        .facet("make")
        .facet("taxonomy")
        .facet("year")
        .facet("rating")
}

fn percentiles(label: &str, mut v: Vec<Duration>) {
    v.sort();
    let p = |q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)];
    eprintln!(
        "{label}: p50 {:.3} ms, p99 {:.3} ms over {} runs",
        p(0.50).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3,
        v.len()
    );
}

fn bench_queries(c: &mut Criterion) {
    let (index, _tmp) = big_index();
    // Quick indexing iterations: build the index, print its figures, skip the queries.
    if std::env::var_os("DAMKIT_SEARCH_BENCH_INDEX_ONLY").is_some() {
        return;
    }
    let g = Generator::new(SEED);
    // Tails, which criterion does not report.
    let typical = |index: &SearchIndex, label: &str| {
        let mut times = Vec::new();
        let mut totals = 0;
        let cpu0 = cpu_time();
        for i in 0..1000 {
            let req = typical_request(&g, i);
            let t = Instant::now();
            let r = index.search(&req).expect("search");
            times.push(t.elapsed());
            totals += r.total;
        }
        eprintln!(
            "typical query, {label}: mean CPU time {:.3} ms (the queries run on one thread)",
            cpu_time().saturating_sub(cpu0).as_secs_f64()
        );
        percentiles(
            &format!("typical query, {label} (mean {} matches)", totals / 1000),
            times,
        );
    };
    typical(
        &index,
        &format!(
            "default store cache, {} search threads",
            index.search_threads()
        ),
    );
    let one_thread = index.with_search_threads(1).expect("reader");
    typical(&one_thread, "default store cache, 1 search thread");
    // A store cache that can hold every block (~170 records per 16 KiB block), warmed by a
    // first pass of the same 1,000 queries.
    let blocks = (records() / 150 + 16) as usize;
    let cached = index.with_store_cache(blocks).expect("reader");
    for i in 0..1000 {
        cached.search(&typical_request(&g, i)).expect("search");
    }
    typical(&cached, &format!("store cache of {blocks} blocks, warm"));
    let mut times = Vec::new();
    let cpu0 = cpu_time();
    for _ in 0..50 {
        let t = Instant::now();
        let r = index.search(&facets_request()).expect("search");
        times.push(t.elapsed());
        assert_eq!(r.total, records());
    }
    eprintln!(
        "4 facet counts: mean CPU time {:.1} ms",
        cpu_time().saturating_sub(cpu0).as_secs_f64() * 1e3 / 50.0
    );
    percentiles("4 facet counts over all records", times);

    let mut group = c.benchmark_group("search_1m");
    let mut i = 0;
    group.bench_function("typical_query_warm_store_cache", |b| {
        b.iter(|| {
            i += 1;
            cached.search(&typical_request(&g, i)).expect("search")
        });
    });
    group.bench_function("typical_query", |b| {
        b.iter(|| {
            i += 1;
            index.search(&typical_request(&g, i)).expect("search")
        });
    });
    group.bench_function("facets_all_records", |b| {
        b.iter(|| index.search(&facets_request()).expect("search"));
    });
    group.bench_function("word_query_relevance", |b| {
        b.iter(|| {
            i += 1;
            index
                .search(&SearchRequest::new(g.word(40 + i % 300)).limit(20))
                .expect("search")
        });
    });
    group.finish();
}

fn bench_indexing(c: &mut Criterion) {
    let g = Generator::new(7);
    let recs: Vec<_> = (0..20_000).map(|i| g.record(i)).collect();
    let mut group = c.benchmark_group("indexing");
    group.throughput(Throughput::Elements(recs.len() as u64));
    group.sample_size(10);
    group.bench_function("upsert_20k_in_ram", |b| {
        b.iter(|| {
            let index = SearchIndex::create_in_ram();
            let mut w = index
                .indexer(
                    IndexerOptions::default()
                        .threads(2)
                        .memory_budget(256 << 20),
                )
                .expect("indexer");
            for r in &recs {
                w.upsert(r).expect("upsert");
            }
            w.commit().expect("commit");
            index
        });
    });
    group.finish();
}

fn bench_parser(c: &mut Criterion) {
    let queries = [
        "red fox",
        "keyword:\"red fox\" make:Canon taken:[2020-01-01 TO 2021-01-01] -dog",
        "(a OR b) AND (c OR (d AND NOT e)) width:>2000 rating:>=4",
    ];
    c.bench_function("parse_queries", |b| {
        b.iter(|| {
            let mut w = Vec::new();
            for q in queries {
                std::hint::black_box(damkit_search::query::parse(q, &mut w));
            }
        });
    });
}

criterion_group!(benches, bench_parser, bench_indexing, bench_queries);
criterion_main!(benches);
