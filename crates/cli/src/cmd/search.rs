//! `damkit search (--library LIB | --index DIR) QUERY [--facet FIELD]... [--sort FIELD]
//! [--limit N] [--json]`: search an asset index; `--add-records FILE` indexes JSON Lines
//! records first.
//!
//! With `--library LIB` the search goes through the library (`damkit::Library::search`): its
//! index (under `LIB/index/`, the generation named by `LIB/index/CURRENT`) is brought up to
//! date with the catalog first and controlled keywords are expanded with its vocabularies.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::Context;
use damkit::search::{
    AssetRecord, BoundingBox, IndexerOptions, SearchIndex, SearchRequest, SearchResponse, Sort,
    UsageFilter,
};
use serde::Serialize;

use crate::output::{self, Status};

/// The index folder inside a damkit library folder.
pub const LIBRARY_INDEX_DIR: &str = "index";

/// Search an asset index (full text, fields, ranges, facets), or add records to it.
///
/// Query language: words (AND by default), "phrases", field:value (make:Canon,
/// keyword:"red fox", creator:smith, taxonomy:/Animals/Mammals), ranges
/// (taken:[2020-01-01 TO 2021-01-01], width:>2000, size:<5MB), AND / OR / NOT / -word,
/// parentheses. Malformed queries still answer, with warnings. An empty query matches
/// everything.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("location").required(true).args(["library", "index"])))]
pub struct Args {
    /// A damkit library folder (its index is LIB/index/).
    #[arg(long, value_name = "LIB")]
    pub library: Option<PathBuf>,
    /// An index folder.
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// The query (empty: everything).
    #[arg(value_name = "QUERY")]
    pub query: Option<String>,
    /// Count this facet over all matches (repeatable): make, keyword, creator, taxonomy,
    /// taxonomy:/Animals (children of /Animals), rating, year...
    #[arg(long, value_name = "FIELD")]
    pub facet: Vec<String>,
    /// Sort: FIELD or FIELD:asc ascending, -FIELD or FIELD:desc descending (taken, width,
    /// rating, size, ingested, make, creator...); default relevance.
    #[arg(long, value_name = "FIELD", allow_hyphen_values = true)]
    pub sort: Option<String>,
    /// Most hits to print.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Filters, pagination and indexing (boxed: keeps the command enum small).
    #[command(flatten)]
    pub more: Box<More>,
}

/// The options beyond the contract's.
#[derive(Debug, clap::Args)]
pub struct More {
    /// Drill-down filter in the query language, not scored (repeatable).
    #[arg(long, value_name = "CLAUSE")]
    pub filter: Vec<String>,
    /// Continue after this cursor (the "next" value of a previous answer).
    #[arg(long, value_name = "CURSOR")]
    pub after: Option<String>,
    /// Most values per facet.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub facet_limit: usize,
    /// Highlight matches in titles and descriptions.
    #[arg(long)]
    pub snippets: bool,
    /// Only assets usable on this channel (with --territory and --on).
    #[arg(long, value_name = "CHANNEL", requires_all = ["territory", "on"])]
    pub channel: Option<String>,
    /// Territory for --channel (ISO 3166 code).
    #[arg(long, value_name = "CODE", requires = "channel")]
    pub territory: Option<String>,
    /// Date of use for --channel (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "DATE", requires = "channel")]
    pub on: Option<String>,
    /// With --channel: exclude editorial-only assets.
    #[arg(long, requires = "channel")]
    pub commercial: bool,
    /// Only assets located in SOUTH,WEST,NORTH,EAST (decimal degrees).
    #[arg(long, value_name = "S,W,N,E", allow_hyphen_values = true)]
    pub bbox: Option<String>,
    /// Index the asset records of this JSON Lines file (one record per line; upsert by id)
    /// before searching; creates the index when missing. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub add_records: Vec<PathBuf>,
}

/// A hit as printed in JSON.
#[derive(Debug, Serialize)]
struct JsonHit {
    id: String,
    score: f32,
    fields: serde_json::Value,
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    snippets: serde_json::Map<String, serde_json::Value>,
    cursor: String,
}

/// The JSON answer: `{"total", "hits", "facets", "warnings"}` plus `next` and `indexed`.
#[derive(Debug, Serialize)]
struct JsonAnswer {
    total: u64,
    hits: Vec<JsonHit>,
    facets: serde_json::Value,
    warnings: Vec<String>,
    next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    indexed: Option<IndexReport>,
}

#[derive(Debug, Default, Serialize)]
struct IndexReport {
    added: u64,
    failed: Vec<String>,
}

