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
//! Environment:
//! - `DAMKIT_BENCH_IMAGES` (default 200): the number of photos.
//! - `DAMKIT_BENCH_SUBSAMPLING` (`444`, the default, or `420`): the chroma subsampling of the
//!   generated JPEGs. 4:4:4 with per-pixel noise is the worst case (twice the blocks of a
//!   4:2:0 file); 4:2:0 is what most cameras and phones write.
//! - `DAMKIT_BENCH_CHUNK` (default 1000): photos are generated, ingested (one
//!   `Library::ingest` call into the same library) and deleted this many at a time, so the
//!   issue's 10,000-photo run needs the disk of one chunk (about 3.6 GB of 4:4:4 photos, 1.9 GB
//!   of 4:2:0) plus the library's renditions (about 0.1 MB per photo), not 30 GB. Only the
//!   ingest calls are timed; the photos are written back (`sync`) before each call.
//! - `DAMKIT_BENCH_DIR` (default `/tmp/library-bench`): where photos and library go; deleted
//!   at the end unless `DAMKIT_BENCH_KEEP` is set (which also keeps every chunk's photos).
//!
//! Eight distinct pictures are generated (smooth gradients with noise, so they compress like
//! photos); each file is one of them with a unique JPEG comment (the only bytes added), so
//! every file has its own bytes and goes through every stage (exact duplicates would skip
//! them).
//!
//! The issue's full run (10,000 photos, on the idle machine):
//!
//! ```text
//! DAMKIT_BENCH_IMAGES=10000 DAMKIT_BENCH_SUBSAMPLING=420 /usr/bin/time -v \
//!     cargo bench -p damkit-benches --bench ingest_photos
//! ```

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
fn photo(seed: u64, subsampling: Subsampling) -> Vec<u8> {
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
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 90);
    enc.set_sampling_factor(match subsampling {
        Subsampling::S444 => jpeg_encoder::SamplingFactor::R_4_4_4,
        Subsampling::S420 => jpeg_encoder::SamplingFactor::R_4_2_0,
    });
    enc.encode(&rgb, W, H, jpeg_encoder::ColorType::Rgb)
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

