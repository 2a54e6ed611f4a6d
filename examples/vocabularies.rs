//! # Controlled vocabularies: from a keyword list to better search
//!
//! A DAM's search is only as good as its keywords. This tutorial takes a photographer's
//! Lightroom keyword list and a small SKOS thesaurus, and shows the four things
//! `damkit::taxonomy` does with them: normalise what people type, walk the hierarchy,
//! autocomplete, and lint the vocabulary itself.
//!
//! Run it with `cargo run --example vocabularies`.

use damkit::taxonomy::{
    self as tx, Autocomplete, ExportFormat, Format, NormalizeOptions, Normalizer, Rule,
};

/// A Lightroom keyword list, as Library › Metadata › Export Keywords writes it: one TAB per
/// level, `{synonyms}` one level under their keyword, `[categories]` that are never exported.
const KEYWORDS: &str = "\
Animals
\tMammals
\t\tDogs
\t\t\t{Canines}
\t\tCats
[Places]
\tFrance
\t\tParis
\t\t\t{Paname}
Sport
\tAmerican football
\tFootball
\t\t{Soccer}
";

/// The same kind of knowledge as SKOS Turtle, the way libraries publish thesauri. It has two
/// defects on purpose: a broader cycle and a concept with two English preferred labels.
const THESAURUS: &str = r#"
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/> .
ex:scheme a skos:ConceptScheme ; skos:hasTopConcept ex:art .
ex:art a skos:Concept ; skos:prefLabel "Art"@en, "Kunst"@de .
ex:painting a skos:Concept ; skos:prefLabel "Painting"@en, "Malerei"@de ;
    skos:broader ex:art ; skos:inScheme ex:scheme .
ex:fresco a skos:Concept ; skos:prefLabel "Fresco"@en, "Wall painting"@en ;
    skos:broader ex:painting, ex:mural ; skos:inScheme ex:scheme .
ex:mural a skos:Concept ; skos:prefLabel "Mural"@en ; skos:broader ex:fresco ;
    skos:inScheme ex:scheme .
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ## 1. Load
    //
    // Every reader returns a `Vocabulary` plus the repairs it made (lenient mode): a keyword
    // list with a keyword indented too deep is read, and the defect is reported.
    let (vocab, warnings) = tx::load_bytes(KEYWORDS.as_bytes(), Format::Lightroom, "keywords.txt")?;
    println!("{} keywords, {} warnings", vocab.len(), warnings.len());

    // ## 2. Normalise what people type
    //
    // Keys are NFKC-normalised and fully case-folded; synonyms resolve to their preferred
    // label; a typo gets the nearest suggestions instead of silently creating a new keyword.
    let norm = Normalizer::new(&vocab, NormalizeOptions::default());
    for typed in ["SOCCER", "paname", "Mamals"] {
        let r = norm.normalize(typed);
        match r.unique() {
            Some(id) => println!("{typed:>8} -> {}", vocab.path(id, &[]).unwrap_or_default()),
            None => {
                let near: Vec<_> = r
                    .suggestions
                    .iter()
                    .map(|c| vocab.concept(c.concept).display_label(&[]))
                    .collect();
                println!("{typed:>8} -> unknown, did you mean {near:?}");
            }
        }
    }

    // ## 3. Walk the hierarchy
    //
    // `paths` gives Lightroom's `lr:hierarchicalSubject` (category nodes left out), and
    // `expand_for_index` what a search index should store, so that a search for "Animals" finds
    // the dog pictures. The search side does the converse with `expand_query`.
    let dogs = norm
        .normalize("Canines")
        .unique()
        .ok_or("Canines resolves")?;
    let expanded: Vec<_> = vocab
        .expand_for_index(&[dogs])
        .into_iter()
        .map(|c| vocab.concept(c).display_label(&[]))
        .collect();
    println!("an asset keyworded Dogs is indexed as {expanded:?}");

    // ## 4. Autocomplete
    //
    // Prefixes match at every word start ("foot" finds "American football"), preferred labels
    // rank above synonyms, and typos are forgiven within edit distance 1-2.
    let ac = Autocomplete::new(&vocab);
    for q in ["foot", "socc", "mamals"] {
        let s: Vec<_> = ac
            .suggest(&vocab, q, None, 5)
            .into_iter()
            .map(|s| vocab.concept(s.concept).display_label(&[]).to_string())
            .collect();
        println!("{q:>8} … {s:?}");
    }

    // ## 5. Lint a thesaurus
    //
    // Real vocabularies have defects. `lint` checks the SKOS integrity conditions and the
    // usual suspects; every finding names its rule and the concepts.
    let (thesaurus, _) = tx::load_bytes(THESAURUS.as_bytes(), Format::Turtle, "thesaurus.ttl")?;
    let report = tx::lint(&thesaurus);
    for f in &report.findings {
        println!("lint {:<6} {}", f.rule.as_str(), f.message);
    }
    assert!(report.of(&Rule::CYCLE).count() == 1 && report.of(&Rule::S14).count() == 1);

    // ## 6. Convert
    //
    // The thesaurus becomes a keyword list Lightroom can import (labels in German where there
    // are some), and the keyword list becomes SKOS.
    let lr = tx::export(&thesaurus, ExportFormat::Lightroom, &["de"])?;
    println!("{}", String::from_utf8(lr)?);
    let ttl = tx::export(&vocab, ExportFormat::Skos, &[])?;
    println!("{} bytes of SKOS Turtle", ttl.len());
    Ok(())
}
