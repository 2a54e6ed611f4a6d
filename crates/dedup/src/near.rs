//! Near duplicates: perceptual fingerprints (pHash with its 8 rotations/flips and centre
//! crops, dHash, PDQ with quality), a quality gate, and grouping through the index.

use std::path::Path;

use crate::decode::{Crop, DecodeOptions, Dihedral, Luma, load_luma};
use crate::error::Result;
use crate::index::{HashIndex, union_find_groups};
use crate::pdq::{Pdq, PdqDct};
use crate::phash::{PhashDct, dhash};

/// How fingerprints are computed and matched.
#[derive(Debug, Clone)]
pub struct NearOptions {
    /// How images are decoded (limits, reduced JPEG decode, orientation).
    pub decode: DecodeOptions,
    /// Also match the 8 rotations and flips (from the DCT, almost free).
    pub dihedral: bool,
    /// Crops of each image whose hashes are also matched, so that a cropped copy is found
    /// (a copy cut on one or two edges matches a corner crop, one cut all round a centre
    /// crop).
    pub crops: Vec<Crop>,
    /// Largest pHash-64 distance (over all variants) for a near duplicate.
    pub threshold: u32,
    /// Largest PDQ-256 distance (over all variants) confirming a pHash match. pHash finds
    /// the candidates through the index; PDQ, with four times the bits, tells look-alike
    /// scenes (two cabinets of one design) from copies. 256 turns the check off.
    pub pdq_threshold: u32,
    /// Smallest PDQ quality (0–100) for an image to be matched on its hash: featureless
    /// images (sky, black frames, flat graphics) have near-random low-frequency hashes
    /// and would match each other.
    pub min_quality: u8,
}

impl Default for NearOptions {
    fn default() -> Self {
        NearOptions {
            decode: DecodeOptions::default(),
            dihedral: true,
            crops: default_crops(),
            threshold: DEFAULT_THRESHOLD,
            pdq_threshold: DEFAULT_PDQ_THRESHOLD,
            min_quality: DEFAULT_MIN_QUALITY,
        }
    }
}

/// The default crops: centred at 90% and 80%, and the four corners at 95%.
pub fn default_crops() -> Vec<Crop> {
    let mut v = vec![Crop::centre(0.9), Crop::centre(0.8)];
    v.extend(Crop::corners(0.95));
    v
}

/// Default pHash-64 distance for near duplicates (tuned on the accuracy benchmark, see
/// `benches/README.md`).
pub const DEFAULT_THRESHOLD: u32 = 10;
/// Default PDQ-256 distance confirming a near duplicate (tuned on the accuracy benchmark).
pub const DEFAULT_PDQ_THRESHOLD: u32 = 40;
/// Default PDQ quality below which an image is not matched on its hash alone.
pub const DEFAULT_MIN_QUALITY: u8 = 30;

/// The perceptual fingerprint of one image.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    /// imagehash-compatible pHash-64 of the upright image.
    pub phash: u64,
    /// imagehash-compatible dHash-64.
    pub dhash: u64,
    /// PDQ-256.
    pub pdq: Pdq,
    /// PDQ quality, 0–100.
    pub quality: u8,
    /// pHash of every variant matched: `[0]` is `phash`; then the other rotations/flips;
    /// then, per centre crop, its rotations/flips (or the crop alone without dihedral).
    pub phash_variants: Vec<u64>,
    /// PDQ of the same variants as `phash_variants` (`[0]` is `pdq`).
    pub pdq_variants: Vec<Pdq>,
}

impl Fingerprint {
    /// Computes the fingerprint of decoded luma.
    pub fn of(luma: &Luma, opts: &NearOptions) -> Fingerprint {
        let transforms: &[Dihedral] = if opts.dihedral {
            &Dihedral::ALL
        } else {
            &[Dihedral::Identity]
        };
        let dct = PhashDct::of(&luma.gray);
        let mut phash_variants: Vec<u64> = transforms
            .iter()
            .map(|&t| dct.transformed(t).hash())
            .collect();
        let pdct = PdqDct::of_luma(luma);
        let pdq = pdct.hash();
        let mut pdq_variants: Vec<Pdq> = transforms
            .iter()
            .map(|&t| pdct.transformed(t).hash().hash)
            .collect();
        for &c in &opts.crops {
            let crop = luma.crop(c);
            let d = PhashDct::of(&crop.gray);
            phash_variants.extend(transforms.iter().map(|&t| d.transformed(t).hash()));
            let p = PdqDct::of_luma(&crop);
            pdq_variants.extend(transforms.iter().map(|&t| p.transformed(t).hash().hash));
        }
        Fingerprint {
            phash: phash_variants[0],
            dhash: dhash(&luma.gray),
            pdq: pdq.hash,
            quality: pdq.quality,
            phash_variants,
            pdq_variants,
        }
    }

    /// Whether the image is too featureless to be matched on its hash alone.
    pub fn is_featureless(&self, min_quality: u8) -> bool {
        self.quality < min_quality
    }

    /// The pHash distance between two images: the smallest over this image's variants
    /// against the other's upright hash, and the other's variants against this one's.
    pub fn distance(&self, other: &Fingerprint) -> u32 {
        let a = self
            .phash_variants
            .iter()
            .map(|v| (v ^ other.phash).count_ones())
            .min()
            .unwrap_or(64);
        let b = other
            .phash_variants
            .iter()
            .map(|v| (v ^ self.phash).count_ones())
            .min()
            .unwrap_or(64);
        a.min(b).min((self.phash ^ other.phash).count_ones())
    }

