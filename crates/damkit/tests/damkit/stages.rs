//! The capability stages wired into ingest: metadata, renditions, content and perceptual
//! hashes, keywords, rights; the reports over them; edits written back into files.

use std::path::{Path, PathBuf};

use damkit::library::{
    Edit, LibraryConfig, LibraryError, LifecycleStatus, VocabularyConfig, WriteBack,
};

use crate::util::{opts, setup};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn bad(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad")
        .join(name)
}

fn copy(name: &str, dir: &Path, as_name: &str) -> PathBuf {
    let p = dir.join(as_name);
    std::fs::copy(data(name), &p).unwrap();
    p
}

#[test]
fn metadata_renditions_hashes_and_rights_are_recorded() {
    let (_d, src, lib) = setup(LibraryConfig::default());
    copy("iptc-reference.jpg", &src, "ref.jpg");
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.added.len(), 1, "{r:#?}");
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    for name in [
        "metadata",
        "renditions",
        "content_hash",
        "perceptual_hash",
        "keywords",
        "rights",
    ] {
        let s = r.stages.iter().find(|s| s.name == name).unwrap();
        assert!(s.wired && s.files == 1, "{s:?}");
    }
    let a = lib.asset(&r.added[0].id).unwrap();
    assert_eq!(a.title.as_deref(), Some("The Title (ref2023.2)"));
    assert_eq!(
        a.description.as_deref(),
        Some("The description aka caption (ref2023.2)")
    );
    let kw: Vec<&str> = a.keywords.iter().map(|k| k.keyword.as_str()).collect();
    assert_eq!(
        kw,
        [
            "Keyword1ref2023.2",
            "Keyword2ref2023.2",
            "Keyword3ref2023.2"
        ]
    );
    let v = a.current_version().unwrap();
    let md = v.metadata.as_ref().expect("metadata recorded");
    assert_eq!(md["MWG:Keywords"][0], "Keyword1ref2023.2");
    let facts = damkit::library::AssetFacts::from_metadata_json(md);
    assert_eq!(facts.title.as_deref(), Some("The Title (ref2023.2)"));
    assert!(facts.width.is_some() && facts.height.is_some(), "{facts:?}");
    // Renditions: both default presets, files under renditions/, within the preset size.
    assert_eq!(v.renditions.len(), 2, "{:?}", v.renditions);
    for rd in &v.renditions {
        let max = if rd.preset == "thumb" { 256 } else { 1024 };
        assert!(rd.width.max(rd.height) <= max, "{rd:?}");
        let f = lib.path().join(&rd.path);
        assert!(rd.path.starts_with("renditions/"), "{rd:?}");
        assert_eq!(std::fs::metadata(&f).unwrap().len(), rd.size);
        assert!(std::fs::read(&f).unwrap().starts_with(&[0xFF, 0xD8]));
    }
    for k in ["blake3", "content", "phash", "dhash", "pdq", "pdq_quality"] {
        assert!(
            v.hashes.contains_key(k),
            "{k} missing: {:?}",
            v.hashes.keys()
        );
    }
    assert_eq!(v.hashes["phash"].len(), 16);
    assert_eq!(v.hashes["pdq"].len(), 64);
    // The reference image prohibits generative-AI training (PLUS DataMining): a policy
    // from the metadata.
    assert!(
        a.rights_source.as_deref().unwrap().contains("metadata"),
        "{a:?}"
    );
    assert!(
        a.rights
            .as_ref()
            .unwrap()
            .to_string()
            .contains("prohibition"),
        "{:?}",
        a.rights
    );
}

