//! The tantivy schema of the asset index, its analysers and its version.

use tantivy::schema::{
    BytesOptions, FAST, Field, IndexRecordOption, NumericOptions, STORED, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer, TokenizerManager,
};

/// The version of the schema and of the way records are turned into documents. An index
/// written with another version must be rebuilt (see [`crate::SearchError::RebuildNeeded`]).
pub const SCHEMA_VERSION: u32 = 4;

/// Languages with a stemmer: (BCP 47 primary subtag, tantivy stemmer).
pub const STEMMED_LANGUAGES: &[(&str, Language)] = &[
    ("ar", Language::Arabic),
    ("da", Language::Danish),
    ("de", Language::German),
    ("el", Language::Greek),
    ("en", Language::English),
    ("es", Language::Spanish),
    ("fi", Language::Finnish),
    ("fr", Language::French),
    ("hu", Language::Hungarian),
    ("it", Language::Italian),
    ("nl", Language::Dutch),
    ("no", Language::Norwegian),
    ("pt", Language::Portuguese),
    ("ro", Language::Romanian),
    ("ru", Language::Russian),
    ("sv", Language::Swedish),
    ("ta", Language::Tamil),
    ("tr", Language::Turkish),
];

pub(crate) const PLAIN: &str = "damkit_plain";
pub(crate) const LOWER: &str = "damkit_lower";

/// Maps a BCP 47 tag to the index of its stemmer in [`STEMMED_LANGUAGES`]; `None` for
/// languages without one. Absent language means English.
pub(crate) fn language_slot(tag: Option<&str>) -> Option<usize> {
    let tag = tag.unwrap_or("en");
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let primary = match primary.as_str() {
        "nb" | "nn" => "no",
        "eng" => "en",
        "deu" | "ger" => "de",
        "fra" | "fre" => "fr",
        other => other,
    }
    .to_string();
    STEMMED_LANGUAGES
        .iter()
        .position(|(code, _)| *code == primary)
}

/// Registers the analysers every damkit index uses.
pub(crate) fn register_tokenizers(manager: &TokenizerManager) {
    manager.register(PLAIN, plain_analyzer());
    manager.register(
        LOWER,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(RemoveLongFilter::limit(256))
            .filter(LowerCaser)
            .build(),
    );
    for (code, lang) in STEMMED_LANGUAGES {
        manager.register(&stem_name(code), stem_index_analyzer(*lang));
        manager.register(&stem_query_name(code), stem_analyzer(*lang));
    }
}

/// The analyser of a stemmed field when indexing: like [`stem_analyzer`] but keeps only the
/// words whose stem differs from the word (the others are in the language-neutral fields
/// already, where queries look for stems too). Halves the stemmed postings.
fn stem_index_analyzer(lang: Language) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(StemChanged(stem_algorithm(lang)))
        .filter(AsciiFoldingFilter)
        .build()
}

fn stem_algorithm(lang: Language) -> frostem::Algorithm {
    use frostem::Algorithm as A;
    match lang {
        Language::Arabic => A::Arabic,
        Language::Danish => A::Danish,
        Language::Dutch => A::Dutch,
        Language::English => A::English,
        Language::Finnish => A::Finnish,
        Language::French => A::French,
        Language::German => A::German,
        Language::Greek => A::Greek,
        Language::Hungarian => A::Hungarian,
        Language::Italian => A::Italian,
        Language::Norwegian => A::Norwegian,
        Language::Portuguese => A::Portuguese,
        Language::Romanian => A::Romanian,
        Language::Russian => A::Russian,
        Language::Spanish => A::Spanish,
        Language::Swedish => A::Swedish,
        Language::Tamil => A::Tamil,
        Language::Turkish => A::Turkish,
    }
}

/// A token filter that stems and drops the tokens the stemmer leaves unchanged.
#[derive(Clone, Copy)]
struct StemChanged(frostem::Algorithm);

impl TokenFilter for StemChanged {
    type Tokenizer<T: Tokenizer> = StemChangedFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> StemChangedFilter<T> {
        StemChangedFilter {
            stemmer: frostem::Stemmer::new(self.0),
            cache: StemCache::default(),
            inner: tokenizer,
        }
    }
}

/// Most words a [`StemCache`] holds before it starts again (a few MB at most).
const STEM_CACHE_WORDS: usize = 32_768;

