//! Colour management: embedded ICC profiles to sRGB with moxcms.
//!
//! Conversion happens *after* resizing (on the small output raster, as libvips does), so its
//! cost does not grow with the source size. CMYK sources are resized in CMYK and converted
//! here; untagged CMYK is converted with the bundled CMYK profile ([`BUNDLED_CMYK_PROFILE`]:
//! built from Fogra's FOGRA39L characterisation data, ISO Coated v2, the most common
//! European press condition and the usual default of image tools; see
//! `profiles/README.md`).

use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};

use crate::error::{RenditionError, Result};
use crate::raster::{PixelLayout, Raster};

/// A parsed source profile, ready to convert rasters of one layout to sRGB.
pub(crate) struct ToSrgb {
    kind: Kind,
}

/// The CMYK profile assumed for CMYK pixels without an embedded profile: an ICC v2 output
/// profile (A2B tables only) made with ArgyllCMS `colprof` from FOGRA39L.ti3 (Fogra's
/// characterisation of ISO 12647-2 offset on coated paper, as shipped by Debian's
/// `icc-profiles-free`, Zlib licence). How it was built: `profiles/README.md`.
pub const BUNDLED_CMYK_PROFILE: &[u8] = include_bytes!("../profiles/damkit-fogra39.icc");

/// The bundled CMYK → sRGB transform, made once per process.
fn bundled_cmyk() -> Option<std::sync::Arc<moxcms::Transform8BitExecutor>> {
    static T: std::sync::OnceLock<Option<std::sync::Arc<moxcms::Transform8BitExecutor>>> =
        std::sync::OnceLock::new();
    T.get_or_init(|| {
        let p = ColorProfile::new_from_slice(BUNDLED_CMYK_PROFILE).ok()?;
        p.create_transform_8bit(
            Layout::Rgba,
            &ColorProfile::new_srgb(),
            Layout::Rgb,
            TransformOptions::default(),
        )
        .ok()
    })
    .clone()
}

enum Kind {
    /// Data is already sRGB (or untagged RGB, taken as sRGB).
    Identity,
    /// Untagged CMYK when the bundled profile is unusable (never, tested): naive formula.
    NaiveCmyk,
    /// A moxcms transform from the source layout to RGB(A).
    Icc(std::sync::Arc<moxcms::Transform8BitExecutor>, PixelLayout),
    /// A grey profile on a grey source, whose pixels arrive expanded to RGB(A) (R = G = B):
    /// the grey channel goes through a moxcms Gray(Alpha) → RGB(A) transform of the
    /// raster's layout. Rasters whose channels differ (an RGB image wrongly tagged with a
    /// grey profile) are passed through as sRGB.
    Gray(std::sync::Arc<moxcms::Transform8BitExecutor>, PixelLayout),
}

