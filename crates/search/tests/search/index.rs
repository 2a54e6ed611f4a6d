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

/// Records come back exactly as written: part of each record is read back from the fast
/// columns, so this goes through several segments, a merge, deletes and edge values.
#[test]
fn records_round_trip_through_columns_and_merges() {
    use damkit_search::GeoPoint;
    let g = Generator::new(11);
    let mut recs: Vec<_> = (0..300).map(|n| g.record(n)).collect();
    // Edge values: duplicates and order in lists, empty strings, sub-second and extreme
    // dates, sentinel-like licence bounds, non-finite GPS, odd hashes, nothing at all.
    let mut e = rec(90);
    e.keywords = vec!["b".into(), "a".into(), "b".into(), "A".into()];
    e.creators = vec![String::new(), "X".into()];
    e.make = Some(String::new());
    e.model = Some("  Spaced Model ".into());
    e.taken = Some("2021-05-03T10:00:00.123456789Z".parse().unwrap());
    e.created = Some(jiff::Timestamp::MIN);
    e.modified = Some(jiff::Timestamp::MAX);
    e.ingested = Some("1680-01-01T00:00:00Z".parse().unwrap());
    e.rights.licence_start = Some("1680-01-01T00:00:00Z".parse().unwrap());
    e.rights.licence_end = Some("2260-01-01T00:00:00Z".parse().unwrap());
    e.gps = Some(GeoPoint {
        lat: f64::NAN,
        lon: 3.0,
    });
    e.width = Some(u32::MAX);
    e.file_size = Some(u64::MAX);
    e.rating = Some(-1);
    e.orientation = Some(255);
    e.content_hash = Some("ABCDEF0123".into());
    recs.push(e);
    let mut f = rec(91);
    f.content_hash = Some("F".repeat(64));
    f.gps = Some(GeoPoint {
        lat: -0.0,
        lon: -180.0,
    });
    f.language = Some("pt-BR".into());
    recs.push(f);
    recs.push(rec(92));

    let index = SearchIndex::create_in_ram();
    let mut w = index.indexer(IndexerOptions::default().threads(2)).unwrap();
    for chunk in recs.chunks(50) {
        for r in chunk {
            w.upsert(r).unwrap();
        }
        w.commit().unwrap();
    }
    // Delete some, re-upsert some (in a later segment), then merge everything.
    for r in recs.iter().step_by(7) {
        w.delete(r.id);
    }
    for r in recs.iter().step_by(14) {
        w.upsert(r).unwrap();
    }
    w.commit().unwrap();
    let check = |index: &SearchIndex| {
        for (i, r) in recs.iter().enumerate() {
            let back = index.get(r.id).unwrap();
            if i % 7 == 0 && i % 14 != 0 {
                assert!(back.is_none(), "record {i} was deleted");
                continue;
            }
            let back = back.unwrap_or_else(|| panic!("record {i} missing"));
            if r.gps.is_some_and(|g| g.lat.is_nan()) {
                assert!(back.gps.unwrap().lat.is_nan());
                let mut a = back.clone();
                let mut b = r.clone();
                a.gps = None;
                b.gps = None;
                assert_eq!(a, b, "record {i}");
            } else {
                assert_eq!(&back, r, "record {i}");
            }
            if let Some(g) = r.gps {
                assert_eq!(back.gps.unwrap().lat.to_bits(), g.lat.to_bits());
            }
        }
    };
    check(&index);
    w.optimize().unwrap();
    assert_eq!(index.num_segments(), 1);
    check(&index);
}