#[test]
fn content_and_near_duplicates_are_grouped_with_distances() {
    let (_d, src, lib) = setup(LibraryConfig::default());
    copy("bridge.jpg", &src, "bridge.jpg");
    copy("bridge-rotated.jpg", &src, "bridge-rotated.jpg");
    copy("iptc-reference.jpg", &src, "ref.jpg");
    // Same pixels, other metadata: a keyword written into a copy.
    let tagged = copy("bridge.jpg", &src, "bridge-tagged.jpg");
    damkit::metadata::write_path(
        &tagged,
        &[damkit::metadata::Edit::parse(damkit::metadata::Op::Add, "MWG:Keywords=river").unwrap()],
        &damkit::metadata::WriteOptions::default(),
    )
    .unwrap();
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.added.len(), 4, "{r:#?}");
    let id = |name: &str| r.added.iter().find(|f| f.path.ends_with(name)).unwrap().id;
    let d = lib.duplicates().unwrap();
    assert!(d.exact.is_empty());
    assert_eq!(d.content.len(), 1, "{:?}", d.content);
    let mut content: Vec<_> = d.content[0].members.iter().map(|m| m.id).collect();
    content.sort();
    let mut want = vec![id("bridge.jpg"), id("bridge-tagged.jpg")];
    want.sort();
    assert_eq!(content, want);
    // The rotated bridge is near the bridge (and its tagged copy); the reference is not.
    assert_eq!(d.near.len(), 1, "{:?}", d.near);
    let near: Vec<_> = d.near[0].members.iter().map(|m| m.id).collect();
    assert!(near.contains(&id("bridge-rotated.jpg")), "{near:?}");
    assert!(near.contains(&id("bridge.jpg")));
    assert!(!near.contains(&id("ref.jpg")));
    assert_eq!(d.near[0].members[0].distance, 0);
    assert!(d.near[0].members.iter().all(|m| m.distance <= 10));
}

#[test]
fn near_groups_are_stored_at_ingest_and_follow_new_versions() {
    let mut config = LibraryConfig::default();
    config.renditions.retain(|p| p.name == "thumb");
    let (_d, src, lib) = setup(config);
    copy("bridge.jpg", &src, "bridge.jpg");
    copy("iptc-reference.jpg", &src, "ref.jpg");
    let r = lib.ingest(&[&src], &opts()).unwrap();
    let id_of = |r: &damkit::library::IngestReport, n: &str| {
        r.added.iter().find(|f| f.path.ends_with(n)).unwrap().id
    };
    let bridge = id_of(&r, "bridge.jpg");
    assert!(lib.asset(&bridge).unwrap().near_group.is_none());
    assert!(r.stages.iter().any(|s| s.name == "near_groups"));

    // A second batch adds the rotated copy: it joins the bridge, stored for both.
    copy("bridge-rotated.jpg", &src, "bridge-rotated.jpg");
    let r2 = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!((r2.added.len(), r2.unchanged), (1, 2), "{r2:#?}");
    let rotated = id_of(&r2, "bridge-rotated.jpg");
    let group = bridge.to_string().min(rotated.to_string());
    for (me, other) in [(bridge, rotated), (rotated, bridge)] {
        let g = lib.asset(&me).unwrap().near_group.expect("stored group");
        assert_eq!(g.group, group);
        assert_eq!(g.others, [other]);
    }
    let d = lib.duplicates().unwrap();
    assert_eq!(d.near.len(), 1, "{:?}", d.near);
    assert_eq!(d.near[0].group.as_deref(), Some(group.as_str()));
    assert_eq!(d.near[0].members[0].id.to_string(), group);
    // The search index carries the group (facet and `group:` search).
    #[cfg(feature = "search")]
    {
        let rec = lib.indexed_record(&bridge).unwrap().expect("indexed");
        assert_eq!(rec.duplicate_group.as_deref(), Some(group.as_str()));
    }
    // The bridge's group change is audited (it is what tells the index to update it).
    let audit = lib.audit_log(Some(&bridge)).unwrap();
    assert!(audit.iter().any(|e| e.action == "near_group"), "{audit:?}");

    // Re-ingest unchanged: nothing moves.
    let before = lib.audit_log(None).unwrap().len();
    lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(lib.audit_log(None).unwrap().len(), before);

    // The rotated file becomes another picture (a new version): the group dissolves.
    let rot = src.join("bridge-rotated.jpg");
    std::fs::copy(data("photoshop-all-metadata.png"), &rot).unwrap();
    crate::util::bump_mtime(&rot, 77);
    let r3 = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r3.new_versions.len(), 1, "{r3:#?}");
    assert!(lib.asset(&bridge).unwrap().near_group.is_none());
    assert!(lib.asset(&rotated).unwrap().near_group.is_none());
    assert!(lib.duplicates().unwrap().near.is_empty());
    #[cfg(feature = "search")]
    {
        let rec = lib.indexed_record(&bridge).unwrap().expect("indexed");
        assert_eq!(rec.duplicate_group, None);
    }
}

