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

const SKOS_PREFIXES: &str = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n@prefix ex: <http://example.org/> .\n";

fn ttl(body: &str) -> damkit_taxonomy::Vocabulary {
    let text = format!("{SKOS_PREFIXES}{body}");
    damkit_taxonomy::load_bytes(text.as_bytes(), Format::Turtle, "t.ttl")
        .unwrap()
        .0
}

#[test]
fn rdfs_label_is_a_fallback() {
    let v = ttl("ex:old a skos:Concept ; rdfs:label \"Old term\"@en .\n\
         ex:new a skos:Concept ; skos:prefLabel \"New term\"@en ; rdfs:label \"Other\"@en .\n");
    let old = v.concept(v.by_iri("http://example.org/old").unwrap());
    let new = v.concept(v.by_iri("http://example.org/new").unwrap());
    assert_eq!(old.pref_label(&["en"]), Some("Old term"));
    assert_eq!(old.display_label(&["en"]), "Old term");
    assert_eq!(new.pref_label(&["en"]), Some("New term"));
    assert_eq!(
        old.fallback_labels().collect::<Vec<_>>(),
        vec![("en", "Old term")]
    );
    let n = damkit_taxonomy::Normalizer::new(&v, Default::default());
    assert_eq!(n.normalize("old term").unique(), Some(old.id()));
    assert!(
        n.normalize("other").candidates.is_empty(),
        "rdfs:label only as a fallback"
    );
    let ac = damkit_taxonomy::Autocomplete::new(&v);
    assert_eq!(ac.suggest(&v, "old", None, 5)[0].concept, old.id());
    // Lint still says SKOS-wise there is no prefLabel, and shows the fallback.
    let r = damkit_taxonomy::lint(&v);
    let f: Vec<_> = r.of(&damkit_taxonomy::Rule::NO_PREF_LABEL).collect();
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("rdfs:label"), "{}", f[0].message);
    // Kept by JSON and Turtle round trips.
    let back = damkit_taxonomy::json::parse(v.to_json().as_bytes(), "j").unwrap();
    let b = back.concept(back.by_iri("http://example.org/old").unwrap());
    assert_eq!(b.pref_label(&["en"]), Some("Old term"));
    let t = damkit_taxonomy::export(&v, damkit_taxonomy::ExportFormat::Skos, &[]).unwrap();
    let (back, _) = damkit_taxonomy::load_bytes(&t, Format::Turtle, "back.ttl").unwrap();
    let b = back.concept(back.by_iri("http://example.org/old").unwrap());
    assert_eq!(b.pref_label(&["en"]), Some("Old term"));
}

#[test]
fn broader_transitive_understood() {
    let v = ttl("ex:a a skos:Concept .\n\
         ex:b a skos:Concept ; skos:broader ex:a .\n\
         ex:c a skos:Concept ; skos:broader ex:b ; skos:broaderTransitive ex:a, ex:b .\n\
         ex:d a skos:Concept ; skos:broaderTransitive ex:a .\n\
         ex:a skos:narrowerTransitive ex:e .\n\
         ex:e a skos:Concept .\n");
    let id = |n: &str| v.by_iri(&format!("http://example.org/{n}")).unwrap();
    // A published closure does not flatten the tree.
    assert_eq!(v.concept(id("c")).broader(), &[id("b")]);
    // A lone transitive statement still places the concept.
    assert_eq!(v.concept(id("d")).broader(), &[id("a")]);
    assert_eq!(v.concept(id("e")).broader(), &[id("a")]);
    assert!(v.concept(id("a")).narrower().contains(&id("d")));
    assert_eq!(v.ancestors(id("c")), vec![id("b"), id("a")]);
}

#[test]
fn hub_with_many_children_is_linear() {
    // 60,000 `narrower` statements on one concept (and each stated twice): building used to
    // check each new link against the whole list.
    let mut body = String::from("ex:root a skos:Concept ; skos:prefLabel \"Root\" .\n");
    for i in 0..60_000 {
        body.push_str(&format!(
            "ex:root skos:narrower ex:c{i} .\nex:c{i} a skos:Concept ; skos:broader ex:root .\nex:root skos:narrower ex:c{i} .\n"
        ));
    }
    let v = ttl(&body);
    let root = v.by_iri("http://example.org/root").unwrap();
    assert_eq!(v.concept(root).narrower().len(), 60_000);
    let c = v.by_iri("http://example.org/c7").unwrap();
    assert_eq!(v.concept(c).broader(), &[root]);
}

#[test]
fn rdfxml_still_checks_iris_and_language_tags() {
    let doc = |about: &str, lang: &str| {
        format!(
            "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:skos=\"http://www.w3.org/2004/02/skos/core#\">\n<skos:Concept rdf:about=\"{about}\"><skos:prefLabel xml:lang=\"{lang}\">X</skos:prefLabel></skos:Concept>\n</rdf:RDF>\n"
        )
    };
    let load = |s: String| damkit_taxonomy::load_bytes(s.as_bytes(), Format::RdfXml, "x.rdf");
    assert!(load(doc("http://example.org/ok", "en-GB")).is_ok());
    let e = load(doc("http://exa mple.org/bad", "en"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("x.rdf") && e.contains("IRI"), "{e}");
    let e = load(doc("http://example.org/ok", "not a tag"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("language tag"), "{e}");
}
