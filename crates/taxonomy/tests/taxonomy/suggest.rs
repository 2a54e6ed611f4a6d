use damkit_taxonomy::{Autocomplete, MatchedBy};

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