#[test]
fn hash_and_id_lookups() {
    let g = Generator::new(12);
    let recs: Vec<_> = (0..200).map(|n| g.record(n)).collect();
    let mut odd = rec(93);
    odd.content_hash = Some("SHA1:ABC".into());
    let mut short = rec(94);
    short.content_hash = Some("00FF00FF".into());
    let index = SearchIndex::create_in_ram();
    let mut w = index.indexer(IndexerOptions::default().threads(1)).unwrap();
    for r in recs.iter().chain([&odd, &short]) {
        w.upsert(r).unwrap();
    }
    w.commit().unwrap();
    let find = |q: &str| {
        let resp = index.search(&SearchRequest::new(q).limit(1000)).unwrap();
        let mut v: Vec<_> = resp.hits.iter().map(|h| h.id).collect();
        v.sort();
        (v, resp.warnings)
    };
    let r = &recs[17];
    let h = r.content_hash.clone().unwrap();
    assert_eq!(find(&format!("hash:{h}")).0, vec![r.id]);
    assert_eq!(find(&format!("hash:{}", h.to_uppercase())).0, vec![r.id]);
    // Hex prefixes of any length (odd too), through both words.
    for len in [4, 7, 16, 20, 33] {
        let (ids, warnings) = find(&format!("hash:{}*", &h[..len]));
        let mut want: Vec<_> = recs
            .iter()
            .filter(|x| x.content_hash.as_deref().unwrap().starts_with(&h[..len]))
            .map(|x| x.id)
            .collect();
        want.sort();
        assert_eq!(ids, want, "prefix {len}");
        assert!(warnings.is_empty());
    }
    assert_eq!(find("hash:sha1:abc").0, vec![odd.id]);
    assert_eq!(find("hash:00ff00ff").0, vec![short.id]);
    assert_eq!(find("hash:00ff*").0, vec![short.id]);
    assert!(find("hash:f*ck").1.iter().any(|w| w.contains("hex prefix")));
    // Ids: exact, prefix, and a clear warning for anything else.
    assert_eq!(find(&format!("id:{}", r.id)).0, vec![r.id]);
    let prefix: String = r.id.to_string().chars().take(13).collect();
    let (ids, _) = find(&format!("id:{prefix}*"));
    assert!(ids.contains(&r.id));
    assert!(ids.iter().all(|id| id.to_string().starts_with(&prefix)));
    let (ids, warnings) = find("id:not-an-id");
    assert_eq!(ids.len(), 202, "an ignored clause matches everything");
    assert!(warnings.iter().any(|w| w.contains("not an asset id")));
}

/// Files of one kind (`.store`: one per segment) in an index folder.
fn files_ending(dir: &std::path::Path, suffix: &str) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(suffix))
        .count()
}

#[test]
fn bulk_load_merges_only_its_own_segments_once_at_finish() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    let index = SearchIndex::create(&path).unwrap();
    let g = Generator::new(3);
    // A segment from before the bulk load, which the bulk load must leave alone.
    let mut w = index.indexer(IndexerOptions::default().threads(1)).unwrap();
    for n in 0..50 {
        w.add_new(&g.record(n)).unwrap();
    }
    w.finish().unwrap();
    assert_eq!(index.num_segments(), 1);
    let before = files_ending(&path, ".store");
    assert_eq!(before, 1);

    let mut w = index
        .indexer(IndexerOptions::default().threads(2).bulk_load(true))
        .unwrap();
    let mut n = 50;
    for _ in 0..5 {
        for _ in 0..100 {
            w.add_new(&g.record(n)).unwrap();
            n += 1;
        }
        w.commit().unwrap();
    }
    // No merge during the load: a segment per commit and thread that received records.
    let loaded = index.num_segments();
    assert!(loaded >= 6, "{loaded} segments");
    assert_eq!(index.num_records(), 550);
    w.finish().unwrap();
    // The new segments merged into at most one per thread; the old one is untouched.
    let after = index.num_segments();
    assert!((2..=3).contains(&after), "{after} segments");
    assert_eq!(index.num_records(), 550);
    // The files of the merged-away segments are gone.
    assert_eq!(files_ending(&path, ".store"), after);
    for i in [0, 49, 50, 321, 549] {
        let r = g.record(i);
        assert_eq!(index.get(r.id).unwrap().as_ref(), Some(&r), "record {i}");
    }
    let words = SearchRequest::new(g.word(50)).limit(0);
    assert!(index.search(&words).unwrap().total > 0);
}

#[test]
fn bulk_load_optimize_merges_everything_into_one_segment() {
    let index = SearchIndex::create_in_ram();
    let g = Generator::new(4);
    let mut w = index
        .indexer(IndexerOptions::default().threads(2).bulk_load(true))
        .unwrap();
    for n in 0..300 {
        w.add_new(&g.record(n)).unwrap();
        if n % 100 == 99 {
            w.commit().unwrap();
        }
    }
    assert!(index.num_segments() >= 3);
    w.optimize().unwrap();
    assert_eq!(index.num_segments(), 1);
    assert_eq!(index.num_records(), 300);
}
