//! Pixel operations: SIMD resize (fast_image_resize), sharpen, flatten, watermark.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::error::{RenditionError, Result};
use crate::raster::{PixelLayout, Raster};
use crate::spec::{Filter, Gravity, Rgb};

fn pixel_type(layout: PixelLayout) -> PixelType {
    match layout {
        PixelLayout::Rgb8 => PixelType::U8x3,
        PixelLayout::Rgba8 | PixelLayout::Cmyk8 => PixelType::U8x4,
    }
}

fn algorithm(filter: Filter) -> ResizeAlg {
    match filter {
        Filter::Nearest => ResizeAlg::Nearest,
        Filter::Box => ResizeAlg::Convolution(FilterType::Box),
        Filter::Bilinear => ResizeAlg::Convolution(FilterType::Bilinear),
        Filter::Hamming => ResizeAlg::Convolution(FilterType::Hamming),
        Filter::CatmullRom => ResizeAlg::Convolution(FilterType::CatmullRom),
        Filter::Mitchell => ResizeAlg::Convolution(FilterType::Mitchell),
        Filter::Lanczos3 => ResizeAlg::Convolution(FilterType::Lanczos3),
    }
}

/// Resizes the `crop` rectangle of `src` (in `src` pixel coordinates) to `width` x `height`.
/// Alpha is premultiplied during the convolution (and divided back after), so transparent
/// pixels do not bleed their colour; CMYK has no alpha and is resized channel by channel.
pub(crate) fn resize(
    src: &Raster,
    crop: (f64, f64, f64, f64),
    width: u32,
    height: u32,
    filter: Filter,
) -> Result<Raster> {
    let (x, y, w, h) = crop;
    if width == src.width
        && height == src.height
        && x.abs() < 1e-9
        && y.abs() < 1e-9
        && (w - f64::from(src.width)).abs() < 1e-9
        && (h - f64::from(src.height)).abs() < 1e-9
    {
        return Ok(src.clone());
    }
    let pt = pixel_type(src.layout);
    let src_view = ImageRef::new(src.width, src.height, &src.data, pt)
        .map_err(|e| RenditionError::Resize(e.to_string()))?;
    let mut dst = Image::new(width, height, pt);
    let options = ResizeOptions::new()
        .resize_alg(algorithm(filter))
        .crop(x, y, w, h)
        .use_alpha(src.layout == PixelLayout::Rgba8);
    with_resizer(|r| r.resize(&src_view, &mut dst, &options))
        .map_err(|e| RenditionError::Resize(e.to_string()))?;
    Ok(Raster {
        width,
        height,
        layout: src.layout,
        data: dst.into_vec(),
    })
}

thread_local! {
    /// One resizer per thread: it keeps its intermediate buffer (the vertical pass of a 12 MP
    /// source to 1024 px is 9 MB) between images instead of allocating and zeroing it on
    /// every resize.
    static RESIZER: std::cell::RefCell<Resizer> = std::cell::RefCell::new(Resizer::new());
}

/// Runs `f` with this thread's resizer (a fresh one if it is already in use, which a
/// re-entrant call would need).
fn with_resizer<T>(f: impl FnOnce(&mut Resizer) -> T) -> T {
    RESIZER.with(|r| match r.try_borrow_mut() {
        Ok(mut r) => f(&mut r),
        Err(_) => f(&mut Resizer::new()),
    })
}

/// [`resize`] for 16-bit samples (`layout` says RGB or RGBA; `samples` holds
/// `width * height * channels` values): the convolution runs at 16 bits (alpha
/// premultiplied at 16 bits), and only the result is reduced to 8 bits, with rounding.
#[allow(clippy::too_many_arguments)]
pub(crate) fn resize16(
    samples: &[u16],
    src_w: u32,
    src_h: u32,
    layout: PixelLayout,
    crop: (f64, f64, f64, f64),
    width: u32,
    height: u32,
    filter: Filter,
) -> Result<Raster> {
    let pt = match layout {
        PixelLayout::Rgba8 => PixelType::U16x4,
        _ => PixelType::U16x3,
    };
    let src_view = ImageRef::new(src_w, src_h, bytemuck::cast_slice(samples), pt)
        .map_err(|e| RenditionError::Resize(e.to_string()))?;
    let mut dst = Image::new(width, height, pt);
    let (x, y, w, h) = crop;
    let options = ResizeOptions::new()
        .resize_alg(algorithm(filter))
        .crop(x, y, w, h)
        .use_alpha(layout == PixelLayout::Rgba8);
    with_resizer(|r| r.resize(&src_view, &mut dst, &options))
        .map_err(|e| RenditionError::Resize(e.to_string()))?;
    let data = dst
        .buffer()
        .chunks_exact(2)
        .map(|b| reduce16(u16::from_ne_bytes([b[0], b[1]])))
        .collect();
    Ok(Raster {
        width,
        height,
        layout,
        data,
    })
}

/// 16 to 8 bits with rounding (`v * 255 / 65535`).
pub(crate) fn reduce16(v: u16) -> u8 {
    ((u32::from(v) * 255 + 32_767) / 65_535) as u8
}