fn index_dir(args: &Args) -> PathBuf {
    match (&args.library, &args.index) {
        (Some(lib), _) => lib.join(LIBRARY_INDEX_DIR),
        (None, Some(dir)) => dir.clone(),
        (None, None) => PathBuf::from(LIBRARY_INDEX_DIR),
    }
}

/// Upserts the records of `files` (JSON Lines), committing in batches.
fn add_records(index: &SearchIndex, files: &[PathBuf]) -> anyhow::Result<IndexReport> {
    let mut report = IndexReport::default();
    let mut indexer = index
        .indexer(IndexerOptions::default())
        .context("opening the index for writing")?;
    for file in files {
        let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
        for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    report
                        .failed
                        .push(format!("{}:{}: {e}", file.display(), n + 1));
                    break;
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<AssetRecord>(&line) {
                Ok(rec) => {
                    indexer.upsert(&rec)?;
                    report.added += 1;
                    indexer.maybe_commit()?;
                }
                Err(e) => report.failed.push(format!(
                    "{}:{}: not an asset record: {e}",
                    file.display(),
                    n + 1
                )),
            }
        }
    }
    indexer.finish()?;
    Ok(report)
}

fn parse_bbox(s: &str) -> anyhow::Result<BoundingBox> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("--bbox {s:?}: expected four numbers SOUTH,WEST,NORTH,EAST"))?;
    match v.as_slice() {
        [south, west, north, east] => Ok(BoundingBox {
            south: *south,
            west: *west,
            north: *north,
            east: *east,
        }),
        _ => anyhow::bail!("--bbox {s:?}: expected four numbers SOUTH,WEST,NORTH,EAST"),
    }
}

fn parse_instant(s: &str) -> anyhow::Result<jiff::Timestamp> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    let d: jiff::civil::Date = s
        .parse()
        .with_context(|| format!("--on {s:?}: expected YYYY-MM-DD or an RFC 3339 instant"))?;
    Ok(d.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .context("--on: date out of range")?
        .timestamp())
}

fn build_request(args: &Args) -> anyhow::Result<SearchRequest> {
    let mut req = SearchRequest::new(args.query.clone().unwrap_or_default()).limit(args.limit);
    req.facets = args.facet.clone();
    req.filters = args.more.filter.clone();
    req.facet_limit = args.more.facet_limit;
    req.search_after = args.more.after.clone();
    req.snippets = args.more.snippets;
    if let Some(s) = &args.sort {
        req.sort = Sort::parse(s)?;
    }
    if let (Some(c), Some(t), Some(on)) = (&args.more.channel, &args.more.territory, &args.more.on)
    {
        let mut u = UsageFilter::new(c, t, parse_instant(on)?);
        if args.more.commercial {
            u = u.commercial();
        }
        req.usable = Some(u);
    }
    if let Some(b) = &args.more.bbox {
        req.bbox = Some(parse_bbox(b)?);
    }
    Ok(req)
}

fn to_json(resp: SearchResponse, indexed: Option<IndexReport>) -> anyhow::Result<JsonAnswer> {
    let mut hits = Vec::with_capacity(resp.hits.len());
    for h in resp.hits {
        let fields = h.fields_json()?;
        hits.push(JsonHit {
            id: h.id.to_string(),
            score: h.score,
            fields,
            snippets: h
                .snippets
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect(),
            cursor: h.cursor,
        });
    }
    Ok(JsonAnswer {
        total: resp.total,
        hits,
        facets: serde_json::to_value(&resp.facets)?,
        warnings: resp.warnings,
        next: resp.next,
        indexed,
    })
}

fn print_table(resp: &SearchResponse) {
    println!("{} matching", resp.total);
    for h in &resp.hits {
        let title = h.record.title.as_deref().unwrap_or("");
        let path = h.record.paths.first().map(String::as_str).unwrap_or("");
        println!("{}  {:>7.3}  {title}  {path}", h.id, h.score);
        for (field, s) in &h.snippets {
            println!("      {field}: {s}");
        }
    }
    for (name, counts) in &resp.facets {
        println!("facet {name}:");
        for c in counts {
            println!("  {:>8}  {}", c.count, c.value);
        }
    }
    if let Some(next) = &resp.next {
        println!("next page: --after {next}");
    }
}

/// `--library LIB`: searches through the library (its index is kept current with the
/// catalog, concepts are expanded with its vocabularies).
fn run_library(lib: &Path, args: &Args) -> anyhow::Result<Status> {
    if !args.more.add_records.is_empty() {
        anyhow::bail!(
            "--add-records writes into an index folder (--index DIR); a library's index is \
             derived from its catalog (damkit ingest, damkit reindex)"
        );
    }
    let lib = crate::cmd::ingest::open_library(lib)?;
    let options = damkit::library::SearchOptions::from_request(build_request(args)?);
    let resp = lib.search(args.query.as_deref().unwrap_or_default(), &options)?;
    for w in &resp.warnings {
        output::warn("search", format_args!("warning: {w}"));
    }
    if args.json {
        output::print_json(&to_json(resp, None)?)?;
    } else {
        print_table(&resp);
    }
    Ok(Status::Success)
}

