//! Micro benches: reading the bundled test files from memory (container + EXIF + IIM + XMP +
//! MWG), per format, and the IIM parser alone.
//!
//! `cargo bench -p damkit-metadata --bench read -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use damkit_metadata::iim::{DEFAULT_MAX_DATASETS, IimBlock};
use damkit_metadata::{ReadOptions, read_bytes};

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("read_bytes");
    for name in [
        "iptc-reference-2023.2.jpg",
        "fujifilm-s1pro.jpg",
        "nikon-d1x.webp",
        "photoshop-all-metadata.png",
        "exif.avif",
        "xmp.gif",
        "bigtiff.tif",
        "cmyk16.psd",
    ] {
        let d = data(name);
        g.throughput(Throughput::Elements(1));
        g.bench_function(name, |b| {
            b.iter(|| read_bytes(black_box(&d), &ReadOptions::default()).unwrap());
        });
    }
    g.finish();
    let md = read_bytes(&data("iptc-reference-2023.2.jpg"), &ReadOptions::default()).unwrap();
    let iim = md.blocks.iim.clone().unwrap();
    c.bench_function("iim_parse/iptc-reference", |b| {
        b.iter(|| IimBlock::parse(black_box(&iim), false, DEFAULT_MAX_DATASETS).unwrap());
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
