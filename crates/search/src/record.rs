//! The asset record: what the index knows about one asset.

use damkit_core::AssetId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Everything the search index stores about one asset.
///
/// The facade fills it from metadata, rights and duplicate-detection results; tests and
/// benches build it by hand or with [`crate::synth`]. Every field but `id` is optional (empty
/// vectors and `None` are simply not indexed). The serde form is the JSON Lines format that
/// `damkit search index` reads, with RFC 3339 timestamps (`"2021-05-03T10:00:00Z"`).
///
/// Text fields (`title`, `description`, `keywords`) are analysed with the stemmer of
/// `language` (a BCP 47 tag such as `en`, `de-CH`, `pt-BR`; English when absent; no stemming
/// for languages without a stemmer), as well as with a language-neutral analyser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AssetRecord {
    /// The asset's stable id; upserts and deletes are keyed on it.
    pub id: AssetId,
    /// Where the asset's files are (library-relative or absolute paths).
    pub paths: Vec<String>,
    /// BCP 47 language of the text fields (`en`, `de`, `fr-CA`...).
    pub language: Option<String>,
    /// Title (IPTC Title / dc:title).
    pub title: Option<String>,
    /// Caption or description.
    pub description: Option<String>,
    /// Free keywords, as written.
    pub keywords: Vec<String>,
    /// Controlled keywords: concept ids of a vocabulary (e.g. SKOS concept URIs).
    pub concepts: Vec<String>,
    /// Hierarchical keyword paths from a taxonomy, `/`-separated: `/Animals/Mammals/Dogs`.
    pub taxonomy_paths: Vec<String>,
    /// Creators (photographers, illustrators).
    pub creators: Vec<String>,
    /// Credit line.
    pub credit: Option<String>,
    /// Copyright notice.
    pub copyright: Option<String>,
    /// When the picture was taken (EXIF DateTimeOriginal).
    pub taken: Option<Timestamp>,
    /// When the file or work was created.
    pub created: Option<Timestamp>,
    /// When the file was last modified.
    pub modified: Option<Timestamp>,
    /// When the asset entered the library.
    pub ingested: Option<Timestamp>,
    /// Width in pixels (after orientation).
    pub width: Option<u32>,
    /// Height in pixels (after orientation).
    pub height: Option<u32>,
    /// EXIF orientation, 1..=8.
    pub orientation: Option<u8>,
    /// Format name as damkit names it (`jpeg`, `png`, `tiff`, `cr2`...).
    pub format: Option<String>,
    /// MIME media type (`image/jpeg`).
    pub media_type: Option<String>,
    /// File size in bytes.
    pub file_size: Option<u64>,
    /// Camera make (`Canon`).
    pub make: Option<String>,
    /// Camera model (`Canon EOS 5D Mark IV`).
    pub model: Option<String>,
    /// Lens model.
    pub lens: Option<String>,
    /// Where the picture was taken.
    pub gps: Option<GeoPoint>,
    /// Star rating, -1 (rejected) to 5.
    pub rating: Option<i8>,
    /// Colour label (`Red`, `Approved`...).
    pub label: Option<String>,
    /// What the asset may be used for.
    pub rights: RightsSummary,
    /// Content hash of the current version (e.g. blake3 hex).
    pub content_hash: Option<String>,
    /// Near-duplicate group id: assets with the same value look alike.
    pub duplicate_group: Option<String>,
    /// Collections the asset belongs to.
    pub collections: Vec<String>,
    /// Lifecycle status (`draft`, `approved`, `archived`...).
    pub status: Option<String>,
}

impl Default for AssetRecord {
    fn default() -> Self {
        AssetRecord::new(AssetId::from_bytes([0; 16]))
    }
}

impl AssetRecord {
    /// An empty record for `id`.
    pub fn new(id: AssetId) -> Self {
        AssetRecord {
            id,
            paths: Vec::new(),
            language: None,
            title: None,
            description: None,
            keywords: Vec::new(),
            concepts: Vec::new(),
            taxonomy_paths: Vec::new(),
            creators: Vec::new(),
            credit: None,
            copyright: None,
            taken: None,
            created: None,
            modified: None,
            ingested: None,
            width: None,
            height: None,
            orientation: None,
            format: None,
            media_type: None,
            file_size: None,
            make: None,
            model: None,
            lens: None,
            gps: None,
            rating: None,
            label: None,
            rights: RightsSummary::default(),
            content_hash: None,
            duplicate_group: None,
            collections: Vec::new(),
            status: None,
        }
    }
}

/// A WGS 84 position in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    /// Latitude, -90..=90.
    pub lat: f64,
    /// Longitude, -180..=180.
    pub lon: f64,
}

/// What the rights evaluation says about an asset, flattened for filtering.
///
/// Channel and territory values are free strings that the facade and the query agree on
/// (`web`, `print`, `social`; ISO 3166 codes such as `FR`). Two wildcards are understood by
/// the usage filter: channel [`RightsSummary::ANY_CHANNEL`] and territory
/// [`RightsSummary::WORLDWIDE`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct RightsSummary {
    /// Channels the asset may be published on.
    pub channels: Vec<String>,
    /// Territories the asset may be published in.
    pub territories: Vec<String>,
    /// First instant of the licence (none: no start restriction).
    pub licence_start: Option<Timestamp>,
    /// Last instant of the licence (none: no end).
    pub licence_end: Option<Timestamp>,
    /// Editorial use only.
    pub editorial_only: bool,
    /// A model release is on file.
    pub model_release: bool,
    /// A property release is on file.
    pub property_release: bool,
}

impl RightsSummary {
    /// Channel value meaning "every channel".
    pub const ANY_CHANNEL: &'static str = "any";
    /// Territory value meaning "every territory".
    pub const WORLDWIDE: &'static str = "world";
}
