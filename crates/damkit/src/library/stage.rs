//! Pipeline stages: what ingest does to each new file or new version, and which capability
//! stages are wired.
//!
//! The built-in stages (walk, detect, exact hash, store, duplicates, catalog) always run. The
//! capability stages (metadata, metadata-blind content hash, perceptual hashes, keywords,
//! rights, renditions, search index) come from the other damkit crates; each plugs in as an
//! [`AssetStage`] whose [`StageOutput`] the catalog stores. Until a crate is wired, its stage
//! records nothing and the ingest report lists it as not wired ([`NOT_WIRED`]).
//!
//! Applications may add their own stages through
//! [`IngestOptions::stages`](super::IngestOptions::stages) (an AI tagger, a virus scan...).

use std::path::Path;

use damkit_core::{AssetId, MediaType};
use serde::Serialize;

use super::config::LibraryConfig;

/// A stage of the capability pipeline, run (in parallel, on rayon threads) on every file that
/// becomes a new asset or a new version.
pub trait AssetStage: Send + Sync {
    /// The stage's name in reports (`metadata`, `renditions`, ...).
    fn name(&self) -> &str;

    /// Processes one file and adds what it found to `output`. An error is reported for this
    /// file and stage; the asset is still ingested with what the other stages produced.
    fn process(
        &self,
        input: &StageInput<'_>,
        output: &mut StageOutput,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

/// What a stage knows about the file it processes.
#[derive(Debug)]
#[non_exhaustive]
pub struct StageInput<'a> {
    /// The path the file was found at.
    pub path: &'a Path,
    /// Where to read the bytes: the object in copy mode (immutable), else `path`.
    pub content: &'a Path,
    /// The detected media type.
    pub media_type: Option<MediaType>,
    /// The BLAKE3 hash of the bytes, lower-case hex.
    pub blake3: &'a str,
    /// Size in bytes.
    pub size: u64,
    /// The library folder (renditions go under `renditions/`).
    pub library: &'a Path,
    /// The library configuration (vocabularies, presets, rights defaults).
    pub config: &'a LibraryConfig,
    /// The asset the file becomes (a new asset) or belongs to (a new version).
    pub asset: Option<AssetId>,
    /// True when only the file's XMP sidecar changed (the bytes are those of the current
    /// version): stages that depend only on the bytes (renditions, hashes) skip the file;
    /// metadata, keywords and rights run again.
    pub metadata_only: bool,
    /// The bytes of `content`, read on the first [`StageInput::bytes`] call and shared by
    /// the stages that need them all (renditions, content hash): the file is read once.
    pub(crate) bytes: std::sync::OnceLock<Result<Vec<u8>, String>>,
}

impl StageInput<'_> {
    /// The bytes of [`content`](Self::content), read on first use and kept until every stage
    /// has run on this file, so the stages that need the whole file (renditions, the content
    /// hash) read it once. Files larger than `limits`' input size are refused before they are
    /// read (the error names the file); a read error is returned to every caller.
    pub fn bytes(&self, limits: &damkit_core::Limits) -> Result<&[u8], String> {
        limits
            .check_input_size(self.size)
            .map_err(|e| format!("{}: {e}", self.content.display()))?;
        self.bytes
            .get_or_init(|| {
                std::fs::read(self.content)
                    .map_err(|e| format!("reading {}: {e}", self.content.display()))
            })
            .as_deref()
            .map_err(Clone::clone)
    }
}

/// What stages found about a file; stored in the catalog in the same transaction as the
/// version.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StageOutput {
    /// Metadata to store (JSON), with the name of the stage that read it.
    pub metadata: Option<(String, serde_json::Value)>,
    /// A title for a new asset (e.g. from the metadata); catalog edits win over it.
    pub title: Option<String>,
    /// A description for a new asset.
    pub description: Option<String>,
    /// More hashes of the version: (`content`, hex), (`phash`, hex), ...
    pub hashes: Vec<(String, String)>,
    /// Keywords for the asset.
    pub keywords: Vec<KeywordRecord>,
    /// A rights policy for the asset.
    pub rights: Option<RightsRecord>,
    /// Renditions made for the version.
    pub renditions: Vec<RenditionRecord>,
    /// Things worth knowing that did not stop the stage (a lenient metadata read that
    /// repaired something, a rendition warning); each becomes an ingest warning for the file.
    pub warnings: Vec<String>,
}

