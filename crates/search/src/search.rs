//! Searching: requests, responses, sorting, pagination, facets, snippets and filters.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use damkit_core::AssetId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{DateTime, DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, Term};

use crate::error::{Result, TantivyContext};
use crate::expand::ConceptExpander;
use crate::index::{SearchIndex, date};
use crate::query::typo::TypoAutomaton;
use crate::query::{Compiler, parse};
use crate::record::{AssetRecord, RightsSummary};
use crate::schema::{
    Kind, PLAIN, STEMMED_LANGUAGES, facet_fast_field, language_slot, query_field, stem_query_name,
};

/// Most hits one request returns.
pub const MAX_LIMIT: usize = 10_000;

/// What to search for and how to present it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SearchRequest {
    /// The user query (see the crate docs for the language). Empty matches everything.
    pub query: String,
    /// Extra clauses in the same language that restrict results without changing their
    /// scores (drill-down: `taxonomy:/Animals/Mammals`, `make:Canon`).
    pub filters: Vec<String>,
    /// Facets to count over all matching records: a field name (`make`, `keyword`,
    /// `rating`), or for the hierarchy `taxonomy` (top level) / `taxonomy:/Animals` (the
    /// children of `/Animals`).
    pub facets: Vec<String>,
    /// Most values reported per facet (by decreasing count).
    pub facet_limit: usize,
    /// Sort order; `None` sorts by relevance.
    pub sort: Option<Sort>,
    /// Most hits to return (at most [`MAX_LIMIT`]; 0 returns only counts and facets).
    pub limit: usize,
    /// Continue after the hit with this cursor ([`Hit::cursor`] or
    /// [`SearchResponse::next`]), with the same query and sort.
    pub search_after: Option<String>,
    /// Only records usable on a channel, in a territory, on a date.
    pub usable: Option<UsageFilter>,
    /// Only records whose GPS position is inside this box.
    pub bbox: Option<BoundingBox>,
    /// Compute highlighted snippets of title and description.
    pub snippets: bool,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            filters: Vec::new(),
            facets: Vec::new(),
            facet_limit: 20,
            sort: None,
            limit: 20,
            search_after: None,
            usable: None,
            bbox: None,
            snippets: false,
        }
    }
}

impl SearchRequest {
    /// A request for `query` with default settings (20 hits by relevance, no facets).
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            ..SearchRequest::default()
        }
    }
    /// Adds a facet to count.
    pub fn facet(mut self, name: impl Into<String>) -> Self {
        self.facets.push(name.into());
        self
    }
    /// Adds a filter clause.
    pub fn filter(mut self, clause: impl Into<String>) -> Self {
        self.filters.push(clause.into());
        self
    }
    /// Sets the sort order.
    pub fn sort(mut self, sort: Sort) -> Self {
        self.sort = Some(sort);
        self
    }
    /// Sets the number of hits.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
    /// Continues after a cursor.
    pub fn search_after(mut self, cursor: impl Into<String>) -> Self {
        self.search_after = Some(cursor.into());
        self
    }
    /// Restricts to records usable as described.
    pub fn usable(mut self, filter: UsageFilter) -> Self {
        self.usable = Some(filter);
        self
    }
    /// Restricts to a GPS bounding box.
    pub fn bbox(mut self, bbox: BoundingBox) -> Self {
        self.bbox = Some(bbox);
        self
    }
    /// Asks for snippets.
    pub fn with_snippets(mut self) -> Self {
        self.snippets = true;
        self
    }
}

/// A sort order on a sortable field (see [`crate::QUERY_FIELDS`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    /// Field name (any name or alias of a sortable query field).
    pub field: String,
    /// Largest first.
    pub descending: bool,
}

