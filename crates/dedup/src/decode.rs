//! Decoding to 8-bit luma, with limits, EXIF orientation and reduced-size JPEG decoding.

use std::io::Cursor;
use std::path::Path;

use damkit_core::{Limits, MediaType};
use image::{DynamicImage, ImageDecoder, ImageReader};

use crate::error::{DedupError, Result};

/// An 8-bit grayscale image, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height` luma values, row by row.
    pub pixels: Vec<u8>,
}

/// One of the 8 rotations and flips of a rectangle (the dihedral group D4).
///
/// Each is "transpose (optionally), then mirror left-right (optionally), then mirror
/// top-bottom (optionally)".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dihedral {
    /// Unchanged.
    Identity,
    /// Rotated 90° clockwise.
    Rotate90,
    /// Rotated 180°.
    Rotate180,
    /// Rotated 270° clockwise (90° counter-clockwise).
    Rotate270,
    /// Mirrored left-right.
    FlipHorizontal,
    /// Mirrored top-bottom.
    FlipVertical,
    /// Mirrored about the main diagonal.
    Transpose,
    /// Mirrored about the anti-diagonal.
    Transverse,
}

impl Dihedral {
    /// All 8, identity first.
    pub const ALL: [Dihedral; 8] = [
        Dihedral::Identity,
        Dihedral::Rotate90,
        Dihedral::Rotate180,
        Dihedral::Rotate270,
        Dihedral::FlipHorizontal,
        Dihedral::FlipVertical,
        Dihedral::Transpose,
        Dihedral::Transverse,
    ];

    /// (transpose, mirror left-right, mirror top-bottom), applied in that order.
    pub fn parts(self) -> (bool, bool, bool) {
        match self {
            Dihedral::Identity => (false, false, false),
            Dihedral::FlipHorizontal => (false, true, false),
            Dihedral::FlipVertical => (false, false, true),
            Dihedral::Rotate180 => (false, true, true),
            Dihedral::Transpose => (true, false, false),
            Dihedral::Rotate90 => (true, true, false),
            Dihedral::Rotate270 => (true, false, true),
            Dihedral::Transverse => (true, true, true),
        }
    }

    /// The transform that displays an image stored with EXIF orientation `o` (1–8) upright.
    pub fn from_exif_orientation(o: u16) -> Option<Dihedral> {
        Some(match o {
            1 => Dihedral::Identity,
            2 => Dihedral::FlipHorizontal,
            3 => Dihedral::Rotate180,
            4 => Dihedral::FlipVertical,
            5 => Dihedral::Transpose,
            6 => Dihedral::Rotate90,
            7 => Dihedral::Transverse,
            8 => Dihedral::Rotate270,
            _ => return None,
        })
    }
}

impl GrayImage {
    /// An image from its pixels; `None` when the length does not match.
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Option<Self> {
        (pixels.len() as u64 == u64::from(width) * u64::from(height)).then_some(GrayImage {
            width,
            height,
            pixels,
        })
    }

    /// The pixel at (x, y).
    #[inline]
    pub fn get(&self, x: u32, y: u32) -> u8 {
        self.pixels[y as usize * self.width as usize + x as usize]
    }

    /// The image rotated or flipped.
    pub fn transformed(&self, t: Dihedral) -> GrayImage {
        let (width, height, pixels) = transform_plane(self.width, self.height, &self.pixels, t);
        GrayImage {
            width,
            height,
            pixels,
        }
    }

    /// The centred crop keeping `fraction` (0–1] of the width and of the height.
    pub fn centre_crop(&self, fraction: f32) -> GrayImage {
        self.crop(Crop::centre(fraction))
    }

    fn crop_rect(&self, c: Crop) -> (u32, u32, u32, u32) {
        let f = c.fraction.clamp(0.01, 1.0);
        let cw = ((self.width as f32 * f).round() as u32).clamp(1, self.width.max(1));
        let ch = ((self.height as f32 * f).round() as u32).clamp(1, self.height.max(1));
        let (sx, sy) = (self.width - cw, self.height - ch);
        let (x0, y0) = match c.anchor {
            Anchor::Centre => (sx / 2, sy / 2),
            Anchor::TopLeft => (0, 0),
            Anchor::TopRight => (sx, 0),
            Anchor::BottomLeft => (0, sy),
            Anchor::BottomRight => (sx, sy),
        };
        (x0, y0, cw, ch)
    }

