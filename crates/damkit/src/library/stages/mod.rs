//! The built-in capability stages, each behind its facade feature, run in this order on every
//! new asset or new version:
//!
//! | stage | feature | crate | records |
//! |---|---|---|---|
//! | `metadata` | `metadata` | damkit-metadata | the metadata JSON ([`facts`](super::facts)), title, description, keywords as written |
//! | `renditions` | `rendition` | damkit-rendition | one file per preset under `renditions/PRESET/ab/`, decoded once for all presets; `File:ImageWidth`/`Height` |
//! | `content_hash` | `dedup` | damkit-dedup | the metadata-blind content hash (`hashes.kind = content`) |
//! | `perceptual_hash` | `dedup` | damkit-dedup | pHash, dHash, PDQ and their rotation/flip/crop variants (`phash`, `dhash`, `pdq`, `pdq_quality`, `phash_variants`, `pdq_variants`) |
//! | `keywords` | `taxonomy` | damkit-taxonomy | concept IRI and vocabulary of each keyword the configured vocabularies know |
//! | `rights` | `rights` | damkit-rights | an ODRL policy (JSON-LD) from the metadata's licence, else the library default, and its expiry |
//!
//! Later stages read what earlier ones put into the [`StageOutput`](super::stage::StageOutput)
//! (keywords, the metadata JSON, the renditions), so a file is read and decoded as few times as
//! possible: the perceptual hashes are computed from the smallest rendition when there is one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Library;
use super::stage::AssetStage;

#[cfg(feature = "dedup")]
pub(crate) mod hashes;
#[cfg(feature = "taxonomy")]
pub(crate) mod keywords;
#[cfg(feature = "metadata")]
pub(crate) mod metadata;
#[cfg(feature = "rendition")]
pub(crate) mod renditions;
#[cfg(feature = "rights")]
pub(crate) mod rights;

/// The built-in stages for one ingest, and the problems met setting them up (a vocabulary
/// or default policy that does not load: reported, never fatal).
pub(crate) struct Builtin {
    pub(crate) stages: Vec<Arc<dyn AssetStage>>,
    pub(crate) warnings: Vec<(PathBuf, String)>,
}

impl Library {
    pub(crate) fn builtin_stages(&self) -> Builtin {
        #[allow(unused_mut)]
        let mut b = Builtin {
            stages: Vec::new(),
            warnings: Vec::new(),
        };
        let root: &Path = &self.root;
        let _ = root;
        #[cfg(feature = "metadata")]
        b.stages.push(Arc::new(metadata::MetadataStage::new(
            self.config.metadata.read_sidecars,
        )));
        #[cfg(feature = "rendition")]
        match renditions::RenditionStage::new(root, &self.config.renditions) {
            Ok(s) => b.stages.push(Arc::new(s)),
            Err(e) => b.warnings.push((root.join(super::CONFIG_FILE), e)),
        }
        #[cfg(feature = "dedup")]
        {
            b.stages.push(Arc::new(hashes::ContentHashStage));
            b.stages.push(Arc::new(hashes::PerceptualStage::new()));
        }
        #[cfg(feature = "taxonomy")]
        {
            let vocabs = self.vocabularies();
            for (path, e) in &vocabs.errors {
                b.warnings.push((path.clone(), e.clone()));
            }
            b.stages.push(Arc::new(keywords::KeywordStage::new(vocabs)));
        }
        #[cfg(feature = "rights")]
        {
            let (stage, warnings) = rights::RightsStage::new(root, &self.config.rights);
            b.warnings.extend(warnings);
            b.stages.push(Arc::new(stage));
        }
        b
    }
}

/// Resolves a path from the config: relative to the library folder, or absolute.
#[allow(dead_code)]
pub(crate) fn config_path(root: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}