/// A keyword, controlled (with a concept from a vocabulary) or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct KeywordRecord {
    /// The keyword as written.
    pub keyword: String,
    /// The concept URI when a vocabulary knows it.
    pub concept: Option<String>,
    /// The vocabulary's name.
    pub vocabulary: Option<String>,
}

/// The rights of an asset: a licence layer (from the metadata or the library default) and
/// the library rules layer, in force together (a use must be permitted by both; see
/// [`RightsRules`](super::RightsRules) for the precedence).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RightsRecord {
    /// Where the licence layer came from (`metadata: Creative Commons licence`,
    /// `metadata: licence terms (PLUS)`, `library default`, or `library rules` when the rules
    /// are the only layer).
    pub source: String,
    /// The licence layer (ODRL JSON-LD).
    pub policy: serde_json::Value,
    /// When the rights run out (RFC 3339), if they do.
    pub expires_at: Option<String>,
    /// The library rules layer (ODRL JSON-LD), in force on top of `policy`; `None` when the
    /// library has no rules or they are the only layer (then they are `policy`).
    #[serde(default)]
    pub rules: Option<serde_json::Value>,
    /// Where each layer came from, for the record: one entry per layer.
    #[serde(default)]
    pub provenance: Vec<RightsProvenance>,
}

/// Where one layer of an asset's rights came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RightsProvenance {
    /// `licence` or `rules`.
    pub layer: String,
    /// `metadata: Creative Commons licence`, `library default`, `library rules` ...
    pub source: String,
    /// What exactly: the licence URI and the metadata field it was read from, the policy
    /// file, or the rules that apply.
    pub detail: String,
}

/// A rendition file made for a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RenditionRecord {
    /// The preset's name.
    pub preset: String,
    /// The file, relative to the library folder.
    pub path: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// MIME type.
    pub mime: String,
    /// Size in bytes.
    pub size: u64,
}

/// A capability stage that is not part of the pipeline yet, and what it will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PendingStage {
    /// The stage name.
    pub name: &'static str,
    /// The crate that will provide it.
    pub provided_by: &'static str,
    /// What it will record.
    pub will_record: &'static str,
}

/// The capability stages not wired into ingest in this build. A stage is wired when its
/// facade feature is on (`metadata`, `dedup`, `taxonomy`, `rights`, `rendition`); the search
/// index is wired by the `search` feature. Each stage listed here records nothing; the ingest
/// report says "NAME: not wired yet".
pub const NOT_WIRED: &[PendingStage] = &[
    #[cfg(not(feature = "metadata"))]
    PendingStage {
        name: "metadata",
        provided_by: "damkit-metadata",
        will_record: "EXIF/IPTC/XMP and sidecars, title and description",
    },
    #[cfg(not(feature = "dedup"))]
    PendingStage {
        name: "content_hash",
        provided_by: "damkit-dedup",
        will_record: "metadata-blind content hash (hashes.kind = content)",
    },
    #[cfg(not(feature = "dedup"))]
    PendingStage {
        name: "perceptual_hash",
        provided_by: "damkit-dedup",
        will_record: "perceptual hashes and near-duplicate groups",
    },
    #[cfg(not(feature = "taxonomy"))]
    PendingStage {
        name: "keywords",
        provided_by: "damkit-taxonomy",
        will_record: "keywords normalised against the configured vocabularies",
    },
    #[cfg(not(feature = "rights"))]
    PendingStage {
        name: "rights",
        provided_by: "damkit-rights",
        will_record: "ODRL policy from metadata plus library defaults",
    },
    #[cfg(not(feature = "rendition"))]
    PendingStage {
        name: "renditions",
        provided_by: "damkit-rendition",
        will_record: "renditions from the configured presets under renditions/",
    },
];
