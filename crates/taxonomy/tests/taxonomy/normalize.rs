use damkit_taxonomy::{MatchedBy, NormalizeOptions, Normalizer};

use crate::{by_label, load};

#[test]
fn synonyms_resolve_to_preferred() {
    let v = load("keywords.txt");
    let n = Normalizer::new(&v, NormalizeOptions::default());
    let dogs = by_label(&v, "Dogs");
    let r = n.normalize("HOUNDS");
    assert_eq!(r.unique(), Some(dogs));
    assert_eq!(r.candidates[0].matched_by, MatchedBy::Alt);
    assert_eq!(n.normalize("  dogs  ").unique(), Some(dogs));
    // Category nodes are not keywords.
    assert!(n.normalize("Places").candidates.is_empty());
}

#[test]
fn unicode_folding() {
    let v = load("keywords.txt");
    let plain = Normalizer::new(&v, NormalizeOptions::default());
    let cafe = by_label(&v, "Café");
    assert_eq!(plain.normalize("CAFÉ").unique(), Some(cafe));
    assert_eq!(plain.normalize("Cafe\u{301}").unique(), Some(cafe), "NFC");
    assert!(plain.normalize("cafe").candidates.is_empty());
    let mut o = NormalizeOptions::default();
    o.fold_accents = true;
    let folded = Normalizer::new(&v, o);
    assert_eq!(folded.normalize("cafe").unique(), Some(cafe));
}

#[test]
fn ambiguous_and_unknown() {
    let mut v = damkit_taxonomy::Vocabulary::new();
    let a = v.add_concept("urn:jaguar-animal");
    let b = v.add_concept("urn:jaguar-car");
    v.add_label(a, damkit_taxonomy::LabelKind::Pref, "en", "Jaguar");
    v.add_label(b, damkit_taxonomy::LabelKind::Alt, "en", "jaguar");
    v.add_label(b, damkit_taxonomy::LabelKind::Pref, "en", "Jaguar Cars");
    v.finish();
    let n = Normalizer::new(&v, NormalizeOptions::default());
    let r = n.normalize("JAGUAR");
    assert!(r.is_ambiguous());
    assert_eq!(r.candidates[0].concept, a, "preferred label first");
    let r = n.normalize("jaguer");
    assert!(r.candidates.is_empty());
    assert_eq!(r.suggestions[0].concept, a);
    assert_eq!(r.suggestions[0].distance, 1);
}

#[test]
fn notations_and_languages() {
    let v = load("cptall-en-GB.json");
    let n = Normalizer::new(&v, NormalizeOptions::default());
    let arts = v
        .by_iri("http://cv.iptc.org/newscodes/mediatopic/01000000")
        .unwrap();
    let r = n.normalize("MEDTOP:01000000");
    assert_eq!(r.unique(), Some(arts));
    assert_eq!(r.candidates[0].matched_by, MatchedBy::Notation);
    let v = load("animals.jsonld");
    let mut o = NormalizeOptions::default();
    o.langs = vec!["fr".into()];
    let fr = Normalizer::new(&v, o);
    assert!(fr.normalize("Chiens").unique().is_some());
    assert!(fr.normalize("Dogs").candidates.is_empty());
}
