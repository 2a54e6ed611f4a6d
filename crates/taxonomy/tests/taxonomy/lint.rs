use damkit_taxonomy::{LabelKind, Rule, Vocabulary, lint};

use crate::{load, shared};

fn concepts_of(r: &damkit_taxonomy::Report, rule: &Rule) -> Vec<Vec<String>> {
    r.of(rule).map(|f| f.concepts.clone()).collect()
}

#[test]
fn skosmos_cycle_fixture() {
    let r = lint(&load("cycle.ttl"));
    assert_eq!(r.concepts, 4);
    let cycles = concepts_of(&r, &Rule::CYCLE);
    let ns = "http://www.skosmos.skos/cycle/";
    assert!(
        cycles.contains(&vec![format!("{ns}ta2")]),
        "self loop: {cycles:?}"
    );
    assert!(
        cycles.iter().any(|c| c.len() == 2
            && c.contains(&format!("{ns}ta3"))
            && c.contains(&format!("{ns}ta4"))),
        "{cycles:?}"
    );
}

#[test]
fn skosmos_dup_fixture() {
    let r = lint(&load("dup.ttl"));
    let dups = concepts_of(&r, &Rule::DUPLICATE_LABEL);
    let ns = "http://www.skosmos.skos/dup/";
    assert!(
        dups.contains(&vec![format!("{ns}d1"), format!("{ns}d2")]),
        "{dups:?}"
    );
    assert!(
        dups.contains(&vec![format!("{ns}d3"), format!("{ns}d6")]),
        "{dups:?}"
    );
    // dup:subPrefLabel is declared rdfs:subPropertyOf skos:prefLabel: d6 gets two prefLabels
    // in English (S14); d7's two are identical, which is fine.
    let s14 = concepts_of(&r, &Rule::S14);
    assert_eq!(s14, vec![vec![format!("{ns}d6")]]);
}

#[test]
fn skosmos_test_fixtures() {
    let r = lint(&load("test.ttl"));
    assert!(r.of(&Rule::NO_PREF_LABEL).count() >= 1);
    assert!(r.of(&Rule::S14).count() >= 1);
    assert!(r.of(&Rule::MISSING_CONCEPT).count() >= 1);
    let r = lint(&load("test-hierarchy.ttl"));
    assert!(r.of(&Rule::ORPHAN).count() >= 1);
}

#[test]
fn shared_fixture_defects() {
    if let Some(p) = shared("iptc-mediatopic/KI-medtop-multilingual.json") {
        let r = lint(&damkit_taxonomy::load_path(&p).unwrap().0);
        let c = concepts_of(&r, &Rule::CYCLE);
        assert_eq!(
            c,
            vec![vec![
                "http://cv.iptc.org/newscodes/mediatopic/20000675".to_string()
            ]]
        );
    }
    if let Some(p) = shared("uat/UAT.rdf") {
        let r = lint(&damkit_taxonomy::load_path(&p).unwrap().0);
        assert_eq!(r.concepts, 2372);
        assert!(r.of(&Rule::S27).count() >= 1);
    }
    if let Some(p) = shared("skosmos-fixtures/yso.ttl") {
        let r = lint(&damkit_taxonomy::load_path(&p).unwrap().0);
        assert!(r.of(&Rule::S13).count() >= 1);
    }
}

#[test]
fn every_rule_fires_on_a_built_vocabulary() {
    let mut v = Vocabulary::new();
    let s = v.add_scheme("urn:s");
    let a = v.add_concept("urn:a");
    let b = v.add_concept("urn:b");
    let c = v.add_concept("urn:c");
    let d = v.add_concept("urn:d");
    let e = v.add_concept("urn:e");
    for x in [a, b, c, d] {
        v.add_in_scheme(x, s);
    }
    v.add_top_concept(s, a);
    v.add_label(a, LabelKind::Pref, "en", "Alpha");
    v.add_label(a, LabelKind::Alt, "en", "Alpha"); // S13
    v.add_label(b, LabelKind::Pref, "en", "Beta");
    v.add_label(b, LabelKind::Pref, "EN", "Bêta"); // S14 (tags compare case-insensitively)
    v.add_label(c, LabelKind::Pref, "en", "ALPHA"); // duplicate of a
    v.add_label(c, LabelKind::Alt, "en_US", "x"); // bad tag
    v.add_label(c, LabelKind::Hidden, "en", " "); // empty
    v.add_label(c, LabelKind::Hidden, "en", "bad\u{7}bell"); // unprintable
    v.add_broader(b, a);
    v.add_broader(c, b);
    v.add_related(c, a); // S27
    let ghost = v.concept_id("urn:ghost");
    v.add_broader(d, ghost); // missing
    v.add_match(a, damkit_taxonomy::MatchKind::Exact, "urn:x");
    v.add_match(a, damkit_taxonomy::MatchKind::Related, "urn:x"); // S46
    v.add_label(e, LabelKind::Pref, "en", "Lonely"); // orphan
    let f = v.add_concept("urn:f"); // no prefLabel
    v.add_broader(f, f); // cycle
    v.finish();
    let r = lint(&v);
    for rule in [
        Rule::S13,
        Rule::S14,
        Rule::S27,
        Rule::S46,
        Rule::CYCLE,
        Rule::ORPHAN,
        Rule::NO_PREF_LABEL,
        Rule::DUPLICATE_LABEL,
        Rule::EMPTY_LABEL,
        Rule::UNPRINTABLE_LABEL,
        Rule::BAD_LANGUAGE_TAG,
        Rule::MISSING_CONCEPT,
    ] {
        assert!(
            r.of(&rule).count() >= 1,
            "{rule} not found in {:#?}",
            r.findings
        );
    }
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["concepts"], 6);
    let f0 = &json["findings"][0];
    assert!(f0["rule"].is_string() && f0["concepts"].is_array() && f0["message"].is_string());
}

#[test]
fn alt_label_equal_to_another_pref_label() {
    let mut v = Vocabulary::new();
    let car = v.add_concept("urn:car");
    v.add_label(car, LabelKind::Pref, "en", "Car");
    let auto = v.add_concept("urn:automobile");
    v.add_label(auto, LabelKind::Pref, "en", "Automobile");
    v.add_label(auto, LabelKind::Alt, "en", "CAR");
    // Two altLabels alone are a legitimate ambiguity, not reported.
    let a = v.add_concept("urn:a");
    v.add_label(a, LabelKind::Pref, "en", "Jaguar (animal)");
    v.add_label(a, LabelKind::Alt, "en", "Jaguar");
    let b = v.add_concept("urn:b");
    v.add_label(b, LabelKind::Pref, "en", "Jaguar (car)");
    v.add_label(b, LabelKind::Alt, "en", "Jaguar");
    v.finish();
    let r = lint(&v);
    let d: Vec<_> = r.of(&Rule::DUPLICATE_LABEL).collect();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].concepts, vec!["urn:car", "urn:automobile"]);
    assert!(d[0].message.contains("altLabel"), "{}", d[0].message);
}