/// Composites RGBA over an opaque background colour, giving RGB.
pub(crate) fn flatten(r: Raster, bg: Rgb) -> Raster {
    if r.layout != PixelLayout::Rgba8 {
        return r;
    }
    let [br, bgc, bb] = bg.0.map(u32::from);
    let data = r
        .data
        .chunks_exact(4)
        .flat_map(|p| {
            let a = u32::from(p[3]);
            let mix = |c: u8, b: u32| ((u32::from(c) * a + b * (255 - a) + 127) / 255) as u8;
            [mix(p[0], br), mix(p[1], bgc), mix(p[2], bb)]
        })
        .collect();
    Raster {
        width: r.width,
        height: r.height,
        layout: PixelLayout::Rgb8,
        data,
    }
}

/// Drops a fully opaque alpha channel.
pub(crate) fn drop_opaque_alpha(r: Raster) -> Raster {
    if r.layout == PixelLayout::Rgba8 && !r.has_transparency() {
        flatten(r, Rgb::WHITE)
    } else {
        r
    }
}

/// Unsharp mask: `out = in + amount * (in - blur3x3(in))` on the colour channels.
pub(crate) fn sharpen(r: &mut Raster, amount: f32) {
    if amount <= 0.0 || r.width < 3 || r.height < 3 {
        return;
    }
    let c = r.layout.channels();
    let colour = c.min(3);
    let (w, h) = (r.width as usize, r.height as usize);
    let src = r.data.clone();
    let at = |x: usize, y: usize, k: usize| f32::from(src[(y * w + x) * c + k]);
    for y in 0..h {
        for x in 0..w {
            for k in 0..colour {
                let mut sum = 0.0;
                for dy in [-1isize, 0, 1] {
                    for dx in [-1isize, 0, 1] {
                        let xx = (x as isize + dx).clamp(0, w as isize - 1) as usize;
                        let yy = (y as isize + dy).clamp(0, h as isize - 1) as usize;
                        sum += at(xx, yy, k);
                    }
                }
                let v = at(x, y, k);
                let out = v + amount * (v - sum / 9.0);
                r.data[(y * w + x) * c + k] = out.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}

/// Overlays `mark` (RGBA) onto `base` (RGB or RGBA) at `(left, top)` with `opacity`.
fn blend_at(base: &mut Raster, mark: &Raster, left: i64, top: i64, opacity: f32) {
    let bc = base.layout.channels();
    let (bw, bh) = (i64::from(base.width), i64::from(base.height));
    let op = (opacity.clamp(0.0, 1.0) * 255.0).round() as u32;
    for my in 0..i64::from(mark.height) {
        let y = top + my;
        if y < 0 || y >= bh {
            continue;
        }
        for mx in 0..i64::from(mark.width) {
            let x = left + mx;
            if x < 0 || x >= bw {
                continue;
            }
            let m = ((my * i64::from(mark.width) + mx) * 4) as usize;
            let a = u32::from(mark.data[m + 3]) * op / 255;
            if a == 0 {
                continue;
            }
            let b = ((y * bw + x) as usize) * bc;
            for k in 0..3 {
                let under = u32::from(base.data[b + k]);
                let over = u32::from(mark.data[m + k]);
                base.data[b + k] = ((over * a + under * (255 - a) + 127) / 255) as u8;
            }
            if bc == 4 {
                let under = u32::from(base.data[b + 3]);
                base.data[b + 3] = (a + under * (255 - a) / 255).min(255) as u8;
            }
        }
    }
}

/// Draws a watermark: `mark` is scaled to `scale` of the base width (Lanczos3, premultiplied
/// alpha) and drawn once at `position` with `margin`, or tiled over the whole image.
pub(crate) fn watermark(
    base: &mut Raster,
    mark: &Raster,
    position: Gravity,
    scale: f32,
    opacity: f32,
    margin: u32,
    tiled: bool,
) -> Result<()> {
    // Scale to `scale` of the base width, but never taller than the base (a very tall
    // overlay must not allocate a huge buffer).
    let (mw, mh) = (f64::from(mark.width.max(1)), f64::from(mark.height.max(1)));
    let mut tw =
        (f64::from(base.width) * f64::from(scale)).clamp(1.0, f64::from(base.width.max(1)));
    let mut th = mh * tw / mw;
    if th > f64::from(base.height.max(1)) {
        th = f64::from(base.height.max(1));
        tw = (mw * th / mh).max(1.0);
    }
    let (target_w, target_h) = ((tw.round() as u32).max(1), (th.round() as u32).max(1));
    let mark = if mark.layout == PixelLayout::Rgba8 {
        mark.clone()
    } else {
        // An opaque overlay: give it an alpha channel.
        let data = mark
            .data
            .chunks_exact(mark.layout.channels())
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect();
        Raster {
            width: mark.width,
            height: mark.height,
            layout: PixelLayout::Rgba8,
            data,
        }
    };
    let scaled = resize(
        &mark,
        (0.0, 0.0, f64::from(mark.width), f64::from(mark.height)),
        target_w,
        target_h,
        Filter::Lanczos3,
    )?;
    let (bw, bh) = (i64::from(base.width), i64::from(base.height));
    let (sw, sh) = (i64::from(scaled.width), i64::from(scaled.height));
    let m = i64::from(margin);
    if tiled {
        let (step_x, step_y) = (sw + m.max(1), sh + m.max(1));
        let mut y = m / 2;
        while y < bh {
            let mut x = m / 2;
            while x < bw {
                blend_at(base, &scaled, x, y, opacity);
                x += step_x;
            }
            y += step_y;
        }
    } else {
        let (ax, ay) = position.anchor();
        let left = m + ((bw - sw - 2 * m) as f64 * ax).round() as i64;
        let top = m + ((bh - sh - 2 * m) as f64 * ay).round() as i64;
        blend_at(base, &scaled, left, top, opacity);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(w: u32, h: u32, layout: PixelLayout, px: &[u8]) -> Raster {
        Raster {
            width: w,
            height: h,
            layout,
            data: px.repeat((w * h) as usize),
        }
    }

    #[test]
    fn resize_keeps_a_flat_colour_and_premultiplies_alpha() {
        let r = solid(64, 48, PixelLayout::Rgb8, &[10, 200, 30]);
        let out = resize(&r, (0.0, 0.0, 64.0, 48.0), 16, 12, Filter::Lanczos3).unwrap();
        assert_eq!((out.width, out.height), (16, 12));
        assert!(out.data.chunks(3).all(|p| p == [10, 200, 30]));
        // Half transparent red next to fully transparent green: green must not bleed in.
        let mut a = solid(8, 8, PixelLayout::Rgba8, &[255, 0, 0, 255]);
        for y in 0..8 {
            for x in 4..8 {
                let i = (y * 8 + x) * 4;
                a.data[i..i + 4].copy_from_slice(&[0, 255, 0, 0]);
            }
        }
        let out = resize(&a, (0.0, 0.0, 8.0, 8.0), 2, 2, Filter::Lanczos3).unwrap();
        let left = &out.data[0..4];
        assert!(left[1] < 8, "no green from transparent pixels: {left:?}");
    }

    #[test]
    fn resize16_keeps_precision_until_the_end() {
        // A 16-bit gradient whose neighbours differ by less than one 8-bit step: an 8-bit
        // resize would see flat bands; the 16-bit one gives the rounded mean.
        let (w, h) = (64u32, 4u32);
        let samples: Vec<u16> = (0..w * h)
            .flat_map(|i| {
                let v = 30_000 + (i % w) as u16 * 3;
                [v, v, v]
            })
            .collect();
        let out = resize16(
            &samples,
            w,
            h,
            PixelLayout::Rgb8,
            (0.0, 0.0, 64.0, 4.0),
            8,
            1,
            Filter::Box,
        )
        .unwrap();
        assert_eq!((out.width, out.height, out.data.len()), (8, 1, 24));
        for (i, p) in out.data.chunks(3).enumerate() {
            let mean = 30_000.0 + (i as f64 * 8.0 + 3.5) * 3.0;
            let want = (mean * 255.0 / 65_535.0).round() as u8;
            assert!(p[0].abs_diff(want) <= 1, "{i}: {} vs {want}", p[0]);
        }
        assert_eq!(reduce16(65_535), 255);
        assert_eq!(reduce16(0), 0);
        assert_eq!(reduce16(257 * 128), 128);
    }

    #[test]
    fn flatten_and_watermark() {
        let r = solid(2, 1, PixelLayout::Rgba8, &[0, 0, 0, 0]);
        let f = flatten(r, Rgb([1, 2, 3]));
        assert_eq!(f.data, vec![1, 2, 3, 1, 2, 3]);
        let mut base = solid(100, 100, PixelLayout::Rgb8, &[0, 0, 0]);
        let mark = solid(10, 10, PixelLayout::Rgba8, &[255, 255, 255, 255]);
        watermark(&mut base, &mark, Gravity::SouthEast, 0.2, 1.0, 5, false).unwrap();
        let px = |x: usize, y: usize| base.data[(y * 100 + x) * 3];
        assert_eq!(px(90, 90), 255);
        assert_eq!(px(10, 10), 0);
        assert_eq!(px(96, 96), 0, "the margin stays clear");
        let mut tiled = solid(100, 100, PixelLayout::Rgb8, &[0, 0, 0]);
        watermark(&mut tiled, &mark, Gravity::Center, 0.1, 0.5, 10, true).unwrap();
        let lit = tiled.data.chunks(3).filter(|p| p[0] > 100).count();
        assert!(lit > 1000 && lit < 5000, "{lit}");
    }

    #[test]
    fn sharpen_increases_edge_contrast() {
        let mut r = solid(8, 8, PixelLayout::Rgb8, &[100, 100, 100]);
        for y in 0..8 {
            for x in 4..8 {
                r.data[(y * 8 + x) * 3..(y * 8 + x) * 3 + 3].copy_from_slice(&[150, 150, 150]);
            }
        }
        sharpen(&mut r, 1.0);
        assert!(r.data[(8 * 3 + 3) * 3] < 100 && r.data[(8 * 3 + 4) * 3] > 150);
    }
}
