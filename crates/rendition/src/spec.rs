//! Rendition specs, named presets and the geometry they imply.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{RenditionError, Result};

/// How the source is fitted into the target size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Fit {
    /// Scale to fit inside `width` x `height`, keeping the aspect ratio (either may be
    /// omitted: then only the other bounds the size).
    Contain,
    /// Scale to cover `width` x `height` and crop the overflow at the [`Gravity`].
    Cover,
    /// Scale to exactly `width` x `height`, distorting the aspect ratio if needed.
    Exact,
    /// Scale so that the longer edge is `size` pixels.
    #[default]
    LongEdge,
}

/// Where a crop (fit `cover`) or a watermark is anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Gravity {
    /// Centre.
    #[default]
    Center,
    /// Top edge, centred horizontally.
    North,
    /// Bottom edge, centred horizontally.
    South,
    /// Right edge, centred vertically.
    East,
    /// Left edge, centred vertically.
    West,
    /// Top-left corner.
    NorthWest,
    /// Top-right corner.
    NorthEast,
    /// Bottom-left corner.
    SouthWest,
    /// Bottom-right corner.
    SouthEast,
}

impl Gravity {
    /// Horizontal and vertical anchor in 0..=1 (0 = left/top, 1 = right/bottom).
    pub fn anchor(self) -> (f64, f64) {
        match self {
            Gravity::Center => (0.5, 0.5),
            Gravity::North => (0.5, 0.0),
            Gravity::South => (0.5, 1.0),
            Gravity::East => (1.0, 0.5),
            Gravity::West => (0.0, 0.5),
            Gravity::NorthWest => (0.0, 0.0),
            Gravity::NorthEast => (1.0, 0.0),
            Gravity::SouthWest => (0.0, 1.0),
            Gravity::SouthEast => (1.0, 1.0),
        }
    }
}

/// Output file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Format {
    /// Baseline or progressive JPEG (jpeg-encoder).
    #[default]
    Jpeg,
    /// PNG, 8-bit RGB or RGBA.
    Png,
    /// WebP: lossless when `quality` is 100 (pure Rust, image-webp), else lossy (feature
    /// `webp-lossy`).
    #[serde(alias = "webp")]
    WebP,
    /// AVIF (AV1 still image, 8-bit 4:4:4 via ravif/rav1e): needs the non-default `avif`
    /// feature; without it encoding an AVIF rendition is a clear error.
    Avif,
}

impl Format {
    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::WebP => "webp",
            Format::Avif => "avif",
        }
    }

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::WebP => "WebP",
            Format::Avif => "AVIF",
        }
    }
}

impl FromStr for Format {
    type Err = RenditionError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "jpeg" | "jpg" => Ok(Format::Jpeg),
            "png" => Ok(Format::Png),
            "webp" => Ok(Format::WebP),
            "avif" => Ok(Format::Avif),
            other => Err(RenditionError::Preset(format!(
                "unknown output format {other:?} (expected jpeg, png, webp or avif)"
            ))),
        }
    }
}

/// The resampling filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Filter {
    /// Lanczos, 3 lobes: the sharpest, the default (as libvips).
    #[default]
    Lanczos3,
    /// Catmull-Rom bicubic.
    CatmullRom,
    /// Mitchell-Netravali bicubic.
    Mitchell,
    /// Hamming: bilinear speed, near-bicubic quality for downscaling.
    Hamming,
    /// Bilinear.
    Bilinear,
    /// Box (area average).
    Box,
    /// Nearest neighbour.
    Nearest,
}

/// JPEG chroma subsampling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Chroma {
    /// Full-resolution chroma.
    #[serde(rename = "4:4:4")]
    Yuv444,
    /// Half horizontal chroma resolution.
    #[serde(rename = "4:2:2")]
    Yuv422,
    /// Half horizontal and vertical chroma resolution (the web default).
    #[default]
    #[serde(rename = "4:2:0")]
    Yuv420,
}

/// Which source metadata is carried into the rendition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum MetadataPolicy {
    /// Nothing.
    Strip,
    /// The rights: EXIF `Artist` and `Copyright`, the XMP rights properties and (JPEG only)
    /// the IIM rights datasets. JPEG, PNG and WebP outputs carry them; AVIF carries nothing.
    /// The default.
    #[default]
    Rights,
    /// The primary-image EXIF tags (camera, exposure, dates, rights, descriptions), never GPS,
    /// maker notes or the embedded thumbnail, and the XMP without GPS (and IIM in JPEG).
    AllButGps,
}