impl ToSrgb {
    /// Prepares the conversion of rasters of `layout` tagged with `icc`. A grey profile
    /// applies to grey sources (expanded to RGB or RGBA by the decoders). A profile that does
    /// not fit the data (a CMYK profile on RGB, an RGB or grey one on CMYK) or cannot be
    /// parsed is ignored with a warning.
    pub(crate) fn new(layout: PixelLayout, icc: Option<&[u8]>, warnings: &mut Vec<String>) -> Self {
        let fallback = if layout == PixelLayout::Cmyk8 {
            match bundled_cmyk() {
                Some(t) => Kind::Icc(t, PixelLayout::Cmyk8),
                None => Kind::NaiveCmyk,
            }
        } else {
            Kind::Identity
        };
        let Some(icc) = icc else {
            return ToSrgb { kind: fallback };
        };
        let profile = match ColorProfile::new_from_slice(icc) {
            Ok(p) => p,
            Err(e) => {
                warnings.push(format!("embedded ICC profile ignored: {e}"));
                return ToSrgb { kind: fallback };
            }
        };
        let gray = profile.color_space == DataColorSpace::Gray && layout != PixelLayout::Cmyk8;
        let (src_layout, wanted) = match layout {
            PixelLayout::Rgb8 if gray => (Layout::Gray, DataColorSpace::Gray),
            PixelLayout::Rgba8 if gray => (Layout::GrayAlpha, DataColorSpace::Gray),
            PixelLayout::Rgb8 => (Layout::Rgb, DataColorSpace::Rgb),
            PixelLayout::Rgba8 => (Layout::Rgba, DataColorSpace::Rgb),
            PixelLayout::Cmyk8 => (Layout::Rgba, DataColorSpace::Cmyk),
        };
        if profile.color_space != wanted {
            warnings.push(format!(
                "embedded ICC profile ignored: its colour space {:?} does not match the {:?} pixels",
                profile.color_space, layout
            ));
            return ToSrgb { kind: fallback };
        }
        let dst_layout = if layout == PixelLayout::Rgba8 {
            Layout::Rgba
        } else {
            Layout::Rgb
        };
        let srgb = ColorProfile::new_srgb();
        match profile.create_transform_8bit(
            src_layout,
            &srgb,
            dst_layout,
            TransformOptions::default(),
        ) {
            Ok(t) if gray => ToSrgb {
                kind: Kind::Gray(t, layout),
            },
            Ok(t) => ToSrgb {
                kind: Kind::Icc(t, layout),
            },
            Err(e) => {
                warnings.push(format!("embedded ICC profile ignored: {e}"));
                ToSrgb { kind: fallback }
            }
        }
    }

    /// Converts `raster` to sRGB RGB8 or RGBA8.
    pub(crate) fn apply(&self, raster: Raster) -> Result<Raster> {
        match &self.kind {
            Kind::Identity => Ok(raster),
            Kind::NaiveCmyk => Ok(naive_cmyk(&raster)),
            Kind::Icc(t, layout) => {
                if raster.layout != *layout {
                    return Err(RenditionError::Color(format!(
                        "transform made for {layout:?} applied to {:?}",
                        raster.layout
                    )));
                }
                let out_layout = if *layout == PixelLayout::Rgba8 {
                    PixelLayout::Rgba8
                } else {
                    PixelLayout::Rgb8
                };
                let n = raster.width as usize * raster.height as usize;
                let mut out = vec![0u8; n * out_layout.channels()];
                t.transform(&raster.data, &mut out)
                    .map_err(|e| RenditionError::Color(e.to_string()))?;
                Ok(Raster {
                    width: raster.width,
                    height: raster.height,
                    layout: out_layout,
                    data: out,
                })
            }
            Kind::Gray(t, layout) => {
                if raster.layout != *layout {
                    return Err(RenditionError::Color(format!(
                        "transform made for grey as {layout:?} applied to {:?}",
                        raster.layout
                    )));
                }
                let n = raster.layout.channels();
                // Grey (and alpha) out of the expanded pixels, if they are grey at all.
                let mut gray = Vec::with_capacity(raster.data.len() / n * (n - 2));
                for p in raster.data.chunks_exact(n) {
                    if p[0] != p[1] || p[1] != p[2] {
                        return Ok(raster);
                    }
                    gray.push(p[0]);
                    if n == 4 {
                        gray.push(p[3]);
                    }
                }
                let mut out = vec![0u8; raster.data.len()];
                t.transform(&gray, &mut out)
                    .map_err(|e| RenditionError::Color(e.to_string()))?;
                Ok(Raster {
                    data: out,
                    ..raster
                })
            }
        }
    }
}