    /// A crop keeping `fraction` of the width and height at an anchor.
    pub fn crop(&self, c: Crop) -> GrayImage {
        let (x0, y0, cw, ch) = self.crop_rect(c);
        let mut out = Vec::with_capacity(cw as usize * ch as usize);
        for y in y0..y0 + ch {
            let row = y as usize * self.width as usize;
            out.extend_from_slice(&self.pixels[row + x0 as usize..row + (x0 + cw) as usize]);
        }
        GrayImage {
            width: cw,
            height: ch,
            pixels: out,
        }
    }
}

/// Where a crop sits in the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Anchor {
    /// Centred.
    Centre,
    /// Touching the top and left edges (the right and bottom were cut).
    TopLeft,
    /// Touching the top and right edges.
    TopRight,
    /// Touching the bottom and left edges.
    BottomLeft,
    /// Touching the bottom and right edges.
    BottomRight,
}

/// A crop: the fraction of width and height kept, and where.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crop {
    /// Fraction (0–1] of the width and of the height kept.
    pub fraction: f32,
    /// Where the kept part sits.
    pub anchor: Anchor,
}

impl Crop {
    /// A centred crop.
    pub fn centre(fraction: f32) -> Crop {
        Crop {
            fraction,
            anchor: Anchor::Centre,
        }
    }

    /// The four corner crops keeping `fraction`.
    pub fn corners(fraction: f32) -> [Crop; 4] {
        [
            Anchor::TopLeft,
            Anchor::TopRight,
            Anchor::BottomLeft,
            Anchor::BottomRight,
        ]
        .map(|anchor| Crop { fraction, anchor })
    }
}

/// Rotates or flips a row-major plane of `width * height` values.
pub fn transform_plane<T: Copy>(
    width: u32,
    height: u32,
    src: &[T],
    t: Dihedral,
) -> (u32, u32, Vec<T>) {
    let (tr, fh, fv) = t.parts();
    let (w, h) = if tr { (height, width) } else { (width, height) };
    let mut out = Vec::with_capacity(src.len());
    for y in 0..h {
        for x in 0..w {
            let x1 = if fh { w - 1 - x } else { x };
            let y1 = if fv { h - 1 - y } else { y };
            let (sx, sy) = if tr { (y1, x1) } else { (x1, y1) };
            out.push(src[sy as usize * width as usize + sx as usize]);
        }
    }
    (w, h, out)
}

/// An image decoded for hashing: 8-bit luma (Pillow's `convert("L")`, for pHash and dHash)
/// and float luma (`0.299 R + 0.587 G + 0.114 B`, for PDQ, as its reference computes it).
#[derive(Debug, Clone, PartialEq)]
pub struct Luma {
    /// 8-bit luma.
    pub gray: GrayImage,
    /// Float luma of the same pixels, row-major.
    pub float: Vec<f32>,
}

impl Luma {
    fn from_planes(width: u32, height: u32, gray: Vec<u8>, float: Vec<f32>) -> Luma {
        Luma {
            gray: GrayImage {
                width,
                height,
                pixels: gray,
            },
            float,
        }
    }

    fn from_rgb(width: u32, height: u32, rgb: &[u8], stride: usize) -> Luma {
        let mut g = Vec::with_capacity(width as usize * height as usize);
        let mut f = Vec::with_capacity(width as usize * height as usize);
        for c in rgb.chunks_exact(stride) {
            g.push(luma_pil(c[0], c[1], c[2]));
            f.push(luma_f32(c[0], c[1], c[2]));
        }
        Self::from_planes(width, height, g, f)
    }

    fn from_gray(width: u32, height: u32, gray: Vec<u8>) -> Luma {
        let f = gray.iter().map(|&v| f32::from(v)).collect();
        Self::from_planes(width, height, gray, f)
    }

    /// A crop of both planes.
    pub fn crop(&self, c: Crop) -> Luma {
        let (x0, y0, _, _) = self.gray.crop_rect(c);
        let gray = self.gray.crop(c);
        let (w, cw, ch) = (
            self.gray.width as usize,
            gray.width as usize,
            gray.height as usize,
        );
        let (x0, y0) = (x0 as usize, y0 as usize);
        let mut float = Vec::with_capacity(cw * ch);
        for y in y0..y0 + ch {
            float.extend_from_slice(&self.float[y * w + x0..y * w + x0 + cw]);
        }
        Luma { gray, float }
    }

    fn into_transformed(self, t: Dihedral) -> Luma {
        if t == Dihedral::Identity {
            self
        } else {
            self.transformed(t)
        }
    }

