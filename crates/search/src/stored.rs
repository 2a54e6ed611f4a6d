//! The stored form of a record: what a hit returns, kept in tantivy's document store.
//!
//! Records are stored as one postcard value (varints, no field names) behind a format byte,
//! instead of JSON: ids and hex content hashes as raw bytes, timestamps as seconds and
//! nanoseconds, the three rights flags in one byte. Decoding trusts nothing: a truncated or
//! corrupted value is an error naming what failed, never a panic or an allocation larger
//! than the input.

use damkit_core::AssetId;
use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, SegmentReader};

use crate::record::{AssetRecord, GeoPoint, RightsSummary};

/// First byte of every stored record (bumped with an incompatible layout, together with
/// [`crate::SCHEMA_VERSION`]).
const FORMAT: u8 = 2;

type Ts = (i64, i32);

fn ts(t: Option<Timestamp>) -> Option<Ts> {
    t.map(|t| (t.as_second(), t.subsec_nanosecond()))
}

fn from_ts(t: Option<Ts>, what: &str) -> Result<Option<Timestamp>, String> {
    t.map(|(s, ns)| Timestamp::new(s, ns).map_err(|e| format!("{what}: {e}")))
        .transpose()
}

/// A content hash: raw bytes when it is lower-case hex of even length (the usual BLAKE3 /
/// SHA form), otherwise the text as written.
#[derive(Serialize)]
enum HashOut<'a> {
    Bytes(Vec<u8>),
    Text(&'a str),
}

#[derive(Deserialize)]
enum HashIn {
    Bytes(Vec<u8>),
    Text(String),
}