/// The stems of the words an analyser has seen: `None` when the stemmer leaves the word
/// unchanged. Word frequencies are Zipfian, so most tokens of a bulk load are words seen
/// before: a hash lookup instead of a Snowball run (which was ~12% of the indexing CPU).
///
/// tantivy clones the analyser of each field for each segment it writes, so a cache serves
/// one field of one indexing thread and lives as long as its segment; the analysers
/// registered in the index (the clones' source) stay empty.
#[derive(Clone, Default)]
struct StemCache(rustc_hash::FxHashMap<Box<str>, Option<Box<str>>>);

#[derive(Clone)]
struct StemChangedFilter<T> {
    stemmer: frostem::Stemmer,
    cache: StemCache,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for StemChangedFilter<T> {
    type TokenStream<'a> = StemChangedStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StemChangedStream {
            tail: self.inner.token_stream(text),
            stemmer: self.stemmer,
            cache: &mut self.cache,
        }
    }
}

struct StemChangedStream<'a, T> {
    tail: T,
    stemmer: frostem::Stemmer,
    cache: &'a mut StemCache,
}

impl<T: TokenStream> TokenStream for StemChangedStream<'_, T> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            let token = self.tail.token_mut();
            let stem = match self.cache.0.get(token.text.as_str()) {
                Some(stem) => stem.as_deref(),
                None => {
                    let stem = match self.stemmer.stem(&token.text) {
                        std::borrow::Cow::Owned(stem) if stem != token.text => {
                            Some(stem.into_boxed_str())
                        }
                        _ => None,
                    };
                    if self.cache.0.len() >= STEM_CACHE_WORDS {
                        self.cache.0.clear();
                    }
                    self.cache
                        .0
                        .entry(token.text.as_str().into())
                        .or_insert(stem)
                        .as_deref()
                }
            };
            if let Some(stem) = stem {
                token.text.clear();
                token.text.push_str(stem);
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

fn plain_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

fn stem_analyzer(lang: Language) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(Stemmer::new(lang))
        .filter(AsciiFoldingFilter)
        .build()
}

fn stem_name(code: &str) -> String {
    format!("damkit_stem_{code}")
}

/// Name of the analyser that stems query words for the stemmed field of `code`.
pub(crate) fn stem_query_name(code: &str) -> String {
    format!("damkit_stemq_{code}")
}

/// Handles on every field of the schema.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub(crate) struct Fields {
    pub id: Field,
    pub id_key: Field,
    /// The high 64 bits of the id (the low ones are `id_key`): stored records leave the id
    /// to these two columns.
    pub id_hi: Field,
    pub record: Field,
    pub title: Field,
    pub description: Field,
    pub keyword_text: Field,
    pub creator_text: Field,
    pub credit: Field,
    pub copyright: Field,
    pub path: Field,
    /// Stemmed text, one field per entry of [`STEMMED_LANGUAGES`].
    pub stemmed: Vec<Field>,
    pub language: Field,
    // Exact (lower-cased when searched, original case in fast fields for facets).
    pub keyword: Field,
    pub concept: Field,
    pub taxonomy: Field,
    pub creator: Field,
    pub make: Field,
    pub model: Field,
    pub lens: Field,
    pub format: Field,
    pub mime: Field,
    pub label: Field,
    pub status: Field,
    pub collection: Field,
    pub channel: Field,
    pub territory: Field,
    pub hash: Field,
    /// A 64-digit hex content hash as four big-endian u64 columns (see `stored`).
    pub hash_cols: [Field; 4],
    pub group: Field,
    pub year: Field,
    // Numbers and dates (fast).
    pub taken: Field,
    pub created: Field,
    pub modified: Field,
    pub ingested: Field,
    pub licence_start: Field,
    pub licence_end: Field,
    pub width: Field,
    pub height: Field,
    pub pixels: Field,
    pub orientation: Field,
    pub size: Field,
    pub rating: Field,
    pub lat: Field,
    pub lon: Field,
    pub editorial: Field,
    pub model_release: Field,
    pub property_release: Field,
}