#[test]
fn keywords_are_normalised_and_unknown_ones_reported() {
    let mut config = LibraryConfig::default();
    config.renditions.clear();
    config.vocabularies.push(VocabularyConfig {
        name: "ref".into(),
        path: "keywords.txt".into(),
        format: None,
    });
    config.vocabularies.push(VocabularyConfig {
        name: "missing".into(),
        path: "nowhere.ttl".into(),
        format: None,
    });
    let (_d, src, lib) = setup(config);
    std::fs::write(
        lib.path().join("keywords.txt"),
        "Reference\n\tKeyword1ref2023.2\n\tKeyword2ref2023.3\n",
    )
    .unwrap();
    copy("iptc-reference.jpg", &src, "ref.jpg");
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert!(
        r.warnings
            .iter()
            .any(|w| w.path.ends_with("nowhere.ttl") && w.message.contains("missing")),
        "{:?}",
        r.warnings
    );
    let id = r.added[0].id;
    let a = lib.asset(&id).unwrap();
    let k1 = a
        .keywords
        .iter()
        .find(|k| k.keyword == "Keyword1ref2023.2")
        .unwrap();
    assert_eq!(k1.vocabulary.as_deref(), Some("ref"));
    assert!(k1.concept.is_some());
    assert!(
        a.keywords
            .iter()
            .filter(|k| k.keyword != "Keyword1ref2023.2")
            .all(|k| k.concept.is_none())
    );
    // Hierarchical expansion: the broader concept comes along.
    let expanded = lib.expanded_keywords(&id).unwrap();
    assert!(expanded.contains(&"Reference".to_string()), "{expanded:?}");
    assert!(expanded.contains(&"Keyword3ref2023.2".to_string()));

    let rep = lib.vocabulary_report().unwrap();
    assert_eq!(rep.vocabularies.len(), 2);
    assert!(rep.vocabularies.iter().any(|v| v.error.is_some()));
    assert_eq!(rep.controlled, 1);
    let k2 = rep
        .unknown
        .iter()
        .find(|u| u.keyword == "Keyword2ref2023.2")
        .unwrap();
    assert_eq!(k2.status, "unknown");
    assert!(
        k2.suggestions
            .iter()
            .any(|s| s.label == "Keyword2ref2023.3" && s.distance == Some(1)),
        "{k2:?}"
    );

    // A keyword added by an edit is resolved too.
    lib.edit(
        &id,
        &[Edit::AddKeyword("keyword2ref2023.3".into())],
        "tester",
    )
    .unwrap();
    let a = lib.asset(&id).unwrap();
    let k = a
        .keywords
        .iter()
        .find(|k| k.keyword == "keyword2ref2023.3")
        .unwrap();
    assert_eq!(k.vocabulary.as_deref(), Some("ref"));
}