/// `s` as bytes when it is non-empty lower-case hex of even length.
pub(crate) fn lower_hex_bytes(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(2) {
        return None;
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    b.chunks_exact(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

/// Fields whose value the stored record leaves to a fast column of the same document
/// (one bit each in [`Out::in_columns`]). A value goes to its column only when the column
/// gives it back exactly; otherwise it is stored.
mod bit {
    pub const LANGUAGE: u32 = 1 << 0;
    pub const KEYWORDS: u32 = 1 << 1;
    pub const CONCEPTS: u32 = 1 << 2;
    pub const CREATORS: u32 = 1 << 3;
    pub const TAKEN: u32 = 1 << 4;
    pub const CREATED: u32 = 1 << 5;
    pub const MODIFIED: u32 = 1 << 6;
    pub const INGESTED: u32 = 1 << 7;
    pub const WIDTH: u32 = 1 << 8;
    pub const HEIGHT: u32 = 1 << 9;
    pub const ORIENTATION: u32 = 1 << 10;
    pub const FORMAT: u32 = 1 << 11;
    pub const MEDIA_TYPE: u32 = 1 << 12;
    pub const FILE_SIZE: u32 = 1 << 13;
    pub const MAKE: u32 = 1 << 14;
    pub const MODEL: u32 = 1 << 15;
    pub const LENS: u32 = 1 << 16;
    pub const GPS: u32 = 1 << 17;
    pub const RATING: u32 = 1 << 18;
    pub const LABEL: u32 = 1 << 19;
    pub const CHANNELS: u32 = 1 << 20;
    pub const TERRITORIES: u32 = 1 << 21;
    pub const LICENCE_START: u32 = 1 << 22;
    pub const LICENCE_END: u32 = 1 << 23;
    pub const HASH: u32 = 1 << 24;
    pub const GROUP: u32 = 1 << 25;
    pub const COLLECTIONS: u32 = 1 << 26;
    pub const STATUS: u32 = 1 << 27;
    pub const ALL: u32 = (1 << 28) - 1;
}

// The two structs below must list the same fields, in the same order, with compatible types
// (a round-trip test over generated records checks it).

#[derive(Serialize)]
struct Out<'a> {
    in_columns: u32,
    paths: &'a [String],
    language: Option<&'a str>,
    title: Option<&'a str>,
    description: Option<&'a str>,
    keywords: &'a [String],
    concepts: &'a [String],
    taxonomy_paths: &'a [String],
    creators: &'a [String],
    credit: Option<&'a str>,
    copyright: Option<&'a str>,
    taken: Option<Ts>,
    created: Option<Ts>,
    modified: Option<Ts>,
    ingested: Option<Ts>,
    width: Option<u32>,
    height: Option<u32>,
    orientation: Option<u8>,
    format: Option<&'a str>,
    media_type: Option<&'a str>,
    file_size: Option<u64>,
    make: Option<&'a str>,
    model: Option<&'a str>,
    lens: Option<&'a str>,
    gps: Option<(f64, f64)>,
    rating: Option<i8>,
    label: Option<&'a str>,
    channels: &'a [String],
    territories: &'a [String],
    licence_start: Option<Ts>,
    licence_end: Option<Ts>,
    flags: u8,
    content_hash: Option<HashOut<'a>>,
    duplicate_group: Option<&'a str>,
    collections: &'a [String],
    status: Option<&'a str>,
}

#[derive(Deserialize)]
struct In {
    in_columns: u32,
    paths: Vec<String>,
    language: Option<String>,
    title: Option<String>,
    description: Option<String>,
    keywords: Vec<String>,
    concepts: Vec<String>,
    taxonomy_paths: Vec<String>,
    creators: Vec<String>,
    credit: Option<String>,
    copyright: Option<String>,
    taken: Option<Ts>,
    created: Option<Ts>,
    modified: Option<Ts>,
    ingested: Option<Ts>,
    width: Option<u32>,
    height: Option<u32>,
    orientation: Option<u8>,
    format: Option<String>,
    media_type: Option<String>,
    file_size: Option<u64>,
    make: Option<String>,
    model: Option<String>,
    lens: Option<String>,
    gps: Option<(f64, f64)>,
    rating: Option<i8>,
    label: Option<String>,
    channels: Vec<String>,
    territories: Vec<String>,
    licence_start: Option<Ts>,
    licence_end: Option<Ts>,
    flags: u8,
    content_hash: Option<HashIn>,
    duplicate_group: Option<String>,
    collections: Vec<String>,
    status: Option<String>,
}

const EDITORIAL: u8 = 1;
const MODEL_RELEASE: u8 = 2;
const PROPERTY_RELEASE: u8 = 4;

/// The four big-endian u64 words of a 64-digit lower-case hex hash, as indexed in the
/// `hash0..3` columns (after trimming and lower-casing).
pub(crate) fn hash_words(hash: &str) -> Option<[u64; 4]> {
    let bytes = lower_hex_bytes(&hash.trim().to_lowercase())?;
    let bytes: [u8; 32] = bytes.try_into().ok()?;
    let w = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
        u64::from_be_bytes(b)
    };
    Some([w(0), w(1), w(2), w(3)])
}

/// Whether the index puts `t` in its date column exactly (whole seconds, inside the
/// clamp range, not a sentinel of a missing licence bound).
fn date_in_column(t: Option<Timestamp>) -> bool {
    use crate::index::{OPEN_END_MICROS, OPEN_START_MICROS};
    t.is_none_or(|t| {
        t.subsec_nanosecond() == 0
            && t.as_microsecond() > OPEN_START_MICROS
            && t.as_microsecond() < OPEN_END_MICROS
    })
}

fn str_in_column(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(|s| !s.is_empty())
}

fn strs_in_column(v: &[String]) -> bool {
    v.iter().all(|s| !s.is_empty())
}

/// Which fields of `r` its fast columns give back exactly.
fn column_mask(r: &AssetRecord) -> u32 {
    let rights = &r.rights;
    let mut m = bit::WIDTH | bit::HEIGHT | bit::ORIENTATION | bit::FILE_SIZE | bit::RATING;
    for (ok, b) in [
        (str_in_column(&r.language), bit::LANGUAGE),
        (strs_in_column(&r.keywords), bit::KEYWORDS),
        (strs_in_column(&r.concepts), bit::CONCEPTS),
        (strs_in_column(&r.creators), bit::CREATORS),
        (date_in_column(r.taken), bit::TAKEN),
        (date_in_column(r.created), bit::CREATED),
        (date_in_column(r.modified), bit::MODIFIED),
        (date_in_column(r.ingested), bit::INGESTED),
        (str_in_column(&r.format), bit::FORMAT),
        (str_in_column(&r.media_type), bit::MEDIA_TYPE),
        (str_in_column(&r.make), bit::MAKE),
        (str_in_column(&r.model), bit::MODEL),
        (str_in_column(&r.lens), bit::LENS),
        (
            r.gps.is_none_or(|g| g.lat.is_finite() && g.lon.is_finite()),
            bit::GPS,
        ),
        (str_in_column(&r.label), bit::LABEL),
        (strs_in_column(&rights.channels), bit::CHANNELS),
        (strs_in_column(&rights.territories), bit::TERRITORIES),
        (date_in_column(rights.licence_start), bit::LICENCE_START),
        (date_in_column(rights.licence_end), bit::LICENCE_END),
        (
            // Only the canonical form: the column gives back lower-case hex.
            r.content_hash
                .as_deref()
                .is_none_or(|h| h.len() == 64 && lower_hex_bytes(h).is_some()),
            bit::HASH,
        ),
        (str_in_column(&r.duplicate_group), bit::GROUP),
        (strs_in_column(&r.collections), bit::COLLECTIONS),
        (str_in_column(&r.status), bit::STATUS),
    ] {
        if ok {
            m |= b;
        }
    }
    m
}

/// Encodes `r` into `buf` (cleared first), leaving out what its fast columns hold.
pub(crate) fn encode(r: &AssetRecord, buf: &mut Vec<u8>) {
    let rights = &r.rights;
    let m = column_mask(r);
    let keep = |b: u32| m & b == 0;
    fn st(m: u32, b: u32, v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|_| m & b == 0)
    }
    let list = |b: u32, v: &[String]| if keep(b) { v.len() } else { 0 };
    let out = Out {
        in_columns: m,
        paths: &r.paths,
        language: st(m, bit::LANGUAGE, &r.language),
        title: r.title.as_deref(),
        description: r.description.as_deref(),
        keywords: &r.keywords[..list(bit::KEYWORDS, &r.keywords)],
        concepts: &r.concepts[..list(bit::CONCEPTS, &r.concepts)],
        taxonomy_paths: &r.taxonomy_paths,
        creators: &r.creators[..list(bit::CREATORS, &r.creators)],
        credit: r.credit.as_deref(),
        copyright: r.copyright.as_deref(),
        taken: ts(r.taken.filter(|_| keep(bit::TAKEN))),
        created: ts(r.created.filter(|_| keep(bit::CREATED))),
        modified: ts(r.modified.filter(|_| keep(bit::MODIFIED))),
        ingested: ts(r.ingested.filter(|_| keep(bit::INGESTED))),
        width: r.width.filter(|_| keep(bit::WIDTH)),
        height: r.height.filter(|_| keep(bit::HEIGHT)),
        orientation: r.orientation.filter(|_| keep(bit::ORIENTATION)),
        format: st(m, bit::FORMAT, &r.format),
        media_type: st(m, bit::MEDIA_TYPE, &r.media_type),
        file_size: r.file_size.filter(|_| keep(bit::FILE_SIZE)),
        make: st(m, bit::MAKE, &r.make),
        model: st(m, bit::MODEL, &r.model),
        lens: st(m, bit::LENS, &r.lens),
        gps: r.gps.filter(|_| keep(bit::GPS)).map(|g| (g.lat, g.lon)),
        rating: r.rating.filter(|_| keep(bit::RATING)),
        label: st(m, bit::LABEL, &r.label),
        channels: &rights.channels[..list(bit::CHANNELS, &rights.channels)],
        territories: &rights.territories[..list(bit::TERRITORIES, &rights.territories)],
        licence_start: ts(rights.licence_start.filter(|_| keep(bit::LICENCE_START))),
        licence_end: ts(rights.licence_end.filter(|_| keep(bit::LICENCE_END))),
        flags: (u8::from(rights.editorial_only) * EDITORIAL)
            | (u8::from(rights.model_release) * MODEL_RELEASE)
            | (u8::from(rights.property_release) * PROPERTY_RELEASE),
        content_hash: r
            .content_hash
            .as_deref()
            .filter(|_| keep(bit::HASH))
            .map(|h| lower_hex_bytes(h).map_or(HashOut::Text(h), HashOut::Bytes)),
        duplicate_group: st(m, bit::GROUP, &r.duplicate_group),
        collections: &r.collections[..list(bit::COLLECTIONS, &r.collections)],
        status: st(m, bit::STATUS, &r.status),
    };
    buf.clear();
    buf.push(FORMAT);
    // Serialising into a Vec cannot fail: every type above is supported by postcard.
    let mut body = postcard::to_allocvec(&out).unwrap_or_default();
    buf.append(&mut body);
}

