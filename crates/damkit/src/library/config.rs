//! `damkit.toml`: the configuration of a library folder.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::{LibraryError, Result};

/// The configuration format this build writes and reads.
pub const CONFIG_FORMAT: u32 = 1;

/// Where the bytes of ingested originals live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageMode {
    /// Originals stay where they are; the catalog records their paths (Lightroom style).
    /// Only the current bytes of a file are retrievable: when a file changes, its older
    /// version keeps its record (hash, size, metadata) but not its bytes.
    #[default]
    Reference,
    /// Originals are copied into the library's content-addressed `objects/ab/cdef…` store
    /// (named by their BLAKE3 hash); every version stays retrievable.
    Copy,
}

/// What ingest does with a file whose bytes are exactly those of an asset already in the
/// library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicatePolicy {
    /// Record the file as another location of the existing asset (no new asset).
    #[default]
    Link,
    /// Do not record it as an asset location; report it (and remember it, so re-runs do not
    /// hash it again).
    Skip,
    /// Ingest it as an asset of its own; `report dupes` lists the group.
    Keep,
}

/// Storage settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Reference in place or copy into `objects/`.
    pub mode: StorageMode,
}

/// Duplicate settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DuplicateConfig {
    /// The policy for exact (byte-identical) duplicates.
    pub exact: DuplicatePolicy,
}

/// Lifecycle settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LifecycleConfig {
    /// When true (the default), a draft must go through `in_review` before `approved`.
    pub require_review: bool,
}

impl Default for LifecycleConfig {
    fn default() -> Self {
        LifecycleConfig {
            require_review: true,
        }
    }
}

/// Ingest settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Ingest hidden files and folders (names starting with `.`). Default false: they are
    /// mostly system litter (`.DS_Store`, `._IMG_0001.JPG`).
    pub include_hidden: bool,
    /// Ingest files whose type damkit does not recognise. Default false: they are reported as
    /// skipped.
    pub accept_unknown_types: bool,
    /// Files committed to the catalog per transaction. A crash loses at most the batch being
    /// written (it is redone on the next run).
    pub batch_size: usize,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            include_hidden: false,
            accept_unknown_types: false,
            batch_size: 128,
        }
    }
}

/// Where [`Library::edit`](super::Library::edit) writes title, description and keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteBack {
    /// Into the original where damkit-metadata can embed XMP (JPEG, PNG, WebP, PSD, TIFF),
    /// else into an XMP sidecar (`NAME.xmp`; RAW files always get one).
    #[default]
    Embedded,
    /// Always into an XMP sidecar beside the original; the original's bytes never change.
    Sidecar,
    /// Not into files: the catalog only.
    CatalogOnly,
}

/// Metadata settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetadataConfig {
    /// Read XMP sidecars (`NAME.xmp`, `NAME.EXT.xmp`) beside each file; their values win over
    /// the embedded ones. Default true. Sidecars are never ingested as assets of their own.
    pub read_sidecars: bool,
    /// Where edits are written back.
    pub write_back: WriteBack,
}

impl Default for MetadataConfig {
    fn default() -> Self {
        MetadataConfig {
            read_sidecars: true,
            write_back: WriteBack::Embedded,
        }
    }
}

/// A controlled vocabulary used to normalise keywords (feature `taxonomy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VocabularyConfig {
    /// Short name, used in reports.
    pub name: String,
    /// The vocabulary file, relative to the library folder or absolute.
    pub path: PathBuf,
    /// Its format: `turtle`, `ntriples`, `rdfxml`, `jsonld`, `iptc-json`, `lightroom`, `csv`
    /// or `json` (damkit JSON); `skos-turtle` and `skos-rdfxml` are accepted too. Default:
    /// detected from the file name (and content for `.json`).
    #[serde(default)]
    pub format: Option<String>,
}

/// A rendition preset (feature `rendition`): a long-edge resize of every image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenditionPreset {
    /// Name, also the folder under `renditions/`.
    pub name: String,
    /// Longest edge in pixels.
    pub max_edge: u32,
    /// Output format (`jpeg`, `webp`, `png`).
    #[serde(default = "default_format")]
    pub format: String,
    /// Encoder quality, 1-100.
    #[serde(default = "default_quality")]
    pub quality: u8,
}

fn default_format() -> String {
    "jpeg".into()
}

fn default_quality() -> u8 {
    82
}

