//! Controlled vocabularies: SKOS and Lightroom keyword lists, keyword normalisation,
//! hierarchy, autocomplete and vocabulary lint.
//!
//! A [`Vocabulary`] holds concept schemes, concepts (IRI, notations, pref/alt/hidden labels per
//! language, broader/narrower/related, mappings, notes, retirement) and collections. Strings are
//! interned and concepts addressed by a dense [`ConceptId`], so large vocabularies stay compact.
//!
//! ```
//! use damkit_taxonomy::{Format, Normalizer, NormalizeOptions, load_bytes};
//!
//! let list = "Animals\n\tMammals\n\t\tDogs\n\t\t\t{Canines}\n[Places]\n\tParis\n";
//! let (vocab, warnings) = load_bytes(list.as_bytes(), Format::Lightroom, "keywords.txt")?;
//! assert!(warnings.is_empty());
//!
//! // Free-text keywords resolve to concepts, synonyms to their preferred label.
//! let norm = Normalizer::new(&vocab, NormalizeOptions::default());
//! let dogs = norm.normalize("  CANINES ").unique().expect("one concept");
//! assert_eq!(vocab.concept(dogs).pref_label(&["en"]), Some("Dogs"));
//!
//! // The hierarchy gives Lightroom's hierarchicalSubject and the terms to index.
//! assert_eq!(vocab.path(dogs, &[]).as_deref(), Some("Animals|Mammals|Dogs"));
//! assert_eq!(vocab.expand_for_index(&[dogs]).len(), 3);
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Formats
//!
//! | format | read | write | module |
//! |---|---|---|---|
//! | SKOS Turtle, N-Triples, RDF/XML, JSON-LD (SKOS-XL labels too) | yes | Turtle | [`skos`] |
//! | IPTC NewsCodes JSON (`cptall`) | yes | – | [`iptc`] |
//! | Lightroom keyword list | yes | yes | [`lightroom`] |
//! | CSV with a path column | yes | yes | [`csv`] |
//! | damkit JSON (lossless) | yes | yes | [`json`] |
//!
//! # Use
//!
//! - [`Normalizer`]: keyword → candidates (NFKC, full case folding, optional accent folding;
//!   alt/hidden labels and notations resolve to their concept; unknown keywords get the nearest
//!   suggestions).
//! - Hierarchy on [`Vocabulary`]: [`ancestors`](Vocabulary::ancestors),
//!   [`descendants`](Vocabulary::descendants), [`paths`](Vocabulary::paths),
//!   [`expand_for_index`](Vocabulary::expand_for_index), [`expand_query`](Vocabulary::expand_query).
//! - [`Autocomplete`]: prefix at every word start, per language, fuzzy, notations.
//! - [`lint()`]: SKOS integrity rules and common defects (table in [`mod@lint`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod csv;
pub mod error;
mod fuzzy;
mod hierarchy;
pub mod iptc;
pub mod json;
pub mod lightroom;
pub mod lint;
mod model;
pub mod normalize;
mod parallel;
pub mod skos;
pub mod suggest;

use std::path::Path;

use damkit_core::Limits;
use serde::Serialize;

pub use error::{Error, Result};
pub use hierarchy::{MAX_DEPTH, MAX_PATHS};
pub use lint::{Finding, Report, Rule, lint};
pub use model::{
    CollectionId, CollectionRef, ConceptId, ConceptRef, LabelKind, LabelRef, MatchKind, NoteKind,
    SchemeId, SchemeRef, Sym, Vocabulary, fallback_chain, lang_matches,
};
pub use normalize::{Candidate, MatchedBy, NormalizeOptions, Normalized, Normalizer, fold};
pub use suggest::{Autocomplete, Suggestion};

/// A repair made while reading a file in lenient mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// 1-based line (0 when unknown).
    pub line: u64,
    /// What was wrong and what was done.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

/// The vocabulary file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Format {
    /// SKOS in Turtle.
    Turtle,
    /// SKOS in N-Triples.
    NTriples,
    /// SKOS in RDF/XML.
    RdfXml,
    /// SKOS in JSON-LD.
    JsonLd,
    /// IPTC NewsCodes JSON.
    IptcJson,
    /// Lightroom keyword list.
    Lightroom,
    /// CSV with a path column.
    Csv,
    /// damkit vocabulary JSON.
    Json,
}