/// A stored record still missing the fields its columns hold ([`Partial::in_columns`]).
pub(crate) struct Partial {
    pub record: AssetRecord,
    pub in_columns: u32,
}

/// Decodes a stored record; the error says what is wrong. The fields flagged in
/// [`Partial::in_columns`] are then read with [`SegmentColumns::fill_all`].
pub(crate) fn decode(bytes: &[u8]) -> Result<Partial, String> {
    let (&format, body) = bytes.split_first().ok_or("empty stored record")?;
    if format != FORMAT {
        return Err(format!(
            "stored record format {format}, expected {FORMAT} (rebuild the index)"
        ));
    }
    let (i, rest): (In, &[u8]) =
        postcard::take_from_bytes(body).map_err(|e| format!("stored record: {e}"))?;
    if !rest.is_empty() {
        return Err(format!(
            "{} trailing bytes after the stored record",
            rest.len()
        ));
    }
    if i.in_columns & !bit::ALL != 0 {
        return Err(format!("unknown column flags {:#x}", i.in_columns));
    }
    // The id comes from the `id_key` and `id_hi` columns (`SegmentColumns::fill_one`).
    let mut r = AssetRecord::new(AssetId::from_bytes([0; 16]));
    r.paths = i.paths;
    r.language = i.language;
    r.title = i.title;
    r.description = i.description;
    r.keywords = i.keywords;
    r.concepts = i.concepts;
    r.taxonomy_paths = i.taxonomy_paths;
    r.creators = i.creators;
    r.credit = i.credit;
    r.copyright = i.copyright;
    r.taken = from_ts(i.taken, "taken")?;
    r.created = from_ts(i.created, "created")?;
    r.modified = from_ts(i.modified, "modified")?;
    r.ingested = from_ts(i.ingested, "ingested")?;
    r.width = i.width;
    r.height = i.height;
    r.orientation = i.orientation;
    r.format = i.format;
    r.media_type = i.media_type;
    r.file_size = i.file_size;
    r.make = i.make;
    r.model = i.model;
    r.lens = i.lens;
    r.gps = i.gps.map(|(lat, lon)| GeoPoint { lat, lon });
    r.rating = i.rating;
    r.label = i.label;
    if i.flags & !(EDITORIAL | MODEL_RELEASE | PROPERTY_RELEASE) != 0 {
        return Err(format!("unknown rights flags {:#04x}", i.flags));
    }
    r.rights = RightsSummary {
        channels: i.channels,
        territories: i.territories,
        licence_start: from_ts(i.licence_start, "licence_start")?,
        licence_end: from_ts(i.licence_end, "licence_end")?,
        editorial_only: i.flags & EDITORIAL != 0,
        model_release: i.flags & MODEL_RELEASE != 0,
        property_release: i.flags & PROPERTY_RELEASE != 0,
    };
    r.content_hash = i.content_hash.map(|h| match h {
        HashIn::Bytes(b) => to_hex(&b),
        HashIn::Text(t) => t,
    });
    r.duplicate_group = i.duplicate_group;
    r.collections = i.collections;
    r.status = i.status;
    Ok(Partial {
        record: r,
        in_columns: i.in_columns,
    })
}

