//! The keywords stage: keywords resolved against the configured vocabularies
//! (damkit-taxonomy), and the loaded vocabularies the reports and expansion use.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use damkit_core::Limits;
use damkit_taxonomy::{
    ConceptId, Format, NormalizeOptions, Normalizer, Vocabulary, load_bytes, load_path,
};

use crate::library::config::LibraryConfig;
use crate::library::stage::{AssetStage, StageInput, StageOutput};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One configured vocabulary, loaded.
pub(crate) struct LoadedVocabulary {
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) vocab: Vocabulary,
    pub(crate) norm: Normalizer,
}

impl std::fmt::Debug for LoadedVocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedVocabulary")
            .field("name", &self.name)
            .field("path", &self.path)
            .field("concepts", &self.vocab.len())
            .finish()
    }
}

/// The configured vocabularies, each loaded once per open library: the one loader behind
/// the keywords stage, the vocabulary report, keyword expansion and the search index's
/// concept hierarchy and query expansion.
#[derive(Debug, Default)]
pub(crate) struct Vocabularies {
    pub(crate) list: Vec<LoadedVocabulary>,
    /// Vocabularies that failed to load: (file, error).
    pub(crate) errors: Vec<(PathBuf, String)>,
    /// Folded label (any label of any vocabulary) → concept IRIs, for query expansion.
    labels: HashMap<String, Vec<String>>,
}

/// What a keyword resolved to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolution {
    /// One concept in a vocabulary (the first vocabulary, in config order, that knows it).
    Known { vocabulary: String, concept: String },
    /// Several concepts: (vocabulary, concept IRI, preferred label).
    Ambiguous(Vec<(String, String, String)>),
    /// No concept; the nearest: (vocabulary, concept IRI, preferred label, edit distance).
    Unknown(Vec<(String, String, String, u8)>),
}

fn format_named(name: &str) -> Option<Format> {
    Some(match name.to_ascii_lowercase().as_str() {
        "turtle" | "ttl" | "skos-turtle" => Format::Turtle,
        "ntriples" | "n-triples" | "skos-ntriples" => Format::NTriples,
        "rdfxml" | "rdf-xml" | "skos-rdfxml" => Format::RdfXml,
        "jsonld" | "json-ld" | "skos-jsonld" => Format::JsonLd,
        "iptc-json" | "iptc" | "newscodes" => Format::IptcJson,
        "lightroom" => Format::Lightroom,
        "csv" | "tsv" => Format::Csv,
        "json" | "damkit-json" => Format::Json,
        _ => return None,
    })
}

impl Vocabularies {
    pub(crate) fn load(root: &Path, config: &LibraryConfig) -> Vocabularies {
        let mut out = Vocabularies::default();
        for vc in &config.vocabularies {
            let path = super::config_path(root, &vc.path);
            let loaded = match &vc.format {
                Some(f) => match format_named(f) {
                    None => Err(format!(
                        "vocabulary {:?}: unknown format {f:?} (turtle, ntriples, rdfxml, \
                         jsonld, iptc-json, lightroom, csv, json)",
                        vc.name
                    )),
                    Some(format) => std::fs::metadata(&path)
                        .map_err(|e| e.to_string())
                        .and_then(|m| {
                            Limits::default()
                                .check_input_size(m.len())
                                .map_err(|e| e.to_string())
                        })
                        .and_then(|()| std::fs::read(&path).map_err(|e| e.to_string()))
                        .and_then(|bytes| {
                            load_bytes(&bytes, format, &path.display().to_string())
                                .map_err(|e| e.to_string())
                        }),
                },
                None => load_path(&path).map_err(|e| e.to_string()),
            };
            match loaded {
                Ok((vocab, _repairs)) => {
                    for c in vocab.concepts() {
                        for l in c.labels() {
                            let key = damkit_taxonomy::fold(l.text, true);
                            let e = out.labels.entry(key).or_default();
                            if !e.iter().any(|x| x == c.iri()) {
                                e.push(c.iri().to_string());
                            }
                        }
                    }
                    let norm = Normalizer::new(&vocab, NormalizeOptions::default());
                    out.list.push(LoadedVocabulary {
                        name: vc.name.clone(),
                        path,
                        vocab,
                        norm,
                    });
                }
                Err(e) => out
                    .errors
                    .push((path, format!("vocabulary {:?} not loaded: {e}", vc.name))),
            }
        }
        out
    }

