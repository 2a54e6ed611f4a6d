//! Library ingest throughput: the pipeline as wired today (walk, detect, BLAKE3, store, exact
//! duplicates, catalog), on generated files.
//!
//! Run: `cargo bench -p damkit-benches --bench ingest -- --sample-size 10 --warm-up-time 1 --measurement-time 3`.
//!
//! - `ingest/reference_4MiB`: 40 files of 4 MiB (the size of a 12-MP JPEG) with a JPEG
//!   signature and random bytes, into a fresh library that references them in place.
//! - `ingest/copy_4MiB`: the same into a library that copies them into `objects/` (copy,
//!   fsync, hash of the copy, rename).
//! - `ingest/rerun_unchanged_2000`: re-ingest of 2,000 small files already in the library
//!   (the hash cache: one `stat` and one catalog lookup per file).
//!
//! Reference: `b3sum` over the same files (the hashing floor): `b3sum --num-threads 2 FILES`.
//! Renditions, metadata and perceptual hashes are not wired into ingest yet, so the issue's
//! goal (10,000 12-MP JPEGs with two presets at >= 25 images/s) cannot be measured yet.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use damkit::library::{IngestOptions, Library, LibraryConfig, StorageMode};

/// Deterministic pseudo-random bytes (xorshift), so runs compare.
fn fill(buf: &mut [u8], mut seed: u64) {
    for chunk in buf.chunks_mut(8) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let b = seed.to_le_bytes();
        chunk.copy_from_slice(&b[..chunk.len()]);
    }
}

fn make_files(dir: &Path, n: usize, size: usize) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut buf = vec![0u8; size];
    for i in 0..n {
        fill(&mut buf, 0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
        buf[..4].copy_from_slice(b"\xFF\xD8\xFF\xE0");
        std::fs::write(dir.join(format!("img{i:05}.jpg")), &buf).unwrap();
    }
    dir.to_path_buf()
}

fn bench(c: &mut Criterion) {
    let work = tempfile::tempdir().unwrap();
    let big = make_files(&work.path().join("big"), 40, 4 << 20);
    let small = make_files(&work.path().join("small"), 2000, 4096);
    let opts = IngestOptions::default().actor("bench");
    let mut counter = 0;
    let mut fresh = |mode: StorageMode| {
        counter += 1;
        let mut config = LibraryConfig::default();
        config.storage.mode = mode;
        Library::create(work.path().join(format!("lib{counter}")), config).unwrap()
    };

    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(40));
    group.bench_function("reference_4MiB", |b| {
        b.iter_batched(
            || fresh(StorageMode::Reference),
            |lib| black_box(lib.ingest(&[&big], &opts).unwrap().added.len()),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("copy_4MiB", |b| {
        b.iter_batched(
            || fresh(StorageMode::Copy),
            |lib| {
                let n = lib.ingest(&[&big], &opts).unwrap().added.len();
                let _ = std::fs::remove_dir_all(lib.path());
                black_box(n)
            },
            BatchSize::PerIteration,
        );
    });
    let lib = fresh(StorageMode::Reference);
    lib.ingest(&[&small], &opts).unwrap();
    group.throughput(Throughput::Elements(2000));
    group.bench_function("rerun_unchanged_2000", |b| {
        b.iter(|| black_box(lib.ingest(&[&small], &opts).unwrap().unchanged));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
