//! The whole pipeline over folders: exact groups, then metadata-blind content groups, then
//! near-duplicate groups, with every failure collected.

use std::collections::HashMap;
use std::path::PathBuf;

use damkit_core::MediaType;
use rayon::prelude::*;
use serde::Serialize;

use crate::content::{ContentScope, content_hash_file};
use crate::error::DedupError;
use crate::exact::Digest;
use crate::near::{Fingerprint, NearOptions, fingerprint_file, near_groups};
use crate::tree::{CacheKey, HashCache, ScanOptions, find_exact_duplicates_with};
pub use crate::tree::{Phase, Progress};

/// Why files are in one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum GroupKind {
    /// Identical bytes.
    Exact,
    /// Identical image payload, different metadata.
    Content,
    /// Perceptually similar images (resized, recompressed, rotated, cropped, edited).
    Near,
}

/// A file in a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupFile {
    /// The file.
    pub path: PathBuf,
    /// Distance to the group's first file: 0 for exact and content groups, the pHash-64
    /// distance (over rotations, flips and crops) for near groups.
    pub distance: u32,
    /// 1.0 only for an identical hash; `1 - distance / 64` for near groups.
    pub similarity: f64,
}

/// A group of duplicates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Why the files are grouped.
    pub kind: GroupKind,
    /// The files; the first is the reference the distances are measured from.
    pub files: Vec<GroupFile>,
}

/// Options of [`find_duplicates`].
#[derive(Debug, Clone, Default)]
pub struct FindOptions {
    /// Walk and exact-hash options.
    pub scan: ScanOptions,
    /// Only exact duplicates (no content hash, no decoding).
    pub exact_only: bool,
    /// Near-duplicate options.
    pub near: NearOptions,
}

/// Counters of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FindStats {
    /// Regular files walked.
    pub files: usize,
    /// Images whose payload was hashed.
    pub content_hashed: usize,
    /// Images fingerprinted.
    pub fingerprinted: usize,
    /// Images left out of near matching by the quality gate.
    pub featureless: usize,
    /// Extra paths of one inode skipped.
    pub hard_links_skipped: usize,
    /// Full hashes taken from the cache.
    pub cache_hits: usize,
    /// Fingerprints taken from the cache (images not decoded).
    pub fingerprint_cache_hits: usize,
}

/// What [`find_duplicates`] found.
#[derive(Debug, Default)]
pub struct FindReport {
    /// Exact groups first, then content, then near.
    pub groups: Vec<Group>,
    /// What failed; never stops the run.
    pub errors: Vec<DedupError>,
    /// Counters.
    pub stats: FindStats,
}

fn decodable(t: Option<MediaType>) -> bool {
    matches!(
        t,
        Some(
            MediaType::Jpeg
                | MediaType::Png
                | MediaType::Gif
                | MediaType::WebP
                | MediaType::Tiff
                | MediaType::Bmp
        )
    )
}

/// Finds exact, content and near duplicates under `roots`.
///
/// Each level works on one representative per group of the level before, so a file
/// appears in at most one group of each kind and a near group does not repeat what an
/// exact group says.
///
/// ```
/// use damkit_dedup::finder::{find_duplicates, FindOptions, GroupKind};
/// # let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("a.txt"), b"same")?;
/// std::fs::write(dir.path().join("b.txt"), b"same")?;
/// let report = find_duplicates(&[dir.path().to_path_buf()], &FindOptions::default(), None);
/// assert_eq!(report.groups[0].kind, GroupKind::Exact);
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn find_duplicates(
    roots: &[PathBuf],
    opts: &FindOptions,
    cache: Option<&mut HashCache>,
) -> FindReport {
    find_duplicates_with(roots, opts, cache, &())
}