/// `R = (1 - C)(1 - K)` and so on: what viewers without colour management show.
fn naive_cmyk(r: &Raster) -> Raster {
    let data = r
        .data
        .chunks_exact(4)
        .flat_map(|p| {
            let k = 255 - u32::from(p[3]);
            let ch = |c: u8| ((255 - u32::from(c)) * k / 255) as u8;
            [ch(p[0]), ch(p[1]), ch(p[2])]
        })
        .collect();
    Raster {
        width: r.width,
        height: r.height,
        layout: PixelLayout::Rgb8,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adobe_rgb_saturated_green_moves_out_of_srgb_gamut_clipped() {
        let adobe = ColorProfile::new_adobe_rgb().encode().unwrap();
        let mut w = Vec::new();
        let t = ToSrgb::new(PixelLayout::Rgb8, Some(&adobe), &mut w);
        assert!(w.is_empty(), "{w:?}");
        let r = Raster {
            width: 2,
            height: 1,
            layout: PixelLayout::Rgb8,
            data: vec![0, 255, 0, 128, 128, 128],
        };
        let out = t.apply(r).unwrap();
        // Adobe RGB green is outside sRGB: red clips to 0, green stays at 255.
        assert_eq!(out.data[0], 0);
        assert_eq!(out.data[1], 255);
        // A neutral grey stays neutral (same gamma 2.2 vs sRGB curve: close to 128).
        let g = &out.data[3..6];
        assert!(
            g[0].abs_diff(g[1]) <= 1 && g[1].abs_diff(g[2]) <= 1,
            "{g:?}"
        );
    }

    #[test]
    fn mismatched_or_broken_profiles_are_ignored_with_a_warning() {
        let mut w = Vec::new();
        let _ = ToSrgb::new(PixelLayout::Rgb8, Some(b"not a profile"), &mut w);
        assert_eq!(w.len(), 1);
        let gray = ColorProfile::new_gray_with_gamma(2.2).encode().unwrap();
        let _ = ToSrgb::new(PixelLayout::Cmyk8, Some(&gray), &mut w);
        assert_eq!(w.len(), 2);
        let rgb = ColorProfile::new_srgb().encode().unwrap();
        let _ = ToSrgb::new(PixelLayout::Cmyk8, Some(&rgb), &mut w);
        assert_eq!(w.len(), 3);
    }

    /// A grey profile applies to grey pixels (expanded to RGB or RGBA): with a linear
    /// (gamma 1.0) profile, grey 128 is half the light, sRGB 188; black and white stay;
    /// alpha is kept. Pixels that are not grey pass through unchanged.
    #[test]
    fn grey_profiles_convert_grey_pixels() {
        let linear = ColorProfile::new_gray_with_gamma(1.0).encode().unwrap();
        let mut w = Vec::new();
        let t = ToSrgb::new(PixelLayout::Rgb8, Some(&linear), &mut w);
        assert!(w.is_empty(), "{w:?}");
        let r = Raster {
            width: 3,
            height: 1,
            layout: PixelLayout::Rgb8,
            data: vec![0, 0, 0, 128, 128, 128, 255, 255, 255],
        };
        let out = t.apply(r).unwrap();
        assert_eq!(out.layout, PixelLayout::Rgb8);
        assert_eq!(&out.data[..3], &[0, 0, 0]);
        assert!(
            out.data[3..6].iter().all(|&v| v.abs_diff(188) <= 1),
            "{out:?}"
        );
        assert!(out.data[6..].iter().all(|&v| v >= 254), "{out:?}");
        let t = ToSrgb::new(PixelLayout::Rgba8, Some(&linear), &mut w);
        let r = Raster {
            width: 1,
            height: 1,
            layout: PixelLayout::Rgba8,
            data: vec![128, 128, 128, 77],
        };
        let out = t.apply(r).unwrap();
        assert!(
            out.data[..3].iter().all(|&v| v.abs_diff(188) <= 1),
            "{out:?}"
        );
        assert_eq!(out.data[3], 77);
        let colour = Raster {
            width: 1,
            height: 1,
            layout: PixelLayout::Rgba8,
            data: vec![10, 128, 128, 77],
        };
        assert_eq!(t.apply(colour.clone()).unwrap().data, colour.data);
    }

    #[test]
    fn naive_cmyk_maps_paper_and_ink() {
        let r = Raster {
            width: 2,
            height: 1,
            layout: PixelLayout::Cmyk8,
            data: vec![0, 0, 0, 0, 0, 0, 0, 255],
        };
        let out = naive_cmyk(&r);
        assert_eq!(out.data, vec![255, 255, 255, 0, 0, 0]);
    }
}