fn run_inner(args: &Args) -> anyhow::Result<Status> {
    if let Some(lib) = &args.library {
        return run_library(lib, args);
    }
    let dir = index_dir(args);
    let mut indexed = None;
    let index = if args.more.add_records.is_empty() {
        SearchIndex::open(&dir).with_context(|| {
            if args.library.is_some() {
                format!(
                    "opening the search index of the library ({})",
                    dir.display()
                )
            } else {
                format!("opening the search index {}", dir.display())
            }
        })?
    } else {
        let index = SearchIndex::open_or_create(&dir)
            .with_context(|| format!("opening or creating the search index {}", dir.display()))?;
        let report = add_records(&index, &args.more.add_records)?;
        for f in &report.failed {
            output::warn("search", f);
        }
        indexed = Some(report);
        index
    };
    let failures = indexed.as_ref().map_or(0, |r| r.failed.len());
    if !args.more.add_records.is_empty() && args.query.is_none() {
        let report = indexed.unwrap_or_default();
        if args.json {
            output::print_json(&report)?;
        } else {
            eprintln!(
                "indexed {} records into {} ({} failed); {} records in the index",
                report.added,
                dir.display(),
                report.failed.len(),
                index.num_records()
            );
        }
        return Ok(Status::from_failures(failures));
    }
    let req = build_request(args)?;
    let resp = index.search(&req)?;
    for w in &resp.warnings {
        output::warn("search", format_args!("warning: {w}"));
    }
    if args.json {
        output::print_json(&to_json(resp, indexed)?)?;
    } else {
        print_table(&resp);
    }
    Ok(Status::from_failures(failures))
}

/// Runs `damkit search`.
pub fn run(args: Args) -> Status {
    match run_inner(&args) {
        Ok(s) => s,
        Err(e) => output::fatal("search", &e),
    }
}

/// Indexes the sample files of `dir` (name, format, size) in memory and runs a few searches.
pub fn demo_step(dir: &Path) -> anyhow::Result<Vec<String>> {
    let index = SearchIndex::create_in_ram();
    let mut indexer = index.indexer(IndexerOptions::default().threads(1))?;
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    for path in &names {
        let mut rec = AssetRecord::new(damkit::AssetId::new());
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        rec.title = Some(name.replace(['-', '_'], " "));
        rec.paths = vec![path.display().to_string()];
        rec.file_size = std::fs::metadata(path).ok().map(|m| m.len());
        if let Ok(Some(t)) = damkit::MediaType::detect_path(path) {
            rec.format = Some(t.name().to_lowercase());
            rec.media_type = Some(t.mime().to_string());
        }
        indexer.upsert(&rec)?;
    }
    indexer.commit()?;
    let mut lines = vec![format!(
        "search: indexed {} sample files in memory",
        index.num_records()
    )];
    for q in [
        "bridge",
        "brigde",
        "format:png OR format:webp",
        "size:>100KB -bridge",
    ] {
        let r = index.search(&SearchRequest::new(q).facet("format"))?;
        let titles: Vec<&str> = r
            .hits
            .iter()
            .filter_map(|h| h.record.title.as_deref())
            .collect();
        let facets: Vec<String> = r.facets["format"]
            .iter()
            .map(|c| format!("{}={}", c.value, c.count))
            .collect();
        lines.push(format!(
            "search: {q:?} -> {} hits {titles:?}, formats [{}]",
            r.total,
            facets.join(", ")
        ));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_and_dates_parse() {
        assert_eq!(
            parse_bbox("-10,20.5,30,-170").unwrap(),
            BoundingBox {
                south: -10.0,
                west: 20.5,
                north: 30.0,
                east: -170.0
            }
        );
        assert!(parse_bbox("1,2,3").is_err());
        assert!(parse_instant("2021-05-01").is_ok());
        assert!(parse_instant("2021-05-01T10:00:00Z").is_ok());
        assert!(parse_instant("May").is_err());
    }

    #[test]
    fn demo_runs_on_the_samples() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        if !dir.exists() {
            return;
        }
        let lines = demo_step(&dir).unwrap();
        assert!(lines[1].contains("bridge"), "{lines:?}");
        assert!(lines[2].contains("2 hits"), "typo tolerance: {lines:?}");
    }
}
