//! Pillow's antialiased (convolution) resampling, bit for bit, on 8-bit luma.
//!
//! imagehash resizes with `Image.resize((w, h), LANCZOS)`; to reproduce its hashes we
//! reproduce Pillow's `Resample.c`: a Lanczos-3 kernel widened by the scale factor (so a
//! downscale averages every source pixel: anti-aliased), coefficients normalised and
//! rounded to 22-bit fixed point, a horizontal pass into an 8-bit image, then a vertical
//! pass, each rounded and clipped.

use crate::decode::GrayImage;

const PRECISION_BITS: u32 = 32 - 8 - 2;

fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let x = x * std::f64::consts::PI;
        x.sin() / x
    }
}

fn lanczos(x: f64) -> f64 {
    if (-3.0..3.0).contains(&x) {
        sinc(x) * sinc(x / 3.0)
    } else {
        0.0
    }
}

/// Fixed-point coefficients: per output pixel, the first input index and the weights.
struct Coeffs {
    ksize: usize,
    bounds: Vec<(usize, usize)>,
    k: Vec<i32>,
}

fn precompute(in_size: u32, out_size: u32) -> Coeffs {
    let in0 = 0.0f64;
    let in1 = f64::from(in_size as f32);
    let scale = (in1 - in0) / f64::from(out_size);
    let filterscale = scale.max(1.0);
    let support = 3.0 * filterscale;
    let ksize = support.ceil() as usize * 2 + 1;
    let mut bounds = Vec::with_capacity(out_size as usize);
    let mut k = vec![0i32; out_size as usize * ksize];
    let mut w = vec![0f64; ksize];
    for xx in 0..out_size as usize {
        let center = in0 + (xx as f64 + 0.5) * scale;
        let ss = 1.0 / filterscale;
        let xmin = ((center - support + 0.5) as i64).max(0) as usize;
        let xmax = ((center + support + 0.5) as i64).min(i64::from(in_size)) as usize;
        let n = xmax.saturating_sub(xmin).min(ksize);
        let mut ww = 0.0;
        for (x, slot) in w.iter_mut().enumerate().take(n) {
            let v = lanczos((x as f64 + xmin as f64 - center + 0.5) * ss);
            *slot = v;
            ww += v;
        }
        for x in 0..n {
            let v = if ww != 0.0 { w[x] / ww } else { w[x] };
            let f = v * f64::from(1u32 << PRECISION_BITS);
            k[xx * ksize + x] = if v < 0.0 {
                (-0.5 + f) as i32
            } else {
                (0.5 + f) as i32
            };
        }
        bounds.push((xmin, n));
    }
    Coeffs { ksize, bounds, k }
}

/// Recently used coefficients, keyed by (input size, output size).
type CoeffCache = Vec<((u32, u32), std::rc::Rc<Coeffs>)>;

thread_local! {
    /// The coefficients of the last few (input, output) sizes: a fingerprint resizes the
    /// same sizes again and again (the full image and its crops to 32x32, 9x8, ...), and
    /// computing them costs two `sin` per tap.
    static COEFFS: std::cell::RefCell<CoeffCache> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// [`precompute`], through this thread's cache of recent sizes.
fn coeffs(in_size: u32, out_size: u32) -> std::rc::Rc<Coeffs> {
    COEFFS.with(|c| {
        let mut cache = c.borrow_mut();
        if let Some((_, k)) = cache.iter().find(|(key, _)| *key == (in_size, out_size)) {
            return k.clone();
        }
        let k = std::rc::Rc::new(precompute(in_size, out_size));
        if k.k.len() > 1 << 16 {
            return k; // a rare huge reduction: not kept
        }
        if cache.len() >= 16 {
            cache.remove(0);
        }
        cache.push(((in_size, out_size), k.clone()));
        k
    })
}

#[inline]
fn clip8(v: i32) -> u8 {
    if v >= (1 << PRECISION_BITS << 8) {
        255
    } else if v <= 0 {
        0
    } else {
        (v >> PRECISION_BITS) as u8
    }
}

/// Resizes like Pillow's `Image.resize((w, h), Image.LANCZOS)` on an `L` image.
pub fn resize_lanczos(img: &GrayImage, out_w: u32, out_h: u32) -> GrayImage {
    let (in_w, in_h) = (img.width, img.height);
    if in_w == 0 || in_h == 0 || out_w == 0 || out_h == 0 {
        return GrayImage {
            width: out_w,
            height: out_h,
            pixels: vec![0; out_w as usize * out_h as usize],
        };
    }
    if in_w == out_w && in_h == out_h {
        return img.clone();
    }
    let need_h = in_w != out_w;
    let need_v = in_h != out_h;
    let ch = coeffs(in_w, out_w);
    let cv = coeffs(in_h, out_h);
    // Rows the vertical pass reads.
    let y_first = cv.bounds[0].0;
    let (ly, ln) = cv.bounds[out_h as usize - 1];
    let y_last = ly + ln;

    let (tmp, tmp_w, row0) = if need_h {
        let rows = y_last - y_first;
        let mut tmp = vec![0u8; rows * out_w as usize];
        for y in 0..rows {
            let src = &img.pixels[(y + y_first) * in_w as usize..][..in_w as usize];
            let dst = &mut tmp[y * out_w as usize..][..out_w as usize];
            for (xx, d) in dst.iter_mut().enumerate() {
                let (xmin, n) = ch.bounds[xx];
                let k = &ch.k[xx * ch.ksize..][..n];
                let mut ss: i32 = 1 << (PRECISION_BITS - 1);
                for (x, &kv) in k.iter().enumerate() {
                    ss = ss.wrapping_add(i32::from(src[xmin + x]).wrapping_mul(kv));
                }
                *d = clip8(ss);
            }
        }
        (tmp, out_w, y_first)
    } else {
        (img.pixels.clone(), in_w, 0)
    };
    if !need_v {
        return GrayImage {
            width: tmp_w,
            height: out_h,
            pixels: tmp,
        };
    }
    let mut out = vec![0u8; out_w as usize * out_h as usize];
    // Row by row (contiguous reads, vectorised); the wrapping sums are those of Pillow's
    // column-by-column loop, in another order (integer addition: the same result).
    let tw = tmp_w as usize;
    let mut acc = vec![0i32; tw];
    for yy in 0..out_h as usize {
        let (ymin, n) = cv.bounds[yy];
        let k = &cv.k[yy * cv.ksize..][..n];
        acc.fill(1 << (PRECISION_BITS - 1));
        for (y, &kv) in k.iter().enumerate() {
            let row = &tmp[(ymin + y - row0) * tw..][..tw];
            for (a, &v) in acc.iter_mut().zip(row) {
                *a = a.wrapping_add(i32::from(v).wrapping_mul(kv));
            }
        }
        for (o, &a) in out[yy * out_w as usize..][..tw].iter_mut().zip(&acc) {
            *o = clip8(a);
        }
    }
    GrayImage {
        width: out_w,
        height: out_h,
        pixels: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_stays_flat_and_sizes_are_right() {
        let img = GrayImage::new(100, 37, vec![77; 3700]).unwrap();
        let r = resize_lanczos(&img, 32, 32);
        assert_eq!((r.width, r.height), (32, 32));
        assert!(r.pixels.iter().all(|&p| p == 77));
        let up = resize_lanczos(&GrayImage::new(2, 2, vec![0, 255, 255, 0]).unwrap(), 9, 8);
        assert_eq!(up.pixels.len(), 72);
    }
}
