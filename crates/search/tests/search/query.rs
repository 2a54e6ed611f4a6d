use damkit_search::{SearchIndex, SearchRequest};

use crate::{fixture, rec};

fn ids(index: &SearchIndex, q: &str) -> Vec<u8> {
    let r = index.search(&SearchRequest::new(q).limit(100)).unwrap();
    let mut v: Vec<u8> = r.hits.iter().map(|h| h.id.as_bytes()[15]).collect();
    v.sort();
    v
}

fn warned(index: &SearchIndex, q: &str) -> Vec<String> {
    index.search(&SearchRequest::new(q)).unwrap().warnings
}

#[test]
fn words_phrases_and_boolean_logic() {
    let (ix, _) = fixture();
    assert_eq!(ids(&ix, ""), vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(ids(&ix, "fox"), vec![1]);
    assert_eq!(ids(&ix, "FOX Snow"), vec![1]);
    assert_eq!(ids(&ix, "fox OR bridge"), vec![1, 4]);
    assert_eq!(ids(&ix, "fox AND bridge"), Vec::<u8>::new());
    assert_eq!(ids(&ix, "-fox"), vec![2, 3, 4, 5, 6]);
    assert_eq!(ids(&ix, "NOT fox NOT bridge"), vec![2, 3, 5, 6]);
    assert_eq!(ids(&ix, "(fox OR dogs) -sleeping"), vec![1]);
    assert_eq!(ids(&ix, "\"red fox\""), vec![1]);
    assert_eq!(ids(&ix, "\"fox red\""), Vec::<u8>::new());
    // Accents fold: "foret" finds "forêt".
    assert_eq!(ids(&ix, "foret"), vec![5]);
    // Bare words also match make, format, collection exactly.
    assert_eq!(ids(&ix, "sony"), vec![4]);
}

#[test]
fn stemming_per_language() {
    let (ix, _) = fixture();
    // English: "dog" finds "dogs", "hunting" finds "hunt".
    assert_eq!(ids(&ix, "dog"), vec![2]);
    assert_eq!(ids(&ix, "sleep"), vec![2]);
    // German stemmer: "Hund" finds "Hunde".
    assert_eq!(ids(&ix, "hund"), vec![3]);
    // French stemmer: "renard" finds "renards".
    assert_eq!(ids(&ix, "renard"), vec![5]);
}

#[test]
fn typo_tolerance_for_long_words() {
    let (ix, _) = fixture();
    assert_eq!(ids(&ix, "sleping"), vec![2]); // deletion
    assert_eq!(ids(&ix, "bridgw"), vec![4]); // substitution
    assert_eq!(ids(&ix, "sunste"), vec![4]); // transposition
    // Short words are exact: "fix" is not "fox".
    assert_eq!(ids(&ix, "fix"), Vec::<u8>::new());
    // Two edits are too many.
    assert_eq!(ids(&ix, "brixgw"), Vec::<u8>::new());
}

#[test]
fn fields() {
    let (ix, _) = fixture();
    assert_eq!(ids(&ix, "make:Canon"), vec![1, 3]);
    assert_eq!(ids(&ix, "make:canon"), vec![1, 3]);
    assert_eq!(ids(&ix, "model:\"Canon EOS 5D Mark IV\""), vec![1]);
    assert_eq!(ids(&ix, "keyword:\"red fox\""), vec![1]);
    assert_eq!(ids(&ix, "kw:winter"), vec![1]);
    assert_eq!(ids(&ix, "keyword:(dog OR bridge)"), vec![2, 4]);
    assert_eq!(ids(&ix, "creator:smith"), vec![1]);
    assert_eq!(ids(&ix, "creator:\"Jane Smith\""), vec![1]);
    assert_eq!(ids(&ix, "title:fox"), vec![1]);
    assert_eq!(ids(&ix, "description:sofa"), vec![2]);
    assert_eq!(ids(&ix, "taxonomy:/Animals"), vec![1, 2, 3, 5]);
    assert_eq!(ids(&ix, "taxonomy:/animals/mammals/dogs"), vec![2, 3]);
    assert_eq!(ids(&ix, "taxonomy:/Places"), vec![3, 4]);
    assert_eq!(ids(&ix, "collection:\"winter 2020\""), vec![1]);
    assert_eq!(ids(&ix, "status:approved"), vec![1]);
    assert_eq!(ids(&ix, "editorial:true"), vec![2]);
    assert_eq!(ids(&ix, "language:de"), vec![3]);
    assert_eq!(ids(&ix, "path:img_0001"), vec![6]);
    assert_eq!(ids(&ix, "year:2021"), vec![2, 3]);
    assert_eq!(ids(&ix, &format!("id:{}", rec(4).id)), vec![4]);
    assert_eq!(ids(&ix, "make:Can*"), vec![1, 3]);
    assert_eq!(ids(&ix, "archi*"), vec![6]);
}

#[test]
fn ranges_and_comparisons() {
    let (ix, _) = fixture();
    assert_eq!(ids(&ix, "taken:[2020-01-01 TO 2021-01-01]"), vec![1]);
    assert_eq!(ids(&ix, "taken:[2020-01-01 TO 2021-06-01]"), vec![1, 2]);
    assert_eq!(ids(&ix, "taken:[2020-01-01 TO 2021-06-01}"), vec![1]);
    assert_eq!(ids(&ix, "taken:2021"), vec![2, 3]);
    assert_eq!(ids(&ix, "taken:2021-07"), vec![3]);
    assert_eq!(ids(&ix, "taken:>2020"), vec![2, 3]);
    assert_eq!(ids(&ix, "taken:>=2020"), vec![1, 2, 3]);
    assert_eq!(ids(&ix, "taken:<2020"), vec![4]);
    assert_eq!(ids(&ix, "taken:[* TO 2019-12-31]"), vec![4]);
    assert_eq!(ids(&ix, "width:>2000"), vec![1, 3, 4]);
    assert_eq!(ids(&ix, "width:>=6000"), vec![1]);
    assert_eq!(ids(&ix, "width:1920"), vec![2]);
    assert_eq!(ids(&ix, "rating:>=4"), vec![1, 3]);
    assert_eq!(ids(&ix, "size:>5MB"), vec![1]);
    assert_eq!(ids(&ix, "pixels:>20M"), vec![1, 3]);
    assert_eq!(ids(&ix, "lat:[40 TO 50]"), vec![1, 2]);
}

#[test]
fn malformed_queries_answer_with_warnings() {
    let (ix, _) = fixture();
    for (q, expect, warning) in [
        ("fox (", vec![1], "missing ')'"),
        ("fox )", vec![1], "unmatched ')'"),
        ("\"red fox", vec![1], "'\"'"),
        (
            "taken:[2020-13-45 TO 2021]",
            vec![1, 2, 3, 4, 5, 6],
            "not a valid date",
        ),
        ("fox taken:yesterday-ish", vec![1], "not a valid date"),
        ("width:>huge", vec![1, 2, 3, 4, 5, 6], "not a valid number"),
        ("nosuchfield:fox", vec![1], "unknown field"),
        ("make:", vec![1, 2, 3, 4, 5, 6], "without a value"),
        (
            "title:[a TO b]",
            vec![1, 2, 3, 4, 5, 6],
            "not a number or date",
        ),
        (
            "editorial:maybe",
            vec![1, 2, 3, 4, 5, 6],
            "not true or false",
        ),
        ("fox /(a+)+$/", vec![1], "regular expressions"),
        ("*", vec![1, 2, 3, 4, 5, 6], "wildcard"),
    ] {
        let r = ix.search(&SearchRequest::new(q).limit(100)).unwrap();
        let mut got: Vec<u8> = r.hits.iter().map(|h| h.id.as_bytes()[15]).collect();
        got.sort();
        assert_eq!(got, expect, "{q}");
        assert!(
            r.warnings.iter().any(|w| w.contains(warning)),
            "{q}: {:?}",
            r.warnings
        );
    }
    assert!(warned(&ix, "fox").is_empty());
}

#[test]
fn concept_expansion_through_the_caller_expander() {
    let (ix, _) = fixture();
    let expander = |c: &str| -> Vec<String> {
        match c {
            "ex:mammal" => vec!["ex:fox".into(), "ex:dog".into(), "ex:redfox".into()],
            "ex:fox" => vec!["ex:redfox".into()],
            _ => vec![],
        }
    };
    let search = |q: &str| {
        let r = ix
            .search_with(&SearchRequest::new(q), Some(&expander))
            .unwrap();
        let mut v: Vec<u8> = r.hits.iter().map(|h| h.id.as_bytes()[15]).collect();
        v.sort();
        v
    };
    assert_eq!(search("concept:ex:mammal"), vec![1, 2, 5]);
    assert_eq!(search("concept:ex:fox"), vec![1, 5]);
    assert_eq!(search("concept:ex:dog"), vec![2]);
    // Without an expander only the concept itself matches.
    assert_eq!(ids(&ix, "concept:ex:fox"), vec![1]);
}