/// Builds the schema and returns it with its field handles.
pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Positions only where phrases are searched; field norms only where they rank (the
    // stemmed fields, creators, credit, copyright and path match or not).
    let text = |positions: bool, norms: bool, tok: &str| {
        let rec = if positions {
            IndexRecordOption::WithFreqsAndPositions
        } else {
            IndexRecordOption::WithFreqs
        };
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tok)
                .set_index_option(rec)
                .set_fieldnorms(norms),
        )
    };
    // Counted and shown, never searched (queries use the `*_text` twin): a fast column only.
    let fast_only = || TextOptions::default().set_fast("raw");
    // Exact-value fields: searched lower-cased, fast in original case (facets, sorting).
    let exact = || {
        TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(LOWER)
                    .set_index_option(IndexRecordOption::Basic)
                    .set_fieldnorms(false),
            )
            .set_fast("raw")
    };
    // The 16 id bytes (upserts, deletes, `id:` queries).
    // No field norms on the exact-match fields below (ids, hashes, flags): nothing ranks by
    // their length, and each norm costs a byte per record.
    let id = b.add_bytes_field("id", BytesOptions::default().set_indexed());
    let id_key = b.add_u64_field("id_key", FAST);
    // UUID v7 ids start with their creation time: in index order the high word is close to
    // linear, so its column costs ~2 bytes per record where 16 stored bytes cost ~10.
    let id_hi = b.add_u64_field("id_hi", FAST);
    let record = b.add_bytes_field("record", STORED);
    let title = b.add_text_field("title", text(true, true, PLAIN));
    let description = b.add_text_field("description", text(true, true, PLAIN));
    let keyword_text = b.add_text_field("keyword_text", text(true, true, PLAIN));
    // No field norms: creator names are a few words each, and ranking a match in a
    // two-word name above one in a three-word name says nothing (1 byte per record saved).
    let creator_text = b.add_text_field("creator_text", text(true, false, PLAIN));
    let credit = b.add_text_field("credit", text(false, false, PLAIN));
    let copyright = b.add_text_field("copyright", text(false, false, PLAIN));
    let path = b.add_text_field("path", text(false, false, PLAIN));
    let stemmed = STEMMED_LANGUAGES
        .iter()
        .map(|(code, _)| {
            b.add_text_field(
                &format!("text_{code}"),
                text(false, false, &stem_name(code)),
            )
        })
        .collect();
    let language = b.add_text_field("language", exact());
    let keyword = b.add_text_field("keyword", fast_only());
    let concept = b.add_text_field("concept", exact());
    let taxonomy = b.add_text_field("taxonomy", exact());
    let creator = b.add_text_field("creator", fast_only());
    let make = b.add_text_field("make", exact());
    let model = b.add_text_field("model", exact());
    let lens = b.add_text_field("lens", exact());
    let format = b.add_text_field("format", exact());
    let mime = b.add_text_field("mime", exact());
    let label = b.add_text_field("label", exact());
    let status = b.add_text_field("status", exact());
    let collection = b.add_text_field("collection", exact());
    let channel = b.add_text_field("channel", exact());
    let territory = b.add_text_field("territory", exact());
    // Hashes are looked up, never counted: no fast column. Indexed as bytes (see
    // `hash_key`): a hex hash takes half the room of its text.
    let hash = b.add_bytes_field("hash", BytesOptions::default().set_indexed());
    // ...except the usual 64-digit hex hash (BLAKE3, SHA-256): four u64 columns, which both
    // answer `hash:` and give the hash back to stored records (32 bytes, stored once).
    let hash_cols = [0, 1, 2, 3].map(|i| b.add_u64_field(&format!("hash{i}"), FAST));
    let group = b.add_text_field("group", exact());
    let year = b.add_text_field("year", exact());
    let taken = b.add_date_field("taken", FAST);
    let created = b.add_date_field("created", FAST);
    let modified = b.add_date_field("modified", FAST);
    let ingested = b.add_date_field("ingested", FAST);
    let licence_start = b.add_date_field("licence_start", FAST);
    let licence_end = b.add_date_field("licence_end", FAST);
    let width = b.add_u64_field("width", FAST);
    let height = b.add_u64_field("height", FAST);
    let pixels = b.add_u64_field("pixels", FAST);
    let orientation = b.add_u64_field("orientation", FAST);
    let size = b.add_u64_field("size", FAST);
    let rating = b.add_i64_field("rating", FAST);
    let lat = b.add_f64_field("lat", FAST);
    let lon = b.add_f64_field("lon", FAST);
    let flag = || NumericOptions::default().set_indexed().set_fast();
    let editorial = b.add_bool_field("editorial", flag());
    let model_release = b.add_bool_field("model_release", flag());
    let property_release = b.add_bool_field("property_release", flag());
    let schema = b.build();
    let fields = Fields {
        id,
        id_key,
        id_hi,
        record,
        title,
        description,
        keyword_text,
        creator_text,
        credit,
        copyright,
        path,
        stemmed,
        language,
        keyword,
        concept,
        taxonomy,
        creator,
        make,
        model,
        lens,
        format,
        mime,
        label,
        status,
        collection,
        channel,
        territory,
        hash,
        hash_cols,
        group,
        year,
        taken,
        created,
        modified,
        ingested,
        licence_start,
        licence_end,
        width,
        height,
        pixels,
        orientation,
        size,
        rating,
        lat,
        lon,
        editorial,
        model_release,
        property_release,
    };
    (schema, fields)
}

