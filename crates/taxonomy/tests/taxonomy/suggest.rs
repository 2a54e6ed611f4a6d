use damkit_taxonomy::{Autocomplete, LabelKind, MatchedBy, Vocabulary};

use crate::{by_label, load};

#[test]
fn word_starts_and_ranking() {
    let v = load("keywords.txt");
    let ac = Autocomplete::new(&v);
    let s = ac.suggest(&v, "foot", None, 10);
    let football = by_label(&v, "Football");
    let american = by_label(&v, "American football");
    assert_eq!(s.len(), 2, "{s:?}");
    assert_eq!(s[0].concept, football, "label start ranks above word start");
    assert_eq!(s[1].concept, american);
    let s = ac.suggest(&v, "hou", None, 10);
    assert_eq!(s[0].concept, by_label(&v, "Dogs"));
    assert_eq!(s[0].matched_by, MatchedBy::Alt);
    assert!(
        ac.suggest(&v, "plac", None, 10).is_empty(),
        "categories are not suggested"
    );
}

#[test]
fn fuzzy_language_notation() {
    let v = load("cptall-en-GB.json");
    let ac = Autocomplete::new(&v);
    let s = ac.suggest(&v, "enviroment", Some("en"), 5);
    assert!(
        s.iter()
            .any(|x| x.matched == "environment" && x.distance >= 1),
        "{s:?}"
    );
    let s = ac.suggest(&v, "medtop:0100", None, 5);
    assert_eq!(s[0].matched_by, MatchedBy::Notation);
    assert!(ac.suggest(&v, "environment", Some("de"), 5).is_empty());
    let v = load("animals.jsonld");
    let ac = Autocomplete::new(&v);
    let fr = ac.suggest(&v, "chi", Some("fr"), 5);
    assert_eq!(fr[0].matched, "Chiens");
    assert!(ac.suggest(&v, "chi", Some("en"), 5).is_empty());
}

fn vocab_of(labels: &[(&str, LabelKind, &str, &str)]) -> Vocabulary {
    // (iri, kind, lang, text)
    let mut v = Vocabulary::new();
    for &(iri, kind, lang, text) in labels {
        let id = v.add_concept(iri);
        v.add_label(id, kind, lang, text);
    }
    v.finish();
    v
}

#[test]
fn best_hit_found_beyond_thousands_of_completions() {
    // 5,000 long labels come first in byte order; the short label sorts last, yet ranks first
    // (the old index ranked only the first 1,024 keys in byte order).
    let mut v = Vocabulary::new();
    for i in 0..5000 {
        let id = v.add_concept(&format!("urn:c{i}"));
        v.add_label(id, LabelKind::Pref, "en", &format!("aardvark {i:05}"));
    }
    let axe = v.add_concept("urn:axe");
    v.add_label(axe, LabelKind::Pref, "en", "Axe");
    v.finish();
    let ac = Autocomplete::new(&v);
    let s = ac.suggest(&v, "a", Some("en"), 3);
    assert_eq!(s[0].concept, axe, "{s:?}");
    assert_eq!(s[1].matched, "aardvark 00000");
    assert_eq!(s.len(), 3);
    // Ranks are in order: label length never decreases among preferred label starts.
    let s = ac.suggest(&v, "a", None, 50);
    assert_eq!(s.len(), 50);
    assert!(
        s.windows(2)
            .all(|w| w[0].matched.len() <= w[1].matched.len())
    );
}

#[test]
fn exact_key_then_kind_then_fuzzy() {
    let v = vocab_of(&[
        ("urn:football", LabelKind::Pref, "en", "Football"),
        ("urn:foot", LabelKind::Alt, "en", "Foot"),
        ("urn:dogs", LabelKind::Pref, "en", "Dogs"),
        ("urn:hounds", LabelKind::Alt, "en", "Dogsled"),
        ("urn:station", LabelKind::Pref, "en", "Railway station"),
    ]);
    let ac = Autocomplete::new(&v);
    let s = ac.suggest(&v, "foot", None, 10);
    assert_eq!(s[0].concept, v.by_iri("urn:foot").unwrap(), "{s:?}");
    assert_eq!(s[0].matched_by, MatchedBy::Alt);
    assert_eq!(s[1].concept, v.by_iri("urn:football").unwrap());
    let s = ac.suggest(&v, "dog", None, 10);
    assert_eq!(s[0].matched_by, MatchedBy::Pref, "{s:?}");
    assert_eq!(s[1].matched_by, MatchedBy::Alt);
    // A misspelling at a word start, transposition = one edit.
    let s = ac.suggest(&v, "statoin", None, 10);
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].matched, "Railway station");
    assert_eq!(s[0].distance, 1);
    // Exact completions that fill the limit leave fuzzy ones out.
    let s = ac.suggest(&v, "foot", None, 1);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].distance, 0);
    // The first character must be right for fuzzy matches.
    assert!(ac.suggest(&v, "xtation", None, 10).is_empty());
}

#[test]
fn language_filter_keeps_rank_order() {
    let mut v = Vocabulary::new();
    for i in 0..300 {
        let id = v.add_concept(&format!("urn:c{i}"));
        v.add_label(id, LabelKind::Pref, "de", &format!("Bahn {i}"));
        v.add_label(id, LabelKind::Pref, "en", &format!("Bahnhof railway {i}"));
    }
    v.finish();
    let ac = Autocomplete::new(&v);
    let s = ac.suggest(&v, "bahn", Some("en"), 5);
    assert_eq!(s.len(), 5);
    assert!(s.iter().all(|x| x.lang == "en"), "{s:?}");
    assert_eq!(s[0].matched, "Bahnhof railway 0");
    let s = ac.suggest(&v, "bahn", Some("de"), 5);
    assert_eq!(s[0].matched, "Bahn 0");
}
