use damkit_search::synth::Generator;
use damkit_search::{
    IndexerOptions, SCHEMA_VERSION, SearchError, SearchIndex, SearchRequest, VERSION_FILE,
};

use crate::{fixture, rec};

#[test]
fn upsert_replaces_and_delete_removes() {
    let (index, recs) = fixture();
    assert_eq!(index.num_records(), 6);
    let mut w = index.indexer(IndexerOptions::default().threads(1)).unwrap();
    let mut changed = recs[0].clone();
    changed.title = Some("Arctic hare".into());
    w.upsert(&changed).unwrap();
    // Not visible before the commit.
    assert_eq!(index.search(&SearchRequest::new("hare")).unwrap().total, 0);
    w.commit().unwrap();
    assert_eq!(index.num_records(), 6);
    assert_eq!(index.search(&SearchRequest::new("hare")).unwrap().total, 1);
    assert_eq!(
        index.get(recs[0].id).unwrap().unwrap().title.as_deref(),
        Some("Arctic hare")
    );
    w.delete(recs[1].id);
    w.delete(rec(200).id); // absent: no error
    w.commit().unwrap();
    assert_eq!(index.num_records(), 5);
    assert!(index.get(recs[1].id).unwrap().is_none());
    // Rollback drops pending work.
    w.delete(recs[2].id);
    w.rollback().unwrap();
    w.commit().unwrap();
    assert_eq!(index.num_records(), 5);
}

#[test]
fn on_disk_round_trip_and_version_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    {
        let index = SearchIndex::create(&path).unwrap();
        let mut w = index.indexer(IndexerOptions::default().threads(1)).unwrap();
        let g = Generator::new(1);
        for n in 0..500 {
            w.upsert(&g.record(n)).unwrap();
        }
        w.finish().unwrap();
    }
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(index.num_records(), 500);
    assert!(matches!(
        SearchIndex::create(&path),
        Err(SearchError::InvalidRequest(_))
    ));
    drop(index);
    // Another schema version: a clear "rebuild needed".
    let vfile = path.join(VERSION_FILE);
    std::fs::write(
        &vfile,
        format!(
            "{{\"format\":\"damkit-search\",\"schema_version\":{}}}",
            SCHEMA_VERSION + 1
        ),
    )
    .unwrap();
    let err = SearchIndex::open(&path).unwrap_err();
    assert!(matches!(err, SearchError::RebuildNeeded { .. }), "{err}");
    assert!(err.to_string().contains("rebuild needed"), "{err}");
    std::fs::write(&vfile, b"garbage").unwrap();
    let err = SearchIndex::open(&path).unwrap_err();
    assert!(matches!(err, SearchError::BadVersionFile { .. }), "{err}");
    // Not an index at all.
    let err = SearchIndex::open(dir.path()).unwrap_err();
    assert!(matches!(err, SearchError::NotAnIndex { .. }), "{err}");
    assert!(err.to_string().contains("no damkit search index"));
}

#[test]
fn interval_commits_and_segment_count_stays_low() {
    let index = SearchIndex::create_in_ram();
    let mut w = index
        .indexer(
            IndexerOptions::default()
                .threads(1)
                .commit_every(100)
                .commit_interval(std::time::Duration::from_secs(3600)),
        )
        .unwrap();
    let g = Generator::new(2);
    let mut commits = 0;
    for n in 0..3000 {
        w.upsert(&g.record(n)).unwrap();
        if w.maybe_commit().unwrap() {
            commits += 1;
            // NRT: each commit is visible at once.
            assert_eq!(index.num_records(), n + 1);
        }
    }
    assert_eq!(commits, 30);
    w.finish().unwrap();
    assert_eq!(index.num_records(), 3000);
    assert!(
        index.num_segments() <= 12,
        "{} segments after 30 commits",
        index.num_segments()
    );
    let w = index.indexer(IndexerOptions::default().threads(1)).unwrap();
    w.optimize().unwrap();
    assert_eq!(index.num_segments(), 1);
    assert_eq!(index.num_records(), 3000);
}

#[test]
fn second_writer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::create(dir.path()).unwrap();
    let _w = index.indexer(IndexerOptions::default().threads(1)).unwrap();
    let other = SearchIndex::open(dir.path()).unwrap();
    let err = other
        .indexer(IndexerOptions::default().threads(1))
        .unwrap_err();
    assert!(err.to_string().contains("writer"), "{err}");
}

#[test]
fn records_round_trip_as_json_lines() {
    let g = Generator::new(3);
    let r = g.record(9);
    let line = serde_json::to_string(&r).unwrap();
    let back: damkit_search::AssetRecord = serde_json::from_str(&line).unwrap();
    assert_eq!(back, r);
    // Minimal records: only the id.
    let min: damkit_search::AssetRecord =
        serde_json::from_str(r#"{"id":"0192f0c1-7a3b-7c4d-8e5f-0123456789ab"}"#).unwrap();
    assert!(min.title.is_none());
}
