use damkit_search::synth::Generator;
use damkit_search::{BoundingBox, IndexerOptions, SearchIndex, SearchRequest, Sort, UsageFilter};

use crate::fixture;

fn hit_ids(r: &damkit_search::SearchResponse) -> Vec<u8> {
    r.hits.iter().map(|h| h.id.as_bytes()[15]).collect()
}

#[test]
fn facets_count_with_hierarchy_drill_down() {
    let (ix, _) = fixture();
    let r = ix
        .search(
            &SearchRequest::new("")
                .facet("make")
                .facet("taxonomy")
                .facet("taxonomy:/Animals/Mammals")
                .facet("rating")
                .facet("editorial")
                .facet("keyword")
                .facet("nonsense"),
        )
        .unwrap();
    let f = |name: &str| -> Vec<(String, u64)> {
        r.facets[name]
            .iter()
            .map(|c| (c.value.clone(), c.count))
            .collect()
    };
    assert_eq!(
        f("make"),
        vec![("Canon".into(), 2), ("Nikon".into(), 1), ("Sony".into(), 1)]
    );
    assert_eq!(
        f("taxonomy"),
        vec![("/Animals".into(), 4), ("/Places".into(), 2)]
    );
    assert_eq!(
        f("taxonomy:/Animals/Mammals"),
        vec![
            ("/Animals/Mammals/Dogs".into(), 2),
            ("/Animals/Mammals/Foxes".into(), 2)
        ]
    );
    assert_eq!(f("rating").len(), 4);
    assert_eq!(
        f("editorial"),
        vec![("false".into(), 5), ("true".into(), 1)]
    );
    assert!(f("keyword").contains(&("red fox".into(), 1)));
    assert!(r.warnings.iter().any(|w| w.contains("nonsense")));
    // Counts follow the query and the drill-down filter.
    let r = ix
        .search(
            &SearchRequest::new("")
                .filter("taxonomy:/Animals/Mammals/Dogs")
                .facet("make"),
        )
        .unwrap();
    assert_eq!(r.total, 2);
    assert_eq!(r.facets["make"].len(), 2);
}

#[test]
fn sort_by_fast_fields_and_search_after() {
    let (ix, _) = fixture();
    let r = ix
        .search(&SearchRequest::new("").sort(Sort::parse("-taken").unwrap().unwrap()))
        .unwrap();
    // Records without a date come last.
    assert_eq!(&hit_ids(&r)[..4], &[3, 2, 1, 4]);
    let r = ix
        .search(&SearchRequest::new("").sort(Sort::parse("width:asc").unwrap().unwrap()))
        .unwrap();
    assert_eq!(&hit_ids(&r)[..4], &[2, 4, 3, 1]);
    let r = ix
        .search(&SearchRequest::new("").sort(Sort::parse("rating:desc").unwrap().unwrap()))
        .unwrap();
    assert_eq!(&hit_ids(&r)[..4], &[1, 3, 2, 4]);
    assert!(Sort::parse("title").is_err());
    assert!(Sort::parse("score").unwrap().is_none());

    // Pagination over a bigger index visits every record exactly once, in order.
    let index = SearchIndex::create_in_ram();
    let mut w = index.indexer(IndexerOptions::default().threads(1)).unwrap();
    let g = Generator::new(5);
    for n in 0..1000 {
        w.upsert(&g.record(n)).unwrap();
    }
    w.commit().unwrap();
    for sort in [None, Some("-taken"), Some("rating"), Some("-lat")] {
        let mut req = SearchRequest::new("").limit(77);
        if let Some(s) = sort {
            req = req.sort(Sort::parse(s).unwrap().unwrap());
        }
        let mut seen = std::collections::HashSet::new();
        let mut pages = 0;
        loop {
            let r = index.search(&req).unwrap();
            assert_eq!(r.total, 1000);
            for h in &r.hits {
                assert!(seen.insert(h.id), "{sort:?}: {} seen twice", h.id);
            }
            pages += 1;
            match r.next {
                Some(c) => req = req.search_after(c),
                None => break,
            }
            assert!(pages < 50);
        }
        assert_eq!(seen.len(), 1000, "{sort:?}");
    }
    // Relevance order with pagination of a word query.
    let word = g.word(3).to_string();
    let all = index
        .search(&SearchRequest::new(&word).limit(1000))
        .unwrap();
    let first = index.search(&SearchRequest::new(&word).limit(10)).unwrap();
    let second = index
        .search(
            &SearchRequest::new(&word)
                .limit(10)
                .search_after(first.next.clone().unwrap()),
        )
        .unwrap();
    let expect: Vec<_> = all.hits.iter().skip(10).take(10).map(|h| h.id).collect();
    assert_eq!(second.hits.iter().map(|h| h.id).collect::<Vec<_>>(), expect);
    for pair in all.hits.windows(2) {
        assert!(pair[0].score >= pair[1].score);
    }
    // A broken cursor: warning, first page.
    let r = index
        .search(&SearchRequest::new("").search_after("zz"))
        .unwrap();
    assert!(r.warnings.iter().any(|w| w.contains("cursor")));
}

