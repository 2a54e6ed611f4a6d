//! In-memory 8-bit rasters and the eight EXIF orientations.

use serde::{Deserialize, Serialize};

/// The channel layout of a [`Raster`]: 8 bits per channel, interleaved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PixelLayout {
    /// Red, green, blue.
    Rgb8,
    /// Red, green, blue, straight (not premultiplied) alpha.
    Rgba8,
    /// Cyan, magenta, yellow, black; 0 = no ink (not Adobe-inverted).
    Cmyk8,
}

impl PixelLayout {
    /// Bytes per pixel.
    pub fn channels(self) -> usize {
        match self {
            PixelLayout::Rgb8 => 3,
            PixelLayout::Rgba8 | PixelLayout::Cmyk8 => 4,
        }
    }
}

/// An 8-bit interleaved image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Channel layout.
    pub layout: PixelLayout,
    /// `width * height * layout.channels()` bytes, row-major, no padding.
    pub data: Vec<u8>,
}

impl Raster {
    /// Bytes of a `width` x `height` raster of `layout` (saturating).
    pub fn byte_len(width: u32, height: u32, layout: PixelLayout) -> u64 {
        u64::from(width)
            .saturating_mul(u64::from(height))
            .saturating_mul(layout.channels() as u64)
    }

    /// Whether the raster has an alpha channel with any pixel not fully opaque.
    pub fn has_transparency(&self) -> bool {
        self.layout == PixelLayout::Rgba8 && self.data.chunks_exact(4).any(|p| p[3] != 255)
    }
}

/// An EXIF orientation (tag 0x0112): how the stored pixels must be transformed for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Orientation(pub u8);

impl Orientation {
    /// 1: as stored.
    pub const NORMAL: Orientation = Orientation(1);
    /// 2: mirrored left-right.
    pub const FLIP_H: Orientation = Orientation(2);
    /// 3: rotated 180°.
    pub const ROTATE_180: Orientation = Orientation(3);
    /// 4: mirrored top-bottom.
    pub const FLIP_V: Orientation = Orientation(4);
    /// 5: transposed (mirrored along the top-left/bottom-right diagonal).
    pub const TRANSPOSE: Orientation = Orientation(5);
    /// 6: needs a 90° clockwise rotation for display.
    pub const ROTATE_90: Orientation = Orientation(6);
    /// 7: transversed (mirrored along the top-right/bottom-left diagonal).
    pub const TRANSVERSE: Orientation = Orientation(7);
    /// 8: needs a 90° counter-clockwise rotation for display.
    pub const ROTATE_270: Orientation = Orientation(8);

    /// The orientation for an EXIF value; values outside 1..=8 mean "as stored".
    pub fn from_exif(value: u32) -> Orientation {
        match value {
            1..=8 => Orientation(value as u8),
            _ => Orientation::NORMAL,
        }
    }

    fn normalized(self) -> u8 {
        if (1..=8).contains(&self.0) { self.0 } else { 1 }
    }

    /// Whether display swaps width and height (orientations 5 to 8).
    pub fn swaps_dimensions(self) -> bool {
        self.normalized() >= 5
    }

