//! The library's search index: kept current with the catalog, rebuilt atomically, searched
//! with facets, typos, taxonomy expansion and the distributable filter.

use std::collections::BTreeSet;
use std::sync::Arc;

use damkit::library::stage::{AssetStage, KeywordRecord, StageInput, StageOutput};
use damkit::library::{
    Edit, Library, LibraryConfig, LibraryError, LifecycleStatus, SearchOptions, VocabularyConfig,
    WriteBack,
};
use damkit::search::SearchResponse;

use crate::util::{jpeg, opts, setup, write};

fn ids(r: &SearchResponse) -> BTreeSet<String> {
    r.hits.iter().map(|h| h.id.to_string()).collect()
}

fn search(lib: &Library, q: &str) -> SearchResponse {
    lib.search(q, &SearchOptions::default().limit(100)).unwrap()
}

fn edit(lib: &Library, id: &damkit::AssetId, edits: &[&str]) {
    let e: Vec<Edit> = edits.iter().map(|s| s.parse().unwrap()).collect();
    lib.edit(id, &e, "tester").unwrap();
}

/// A stage standing in for the metadata and keyword stages: ExifTool-style metadata JSON and a
/// controlled keyword, so that the record builder is tested on what those stages store.
struct FakeStages;

impl AssetStage for FakeStages {
    fn name(&self) -> &str {
        "fake"
    }
    fn process(
        &self,
        input: &StageInput<'_>,
        out: &mut StageOutput,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if input.path.file_name().is_some_and(|n| n == "dog.jpg") {
            out.metadata = Some((
                "metadata".into(),
                serde_json::json!({
                    "IFD0:Make": "Canon",
                    "IFD0:Model": "Canon EOS 5D",
                    "MWG:Creator": ["Jane Doe"],
                    "MWG:DateTimeOriginal": "2021:05:03 10:00:00Z",
                    "ExifIFD:ExifImageWidth": 4000,
                    "ExifIFD:ExifImageHeight": 3000,
                    "MWG:Rating": 4,
                }),
            ));
            out.title = Some("A sleepy dog on the sofa".into());
            out.keywords = vec![KeywordRecord {
                keyword: "Dogs".into(),
                concept: Some("http://example.org/v/dogs".into()),
                vocabulary: Some("animals".into()),
            }];
        }
        Ok(())
    }
}

const VOCAB: &str = r#"@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/v/> .
ex:animals a skos:Concept ; skos:prefLabel "Animals"@en ; skos:narrower ex:mammals .
ex:mammals a skos:Concept ; skos:prefLabel "Mammals"@en ; skos:broader ex:animals ; skos:narrower ex:dogs .
ex:dogs a skos:Concept ; skos:prefLabel "Dogs"@en ; skos:altLabel "Canines"@en ; skos:broader ex:mammals .
"#;

/// The test files are JPEG-signed stand-ins, not images: edits stay in the catalog (writing
/// them back into the files is tested in `stages`).
fn catalog_only() -> LibraryConfig {
    let mut config = LibraryConfig::default();
    config.metadata.write_back = WriteBack::CatalogOnly;
    config
}

fn vocab_config(dir: &std::path::Path) -> LibraryConfig {
    let path = dir.join("animals.ttl");
    std::fs::write(&path, VOCAB).unwrap();
    let mut config = catalog_only();
    config.vocabularies.push(VocabularyConfig {
        name: "animals".into(),
        path,
        format: None,
    });
    config
}