#[test]
fn snippets_highlight_matches() {
    let (ix, _) = fixture();
    let r = ix
        .search(&SearchRequest::new("fox").with_snippets())
        .unwrap();
    let s = &r.hits[0].snippets;
    assert!(s["title"].contains("<b>fox</b>"), "{s:?}");
    assert!(s["description"].contains("<b>fox</b>"), "{s:?}");
    // Stemmed matches are highlighted too.
    let r = ix
        .search(&SearchRequest::new("hund").with_snippets())
        .unwrap();
    assert!(
        r.hits[0].snippets["title"].contains("<b>Hunde</b>"),
        "{:?}",
        r.hits[0].snippets
    );
    // Typo-tolerant matches are highlighted: "sunest" finds and marks "sunset".
    let r = ix
        .search(&SearchRequest::new("sunest").with_snippets())
        .unwrap();
    assert_eq!(r.total, 1);
    assert!(
        r.hits[0].snippets["title"].contains("<b>sunset</b>"),
        "{:?}",
        r.hits[0].snippets
    );
    // Not a typo of anything: no snippet highlights unrelated words.
    let r = ix
        .search(&SearchRequest::new("golden OR zzzzzz").with_snippets())
        .unwrap();
    assert_eq!(
        r.hits[0].snippets["title"],
        "<b>Golden</b> bridge at sunset"
    );
}

#[test]
fn usage_filter_channel_territory_date() {
    let (ix, _) = fixture();
    let on = |d: &str| -> jiff::Timestamp { format!("{d}T12:00:00Z").parse().unwrap() };
    let q = |u: UsageFilter| {
        let mut v = hit_ids(&ix.search(&SearchRequest::new("").usable(u)).unwrap());
        v.sort();
        v
    };
    // 1: web/print worldwide 2020-2022; 2: social in US, editorial; 3: any channel in DE/FR.
    assert_eq!(
        q(UsageFilter::new("web", "FR", on("2021-05-05"))),
        vec![1, 3]
    );
    assert_eq!(q(UsageFilter::new("web", "FR", on("2023-05-05"))), vec![3]);
    assert_eq!(q(UsageFilter::new("web", "FR", on("2019-05-05"))), vec![3]);
    assert_eq!(
        q(UsageFilter::new("social", "US", on("2021-05-05"))),
        vec![2]
    );
    assert_eq!(
        q(UsageFilter::new("social", "US", on("2021-05-05")).commercial()),
        Vec::<u8>::new()
    );
    assert_eq!(
        q(UsageFilter::new("print", "JP", on("2021-05-05")).with_model_release()),
        vec![1]
    );
    assert_eq!(q(UsageFilter::new("tv", "DE", on("2030-01-01"))), vec![3]);
}

#[test]
fn bounding_box_including_antimeridian() {
    let (ix, _) = fixture();
    let q = |b: BoundingBox| {
        let r = ix.search(&SearchRequest::new("").bbox(b)).unwrap();
        let mut v = hit_ids(&r);
        v.sort();
        (v, r.warnings)
    };
    assert_eq!(
        q(BoundingBox {
            south: 45.0,
            west: 5.0,
            north: 48.0,
            east: 11.0
        })
        .0,
        vec![1]
    );
    assert_eq!(
        q(BoundingBox {
            south: 30.0,
            west: 170.0,
            north: 60.0,
            east: -170.0
        })
        .0,
        vec![3, 4]
    );
    let (v, w) = q(BoundingBox {
        south: 60.0,
        west: 0.0,
        north: 30.0,
        east: 1.0,
    });
    assert_eq!(v.len(), 6);
    assert!(!w.is_empty());
}

#[test]
fn limit_zero_counts_only() {
    let (ix, _) = fixture();
    let r = ix
        .search(&SearchRequest::new("").limit(0).facet("make"))
        .unwrap();
    assert_eq!(r.total, 6);
    assert!(r.hits.is_empty());
    assert!(r.next.is_none());
    assert!(!r.facets["make"].is_empty());
}