    /// Both planes rotated or flipped.
    pub fn transformed(&self, t: Dihedral) -> Luma {
        if t == Dihedral::Identity {
            return self.clone();
        }
        let (w, h, f) = transform_plane(self.gray.width, self.gray.height, &self.float, t);
        Luma::from_planes(w, h, self.gray.transformed(t).pixels, f)
    }
}

/// PDQ's luma of an RGB pixel.
#[inline]
pub fn luma_f32(r: u8, g: u8, b: u8) -> f32 {
    0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b)
}

/// Pillow's `convert("L")` of an RGB pixel: ITU-R 601-2 luma in 16-bit fixed point.
#[inline]
pub fn luma_pil(r: u8, g: u8, b: u8) -> u8 {
    ((u32::from(r) * 19595 + u32::from(g) * 38470 + u32::from(b) * 7471 + 0x8000) >> 16) as u8
}

/// How images are decoded for perceptual hashing.
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    /// Checked before decoding: input size, dimensions, and the decoder's allocations.
    pub limits: Limits,
    /// Decode JPEGs at a reduced size (1/2, 1/4 or 1/8, in the DCT domain) whose shorter
    /// side is still at least this many pixels. `None` decodes at full size (needed for
    /// bit-for-bit parity with tools that decode at full size, such as imagehash).
    pub jpeg_min_side: Option<u32>,
    /// Apply the EXIF orientation, so that a rotated-by-tag copy hashes like the upright one.
    pub apply_orientation: bool,
}

impl Default for DecodeOptions {
    /// Default limits, reduced JPEG decoding to a shorter side of at least 256, orientation
    /// applied.
    fn default() -> Self {
        DecodeOptions {
            limits: Limits::default(),
            jpeg_min_side: Some(256),
            apply_orientation: true,
        }
    }
}

impl DecodeOptions {
    /// Full-size decoding (for parity with reference tools).
    pub fn full_size() -> Self {
        DecodeOptions {
            jpeg_min_side: None,
            ..Self::default()
        }
    }
}

/// Reads and decodes a file to 8-bit luma.
pub fn load_gray(path: &Path, opts: &DecodeOptions) -> Result<GrayImage> {
    load_luma(path, opts).map(|l| l.gray)
}

/// Reads and decodes a file to 8-bit and float luma.
pub fn load_luma(path: &Path, opts: &DecodeOptions) -> Result<Luma> {
    let md = std::fs::metadata(path).map_err(|e| DedupError::io(path, e))?;
    opts.limits
        .check_input_size(md.len())
        .map_err(|source| DedupError::Limit {
            path: path.to_path_buf(),
            source,
        })?;
    let bytes = std::fs::read(path).map_err(|e| DedupError::io(path, e))?;
    decode_luma(&bytes, opts).map_err(|e| match e {
        DedupError::Limit { source, .. } => DedupError::Limit {
            path: path.to_path_buf(),
            source,
        },
        other => other.in_file(path),
    })
}

fn decode_err(message: impl ToString) -> DedupError {
    DedupError::Decode {
        path: Default::default(),
        message: message.to_string(),
    }
}

fn limit_err(source: damkit_core::LimitError) -> DedupError {
    DedupError::Limit {
        path: Default::default(),
        source,
    }
}

/// Decodes image bytes to 8-bit luma (Pillow's `convert("L")` weights), orientation
/// applied.
pub fn decode_gray(bytes: &[u8], opts: &DecodeOptions) -> Result<GrayImage> {
    decode_luma(bytes, opts).map(|l| l.gray)
}

/// Decodes image bytes to 8-bit and float luma, orientation applied.
pub fn decode_luma(bytes: &[u8], opts: &DecodeOptions) -> Result<Luma> {
    opts.limits
        .check_input_size(bytes.len() as u64)
        .map_err(limit_err)?;
    if let Some(min_side) = opts.jpeg_min_side
        && MediaType::detect(bytes) == Some(MediaType::Jpeg)
    {
        if let Some(img) = decode_jpeg_dc(bytes, min_side, opts)? {
            return Ok(img);
        }
        if let Some(img) = decode_jpeg_scaled(bytes, min_side, opts)? {
            return Ok(img);
        }
    }
    decode_with_image(bytes, opts)
}

