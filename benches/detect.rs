//! Media-type detection: the head of every sample file (and of every file in
//! `../shared/data/metadata` when present) through `MediaType::detect`.
//!
//! Run: `cargo bench -p damkit-benches --bench detect`.
//! Reference: `file --mime-type` (libmagic) on the same files, run side by side by
//! `benches/compare-detect.sh`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use damkit::MediaType;
use damkit::core::DETECT_HEAD_LEN;
use damkit_benches::{files_under, samples_dir, shared_data};

fn heads() -> Vec<Vec<u8>> {
    let mut files = files_under(&samples_dir());
    if let Some(shared) = shared_data() {
        files.extend(files_under(&shared.join("metadata")));
    } else {
        eprintln!("../shared/data is absent: benchmarking the bundled samples only");
    }
    files
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|mut b| {
            b.truncate(DETECT_HEAD_LEN);
            b
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let heads = heads();
    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Elements(heads.len() as u64));
    group.bench_function("media_type_from_head", |b| {
        b.iter(|| {
            heads
                .iter()
                .filter(|h| MediaType::detect(black_box(h)).is_some())
                .count()
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