#[test]
fn rights_defaults_expire_and_block_distribution() {
    use damkit::rights::dam::RightsBuilder;
    let now = jiff::Timestamp::now();
    let day = |n: i64| {
        let t = now
            .checked_add(jiff::SignedDuration::from_hours(24 * n))
            .unwrap()
            .to_string();
        t[..10].to_string()
    };
    let mut config = LibraryConfig::default();
    config.renditions.clear();
    config.rights.default_policy = Some("default-policy.jsonld".into());
    let (_d, src, lib) = setup(config);
    let policy = RightsBuilder::new("urn:example:licence:1")
        .window(&day(-100), &day(10), "UTC")
        .unwrap()
        .build()
        .unwrap();
    std::fs::write(
        lib.path().join("default-policy.jsonld"),
        policy.to_jsonld().to_string(),
    )
    .unwrap();
    copy("bridge.jpg", &src, "bridge.jpg");
    copy("iptc-reference.jpg", &src, "ref.jpg");
    let r = lib.ingest(&[&src], &opts()).unwrap();
    let bridge = r
        .added
        .iter()
        .find(|f| f.path.ends_with("bridge.jpg"))
        .unwrap()
        .id;
    let a = lib.asset(&bridge).unwrap();
    assert_eq!(a.rights_source.as_deref(), Some("library default"));
    assert!(a.rights_expires_at.is_some());

    let rep = lib.rights_report(30).unwrap();
    assert_eq!(rep.with_rights, 2);
    let alert = rep.alerts.iter().find(|x| x.id == bridge).unwrap();
    assert_eq!(alert.status, "expiring_soon", "{alert:?}");
    assert!(
        alert.reason.contains("within the 30-day horizon"),
        "{alert:?}"
    );
    // The reference image's own licence (no end date) is not listed.
    assert_eq!(rep.alerts.len(), 1, "{:?}", rep.alerts);
    assert!(lib.rights_report(5).unwrap().alerts.is_empty());

    // Approved and within the licence window: distributable.
    lib.set_status(&bridge, LifecycleStatus::InReview, "t")
        .unwrap();
    lib.set_status(&bridge, LifecycleStatus::Approved, "t")
        .unwrap();
    assert!(lib.asset(&bridge).unwrap().distributable);
    // The full evaluation of the default policy (which names another asset in its file: the
    // library applies it to each asset it is recorded for): within the window, then after.
    use damkit::library::RightsUse;
    let c = lib.check_use(&bridge, &RightsUse::distribute()).unwrap();
    assert!(c.allowed, "{c:#?}");
    let later: jiff::Timestamp = format!("{}T12:00:00Z", day(20)).parse().unwrap();
    let c = lib
        .check_use(&bridge, &RightsUse::distribute().at(later))
        .unwrap();
    assert!(!c.allowed && c.lifecycle_ok, "{c:#?}");
    assert_eq!(c.layers[0].decision, "not_applicable", "{c:#?}");
}

#[test]
fn library_rules_stay_in_force_on_top_of_the_metadata_licence() {
    use damkit::library::RightsUse;
    let mut config = LibraryConfig::default();
    config.renditions.clear();
    config.rights.rules.territories = vec!["EU".into()];
    config.rights.rules.channels = vec!["web".into(), "print".into()];
    let (_d, src, lib) = setup(config);
    copy("iptc-reference.jpg", &src, "ref.jpg");
    copy("bridge.jpg", &src, "bridge.jpg");
    let r = lib.ingest(&[&src], &opts()).unwrap();
    let id_of = |n: &str| r.added.iter().find(|f| f.path.ends_with(n)).unwrap().id;
    let (reference, bridge) = (id_of("ref.jpg"), id_of("bridge.jpg"));

    // Both layers recorded, with their provenance: the licence from the metadata (PLUS terms)
    // and the library rules.
    let a = lib.asset(&reference).unwrap();
    assert!(
        a.rights_source.as_deref().unwrap().starts_with("metadata"),
        "{a:?}"
    );
    assert!(a.rights_rules.is_some(), "{a:?}");
    let layers: Vec<&str> = a
        .rights_provenance
        .iter()
        .map(|p| p.layer.as_str())
        .collect();
    assert_eq!(layers, ["licence", "rules"], "{:?}", a.rights_provenance);
    assert!(a.rights_provenance[1].detail.contains("territories EU"));
    // No licence in the metadata and no default: the rules are the only layer.
    let b = lib.asset(&bridge).unwrap();
    assert_eq!(b.rights_source.as_deref(), Some("library rules"));
    assert!(b.rights_rules.is_none());

    let web_de = RightsUse::distribute().channel("web").territory("DE");
    // Lifecycle first: a draft is not distributable whatever its rights say.
    let c = lib.check_use(&reference, &web_de).unwrap();
    assert!(!c.allowed && !c.lifecycle_ok, "{c:#?}");
    assert!(c.layers.iter().all(|l| l.decision == "permit"), "{c:#?}");
    for id in [reference, bridge] {
        lib.set_status(&id, LifecycleStatus::InReview, "t").unwrap();
        lib.set_status(&id, LifecycleStatus::Approved, "t").unwrap();
    }
    let c = lib.check_use(&reference, &web_de).unwrap();
    assert!(c.allowed, "{c:#?}");
    assert!(c.reasons.is_empty());
    // The metadata licence permits any channel and territory; the library rules do not.
    for u in [
        RightsUse::distribute().channel("social").territory("DE"),
        RightsUse::distribute().channel("web").territory("US"),
        RightsUse::distribute().channel("web"),
    ] {
        let c = lib.check_use(&reference, &u).unwrap();
        assert!(!c.allowed, "{u:?}: {c:#?}");
        assert_eq!(c.layers[0].decision, "permit", "{c:#?}");
        assert_ne!(c.layers[1].decision, "permit", "{c:#?}");
        assert!(c.reasons[0].contains("rules"), "{:?}", c.reasons);
    }
    // And the metadata's prohibition (PLUS: no generative-AI training) holds whatever the rules
    // allow.
    let c = lib
        .check_use(
            &reference,
            &RightsUse::action("use")
                .channel("web")
                .territory("FR")
                .purpose("genai-training"),
        )
        .unwrap();
    assert!(!c.allowed, "{c:#?}");
    assert_eq!(c.layers[0].decision, "deny", "{c:#?}");
    // The rules-only asset: allowed within the rules.
    assert!(lib.check_use(&bridge, &web_de).unwrap().allowed);
    assert!(
        !lib.check_use(
            &bridge,
            &RightsUse::distribute().channel("web").territory("JP")
        )
        .unwrap()
        .allowed
    );
    // The search index summarises both layers: the rules narrow the licence's "any".
    #[cfg(feature = "search")]
    {
        let rec = lib.asset_record(&reference).unwrap().unwrap();
        assert_eq!(rec.rights.channels, ["print", "web"], "{:?}", rec.rights);
        assert_eq!(rec.rights.territories, ["EU"], "{:?}", rec.rights);
    }
}