impl Sort {
    /// Parses `taken` / `taken:asc` (ascending) and `-taken` / `taken:desc` (descending).
    /// `score` or `relevance` gives `None` (relevance order).
    pub fn parse(spec: &str) -> std::result::Result<Option<Sort>, crate::SearchError> {
        let spec = spec.trim();
        let (name, descending) = if let Some(rest) = spec.strip_prefix('-') {
            (rest, true)
        } else if let Some((n, dir)) = spec.split_once(':') {
            match dir.to_ascii_lowercase().as_str() {
                "asc" => (n, false),
                "desc" => (n, true),
                _ => {
                    return Err(crate::SearchError::InvalidRequest(format!(
                        "sort direction {dir:?} is not asc or desc"
                    )));
                }
            }
        } else {
            (spec, false)
        };
        if name.eq_ignore_ascii_case("score") || name.eq_ignore_ascii_case("relevance") {
            return Ok(None);
        }
        match query_field(name) {
            Some(qf) if qf.sortable => Ok(Some(Sort {
                field: qf.names[0].to_string(),
                descending,
            })),
            _ => Err(crate::SearchError::InvalidRequest(format!(
                "cannot sort on {name:?}; sortable fields: score, {}",
                crate::QUERY_FIELDS
                    .iter()
                    .filter(|f| f.sortable)
                    .map(|f| f.names[0])
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}

/// "Usable on channel C in territory T on date D": the record permits channel C (or
/// [`RightsSummary::ANY_CHANNEL`]), territory T (or [`RightsSummary::WORLDWIDE`]), and D lies
/// within its licence period (missing bounds are open).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UsageFilter {
    /// The channel (`web`, `print`...).
    pub channel: String,
    /// The territory (ISO 3166 code).
    pub territory: String,
    /// The date of use.
    pub on: Timestamp,
    /// Exclude editorial-only records (commercial use).
    pub commercial: bool,
    /// Require a model release.
    pub model_release: bool,
}

impl UsageFilter {
    /// Usable on `channel` in `territory` at instant `on`, any use.
    pub fn new(channel: impl Into<String>, territory: impl Into<String>, on: Timestamp) -> Self {
        UsageFilter {
            channel: channel.into(),
            territory: territory.into(),
            on,
            commercial: false,
            model_release: false,
        }
    }
    /// Also exclude editorial-only records.
    pub fn commercial(mut self) -> Self {
        self.commercial = true;
        self
    }
    /// Also require a model release.
    pub fn with_model_release(mut self) -> Self {
        self.model_release = true;
        self
    }
}

/// A GPS bounding box in decimal degrees. When `west > east` the box crosses the
/// antimeridian.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    /// Southern latitude.
    pub south: f64,
    /// Western longitude.
    pub west: f64,
    /// Northern latitude.
    pub north: f64,
    /// Eastern longitude.
    pub east: f64,
}

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SearchResponse {
    /// Number of records matching (not limited by `limit` or `search_after`).
    pub total: u64,
    /// The hits of this page.
    pub hits: Vec<Hit>,
    /// Facet counts by requested facet name, by decreasing count.
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// What was not understood in the query or the request.
    pub warnings: Vec<String>,
    /// Cursor for the next page (`None` when this page is the last).
    pub next: Option<String>,
}

/// One matching record.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Hit {
    /// The asset.
    pub id: AssetId,
    /// Relevance score (0 when sorting by a field).
    pub score: f32,
    /// Opaque cursor: pass it as `search_after` to continue after this hit.
    pub cursor: String,
    /// The stored record.
    pub record: AssetRecord,
    /// Highlighted fragments (`<b>` around matches, HTML-escaped) of `title` and
    /// `description`, when asked for and when they contain a match.
    pub snippets: BTreeMap<String, String>,
}

impl Hit {
    /// The hit's record as the `fields` object of the JSON shape (`damkit search --json`):
    /// every field but `id` (given beside it), empty values (null, `""`, `[]`) left out so
    /// that hits stay readable.
    pub fn fields_json(&self) -> serde_json::Result<serde_json::Value> {
        let mut fields = serde_json::to_value(&self.record)?;
        if let Some(map) = fields.as_object_mut() {
            map.remove("id");
            map.retain(|_, v| {
                !(v.is_null()
                    || v.as_array().is_some_and(Vec::is_empty)
                    || v.as_str().is_some_and(str::is_empty))
            });
        }
        Ok(fields)
    }
}

/// One facet value and the number of matching records that have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    /// The value (for the taxonomy, a full path such as `/Animals/Mammals`).
    pub value: String,
    /// Matching records with this value.
    pub count: u64,
}

/// The query's terms in one field (with tantivy's snippet weights) and the field's analyser.
type SnippetBase = (BTreeMap<String, Score>, TextAnalyzer);

/// What [`SnippetGenerator::create`] collects, kept so that typo matches can be added per hit.
fn snippet_base(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    field: tantivy::schema::Field,
) -> Option<SnippetBase> {
    let mut terms: Vec<Term> = Vec::new();
    query.query_terms(&mut |term, _| {
        if term.field() == field && !terms.contains(term) {
            terms.push(term.clone());
        }
    });
    let mut out = BTreeMap::new();
    for term in terms {
        let value = term.value();
        let Some(text) = value.as_str() else {
            continue;
        };
        let df = searcher.doc_freq(&term).ok()?;
        if df > 0 {
            out.insert(text.to_string(), 1.0 / (1.0 + df as Score));
        }
    }
    let analyzer = searcher.index().tokenizer_for_field(field).ok()?;
    Some((out, analyzer))
}

/// Adds the words of `text` that are one typo away from a typo-tolerant query word.
fn add_typo_terms(
    typos: &[Arc<TypoAutomaton>],
    analyzer: &mut TextAnalyzer,
    text: &str,
    terms: &mut BTreeMap<String, Score>,
) {
    if typos.is_empty() {
        return;
    }
    let mut stream = analyzer.token_stream(text);
    while let Some(tok) = stream.next() {
        if !terms.contains_key(&tok.text) && typos.iter().any(|a| a.matches(&tok.text)) {
            // Weighted below exact matches of rare words.
            terms.insert(tok.text.clone(), 0.01);
        }
    }
}

type Key = (u8, u64, u64);
/// (total, facet counts, hits as (cursor, score, address)).
type Outcome = (
    usize,
    Vec<HashMap<String, u64>>,
    Vec<(String, f32, DocAddress)>,
);

/// The hits of a numeric or relevance sort, with their cursors and scores.
fn keyed_hits(
    top: Vec<(Option<Key>, DocAddress)>,
    relevance: bool,
) -> Vec<(String, f32, DocAddress)> {
    top.into_iter()
        .filter_map(|(key, addr)| {
            let key = key?;
            let score = if relevance {
                tantivy::u64_to_f64(key.1) as f32
            } else {
                0.0
            };
            Some((encode_cursor(&key), score, addr))
        })
        .collect()
}

fn encode_cursor(k: &Key) -> String {
    format!("{:x}.{:x}.{:x}", k.0, k.1, k.2)
}

fn decode_cursor(s: &str) -> Option<Key> {
    let mut it = s.trim().split('.');
    let a = u8::from_str_radix(it.next()?, 16).ok()?;
    let b = u64::from_str_radix(it.next()?, 16).ok()?;
    let c = u64::from_str_radix(it.next()?, 16).ok()?;
    it.next().is_none().then_some((a, b, c))
}

enum SortCol {
    U(Column<u64>),
    I(Column<i64>),
    F(Column<f64>),
    D(Column<DateTime>),
    Missing,
}

impl SortCol {
    fn open(seg: &SegmentReader, field: &str, kind: Kind) -> SortCol {
        let ff = seg.fast_fields();
        let col = match kind {
            Kind::U64 => ff.column_opt::<u64>(field).ok().flatten().map(SortCol::U),
            Kind::I64 => ff.column_opt::<i64>(field).ok().flatten().map(SortCol::I),
            Kind::F64 => ff.column_opt::<f64>(field).ok().flatten().map(SortCol::F),
            Kind::Date => ff
                .column_opt::<DateTime>(field)
                .ok()
                .flatten()
                .map(SortCol::D),
            _ => None,
        };
        col.unwrap_or(SortCol::Missing)
    }