/// An sRGB colour, written `"#rrggbb"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub [u8; 3]);

impl Rgb {
    /// White.
    pub const WHITE: Rgb = Rgb([255, 255, 255]);
}

impl Default for Rgb {
    fn default() -> Self {
        Rgb::WHITE
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

impl FromStr for Rgb {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let hex = s.strip_prefix('#').unwrap_or(s);
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("colour {s:?} is not #rrggbb"));
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|e| e.to_string());
        Ok(Rgb([byte(0)?, byte(2)?, byte(4)?]))
    }
}

impl Serialize for Rgb {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A watermark overlaid on the rendition (after resizing, in display orientation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Watermark {
    /// The overlay image: a PNG (or any supported input) with alpha.
    pub path: PathBuf,
    /// Where it goes (ignored when `tiled`).
    pub position: Gravity,
    /// Width of the watermark as a fraction of the rendition's width (0 < scale <= 1).
    pub scale: f32,
    /// Opacity, 0 (invisible) to 1 (as drawn).
    pub opacity: f32,
    /// Distance from the edges, in output pixels (and the gap between tiles).
    pub margin: u32,
    /// Repeat across the whole image.
    pub tiled: bool,
}

impl Default for Watermark {
    fn default() -> Self {
        Watermark {
            path: PathBuf::new(),
            position: Gravity::SouthEast,
            scale: 0.2,
            opacity: 0.5,
            margin: 16,
            tiled: false,
        }
    }
}

impl Watermark {
    /// A watermark from `path` with the defaults (bottom-right, 20 % wide, 50 % opaque).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Watermark {
            path: path.into(),
            ..Watermark::default()
        }
    }
}

/// Everything that defines one rendition.
///
/// Deserialised from presets with every field optional (see [`Presets`]); the defaults are a
/// 256 px long-edge JPEG at quality 80, 4:2:0, Lanczos3, white background, rights metadata.
/// Build one with struct-update syntax: `RenditionSpec { quality: 90, ..RenditionSpec::default() }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RenditionSpec {
    /// The preset name; output files are named `STEM-NAME.EXT`.
    pub name: String,
    /// How the source is fitted.
    pub fit: Fit,
    /// Target width (fits `contain`, `cover`, `exact`).
    pub width: Option<u32>,
    /// Target height (fits `contain`, `cover`, `exact`).
    pub height: Option<u32>,
    /// Long-edge length (fit `long-edge`; 256 when absent).
    pub size: Option<u32>,
    /// Crop anchor for fit `cover`.
    pub gravity: Gravity,
    /// Allow upscaling a source smaller than the target (default: no, as vipsthumbnail).
    pub enlarge: bool,
    /// Output format.
    pub format: Format,
    /// Quality 1..=100 (JPEG, lossy WebP; WebP 100 = lossless; PNG ignores it).
    pub quality: u8,
    /// JPEG chroma subsampling.
    pub chroma: Chroma,
    /// Progressive JPEG.
    pub progressive: bool,
    /// Background that transparent pixels are flattened onto for JPEG output.
    pub background: Rgb,
    /// Unsharp-mask amount after resizing (0 = none; 0.3-1.0 is typical for thumbnails).
    pub sharpen: f32,
    /// Resampling filter.
    pub filter: Filter,
    /// Metadata carried over.
    pub metadata: MetadataPolicy,
    /// Optional watermark.
    pub watermark: Option<Watermark>,
}

impl Default for RenditionSpec {
    fn default() -> Self {
        RenditionSpec {
            name: "rendition".into(),
            fit: Fit::LongEdge,
            width: None,
            height: None,
            size: None,
            gravity: Gravity::Center,
            enlarge: false,
            format: Format::Jpeg,
            quality: 80,
            chroma: Chroma::Yuv420,
            progressive: false,
            background: Rgb::WHITE,
            sharpen: 0.0,
            filter: Filter::Lanczos3,
            metadata: MetadataPolicy::Rights,
            watermark: None,
        }
    }
}

