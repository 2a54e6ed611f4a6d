//! Untagged CMYK: converted with the bundled FOGRA39 profile, checked against LittleCMS
//! (ImageMagick) with the same profile.

use damkit_rendition::{BUNDLED_CMYK_PROFILE, Raster, Renderer, RenditionSpec};

use crate::support::{data, psnr, read, rgb_of};

/// CIE L*a*b* (D65) of sRGB pixels.
fn lab(r: &Raster) -> Vec<[f64; 3]> {
    let lin = |v: u8| {
        let c = f64::from(v) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let f = |t: f64| {
        if t > 0.008856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    r.data
        .chunks_exact(r.layout.channels())
        .map(|p| {
            let (r, g, b) = (lin(p[0]), lin(p[1]), lin(p[2]));
            let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.950_47;
            let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
            let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.088_83;
            let (fx, fy, fz) = (f(x), f(y), f(z));
            [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
        })
        .collect()
}

/// Mean and largest CIE76 ΔE between two images of the same size.
fn delta_e(a: &Raster, b: &Raster) -> (f64, f64) {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let d: Vec<f64> = lab(a)
        .iter()
        .zip(lab(b))
        .map(|(p, q)| {
            ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt()
        })
        .collect();
    (
        d.iter().sum::<f64>() / d.len() as f64,
        d.iter().copied().fold(0.0, f64::max),
    )
}

#[test]
fn bundled_profile_is_a_compact_cmyk_profile() {
    assert!(BUNDLED_CMYK_PROFILE.len() < 100_000);
    let p = moxcms::ColorProfile::new_from_slice(BUNDLED_CMYK_PROFILE).unwrap();
    assert_eq!(p.color_space, moxcms::DataColorSpace::Cmyk);
}

/// `cmyk-lcms-fogra39.png` / `cmyk-tif-lcms-fogra39.png`: ImageMagick 6.9.11 with LittleCMS
/// 2.14, `convert IN -profile profiles/damkit-fogra39.icc -profile sRGB.icc OUT.png`
/// (`sRGB.icc` from Debian's icc-profiles-free). Measured: mean ΔE76 0.61 (max 2.7), 50.3 dB
/// on cmyk.jpg; the naive formula used before was 12.1 (max 28.9), 18.7 dB; vipsthumbnail
/// 8.14 (its own fallback CMYK profile) 5.8, 26.7 dB.
#[test]
fn untagged_cmyk_matches_littlecms_with_the_bundled_profile() {
    for (input, reference) in [
        ("cmyk.jpg", "cmyk-lcms-fogra39.png"),
        ("cmyk.tif", "cmyk-tif-lcms-fogra39.png"),
    ] {
        let bytes = read(&data(input));
        let want = rgb_of(&read(&data(reference)));
        // Rendered at the source size: no resampling in the comparison.
        let spec = RenditionSpec::long_edge("t", want.width.max(want.height));
        let got = Renderer::new().render_pixels(&bytes, &spec).unwrap();
        let p = psnr(&got, &want);
        let (mean, max) = delta_e(&got, &want);
        eprintln!("{input}: {p:.1} dB, mean dE76 {mean:.2}, max {max:.2} against LittleCMS");
        assert!(p >= 42.0, "{input}: {p:.1} dB from LittleCMS");
        assert!(
            mean <= 1.2 && max <= 6.0,
            "{input}: dE76 mean {mean:.2}, max {max:.2}"
        );
        // The check tells conversions apart: the naive `(1 - C)(1 - K)` formula (the
        // `image` crate's CMYK decoding, and what damkit did before) is far off.
        if let Ok(img) = image::load_from_memory(&bytes) {
            let img = img.into_rgb8();
            let n = Raster {
                width: img.width(),
                height: img.height(),
                layout: damkit_rendition::PixelLayout::Rgb8,
                data: img.into_raw(),
            };
            let (nm, _) = delta_e(&n, &want);
            assert!(nm > 5.0, "{input}: naive conversion only {nm:.2} away");
        }
    }
}