    /// Display dimensions of a stored `width` x `height` image.
    pub fn display_size(self, width: u32, height: u32) -> (u32, u32) {
        if self.swaps_dimensions() {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// Maps a rectangle `(x, y, w, h)` in display coordinates of an image whose *stored* size
    /// is `raw_w` x `raw_h` to stored coordinates.
    pub fn display_rect_to_stored(
        self,
        rect: (f64, f64, f64, f64),
        raw_w: f64,
        raw_h: f64,
    ) -> (f64, f64, f64, f64) {
        let (x, y, w, h) = rect;
        match self.normalized() {
            2 => (raw_w - x - w, y, w, h),
            3 => (raw_w - x - w, raw_h - y - h, w, h),
            4 => (x, raw_h - y - h, w, h),
            5 => (y, x, h, w),
            6 => (y, raw_h - x - w, h, w),
            7 => (raw_w - y - h, raw_h - x - w, h, w),
            8 => (raw_w - y - h, x, h, w),
            _ => (x, y, w, h),
        }
    }

    /// Transforms stored pixels into display pixels.
    pub fn apply(self, src: Raster) -> Raster {
        let o = self.normalized();
        if o == 1 {
            return src;
        }
        let (rw, rh) = (src.width as usize, src.height as usize);
        let (dw, dh) = self.display_size(src.width, src.height);
        let (dw_u, dh_u) = (dw as usize, dh as usize);
        let mut out = vec![0u8; src.data.len()];
        let source = |dx: usize, dy: usize| {
            let (sx, sy) = match o {
                2 => (rw - 1 - dx, dy),
                3 => (rw - 1 - dx, rh - 1 - dy),
                4 => (dx, rh - 1 - dy),
                5 => (dy, dx),
                6 => (dy, rh - 1 - dx),
                7 => (rw - 1 - dy, rh - 1 - dx),
                _ => (rw - 1 - dy, dx),
            };
            sy * rw + sx
        };
        // Pixels of a known size are copied as fixed-size arrays (a `copy_from_slice` of a
        // runtime length is a `memmove` call per pixel).
        fn copy_px<const C: usize>(
            out: &mut [u8],
            src: &[u8],
            (dw, dh): (usize, usize),
            source: impl Fn(usize, usize) -> usize,
        ) {
            let src: &[[u8; C]] = src.as_chunks::<C>().0;
            let out: &mut [[u8; C]] = out.as_chunks_mut::<C>().0;
            for dy in 0..dh {
                let row = &mut out[dy * dw..(dy + 1) * dw];
                for (dx, px) in row.iter_mut().enumerate() {
                    *px = src[source(dx, dy)];
                }
            }
        }
        match src.layout {
            PixelLayout::Rgb8 => copy_px::<3>(&mut out, &src.data, (dw_u, dh_u), source),
            PixelLayout::Rgba8 | PixelLayout::Cmyk8 => {
                copy_px::<4>(&mut out, &src.data, (dw_u, dh_u), source);
            }
        }
        Raster {
            width: dw,
            height: dh,
            layout: src.layout,
            data: out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(w: u32, h: u32) -> Raster {
        let data = (0..w * h).flat_map(|i| [i as u8, 0, 0]).collect();
        Raster {
            width: w,
            height: h,
            layout: PixelLayout::Rgb8,
            data,
        }
    }

    fn px(r: &Raster, x: u32, y: u32) -> u8 {
        r.data[((y * r.width + x) * 3) as usize]
    }

    #[test]
    fn all_eight_orientations_map_pixels_and_rects_consistently() {
        // Stored 3x2: 0 1 2 / 3 4 5.
        let raw = numbered(3, 2);
        for o in 1..=8u8 {
            let o = Orientation(o);
            let d = o.apply(raw.clone());
            assert_eq!((d.width, d.height), o.display_size(3, 2));
            // Every display pixel's 1x1 rect maps to the stored pixel it came from.
            for y in 0..d.height {
                for x in 0..d.width {
                    let (sx, sy, sw, sh) =
                        o.display_rect_to_stored((f64::from(x), f64::from(y), 1.0, 1.0), 3.0, 2.0);
                    assert_eq!((sw, sh), (1.0, 1.0));
                    assert_eq!(
                        px(&d, x, y),
                        px(&raw, sx as u32, sy as u32),
                        "orientation {o:?} at {x},{y}"
                    );
                }
            }
        }
        // Orientation 6 (rotate 90° clockwise): the stored bottom-left pixel is top-left.
        let d = Orientation::ROTATE_90.apply(raw.clone());
        assert_eq!(px(&d, 0, 0), 3);
        let d = Orientation::ROTATE_270.apply(raw);
        assert_eq!(px(&d, 0, 0), 2);
    }
}