/// The kind of value a query field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Analysed text (words and phrases).
    Text,
    /// An exact value, matched case-insensitively.
    Exact,
    /// A hierarchical path; a path matches itself and everything under it.
    Path,
    /// A timestamp.
    Date,
    /// An unsigned integer.
    U64,
    /// A signed integer.
    I64,
    /// A float.
    F64,
    /// A boolean.
    Bool,
    /// An asset id or content hash, indexed as bytes (exact value or hex prefix).
    Bytes,
}

/// A name the query language accepts, with what it searches.
#[derive(Debug, Clone, Copy)]
pub struct QueryField {
    /// The name (and the aliases) users type before `:`.
    pub names: &'static [&'static str],
    /// The tantivy field searched.
    pub(crate) field: &'static str,
    pub(crate) kind: Kind,
    /// Whether `--facet NAME` counts this field.
    pub facetable: bool,
    /// Whether results can be sorted on this field.
    pub sortable: bool,
    /// One line for the documentation and `--help`.
    pub doc: &'static str,
}

macro_rules! qf {
    ([$($n:literal),+], $f:literal, $k:ident, $facet:literal, $sort:literal, $doc:literal) => {
        QueryField { names: &[$($n),+], field: $f, kind: Kind::$k, facetable: $facet, sortable: $sort, doc: $doc }
    };
}

