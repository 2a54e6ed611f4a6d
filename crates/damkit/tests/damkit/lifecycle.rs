//! Lifecycle transitions, catalog edits, the audit log, reports.

use damkit::library::{Edit, LibraryConfig, LibraryError, LifecycleStatus};

use crate::util::{jpeg, opts, setup, write};

#[test]
fn transitions_follow_the_rules_and_are_audited() {
    let (_d, src, lib) = setup(LibraryConfig::default());
    write(&src, "a.jpg", &jpeg("a"));
    let id = lib.ingest(&[&src], &opts()).unwrap().added[0].id;

    let err = lib
        .set_status(&id, LifecycleStatus::Approved, "alice")
        .unwrap_err();
    match &err {
        LibraryError::Transition {
            from, to, allowed, ..
        } => {
            assert_eq!(
                (*from, *to),
                (LifecycleStatus::Draft, LifecycleStatus::Approved)
            );
            assert_eq!(allowed, "in_review, archived");
        }
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains(&id.to_string()));
    assert!(!lib.asset(&id).unwrap().distributable);

    let t = lib
        .set_status(&id, LifecycleStatus::InReview, "alice")
        .unwrap();
    assert_eq!(
        (t.from, t.to),
        (LifecycleStatus::Draft, LifecycleStatus::InReview)
    );
    lib.set_status(&id, LifecycleStatus::Approved, "bob")
        .unwrap();
    let asset = lib.asset(&id).unwrap();
    assert!(asset.distributable);
    assert_eq!(
        asset.allowed_transitions,
        [
            LifecycleStatus::InReview,
            LifecycleStatus::Archived,
            LifecycleStatus::Expired
        ]
    );
    let trail: Vec<(String, String)> = asset
        .audit
        .iter()
        .map(|a| (a.actor.clone(), a.action.clone()))
        .collect();
    assert_eq!(
        trail,
        [
            ("tester".into(), "ingest".into()),
            ("alice".into(), "status".into()),
            ("bob".into(), "status".into())
        ]
    );
    assert_eq!(asset.audit[2].detail["from"], "in_review");
    assert_eq!(asset.audit[2].detail["to"], "approved");
}

#[test]
fn review_can_be_optional() {
    let mut config = LibraryConfig::default();
    config.lifecycle.require_review = false;
    let (_d, src, lib) = setup(config);
    write(&src, "a.jpg", &jpeg("a"));
    let id = lib.ingest(&[&src], &opts()).unwrap().added[0].id;
    lib.set_status(&id, LifecycleStatus::Approved, "alice")
        .unwrap();
    assert!(lib.asset(&id).unwrap().distributable);
}

#[test]
fn a_new_version_of_an_approved_asset_goes_back_to_review() {
    let mut config = LibraryConfig::default();
    config.lifecycle.require_review = false;
    let (_d, src, lib) = setup(config);
    let p = write(&src, "a.jpg", &jpeg("a"));
    crate::util::bump_mtime(&p, 1);
    let id = lib.ingest(&[&src], &opts()).unwrap().added[0].id;
    lib.set_status(&id, LifecycleStatus::Approved, "alice")
        .unwrap();
    std::fs::write(&p, jpeg("a2")).unwrap();
    crate::util::bump_mtime(&p, 2);
    lib.ingest(&[&src], &opts()).unwrap();
    let asset = lib.asset(&id).unwrap();
    assert_eq!(asset.status, LifecycleStatus::InReview);
    assert!(!asset.distributable);
    let last = asset.audit.last().unwrap();
    assert_eq!(last.action, "status");
    assert!(
        last.detail["reason"]
            .as_str()
            .unwrap()
            .contains("new version 2")
    );
}