#[test]
fn a_model_release_rule_needs_the_release_in_the_metadata() {
    use damkit::library::RightsUse;
    let mut config = LibraryConfig::default();
    config.renditions.clear();
    config.rights.rules.model_release_required = true;
    let (_d, src, lib) = setup(config);
    copy("bridge.jpg", &src, "bridge.jpg");
    let id = lib.ingest(&[&src], &opts()).unwrap().added[0].id;
    lib.set_status(&id, LifecycleStatus::InReview, "t").unwrap();
    lib.set_status(&id, LifecycleStatus::Approved, "t").unwrap();
    // bridge.jpg has no PLUS ModelReleaseStatus: not distributable for any use.
    let c = lib
        .check_use(&id, &RightsUse::distribute().channel("web"))
        .unwrap();
    assert!(!c.allowed, "{c:#?}");
    assert_eq!(c.layers.len(), 1);
    assert_eq!(c.layers[0].layer, "rules");
}

#[test]
fn expired_rights_make_an_approved_asset_not_distributable() {
    use damkit::rights::dam::RightsBuilder;
    let mut config = LibraryConfig::default();
    config.renditions.clear();
    config.rights.default_policy = Some("p.jsonld".into());
    let (_d, src, lib) = setup(config);
    let policy = RightsBuilder::new("urn:example:licence:old")
        .window("2020-01-01", "2020-12-31", "UTC")
        .unwrap()
        .build()
        .unwrap();
    std::fs::write(lib.path().join("p.jsonld"), policy.to_jsonld().to_string()).unwrap();
    copy("bridge.jpg", &src, "bridge.jpg");
    let id = lib.ingest(&[&src], &opts()).unwrap().added[0].id;
    lib.set_status(&id, LifecycleStatus::InReview, "t").unwrap();
    lib.set_status(&id, LifecycleStatus::Approved, "t").unwrap();
    let a = lib.asset(&id).unwrap();
    assert_eq!(a.status, LifecycleStatus::Approved);
    assert!(!a.distributable);
    assert!(a.distribution_blocked_by.unwrap().contains("ended"));
    let rep = lib.rights_report(30).unwrap();
    assert_eq!(rep.alerts[0].status, "expired");
    assert!(rep.alerts[0].reason.contains("ended"), "{:?}", rep.alerts);
}