    #[inline]
    fn get(&self, doc: DocId) -> Option<u64> {
        match self {
            SortCol::U(c) => c.first(doc),
            SortCol::I(c) => c.first(doc).map(tantivy::i64_to_u64),
            SortCol::F(c) => c.first(doc).map(tantivy::f64_to_u64),
            SortCol::D(c) => c
                .first(doc)
                .map(|d| tantivy::i64_to_u64(d.into_timestamp_micros())),
            SortCol::Missing => None,
        }
    }
}

fn id_col(seg: &SegmentReader) -> Option<Column<u64>> {
    seg.fast_fields().column_opt::<u64>("id_key").ok().flatten()
}

#[inline]
fn tiebreak(ids: &Option<Column<u64>>, doc: DocId) -> u64 {
    // Lower ids first among equal keys.
    !ids.as_ref().and_then(|c| c.first(doc)).unwrap_or(0)
}

#[inline]
fn before(key: Key, after: Option<Key>) -> Option<Key> {
    match after {
        Some(a) if key >= a => None,
        _ => Some(key),
    }
}

/// The global sort key of a sort on a string column: (has a value, the first value, id
/// tiebreak), the value compared in the requested direction.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StrKey {
    present: u8,
    value: String,
    tie: u64,
    desc: bool,
}

impl Ord for StrKey {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        let by_value = if self.desc {
            self.value.cmp(&o.value)
        } else {
            o.value.cmp(&self.value)
        };
        self.present
            .cmp(&o.present)
            .then(by_value)
            .then(self.tie.cmp(&o.tie))
    }
}

impl PartialOrd for StrKey {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

fn encode_str_cursor(k: &StrKey) -> String {
    let hex: String = k.value.bytes().map(|b| format!("{b:02x}")).collect();
    format!("s.{:x}.{hex}.{:x}", k.present, k.tie)
}

/// `(present, value, tie)` of a string-sort cursor (`s.P.HEX.TIE`).
fn decode_str_cursor(s: &str) -> Option<(u8, String, u64)> {
    let mut it = s.trim().strip_prefix("s.")?.split('.');
    let present = u8::from_str_radix(it.next()?, 16).ok()?;
    let hex = it.next()?;
    let tie = u64::from_str_radix(it.next()?, 16).ok()?;
    if it.next().is_some() || hex.len() % 2 != 0 || present > 1 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    Some((present, String::from_utf8(bytes?).ok()?, tie))
}

/// Sorting on the first value of a string fast column, in the same total order in every
/// segment: per segment by term ordinal (ordinals follow the byte order of the values),
/// converted to the value for the hits only.
struct SortByStr {
    column: String,
    desc: bool,
    after: Option<(u8, String, u64)>,
}

/// Where a `search_after` cursor falls in one segment: keep a document whose key (present,
/// ordinal key, tie) is below (`present`, `bound`, ...), where a key equal to `bound` is
/// decided by `at_bound`.
#[derive(Clone, Copy)]
struct SegAfter {
    present: u8,
    bound: u64,
    at_bound: AtBound,
}

#[derive(Clone, Copy)]
enum AtBound {
    /// Kept when its id tiebreak is below this.
    TieBelow(u64),
    Keep,
    Drop,
}

struct SegSortByStr {
    col: Option<StrColumn>,
    ids: Option<Column<u64>>,
    desc: bool,
    after: Option<SegAfter>,
}

impl tantivy::collector::SortKeyComputer for SortByStr {
    type SortKey = Option<StrKey>;
    type Child = SegSortByStr;
    type Comparator = tantivy::collector::sort_key::NaturalComparator;