/// Every field name of the query language (first name is canonical, the others aliases).
pub const QUERY_FIELDS: &[QueryField] = &[
    qf!(
        ["title"],
        "title",
        Text,
        false,
        false,
        "words or phrase in the title"
    ),
    qf!(
        ["description", "caption", "desc"],
        "description",
        Text,
        false,
        false,
        "words or phrase in the description"
    ),
    qf!(
        ["keyword", "kw", "tag"],
        "keyword_text",
        Text,
        true,
        true,
        "words or phrase in a free keyword (`keyword:\"red fox\"`)"
    ),
    qf!(
        ["concept"],
        "concept",
        Exact,
        true,
        true,
        "a controlled-keyword concept id (expanded to narrower concepts)"
    ),
    qf!(
        ["taxonomy", "category", "cat"],
        "taxonomy",
        Path,
        true,
        false,
        "a taxonomy path; matches it and every path below (`taxonomy:/Animals/Mammals`)"
    ),
    qf!(
        ["creator", "by", "author"],
        "creator_text",
        Text,
        true,
        true,
        "words or phrase in a creator's name"
    ),
    qf!(
        ["credit"],
        "credit",
        Text,
        false,
        false,
        "words in the credit line"
    ),
    qf!(
        ["copyright"],
        "copyright",
        Text,
        false,
        false,
        "words in the copyright notice"
    ),
    qf!(
        ["path", "file"],
        "path",
        Text,
        false,
        false,
        "words of a file path"
    ),
    qf!(
        ["make"],
        "make",
        Exact,
        true,
        true,
        "camera make, exact (`make:Canon`)"
    ),
    qf!(
        ["model", "camera"],
        "model",
        Exact,
        true,
        true,
        "camera model, exact"
    ),
    qf!(["lens"], "lens", Exact, true, true, "lens model, exact"),
    qf!(
        ["format"],
        "format",
        Exact,
        true,
        true,
        "format name (`jpeg`, `png`, `cr2`)"
    ),
    qf!(
        ["mime", "type"],
        "mime",
        Exact,
        true,
        true,
        "MIME media type (`image/jpeg`)"
    ),
    qf!(["label"], "label", Exact, true, true, "colour label"),
    qf!(["status"], "status", Exact, true, true, "lifecycle status"),
    qf!(
        ["collection"],
        "collection",
        Exact,
        true,
        true,
        "a collection the asset belongs to"
    ),
    qf!(
        ["channel"],
        "channel",
        Exact,
        true,
        true,
        "a permitted channel"
    ),
    qf!(
        ["territory"],
        "territory",
        Exact,
        true,
        true,
        "a permitted territory"
    ),
    qf!(
        ["hash"],
        "hash",
        Bytes,
        false,
        false,
        "content hash (`hash:ab12*` for a hex prefix)"
    ),
    qf!(
        ["group", "dupgroup"],
        "group",
        Exact,
        true,
        true,
        "near-duplicate group"
    ),
    qf!(
        ["language", "lang"],
        "language",
        Exact,
        true,
        true,
        "language of the text fields"
    ),
    qf!(
        ["year"],
        "year",
        Exact,
        true,
        true,
        "year the picture was taken"
    ),
    qf!(
        ["id"],
        "id",
        Bytes,
        false,
        false,
        "asset id (`id:0190f3a1*` for a prefix)"
    ),
    qf!(
        ["taken", "date"],
        "taken",
        Date,
        false,
        true,
        "capture date: `taken:2021`, `taken:[2020-01-01 TO 2021-01-01]`, `taken:>2020-06`"
    ),
    qf!(["created"], "created", Date, false, true, "creation date"),
    qf!(
        ["modified"],
        "modified",
        Date,
        false,
        true,
        "modification date"
    ),
    qf!(
        ["ingested", "added"],
        "ingested",
        Date,
        false,
        true,
        "ingest date"
    ),
    qf!(
        ["licence_start", "license_start"],
        "licence_start",
        Date,
        false,
        true,
        "licence start"
    ),
    qf!(
        ["licence_end", "license_end", "expires"],
        "licence_end",
        Date,
        false,
        true,
        "licence end"
    ),
    qf!(
        ["width", "w"],
        "width",
        U64,
        false,
        true,
        "width in pixels (`width:>2000`)"
    ),
    qf!(
        ["height", "h"],
        "height",
        U64,
        false,
        true,
        "height in pixels"
    ),
    qf!(
        ["pixels", "mp"],
        "pixels",
        U64,
        false,
        true,
        "pixel count (`pixels:>12M`)"
    ),
    qf!(
        ["orientation"],
        "orientation",
        U64,
        true,
        true,
        "EXIF orientation 1-8"
    ),
    qf!(
        ["size", "filesize"],
        "size",
        U64,
        false,
        true,
        "file size in bytes (`size:>5MB`)"
    ),
    qf!(
        ["rating", "stars"],
        "rating",
        I64,
        true,
        true,
        "star rating -1..5 (`rating:>=4`)"
    ),
    qf!(["lat", "latitude"], "lat", F64, false, true, "GPS latitude"),
    qf!(
        ["lon", "lng", "longitude"],
        "lon",
        F64,
        false,
        true,
        "GPS longitude"
    ),
    qf!(
        ["editorial"],
        "editorial",
        Bool,
        true,
        false,
        "editorial use only (`editorial:false`)"
    ),
    qf!(
        ["model_release", "released"],
        "model_release",
        Bool,
        true,
        false,
        "a model release is on file"
    ),
    qf!(
        ["property_release"],
        "property_release",
        Bool,
        true,
        false,
        "a property release is on file"
    ),
];

/// Finds a query field by any of its names (case-insensitive).
pub fn query_field(name: &str) -> Option<&'static QueryField> {
    QUERY_FIELDS
        .iter()
        .find(|f| f.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
}

/// The fast field that `--facet NAME` counts (text fields facet on their exact twin).
pub(crate) fn facet_fast_field(qf: &QueryField) -> &'static str {
    match qf.field {
        "keyword_text" => "keyword",
        "creator_text" => "creator",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_map_to_stemmers() {
        assert_eq!(
            language_slot(None).map(|i| STEMMED_LANGUAGES[i].0),
            Some("en")
        );
        assert_eq!(
            language_slot(Some("de-CH")).map(|i| STEMMED_LANGUAGES[i].0),
            Some("de")
        );
        assert_eq!(
            language_slot(Some("nb")).map(|i| STEMMED_LANGUAGES[i].0),
            Some("no")
        );
        assert_eq!(language_slot(Some("ja")), None);
    }

    #[test]
    fn every_query_field_exists_in_the_schema() {
        let (schema, _) = build_schema();
        for qf in QUERY_FIELDS {
            assert!(schema.get_field(qf.field).is_ok(), "{}", qf.field);
            assert!(
                schema.get_field(facet_fast_field(qf)).is_ok(),
                "{}",
                qf.field
            );
        }
        assert!(query_field("MAKE").is_some());
        assert!(query_field("nope").is_none());
    }
}