#[test]
fn edits_are_written_into_the_file_and_recorded_as_a_version() {
    let mut config = LibraryConfig::default();
    config.renditions.clear();
    let (_d, src, lib) = setup(config);
    let f = copy("bridge.jpg", &src, "bridge.jpg");
    let id = lib.ingest(&[&src], &opts()).unwrap().added[0].id;
    let rep = lib
        .edit(
            &id,
            &[
                Edit::Title(Some("Old bridge".into())),
                Edit::AddKeyword("river".into()),
            ],
            "tester",
        )
        .unwrap();
    assert!(rep.written_to_file);
    let wb = rep.write_back.unwrap();
    assert!(!wb.sidecar);
    assert_eq!(wb.new_version, Some(2));
    let md = damkit::metadata::read_path(&f, &damkit::metadata::ReadOptions::default()).unwrap();
    assert_eq!(md.photo().iptc.title.as_deref(), Some("Old bridge"));
    assert_eq!(md.photo().iptc.keywords, ["river"]);
    let a = lib.asset(&id).unwrap();
    assert_eq!(a.versions.len(), 2);
    let v2 = a.current_version().unwrap();
    assert_eq!(v2.number, 2);
    // Same pixels: the metadata-blind hash carries over and equals the file's.
    assert_eq!(v2.hashes["content"], a.versions[0].hashes["content"]);
    assert_eq!(
        v2.metadata.as_ref().unwrap()["XMP-dc:Title"],
        "Old bridge",
        "{:?}",
        v2.metadata
    );
    // The next ingest sees the file unchanged.
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.unchanged, 1, "{r:#?}");
    assert!(r.new_versions.is_empty());
}

#[test]
fn sidecar_write_back_leaves_the_original_bytes_alone() {
    let mut config = LibraryConfig::default();
    config.renditions.clear();
    config.metadata.write_back = WriteBack::Sidecar;
    let (_d, src, lib) = setup(config);
    let f = copy("bridge.jpg", &src, "bridge.jpg");
    let before = std::fs::read(&f).unwrap();
    let id = lib.ingest(&[&src], &opts()).unwrap().added[0].id;
    let rep = lib
        .edit(
            &id,
            &[Edit::Description(Some("From the sidecar".into()))],
            "t",
        )
        .unwrap();
    let wb = rep.write_back.unwrap();
    assert!(wb.sidecar);
    assert_eq!(
        wb.written.as_deref(),
        Some(src.join("bridge.xmp").as_path())
    );
    assert_eq!(std::fs::read(&f).unwrap(), before);
    let a = lib.asset(&id).unwrap();
    assert_eq!(a.versions.len(), 1);
    assert_eq!(
        a.current_version().unwrap().metadata.as_ref().unwrap()["MWG:Description"],
        "From the sidecar"
    );
    // The sidecar is not ingested as an asset; the image is unchanged.
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.unchanged, 1, "{r:#?}");
    assert!(r.skipped.iter().any(|s| s.reason.contains("sidecar")));
}

#[test]
fn a_failed_write_back_changes_nothing() {
    let mut config = LibraryConfig::default();
    config.renditions.clear();
    let (_d, src, lib) = setup(config);
    let f = src.join("truncated.jpg");
    std::fs::copy(bad("truncated.jpg"), &f).unwrap();
    let before = std::fs::read(&f).unwrap();
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.added.len(), 1, "{r:#?}");
    // A broken image is ingested, with a warning naming the file.
    assert!(r.warnings.iter().any(|w| w.path == f), "{:?}", r.warnings);
    let id = r.added[0].id;
    let asset_before = lib.asset(&id).unwrap();
    let err = lib
        .edit(&id, &[Edit::Title(Some("New".into()))], "tester")
        .unwrap_err();
    assert!(matches!(err, LibraryError::WriteBack { .. }), "{err}");
    assert!(err.to_string().contains("truncated.jpg"), "{err}");
    assert_eq!(std::fs::read(&f).unwrap(), before);
    let asset_after = lib.asset(&id).unwrap();
    assert_eq!(asset_after.title, asset_before.title);
    assert_eq!(asset_after.versions.len(), 1);
    assert_eq!(asset_after.audit.len(), asset_before.audit.len());
    assert!(!src.join("truncated.xmp").exists());
}