/// Rights defaults (feature `rights`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RightsConfig {
    /// An ODRL policy file (JSON-LD) applied to assets whose metadata carries no rights,
    /// relative to the library folder or absolute.
    pub default_policy: Option<PathBuf>,
    /// The `report rights` horizon: assets whose rights expire within this many days.
    pub expiry_warning_days: Option<u32>,
    /// Library rules: restrictions in force on EVERY asset, on top of whatever licence the
    /// metadata (or `default_policy`) grants. See [`RightsRules`].
    pub rules: RightsRules,
}

/// Library rules (`[rights.rules]` in `damkit.toml`): the organisation's own restrictions,
/// which stay in force whatever licence an asset's metadata carries.
///
/// Precedence: an asset's rights are two layers, both recorded in the catalog with their
/// provenance. The **licence** layer is the Creative Commons licence named in the metadata,
/// else the PLUS licence terms in the metadata, else `rights.default_policy`. The **rules**
/// layer is built from this table. A use is permitted only when *every* layer permits it
/// (a conjunction: the rules can only narrow what a licence grants, never widen it, and a
/// licence cannot lift a rule). An asset without any layer has nothing forbidding its use.
///
/// ```toml
/// [rights.rules]
/// territories = ["EU", "CH"]
/// channels = ["web", "print"]
/// editorial_only = false
/// model_release_required = true
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RightsRules {
    /// Territories where assets may be used (ISO 3166 codes or groups such as `EU`); empty:
    /// everywhere.
    pub territories: Vec<String>,
    /// Territories where assets must never be used.
    pub exclude_territories: Vec<String>,
    /// Delivery channels assets may be used on (`web`, `print`, `social`...); empty: all.
    pub channels: Vec<String>,
    /// Media assets may be used in; empty: all.
    pub media: Vec<String>,
    /// Editorial use only (the use's purpose must be `editorial`).
    pub editorial_only: bool,
    /// A model release must be on file (PLUS `ModelReleaseStatus` in the metadata).
    pub model_release_required: bool,
    /// A property release must be on file (PLUS `PropertyReleaseStatus`).
    pub property_release_required: bool,
    /// No AI / machine-learning training, whatever the licence says.
    pub no_ai_training: bool,
}

impl RightsRules {
    /// Whether no rule is set (no rules layer is recorded).
    pub fn is_empty(&self) -> bool {
        *self == RightsRules::default()
    }
}

/// The whole configuration of a library (`damkit.toml`).
///
/// ```
/// use damkit::library::{LibraryConfig, StorageMode};
///
/// let config: LibraryConfig = toml::from_str(r#"
///     format = 1
///     [storage]
///     mode = "copy"
///     [[renditions]]
///     name = "thumb"
///     max_edge = 256
/// "#)?;
/// assert_eq!(config.storage.mode, StorageMode::Copy);
/// assert_eq!(config.renditions[0].format, "jpeg");
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LibraryConfig {
    /// The config format ([`CONFIG_FORMAT`]).
    pub format: u32,
    /// Where originals live.
    pub storage: StorageConfig,
    /// Exact-duplicate policy.
    pub duplicates: DuplicateConfig,
    /// Lifecycle rules.
    pub lifecycle: LifecycleConfig,
    /// Ingest settings.
    pub ingest: IngestConfig,
    /// Rights defaults.
    pub rights: RightsConfig,
    /// Metadata reading and write-back.
    pub metadata: MetadataConfig,
    /// Controlled vocabularies.
    pub vocabularies: Vec<VocabularyConfig>,
    /// Rendition presets. The default has `thumb` (256) and `preview` (1024).
    pub renditions: Vec<RenditionPreset>,
}

impl Default for LibraryConfig {
    fn default() -> Self {
        LibraryConfig {
            format: CONFIG_FORMAT,
            storage: StorageConfig::default(),
            duplicates: DuplicateConfig::default(),
            lifecycle: LifecycleConfig::default(),
            ingest: IngestConfig::default(),
            rights: RightsConfig::default(),
            metadata: MetadataConfig::default(),
            vocabularies: Vec::new(),
            renditions: vec![
                RenditionPreset {
                    name: "thumb".into(),
                    max_edge: 256,
                    format: default_format(),
                    quality: default_quality(),
                },
                RenditionPreset {
                    name: "preview".into(),
                    max_edge: 1024,
                    format: default_format(),
                    quality: default_quality(),
                },
            ],
        }
    }
}

/// The largest `damkit.toml` we read: a config is a few KiB; anything bigger is not one.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