#[test]
fn edits_change_the_catalog_atomically_with_audit() {
    // These test files are JPEG signatures, not images: the catalog only.
    let mut config = LibraryConfig::default();
    config.metadata.write_back = damkit::library::WriteBack::CatalogOnly;
    let (_d, src, lib) = setup(config);
    write(&src, "a.jpg", &jpeg("a"));
    let id = lib.ingest(&[&src], &opts()).unwrap().added[0].id;

    let edits: Vec<Edit> = [
        "title=Sunset over the bridge",
        "keywords=bridge, sunset ,bridge",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let r = lib.edit(&id, &edits, "carol").unwrap();
    assert_eq!(r.changes.len(), 2);
    assert!(!r.written_to_file);
    let asset = lib.asset(&id).unwrap();
    assert_eq!(asset.title.as_deref(), Some("Sunset over the bridge"));
    let kw: Vec<&str> = asset.keywords.iter().map(|k| k.keyword.as_str()).collect();
    assert_eq!(kw, ["bridge", "sunset"]);

    let r = lib
        .edit(
            &id,
            &[
                "keywords+=river".parse().unwrap(),
                "keywords-=sunset".parse().unwrap(),
            ],
            "carol",
        )
        .unwrap();
    assert_eq!(r.changes.len(), 1, "one keywords change per edit: {r:?}");
    // The same edit again changes nothing and logs nothing.
    let before = lib.audit_log(Some(&id)).unwrap().len();
    let r = lib
        .edit(
            &id,
            &["title=Sunset over the bridge".parse().unwrap()],
            "carol",
        )
        .unwrap();
    assert!(r.changes.is_empty());
    assert_eq!(lib.audit_log(Some(&id)).unwrap().len(), before);

    // All or nothing: a refused transition leaves the title alone.
    let err = lib
        .edit(
            &id,
            &[
                "title=Other".parse().unwrap(),
                "status=approved".parse().unwrap(),
            ],
            "carol",
        )
        .unwrap_err();
    assert!(matches!(err, LibraryError::Transition { .. }), "{err}");
    assert_eq!(
        lib.asset(&id).unwrap().title.as_deref(),
        Some("Sunset over the bridge")
    );
    assert_eq!(lib.audit_log(Some(&id)).unwrap().len(), before);
}

#[test]
fn bad_edits_name_the_field() {
    for (input, needle) in [
        ("colour=red", "unknown field"),
        ("title", "FIELD=VALUE"),
        ("status=published", "published"),
        ("title+=x", "only keywords"),
        ("keywords+= ", "empty keyword"),
        ("title=a\u{7}b", "control"),
    ] {
        let err = input.parse::<Edit>().unwrap_err();
        assert!(err.to_string().contains(needle), "{input}: {err}");
    }
}

#[test]
fn unknown_assets_are_named() {
    let (_d, _src, lib) = setup(LibraryConfig::default());
    let id = damkit::AssetId::new();
    let err = lib.asset(&id).unwrap_err();
    assert!(matches!(err, LibraryError::AssetNotFound { .. }));
    assert!(err.to_string().contains(&id.to_string()));
    assert!(lib.set_status(&id, LifecycleStatus::InReview, "x").is_err());
}

#[test]
fn stats_and_listing() {
    let (_d, src, lib) = setup(LibraryConfig::default());
    write(&src, "a.jpg", &jpeg("a"));
    write(&src, "b.jpg", &jpeg("b"));
    write(&src, "c.jpg", &jpeg("a"));
    lib.ingest(&[&src], &opts()).unwrap();
    let s = lib.stats().unwrap();
    assert_eq!((s.assets, s.versions, s.files), (2, 2, 3));
    assert_eq!(s.by_media_type.get("JPEG"), Some(&2));
    assert_eq!(s.by_role.get("copy"), Some(&1));
    assert_eq!(s.current_bytes, 2 * jpeg("a").len() as u64);
    let list = lib.assets().unwrap();
    assert_eq!(list.len(), 2);
    assert!(
        list.iter()
            .all(|a| a.versions == 1 && a.status == LifecycleStatus::Draft)
    );
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["assets"], 2);
}