#[test]
fn reports_on_an_empty_library() {
    let (_d, _src, lib) = setup(LibraryConfig::default());
    let r = lib.rights_report(30).unwrap();
    assert_eq!((r.with_rights, r.without_rights, r.alerts.len()), (0, 0, 0));
    let v = lib.vocabulary_report().unwrap();
    assert_eq!((v.keywords, v.unknown.len()), (0, 0));
    let d = lib.duplicates().unwrap();
    assert!(d.exact.is_empty() && d.content.is_empty() && d.near.is_empty());
}

#[test]
fn sidecars_are_read_with_their_file() {
    let mut config = LibraryConfig::default();
    config.renditions.clear();
    let (_d, src, lib) = setup(config);
    copy("bridge.jpg", &src, "b.jpg");
    std::fs::write(
        src.join("b.xmp"),
        r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:subject><rdf:Bag><rdf:li>from-sidecar</rdf:li></rdf:Bag></dc:subject>
</rdf:Description></rdf:RDF></x:xmpmeta>"#,
    )
    .unwrap();
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.added.len(), 1, "{r:#?}");
    assert_eq!(r.skipped.len(), 1);
    let a = lib.asset(&r.added[0].id).unwrap();
    assert_eq!(a.keywords[0].keyword, "from-sidecar");
}

fn sidecar_xml(title: &str, keyword: &str, licence: Option<&str>) -> String {
    let cc = licence.map_or_else(String::new, |l| {
        format!(r#"<cc:license rdf:resource="{l}"/>"#)
    });
    format!(
        r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:cc="http://creativecommons.org/ns#">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
<dc:subject><rdf:Bag><rdf:li>{keyword}</rdf:li></rdf:Bag></dc:subject>
{cc}
</rdf:Description></rdf:RDF></x:xmpmeta>"#
    )
}

#[test]
fn a_changed_sidecar_of_an_unchanged_original_is_read_again() {
    let mut config = LibraryConfig::default();
    config.renditions.clear();
    let (_d, src, lib) = setup(config);
    copy("bridge.jpg", &src, "b.jpg");
    copy("bridge-rotated.jpg", &src, "r.jpg");
    // Both sidecar namings: NAME.xmp and NAME.EXT.xmp.
    let side_b = src.join("b.xmp");
    let side_r = src.join("r.jpg.xmp");
    std::fs::write(&side_b, sidecar_xml("Old bridge", "oldword", None)).unwrap();
    std::fs::write(&side_r, sidecar_xml("Old rotated", "oldword", None)).unwrap();
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.added.len(), 2, "{r:#?}");
    let id_of = |n: &str| r.added.iter().find(|f| f.path.ends_with(n)).unwrap().id;
    let (b, rot) = (id_of("b.jpg"), id_of("r.jpg"));
    assert_eq!(lib.asset(&b).unwrap().title.as_deref(), Some("Old bridge"));

    // Unchanged sidecars: nothing is read again.
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!((r.unchanged, r.refreshed.len()), (2, 0), "{r:#?}");

    // Edit both sidecars (new title, keyword, a Creative Commons licence), not the images.
    std::fs::write(
        &side_b,
        sidecar_xml(
            "New bridge",
            "newword",
            Some("https://creativecommons.org/licenses/by/4.0/"),
        ),
    )
    .unwrap();
    crate::util::bump_mtime(&side_b, 5);
    std::fs::write(&side_r, sidecar_xml("New rotated", "newword", None)).unwrap();
    crate::util::bump_mtime(&side_r, 6);
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.refreshed.len(), 2, "{r:#?}");
    assert!(r.added.is_empty() && r.new_versions.is_empty(), "{r:#?}");
    let a = lib.asset(&b).unwrap();
    assert_eq!(a.title.as_deref(), Some("New bridge"));
    assert_eq!(
        a.versions.len(),
        1,
        "no new version: the bytes did not change"
    );
    let kw: Vec<&str> = a.keywords.iter().map(|k| k.keyword.as_str()).collect();
    assert_eq!(kw, ["newword"]);
    assert_eq!(
        a.rights_source.as_deref(),
        Some("metadata: Creative Commons licence")
    );
    // Renditions and hashes were not recomputed but are kept.
    assert!(a.current_version().unwrap().hashes.contains_key("phash"));
    let e = a
        .audit
        .iter()
        .find(|e| e.action == "sidecar_changed")
        .unwrap();
    let changed = e.detail["changed"].to_string();
    for f in ["metadata", "title", "keywords", "rights"] {
        assert!(changed.contains(f), "{changed}");
    }
    assert_eq!(
        lib.asset(&rot).unwrap().title.as_deref(),
        Some("New rotated")
    );
    // The search index follows.
    #[cfg(feature = "search")]
    {
        let rec = lib.indexed_record(&b).unwrap().expect("indexed");
        assert_eq!(rec.title.as_deref(), Some("New bridge"));
        assert!(
            rec.keywords.iter().any(|k| k == "newword"),
            "{:?}",
            rec.keywords
        );
    }
    // And the next run finds everything unchanged again.
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!((r.unchanged, r.refreshed.len()), (2, 0), "{r:#?}");
}

