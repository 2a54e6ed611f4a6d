use crate::{by_label, load};

#[test]
fn ancestors_paths_expansion() {
    let v = load("keywords.txt");
    let dogs = by_label(&v, "Dogs");
    let mammals = by_label(&v, "Mammals");
    let animals = by_label(&v, "Animals");
    assert_eq!(v.ancestors(dogs), vec![mammals, animals]);
    assert_eq!(v.descendants(animals).len(), 3);
    assert_eq!(v.paths(dogs, &[]), vec!["Animals|Mammals|Dogs".to_string()]);
    let paris = by_label(&v, "Paris");
    assert_eq!(
        v.path(paris, &[]).as_deref(),
        Some("France|Paris"),
        "category left out"
    );
    let ex = v.expand_for_index(&[dogs, paris]);
    assert_eq!(ex.len(), 5);
    assert!(!ex.contains(&by_label(&v, "Places")));
    assert!(v.expand_query(animals).contains(&dogs));
}

#[test]
fn polyhierarchy_paths() {
    let v = load("test.ttl");
    let multi = by_label(&v, "multiple broaders");
    assert!(v.concept(multi).broader().len() >= 2);
    assert!(v.paths(multi, &["en"]).len() >= 2);
}

#[test]
fn deep_lightroom_list() {
    // 100 000 levels of TABs would be ~5 GB of text; the 100 000-level chain (with a cycle)
    // is tested on the API in the crate's unit tests, the file reader at 3 000 levels (4.5 MB).
    let text: String = (0..3000)
        .map(|i| format!("{}k{i}\n", "\t".repeat(i)))
        .collect();
    let (v, w) =
        damkit_taxonomy::load_bytes(text.as_bytes(), damkit_taxonomy::Format::Lightroom, "deep")
            .unwrap();
    assert!(w.is_empty());
    assert_eq!(v.len(), 3000);
    let deepest = by_label(&v, "k2999");
    assert_eq!(v.ancestors(deepest).len(), 2999);
    assert_eq!(v.path(deepest, &[]).unwrap().matches('|').count(), 2999);
    let out = damkit_taxonomy::export(&v, damkit_taxonomy::ExportFormat::Lightroom, &[]).unwrap();
    assert_eq!(out, text.as_bytes());
    let lint = damkit_taxonomy::lint(&v);
    assert!(lint.findings.is_empty(), "{:?}", lint.findings);
}

#[test]
fn twenty_thousand_deep_skos_with_cycle() {
    // 20 000 levels keep the debug-mode test fast; the 100 000-level chain is a unit test
    // (`hierarchy::tests::deep_chain_and_cycle`) on the API.
    let n = 20_000;
    let mut ttl = String::from("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n");
    for i in 0..n {
        ttl.push_str(&format!(
            "<urn:c:{i}> a skos:Concept ; skos:prefLabel \"c{i}\"@en ; skos:broader <urn:c:{}> .\n",
            (i + n - 1) % n
        ));
    }
    let (v, _) =
        damkit_taxonomy::load_bytes(ttl.as_bytes(), damkit_taxonomy::Format::Turtle, "deep.ttl")
            .unwrap();
    assert_eq!(v.len(), n);
    let last = v.by_iri(&format!("urn:c:{}", n - 1)).unwrap();
    assert_eq!(v.ancestors(last).len(), n - 1);
    assert_eq!(v.expand_for_index(&[last]).len(), n);
    assert_eq!(v.concept_paths(last)[0].len(), damkit_taxonomy::MAX_DEPTH);
    let report = damkit_taxonomy::lint(&v);
    let cycles: Vec<_> = report.of(&damkit_taxonomy::Rule::CYCLE).collect();
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].concepts.len(), n);
    let e = damkit_taxonomy::export(&v, damkit_taxonomy::ExportFormat::Lightroom, &[]).unwrap_err();
    assert!(e.to_string().contains("deeper than"), "{e}");
}
