use damkit_taxonomy::{Error, load_path};

use crate::bad;

#[test]
fn broken_files_give_errors_naming_file_and_place() {
    for (name, needle) in [
        ("unterminated.ttl", "Turtle"),
        ("truncated.rdf", "RDF/XML"),
        ("truncated-cptall.json", "IPTC NewsCodes JSON"),
        ("truncated.jsonld", "JSON-LD"),
        ("latin1.txt", "not UTF-8"),
    ] {
        let e = load_path(&bad(name)).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(name) && msg.contains(needle), "{name}: {msg}");
        assert!(matches!(e, Error::Syntax { .. }), "{name}: {e:?}");
    }
}

#[test]
fn lenient_lightroom_and_csv_warn() {
    let (v, w) = load_path(&bad("indentation.txt")).unwrap();
    assert_eq!(w.len(), 3, "{w:?}");
    assert_eq!(v.len(), 3);
    let strict = damkit_taxonomy::lightroom::parse(
        &std::fs::read(bad("indentation.txt")).unwrap(),
        "indentation.txt",
        &damkit_taxonomy::lightroom::ReadOptions::strict(),
    )
    .unwrap_err();
    assert!(strict.to_string().contains("line 2"), "{strict}");
    let (_, w) = load_path(&bad("unterminated-quote.csv")).unwrap();
    let _ = w;
}

#[test]
fn missing_and_unknown_files() {
    let e = load_path(std::path::Path::new("/no/such/file.ttl")).unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
    let e = load_path(&bad("README.md")).unwrap_err();
    assert!(matches!(e, Error::UnknownFormat { .. }), "{e}");
}

#[test]
fn input_size_limit() {
    let limits = damkit_core::Limits::default().with_max_input_bytes(10);
    let e = damkit_taxonomy::load_path_with_limits(&crate::data("cycle.ttl"), &limits).unwrap_err();
    assert!(matches!(e, Error::Limit { .. }), "{e}");
}
