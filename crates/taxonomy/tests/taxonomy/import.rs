use damkit_taxonomy::{Format, LabelKind, MatchKind, NoteKind, load_path};

use crate::{by_label, data, load, shared};

#[test]
fn iptc_cptall_json_bundled() {
    let v = load("cptall-en-GB.json");
    assert_eq!(v.len(), 1392);
    assert_eq!(v.concepts().filter(|c| c.is_retired()).count(), 308);
    let scheme = v.schemes().next().unwrap();
    assert_eq!(scheme.iri(), "http://cv.iptc.org/newscodes/mediatopic/");
    assert_eq!(scheme.top_concepts().len(), 17);
    let arts = v
        .by_iri("http://cv.iptc.org/newscodes/mediatopic/01000000")
        .unwrap();
    let c = v.concept(arts);
    assert_eq!(
        c.pref_label(&["en"]),
        Some("arts, culture, entertainment and media")
    );
    assert_eq!(c.notations().next(), Some("medtop:01000000"));
    // narrower written as QCodes are expanded to IRIs.
    let child = v.concept(c.narrower()[0]);
    assert!(
        child
            .iri()
            .starts_with("http://cv.iptc.org/newscodes/mediatopic/2")
    );
    assert!(child.is_declared());
    assert!(child.broader().contains(&arts));
    assert!(c.matches().any(|(k, _)| k == MatchKind::Exact));
    let retired = v
        .by_iri("http://cv.iptc.org/newscodes/mediatopic/20000030")
        .unwrap();
    assert_eq!(
        v.concept(retired).retired_date(),
        Some("2021-09-30T12:00:00+00:00")
    );
}

#[test]
fn shared_counts_match_the_sources() {
    for (rel, n) in [
        ("iptc-mediatopic/cptall-en-GB-2016.rdf", 1153),
        ("uat/UAT.rdf", 2372),
        ("iptc-mediatopic/cptall-en-GB.json", 1392),
        ("iptc-mediatopic/KI-medtop-multilingual.json", 1154),
    ] {
        let Some(p) = shared(rel) else { continue };
        let (v, w) = load_path(&p).unwrap();
        assert!(w.is_empty());
        assert_eq!(v.len(), n, "{rel}");
    }
    if let Some(p) = shared("iptc-mediatopic/KI-medtop-multilingual.json") {
        let v = load_path(&p).unwrap().0;
        let env = v
            .by_iri("http://cv.iptc.org/newscodes/mediatopic/06000000")
            .unwrap();
        assert_eq!(v.concept(env).pref_label(&["de"]), Some("Umwelt"));
        assert_eq!(v.concept(env).pref_label(&["fr-CA"]), Some("Environnement"));
    }
}

#[test]
fn every_shared_file_loads() {
    let Some(dir) = shared("") else { return };
    let mut n = 0;
    for entry in walk(&dir) {
        let Some(ext) = entry.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if !["ttl", "rdf", "json"].contains(&ext) {
            continue;
        }
        let (v, _) = load_path(&entry).unwrap_or_else(|e| panic!("{e}"));
        let _ = damkit_taxonomy::lint(&v);
        n += 1;
    }
    assert!(n >= 35, "only {n} files");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn rdfxml_nested_skosxl_retired() {
    let v = load("animals.rdf");
    assert_eq!(v.len(), 4);
    let dog = v.by_iri("http://example.org/dog").unwrap();
    let d = v.concept(dog);
    assert_eq!(d.pref_label(&["en"]), Some("Dogs"), "SKOS-XL prefLabel");
    assert!(
        d.labels_of(LabelKind::Alt).any(|l| l.text == "Canines"),
        "SKOS-XL altLabel"
    );
    assert!(d.labels_of(LabelKind::Hidden).any(|l| l.text == "dgos"));
    let mammal = v.by_iri("http://example.org/mammal").unwrap();
    assert_eq!(d.broader(), &[mammal]);
    // narrower stated on the parent gives the inverse broader.
    let animal = v.by_iri("http://example.org/animal").unwrap();
    assert_eq!(v.concept(mammal).broader(), &[animal]);
    assert_eq!(v.concept(mammal).pref_label(&["en-US"]), Some("Mammals"));
    assert_eq!(
        v.concept(mammal).definition(&["en"]),
        Some("Warm-blooded vertebrates.")
    );
    assert_eq!(v.concept(animal).top_concept_of().len(), 1);
    let old = v.concept(v.by_iri("http://example.org/wolf-old").unwrap());
    assert!(old.is_retired());
    assert_eq!(
        old.replaced_by().collect::<Vec<_>>(),
        vec!["http://example.org/dog"]
    );
    assert_eq!(v.by_notation("A"), vec![animal]);
    let _ = NoteKind::Definition;
}

#[test]
fn jsonld() {
    let v = load("animals.jsonld");
    assert_eq!(v.len(), 2);
    let dog = by_label(&v, "Dogs");
    assert_eq!(v.concept(dog).pref_label(&["fr"]), Some("Chiens"));
    assert_eq!(v.concept(dog).labels_of(LabelKind::Alt).count(), 2);
    assert_eq!(v.path(dog, &["en"]).as_deref(), Some("Animals|Dogs"));
}

#[test]
fn skosxl_fixture_and_collections() {
    let v = load("xl.ttl");
    let c = v.concepts().next().unwrap();
    assert!(c.labels().count() >= 1, "SKOS-XL labels read");
    let g = load("groups.ttl");
    assert!(g.collections().count() >= 1);
    assert!(g.collections().any(|c| c.concept_members().count() > 0));
}

#[test]
fn several_schemes() {
    let v = load("multiple-schemes.ttl");
    assert_eq!(v.schemes().count(), 3);
}

#[test]
fn lightroom_and_csv_agree() {
    let (lr, w) = load_path(&data("keywords.txt")).unwrap();
    assert!(w.is_empty(), "{w:?}");
    let (csv, w) = load_path(&data("keywords.csv")).unwrap();
    assert!(w.is_empty(), "{w:?}");
    // The same path gives the same IRI in both formats.
    let dogs_lr = lr.concept(by_label(&lr, "Dogs")).iri().to_string();
    let dogs_csv = csv.concept(by_label(&csv, "Dogs")).iri().to_string();
    assert_eq!(dogs_lr, dogs_csv);
    assert!(
        csv.concept(by_label(&csv, "Dogs"))
            .notations()
            .any(|n| n == "D1")
    );
    assert!(lr.concept(by_label(&lr, "Places")).is_category());
    assert_eq!(
        Format::detect(&data("keywords.csv"), b""),
        Some(Format::Csv)
    );
}