/// Camera RAW files get their renditions from the largest embedded JPEG preview, turned by
/// the RAW's orientation, with a warning naming the preview; the RAW's own metadata stands.
#[test]
fn raw_files_get_renditions_from_their_embedded_preview() {
    let (_d, src, lib) = setup(LibraryConfig::default());
    copy("raw-preview.dng", &src, "a.dng");
    copy("raw-preview.cr3", &src, "b.cr3");
    copy("raw-preview.raf", &src, "c.raf");
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.added.len(), 3, "{r:#?}");
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    for (name, w, h, source) in [
        // orientation 6: the 320x214 preview is shown 214 wide, 320 high
        (
            "a.dng",
            214,
            320,
            "320x214 preview (PreviewImage in IFD0/SubIFD1 strip, RAW orientation 6)",
        ),
        (
            "b.cr3",
            214,
            320,
            "320x214 preview (PreviewImage in CR3 PRVW, RAW orientation 6)",
        ),
        (
            "c.raf",
            288,
            192,
            "288x192 preview (PreviewImage in RAF header)",
        ),
    ] {
        let added = r.added.iter().find(|a| a.path.ends_with(name)).unwrap();
        let a = lib.asset(&added.id).unwrap();
        let v = a.current_version().unwrap();
        assert_eq!(v.renditions.len(), 2, "{name}: {:?}", v.renditions);
        for rd in &v.renditions {
            // preview 1024: the preview's oriented size (no upscaling); thumb 256: scaled
            let want = if rd.preset == "thumb" {
                let k = 256.0 / f64::from(w.max(h));
                (
                    (f64::from(w) * k).round() as u32,
                    (f64::from(h) * k).round() as u32,
                )
            } else {
                (w, h)
            };
            assert_eq!((rd.width, rd.height), want, "{name}: {rd:?}");
            let bytes = std::fs::read(lib.path().join(&rd.path)).unwrap();
            let info = damkit::rendition::probe(&bytes, &damkit::Limits::default()).unwrap();
            assert_eq!(info.display_size(), want, "{name}");
        }
        let warned: Vec<&str> = r
            .warnings
            .iter()
            .filter(|x| x.path.ends_with(name))
            .map(|x| x.message.as_str())
            .collect();
        assert!(
            warned
                .iter()
                .any(|m| m.contains(&format!("rendition from the embedded {source}"))),
            "{name}: {warned:?}"
        );
        // perceptual hashes come from the rendition
        assert!(
            v.hashes.contains_key("pdq"),
            "{name}: {:?}",
            v.hashes.keys()
        );
    }
}