    fn segment_sort_key_computer(&self, seg: &SegmentReader) -> tantivy::Result<SegSortByStr> {
        let col = seg.fast_fields().str(&self.column)?;
        use tantivy::columnar::TermOrdHit;
        let after = match &self.after {
            None => None,
            Some((0, _, tie)) => Some(SegAfter {
                present: 0,
                bound: 0,
                at_bound: AtBound::TieBelow(*tie),
            }),
            Some((_, value, tie)) => {
                let Some(c) = &col else {
                    // No value in this segment: every document (present 0) comes after.
                    return Ok(SegSortByStr {
                        col,
                        ids: id_col(seg),
                        desc: self.desc,
                        after: Some(SegAfter {
                            present: 1,
                            bound: 0,
                            at_bound: AtBound::Drop,
                        }),
                    });
                };
                let hit = c.dictionary().term_ord_or_next(value.as_bytes())?;
                let (bound, at_bound) = match (hit, self.desc) {
                    (TermOrdHit::Exact(o), true) => (o, AtBound::TieBelow(*tie)),
                    (TermOrdHit::Exact(o), false) => (!o, AtBound::TieBelow(*tie)),
                    // Descending: the values below the cursor's, ordinals below `n`.
                    (TermOrdHit::Next(n), true) => (n, AtBound::Drop),
                    // Ascending: the values above it, ordinals from `n` (keys up to `!n`).
                    (TermOrdHit::Next(n), false) => (!n, AtBound::Keep),
                };
                Some(SegAfter {
                    present: 1,
                    bound,
                    at_bound,
                })
            }
        };
        Ok(SegSortByStr {
            col,
            ids: id_col(seg),
            desc: self.desc,
            after,
        })
    }
}

impl tantivy::collector::SegmentSortKeyComputer for SegSortByStr {
    type SortKey = Option<StrKey>;
    type SegmentSortKey = Option<(u8, u64, u64)>;
    type SegmentComparator = tantivy::collector::sort_key::NaturalComparator;

    #[inline]
    fn segment_sort_key(&mut self, doc: DocId, _score: Score) -> Option<(u8, u64, u64)> {
        let tie = tiebreak(&self.ids, doc);
        let key = match self.col.as_ref().and_then(|c| c.ords().first(doc)) {
            Some(o) => (1u8, if self.desc { o } else { !o }, tie),
            None => (0u8, 0, tie),
        };
        match self.after {
            None => Some(key),
            Some(a) => {
                let keep = key.0 < a.present
                    || (key.0 == a.present
                        && (key.1 < a.bound
                            || (key.1 == a.bound
                                && match a.at_bound {
                                    AtBound::TieBelow(t) => key.2 < t,
                                    AtBound::Keep => true,
                                    AtBound::Drop => false,
                                })));
                keep.then_some(key)
            }
        }
    }

    fn convert_segment_sort_key(&self, key: Option<(u8, u64, u64)>) -> Option<StrKey> {
        let (present, c, tie) = key?;
        let mut value = String::new();
        if present == 1 {
            let ord = if self.desc { c } else { !c };
            let mut bytes = Vec::new();
            if let Some(col) = &self.col
                && col.dictionary().ord_to_term(ord, &mut bytes).ok()?
            {
                value = String::from_utf8_lossy(&bytes).into_owned();
            }
        }
        Some(StrKey {
            present,
            value,
            tie,
            desc: self.desc,
        })
    }
}

impl SearchIndex {
    /// Runs `request`.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse> {
        self.search_with(request, None)
    }