impl LibraryConfig {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<LibraryConfig> {
        let meta = std::fs::metadata(path).map_err(|e| LibraryError::io("reading", path, e))?;
        if meta.len() > MAX_CONFIG_BYTES {
            return Err(LibraryError::Config {
                path: path.into(),
                message: format!("{} bytes is too large for a config file", meta.len()),
            });
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| LibraryError::io("reading", path, e))?;
        let config: LibraryConfig = toml::from_str(&text).map_err(|e| LibraryError::Config {
            path: path.into(),
            message: e.to_string().trim_end().to_string(),
        })?;
        config.validate(path)?;
        Ok(config)
    }

    /// Checks the values that parse but make no sense.
    pub fn validate(&self, path: &Path) -> Result<()> {
        let bad = |message: String| {
            Err(LibraryError::Config {
                path: path.into(),
                message,
            })
        };
        if self.format != CONFIG_FORMAT {
            return bad(format!(
                "format = {} but this damkit reads format {CONFIG_FORMAT}",
                self.format
            ));
        }
        if self.ingest.batch_size == 0 || self.ingest.batch_size > 100_000 {
            return bad(format!(
                "ingest.batch_size = {} must be between 1 and 100000",
                self.ingest.batch_size
            ));
        }
        let mut names = std::collections::HashSet::new();
        for p in &self.renditions {
            if p.name.is_empty()
                || !p
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return bad(format!(
                    "rendition preset name {:?} must be ASCII letters, digits, - or _",
                    p.name
                ));
            }
            if !names.insert(p.name.as_str()) {
                return bad(format!("rendition preset {:?} is defined twice", p.name));
            }
            if p.max_edge == 0 || p.max_edge > 65_535 {
                return bad(format!(
                    "rendition preset {:?}: max_edge {} must be between 1 and 65535",
                    p.name, p.max_edge
                ));
            }
            if !(1..=100).contains(&p.quality) {
                return bad(format!(
                    "rendition preset {:?}: quality {} must be between 1 and 100",
                    p.name, p.quality
                ));
            }
        }
        let r = &self.rights.rules;
        for (field, list) in [
            ("territories", &r.territories),
            ("exclude_territories", &r.exclude_territories),
            ("channels", &r.channels),
            ("media", &r.media),
        ] {
            if let Some(v) = list.iter().find(|v| v.trim().is_empty()) {
                return bad(format!("rights.rules.{field}: empty value {v:?}"));
            }
        }
        Ok(())
    }

    /// The config as TOML, with a header comment.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).unwrap_or_default();
        format!(
            "# damkit library configuration (see the damkit crate docs, `damkit::library`).\n\
             # storage.mode: \"reference\" (originals stay in place) or \"copy\" (into objects/).\n\
             # duplicates.exact: \"link\", \"skip\" or \"keep\".\n\n{body}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_round_trips() {
        let c = LibraryConfig::default();
        let text = c.to_toml();
        let back: LibraryConfig = toml::from_str(&text).unwrap();
        assert_eq!(back, c);
        c.validate(Path::new("damkit.toml")).unwrap();
    }

    #[test]
    fn typos_are_errors() {
        let err = toml::from_str::<LibraryConfig>("[storage]\nmod = \"copy\"\n").unwrap_err();
        assert!(err.to_string().contains("mod"), "{err}");
        let c: LibraryConfig = toml::from_str("[ingest]\nbatch_size = 0\n").unwrap();
        let err = c.validate(Path::new("x/damkit.toml")).unwrap_err();
        assert!(err.to_string().contains("batch_size"), "{err}");
    }

    #[test]
    fn rights_rules_parse_validate_and_round_trip() {
        let c: LibraryConfig = toml::from_str(
            "[rights.rules]\nterritories = [\"EU\", \"CH\"]\nchannels = [\"web\"]\n\
             model_release_required = true\n",
        )
        .unwrap();
        assert_eq!(c.rights.rules.territories, ["EU", "CH"]);
        assert!(c.rights.rules.model_release_required && !c.rights.rules.is_empty());
        c.validate(Path::new("damkit.toml")).unwrap();
        let back: LibraryConfig = toml::from_str(&c.to_toml()).unwrap();
        assert_eq!(back, c);
        let bad: LibraryConfig = toml::from_str("[rights.rules]\nchannels = [\" \"]\n").unwrap();
        let err = bad.validate(Path::new("damkit.toml")).unwrap_err();
        assert!(err.to_string().contains("rights.rules.channels"), "{err}");
        assert!(toml::from_str::<LibraryConfig>("[rights.rules]\nchanels = []\n").is_err());
    }
}