/// The fast columns of one segment that complete stored records.
pub(crate) struct SegmentColumns {
    strs: Vec<(u32, Option<StrColumn>)>,
    /// The whole dictionary of each string column of at most [`SMALL_DICTIONARY`] values
    /// (format, make, language...), read once per segment: a hit's value is then an index,
    /// not a dictionary block decoded per query.
    small: Vec<Option<Vec<String>>>,
    /// Values of the bigger string columns already looked up for earlier hits, by (column,
    /// ordinal); cleared when it reaches [`LOOKUP_CACHE`] entries. Keywords and creators
    /// repeat across hits, and each miss decodes a dictionary block.
    looked_up: std::sync::Mutex<HashMap<(usize, u64), String>>,
    dates: Vec<(u32, Option<Column<tantivy::DateTime>>)>,
    width: Option<Column<u64>>,
    height: Option<Column<u64>>,
    orientation: Option<Column<u64>>,
    size: Option<Column<u64>>,
    rating: Option<Column<i64>>,
    lat: Option<Column<f64>>,
    lon: Option<Column<f64>>,
    hash: [Option<Column<u64>>; 4],
    id_lo: Option<Column<u64>>,
    id_hi: Option<Column<u64>>,
}

/// Most entries of a segment's cache of looked-up string values.
const LOOKUP_CACHE: usize = 65_536;