/// The size to decode a `w × h` image at so that its shorter side stays at least
/// `min_side` (the image's own size when it is already smaller).
fn reduced_target(w: u32, h: u32, min_side: u32) -> (u32, u32) {
    let min_side = min_side.max(1);
    let short = w.min(h).max(1);
    if short <= min_side {
        (w, h)
    } else {
        (
            (u64::from(w) * u64::from(min_side)).div_ceil(u64::from(short)) as u32,
            (u64::from(h) * u64::from(min_side)).div_ceil(u64::from(short)) as u32,
        )
    }
}

/// The 1/8-scale luma straight from the DC coefficients (see [`damkit_core::jpeg`]), when
/// 1/8 is large enough and the JPEG is of a kind that path supports.
fn decode_jpeg_dc(bytes: &[u8], min_side: u32, opts: &DecodeOptions) -> Result<Option<Luma>> {
    let Some((w, h)) = damkit_core::jpeg::dc_probe(bytes) else {
        return Ok(None);
    };
    let (rw, rh) = reduced_target(w, h, min_side);
    if w.div_ceil(8) < rw || h.div_ceil(8) < rh {
        return Ok(None);
    }
    let Some(dc) = damkit_core::jpeg::decode_dc_luma(bytes, &opts.limits).map_err(limit_err)?
    else {
        return Ok(None);
    };
    let gray = dc.values.iter().map(|&v| (v + 0.5) as u8).collect();
    let img = Luma::from_planes(dc.width, dc.height, gray, dc.values);
    let orient = if opts.apply_orientation {
        dc.exif
            .as_deref()
            .and_then(image::metadata::Orientation::from_exif_chunk)
            .map(orientation_to_dihedral)
            .unwrap_or(Dihedral::Identity)
    } else {
        Dihedral::Identity
    };
    Ok(Some(img.into_transformed(orient)))
}

/// Scaled JPEG decode with jpeg-decoder; `None` for pixel formats it leaves to `image`
/// (CMYK, whose conversion needs the Adobe marker handling of the full decoder).
fn decode_jpeg_scaled(bytes: &[u8], min_side: u32, opts: &DecodeOptions) -> Result<Option<Luma>> {
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    d.read_info().map_err(decode_err)?;
    let Some(info) = d.info() else {
        return Err(decode_err("no JPEG frame header"));
    };
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    opts.limits.check_dimensions(w, h).map_err(limit_err)?;
    if info.pixel_format == jpeg_decoder::PixelFormat::CMYK32 {
        return Ok(None);
    }
    let (rw, rh) = reduced_target(w, h, min_side);
    let (sw, sh) = d
        .scale(rw.min(65535) as u16, rh.min(65535) as u16)
        .map_err(decode_err)?;
    let bpp = info.pixel_format.pixel_bytes() as u64;
    let need = u64::from(sw) * u64::from(sh) * bpp;
    opts.limits.check_alloc(need).map_err(limit_err)?;
    if let Some(rem) = opts.limits.remaining_alloc() {
        d.set_max_decoding_buffer_size(usize::try_from(rem).unwrap_or(usize::MAX));
    }
    let data = d.decode().map_err(decode_err)?;
    let (sw, sh) = (u32::from(sw), u32::from(sh));
    let n = sw as usize * sh as usize;
    let img = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => Luma::from_gray(sw, sh, data),
        jpeg_decoder::PixelFormat::L16 => {
            Luma::from_gray(sw, sh, data.chunks_exact(2).map(|c| c[0]).collect())
        }
        jpeg_decoder::PixelFormat::RGB24 => Luma::from_rgb(sw, sh, &data, 3),
        jpeg_decoder::PixelFormat::CMYK32 => return Ok(None),
    };
    if img.gray.pixels.len() != n {
        return Err(decode_err(format!(
            "decoder returned {} pixels for {sw}x{sh}",
            img.gray.pixels.len()
        )));
    }
    let orient = if opts.apply_orientation {
        d.exif_data()
            .and_then(image::metadata::Orientation::from_exif_chunk)
            .map(orientation_to_dihedral)
            .unwrap_or(Dihedral::Identity)
    } else {
        Dihedral::Identity
    };
    Ok(Some(img.into_transformed(orient)))
}

fn orientation_to_dihedral(o: image::metadata::Orientation) -> Dihedral {
    use image::metadata::Orientation as O;
    match o {
        O::NoTransforms => Dihedral::Identity,
        O::Rotate90 => Dihedral::Rotate90,
        O::Rotate180 => Dihedral::Rotate180,
        O::Rotate270 => Dihedral::Rotate270,
        O::FlipHorizontal => Dihedral::FlipHorizontal,
        O::FlipVertical => Dihedral::FlipVertical,
        O::Rotate90FlipH => Dihedral::Transpose,
        O::Rotate270FlipH => Dihedral::Transverse,
    }
}