/// Output geometry of a spec applied to a source, in display (oriented) coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// The source rectangle `(x, y, w, h)` that maps onto the output, in display
    /// coordinates of the full-size source.
    pub crop: (f64, f64, f64, f64),
}

impl Geometry {
    /// The smallest source-to-output scale factor along either axis (how many source pixels
    /// per output pixel, at least).
    pub fn shrink(&self) -> f64 {
        let sx = self.crop.2 / f64::from(self.width.max(1));
        let sy = self.crop.3 / f64::from(self.height.max(1));
        sx.min(sy)
    }
}

fn round_dim(v: f64) -> u32 {
    (v.round() as u32).max(1)
}

impl RenditionSpec {
    /// A long-edge JPEG spec named `name`.
    pub fn long_edge(name: impl Into<String>, size: u32) -> Self {
        RenditionSpec {
            name: name.into(),
            fit: Fit::LongEdge,
            size: Some(size),
            ..RenditionSpec::default()
        }
    }

    /// A spec with the given fit and box.
    pub fn boxed(name: impl Into<String>, fit: Fit, width: u32, height: u32) -> Self {
        RenditionSpec {
            name: name.into(),
            fit,
            width: Some(width),
            height: Some(height),
            size: None,
            ..RenditionSpec::default()
        }
    }

    /// Checks the spec for contradictions and out-of-range values.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| {
            Err(RenditionError::Spec {
                name: self.name.clone(),
                message: m.to_string(),
            })
        };
        if self.name.is_empty()
            || self
                .name
                .chars()
                .any(|c| matches!(c, '/' | '\\' | '\0' | ':') || c.is_control())
            || self.name == "."
            || self.name == ".."
        {
            return bad("the name must be non-empty and usable in a file name");
        }
        if !(1..=100).contains(&self.quality) {
            return bad("quality must be in 1..=100");
        }
        let dim_ok = |d: Option<u32>| d.is_none_or(|v| (1..=65_535).contains(&v));
        if !dim_ok(self.width) || !dim_ok(self.height) || !dim_ok(self.size) {
            return bad("sizes must be in 1..=65535");
        }
        match self.fit {
            Fit::Contain if self.width.is_none() && self.height.is_none() => {
                return bad("fit contain needs `width` or `height`");
            }
            Fit::Cover | Fit::Exact if self.width.is_none() || self.height.is_none() => {
                return bad("fits cover and exact need `width` and `height`");
            }
            _ => {}
        }
        if !(0.0..=10.0).contains(&self.sharpen) {
            return bad("sharpen must be in 0..=10");
        }
        if let Some(w) = &self.watermark {
            if !(w.scale > 0.0 && w.scale <= 1.0) {
                return bad("watermark scale must be in (0, 1]");
            }
            if !(0.0..=1.0).contains(&w.opacity) {
                return bad("watermark opacity must be in 0..=1");
            }
        }
        Ok(())
    }

    /// The output geometry for a source of display size `src_w` x `src_h`.
    pub fn geometry(&self, src_w: u32, src_h: u32) -> Geometry {
        let (sw, sh) = (f64::from(src_w.max(1)), f64::from(src_h.max(1)));
        let full = (0.0, 0.0, sw, sh);
        let clamp = |s: f64| if self.enlarge { s } else { s.min(1.0) };
        match self.fit {
            Fit::LongEdge => {
                let size = f64::from(self.size.unwrap_or(256));
                let s = clamp(size / sw.max(sh));
                Geometry {
                    width: round_dim(sw * s),
                    height: round_dim(sh * s),
                    crop: full,
                }
            }
            Fit::Contain => {
                let sx = self.width.map_or(f64::INFINITY, |w| f64::from(w) / sw);
                let sy = self.height.map_or(f64::INFINITY, |h| f64::from(h) / sh);
                let s = clamp(sx.min(sy));
                Geometry {
                    width: round_dim(sw * s),
                    height: round_dim(sh * s),
                    crop: full,
                }
            }
            Fit::Exact => {
                let (w, h) = (self.width.unwrap_or(1), self.height.unwrap_or(1));
                Geometry {
                    width: w.max(1),
                    height: h.max(1),
                    crop: full,
                }
            }
            Fit::Cover => {
                let (tw, th) = (
                    f64::from(self.width.unwrap_or(1).max(1)),
                    f64::from(self.height.unwrap_or(1).max(1)),
                );
                let s = (tw / sw).max(th / sh);
                // Without enlarging, a small source gives a smaller output of the same aspect.
                let (ow, oh) = if s > 1.0 && !self.enlarge {
                    let k = (sw / tw).min(sh / th);
                    (tw * k, th * k)
                } else {
                    (tw, th)
                };
                let scale = (ow / sw).max(oh / sh);
                let (cw, ch) = ((ow / scale).min(sw), (oh / scale).min(sh));
                let (ax, ay) = self.gravity.anchor();
                Geometry {
                    width: round_dim(ow),
                    height: round_dim(oh),
                    crop: ((sw - cw) * ax, (sh - ch) * ay, cw, ch),
                }
            }
        }
    }
}

