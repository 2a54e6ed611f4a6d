use damkit_taxonomy::{ExportFormat, Format, Vocabulary, export, load_bytes};

use crate::load;

fn same(a: &Vocabulary, b: &Vocabulary) {
    let (mut a, mut b) = (a.to_json_doc(), b.to_json_doc());
    a.concepts.sort_by(|x, y| x.iri.cmp(&y.iri));
    b.concepts.sort_by(|x, y| x.iri.cmp(&y.iri));
    assert_eq!(a, b);
}

#[test]
fn json_round_trip_is_lossless() {
    for f in [
        "cptall-en-GB.json",
        "animals.rdf",
        "test.ttl",
        "groups.ttl",
        "keywords.txt",
    ] {
        let v = load(f);
        let bytes = export(&v, ExportFormat::Json, &[]).unwrap();
        let (back, _) = load_bytes(&bytes, Format::Json, f).unwrap();
        same(&v, &back);
        // serde on Vocabulary itself.
        let s = serde_json::to_string(&v).unwrap();
        let back: Vocabulary = serde_json::from_str(&s).unwrap();
        same(&v, &back);
    }
}

#[test]
fn skos_turtle_round_trip() {
    for f in [
        "cptall-en-GB.json",
        "animals.rdf",
        "test-hierarchy.ttl",
        "keywords.txt",
    ] {
        let v = load(f);
        let ttl = export(&v, ExportFormat::Skos, &[]).unwrap();
        let (back, _) = load_bytes(&ttl, Format::Turtle, f).unwrap();
        let mut a = v.to_json_doc();
        let mut b = back.to_json_doc();
        for c in a.concepts.iter_mut().chain(b.concepts.iter_mut()) {
            // oxrdf writes language tags in lower case (BCP 47 tags are case-insensitive).
            for l in &mut c.labels {
                l.lang.make_ascii_lowercase();
            }
            for n in &mut c.notes {
                n.lang.make_ascii_lowercase();
            }
            c.labels
                .sort_by(|x, y| (x.kind, &x.lang, &x.text).cmp(&(y.kind, &y.lang, &y.text)));
            c.broader.sort();
            c.related.sort();
            c.schemes.sort();
            c.notes
                .sort_by(|x, y| (&x.lang, &x.text).cmp(&(&y.lang, &y.text)));
        }
        a.concepts.sort_by(|x, y| x.iri.cmp(&y.iri));
        b.concepts.sort_by(|x, y| x.iri.cmp(&y.iri));
        assert_eq!(a.concepts.len(), b.concepts.len(), "{f}");
        for (x, y) in a.concepts.iter().zip(&b.concepts) {
            assert_eq!(x, y, "{f}");
        }
    }
}

#[test]
fn lightroom_round_trip() {
    let text = std::fs::read_to_string(crate::data("keywords.txt")).unwrap();
    let v = load("keywords.txt");
    let out = String::from_utf8(export(&v, ExportFormat::Lightroom, &[]).unwrap()).unwrap();
    let expected = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    assert_eq!(out, expected);
    let (again, _) = load_bytes(out.as_bytes(), Format::Lightroom, "again").unwrap();
    same(&v, &again);
}

#[test]
fn skos_to_lightroom_keeps_hierarchy_and_synonyms() {
    let v = load("animals.rdf");
    let out = String::from_utf8(export(&v, ExportFormat::Lightroom, &["en"]).unwrap()).unwrap();
    assert!(
        out.contains("Animals\n\tMammals\n\t\tDogs\n\t\t\t{Canines}\n"),
        "{out}"
    );
}

#[test]
fn lightroom_export_survives_cycles() {
    let v = load("cycle.ttl");
    let out = String::from_utf8(export(&v, ExportFormat::Lightroom, &[]).unwrap()).unwrap();
    for l in ["Top of cycle", "Concept 2", "Concept 3", "Concept 4"] {
        assert!(out.contains(l), "{out}");
    }
}

#[test]
fn atomic_write_leaves_original_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.txt");
    damkit_taxonomy::write_file_atomic(&p, b"one").unwrap();
    damkit_taxonomy::write_file_atomic(&p, b"two").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"two");
    let missing = dir.path().join("no/such/dir/out.txt");
    let e = damkit_taxonomy::write_file_atomic(&missing, b"x").unwrap_err();
    assert!(e.to_string().contains("out.txt"), "{e}");
}

fn paths_of(v: &Vocabulary) -> Vec<String> {
    let mut p: Vec<String> = v
        .concepts()
        .flat_map(|c| {
            let alts: Vec<&str> = c
                .labels_of(damkit_taxonomy::LabelKind::Alt)
                .map(|l| l.text)
                .collect();
            v.concept_paths(c.id())
                .into_iter()
                .map(move |p| {
                    let names: Vec<&str> =
                        p.iter().map(|&x| v.concept(x).display_label(&[])).collect();
                    format!("{} {:?} {}", names.join("|"), alts, c.is_category())
                })
                .collect::<Vec<_>>()
        })
        .collect();
    p.sort();
    p
}

#[test]
fn csv_export_round_trip() {
    for name in ["keywords.csv", "keywords.txt"] {
        let v = load(name);
        let csv = export(&v, ExportFormat::Csv, &[]).unwrap();
        let text = String::from_utf8(csv.clone()).unwrap();
        assert!(
            text.starts_with("path,synonyms,hidden,notation,definition,lang,category\n"),
            "{text}"
        );
        let (back, w) = load_bytes(&csv, Format::Csv, "back.csv").unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(paths_of(&back), paths_of(&v), "{name}:\n{text}");
        // Writing again gives the same bytes.
        assert_eq!(export(&back, ExportFormat::Csv, &[]).unwrap(), csv);
    }
}
