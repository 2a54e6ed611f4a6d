//! Criterion benches of damkit-taxonomy: loading, normalisation and autocomplete.
//!
//! The IPTC Media Topics JSON is bundled; the IPTC 2016 RDF/XML and UAT benches run when
//! `../shared/data/taxonomy` exists. The generated 1M-concept vocabulary benches run only with
//! `DAMKIT_BENCH_1M=1` (generation and loading take seconds; CI only compiles benches).

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use damkit_taxonomy::{Autocomplete, Format, NormalizeOptions, Normalizer, Vocabulary, load_bytes};

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).expect("bench input")
}

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/data/taxonomy")
        .join(rel);
    let alt = Path::new("/work/shared/data/taxonomy").join(rel);
    [p, alt].into_iter().find(|p| p.exists())
}

#[path = "support/generate.rs"]
mod generate;
use generate::generate_turtle;

fn keywords(v: &Vocabulary) -> Vec<String> {
    let mut out: Vec<String> = v
        .concepts()
        .filter_map(|c| c.pref_label(&["en"]).map(|l| l.to_uppercase()))
        .take(800)
        .collect();
    out.extend((0..200).map(|i| format!("unknown keyword {i}")));
    out
}

fn load(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    let iptc = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cptall-en-GB.json"));
    g.bench_function("iptc_mediatopic_json", |b| {
        b.iter(|| load_bytes(black_box(&iptc), Format::IptcJson, "iptc").unwrap());
    });
    if let Some(p) = shared("iptc-mediatopic/cptall-en-GB-2016.rdf") {
        let bytes = read(&p);
        g.bench_function("iptc_mediatopic_2016_rdfxml", |b| {
            b.iter(|| load_bytes(black_box(&bytes), Format::RdfXml, "iptc").unwrap());
        });
    }
    if let Some(p) = shared("uat/UAT.rdf") {
        let bytes = read(&p);
        g.bench_function("uat_rdfxml", |b| {
            b.iter(|| load_bytes(black_box(&bytes), Format::RdfXml, "uat").unwrap());
        });
    }
    g.finish();
}

fn use_it(c: &mut Criterion) {
    let iptc = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cptall-en-GB.json"));
    let (v, _) = load_bytes(&iptc, Format::IptcJson, "iptc").unwrap();
    let n = Normalizer::new(&v, NormalizeOptions::default());
    let kws = keywords(&v);
    let known: Vec<&String> = kws.iter().take(800).collect();
    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Elements(known.len() as u64));
    g.bench_function("iptc_known_keywords", |b| {
        let mut buf = String::new();
        b.iter(|| {
            let mut hits = 0usize;
            for k in &known {
                hits += n.lookup(k, &mut buf).count();
            }
            hits
        });
    });
    g.throughput(Throughput::Elements(kws.len() as u64));
    g.bench_function("iptc_mixed_with_suggestions", |b| {
        b.iter(|| {
            kws.iter()
                .map(|k| n.normalize(k).candidates.len())
                .sum::<usize>()
        });
    });
    g.finish();
    let ac = Autocomplete::new(&v);
    let mut g = c.benchmark_group("autocomplete");
    for q in ["foot", "e", "enviroment", "medtop:2000"] {
        g.bench_function(format!("iptc_{q}"), |b| {
            b.iter(|| ac.suggest(&v, black_box(q), Some("en"), 10));
        });
    }
    g.finish();
}

fn million(c: &mut Criterion) {
    if std::env::var_os("DAMKIT_BENCH_1M").is_none() {
        eprintln!("set DAMKIT_BENCH_1M=1 to run the 1M-concept benches");
        return;
    }
    let ttl = generate_turtle(1_000_000);
    let mut g = c.benchmark_group("million");
    g.sample_size(10);
    g.bench_function("load_turtle_1m", |b| {
        b.iter(|| load_bytes(black_box(ttl.as_bytes()), Format::Turtle, "1m").unwrap());
    });
    let (v, _) = load_bytes(ttl.as_bytes(), Format::Turtle, "1m").unwrap();
    drop(ttl);
    let ac = Autocomplete::new(&v);
    g.sample_size(100);
    for q in ["foot", "harbour gar", "s", "statoin", "n12345"] {
        g.bench_function(format!("suggest_1m_{q}"), |b| {
            b.iter(|| ac.suggest(&v, black_box(q), Some("en"), 10));
        });
    }
    let n = Normalizer::new(&v, NormalizeOptions::default());
    let kws: Vec<String> = (0..1000)
        .map(|i| format!("RIVER MOUNTAIN {}", i * 997 % 1_000_000))
        .collect();
    g.throughput(Throughput::Elements(kws.len() as u64));
    g.bench_function("normalize_1m", |b| {
        let mut buf = String::new();
        b.iter(|| {
            kws.iter()
                .map(|k| n.lookup(k, &mut buf).count())
                .sum::<usize>()
        });
    });
    g.finish();
}

criterion_group!(benches, load, use_it, million);
criterion_main!(benches);