impl Format {
    /// Guesses the format from the file name and, for `.json`, the content.
    pub fn detect(path: &Path, bytes: &[u8]) -> Option<Format> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        Some(match ext.as_str() {
            "ttl" | "turtle" => Format::Turtle,
            "nt" => Format::NTriples,
            "rdf" | "owl" | "xml" | "skos" => Format::RdfXml,
            "jsonld" => Format::JsonLd,
            "json" if json::sniff(bytes) => Format::Json,
            "json" if iptc::sniff(bytes) => Format::IptcJson,
            "json" => Format::JsonLd,
            "txt" | "lrkeywords" => Format::Lightroom,
            "csv" | "tsv" => Format::Csv,
            _ => return None,
        })
    }
}

/// Reads a vocabulary from bytes in a known format (lenient: repairs are returned as
/// warnings). `input` names the source in errors.
pub fn load_bytes(bytes: &[u8], format: Format, input: &str) -> Result<(Vocabulary, Vec<Warning>)> {
    use skos::RdfSyntax;
    let rdf = |s| skos::parse(bytes, s, input).map(|v| (v, Vec::new()));
    match format {
        Format::Turtle => rdf(RdfSyntax::Turtle),
        Format::NTriples => rdf(RdfSyntax::NTriples),
        Format::RdfXml => rdf(RdfSyntax::RdfXml),
        Format::JsonLd => rdf(RdfSyntax::JsonLd),
        Format::IptcJson => iptc::parse(bytes, input).map(|v| (v, Vec::new())),
        Format::Json => json::parse(bytes, input).map(|v| (v, Vec::new())),
        Format::Lightroom => lightroom::parse(bytes, input, &lightroom::ReadOptions::default()),
        Format::Csv => {
            let mut opts = csv::ReadOptions::default();
            if input.to_ascii_lowercase().ends_with(".tsv") {
                opts.delimiter = b'\t';
            }
            csv::parse(bytes, input, &opts)
        }
    }
}

/// Reads a vocabulary file, detecting its format from its name (and content for `.json`),
/// within the default [`Limits`] on input size.
pub fn load_path(path: &Path) -> Result<(Vocabulary, Vec<Warning>)> {
    load_path_with_limits(path, &Limits::default())
}

/// [`load_path`] with explicit limits.
pub fn load_path_with_limits(path: &Path, limits: &Limits) -> Result<(Vocabulary, Vec<Warning>)> {
    let input = path.display().to_string();
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    limits
        .check_input_size(size)
        .map_err(|source| Error::Limit {
            input: input.clone(),
            source,
        })?;
    let bytes = std::fs::read(path).map_err(io)?;
    let format = Format::detect(path, &bytes).ok_or_else(|| Error::UnknownFormat {
        input: input.clone(),
    })?;
    load_bytes(&bytes, format, &input)
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportFormat {
    /// SKOS Turtle.
    Skos,
    /// Lightroom keyword list.
    Lightroom,
    /// damkit JSON.
    Json,
    /// CSV keyword list with a path column (see [`csv::write`]).
    Csv,
}

/// Writes a vocabulary in an export format (labels in `langs` where a choice is needed).
pub fn export(vocab: &Vocabulary, format: ExportFormat, langs: &[&str]) -> Result<Vec<u8>> {
    match format {
        ExportFormat::Skos => skos::write_turtle(vocab, Vec::new()),
        ExportFormat::Lightroom => lightroom::write(vocab, langs).map(String::into_bytes),
        ExportFormat::Json => Ok(vocab.to_json().into_bytes()),
        ExportFormat::Csv => csv::write(vocab, langs),
    }
}

/// Writes `bytes` to `path` safely: a temporary file in the same folder, fsync, rename. On any
/// error the original file is untouched.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// Percent-encodes a keyword for use in an IRI path segment (unreserved ASCII kept).
pub(crate) fn pct_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
