//! PDQ-256 (Meta's perceptual hash) with its quality score, and its 8 rotations and flips
//! from the DCT.
//!
//! A port of the reference algorithm (ThreatExchange `pdq/cpp/hashing/pdqhashing.cpp`):
//! float luma, a two-pass Jarosz (box) filter sized to the image, decimation to 64×64, a
//! gradient-based quality metric, the 16×16 DCT coefficients 1–16 (the DC term is skipped),
//! and a bit per coefficient above the median (Torben's median: the 128th smallest).

use std::sync::OnceLock;

use crate::decode::{Dihedral, GrayImage};
use crate::resample::resize_lanczos;

/// A 256-bit PDQ hash: bit `16 * i + j` is coefficient (row `i`, column `j`), bit `k` is
/// stored at `words[k / 64] >> (k % 64)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Pdq(pub [u64; 4]);

impl Pdq {
    /// Meta's text form: 16 groups of 4 hex digits, the group of bits 240–255 first.
    pub fn to_hex(&self) -> String {
        (0..16)
            .rev()
            .map(|q| format!("{:04x}", (self.0[q / 4] >> (16 * (q % 4))) & 0xFFFF))
            .collect()
    }

    /// Parses Meta's text form.
    pub fn from_hex(s: &str) -> Option<Pdq> {
        if s.len() != 64 || !s.is_ascii() {
            return None;
        }
        let mut w = [0u64; 4];
        for (i, q) in (0..16).rev().enumerate() {
            let v = u64::from_str_radix(&s[4 * i..4 * i + 4], 16).ok()?;
            w[q / 4] |= v << (16 * (q % 4));
        }
        Some(Pdq(w))
    }

    /// Hamming distance.
    pub fn distance(&self, other: &Pdq) -> u32 {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| (a ^ b).count_ones())
            .sum()
    }
}

/// A PDQ hash with its quality (0–100; below ~50 the image is too featureless for the
/// hash alone to mean much).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdqResult {
    /// The hash.
    pub hash: Pdq,
    /// The quality score.
    pub quality: u8,
}

/// The 16×16 DCT output of PDQ, from which the hash and its dihedral variants come.
#[derive(Debug, Clone, PartialEq)]
pub struct PdqDct {
    /// Coefficient (i, j) for basis frequencies (i + 1, j + 1).
    pub coeffs: [[f32; 16]; 16],
    /// The quality score of the image.
    pub quality: u8,
}

/// Images smaller than this on a side hash to zero with quality 0 (as the reference).
pub const MIN_HASHABLE_DIM: u32 = 5;
/// Larger images are first reduced (anti-aliased) so that the float buffers stay small.
pub const MAX_INPUT_DIM: u32 = 1024;

fn dct_matrix() -> &'static [[f32; 64]; 16] {
    static M: OnceLock<[[f32; 64]; 16]> = OnceLock::new();
    M.get_or_init(|| {
        let mut m = [[0.0f32; 64]; 16];
        let scale = (2.0f64 / 64.0).sqrt();
        for (i, row) in m.iter_mut().enumerate() {
            for (j, c) in row.iter_mut().enumerate() {
                *c = (scale
                    * (std::f64::consts::PI / 2.0 / 64.0 * (i + 1) as f64 * (2 * j + 1) as f64)
                        .cos()) as f32;
            }
        }
        m
    })
}

fn window(old: usize, new: usize) -> usize {
    old.div_ceil(2 * new)
}

/// The reference's `box1DFloat`: a centred moving average with shrinking windows at the
/// edges.
fn box1d(input: &[f32], out: &mut [f32], len: usize, stride: usize, full: usize) {
    let full = full.clamp(1, len.max(1));
    let half = (full + 2) / 2;
    let p1 = half - 1;
    let p2 = full - half + 1;
    let p3 = len - full;
    let p4 = half - 1;
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let mut sum = 0.0f32;
    let mut n = 0usize;
    for _ in 0..p1 {
        sum += input[ri];
        n += 1;
        ri += stride;
    }
    for _ in 0..p2 {
        sum += input[ri];
        n += 1;
        out[oi] = sum / n as f32;
        ri += stride;
        oi += stride;
    }
    for _ in 0..p3 {
        sum += input[ri];
        sum -= input[li];
        out[oi] = sum / n as f32;
        li += stride;
        ri += stride;
        oi += stride;
    }
    for _ in 0..p4 {
        sum -= input[li];
        n -= 1;
        out[oi] = sum / n as f32;
        li += stride;
        oi += stride;
    }
}

