//! Helpers: test file paths and image comparison (PSNR, DSSIM).

use std::path::PathBuf;

use damkit_rendition::{PixelLayout, Raster};

pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

pub fn bad(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad")
        .join(name)
}

pub fn read(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes any test image into RGB8 with the `image` crate (an independent decoder).
pub fn rgb_of(bytes: &[u8]) -> Raster {
    let img = image::load_from_memory(bytes).unwrap().into_rgb8();
    Raster {
        width: img.width(),
        height: img.height(),
        layout: PixelLayout::Rgb8,
        data: img.into_raw(),
    }
}

fn rgb_channels(r: &Raster) -> Vec<[f64; 3]> {
    r.data
        .chunks_exact(r.layout.channels())
        .map(|p| [f64::from(p[0]), f64::from(p[1]), f64::from(p[2])])
        .collect()
}

/// PSNR over the RGB channels, in dB (infinite when identical).
pub fn psnr(a: &Raster, b: &Raster) -> f64 {
    assert_eq!((a.width, a.height), (b.width, b.height), "sizes differ");
    let (pa, pb) = (rgb_channels(a), rgb_channels(b));
    let mut se = 0.0;
    for (x, y) in pa.iter().zip(&pb) {
        for k in 0..3 {
            se += (x[k] - y[k]).powi(2);
        }
    }
    let mse = se / (pa.len() as f64 * 3.0);
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// DSSIM = 1/SSIM - 1, with SSIM over the luma of 8x8 windows (step 4), the usual constants.
pub fn dssim(a: &Raster, b: &Raster) -> f64 {
    assert_eq!((a.width, a.height), (b.width, b.height), "sizes differ");
    let luma = |r: &Raster| -> Vec<f64> {
        rgb_channels(r)
            .iter()
            .map(|p| 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2])
            .collect()
    };
    let (la, lb) = (luma(a), luma(b));
    let (w, h) = (a.width as usize, a.height as usize);
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let (mut sum, mut n) = (0.0, 0.0);
    let win = 8.min(w).min(h);
    let mut y = 0;
    while y + win <= h {
        let mut x = 0;
        while x + win <= w {
            let (mut ma, mut mb) = (0.0, 0.0);
            for j in 0..win {
                for i in 0..win {
                    ma += la[(y + j) * w + x + i];
                    mb += lb[(y + j) * w + x + i];
                }
            }
            let k = (win * win) as f64;
            ma /= k;
            mb /= k;
            let (mut va, mut vb, mut cov) = (0.0, 0.0, 0.0);
            for j in 0..win {
                for i in 0..win {
                    let da = la[(y + j) * w + x + i] - ma;
                    let db = lb[(y + j) * w + x + i] - mb;
                    va += da * da;
                    vb += db * db;
                    cov += da * db;
                }
            }
            va /= k - 1.0;
            vb /= k - 1.0;
            cov /= k - 1.0;
            sum += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            n += 1.0;
            x += 4;
        }
        y += 4;
    }
    1.0 / (sum / n) - 1.0
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