    /// Runs `request`, expanding concepts with `expander`.
    pub fn search_with(
        &self,
        request: &SearchRequest,
        expander: Option<&dyn ConceptExpander>,
    ) -> Result<SearchResponse> {
        let searcher = self.reader.searcher();
        let schema = self.index.schema();
        let mut warnings = Vec::new();
        let tokenizers = self.index.tokenizers();
        let plain = tokenizers
            .get(PLAIN)
            .ok_or_else(|| crate::SearchError::InvalidRequest("analyser missing".into()))?;
        // Stemmers of the languages present in this index (English, the default, always).
        let mut present = vec![false; STEMMED_LANGUAGES.len()];
        if let Some(en) = language_slot(None) {
            present[en] = true;
        }
        for seg in searcher.segment_readers() {
            let Ok(ii) = seg.inverted_index(self.fields.language) else {
                continue;
            };
            let Ok(mut stream) = ii.terms().stream() else {
                continue;
            };
            while stream.advance() {
                if let Some(slot) = std::str::from_utf8(stream.key())
                    .ok()
                    .and_then(|tag| language_slot(Some(tag)))
                {
                    present[slot] = true;
                }
            }
        }
        let mut stemmers = Vec::new();
        for (i, (code, _)) in STEMMED_LANGUAGES.iter().enumerate() {
            if present[i]
                && let Some(a) = tokenizers.get(&stem_query_name(code))
            {
                stemmers.push((self.fields.stemmed[i], a));
            }
        }
        let mut compiler = Compiler {
            fields: &self.fields,
            schema: &schema,
            plain,
            stemmers,
            expander,
            warnings: &mut warnings,
            fuzzy_used: 0,
            wildcards_used: 0,
            typos: Vec::new(),
        };
        let ast = parse(&request.query, compiler.warnings);
        let main: Box<dyn Query> = compiler.compile(&ast).unwrap_or_else(|| Box::new(AllQuery));
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, main.box_clone())];
        for f in &request.filters {
            let ast = parse(f, compiler.warnings);
            if let Some(q) = compiler.compile(&ast) {
                clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
            }
        }
        let typos = std::mem::take(&mut compiler.typos);
        drop(compiler);
        if let Some(u) = &request.usable {
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(self.usage_query(u), 0.0)),
            ));
        }
        if let Some(b) = &request.bbox {
            match self.bbox_query(b) {
                Some(q) => clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))),
                None => warnings.push(format!(
                    "bounding box {b:?} is not valid (latitudes -90..90, south <= north, longitudes -180..180); ignored"
                )),
            }
        }
        let query: Box<dyn Query> = if clauses.len() == 1 {
            main
        } else {
            Box::new(BooleanQuery::new(clauses))
        };

        let sort = match &request.sort {
            None => None,
            Some(s) => match query_field(&s.field).filter(|qf| qf.sortable) {
                Some(qf) if matches!(qf.kind, Kind::Exact | Kind::Text) => {
                    Some((facet_fast_field(qf), qf.kind, s.descending))
                }
                Some(qf) => Some((qf.field, qf.kind, s.descending)),
                None => {
                    warnings.push(format!("cannot sort on {:?}; sorted by relevance", s.field));
                    None
                }
            },
        };
        let str_sort = matches!(sort, Some((_, Kind::Exact | Kind::Text, _)));
        let bad_cursor = |c: &str, w: &mut Vec<String>| {
            w.push(format!("search_after cursor {c:?} is not valid; ignored"));
        };
        let (after, str_after) = match &request.search_after {
            None => (None, None),
            Some(c) if str_sort => match decode_str_cursor(c) {
                Some(k) => (None, Some(k)),
                None => {
                    bad_cursor(c, &mut warnings);
                    (None, None)
                }
            },
            Some(c) => match decode_cursor(c) {
                Some(k) => (Some(k), None),
                None => {
                    bad_cursor(c, &mut warnings);
                    (None, None)
                }
            },
        };
        let limit = request.limit.min(MAX_LIMIT);
        if request.limit > MAX_LIMIT {
            warnings.push(format!("limit {} lowered to {MAX_LIMIT}", request.limit));
        }
        let facet_specs = self.facet_specs(&request.facets, &mut warnings);
        let facet_names: Vec<String> = facet_specs.iter().map(|s| s.name.clone()).collect();
        let facet_collector = FacetCollector {
            specs: facet_specs.into(),
        };

        let (total, facet_fruit, top): Outcome = if limit == 0 {
            let (t, f) = searcher
                .search(&*query, &(Count, facet_collector))
                .ctx("searching")?;
            (t, f, Vec::new())
        } else {
            let fetch = TopDocs::with_limit(limit);
            match sort {
                None => {
                    let top = fetch.tweak_score(move |seg: &SegmentReader| {
                        let ids = id_col(seg);
                        move |doc: DocId, score: Score| {
                            let key = (
                                1u8,
                                tantivy::f64_to_u64(f64::from(score)),
                                tiebreak(&ids, doc),
                            );
                            before(key, after)
                        }
                    });
                    let (t, f, top) = searcher
                        .search(&*query, &(Count, facet_collector, top))
                        .ctx("searching")?;
                    (t, f, keyed_hits(top, true))
                }
                Some((field, _, desc)) if str_sort => {
                    let top = fetch.order_by(SortByStr {
                        column: field.to_string(),
                        desc,
                        after: str_after,
                    });
                    let (t, f, top) = searcher
                        .search(&*query, &(Count, facet_collector, top))
                        .ctx("searching")?;
                    let top = top
                        .into_iter()
                        .filter_map(|(k, a)| k.map(|k| (encode_str_cursor(&k), 0.0, a)))
                        .collect();
                    (t, f, top)
                }
                Some((field, kind, desc)) => {
                    let field = field.to_string();
                    let top = fetch.order_by(move |seg: &SegmentReader| {
                        let col = SortCol::open(seg, &field, kind);
                        let ids = id_col(seg);
                        move |doc: DocId| {
                            let key = match col.get(doc) {
                                Some(v) => (1u8, if desc { v } else { !v }, tiebreak(&ids, doc)),
                                None => (0u8, 0, tiebreak(&ids, doc)),
                            };
                            before(key, after)
                        }
                    });
                    let (t, f, top) = searcher
                        .search(&*query, &(Count, facet_collector, top))
                        .ctx("searching")?;
                    (t, f, keyed_hits(top, false))
                }
            }
        };

        let mut facets = BTreeMap::new();
        for (spec, counts) in facet_names.into_iter().zip(facet_fruit) {
            let mut v: Vec<FacetCount> = counts
                .into_iter()
                .map(|(value, count)| FacetCount { value, count })
                .collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            v.truncate(request.facet_limit);
            facets.insert(spec, v);
        }

        let mut snippet_terms: HashMap<tantivy::schema::Field, Option<SnippetBase>> =
            HashMap::new();
        let (plain_title, plain_description) = (self.fields.title, self.fields.description);
        let want_snippets = request.snippets && !matches!(ast, crate::query::Ast::All);
        let mut hits = Vec::new();
        let mut last = None;
        let addrs: Vec<DocAddress> = top.iter().map(|(_, _, a)| *a).collect();
        let records = self.load_records(&searcher, &addrs)?;
        for ((cursor, score, _), record) in top.into_iter().zip(records) {
            let mut snippets = BTreeMap::new();
            if want_snippets {
                let mut gen_for = |field, text: &str| -> Option<SnippetGenerator> {
                    let (terms, analyzer) = snippet_terms
                        .entry(field)
                        .or_insert_with(|| snippet_base(&searcher, &*query, field))
                        .as_ref()?;
                    let mut terms = terms.clone();
                    if field == plain_title || field == plain_description {
                        // Words one typo away from a typo-tolerant query word.
                        add_typo_terms(&typos, &mut analyzer.clone(), text, &mut terms);
                    }
                    (!terms.is_empty())
                        .then(|| SnippetGenerator::new(terms, analyzer.clone(), field, 160))
                };
                let stem_field =
                    language_slot(record.language.as_deref()).map(|i| self.fields.stemmed[i]);
                for (name, text, plain_field) in [
                    ("title", &record.title, self.fields.title),
                    ("description", &record.description, self.fields.description),
                ] {
                    let Some(text) = text else { continue };
                    let mut best = None;
                    for field in [Some(plain_field), stem_field].into_iter().flatten() {
                        if let Some(g) = gen_for(field, text) {
                            let s = g.snippet(text);
                            if !s.highlighted().is_empty()
                                && best
                                    .as_ref()
                                    .is_none_or(|(n, _)| s.highlighted().len() > *n)
                            {
                                best = Some((s.highlighted().len(), s.to_html()));
                            }
                        }
                    }
                    if let Some((_, html)) = best {
                        snippets.insert(name.to_string(), html);
                    }
                }
            }
            last = Some(cursor.clone());
            hits.push(Hit {
                id: record.id,
                score,
                cursor,
                record,
                snippets,
            });
        }
        let next = if hits.len() == limit && limit > 0 {
            last
        } else {
            None
        };
        Ok(SearchResponse {
            total: total as u64,
            hits,
            facets,
            warnings,
            next,
        })
    }

    fn usage_query(&self, u: &UsageFilter) -> Box<dyn Query> {
        let f = &self.fields;
        let t = |field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, &v.to_lowercase()),
                IndexRecordOption::Basic,
            ))
        };
        let on = date(u.on);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
            (
                Occur::Must,
                Box::new(BooleanQuery::union(vec![
                    t(f.channel, &u.channel),
                    t(f.channel, RightsSummary::ANY_CHANNEL),
                ])),
            ),
            (
                Occur::Must,
                Box::new(BooleanQuery::union(vec![
                    t(f.territory, &u.territory),
                    t(f.territory, RightsSummary::WORLDWIDE),
                ])),
            ),
            (
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Unbounded,
                    Bound::Included(Term::from_field_date(f.licence_start, on)),
                )),
            ),
            (
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_date(f.licence_end, on)),
                    Bound::Unbounded,
                )),
            ),
        ];
        if u.commercial {
            clauses.push((
                Occur::MustNot,
                Box::new(TermQuery::new(
                    Term::from_field_bool(f.editorial, true),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if u.model_release {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_bool(f.model_release, true),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn bbox_query(&self, b: &BoundingBox) -> Option<Box<dyn Query>> {
        let ok_lat = |x: f64| x.is_finite() && (-90.0..=90.0).contains(&x);
        let ok_lon = |x: f64| x.is_finite() && (-180.0..=180.0).contains(&x);
        if !(ok_lat(b.south) && ok_lat(b.north) && ok_lon(b.west) && ok_lon(b.east))
            || b.south > b.north
        {
            return None;
        }
        let f = &self.fields;
        let range = |field, lo: f64, hi: f64| -> Box<dyn Query> {
            Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_f64(field, lo)),
                Bound::Included(Term::from_field_f64(field, hi)),
            ))
        };
        let lon: Box<dyn Query> = if b.west <= b.east {
            range(f.lon, b.west, b.east)
        } else {
            Box::new(BooleanQuery::union(vec![
                range(f.lon, b.west, 180.0),
                range(f.lon, -180.0, b.east),
            ]))
        };
        Some(Box::new(BooleanQuery::intersection(vec![
            range(f.lat, b.south, b.north),
            lon,
        ])))
    }

    fn facet_specs(&self, names: &[String], warnings: &mut Vec<String>) -> Vec<FacetSpec> {
        let mut out = Vec::new();
        for name in names {
            let (field_name, drill) = match name.split_once(':') {
                Some((f, p)) => (f, Some(p)),
                None => (name.as_str(), None),
            };
            let Some(qf) = query_field(field_name).filter(|qf| qf.facetable) else {
                warnings.push(format!(
                    "cannot count facet {name:?}; facet fields: {}",
                    crate::QUERY_FIELDS
                        .iter()
                        .filter(|f| f.facetable)
                        .map(|f| f.names[0])
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                continue;
            };
            let kind = match qf.kind {
                Kind::Path => FacetKind::Children(
                    drill
                        .and_then(crate::index::normalise_path)
                        .unwrap_or_default(),
                ),
                Kind::I64 => FacetKind::I64,
                Kind::U64 => FacetKind::U64,
                Kind::Bool => FacetKind::Bool,
                _ => FacetKind::Str,
            };
            if drill.is_some() && qf.kind != Kind::Path {
                warnings.push(format!(
                    "facet {name:?}: only the taxonomy facet drills down; counted at the top"
                ));
            }
            out.push(FacetSpec {
                name: name.clone(),
                field: facet_fast_field(qf).to_string(),
                kind,
            });
        }
        out
    }
}

#[derive(Debug, Clone)]
enum FacetKind {
    /// Every value of a string field.
    Str,
    /// Direct children of this path ("" for the top level) of a path field.
    Children(String),
    I64,
    U64,
    Bool,
}

#[derive(Debug, Clone)]
struct FacetSpec {
    name: String,
    field: String,
    kind: FacetKind,
}

/// Counts facet values of matching documents from fast fields (never from stored records).
struct FacetCollector {
    specs: Arc<[FacetSpec]>,
}

enum SegCounter {
    Str(StrColumn, Vec<u32>),
    I64(Column<i64>, NumCounts),
    U64(Column<u64>, NumCounts),
    Bool(Column<bool>, [u64; 2]),
    Missing,
}

/// Counts of integer values: an array for the usual small ones (ratings, orientations), a
/// map for the rest.
struct NumCounts {
    small: Vec<u64>,
    other: HashMap<i128, u64>,
}

impl NumCounts {
    fn new() -> Self {
        NumCounts {
            small: vec![0; 256],
            other: HashMap::new(),
        }
    }

    #[inline]
    fn add(&mut self, v: i128) {
        if (-128..128).contains(&v) {
            self.small[(v + 128) as usize] += 1;
        } else {
            *self.other.entry(v).or_insert(0) += 1;
        }
    }

    fn into_map(self, m: &mut HashMap<String, u64>) {
        for (i, n) in self.small.into_iter().enumerate() {
            if n > 0 {
                m.insert((i as i128 - 128).to_string(), n);
            }
        }
        m.extend(self.other.into_iter().map(|(k, v)| (k.to_string(), v)));
    }
}

struct FacetSegment {
    specs: Arc<[FacetSpec]>,
    counters: Vec<SegCounter>,
}

impl Collector for FacetCollector {
    type Fruit = Vec<HashMap<String, u64>>;
    type Child = FacetSegment;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        seg: &SegmentReader,
    ) -> tantivy::Result<FacetSegment> {
        let ff = seg.fast_fields();
        let mut counters = Vec::with_capacity(self.specs.len());
        for spec in self.specs.iter() {
            let c = match spec.kind {
                FacetKind::Str | FacetKind::Children(_) => match ff.str(&spec.field)? {
                    Some(col) => {
                        let n = col.num_terms();
                        SegCounter::Str(col, vec![0; n])
                    }
                    None => SegCounter::Missing,
                },
                FacetKind::I64 => ff
                    .column_opt::<i64>(&spec.field)?
                    .map_or(SegCounter::Missing, |c| {
                        SegCounter::I64(c, NumCounts::new())
                    }),
                FacetKind::U64 => ff
                    .column_opt::<u64>(&spec.field)?
                    .map_or(SegCounter::Missing, |c| {
                        SegCounter::U64(c, NumCounts::new())
                    }),
                FacetKind::Bool => ff
                    .column_opt::<bool>(&spec.field)?
                    .map_or(SegCounter::Missing, |c| SegCounter::Bool(c, [0; 2])),
            };
            counters.push(c);
        }
        Ok(FacetSegment {
            specs: self.specs.clone(),
            counters,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<HashMap<String, u64>>>) -> tantivy::Result<Self::Fruit> {
        let mut out: Vec<HashMap<String, u64>> = vec![HashMap::new(); self.specs.len()];
        for fruit in fruits {
            for (acc, m) in out.iter_mut().zip(fruit) {
                for (k, v) in m {
                    *acc.entry(k).or_insert(0) += v;
                }
            }
        }
        Ok(out)
    }
}

impl FacetSegment {
    /// Counts the values of `docs`, one counter (column) at a time.
    fn count(&mut self, docs: &[DocId]) {
        for c in &mut self.counters {
            match c {
                SegCounter::Str(col, counts) => {
                    for &doc in docs {
                        for ord in col.term_ords(doc) {
                            if let Some(n) = counts.get_mut(ord as usize) {
                                *n += 1;
                            }
                        }
                    }
                }
                SegCounter::I64(col, m) => {
                    for &doc in docs {
                        for v in col.values_for_doc(doc) {
                            m.add(i128::from(v));
                        }
                    }
                }
                SegCounter::U64(col, m) => {
                    for &doc in docs {
                        for v in col.values_for_doc(doc) {
                            m.add(i128::from(v));
                        }
                    }
                }
                SegCounter::Bool(col, m) => {
                    for &doc in docs {
                        if let Some(v) = col.first(doc) {
                            m[usize::from(v)] += 1;
                        }
                    }
                }
                SegCounter::Missing => {}
            }
        }
    }
}

impl SegmentCollector for FacetSegment {
    type Fruit = Vec<HashMap<String, u64>>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.count(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        self.count(docs);
    }

    fn harvest(self) -> Self::Fruit {
        let mut out = Vec::with_capacity(self.counters.len());
        for (spec, c) in self.specs.iter().zip(self.counters) {
            let mut m = HashMap::new();
            match c {
                SegCounter::Str(col, counts) => {
                    let ords: Vec<u64> = counts
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| **n > 0)
                        .map(|(i, _)| i as u64)
                        .collect();
                    let mut values = Vec::with_capacity(ords.len());
                    let _ = col.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                        values.push(String::from_utf8_lossy(bytes).into_owned());
                    });
                    for (ord, value) in ords.iter().zip(values) {
                        let keep = match &spec.kind {
                            FacetKind::Children(parent) => value
                                .strip_prefix(parent.as_str())
                                .and_then(|rest| rest.strip_prefix('/'))
                                .is_some_and(|rest| !rest.is_empty() && !rest.contains('/')),
                            _ => true,
                        };
                        if keep {
                            m.insert(value, u64::from(counts[*ord as usize]));
                        }
                    }
                }
                SegCounter::I64(_, counts) | SegCounter::U64(_, counts) => counts.into_map(&mut m),
                SegCounter::Bool(_, counts) => {
                    if counts[0] > 0 {
                        m.insert("false".to_string(), counts[0]);
                    }
                    if counts[1] > 0 {
                        m.insert("true".to_string(), counts[1]);
                    }
                }
                SegCounter::Missing => {}
            }
            out.push(m);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_cursors_round_trip_and_reject_garbage() {
        for (present, value, tie) in [
            (1, "Canon EOS 5D", 7),
            (0, "", u64::MAX),
            (1, "Ünïcødé.x", 0),
        ] {
            let k = StrKey {
                present,
                value: value.to_string(),
                tie,
                desc: true,
            };
            assert_eq!(
                decode_str_cursor(&encode_str_cursor(&k)),
                Some((present, value.to_string(), tie))
            );
        }
        for bad in [
            "",
            "s.",
            "s.1.4.0",
            "s.2.41.0",
            "s.1.zz.0",
            "s.1.ff.0",
            "s.1.41.0.0",
            "1.2.3",
            "s.1.41.g",
        ] {
            assert_eq!(decode_str_cursor(bad), None, "{bad}");
        }
    }

    #[test]
    fn string_keys_order_by_direction() {
        let k = |v: &str, tie, desc| StrKey {
            present: 1,
            value: v.into(),
            tie,
            desc,
        };
        assert!(k("b", 0, true) > k("a", 9, true));
        assert!(k("a", 0, false) > k("b", 9, false));
        assert!(k("a", 2, false) > k("a", 1, false));
        let missing = StrKey {
            present: 0,
            value: String::new(),
            tie: 9,
            desc: true,
        };
        assert!(k("", 0, true) > missing);
    }
}
