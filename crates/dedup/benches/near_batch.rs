//! Near-duplicate lookup for one ingest batch, as the damkit library does it: 500 new
//! fingerprints (pHash + 7 variants each) against 100,000 stored ones, through a
//! multi-index [`HashIndex`] over every stored pHash and variant (built once per batch),
//! against the brute-force pHash-distance scan it replaced.
//!
//! `cargo bench -p damkit-dedup --bench near_batch -- --warm-up-time 1 --measurement-time 3`

use criterion::{Criterion, criterion_group, criterion_main};
use damkit_dedup::index::HashIndex;
use std::hint::black_box;

const STORED: usize = 100_000;
const BATCH: usize = 500;
const VARIANTS: usize = 8;
const THRESHOLD: u32 = 10;

fn rng(mut s: u64) -> impl FnMut() -> u64 {
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

/// pHash and variants of `n` images; every 10th is a near copy of an earlier one.
fn fingerprints(n: usize, seed: u64) -> Vec<[u64; VARIANTS]> {
    let mut r = rng(seed);
    let mut out: Vec<[u64; VARIANTS]> = Vec::with_capacity(n);
    for i in 0..n {
        let mut f = [0u64; VARIANTS];
        for v in &mut f {
            *v = r();
        }
        if i % 10 == 9 {
            f[0] = out[(r() as usize) % out.len()][0] ^ (1 << (r() % 64)) ^ (1 << (r() % 64));
        }
        out.push(f);
    }
    out
}

fn distance(a: &[u64; VARIANTS], b: &[u64; VARIANTS]) -> u32 {
    let x = a
        .iter()
        .map(|v| (v ^ b[0]).count_ones())
        .min()
        .unwrap_or(64);
    let y = b
        .iter()
        .map(|v| (v ^ a[0]).count_ones())
        .min()
        .unwrap_or(64);
    x.min(y)
}

fn bench(c: &mut Criterion) {
    let stored = fingerprints(STORED, 7);
    let batch = fingerprints(BATCH, 11);
    let mut g = c.benchmark_group("near_batch_100k_x_500");
    g.sample_size(10);
    g.bench_function("index_build_and_lookup", |b| {
        b.iter(|| {
            let hashes: Vec<[u64; 1]> = stored.iter().flat_map(|f| f.map(|h| [h])).collect();
            let index = HashIndex::new(hashes);
            let mut found = 0usize;
            for q in &batch {
                for h in q {
                    found += index.search(&[*h], THRESHOLD).len();
                }
            }
            black_box(found)
        });
    });
    let hashes: Vec<[u64; 1]> = stored.iter().flat_map(|f| f.map(|h| [h])).collect();
    let index = HashIndex::new(hashes);
    g.bench_function("lookup_only", |b| {
        b.iter(|| {
            let mut found = 0usize;
            for q in &batch {
                for h in q {
                    found += index.search(&[*h], THRESHOLD).len();
                }
            }
            black_box(found)
        });
    });
    g.bench_function("brute_force", |b| {
        b.iter(|| {
            let mut found = 0usize;
            for q in &batch {
                found += stored
                    .iter()
                    .filter(|s| distance(q, s) <= THRESHOLD)
                    .count();
            }
            black_box(found)
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
