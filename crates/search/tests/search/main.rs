//! Integration tests of damkit-search.

mod bad_input;
mod crash;
mod index;
mod query;
mod search;

use damkit_core::AssetId;
use damkit_search::{AssetRecord, GeoPoint, IndexerOptions, RightsSummary, SearchIndex};

/// A record with a fixed id built from `n`.
pub fn rec(n: u8) -> AssetRecord {
    let mut b = [0u8; 16];
    b[0] = 1;
    b[15] = n;
    b[6] = 0x70;
    b[8] = 0x80;
    AssetRecord::new(AssetId::from_bytes(b))
}

/// A small fixture library of 6 records.
pub fn fixture() -> (SearchIndex, Vec<AssetRecord>) {
    let mut v = Vec::new();
    let mut a = rec(1);
    a.title = Some("Red fox in the snow".into());
    a.description = Some("A red fox hunting mice in a snowy field at dawn.".into());
    a.keywords = vec!["red fox".into(), "winter".into(), "wildlife".into()];
    a.taxonomy_paths = vec!["/Animals/Mammals/Foxes".into()];
    a.concepts = vec!["ex:fox".into()];
    a.creators = vec!["Jane Smith".into()];
    a.make = Some("Canon".into());
    a.model = Some("Canon EOS 5D Mark IV".into());
    a.taken = Some("2020-01-15T08:00:00Z".parse().unwrap());
    a.width = Some(6000);
    a.height = Some(4000);
    a.rating = Some(5);
    a.file_size = Some(8_000_000);
    a.gps = Some(GeoPoint {
        lat: 46.5,
        lon: 7.9,
    });
    a.rights = {
        let mut r = RightsSummary::default();
        r.channels = vec!["web".into(), "print".into()];
        r.territories = vec!["world".into()];
        r.licence_start = Some("2020-01-01T00:00:00Z".parse().unwrap());
        r.licence_end = Some("2022-12-31T23:59:59Z".parse().unwrap());
        r.model_release = true;
        r
    };
    a.collections = vec!["Winter 2020".into()];
    a.status = Some("approved".into());
    v.push(a);

    let mut b = rec(2);
    b.title = Some("Sleeping dogs".into());
    b.description = Some("Two dogs sleeping on a sofa.".into());
    b.keywords = vec!["dog".into(), "pets".into()];
    b.taxonomy_paths = vec!["/Animals/Mammals/Dogs".into()];
    b.concepts = vec!["ex:dog".into()];
    b.creators = vec!["John Doe".into()];
    b.make = Some("Nikon".into());
    b.taken = Some("2021-06-01T12:00:00Z".parse().unwrap());
    b.width = Some(1920);
    b.height = Some(1080);
    b.rating = Some(3);
    b.file_size = Some(2_000_000);
    b.gps = Some(GeoPoint {
        lat: 40.7,
        lon: -74.0,
    });
    b.rights = {
        let mut r = RightsSummary::default();
        r.channels = vec!["social".into()];
        r.territories = vec!["US".into()];
        r.editorial_only = true;
        r
    };
    b.status = Some("draft".into());
    v.push(b);

    let mut c = rec(3);
    c.language = Some("de".into());
    c.title = Some("Hunde am Strand".into());
    c.description = Some("Spielende Hunde am Meer".into());
    c.keywords = vec!["Hund".into(), "Strand".into()];
    c.taxonomy_paths = vec!["/Animals/Mammals/Dogs".into(), "/Places/Beaches".into()];
    c.make = Some("Canon".into());
    c.taken = Some("2021-07-20T15:00:00Z".parse().unwrap());
    c.width = Some(4000);
    c.height = Some(6000);
    c.rating = Some(4);
    c.gps = Some(GeoPoint {
        lat: 54.1,
        lon: 179.5,
    });
    c.rights = {
        let mut r = RightsSummary::default();
        r.channels = vec!["any".into()];
        r.territories = vec!["DE".into(), "FR".into()];
        r
    };
    v.push(c);

    let mut d = rec(4);
    d.title = Some("Golden bridge at sunset".into());
    d.keywords = vec!["bridge".into(), "sunset".into()];
    d.taxonomy_paths = vec!["/Places/Cities".into()];
    d.make = Some("Sony".into());
    d.taken = Some("2019-09-09T19:00:00Z".parse().unwrap());
    d.width = Some(3000);
    d.height = Some(2000);
    d.rating = Some(1);
    d.gps = Some(GeoPoint {
        lat: 37.8,
        lon: -179.5,
    });
    v.push(d);

    let mut e = rec(5);
    e.title = Some("Les renards".into());
    e.language = Some("fr".into());
    e.description = Some("Renards roux dans la forêt".into());
    e.taxonomy_paths = vec!["/Animals/Mammals/Foxes".into()];
    e.concepts = vec!["ex:redfox".into()];
    v.push(e);

    let mut f = rec(6);
    f.title = Some("Photographing architecture".into());
    f.keywords = vec!["architecture".into()];
    f.paths = vec!["shoots/2022/arch/IMG_0001.CR2".into()];
    v.push(f);

    let index = SearchIndex::create_in_ram();
    let mut w = index.indexer(IndexerOptions::default().threads(1)).unwrap();
    for r in &v {
        w.upsert(r).unwrap();
    }
    w.commit().unwrap();
    (index, v)
}