/// Full decode with the `image` crate.
fn decode_with_image(bytes: &[u8], opts: &DecodeOptions) -> Result<Luma> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(decode_err)?;
    if reader.format().is_none() {
        return Err(decode_err("not an image format damkit can decode"));
    }
    let mut decoder = reader.into_decoder().map_err(decode_err)?;
    let (w, h) = decoder.dimensions();
    opts.limits.check_dimensions(w, h).map_err(limit_err)?;
    opts.limits
        .check_alloc(decoder.total_bytes())
        .map_err(limit_err)?;
    let mut il = image::Limits::default();
    il.max_image_width = opts.limits.max_image_width;
    il.max_image_height = opts.limits.max_image_height;
    il.max_alloc = opts.limits.remaining_alloc();
    decoder.set_limits(il).map_err(decode_err)?;
    let orient = if opts.apply_orientation {
        decoder
            .orientation()
            .map(orientation_to_dihedral)
            .unwrap_or(Dihedral::Identity)
    } else {
        Dihedral::Identity
    };
    let img = DynamicImage::from_decoder(decoder).map_err(decode_err)?;
    Ok(to_luma(&img).into_transformed(orient))
}

/// 8-bit luma with Pillow's `convert("L")` weights (alpha ignored, as Pillow does).
pub fn to_gray(img: &DynamicImage) -> GrayImage {
    to_luma(img).gray
}