/// The chroma subsampling of the generated photos (`DAMKIT_BENCH_SUBSAMPLING`).
#[derive(Clone, Copy, PartialEq)]
enum Subsampling {
    /// 4:4:4, full-resolution chroma: the worst case (twice the blocks of 4:2:0).
    S444,
    /// 4:2:0, the chroma subsampling of most cameras and phones.
    S420,
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is expected.
    let env_num = |name: &str| -> Option<usize> {
        std::env::var(name).ok().map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
        })
    };
    let n = env_num("DAMKIT_BENCH_IMAGES").unwrap_or(200);
    // Photos are generated, ingested and deleted CHUNK at a time, so that 10,000 photos
    // (about 30 GB as files) never need more than one chunk's worth of disk at once.
    let chunk = env_num("DAMKIT_BENCH_CHUNK").unwrap_or(1000).max(1);
    let subsampling = match std::env::var("DAMKIT_BENCH_SUBSAMPLING").as_deref() {
        Err(_) | Ok("444") => Subsampling::S444,
        Ok("420") => Subsampling::S420,
        Ok(v) => panic!("DAMKIT_BENCH_SUBSAMPLING={v:?}: expected 444 or 420"),
    };
    let base = std::env::var("DAMKIT_BENCH_DIR").unwrap_or_else(|_| "/tmp/library-bench".into());
    let base = Path::new(&base);
    let _ = std::fs::remove_dir_all(base);
    std::fs::create_dir_all(base).unwrap();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();

    let t = Instant::now();
    let pictures: Vec<Vec<u8>> = (0..8)
        .map(|i| photo(0x9E37_79B9 + i, subsampling))
        .collect();
    let sizes: Vec<String> = pictures
        .iter()
        .map(|p| format!("{:.2}", p.len() as f64 / 1e6))
        .collect();
    eprintln!(
        "generated 8 distinct 4000x3000 JPEGs, {}, quality 90 ({} MB each) in {:.1} s",
        match subsampling {
            Subsampling::S444 => "4:4:4",
            Subsampling::S420 => "4:2:0",
        },
        sizes.join(", "),
        t.elapsed().as_secs_f64()
    );

    let lib = Library::create(base.join("lib"), LibraryConfig::default()).unwrap();
    let mut wall = 0.0;
    let mut cpu = 0.0;
    let mut bytes = 0u64;
    let mut stages: Vec<(String, f64, u64)> = Vec::new();
    let (mut added, mut warnings, mut failures, mut rendered) = (0, 0, 0, 0);
    let keep = std::env::var_os("DAMKIT_BENCH_KEEP").is_some();
    let mut first = 0;
    while first < n {
        let last = (first + chunk).min(n);
        let photos = base.join(format!("photos-{first:05}"));
        std::fs::create_dir_all(&photos).unwrap();
        for i in first..last {
            let f = with_comment(&pictures[i % pictures.len()], &format!("damkit bench {i}"));
            bytes += f.len() as u64;
            std::fs::write(photos.join(format!("IMG_{i:05}.jpg")), f).unwrap();
        }
        // Written back before the clock starts: the ingest does not compete with the
        // kernel's writeback of the photos (they stay in the page cache: a warm read).
        let _ = std::process::Command::new("sync").status();

        let (cpu0, _) = cpu_and_peak();
        let t = Instant::now();
        let report = lib
            .ingest(&[&photos], &IngestOptions::default().actor("bench"))
            .unwrap();
        wall += t.elapsed().as_secs_f64();
        cpu += cpu_and_peak().0 - cpu0;
        added += report.added.len();
        warnings += report.warnings.len();
        failures += report.failures.len();
        assert_eq!(report.added.len(), last - first, "{:?}", report.failures);
        for s in report.stages.iter().filter(|s| s.wired) {
            if s.name == "renditions" {
                rendered += s.files;
            }
            match stages.iter_mut().find(|(name, ..)| *name == s.name) {
                Some(e) => {
                    e.1 += s.time_ms;
                    e.2 += s.files;
                }
                None => stages.push((s.name.clone(), s.time_ms, s.files)),
            }
        }
        if !keep {
            // The library references the originals in place; deleting them keeps the disk
            // needed to one chunk (the catalog and renditions stay, as in a real library).
            let _ = std::fs::remove_dir_all(&photos);
        }
        first = last;
    }
    let (_, peak) = cpu_and_peak();
    assert_eq!(added, n);
    println!(
        "load average at start: {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "ingest: {n} images ({:.0} MB, {} per ingest call) in {wall:.1} s = {:.1} images/s end to end ({} worker threads)",
        bytes as f64 / 1e6,
        chunk.min(n),
        n as f64 / wall,
        rayon_threads()
    );
    println!(
        "cpu: {cpu:.1} s ({:.1} ms per image); peak RSS of the process: {peak:.0} MiB",
        cpu * 1e3 / n as f64
    );
    // The stages the worker threads run (the others run on the calling thread: walk, the
    // plan; or on the committer thread: catalog, near groups, index), against the wall time
    // of the ingest calls times the workers: how much of the time the workers were busy.
    let not_on_workers = ["walk", "duplicates", "catalog", "near_groups", "index"];
    let worker_ms: f64 = stages
        .iter()
        .filter(|(name, ..)| !not_on_workers.contains(&name.as_str()))
        .map(|(_, ms, _)| ms)
        .sum();
    println!(
        "workers busy: {:.1} % of the wall time ({:.1} s of stage work on {} workers in {wall:.1} s)",
        worker_ms / 10.0 / (wall * rayon_threads() as f64),
        worker_ms / 1e3,
        rayon_threads()
    );
    println!("warnings: {warnings}, failures: {failures}");
    println!("stage breakdown (wall time summed over worker threads):");
    println!(
        "  {:<16} {:>10} {:>8} {:>12}",
        "stage", "total ms", "files", "ms per file"
    );
    for (name, ms, files) in &stages {
        println!(
            "  {:<16} {:>10.0} {:>8} {:>12.1}",
            name,
            ms,
            files,
            if *files > 0 { ms / *files as f64 } else { 0.0 }
        );
    }
    assert_eq!(rendered, n as u64);
    if !keep {
        let _ = std::fs::remove_dir_all(base);
    }
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