#[test]
fn ingest_edit_and_status_changes_are_searchable() {
    let (_d, src, lib) = setup(catalog_only());
    write(&src, "bridge.jpg", &jpeg("bridge"));
    write(&src, "river.jpg", &jpeg("river"));
    write(&src, "city.jpg", &jpeg("city"));
    let r = lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(r.added.len(), 3);
    let id_of = |name: &str| r.added.iter().find(|f| f.path.ends_with(name)).unwrap().id;
    let (bridge, river) = (id_of("bridge.jpg"), id_of("river.jpg"));

    // Everything is indexed, with the catalog's facts.
    let all = lib
        .search(
            "",
            &SearchOptions::default().facet("format").facet("status"),
        )
        .unwrap();
    assert_eq!(all.total, 3);
    assert_eq!(all.facets["format"][0].value, "jpeg");
    assert_eq!(all.facets["status"][0].value, "draft");
    let rec = lib.indexed_record(&bridge).unwrap().unwrap();
    assert!(rec.paths[0].ends_with("bridge.jpg"), "{:?}", rec.paths);
    assert_eq!(rec.file_size, Some(jpeg("bridge").len() as u64));
    assert!(rec.content_hash.is_some() && rec.ingested.is_some());

    // Edits are searchable at once, words with typos too.
    edit(
        &lib,
        &bridge,
        &["title=Golden Gate at sunset", "keywords=bridge,fog"],
    );
    edit(&lib, &river, &["title=Seine river", "keywords=river,paris"]);
    assert_eq!(
        ids(&search(&lib, "sunset")),
        BTreeSet::from([bridge.to_string()])
    );
    assert_eq!(
        ids(&search(&lib, "sunste")),
        BTreeSet::from([bridge.to_string()]),
        "typo"
    );
    assert_eq!(
        ids(&search(&lib, "keyword:paris")),
        BTreeSet::from([river.to_string()])
    );
    let kw = lib
        .search("", &SearchOptions::default().facet("keyword"))
        .unwrap();
    let counts: Vec<(String, u64)> = kw.facets["keyword"]
        .iter()
        .map(|c| (c.value.clone(), c.count))
        .collect();
    assert_eq!(counts.len(), 4, "{counts:?}");

    // Removing a keyword removes it from the index.
    edit(&lib, &bridge, &["keywords-=fog"]);
    assert_eq!(search(&lib, "keyword:fog").total, 0);

    // Only approved assets are distributable.
    let distributable = SearchOptions::default().distributable(true);
    assert_eq!(lib.search("", &distributable).unwrap().total, 0);
    lib.set_status(&bridge, LifecycleStatus::InReview, "tester")
        .unwrap();
    lib.set_status(&bridge, LifecycleStatus::Approved, "tester")
        .unwrap();
    let r = lib.search("", &distributable).unwrap();
    assert_eq!(ids(&r), BTreeSet::from([bridge.to_string()]));
    assert_eq!(search(&lib, "status:approved").total, 1);

    let status = lib.index_status().unwrap();
    assert_eq!(status.records, 3);
    assert_eq!(status.indexed_seq, status.catalog_seq, "{status:?}");
    assert!(status.last_error.is_none());
}

#[test]
fn reindex_gives_the_same_results_and_swaps_atomically() {
    let (d, src, lib) = setup(vocab_config(tempfile::tempdir().unwrap().path()));
    let _ = d;
    for i in 0..12 {
        write(&src, &format!("p{i}.jpg"), &jpeg(&format!("p{i}")));
    }
    write(&src, "dog.jpg", &jpeg("dog"));
    let r = lib
        .ingest(&[&src], &opts().stage(Arc::new(FakeStages)))
        .unwrap();
    for (n, f) in r.added.iter().enumerate().take(6) {
        edit(
            &lib,
            &f.id,
            &[&format!("title=picture number {n}"), "keywords+=sample"],
        );
    }
    let queries = [
        "",
        "picture",
        "pictrue",
        "keyword:sample",
        "canon",
        "dogs -sample",
    ];
    let run = |lib: &Library| -> Vec<(u64, BTreeSet<String>, String)> {
        queries
            .iter()
            .map(|q| {
                let r = lib
                    .search(
                        q,
                        &SearchOptions::default()
                            .limit(100)
                            .facet("keyword")
                            .facet("taxonomy")
                            .facet("make"),
                    )
                    .unwrap();
                (r.total, ids(&r), serde_json::to_string(&r.facets).unwrap())
            })
            .collect()
    };
    let before = run(&lib);
    let first = lib.index_status().unwrap().path.unwrap();
    let report = lib.reindex().unwrap();
    assert_eq!(report.records, 13);
    assert!(report.failures.is_empty());
    assert_ne!(report.path, first, "a new generation");
    assert!(!first.exists(), "the old generation is removed");
    assert_eq!(run(&lib), before);
    // Another handle on the same folder (another process) follows the swap.
    let other = Library::open(lib.path()).unwrap();
    assert_eq!(run(&other), before);
    lib.reindex().unwrap();
    assert_eq!(run(&other), before);
}

