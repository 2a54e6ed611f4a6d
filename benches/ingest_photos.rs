//! End-to-end library ingest of generated 12-MP JPEGs with the default rendition presets
//! (thumb 256, preview 1024): every stage wired (metadata, renditions, content and perceptual
//! hashes, keywords, rights), as `damkit ingest` runs it.
//!
//! Not a criterion bench: one ingest of a few hundred 4000x3000 photos takes about a minute
//! on two cores, so it runs once and prints images/s, CPU time, peak memory and the per-stage
//! breakdown of the ingest report.
//!
//! Run (the figures in `benches/README.md` come from this command):
//!
//! ```text
//! DAMKIT_BENCH_IMAGES=200 /usr/bin/time -v cargo bench -p damkit-benches --bench ingest_photos
//! ```
//!
//! `DAMKIT_BENCH_IMAGES` (default 200) sets the number of photos; `DAMKIT_BENCH_DIR` (default
//! `/tmp/library-bench`) where they and the library are written (about 2.5 MB per photo; the
//! folder is deleted at the end unless `DAMKIT_BENCH_KEEP` is set). Eight distinct pictures are generated (smooth gradients
//! with noise, so they compress like photos, about 2-3 MB at quality 90); each file is one of
//! them with a unique JPEG comment, so every file has its own bytes and goes through every
//! stage (exact duplicates would skip them).

use std::path::Path;
use std::time::Instant;

use damkit::library::{IngestOptions, Library, LibraryConfig};

const W: u16 = 4000;
const H: u16 = 3000;

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// A photo-like 4000x3000 JPEG: gradients, a few soft discs and noise.
fn photo(seed: u64) -> Vec<u8> {
    let (w, h) = (usize::from(W), usize::from(H));
    let mut rgb = vec![0u8; w * h * 3];
    let mut s = seed | 1;
    let discs: Vec<(f32, f32, f32, [f32; 3])> = (0..6)
        .map(|_| {
            let r = |s: &mut u64| (xorshift(s) % 1000) as f32 / 1000.0;
            (
                r(&mut s) * w as f32,
                r(&mut s) * h as f32,
                200.0 + r(&mut s) * 800.0,
                [r(&mut s) * 255.0, r(&mut s) * 255.0, r(&mut s) * 255.0],
            )
        })
        .collect();
    for y in 0..h {
        for x in 0..w {
            let mut c = [
                x as f32 * 255.0 / w as f32,
                y as f32 * 255.0 / h as f32,
                ((x + y) % 512) as f32 / 2.0,
            ];
            for (cx, cy, r, col) in &discs {
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
                if d < *r {
                    let k = 1.0 - d / r;
                    for i in 0..3 {
                        c[i] = c[i] * (1.0 - k) + col[i] * k;
                    }
                }
            }
            let n = (xorshift(&mut s) % 24) as f32 - 12.0;
            let o = (y * w + x) * 3;
            for i in 0..3 {
                rgb[o + i] = (c[i] + n).clamp(0.0, 255.0) as u8;
            }
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&rgb, W, H, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// `jpeg` with a COM segment holding `text` right after SOI.
fn with_comment(jpeg: &[u8], text: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(jpeg.len() + text.len() + 4);
    v.extend_from_slice(&jpeg[..2]);
    v.extend_from_slice(&[0xFF, 0xFE]);
    v.extend_from_slice(&((text.len() + 2) as u16).to_be_bytes());
    v.extend_from_slice(text.as_bytes());
    v.extend_from_slice(&jpeg[2..]);
    v
}

/// (user + system CPU seconds, peak resident set in MiB) of this process, from /proc.
fn cpu_and_peak() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, r)| r.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of /proc/PID/stat (11 and 12 after the ')').
    let cpu = (ticks(11) + ticks(12)) / 100.0;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    (cpu, hwm / 1024.0)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is expected.
    let n: usize = std::env::var("DAMKIT_BENCH_IMAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let base = std::env::var("DAMKIT_BENCH_DIR").unwrap_or_else(|_| "/tmp/library-bench".into());
    let base = Path::new(&base);
    let _ = std::fs::remove_dir_all(base);
    let photos = base.join("photos");
    std::fs::create_dir_all(&photos).unwrap();

    let t = Instant::now();
    let pictures: Vec<Vec<u8>> = (0..8).map(|i| photo(0x9E37_79B9 + i)).collect();
    let mut bytes = 0u64;
    for i in 0..n {
        let f = with_comment(&pictures[i % pictures.len()], &format!("damkit bench {i}"));
        bytes += f.len() as u64;
        std::fs::write(photos.join(format!("IMG_{i:05}.jpg")), f).unwrap();
    }
    drop(pictures);
    eprintln!(
        "generated {n} 4000x3000 JPEGs ({:.1} MB) in {:.1} s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let (cpu0, _) = cpu_and_peak();
    let lib = Library::create(base.join("lib"), LibraryConfig::default()).unwrap();
    let t = Instant::now();
    let report = lib
        .ingest(&[&photos], &IngestOptions::default().actor("bench"))
        .unwrap();
    let wall = t.elapsed().as_secs_f64();
    let (cpu1, peak) = cpu_and_peak();
    assert_eq!(report.added.len(), n, "{:?}", report.failures);
    let renditions = report.stages.iter().find(|s| s.name == "renditions");
    println!(
        "ingest: {n} images in {wall:.1} s = {:.1} images/s end to end ({} worker threads)",
        n as f64 / wall,
        rayon_threads()
    );
    println!(
        "cpu: {:.1} s ({:.0} ms per image); peak RSS of the process: {peak:.0} MiB",
        cpu1 - cpu0,
        (cpu1 - cpu0) * 1e3 / n as f64
    );
    println!(
        "warnings: {}, failures: {}",
        report.warnings.len(),
        report.failures.len()
    );
    println!("stage breakdown (time summed over worker threads):");
    println!(
        "  {:<16} {:>10} {:>8} {:>12}",
        "stage", "total ms", "files", "ms per file"
    );
    for s in report.stages.iter().filter(|s| s.wired) {
        println!(
            "  {:<16} {:>10.0} {:>8} {:>12.1}",
            s.name,
            s.time_ms,
            s.files,
            if s.files > 0 {
                s.time_ms / s.files as f64
            } else {
                0.0
            }
        );
    }
    assert!(renditions.is_some_and(|r| r.files == n as u64));
    if std::env::var_os("DAMKIT_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(base);
    }
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
