//! A tantivy index of asset records: full text, hierarchical facets, ranges, rights-aware
//! filters and a forgiving query language.
//!
//! # Example
//!
//! ```
//! use damkit_search::{AssetRecord, IndexerOptions, SearchIndex, SearchRequest};
//! use damkit_core::AssetId;
//!
//! let index = SearchIndex::create_in_ram();
//! let mut indexer = index.indexer(IndexerOptions::default().threads(1))?;
//! let mut fox = AssetRecord::new(AssetId::new());
//! fox.title = Some("A red fox in the snow".into());
//! fox.keywords = vec!["red fox".into(), "winter".into()];
//! fox.taxonomy_paths = vec!["/Animals/Mammals/Foxes".into()];
//! fox.make = Some("Canon".into());
//! fox.taken = Some("2021-01-15T09:30:00Z".parse()?);
//! indexer.upsert(&fox)?;
//! indexer.commit()?;
//!
//! // Typos, stemming, fields, ranges and facets.
//! let response = index.search(
//!     &SearchRequest::new("foxes make:canon taken:[2021-01-01 TO 2021-12-31]")
//!         .facet("taxonomy:/Animals"),
//! )?;
//! assert_eq!(response.total, 1);
//! assert_eq!(response.hits[0].id, fox.id);
//! assert_eq!(response.facets["taxonomy:/Animals"][0].value, "/Animals/Mammals");
//!
//! // Malformed queries are answered, with warnings.
//! let response = index.search(&SearchRequest::new("(fox AND"))?;
//! assert_eq!(response.total, 1);
//! assert!(!response.warnings.is_empty());
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Records and the index
//!
//! An [`AssetRecord`] holds what a DAM knows about an asset (text, keywords, taxonomy paths,
//! people, dates, dimensions, camera, GPS, rating, rights summary, hashes, collections,
//! status). [`SearchIndex`] opens or creates an index folder; an [`Indexer`] upserts records
//! by asset id, deletes them and commits in batches ([`Indexer::maybe_commit`] commits on an
//! interval or a pending-count). Searches see each commit at once in the same process and
//! within a moment in others (or on [`SearchIndex::reload`]). Commits are atomic: a crash
//! loses only uncommitted work. A log merge policy keeps the segment count low;
//! [`Indexer::optimize`] merges everything into one segment.
//!
//! # Bulk loading
//!
//! Loading many records at once (a first import, a rebuild) is fastest with
//! [`IndexerOptions::bulk_load`], [`Indexer::add_new`] (no lookup of an older record with
//! the same id) and one [`Indexer::finish`] at the end, with a memory budget large enough that
//! segments are flushed by the budget rather than by commits:
//!
//! ```no_run
//! # use damkit_search::{IndexerOptions, SearchIndex};
//! # let records: Vec<damkit_search::AssetRecord> = Vec::new();
//! let index = SearchIndex::create("library/index")?;
//! let mut indexer = index.indexer(
//!     IndexerOptions::default().threads(2).memory_budget(1 << 30).bulk_load(true),
//! )?;
//! for record in &records {
//!     indexer.add_new(record)?;
//! }
//! indexer.finish()?; // commits, then merges this load's segments once, in parallel
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! In bulk mode nothing is merged while records are added (intermediate commits are allowed
//! and each writes a segment per indexing thread); `finish` merges the segments of this load
//! into one per indexing thread, each record once, the merges running in parallel, and leaves
//! older segments alone; [`Indexer::optimize`] merges everything into one segment. Without bulk
//! mode the log merge policy merges segments as commits accumulate and merges the merged ones
//! again (about twice per record for 1M records committed every 100,000).
//! Memory: the writer holds a segment per thread until it is flushed, about 1 KB per record
//! of the synthetic benchmark records (a 1 GiB budget on 2 threads holds 1M records, which then
//! need no merge at all).
//!
//! The index folder holds tantivy's files and `damkit-search.json`, which records the
//! [`SCHEMA_VERSION`]. Opening an index of another version fails with
//! [`SearchError::RebuildNeeded`]. Inside a damkit library folder the index lives in
//! `LIB/index/`.
//!
//! # Query language
//!
//! | syntax | meaning |
//! |---|---|
//! | `red fox` | both words (AND is the default), in title, description, keywords or creators |
//! | `"red fox"` | the phrase |
//! | `fox OR dog`, `fox AND dog`, `fox NOT dog`, `-dog`, `(a OR b) c` | boolean logic and grouping (operators in capitals) |
//! | `field:value`, `field:"a phrase"`, `field:(a OR b)` | a field (see below) |
//! | `width:>2000`, `rating:>=4`, `size:<5MB` | comparisons |
//! | `taken:[2020-01-01 TO 2021-01-01]`, `taken:{2020 TO *]` | ranges (`[` `]` inclusive, `{` `}` exclusive, `*` open) |
//! | `taken:2021`, `taken:2021-05` | a whole year, month or day |
//! | `fox*`, `f?x` | wildcards (at least 2 other characters, at most 4 per query) |
//!
//! Words of 5 or more letters also match words one edit away (typo tolerance); words are
//! also matched through the stemmer of each record's language (`foxes` finds `fox`).
//! Matching is case- and accent-insensitive.
//!
//! The query is *lenient*: unknown fields, unbalanced parentheses or quotes, invalid dates
//! or numbers never fail a search; what was not understood is dropped or searched as words,
//! and [`SearchResponse::warnings`] says so. Work is bounded: [`query::MAX_QUERY_CHARS`],
//! [`query::MAX_TERMS`], [`query::MAX_DEPTH`], [`query::MAX_FUZZY`], [`query::MAX_WILDCARDS`];
//! regular expressions are not part of the language (`/a+/` is searched as words).
//!
//! Field names (aliases in brackets):
//!
//! | field | kind | facet | sort | meaning |
//! |---|---|---|---|---|
//! | `title` | text | | | words or phrase in the title |
//! | `description` (`caption`, `desc`) | text | | | words or phrase in the description |
//! | `keyword` (`kw`, `tag`) | text | yes | yes | a free keyword (`keyword:"red fox"`) |
//! | `concept` | exact | yes | yes | a concept id, expanded to narrower concepts by a [`ConceptExpander`] |
//! | `taxonomy` (`category`, `cat`) | path | yes, hierarchical | | a taxonomy path and everything below it |
//! | `creator` (`by`, `author`) | text | yes | yes | a creator |
//! | `credit`, `copyright`, `path` (`file`) | text | | | credit line, copyright notice, file path words |
//! | `make`, `model` (`camera`), `lens` | exact | yes | yes | camera make, model, lens (`make:Canon`) |
//! | `format`, `mime` (`type`) | exact | yes | yes | format name, MIME type |
//! | `label`, `status`, `collection` | exact | yes | yes | colour label, lifecycle status, collection |
//! | `channel`, `territory` | exact | yes | yes | permitted channels and territories |
//! | `hash`, `id` | exact or hex prefix (`hash:ab12*`, `id:0190f3*`) | | | content hash (case-insensitive), asset id |
//! | `group` (`dupgroup`), `language` (`lang`) | exact | yes | yes | near-duplicate group, language |
//! | `year` | exact | yes | yes | year the picture was taken |
//! | `taken` (`date`), `created`, `modified`, `ingested` (`added`) | date | | yes | dates |
//! | `licence_start`, `licence_end` (`expires`) | date | | yes | licence period (missing bounds sort as year 1 / 9999) |
//! | `width` (`w`), `height` (`h`), `pixels` (`mp`), `size` (`filesize`) | number | | yes | dimensions, pixel count, bytes (`K`, `M`, `G`, `KiB`... suffixes) |
//! | `orientation`, `rating` (`stars`) | number | yes | yes | EXIF orientation, rating |
//! | `lat`, `lon` | number | | yes | GPS position |
//! | `editorial`, `model_release` (`released`), `property_release` | boolean | yes | | rights flags |
//!
//! # Searching
//!
//! A [`SearchRequest`] adds to the query: drill-down filters, facet counts (from fast
//! fields, with drill-down over the taxonomy: `taxonomy` counts the top level,
//! `taxonomy:/Animals` the children of `/Animals`), a [`Sort`] on any sortable field
//! (string fields sort by their first value in byte order, records without one last),
//! `search_after` pagination with the cursor of the last hit (stable under concurrent
//! commits; ties are broken by asset id), highlighted snippets, a [`UsageFilter`] ("usable on
//! channel C in territory T on date D") and a GPS [`BoundingBox`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod expand;
mod index;
pub mod query;
mod record;
mod schema;
mod search;
mod stored;
pub mod synth;

pub use error::{Result, SearchError};
pub use expand::ConceptExpander;
pub use index::{
    DEFAULT_SEARCH_THREADS, DEFAULT_STORE_CACHE_BLOCKS, Indexer, IndexerOptions, SearchIndex,
    VERSION_FILE,
};
pub use record::{AssetRecord, GeoPoint, RightsSummary};
pub use schema::{QUERY_FIELDS, QueryField, SCHEMA_VERSION, STEMMED_LANGUAGES, query_field};
pub use search::{
    BoundingBox, FacetCount, Hit, MAX_LIMIT, SearchRequest, SearchResponse, Sort, UsageFilter,
};
