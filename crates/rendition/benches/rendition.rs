#![allow(missing_docs, reason = "criterion macros generate undocumented items")]
//! Criterion benches of the rendition pipeline on a generated camera-sized JPEG (12 MP,
//! 4:2:0, quality 90, baseline and progressive): 256 px thumbnails with shrink-on-load, the
//! same without it (the full-decode reference), 2048 px web renditions, and both from one
//! decode.
//!
//! `cargo bench -p damkit-rendition --bench rendition -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use damkit_rendition::{Renderer, RenditionSpec};

/// The bundled bridge photo enlarged to 4032 x 3024 with fine noise (camera-like high
/// frequencies), encoded by jpeg-encoder.
fn camera_jpeg(progressive: bool) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/bridge.jpg");
    let src = image::load_from_memory(&std::fs::read(path).expect("bridge.jpg")).expect("decode");
    let (w, h) = (4032u32, 3024u32);
    let mut big = src
        .resize_exact(w, h, image::imageops::FilterType::Triangle)
        .into_rgb8();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for p in big.pixels_mut() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let n = (seed % 13) as i16 - 6;
        for c in &mut p.0 {
            *c = (i16::from(*c) + n).clamp(0, 255) as u8;
        }
    }
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 90);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    enc.set_progressive(progressive);
    enc.encode(
        big.as_raw(),
        w as u16,
        h as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .expect("encode");
    out
}

fn bench(c: &mut Criterion) {
    let baseline = camera_jpeg(false);
    let progressive = camera_jpeg(true);
    let thumb = RenditionSpec {
        metadata: damkit_rendition::MetadataPolicy::Strip,
        ..RenditionSpec::long_edge("thumb-256", 256)
    };
    let web = RenditionSpec {
        quality: 85,
        metadata: damkit_rendition::MetadataPolicy::Strip,
        ..RenditionSpec::long_edge("web-2048", 2048)
    };
    let fast = Renderer::new();
    let exact = Renderer::new().full_decode(true);
    let mut g = c.benchmark_group("rendition-12mp");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1));
    g.bench_function("thumb-256", |b| {
        b.iter(|| fast.render_bytes(black_box(&baseline), std::slice::from_ref(&thumb)));
    });
    g.bench_function("thumb-256-progressive", |b| {
        b.iter(|| fast.render_bytes(black_box(&progressive), std::slice::from_ref(&thumb)));
    });
    g.bench_function("thumb-256-full-decode", |b| {
        b.iter(|| exact.render_bytes(black_box(&baseline), std::slice::from_ref(&thumb)));
    });
    g.bench_function("web-2048", |b| {
        b.iter(|| fast.render_bytes(black_box(&baseline), std::slice::from_ref(&web)));
    });
    g.bench_function("thumb-256+web-2048-one-decode", |b| {
        b.iter(|| fast.render_bytes(black_box(&baseline), &[thumb.clone(), web.clone()]));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