/// Most values of a string column whose dictionary is kept in memory per segment.
const SMALL_DICTIONARY: usize = 16_384;

/// Every value of `col` in ordinal order, when it has at most [`SMALL_DICTIONARY`].
fn small_dictionary(col: &StrColumn) -> Option<Vec<String>> {
    let n = col.num_terms();
    if n > SMALL_DICTIONARY {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    let mut stream = col.dictionary().stream().ok()?;
    while stream.advance() {
        out.push(String::from_utf8_lossy(stream.key()).into_owned());
    }
    (out.len() == n).then_some(out)
}

const STR_COLUMNS: &[(u32, &str)] = &[
    (bit::LANGUAGE, "language"),
    (bit::KEYWORDS, "keyword"),
    (bit::CONCEPTS, "concept"),
    (bit::CREATORS, "creator"),
    (bit::FORMAT, "format"),
    (bit::MEDIA_TYPE, "mime"),
    (bit::MAKE, "make"),
    (bit::MODEL, "model"),
    (bit::LENS, "lens"),
    (bit::LABEL, "label"),
    (bit::CHANNELS, "channel"),
    (bit::TERRITORIES, "territory"),
    (bit::GROUP, "group"),
    (bit::COLLECTIONS, "collection"),
    (bit::STATUS, "status"),
];

const DATE_COLUMNS: &[(u32, &str)] = &[
    (bit::TAKEN, "taken"),
    (bit::CREATED, "created"),
    (bit::MODIFIED, "modified"),
    (bit::INGESTED, "ingested"),
    (bit::LICENCE_START, "licence_start"),
    (bit::LICENCE_END, "licence_end"),
];

impl SegmentColumns {
    /// Opens the columns of `seg` (a missing column means no document has a value).
    pub(crate) fn open(seg: &SegmentReader) -> tantivy::Result<SegmentColumns> {
        let ff = seg.fast_fields();
        let mut strs = Vec::with_capacity(STR_COLUMNS.len());
        for (b, name) in STR_COLUMNS {
            strs.push((*b, ff.str(name)?));
        }
        let mut dates = Vec::with_capacity(DATE_COLUMNS.len());
        for (b, name) in DATE_COLUMNS {
            dates.push((*b, ff.column_opt::<tantivy::DateTime>(name)?));
        }
        let small = strs
            .iter()
            .map(|(_, c)| c.as_ref().and_then(small_dictionary))
            .collect();
        Ok(SegmentColumns {
            strs,
            small,
            looked_up: std::sync::Mutex::default(),
            dates,
            width: ff.column_opt("width")?,
            height: ff.column_opt("height")?,
            orientation: ff.column_opt("orientation")?,
            size: ff.column_opt("size")?,
            rating: ff.column_opt("rating")?,
            lat: ff.column_opt("lat")?,
            lon: ff.column_opt("lon")?,
            hash: [
                ff.column_opt("hash0")?,
                ff.column_opt("hash1")?,
                ff.column_opt("hash2")?,
                ff.column_opt("hash3")?,
            ],
            id_lo: ff.column_opt("id_key")?,
            id_hi: ff.column_opt("id_hi")?,
        })
    }

    /// Completes each partial record with the values of its document in this segment.
    /// String values are looked up once per column, in one sorted pass over its dictionary.
    pub(crate) fn fill_all(
        &self,
        items: Vec<(Partial, DocId)>,
    ) -> Result<Vec<AssetRecord>, String> {
        let mut resolved: Vec<HashMap<u64, String>> = Vec::with_capacity(self.strs.len());
        for (ci, (((b, col), (_, name)), small)) in self
            .strs
            .iter()
            .zip(STR_COLUMNS)
            .zip(&self.small)
            .enumerate()
        {
            let Some(col) = col else {
                resolved.push(HashMap::new());
                continue;
            };
            if small.is_some() {
                // Looked up in `fill_one`.
                resolved.push(HashMap::new());
                continue;
            }
            let mut ords: Vec<u64> = items
                .iter()
                .filter(|(p, _)| p.in_columns & b != 0)
                .flat_map(|(_, doc)| col.term_ords(*doc))
                .collect();
            ords.sort_unstable();
            ords.dedup();
            let mut found: HashMap<u64, String> = HashMap::with_capacity(ords.len());
            {
                let cache = self
                    .looked_up
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                ords.retain(|o| match cache.get(&(ci, *o)) {
                    Some(v) => {
                        found.insert(*o, v.clone());
                        false
                    }
                    None => true,
                });
            }
            if !ords.is_empty() {
                let mut values = Vec::with_capacity(ords.len());
                let complete = col
                    .dictionary()
                    .sorted_ords_to_term_cb(&ords, |bytes| {
                        values.push(String::from_utf8_lossy(bytes).into_owned());
                    })
                    .map_err(|e| format!("reading the {name} column dictionary: {e}"))?;
                if !complete || values.len() != ords.len() {
                    return Err(format!("the {name} column dictionary misses values"));
                }
                let mut cache = self
                    .looked_up
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if cache.len() + ords.len() > LOOKUP_CACHE {
                    cache.clear();
                }
                for (o, v) in ords.into_iter().zip(values) {
                    cache.insert((ci, o), v.clone());
                    found.insert(o, v);
                }
            }
            resolved.push(found);
        }
        items
            .into_iter()
            .map(|(p, doc)| self.fill_one(p, doc, &resolved))
            .collect()
    }

    fn fill_one(
        &self,
        p: Partial,
        doc: DocId,
        resolved: &[HashMap<u64, String>],
    ) -> Result<AssetRecord, String> {
        use crate::index::{OPEN_END_MICROS, OPEN_START_MICROS};
        let m = p.in_columns;
        let mut r = p.record;
        let lo = self.id_lo.as_ref().and_then(|c| c.first(doc));
        let hi = self.id_hi.as_ref().and_then(|c| c.first(doc));
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return Err(format!("the id columns have no value for doc {doc}"));
        };
        r.id = AssetId::from_bytes(((u128::from(hi) << 64) | u128::from(lo)).to_be_bytes());
        for (((b, col), names), small) in self.strs.iter().zip(resolved).zip(&self.small) {
            if m & b == 0 {
                continue;
            }
            let mut values = Vec::new();
            if let Some(col) = col {
                for ord in col.term_ords(doc) {
                    let v = match small {
                        Some(all) => usize::try_from(ord).ok().and_then(|i| all.get(i)),
                        None => names.get(&ord),
                    };
                    match v {
                        Some(v) => values.push(v.clone()),
                        None => return Err(format!("column value {ord} of doc {doc} is missing")),
                    }
                }
            }
            let first = || values.first().cloned();
            match *b {
                bit::LANGUAGE => r.language = first(),
                bit::FORMAT => r.format = first(),
                bit::MEDIA_TYPE => r.media_type = first(),
                bit::MAKE => r.make = first(),
                bit::MODEL => r.model = first(),
                bit::LENS => r.lens = first(),
                bit::LABEL => r.label = first(),
                bit::GROUP => r.duplicate_group = first(),
                bit::STATUS => r.status = first(),
                bit::KEYWORDS => r.keywords = values,
                bit::CONCEPTS => r.concepts = values,
                bit::CREATORS => r.creators = values,
                bit::CHANNELS => r.rights.channels = values,
                bit::TERRITORIES => r.rights.territories = values,
                bit::COLLECTIONS => r.collections = values,
                _ => {}
            }
        }
        for (b, col) in &self.dates {
            if m & b == 0 {
                continue;
            }
            let t = match col.as_ref().and_then(|c| c.first(doc)) {
                None => None,
                Some(d) => {
                    let us = d.into_timestamp_micros();
                    if us <= OPEN_START_MICROS || us >= OPEN_END_MICROS {
                        None
                    } else {
                        Some(
                            Timestamp::from_microsecond(us)
                                .map_err(|e| format!("date column of doc {doc}: {e}"))?,
                        )
                    }
                }
            };
            match *b {
                bit::TAKEN => r.taken = t,
                bit::CREATED => r.created = t,
                bit::MODIFIED => r.modified = t,
                bit::INGESTED => r.ingested = t,
                bit::LICENCE_START => r.rights.licence_start = t,
                bit::LICENCE_END => r.rights.licence_end = t,
                _ => {}
            }
        }
        let u = |c: &Option<Column<u64>>| c.as_ref().and_then(|c| c.first(doc));
        let narrow = |what: &str, v: Option<u64>| -> Result<Option<u32>, String> {
            v.map(|v| u32::try_from(v).map_err(|_| format!("{what} {v} of doc {doc} is too large")))
                .transpose()
        };
        if m & bit::WIDTH != 0 {
            r.width = narrow("width", u(&self.width))?;
        }
        if m & bit::HEIGHT != 0 {
            r.height = narrow("height", u(&self.height))?;
        }
        if m & bit::ORIENTATION != 0 {
            r.orientation = u(&self.orientation)
                .map(|v| u8::try_from(v).map_err(|_| format!("orientation {v} of doc {doc}")))
                .transpose()?;
        }
        if m & bit::FILE_SIZE != 0 {
            r.file_size = u(&self.size);
        }
        if m & bit::RATING != 0 {
            r.rating = self
                .rating
                .as_ref()
                .and_then(|c| c.first(doc))
                .map(|v| i8::try_from(v).map_err(|_| format!("rating {v} of doc {doc}")))
                .transpose()?;
        }
        if m & bit::GPS != 0 {
            let lat = self.lat.as_ref().and_then(|c| c.first(doc));
            let lon = self.lon.as_ref().and_then(|c| c.first(doc));
            r.gps = lat.zip(lon).map(|(lat, lon)| GeoPoint { lat, lon });
        }
        if m & bit::HASH != 0 {
            let words: Option<Vec<u64>> = self.hash.iter().map(u).collect();
            r.content_hash = words.map(|w| {
                let bytes: Vec<u8> = w.iter().flat_map(|x| x.to_be_bytes()).collect();
                to_hex(&bytes)
            });
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::Generator;

    /// What the stored bytes alone give back: `r` without the fields left to columns.
    fn without_columns(r: &AssetRecord) -> AssetRecord {
        let m = column_mask(r);
        let mut e = r.clone();
        e.id = AssetId::from_bytes([0; 16]);
        let clear = |b: u32| m & b != 0;
        if clear(bit::LANGUAGE) {
            e.language = None;
        }
        if clear(bit::KEYWORDS) {
            e.keywords.clear();
        }
        if clear(bit::CONCEPTS) {
            e.concepts.clear();
        }
        if clear(bit::CREATORS) {
            e.creators.clear();
        }
        if clear(bit::TAKEN) {
            e.taken = None;
        }
        if clear(bit::CREATED) {
            e.created = None;
        }
        if clear(bit::MODIFIED) {
            e.modified = None;
        }
        if clear(bit::INGESTED) {
            e.ingested = None;
        }
        if clear(bit::WIDTH) {
            e.width = None;
        }
        if clear(bit::HEIGHT) {
            e.height = None;
        }
        if clear(bit::ORIENTATION) {
            e.orientation = None;
        }
        if clear(bit::FORMAT) {
            e.format = None;
        }
        if clear(bit::MEDIA_TYPE) {
            e.media_type = None;
        }
        if clear(bit::FILE_SIZE) {
            e.file_size = None;
        }
        if clear(bit::MAKE) {
            e.make = None;
        }
        if clear(bit::MODEL) {
            e.model = None;
        }
        if clear(bit::LENS) {
            e.lens = None;
        }
        if clear(bit::GPS) {
            e.gps = None;
        }
        if clear(bit::RATING) {
            e.rating = None;
        }
        if clear(bit::LABEL) {
            e.label = None;
        }
        if clear(bit::CHANNELS) {
            e.rights.channels.clear();
        }
        if clear(bit::TERRITORIES) {
            e.rights.territories.clear();
        }
        if clear(bit::LICENCE_START) {
            e.rights.licence_start = None;
        }
        if clear(bit::LICENCE_END) {
            e.rights.licence_end = None;
        }
        if clear(bit::HASH) {
            e.content_hash = None;
        }
        if clear(bit::GROUP) {
            e.duplicate_group = None;
        }
        if clear(bit::COLLECTIONS) {
            e.collections.clear();
        }
        if clear(bit::STATUS) {
            e.status = None;
        }
        e
    }

    #[test]
    fn stored_part_round_trips() {
        let g = Generator::new(3);
        let mut buf = Vec::new();
        for n in 0..500 {
            let r = g.record(n);
            encode(&r, &mut buf);
            let p = decode(&buf).unwrap();
            assert_eq!(p.in_columns, column_mask(&r));
            assert_eq!(p.record, without_columns(&r), "record {n}");
        }
        // Values the columns cannot give back are stored.
        let mut r = AssetRecord::default();
        encode(&r, &mut buf);
        assert_eq!(decode(&buf).unwrap().record, r);
        r.make = Some(String::new());
        r.keywords = vec!["a".into(), String::new()];
        r.taken = Some(Timestamp::MIN);
        r.created = Some(Timestamp::MAX);
        r.modified = Some(Timestamp::new(-5, -123_456_789).unwrap());
        r.rights.licence_end =
            Some(Timestamp::from_microsecond(crate::index::OPEN_END_MICROS).unwrap());
        r.gps = Some(GeoPoint {
            lat: f64::NAN,
            lon: 1.0,
        });
        for hash in ["ABCDEF", "abc", "", "sha256:00ff", "00ff", &"A".repeat(64)] {
            r.content_hash = Some(hash.into());
            encode(&r, &mut buf);
            let p = decode(&buf).unwrap();
            let back = p.record;
            assert_eq!(back.content_hash, r.content_hash, "hash {hash:?}");
            assert_eq!(back.make, r.make);
            assert_eq!(back.keywords, r.keywords);
            assert_eq!(back.taken, r.taken);
            assert_eq!(back.created, r.created);
            assert_eq!(back.modified, r.modified);
            assert_eq!(back.rights.licence_end, r.rights.licence_end);
            assert!(back.gps.unwrap().lat.is_nan());
        }
        assert_eq!(
            hash_words(&"0f".repeat(32)),
            Some([0x0f0f_0f0f_0f0f_0f0f; 4])
        );
        assert_eq!(
            hash_words(&"0F".repeat(32)),
            Some([0x0f0f_0f0f_0f0f_0f0f; 4])
        );
        assert_eq!(hash_words("0f0f"), None);
    }

    #[test]
    fn broken_bytes_are_errors_not_panics() {
        let g = Generator::new(5);
        let mut buf = Vec::new();
        encode(&g.record(9), &mut buf);
        for cut in 0..buf.len() {
            assert!(decode(&buf[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = buf.clone();
        bad[0] = 9;
        assert!(decode(&bad).err().unwrap().contains("format 9"));
        let mut long = buf.clone();
        long.push(0);
        assert!(decode(&long).err().unwrap().contains("trailing"));
        // A huge length prefix fails without allocating it.
        let mut huge = vec![FORMAT];
        huge.extend_from_slice(&[0, 0xff, 0xff, 0xff, 0x0f]);
        assert!(decode(&huge).is_err());
        // Flipped bytes never panic.
        for i in 1..buf.len() {
            let mut b = buf.clone();
            b[i] ^= 0xa5;
            let _ = decode(&b);
        }
    }
}
