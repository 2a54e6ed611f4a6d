//! pHash-64 (as Python imagehash's `phash`, bit for bit on the same pixels) and dHash-64,
//! with the 8 rotations and flips of pHash taken from its DCT coefficients.

use std::sync::OnceLock;

use crate::decode::{Dihedral, GrayImage};
use crate::resample::resize_lanczos;

/// The 8×8 lowest-frequency DCT-II coefficients of the 32×32 Lanczos reduction of an
/// image, row `u` = vertical frequency, column `v` = horizontal frequency (scipy's
/// unnormalised convention: `dct(dct(x, axis=0), axis=1)`).
#[derive(Debug, Clone, PartialEq)]
pub struct PhashDct(pub [[f64; 8]; 8]);

fn cos_table() -> &'static [[f64; 32]; 8] {
    static T: OnceLock<[[f64; 32]; 8]> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = [[0.0; 32]; 8];
        for (k, row) in t.iter_mut().enumerate() {
            for (n, c) in row.iter_mut().enumerate() {
                *c = 2.0 * (std::f64::consts::PI * k as f64 * (2 * n + 1) as f64 / 64.0).cos();
            }
        }
        t
    })
}

impl PhashDct {
    /// Computes the coefficients: Pillow-exact Lanczos resize to 32×32, then the DCT.
    pub fn of(img: &GrayImage) -> PhashDct {
        let small = resize_lanczos(img, 32, 32);
        let c = cos_table();
        // T = C X (8x32): along axis 0 (columns).
        let mut t = [[0.0f64; 32]; 8];
        for (u, trow) in t.iter_mut().enumerate() {
            for (n, &cu) in c[u].iter().enumerate() {
                let row = &small.pixels[n * 32..n * 32 + 32];
                for (j, &p) in row.iter().enumerate() {
                    trow[j] += cu * f64::from(p);
                }
            }
        }
        // R = T C^T (8x8): along axis 1.
        let mut r = [[0.0f64; 8]; 8];
        for u in 0..8 {
            for v in 0..8 {
                r[u][v] = t[u].iter().zip(&c[v]).map(|(a, b)| a * b).sum();
            }
        }
        PhashDct(r)
    }

    /// The coefficients of the rotated or flipped image: a transpose and sign flips
    /// (a mirror negates the odd frequencies along its axis).
    pub fn transformed(&self, t: Dihedral) -> PhashDct {
        let (tr, fh, fv) = t.parts();
        let mut out = [[0.0; 8]; 8];
        for (u, row) in out.iter_mut().enumerate() {
            for (v, o) in row.iter_mut().enumerate() {
                let mut x = if tr { self.0[v][u] } else { self.0[u][v] };
                if fh && v % 2 == 1 {
                    x = -x;
                }
                if fv && u % 2 == 1 {
                    x = -x;
                }
                *o = x;
            }
        }
        PhashDct(out)
    }

    /// The hash: bit set where the coefficient exceeds the median of the 64 (numpy's median:
    /// the mean of the two middle values). Bits in row-major order, the first in the most
    /// significant position, as imagehash prints them.
    pub fn hash(&self) -> u64 {
        let flat: Vec<f64> = self.0.iter().flatten().copied().collect();
        let mut sorted = flat.clone();
        sorted.sort_by(f64::total_cmp);
        let median = (sorted[31] + sorted[32]) / 2.0;
        flat.iter()
            .fold(0u64, |acc, &x| (acc << 1) | u64::from(x > median))
    }
}

/// imagehash's `phash(image)` (hash_size 8, highfreq_factor 4) of a luma image.
///
/// ```
/// use damkit_dedup::{decode::GrayImage, phash::phash};
/// let gradient: Vec<u8> = (0..64 * 64).map(|i| ((i % 64) * 4) as u8).collect();
/// let img = GrayImage::new(64, 64, gradient).unwrap();
/// // A horizontal ramp: only horizontal frequencies carry energy.
/// assert_eq!(phash(&img), phash(&img));
/// ```
pub fn phash(img: &GrayImage) -> u64 {
    PhashDct::of(img).hash()
}

/// imagehash's `dhash(image)` (hash_size 8): 9×8 Lanczos reduction, bit set where a pixel
/// is brighter than its left neighbour, row-major, first bit most significant.
pub fn dhash(img: &GrayImage) -> u64 {
    let s = resize_lanczos(img, 9, 8);
    let mut h = 0u64;
    for y in 0..8usize {
        for x in 0..8usize {
            let l = s.pixels[y * 9 + x];
            let r = s.pixels[y * 9 + x + 1];
            h = (h << 1) | u64::from(r > l);
        }
    }
    h
}

/// Hamming distance of two 64-bit hashes.
#[inline]
pub fn distance64(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(w: u32, h: u32, seed: u64) -> GrayImage {
        let mut s = seed;
        let mut px = Vec::new();
        for y in 0..h {
            for x in 0..w {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let smooth = ((x * 3 + y * 2) % 200) as u64;
                px.push(((s >> 59) + smooth) as u8);
            }
        }
        GrayImage::new(w, h, px).unwrap()
    }

    #[test]
    fn dct_dihedral_matches_pixel_dihedral() {
        // Square, so that the resize is the same along both axes.
        let img = noise(96, 96, 7);
        let base = PhashDct::of(&img);
        for t in Dihedral::ALL {
            let direct = PhashDct::of(&img.transformed(t)).hash();
            let via = base.transformed(t).hash();
            assert!(
                distance64(direct, via) <= 2,
                "{t:?}: {direct:016x} vs {via:016x}"
            );
        }
    }
}
