//! Criterion micro benches of damkit-dedup. Data is generated in the bench (a 12 MP JPEG
//! from the bundled bridge photo, random hashes), so nothing outside the repository is
//! needed. Keep runs short on shared machines:
//!
//! ```sh
//! cargo bench -p damkit-dedup --bench dedup -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;
use std::io::Cursor;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use damkit_dedup::decode::{DecodeOptions, decode_luma};
use damkit_dedup::exact::{HashOptions, hash_file_with};
use damkit_dedup::index::{HashIndex, Strategy};
use damkit_dedup::near::{Fingerprint, NearOptions};
use damkit_dedup::pdq::PdqDct;
use damkit_dedup::phash::PhashDct;

fn bridge() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cli/samples/bridge.jpg")
}

/// A 12 MP (4000x3000) JPEG at quality 90, made from the bundled bridge photo.
fn jpeg_12mp() -> Vec<u8> {
    let img = image::open(bridge()).expect("bridge.jpg").to_rgb8();
    let big = image::imageops::resize(&img, 4000, 3000, image::imageops::FilterType::Triangle);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut out), 90)
        .encode_image(&big)
        .expect("encode");
    out
}

fn perceptual(c: &mut Criterion) {
    let jpeg = jpeg_12mp();
    let fast = DecodeOptions::default();
    let full = DecodeOptions::full_size();
    let mut g = c.benchmark_group("perceptual_12mp_jpeg");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode_reduced", |b| {
        b.iter(|| decode_luma(black_box(&jpeg), &fast).unwrap());
    });
    g.bench_function("decode_full", |b| {
        b.iter(|| decode_luma(black_box(&jpeg), &full).unwrap());
    });
    let luma = decode_luma(&jpeg, &fast).unwrap();
    g.bench_function("phash_only", |b| {
        b.iter(|| PhashDct::of(black_box(&luma.gray)).hash());
    });
    g.bench_function("pdq_only", |b| {
        b.iter(|| PdqDct::of_luma(black_box(&luma)).hash());
    });
    let opts = NearOptions::default();
    g.bench_function("fingerprint_all_variants", |b| {
        b.iter(|| Fingerprint::of(black_box(&luma), &opts));
    });
    g.bench_function("decode_reduced_and_fingerprint", |b| {
        b.iter(|| Fingerprint::of(&decode_luma(black_box(&jpeg), &fast).unwrap(), &opts));
    });
    g.finish();
}

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

fn index(c: &mut Criterion) {
    let mut g = c.benchmark_group("index_radius_search");
    g.sample_size(20);
    let mut s = 0x2545F4914F6CDD1Du64;
    let h64: Vec<[u64; 1]> = (0..10_000_000).map(|_| [xorshift(&mut s)]).collect();
    let q64 = [h64[1234][0] ^ 0b1011_0001];
    let idx64 = HashIndex::new(h64);
    assert!(idx64.uses_multi_index(8));
    g.bench_function("10M_x_64bit_r8_mih", |b| {
        b.iter(|| idx64.search(black_box(&q64), 8));
    });
    drop(idx64);
    let h256: Vec<[u64; 4]> = (0..1_000_000)
        .map(|_| std::array::from_fn(|_| xorshift(&mut s)))
        .collect();
    let mut q256 = h256[777];
    q256[0] ^= 0x0000_0FFF_0000_0FFF; // 24 bits away: a match within r = 31
    let idx256 = HashIndex::new(h256.clone());
    assert!(idx256.uses_multi_index(31));
    g.bench_function("1M_x_256bit_r31_mih", |b| {
        b.iter(|| idx256.search(black_box(&q256), 31));
    });
    let brute = HashIndex::with_strategy(h256, Strategy::BruteForce);
    g.bench_function("1M_x_256bit_r31_brute", |b| {
        b.iter(|| brute.search(black_box(&q256), 31));
    });
    g.finish();
}

fn exact(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.bin");
    let mut s = 1u64;
    let data: Vec<u8> = (0..64 * 1024 * 1024 / 8)
        .flat_map(|_| xorshift(&mut s).to_le_bytes())
        .collect();
    std::fs::write(&path, &data).unwrap();
    let mut g = c.benchmark_group("exact");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("hash_file_64MiB_single_thread", |b| {
        b.iter(|| hash_file_with(black_box(&path), HashOptions::single_threaded()).unwrap());
    });
    g.finish();
}

criterion_group!(benches, perceptual, index, exact);
criterion_main!(benches);