#[test]
fn records_carry_metadata_and_controlled_keywords() {
    let tmp = tempfile::tempdir().unwrap();
    let (_d, src, lib) = setup(vocab_config(tmp.path()));
    write(&src, "dog.jpg", &jpeg("dog"));
    write(&src, "other.jpg", &jpeg("other"));
    let r = lib
        .ingest(&[&src], &opts().stage(Arc::new(FakeStages)))
        .unwrap();
    let dog = r
        .added
        .iter()
        .find(|f| f.path.ends_with("dog.jpg"))
        .unwrap()
        .id;
    let rec = lib.asset_record(&dog).unwrap().unwrap();
    assert_eq!(rec.make.as_deref(), Some("Canon"));
    assert_eq!(rec.creators, ["Jane Doe"]);
    assert_eq!((rec.width, rec.height), (Some(4000), Some(3000)));
    assert_eq!(rec.rating, Some(4));
    assert_eq!(rec.taken.unwrap().to_string(), "2021-05-03T10:00:00Z");
    assert_eq!(rec.taxonomy_paths, ["/Animals/Mammals/Dogs"]);
    assert_eq!(rec.concepts.len(), 3, "the concept and its broader ones");

    let only_dog = BTreeSet::from([dog.to_string()]);
    assert_eq!(ids(&search(&lib, "make:canon taken:2021")), only_dog);
    assert_eq!(ids(&search(&lib, "creator:doe")), only_dog);
    // Taxonomy: a broader concept, a synonym of the concept's label, a facet drill-down.
    assert_eq!(
        ids(&search(&lib, r#"concept:"http://example.org/v/animals""#)),
        only_dog
    );
    assert_eq!(ids(&search(&lib, "canines")), only_dog);
    let r = lib
        .search("", &SearchOptions::default().facet("taxonomy:/Animals"))
        .unwrap();
    assert_eq!(r.facets["taxonomy:/Animals"][0].value, "/Animals/Mammals");
    // Without expansion the synonym is just a word nobody wrote.
    let mut plain = SearchOptions::default();
    plain.expand_concepts = false;
    assert_eq!(lib.search("canines", &plain).unwrap().total, 0);
}

#[test]
fn another_handle_changes_are_caught_up_from_the_audit_log() {
    let (_d, src, lib) = setup(catalog_only());
    write(&src, "a.jpg", &jpeg("a"));
    lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(search(&lib, "").total, 1);
    // Another process ingests and edits; this handle's next search sees it.
    let other = Library::open(lib.path()).unwrap();
    write(&src, "b.jpg", &jpeg("b"));
    let b = other.ingest(&[&src], &opts()).unwrap().added[0].id;
    edit(&other, &b, &["title=lighthouse"]);
    assert_eq!(
        ids(&search(&lib, "lighthouse")),
        BTreeSet::from([b.to_string()])
    );
    // A lost index update (killed between the catalog and the index commit) is caught up:
    // simulate it by rewinding the recorded audit position.
    let gen_dir = lib.index_status().unwrap().path.unwrap();
    std::fs::write(
        gen_dir.join(damkit::library::STATE_FILE),
        r#"{"audit_seq":0}"#,
    )
    .unwrap();
    let st = lib.index_status().unwrap();
    assert!(st.indexed_seq < st.catalog_seq);
    let u = lib.sync_index().unwrap();
    assert_eq!(u.upserted, 2);
    assert_eq!(search(&lib, "").total, 2);
}

#[test]
fn searching_while_ingest_commits_works() {
    let (_d, src, lib) = setup(catalog_only());
    let mut config = catalog_only();
    config.ingest.batch_size = 4;
    let (_d2, src2, lib2) = setup(config);
    let _ = (&src, &lib);
    for i in 0..40 {
        write(&src2, &format!("f{i:02}.jpg"), &jpeg(&format!("f{i}")));
    }
    let reader = Library::open(lib2.path()).unwrap();
    std::thread::scope(|s| {
        let writer = s.spawn(|| lib2.ingest(&[&src2], &opts()).unwrap());
        let mut last = 0;
        let mut rounds = 0;
        while !writer.is_finished() || rounds < 2 {
            // Never an error, never fewer records than before.
            let r = reader
                .search("", &SearchOptions::default().limit(0))
                .unwrap();
            assert!(r.total >= last, "{} < {last}", r.total);
            last = r.total;
            rounds += 1;
        }
        assert_eq!(writer.join().unwrap().added.len(), 40);
    });
    assert_eq!(
        reader.search("", &SearchOptions::default()).unwrap().total,
        40
    );
}

#[test]
fn a_schema_mismatch_is_rebuilt_or_asks_for_reindex() {
    let (_d, src, lib) = setup(catalog_only());
    write(&src, "a.jpg", &jpeg("a"));
    lib.ingest(&[&src], &opts()).unwrap();
    assert_eq!(search(&lib, "").total, 1);
    let bump = |lib: &Library| {
        let gen_dir = lib.index_status().unwrap().path.unwrap();
        let vfile = gen_dir.join(damkit::search::VERSION_FILE);
        let text = std::fs::read_to_string(&vfile).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let bumped = text.replace(
            &format!("\"schema_version\": {}", v["schema_version"]),
            "\"schema_version\": 9999",
        );
        assert_ne!(bumped, text);
        std::fs::write(&vfile, bumped).unwrap();
    };
    bump(&lib);

    // Without automatic rebuild: the search names the fix.
    let fresh = Library::open(lib.path()).unwrap();
    let err = fresh
        .search("", &SearchOptions::default().rebuild_if_needed(false))
        .unwrap_err();
    assert!(
        matches!(err, LibraryError::IndexRebuildNeeded { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("damkit reindex"), "{err}");
    // A change is committed to the catalog, and the index update after it rebuilds the
    // index (damkit was upgraded: the catalog is the source of truth).
    let id = fresh.assets().unwrap()[0].id;
    fresh
        .set_status(&id, LifecycleStatus::InReview, "tester")
        .unwrap();
    assert!(fresh.index_status().unwrap().last_error.is_none());
    assert_eq!(search(&fresh, "status:in_review").total, 1);

    // By default a search rebuilds a mismatched index itself, and says so.
    bump(&fresh);
    let fresh = Library::open(lib.path()).unwrap();
    let r = fresh.search("", &SearchOptions::default()).unwrap();
    assert_eq!(r.total, 1);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("rebuilt from the catalog")),
        "{:?}",
        r.warnings
    );
    fresh.reindex().unwrap();

    // A damaged CURRENT is named, and reindex repairs it.
    std::fs::write(lib.path().join("index").join("CURRENT"), "../../etc").unwrap();
    let err = fresh.search("", &SearchOptions::default()).unwrap_err();
    assert!(err.to_string().contains("CURRENT"), "{err}");
    fresh.reindex().unwrap();
    assert_eq!(search(&fresh, "").total, 1);
}