/// The libvips rule for JPEG shrink-on-load: the largest DCT scale-down (1, 2, 4 or 8) that
/// leaves at least a factor of two for the final resize.
pub fn jpeg_shrink_factor(shrink: f64) -> u32 {
    if shrink >= 16.0 {
        8
    } else if shrink >= 8.0 {
        4
    } else if shrink >= 4.0 {
        2
    } else {
        1
    }
}

/// A set of named [`RenditionSpec`]s.
///
/// The built-in set ([`Presets::builtin`]):
///
/// | name | fit | size | format |
/// |---|---|---|---|
/// | `thumb-256` | long edge | 256 | JPEG q80 |
/// | `thumb-512` | long edge | 512 | JPEG q80 |
/// | `preview-1024` | long edge | 1024 | JPEG q82 |
/// | `web-2048` | long edge | 2048 | JPEG q85, progressive |
/// | `og-1200x630` | cover, centre | 1200 x 630 | JPEG q85 |
/// | `square-1080` | cover, centre | 1080 x 1080 | JPEG q85 |
/// | `contain-800x600` | contain | 800 x 600 | JPEG q82 |
/// | `png-512` | long edge | 512 | PNG |
/// | `webp-1024` | long edge | 1024 | WebP q80 |
///
/// Preset files (TOML or JSON) have a `presets` table of specs keyed by name; every spec
/// field is optional:
///
/// ```
/// use damkit_rendition::{Fit, Presets};
///
/// let presets = Presets::from_toml_str(r#"
///     [presets.hero-1600x900]
///     fit = "cover"
///     width = 1600
///     height = 900
///     gravity = "north"
///     quality = 88
/// "#)?;
/// let spec = presets.get("hero-1600x900")?;
/// assert_eq!(spec.fit, Fit::Cover);
/// assert_eq!(spec.name, "hero-1600x900");
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Presets {
    /// Specs by name.
    #[serde(default)]
    pub presets: BTreeMap<String, RenditionSpec>,
}

impl Presets {
    /// The built-in presets (see the table above).
    pub fn builtin() -> Self {
        let mut p = Presets::default();
        let mut add = |s: RenditionSpec| {
            p.presets.insert(s.name.clone(), s);
        };
        add(RenditionSpec::long_edge("thumb-256", 256));
        add(RenditionSpec::long_edge("thumb-512", 512));
        add(RenditionSpec {
            quality: 82,
            ..RenditionSpec::long_edge("preview-1024", 1024)
        });
        add(RenditionSpec {
            quality: 85,
            progressive: true,
            ..RenditionSpec::long_edge("web-2048", 2048)
        });
        add(RenditionSpec {
            quality: 85,
            ..RenditionSpec::boxed("og-1200x630", Fit::Cover, 1200, 630)
        });
        add(RenditionSpec {
            quality: 85,
            ..RenditionSpec::boxed("square-1080", Fit::Cover, 1080, 1080)
        });
        add(RenditionSpec {
            quality: 82,
            ..RenditionSpec::boxed("contain-800x600", Fit::Contain, 800, 600)
        });
        add(RenditionSpec {
            format: Format::Png,
            ..RenditionSpec::long_edge("png-512", 512)
        });
        add(RenditionSpec {
            format: Format::WebP,
            ..RenditionSpec::long_edge("webp-1024", 1024)
        });
        p
    }

    fn named(mut self) -> Result<Self> {
        for (name, spec) in &mut self.presets {
            spec.name.clone_from(name);
            spec.validate()?;
        }
        Ok(self)
    }

