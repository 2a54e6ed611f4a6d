//! # Tutorial: finding assets in seconds
//!
//! A DAM is only as good as its search. This lesson builds a small search index of asset
//! records with `damkit::search`, then asks it the questions users ask: words (with typos),
//! fields, ranges, facets, pages, and "may I use this on the web in France today?".
//!
//! ```text
//! cargo run --example search_assets
//! ```

use damkit::AssetId;
use damkit::search::{AssetRecord, IndexerOptions, SearchIndex, SearchRequest, Sort, UsageFilter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ## 1. Records
    //
    // An `AssetRecord` is what the index knows about one asset. In a damkit library the
    // facade fills it from the file's metadata, the rights evaluation and duplicate detection;
    // here we write three by hand. Only the id is required.
    let mut fox = AssetRecord::new(AssetId::new());
    fox.title = Some("Red fox in the snow".into());
    fox.description = Some("A red fox hunting mice in a snowy field at dawn.".into());
    fox.keywords = vec!["red fox".into(), "winter".into()];
    // Taxonomy paths: every ancestor is indexed, so `/Animals` finds this fox.
    fox.taxonomy_paths = vec!["/Animals/Mammals/Foxes".into()];
    fox.creators = vec!["Jane Smith".into()];
    fox.make = Some("Canon".into());
    fox.taken = Some("2020-01-15T08:00:00Z".parse()?);
    fox.width = Some(6000);
    fox.height = Some(4000);
    fox.rating = Some(5);
    // The rights summary: where, how and when the asset may be used.
    fox.rights.channels = vec!["web".into(), "print".into()];
    fox.rights.territories = vec!["world".into()];

    let mut dogs = AssetRecord::new(AssetId::new());
    dogs.title = Some("Sleeping dogs".into());
    dogs.keywords = vec!["dog".into(), "pets".into()];
    dogs.taxonomy_paths = vec!["/Animals/Mammals/Dogs".into()];
    dogs.make = Some("Nikon".into());
    dogs.taken = Some("2021-06-01T12:00:00Z".parse()?);
    dogs.width = Some(1920);
    dogs.rights.channels = vec!["social".into()];
    dogs.rights.territories = vec!["US".into()];

    // Text is analysed with the stemmer of the record's language: German here.
    let mut hunde = AssetRecord::new(AssetId::new());
    hunde.language = Some("de".into());
    hunde.title = Some("Hunde am Strand".into());
    hunde.taxonomy_paths = vec!["/Animals/Mammals/Dogs".into(), "/Places/Beaches".into()];
    hunde.make = Some("Canon".into());
    hunde.taken = Some("2021-07-20T15:00:00Z".parse()?);
    hunde.rights.channels = vec!["any".into()];
    hunde.rights.territories = vec!["FR".into(), "DE".into()];

    // ## 2. Indexing
    //
    // An index lives in a folder (`SearchIndex::create(dir)`; in a library, `LIB/index/`);
    // this lesson keeps it in memory. The `Indexer` upserts by asset id: indexing a record
    // again replaces it. Nothing is visible, nor durable, before a commit, and a commit is
    // atomic: a crash loses only what was not committed.
    let index = SearchIndex::create_in_ram();
    let mut indexer = index.indexer(IndexerOptions::default().threads(1))?;
    for record in [&fox, &dogs, &hunde] {
        indexer.upsert(record)?;
    }
    indexer.commit()?;
    println!("{} records indexed\n", index.num_records());

    // ## 3. Asking questions
    //
    // Each query prints its hits; `show` is at the bottom of the file.
    // Words: AND by default, stemmed ("foxes" finds "fox") and forgiving ("sleping").
    show(&index, SearchRequest::new("foxes"))?;
    show(&index, SearchRequest::new("sleping"))?;
    // The German stemmer: "Hund" finds "Hunde".
    show(&index, SearchRequest::new("hund"))?;
    // Fields, phrases, ranges and boolean logic.
    show(
        &index,
        SearchRequest::new("make:Canon taken:[2021-01-01 TO 2022-01-01]"),
    )?;
    show(
        &index,
        SearchRequest::new("keyword:\"red fox\" OR width:<2000"),
    )?;
    show(&index, SearchRequest::new("taxonomy:/Animals -dog"))?;

    // ## 4. Facets and drill-down
    //
    // Facet counts come from fast columns, not from stored records, so they stay fast at
    // millions of assets. `taxonomy` counts the top of the hierarchy; `taxonomy:/Animals/
    // Mammals` counts the children of that node. A filter drills down without changing scores.
    let r = index.search(
        &SearchRequest::new("")
            .facet("make")
            .facet("taxonomy")
            .facet("taxonomy:/Animals/Mammals")
            .filter("taxonomy:/Animals"),
    )?;
    for (facet, counts) in &r.facets {
        let counts: Vec<String> = counts
            .iter()
            .map(|c| format!("{} ({})", c.value, c.count))
            .collect();
        println!("facet {facet}: {}", counts.join(", "));
    }
    println!();

    // ## 5. Sorting and pages
    //
    // Sort on any numeric or date field; `search_after` continues after the last hit of a
    // page, which stays correct while other commits land (unlike an offset).
    let mut req = SearchRequest::new("")
        .sort(Sort::parse("-taken")?.expect("a field"))
        .limit(2);
    let first = index.search(&req)?;
    req = req.search_after(first.next.clone().expect("a second page"));
    let second = index.search(&req)?;
    for hit in first.hits.iter().chain(&second.hits) {
        println!(
            "by date: {:?} {:?}",
            hit.record.taken.map(|t| t.to_string()),
            hit.record.title
        );
    }
    println!();

    // ## 6. Rights-aware search
    //
    // "Usable on the web in France on this date": a permitted channel (or `any`), territory
    // (or `world`), inside the licence period.
    let on = "2024-05-01T12:00:00Z".parse()?;
    show(
        &index,
        SearchRequest::new("").usable(UsageFilter::new("web", "FR", on)),
    )?;

    // ## 7. Forgiveness
    //
    // A malformed query is still answered; warnings say what was not understood.
    let r = index.search(&SearchRequest::new(
        "(fox AND taken:[2020-13-45 TO *] nosuch:snow",
    ))?;
    println!("{} hits despite: {:#?}", r.total, r.warnings);
    Ok(())
}

/// Runs a request and prints its hits (with highlighted snippets).
fn show(index: &SearchIndex, request: SearchRequest) -> Result<(), Box<dyn std::error::Error>> {
    let query = request.query.clone();
    let r = index.search(&request.with_snippets())?;
    println!("{query:?}: {} hits", r.total);
    for hit in &r.hits {
        let title = hit.snippets.get("title").or(hit.record.title.as_ref());
        println!(
            "  {:.2}  {}",
            hit.score,
            title.map(String::as_str).unwrap_or("-")
        );
    }
    println!();
    Ok(())
}
