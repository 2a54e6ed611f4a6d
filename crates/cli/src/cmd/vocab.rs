//! `damkit vocab`: controlled vocabularies (SKOS, IPTC NewsCodes JSON, Lightroom keyword
//! lists, CSV): lint, convert, suggest, normalize.

use std::path::{Path, PathBuf};

use anyhow::Context;
use damkit::taxonomy::{
    self as tx, Autocomplete, ExportFormat, NormalizeOptions, Normalizer, Vocabulary,
};
use serde::Serialize;

use crate::output::{self, Status};

/// Controlled vocabularies: lint, convert, suggest, normalize.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: VocabCommand,
}

#[derive(Debug, clap::Subcommand)]
enum VocabCommand {
    /// Check a vocabulary: SKOS S13/S14/S27/S46, broader cycles, orphans, missing prefLabels,
    /// duplicate labels, empty/unprintable labels, bad language tags, missing concepts.
    /// Exits 1 when there are findings.
    Lint {
        /// The vocabulary (.ttl, .nt, .rdf, .jsonld, IPTC .json, Lightroom .txt, .csv).
        file: PathBuf,
        /// Print `{"concepts": N, "findings": [{"rule", "concepts", "message"}]}` on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Convert a vocabulary to SKOS Turtle, a Lightroom keyword list, damkit JSON or CSV.
    Convert {
        /// The vocabulary.
        file: PathBuf,
        /// Target format.
        #[arg(long, value_enum)]
        to: Target,
        /// Write here (atomically) instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Language of the labels written where one must be chosen (Lightroom).
        #[arg(long)]
        lang: Option<String>,
    },
    /// Autocomplete: concepts whose labels (at any word start) or notations start with PREFIX,
    /// with fuzzy matches when few exact ones exist.
    Suggest {
        /// The vocabulary.
        file: PathBuf,
        /// What the user typed.
        prefix: String,
        /// Only labels in this language (BCP 47, `en` also matches `en-GB`) and untagged ones.
        #[arg(long)]
        lang: Option<String>,
        /// Most suggestions.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Print JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Normalise free-text keywords to concepts (synonyms to preferred labels; ambiguous
    /// keywords give every candidate; unknown ones the nearest suggestions). Exits 1 when a
    /// keyword is unknown.
    Normalize {
        /// The vocabulary.
        file: PathBuf,
        /// The keywords.
        #[arg(required = true)]
        keywords: Vec<String>,
        /// Also fold accents (`cafe` = `café`).
        #[arg(long)]
        fold_accents: bool,
        /// Only labels in this language and untagged ones; also the language of the output.
        #[arg(long)]
        lang: Option<String>,
        /// Print JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Target {
    Skos,
    Lightroom,
    Json,
    /// CSV keyword list (`path,synonyms,hidden,notation,definition,lang,category`).
    Csv,
}

fn load(file: &Path) -> anyhow::Result<Vocabulary> {
    // The error message already names the file and its cause; do not repeat the chain.
    let (v, warnings) = tx::load_path(file).map_err(|e| anyhow::anyhow!("{e}"))?;
    for w in warnings {
        output::warn("vocab", format_args!("{}: {w}", file.display()));
    }
    Ok(v)
}

/// One concept in CLI output.
#[derive(Debug, Serialize)]
pub struct ConceptOut {
    /// IRI.
    pub iri: String,
    /// Preferred label.
    pub label: String,
    /// `A|B|C` paths.
    pub paths: Vec<String>,
    /// How it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<tx::MatchedBy>,
    /// Edit distance of a suggestion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance: Option<u8>,
    /// The label that matched (suggest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    /// Retired concept.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
}

fn concept_out(v: &Vocabulary, id: tx::ConceptId, langs: &[&str]) -> ConceptOut {
    let c = v.concept(id);
    ConceptOut {
        iri: c.iri().to_string(),
        label: c.display_label(langs).to_string(),
        paths: v.paths(id, langs),
        matched_by: None,
        distance: None,
        matched: None,
        retired: c.is_retired(),
    }
}

/// The result of normalising one keyword.
#[derive(Debug, Serialize)]
pub struct KeywordOut {
    /// The keyword as given.
    pub keyword: String,
    /// `unique`, `ambiguous` or `unknown`.
    pub status: &'static str,
    /// The concepts it names.
    pub candidates: Vec<ConceptOut>,
    /// For an unknown keyword: the nearest concepts.
    pub suggestions: Vec<ConceptOut>,
}

/// Normalises keywords against a vocabulary (used by `vocab normalize` and the demo).
pub fn normalize_keywords(
    v: &Vocabulary,
    keywords: &[String],
    opts: NormalizeOptions,
    langs: &[&str],
) -> Vec<KeywordOut> {
    let n = Normalizer::new(v, opts);
    keywords
        .iter()
        .map(|k| {
            let r = n.normalize(k);
            let status = match r.candidates.len() {
                0 => "unknown",
                1 => "unique",
                _ => "ambiguous",
            };
            let conv = |c: &tx::Candidate| {
                let mut o = concept_out(v, c.concept, langs);
                o.matched_by = Some(c.matched_by);
                o.distance = Some(c.distance);
                o
            };
            KeywordOut {
                keyword: k.clone(),
                status,
                candidates: r.candidates.iter().map(conv).collect(),
                suggestions: r.suggestions.iter().map(conv).collect(),
            }
        })
        .collect()
}

/// Runs `damkit vocab`.
pub fn run(args: Args) -> Status {
    match run_inner(args) {
        Ok(s) => s,
        Err(e) => output::fatal("vocab", &e),
    }
}

fn run_inner(args: Args) -> anyhow::Result<Status> {
    match args.command {
        VocabCommand::Lint { file, json } => {
            let v = load(&file)?;
            let report = tx::lint(&v);
            if json {
                output::print_json(&report)?;
            } else {
                for f in &report.findings {
                    println!("{:<18} {}", f.rule.as_str(), f.message);
                }
                eprintln!(
                    "{}: {} concepts, {} findings",
                    file.display(),
                    report.concepts,
                    report.findings.len()
                );
            }
            Ok(Status::from_failures(report.findings.len()))
        }
        VocabCommand::Convert {
            file,
            to,
            output: out,
            lang,
        } => {
            let v = load(&file)?;
            let langs: Vec<&str> = lang.as_deref().into_iter().collect();
            let format = match to {
                Target::Skos => ExportFormat::Skos,
                Target::Lightroom => ExportFormat::Lightroom,
                Target::Json => ExportFormat::Json,
                Target::Csv => ExportFormat::Csv,
            };
            let bytes = tx::export(&v, format, &langs)
                .with_context(|| format!("converting {}", file.display()))?;
            match out {
                Some(p) => tx::write_file_atomic(&p, &bytes)?,
                None => {
                    use std::io::Write;
                    let mut stdout = std::io::stdout().lock();
                    stdout.write_all(&bytes)?;
                    if !bytes.ends_with(b"\n") {
                        stdout.write_all(b"\n")?;
                    }
                }
            }
            Ok(Status::Success)
        }
        VocabCommand::Suggest {
            file,
            prefix,
            lang,
            limit,
            json,
        } => {
            let v = load(&file)?;
            let ac = Autocomplete::new(&v);
            let langs: Vec<&str> = lang.as_deref().into_iter().collect();
            let out: Vec<ConceptOut> = ac
                .suggest(&v, &prefix, lang.as_deref(), limit)
                .into_iter()
                .map(|s| {
                    let mut o = concept_out(&v, s.concept, &langs);
                    o.matched_by = Some(s.matched_by);
                    o.distance = Some(s.distance);
                    o.matched = Some(s.matched);
                    o
                })
                .collect();
            if json {
                output::print_json(&out)?;
            } else {
                for o in &out {
                    let via = match &o.matched {
                        Some(m) if *m != o.label => format!("  (via {m:?})"),
                        _ => String::new(),
                    };
                    let path = o.paths.first().cloned().unwrap_or_default();
                    println!("{}{via}\t{path}\t{}", o.label, o.iri);
                }
            }
            Ok(Status::Success)
        }
        VocabCommand::Normalize {
            file,
            keywords,
            fold_accents,
            lang,
            json,
        } => {
            let v = load(&file)?;
            let mut opts = NormalizeOptions::default();
            opts.fold_accents = fold_accents;
            opts.langs = lang.iter().cloned().collect();
            let langs: Vec<&str> = lang.as_deref().into_iter().collect();
            let out = normalize_keywords(&v, &keywords, opts, &langs);
            let unknown = out.iter().filter(|k| k.status == "unknown").count();
            if json {
                #[derive(Serialize)]
                struct Doc<'a> {
                    keywords: &'a [KeywordOut],
                }
                output::print_json(&Doc { keywords: &out })?;
            } else {
                for k in &out {
                    let list = |cs: &[ConceptOut]| {
                        cs.iter()
                            .map(|c| c.paths.first().cloned().unwrap_or_else(|| c.label.clone()))
                            .collect::<Vec<_>>()
                            .join("; ")
                    };
                    match k.status {
                        "unknown" if k.suggestions.is_empty() => {
                            println!("{}\tunknown", k.keyword);
                        }
                        "unknown" => {
                            println!(
                                "{}\tunknown, did you mean: {}",
                                k.keyword,
                                list(&k.suggestions)
                            );
                        }
                        s => println!("{}\t{s}\t{}", k.keyword, list(&k.candidates)),
                    }
                }
            }
            Ok(Status::from_failures(unknown))
        }
    }
}

/// The built-in keyword list the demo uses (a Lightroom export).
const DEMO_KEYWORDS: &str = "[Places]\n\tEurope\n\t\tFrance\n\t\t\tParis\n\t\t\t\t{Paname}\n\
Nature\n\tWater\n\t\tRiver\n\t\tBridge\n\t\t\t{Footbridge}\nPeople\n\tPortrait\n";

/// Shows the capability on the demo samples: a keyword list normalises the keywords a
/// photographer might type for `bridge.jpg`, and expands them for indexing.
pub fn demo_step(dir: &Path) -> anyhow::Result<Vec<String>> {
    let (v, _) = tx::load_bytes(
        DEMO_KEYWORDS.as_bytes(),
        tx::Format::Lightroom,
        "demo-keywords.txt",
    )?;
    let mut lines = vec![format!(
        "vocabulary: {} keywords from a Lightroom keyword list (categories in [brackets])",
        v.len()
    )];
    let sample = if dir.join("bridge.jpg").exists() {
        "bridge.jpg"
    } else {
        "an asset"
    };
    let typed = ["FOOTBRIDGE", "paname", "rivr", "portrait"].map(String::from);
    for k in normalize_keywords(&v, &typed, NormalizeOptions::default(), &[]) {
        let line = match k.status {
            "unknown" => format!(
                "{sample}: keyword {:?} unknown, nearest: {}",
                k.keyword,
                k.suggestions
                    .iter()
                    .map(|c| c.label.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => format!(
                "{sample}: keyword {:?} -> {}",
                k.keyword,
                k.candidates
                    .iter()
                    .flat_map(|c| c.paths.first().cloned())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        };
        lines.push(line);
    }
    let n = Normalizer::new(&v, NormalizeOptions::default());
    let ids: Vec<_> = ["Footbridge", "Paname"]
        .iter()
        .filter_map(|k| n.normalize(k).unique())
        .collect();
    let expanded: Vec<&str> = v
        .expand_for_index(&ids)
        .into_iter()
        .map(|c| v.concept(c).display_label(&[]))
        .collect();
    lines.push(format!("indexed as: {}", expanded.join(", ")));
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_runs() {
        let lines = demo_step(Path::new("samples")).unwrap();
        assert!(
            lines.iter().any(|l| l.contains("Nature|Water|Bridge")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("indexed as: Bridge, Paris, France, Water, Europe, Nature")),
            "{lines:?}"
        );
    }
}