    /// The PDQ distance, the smallest over both images' variants (as [`distance`]).
    ///
    /// [`distance`]: Fingerprint::distance
    pub fn pdq_distance(&self, other: &Fingerprint) -> u32 {
        let a = self
            .pdq_variants
            .iter()
            .map(|v| v.distance(&other.pdq))
            .min();
        let b = other
            .pdq_variants
            .iter()
            .map(|v| v.distance(&self.pdq))
            .min();
        a.unwrap_or(256)
            .min(b.unwrap_or(256))
            .min(self.pdq.distance(&other.pdq))
    }
}

/// Decodes a file and computes its fingerprint.
pub fn fingerprint_file(path: &Path, opts: &NearOptions) -> Result<Fingerprint> {
    let luma = load_luma(path, &opts.decode)?;
    Ok(Fingerprint::of(&luma, opts))
}

/// A near-duplicate pair: positions in the fingerprint list and the pHash distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct NearPair {
    /// The first image.
    pub a: usize,
    /// The second image (`a < b`).
    pub b: usize,
    /// Their distance ([`Fingerprint::distance`]).
    pub distance: u32,
}

/// Every near-duplicate pair among `fps`: pHash within `opts.threshold` and PDQ within
/// `opts.pdq_threshold` (both over all variants), featureless images left out.
///
/// Each image's variants are searched in an index of the upright hashes (brute force or
/// multi-index hashing, chosen by the index), so the cost grows with the number of images,
/// not with its square.
pub fn near_pairs(fps: &[Fingerprint], opts: &NearOptions) -> Vec<NearPair> {
    use rayon::prelude::*;
    let eligible: Vec<usize> = (0..fps.len())
        .filter(|&i| !fps[i].is_featureless(opts.min_quality))
        .collect();
    let index = HashIndex::new(eligible.iter().map(|&i| [fps[i].phash]).collect());
    let mut pairs: Vec<NearPair> = eligible
        .par_iter()
        .flat_map_iter(|&i| {
            let mut found: Vec<NearPair> = Vec::new();
            for v in &fps[i].phash_variants {
                for m in index.search(&[*v], opts.threshold) {
                    let j = eligible[m.id as usize];
                    if j != i {
                        let (a, b) = if i < j { (i, j) } else { (j, i) };
                        if opts.pdq_threshold < 256
                            && fps[a].pdq_distance(&fps[b]) > opts.pdq_threshold
                        {
                            continue;
                        }
                        found.push(NearPair {
                            a,
                            b,
                            distance: fps[a].distance(&fps[b]),
                        });
                    }
                }
            }
            found
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup_by_key(|p| (p.a, p.b));
    pairs
}

/// Near-duplicate groups (connected components of [`near_pairs`]), each a list of
/// `(position, distance to the group's first image)`.
pub fn near_groups(fps: &[Fingerprint], opts: &NearOptions) -> Vec<Vec<(usize, u32)>> {
    let pairs = near_pairs(fps, opts);
    union_find_groups(fps.len(), pairs.iter().map(|p| (p.a as u32, p.b as u32)))
        .into_iter()
        .map(|ids| {
            let first = &fps[ids[0] as usize];
            ids.iter()
                .enumerate()
                .map(|(k, &i)| {
                    let d = if k == 0 {
                        0
                    } else {
                        first.distance(&fps[i as usize])
                    };
                    (i as usize, d)
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::GrayImage;

    fn scene(seed: u32) -> Luma {
        let (w, h) = (120u32, 80u32);
        let mut px = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let v = ((x * (3 + seed % 5) + y * y * (1 + seed % 3) / 7 + seed * 31) % 256) as u8;
                px.push(
                    v / 2
                        + if (x / 20 + y / 20 + seed).is_multiple_of(2) {
                            100
                        } else {
                            0
                        },
                );
            }
        }
        let g = GrayImage::new(w, h, px).unwrap();
        Luma {
            float: g.pixels.iter().map(|&p| f32::from(p)).collect(),
            gray: g,
        }
    }

    #[test]
    fn rotated_copy_is_found_flat_image_is_not() {
        let opts = NearOptions::default();
        let a = Fingerprint::of(&scene(1), &opts);
        let rot = Fingerprint::of(&scene(1).transformed(Dihedral::Rotate90), &opts);
        let other = Fingerprint::of(&scene(2), &opts);
        let flat = |v: u8| {
            let g = GrayImage::new(64, 64, vec![v; 4096]).unwrap();
            Fingerprint::of(
                &Luma {
                    float: vec![f32::from(v); 4096],
                    gray: g,
                },
                &opts,
            )
        };
        let fps = vec![a, rot, other, flat(10), flat(12)];
        assert!(fps[0].pdq_distance(&fps[1]) <= 16);
        assert!(fps[0].distance(&fps[1]) <= 4);
        assert!(fps[3].is_featureless(opts.min_quality));
        let groups = near_groups(&fps, &opts);
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(
            groups[0].iter().map(|g| g.0).collect::<Vec<_>>(),
            vec![0, 1]
        );
    }
}
