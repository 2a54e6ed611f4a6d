//! The query language on arbitrary text: parsing never panics and keeps its bounds, and the
//! compiled query runs against a small index without an error (malformed input gives
//! warnings, never a failure).
#![no_main]

use std::sync::OnceLock;

use damkit_search::query::{Ast, MAX_TERMS, parse};
use damkit_search::synth::Generator;
use damkit_search::{IndexerOptions, SearchIndex, SearchRequest, Sort};
use libfuzzer_sys::fuzz_target;

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let index = SearchIndex::create_in_ram();
        let mut w = index.indexer(IndexerOptions::default().threads(1)).unwrap();
        let g = Generator::new(1);
        for n in 0..200 {
            w.upsert(&g.record(n)).unwrap();
        }
        w.commit().unwrap();
        index
    })
}

fn leaves(a: &Ast) -> usize {
    match a {
        Ast::And(v) | Ast::Or(v) => v.iter().map(leaves).sum(),
        Ast::Not(x) => leaves(x),
        Ast::All => 0,
        _ => 1,
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut warnings = Vec::new();
    let ast = parse(&text, &mut warnings);
    assert!(leaves(&ast) <= MAX_TERMS);
    // Numeric, string and relevance sorts; the text also as a (mostly broken) cursor.
    let sort = ["-taken", "make", "-creator", "score"][data.len() % 4];
    let mut req = SearchRequest::new(text.as_ref())
        .facet("taxonomy")
        .facet("make")
        .with_snippets()
        .limit(5);
    if let Some(s) = Sort::parse(sort).unwrap() {
        req = req.sort(s);
    }
    if data.get(1).is_some_and(|b| b % 2 == 0) {
        req = req.search_after(text.as_ref());
    }
    let r = index().search(&req).expect("a query never fails");
    // The cursor of the last hit continues without an error.
    if let Some(next) = r.next {
        index()
            .search(&req.clone().search_after(next))
            .expect("a next page never fails");
    }
});