/// 8-bit and float luma of a decoded image (alpha ignored, as Pillow and PDQ do).
pub fn to_luma(img: &DynamicImage) -> Luma {
    let (w, h) = (img.width(), img.height());
    match img {
        DynamicImage::ImageLuma8(b) => Luma::from_gray(w, h, b.as_raw().clone()),
        DynamicImage::ImageLumaA8(b) => {
            Luma::from_gray(w, h, b.as_raw().chunks_exact(2).map(|c| c[0]).collect())
        }
        DynamicImage::ImageRgb8(b) => Luma::from_rgb(w, h, b.as_raw(), 3),
        DynamicImage::ImageRgba8(b) => Luma::from_rgb(w, h, b.as_raw(), 4),
        other => Luma::from_rgb(w, h, other.to_rgb8().as_raw(), 3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img() -> GrayImage {
        GrayImage::new(3, 2, vec![1, 2, 3, 4, 5, 6]).unwrap()
    }

    #[test]
    fn transforms() {
        let i = img();
        assert_eq!(
            i.transformed(Dihedral::Rotate90).pixels,
            vec![4, 1, 5, 2, 6, 3]
        );
        assert_eq!(
            i.transformed(Dihedral::Rotate270).pixels,
            vec![3, 6, 2, 5, 1, 4]
        );
        assert_eq!(
            i.transformed(Dihedral::FlipHorizontal).pixels,
            vec![3, 2, 1, 6, 5, 4]
        );
        assert_eq!(
            i.transformed(Dihedral::Rotate180).pixels,
            vec![6, 5, 4, 3, 2, 1]
        );
        assert_eq!(
            i.transformed(Dihedral::Transpose).pixels,
            vec![1, 4, 2, 5, 3, 6]
        );
        assert_eq!(
            i.transformed(Dihedral::Transverse).pixels,
            vec![6, 3, 5, 2, 4, 1]
        );
        for t in Dihedral::ALL {
            let (tr, _, _) = t.parts();
            assert_eq!(i.transformed(t).width, if tr { 2 } else { 3 });
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let o = DecodeOptions::default();
        assert!(decode_gray(b"", &o).is_err());
        assert!(decode_gray(b"\xff\xd8\xff\xe0garbage", &o).is_err());
        assert!(decode_gray(b"\x89PNG\r\n\x1a\n\0\0", &o).is_err());
    }

    #[test]
    fn limits_refuse_before_decoding() {
        let mut png = Vec::new();
        DynamicImage::new_luma8(64, 64)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let o = DecodeOptions {
            limits: Limits::default().with_max_pixels(100),
            ..DecodeOptions::default()
        };
        let e = decode_gray(&png, &o).unwrap_err();
        assert!(matches!(e, DedupError::Limit { .. }), "{e}");
    }
}

#[cfg(test)]
mod dc_parity {
    use damkit_core::Limits;
    use damkit_core::jpeg::decode_dc_luma as decode;

    /// The DC plane equals the block means of a full-size luma decode within rounding, on
    /// every bundled JPEG it supports (one with restart intervals and one progressive among
    /// them).
    #[test]
    fn equals_block_means_of_full_decode() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths: Vec<_> = ["tests/data", "../cli/samples"]
            .iter()
            .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        let mut checked = 0;
        let mut with_restarts = 0;
        let mut progressive = 0;
        for p in paths {
            if p.extension().and_then(|x| x.to_str()) != Some("jpg") {
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            let Some(dc) = decode(&bytes, &Limits::default()).unwrap() else {
                continue;
            };
            // Reference: zune-jpeg's full-size luma plane (Y, no RGB round trip), averaged
            // over each 8×8 block.
            let o = zune_core::options::DecoderOptions::default()
                .jpeg_set_out_colorspace(zune_core::colorspace::ColorSpace::Luma);
            let mut d = zune_jpeg::JpegDecoder::new_with_options(
                zune_core::bytestream::ZCursor::new(&bytes),
                o,
            );
            let px = d.decode().unwrap();
            let (fw, fh) = d.dimensions().unwrap();
            assert_eq!(
                (fw.div_ceil(8) as u32, fh.div_ceil(8) as u32),
                (dc.width, dc.height),
                "{p:?}"
            );
            // Whole blocks only: an edge block's DC also averages the encoder's padding.
            // Blocks with clipped pixels (0 or 255) count in the mean but not as "off": the
            // DC is the mean before the clamp (iptc-reference.jpg, progressive, has 2 % of
            // blocks off by more than 1.5 in libjpeg's own full decode too, all clipped).
            let mut diffs = Vec::new();
            let mut off = 0;
            for by in 0..fh / 8 {
                for bx in 0..fw / 8 {
                    let (mut sum, mut n) = (0u32, 0u32);
                    let mut clipped = false;
                    for y in by * 8..(by * 8 + 8).min(fh) {
                        for x in bx * 8..(bx * 8 + 8).min(fw) {
                            let v = px[y * fw + x];
                            clipped |= v == 0 || v == 255;
                            sum += u32::from(v);
                            n += 1;
                        }
                    }
                    let mean = sum as f32 / n as f32;
                    let d = (mean - dc.values[by * fw.div_ceil(8) + bx]).abs();
                    off += usize::from(d > 1.5 && !clipped);
                    diffs.push(d);
                }
            }
            let mean = diffs.iter().sum::<f32>() / diffs.len() as f32;
            eprintln!(
                "{p:?}: mean {mean:.3}, {off} of {} blocks off by > 1.5 (clipped ones not counted)",
                diffs.len()
            );
            assert!(
                mean <= 1.0 && off * 100 <= diffs.len(),
                "{p:?}: mean {mean}, {off} of {} blocks off by > 1.5 (clipped ones not counted)",
                diffs.len()
            );
            checked += 1;
            with_restarts += usize::from(bytes.windows(2).any(|w| w == [0xFF, 0xDD]));
            progressive += usize::from(bytes.windows(2).any(|w| w == [0xFF, 0xC2]));
        }
        assert!(checked >= 5, "only {checked} JPEGs checked");
        assert!(with_restarts >= 1, "no JPEG with restart markers checked");
        assert!(progressive >= 1, "no progressive JPEG checked");
    }

    /// A progressive JPEG's luma comes from the DC decoder too (its DC scans only), the
    /// same as the baseline file with the same coefficients (damkit-core's test files:
    /// `progressive.jpg` is `s420.jpg` progressive).
    #[test]
    fn progressive_jpeg_takes_the_dc_path() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/jpeg");
        let prog = std::fs::read(dir.join("progressive.jpg")).unwrap();
        let base = std::fs::read(dir.join("s420.jpg")).unwrap();
        let o = super::DecodeOptions {
            jpeg_min_side: Some(16),
            ..super::DecodeOptions::default()
        };
        let p = super::decode_luma(&prog, &o).unwrap();
        let b = super::decode_luma(&base, &o).unwrap();
        // 200x152 at 1/8.
        assert_eq!((p.gray.width, p.gray.height), (25, 19));
        assert_eq!(p.float, b.float);
        let dc = decode(&prog, &Limits::default()).unwrap().unwrap();
        assert_eq!(p.float, dc.values);
    }
}