/// [`find_duplicates`] reporting progress (every [`Phase`] in turn), and reusing and
/// filling the cache's perceptual fingerprints as well as its full-file hashes.
pub fn find_duplicates_with(
    roots: &[PathBuf],
    opts: &FindOptions,
    mut cache: Option<&mut HashCache>,
    progress: &dyn Progress,
) -> FindReport {
    let scan = find_exact_duplicates_with(roots, &opts.scan, cache.as_deref_mut(), progress);
    let mut report = FindReport {
        errors: scan.errors,
        stats: FindStats {
            files: scan.stats.files,
            hard_links_skipped: scan.stats.hard_links_skipped,
            cache_hits: scan.stats.cache_hits,
            ..FindStats::default()
        },
        ..FindReport::default()
    };
    let exact_group = |files: &[PathBuf], kind| Group {
        kind,
        files: files
            .iter()
            .map(|p| GroupFile {
                path: p.clone(),
                distance: 0,
                similarity: 1.0,
            })
            .collect(),
    };
    for g in &scan.groups {
        report.groups.push(exact_group(&g.files, GroupKind::Exact));
    }
    if opts.exact_only {
        return report;
    }

    // Representatives: one path per exact group, plus every other file (hard-link twins
    // and empty files aside).
    let mut in_group: std::collections::HashSet<&PathBuf> = Default::default();
    let mut reps: Vec<PathBuf> = Vec::new();
    for g in &scan.groups {
        reps.push(g.files[0].clone());
        in_group.extend(g.files.iter());
    }
    let mut seen_inodes = std::collections::HashSet::new();
    for f in &scan.files {
        if in_group.contains(&f.path) || f.size < opts.scan.min_size {
            continue;
        }
        if f.key.inode != 0 && !seen_inodes.insert((f.key.device, f.key.inode)) {
            continue;
        }
        reps.push(f.path.clone());
    }
    reps.sort();
    reps.dedup();
    let images: Vec<PathBuf> = reps
        .into_par_iter()
        .filter(|p| decodable(MediaType::detect_path(p).ok().flatten()))
        .collect();

    // Content hashes.
    let limits = &opts.near.decode.limits;
    progress.start(Phase::ContentHash, images.len() as u64);
    let hashed: Vec<(PathBuf, crate::Result<crate::content::ContentHash>)> = images
        .into_par_iter()
        .map(|p| {
            let h = content_hash_file(&p, limits);
            progress.advance(1);
            (p, h)
        })
        .collect();
    let mut by_content: HashMap<Digest, Vec<PathBuf>> = HashMap::new();
    let mut near_candidates: Vec<PathBuf> = Vec::new();
    for (p, h) in hashed {
        match h {
            Ok(h) if matches!(h.scope, ContentScope::Payload(_)) => {
                report.stats.content_hashed += 1;
                by_content.entry(h.hash).or_default().push(p);
            }
            // A payload the parser refuses may still decode (decoders are lenient): keep
            // it for near matching, where a decode failure is reported.
            _ => near_candidates.push(p),
        }
    }
    let mut content_groups: Vec<Vec<PathBuf>> = Vec::new();
    for (_, mut v) in by_content {
        v.sort();
        near_candidates.push(v[0].clone());
        if v.len() >= 2 {
            content_groups.push(v);
        }
    }
    content_groups.sort();
    for g in &content_groups {
        report.groups.push(exact_group(g, GroupKind::Content));
    }

    // Near duplicates.
    near_candidates.sort();
    let keys: HashMap<&PathBuf, CacheKey> = scan.files.iter().map(|f| (&f.path, f.key)).collect();
    progress.start(Phase::Fingerprint, near_candidates.len() as u64);
    let cache_ro = cache.as_deref();
    let fps: Vec<(PathBuf, Option<CacheKey>, bool, crate::Result<Fingerprint>)> = near_candidates
        .into_par_iter()
        .map(|p| {
            let key = keys.get(&p).copied();
            let cached = key
                .and_then(|k| cache_ro.and_then(|c| c.fingerprint(&k, &opts.near)))
                .cloned();
            let hit = cached.is_some();
            let f = match cached {
                Some(f) => Ok(f),
                None => fingerprint_file(&p, &opts.near),
            };
            progress.advance(1);
            (p, key, hit, f)
        })
        .collect();
    let mut paths = Vec::new();
    let mut prints = Vec::new();
    for (p, key, hit, f) in fps {
        if hit {
            report.stats.fingerprint_cache_hits += 1;
        }
        match f {
            Ok(f) => {
                if let (false, Some(k), Some(c)) = (hit, key, cache.as_deref_mut()) {
                    c.insert_fingerprint(k, &opts.near, f.clone());
                }
                if f.is_featureless(opts.near.min_quality) {
                    report.stats.featureless += 1;
                }
                paths.push(p);
                prints.push(f);
            }
            Err(e) => report.errors.push(e),
        }
    }
    report.stats.fingerprinted = prints.len();
    for g in near_groups(&prints, &opts.near) {
        report.groups.push(Group {
            kind: GroupKind::Near,
            files: g
                .into_iter()
                .map(|(i, d)| GroupFile {
                    path: paths[i].clone(),
                    distance: d,
                    similarity: crate::index::similarity(d, 64),
                })
                .collect(),
        });
    }
    report
}