    /// Adds the concept's broader concepts (itself included) and its hierarchical paths
    /// (`/A/B/C`), from every vocabulary that has it.
    pub(crate) fn broader_and_paths(
        &self,
        concept: &str,
        concepts: &mut BTreeSet<String>,
        paths: &mut BTreeSet<String>,
    ) {
        for v in &self.list {
            let v = &v.vocab;
            if let Some(c) = v.by_iri(concept) {
                for a in v.expand_for_index(&[c]) {
                    concepts.insert(v.concept(a).iri().to_string());
                }
                for p in v.paths(c, &[]) {
                    let parts: Vec<&str> = p.split('|').filter(|s| !s.is_empty()).collect();
                    if !parts.is_empty() {
                        paths.insert(format!("/{}", parts.join("/")));
                    }
                }
            }
        }
    }

    /// The narrower concepts (all descendants) of a concept, from every vocabulary.
    pub(crate) fn narrower(&self, concept: &str) -> Vec<String> {
        let mut out = Vec::new();
        for v in &self.list {
            let v = &v.vocab;
            if let Some(c) = v.by_iri(concept) {
                out.extend(
                    v.descendants(c)
                        .into_iter()
                        .map(|d| v.concept(d).iri().to_string()),
                );
            }
        }
        out
    }

    /// The concepts carrying this label (any label kind, folded), from every vocabulary.
    pub(crate) fn concepts_for_label(&self, text: &str) -> Vec<String> {
        self.labels
            .get(&damkit_taxonomy::fold(text, true))
            .cloned()
            .unwrap_or_default()
    }

    fn label(v: &LoadedVocabulary, c: ConceptId) -> String {
        v.vocab.concept(c).display_label(&[]).to_string()
    }

    /// Resolves a keyword as written.
    pub(crate) fn resolve(&self, keyword: &str) -> Resolution {
        let mut ambiguous = Vec::new();
        let mut suggestions = Vec::new();
        for v in &self.list {
            let n = v.norm.normalize(keyword);
            if let Some(c) = n.unique() {
                return Resolution::Known {
                    vocabulary: v.name.clone(),
                    concept: v.vocab.concept(c).iri().to_string(),
                };
            }
            for cand in &n.candidates {
                ambiguous.push((
                    v.name.clone(),
                    v.vocab.concept(cand.concept).iri().to_string(),
                    Self::label(v, cand.concept),
                ));
            }
            for s in &n.suggestions {
                suggestions.push((
                    v.name.clone(),
                    v.vocab.concept(s.concept).iri().to_string(),
                    Self::label(v, s.concept),
                    s.distance,
                ));
            }
        }
        if ambiguous.is_empty() {
            suggestions.sort_by_key(|s| s.3);
            Resolution::Unknown(suggestions)
        } else {
            Resolution::Ambiguous(ambiguous)
        }
    }

    /// The preferred labels of a concept and of all its broader concepts (for indexing and
    /// hierarchical search), by concept IRI in a named vocabulary.
    pub(crate) fn expand(&self, vocabulary: &str, concept: &str) -> Vec<String> {
        let Some(v) = self.list.iter().find(|v| v.name == vocabulary) else {
            return Vec::new();
        };
        let Some(id) = v.vocab.by_iri(concept) else {
            return Vec::new();
        };
        v.vocab
            .expand_for_index(&[id])
            .into_iter()
            .map(|c| Self::label(v, c))
            .collect()
    }
}

/// Sets the concept and vocabulary of every keyword a configured vocabulary knows.
pub(crate) struct KeywordStage {
    vocabs: Arc<Vocabularies>,
}

impl KeywordStage {
    pub(crate) fn new(vocabs: Arc<Vocabularies>) -> KeywordStage {
        KeywordStage { vocabs }
    }
}

impl AssetStage for KeywordStage {
    fn name(&self) -> &str {
        "keywords"
    }

    fn process(&self, _input: &StageInput<'_>, out: &mut StageOutput) -> Result<(), BoxError> {
        if self.vocabs.list.is_empty() {
            return Ok(());
        }
        for k in out.keywords.iter_mut().filter(|k| k.concept.is_none()) {
            if let Resolution::Known {
                vocabulary,
                concept,
            } = self.vocabs.resolve(&k.keyword)
            {
                k.concept = Some(concept);
                k.vocabulary = Some(vocabulary);
            }
        }
        Ok(())
    }
}