#[test]
fn sort_by_string_fields_across_segments_with_search_after() {
    let index = SearchIndex::create_in_ram();
    let mut w = index.indexer(IndexerOptions::default().threads(1)).unwrap();
    let g = Generator::new(11);
    // Several commits: several segments, whose dictionaries differ.
    for n in 0..900 {
        w.upsert(&g.record(n)).unwrap();
        if n % 300 == 299 {
            w.commit().unwrap();
        }
    }
    w.commit().unwrap();
    let value = |h: &damkit_search::Hit, field: &str| -> Option<String> {
        let r = &h.record;
        match field {
            "make" => r.make.clone(),
            "lens" => r.lens.clone(),
            "label" => r.label.clone(),
            "creator" => r.creators.first().cloned(),
            _ => unreachable!(),
        }
    };
    for (spec, field, desc) in [
        ("make", "make", false),
        ("-make", "make", true),
        ("lens:asc", "lens", false),
        ("-label", "label", true),
        ("label", "label", false),
        ("-creator", "creator", true),
    ] {
        let mut req = SearchRequest::new("")
            .limit(77)
            .sort(Sort::parse(spec).unwrap().unwrap());
        let mut seen = std::collections::HashSet::new();
        let mut values: Vec<Option<String>> = Vec::new();
        let mut pages = 0;
        loop {
            let r = index.search(&req).unwrap();
            assert!(r.warnings.is_empty(), "{spec}: {:?}", r.warnings);
            assert_eq!(r.total, 900);
            for h in &r.hits {
                assert!(seen.insert(h.id), "{spec}: {} seen twice", h.id);
                values.push(value(h, field));
            }
            pages += 1;
            match r.next {
                Some(c) => req = req.search_after(c),
                None => break,
            }
            assert!(pages < 50);
        }
        assert_eq!(seen.len(), 900, "{spec}");
        // Values in order, records without one last.
        let present: Vec<&String> = values.iter().map_while(|v| v.as_ref()).collect();
        assert!(
            values[present.len()..].iter().all(Option::is_none),
            "{spec}"
        );
        for pair in present.windows(2) {
            if desc {
                assert!(pair[0] >= pair[1], "{spec}: {:?}", pair);
            } else {
                assert!(pair[0] <= pair[1], "{spec}: {:?}", pair);
            }
        }
        assert!(present.len() > 100, "{spec}");
    }
    // A numeric cursor given to a string sort: a warning, the first page.
    let r = index
        .search(
            &SearchRequest::new("")
                .sort(Sort::parse("make").unwrap().unwrap())
                .search_after("1.2.3"),
        )
        .unwrap();
    assert!(r.warnings.iter().any(|w| w.contains("cursor")));
}

/// The hits' `fields` JSON (the `damkit search --json` contract) is the record as indexed,
/// whatever the number of search threads: ids come back from their columns, records from
/// the document store completed by the fast columns, in hit order.
#[test]
fn hit_fields_json_is_the_indexed_record() {
    let g = Generator::new(21);
    let recs: Vec<_> = (0..600).map(|n| g.record(n)).collect();
    let index = SearchIndex::create_in_ram();
    let mut w = index.indexer(IndexerOptions::default().threads(2)).unwrap();
    for chunk in recs.chunks(200) {
        for r in chunk {
            w.add_new(r).unwrap();
        }
        w.commit().unwrap();
    }
    let by_id: std::collections::HashMap<_, _> = recs.iter().map(|r| (r.id, r)).collect();
    let expected = |r: &damkit_search::AssetRecord| {
        let mut v = serde_json::to_value(r).unwrap();
        let map = v.as_object_mut().unwrap();
        map.remove("id");
        map.retain(|_, v| {
            !(v.is_null()
                || v.as_array().is_some_and(Vec::is_empty)
                || v.as_str().is_some_and(str::is_empty))
        });
        v
    };
    let mut seen = std::collections::HashSet::new();
    for threads in [1, 2, 3] {
        let ix = index.with_search_threads(threads).unwrap();
        assert_eq!(ix.search_threads(), threads);
        for (q, sort) in [("", "-taken"), ("", "width"), ("", "make")] {
            let req = SearchRequest::new(q)
                .sort(Sort::parse(sort).unwrap().unwrap())
                .limit(250);
            let resp = ix.search(&req).unwrap();
            assert_eq!(resp.hits.len(), 250);
            let again = index.with_search_threads(1).unwrap().search(&req).unwrap();
            for (h, h1) in resp.hits.iter().zip(&again.hits) {
                assert_eq!(h.id, h1.id, "hit order does not depend on threads");
                let r = by_id[&h.id];
                assert_eq!(&h.record, r);
                assert_eq!(h.fields_json().unwrap(), expected(r));
                seen.insert(h.id);
            }
        }
    }
    assert!(seen.len() > 300, "{} distinct hits", seen.len());
}