/// [`box1d`] down every column at once (row by row, so that memory is read in order and
/// the loop vectorises): the same sums in the same order, so the same floats.
fn box_columns(input: &[f32], out: &mut [f32], rows: usize, cols: usize, full: usize) {
    let full = full.clamp(1, rows.max(1));
    let half = (full + 2) / 2;
    let (p1, p2, p3, p4) = (half - 1, full - half + 1, rows - full, half - 1);
    let row = |i: usize| &input[i * cols..(i + 1) * cols];
    let mut sum = vec![0.0f32; cols];
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let mut n = 0usize;
    let emit = |out: &mut [f32], oi: usize, sum: &[f32], n: usize| {
        for (o, s) in out[oi * cols..(oi + 1) * cols].iter_mut().zip(sum) {
            *o = s / n as f32;
        }
    };
    for _ in 0..p1 {
        sum.iter_mut().zip(row(ri)).for_each(|(s, v)| *s += v);
        n += 1;
        ri += 1;
    }
    for _ in 0..p2 {
        sum.iter_mut().zip(row(ri)).for_each(|(s, v)| *s += v);
        n += 1;
        emit(out, oi, &sum, n);
        ri += 1;
        oi += 1;
    }
    for _ in 0..p3 {
        sum.iter_mut()
            .zip(row(ri))
            .zip(row(li))
            .for_each(|((s, a), b)| *s = *s + a - b);
        emit(out, oi, &sum, n);
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..p4 {
        sum.iter_mut().zip(row(li)).for_each(|(s, b)| *s -= b);
        n -= 1;
        emit(out, oi, &sum, n);
        li += 1;
        oi += 1;
    }
}

impl PdqDct {
    /// Runs PDQ up to the DCT on a luma image.
    pub fn of(img: &GrayImage) -> PdqDct {
        if img.width < MIN_HASHABLE_DIM || img.height < MIN_HASHABLE_DIM {
            return PdqDct {
                coeffs: [[0.0; 16]; 16],
                quality: 0,
            };
        }
        let reduced;
        let img = if img.width > MAX_INPUT_DIM || img.height > MAX_INPUT_DIM {
            let s = f64::from(MAX_INPUT_DIM) / f64::from(img.width.max(img.height));
            let w = ((f64::from(img.width) * s).round() as u32).max(MIN_HASHABLE_DIM);
            let h = ((f64::from(img.height) * s).round() as u32).max(MIN_HASHABLE_DIM);
            reduced = resize_lanczos(img, w, h);
            &reduced
        } else {
            img
        };
        Self::of_f32(
            img.width,
            img.height,
            img.pixels.iter().map(|&p| f32::from(p)).collect(),
        )
    }

    /// Runs PDQ up to the DCT on decoded luma, from its float plane (images larger than
    /// [`MAX_INPUT_DIM`] are first reduced from the 8-bit plane).
    pub fn of_luma(luma: &crate::decode::Luma) -> PdqDct {
        let g = &luma.gray;
        if g.width > MAX_INPUT_DIM || g.height > MAX_INPUT_DIM {
            return Self::of(g);
        }
        Self::of_f32(g.width, g.height, luma.float.clone())
    }

    /// Runs PDQ up to the DCT on float luma (`0.299 R + 0.587 G + 0.114 B`, row-major, at
    /// most [`MAX_INPUT_DIM`] on a side is fastest), as the reference does.
    pub fn of_f32(width: u32, height: u32, mut a: Vec<f32>) -> PdqDct {
        let (cols, rows) = (width as usize, height as usize);
        if width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM || a.len() != cols * rows {
            return PdqDct {
                coeffs: [[0.0; 16]; 16],
                quality: 0,
            };
        }
        let mut b = vec![0.0f32; a.len()];
        let wr = window(cols, 64);
        let wc = window(rows, 64);
        for _ in 0..2 {
            for i in 0..rows {
                box1d(&a[i * cols..], &mut b[i * cols..], cols, 1, wr);
            }
            box_columns(&b, &mut a, rows, cols, wc);
        }
        let mut d = [[0.0f32; 64]; 64];
        for (i, row) in d.iter_mut().enumerate() {
            let ini = (((i as f64 + 0.5) * rows as f64) / 64.0) as usize;
            for (j, v) in row.iter_mut().enumerate() {
                let inj = (((j as f64 + 0.5) * cols as f64) / 64.0) as usize;
                *v = a[ini.min(rows - 1) * cols + inj.min(cols - 1)];
            }
        }
        let quality = quality(&d);
        let m = dct_matrix();
        // T = D A (16x64), B = T D^T (16x16).
        let mut t = [[0.0f32; 64]; 16];
        for i in 0..16 {
            for k in 0..64 {
                let c = m[i][k];
                for j in 0..64 {
                    t[i][j] += c * d[k][j];
                }
            }
        }
        let mut coeffs = [[0.0f32; 16]; 16];
        for i in 0..16 {
            for j in 0..16 {
                coeffs[i][j] = t[i].iter().zip(&m[j]).map(|(x, y)| x * y).sum();
            }
        }
        PdqDct { coeffs, quality }
    }

    /// The coefficients of the rotated or flipped image. Row `i` holds basis frequency
    /// `i + 1`, so a mirror negates the even indices along its axis.
    pub fn transformed(&self, t: Dihedral) -> PdqDct {
        let (tr, fh, fv) = t.parts();
        let mut out = [[0.0f32; 16]; 16];
        for (i, row) in out.iter_mut().enumerate() {
            for (j, o) in row.iter_mut().enumerate() {
                let mut x = if tr {
                    self.coeffs[j][i]
                } else {
                    self.coeffs[i][j]
                };
                if fh && j % 2 == 0 {
                    x = -x;
                }
                if fv && i % 2 == 0 {
                    x = -x;
                }
                *o = x;
            }
        }
        PdqDct {
            coeffs: out,
            quality: self.quality,
        }
    }

    /// The hash and quality.
    pub fn hash(&self) -> PdqResult {
        let flat: Vec<f32> = self.coeffs.iter().flatten().copied().collect();
        let mut sorted = flat.clone();
        sorted.sort_by(f32::total_cmp);
        let median = sorted[127];
        let mut w = [0u64; 4];
        for (k, &x) in flat.iter().enumerate() {
            if x > median {
                w[k / 64] |= 1 << (k % 64);
            }
        }
        PdqResult {
            hash: Pdq(w),
            quality: self.quality,
        }
    }
}

fn quality(d: &[[f32; 64]; 64]) -> u8 {
    let mut sum: i64 = 0;
    for rows in d.windows(2) {
        for (u, v) in rows[0].iter().zip(&rows[1]) {
            let q = ((u - v) * 100.0 / 255.0) as i32;
            sum += i64::from(q.unsigned_abs());
        }
    }
    for row in d.iter() {
        for j in 0..63 {
            let q = ((row[j] - row[j + 1]) * 100.0 / 255.0) as i32;
            sum += i64::from(q.unsigned_abs());
        }
    }
    (sum / 90).min(100) as u8
}

/// PDQ hash and quality of an 8-bit luma image.
pub fn pdq(img: &GrayImage) -> PdqResult {
    PdqDct::of(img).hash()
}

/// PDQ hash and quality from float luma, as the reference computes it (closer to Meta's
/// hashes on low-contrast images than [`pdq`] on rounded 8-bit luma).
pub fn pdq_luma(luma: &crate::decode::Luma) -> PdqResult {
    PdqDct::of_luma(luma).hash()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let s = "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22";
        assert_eq!(Pdq::from_hex(s).unwrap().to_hex(), s);
        assert!(Pdq::from_hex("xyz").is_none());
    }

    #[test]
    fn flat_image_has_quality_zero() {
        let img = GrayImage::new(200, 100, vec![128; 20000]).unwrap();
        assert_eq!(pdq(&img).quality, 0);
        let tiny = GrayImage::new(4, 4, vec![1; 16]).unwrap();
        assert_eq!(pdq(&tiny).hash, Pdq::default());
    }
}