    /// Parses presets from TOML.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        let p: Presets =
            toml::from_str(text).map_err(|e| RenditionError::Preset(format!("TOML: {e}")))?;
        p.named()
    }

    /// Parses presets from JSON.
    pub fn from_json_str(text: &str) -> Result<Self> {
        let p: Presets =
            serde_json::from_str(text).map_err(|e| RenditionError::Preset(format!("JSON: {e}")))?;
        p.named()
    }

    /// Loads a preset file: JSON when its name ends in `.json`, else TOML.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| RenditionError::Io {
            action: "reading",
            path: path.to_path_buf(),
            source,
        })?;
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let parsed = if is_json {
            Presets::from_json_str(&text)
        } else {
            Presets::from_toml_str(&text)
        };
        parsed.map_err(|e| RenditionError::Preset(format!("{}: {e}", path.display())))
    }

    /// Adds (or replaces) the presets of `other`.
    pub fn extend(&mut self, other: Presets) {
        self.presets.extend(other.presets);
    }

    /// The spec named `name`.
    pub fn get(&self, name: &str) -> Result<RenditionSpec> {
        self.presets.get(name).cloned().ok_or_else(|| {
            let known: Vec<&str> = self.presets.keys().map(String::as_str).collect();
            RenditionError::Preset(format!(
                "unknown preset {name:?} (known: {})",
                known.join(", ")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_of_each_fit() {
        let g = RenditionSpec::long_edge("t", 256).geometry(4000, 3000);
        assert_eq!((g.width, g.height), (256, 192));
        let g = RenditionSpec::long_edge("t", 256).geometry(100, 50);
        assert_eq!((g.width, g.height), (100, 50), "no enlarging by default");
        let g = RenditionSpec::boxed("c", Fit::Cover, 1200, 630).geometry(4000, 3000);
        assert_eq!((g.width, g.height), (1200, 630));
        let (x, y, w, h) = g.crop;
        assert!((w - 4000.0).abs() < 1e-6 && (h - 2100.0).abs() < 1e-6);
        assert!(x.abs() < 1e-6 && (y - 450.0).abs() < 1e-6);
        let mut north = RenditionSpec::boxed("c", Fit::Cover, 100, 100);
        north.gravity = Gravity::North;
        let g = north.geometry(300, 600);
        assert_eq!(g.crop, (0.0, 0.0, 300.0, 300.0));
        let g = RenditionSpec::boxed("c", Fit::Contain, 800, 600).geometry(3000, 4000);
        assert_eq!((g.width, g.height), (450, 600));
        let g = RenditionSpec::boxed("e", Fit::Exact, 64, 64).geometry(3000, 4000);
        assert_eq!((g.width, g.height), (64, 64));
    }

    #[test]
    fn shrink_on_load_rule() {
        assert_eq!(jpeg_shrink_factor(15.6), 2 * 2);
        assert_eq!(jpeg_shrink_factor(23.4), 8);
        assert_eq!(jpeg_shrink_factor(1.95), 1);
        assert_eq!(jpeg_shrink_factor(3.9), 1);
        assert_eq!(jpeg_shrink_factor(4.0), 2);
    }

    #[test]
    fn builtin_presets_are_valid_and_roundtrip() {
        let p = Presets::builtin();
        for spec in p.presets.values() {
            spec.validate().unwrap();
        }
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(Presets::from_json_str(&json).unwrap(), p);
        let toml_text = toml::to_string(&p).unwrap();
        assert_eq!(Presets::from_toml_str(&toml_text).unwrap(), p);
        assert!(p.get("nope").unwrap_err().to_string().contains("thumb-256"));
    }

    #[test]
    fn bad_specs_are_refused() {
        let bad = [
            "[presets.a]\nquality = 0",
            "[presets.a]\nfit = \"cover\"\nwidth = 10",
            "[presets.a]\nfit = \"long-edge\"\nsize = 0",
            "[presets.a]\nbackground = \"#12\"",
            "[presets.a]\nunknown = 1",
            "[presets.\"a/b\"]\nsize = 10",
        ];
        for text in bad {
            assert!(Presets::from_toml_str(text).is_err(), "{text}");
        }
    }
}
