//! Resource limits for untrusted input.

use serde::{Deserialize, Serialize};

use crate::LimitError;

/// Resource limits for decoding untrusted files, in the style of `image::Limits`.
///
/// Every limit is finite by default, so that a hostile file (a 1x1 PNG that claims
/// 100000x100000 pixels, a TIFF with absurd strip counts) is refused *before* memory is
/// allocated. Raise them deliberately with the builder methods, or use
/// [`Limits::no_limits`] for trusted input.
///
/// A `Limits` value also works as a small allocation ledger: [`reserve`](Limits::reserve)
/// subtracts from the budget and fails once it is spent, [`free`](Limits::free) gives back.
///
/// ```
/// use damkit_core::Limits;
///
/// let mut limits = Limits::default().with_max_alloc(1 << 20);
/// limits.reserve(512 * 1024)?;
/// assert!(limits.reserve(768 * 1024).is_err(), "the budget is 1 MiB");
/// limits.free(512 * 1024);
/// limits.reserve(768 * 1024)?;
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Limits {
    /// Largest image width in pixels (`None`: unlimited).
    pub max_image_width: Option<u32>,
    /// Largest image height in pixels (`None`: unlimited).
    pub max_image_height: Option<u32>,
    /// Largest pixel count, width x height (`None`: unlimited).
    pub max_pixels: Option<u64>,
    /// Largest total of bytes a decoder may allocate for one input (`None`: unlimited).
    pub max_alloc: Option<u64>,
    /// Largest input file, in bytes (`None`: unlimited).
    pub max_input_bytes: Option<u64>,
    #[serde(skip)]
    in_use: u64,
}

impl Limits {
    /// Default largest width or height: 65,535 pixels (the JPEG maximum).
    pub const DEFAULT_MAX_DIMENSION: u32 = 65_535;
    /// Default largest pixel count: 2^28 (268 MP; a 16-bit RGBA image of that size is 2 GiB).
    pub const DEFAULT_MAX_PIXELS: u64 = 1 << 28;
    /// Default allocation budget: 1 GiB.
    pub const DEFAULT_MAX_ALLOC: u64 = 1 << 30;
    /// Default largest input file: 4 GiB.
    pub const DEFAULT_MAX_INPUT_BYTES: u64 = 4 << 30;

    /// No limits at all; only for input you trust.
    pub fn no_limits() -> Self {
        Limits {
            max_image_width: None,
            max_image_height: None,
            max_pixels: None,
            max_alloc: None,
            max_input_bytes: None,
            in_use: 0,
        }
    }

    /// Sets the largest width and height.
    #[must_use]
    pub fn with_max_dimensions(mut self, width: u32, height: u32) -> Self {
        self.max_image_width = Some(width);
        self.max_image_height = Some(height);
        self
    }

    /// Sets the largest pixel count.
    #[must_use]
    pub fn with_max_pixels(mut self, pixels: u64) -> Self {
        self.max_pixels = Some(pixels);
        self
    }

    /// Sets the allocation budget in bytes.
    #[must_use]
    pub fn with_max_alloc(mut self, bytes: u64) -> Self {
        self.max_alloc = Some(bytes);
        self
    }

    /// Sets the largest input size in bytes.
    #[must_use]
    pub fn with_max_input_bytes(mut self, bytes: u64) -> Self {
        self.max_input_bytes = Some(bytes);
        self
    }

    /// Checks image dimensions against the width, height and pixel limits.
    pub fn check_dimensions(&self, width: u32, height: u32) -> Result<(), LimitError> {
        let (w, h) = (u64::from(width), u64::from(height));
        let max_w = self.max_image_width.map_or(u64::MAX, u64::from);
        let max_h = self.max_image_height.map_or(u64::MAX, u64::from);
        if w > max_w || h > max_h {
            return Err(LimitError::Dimensions {
                width: w,
                height: h,
                max_width: max_w,
                max_height: max_h,
            });
        }
        if let Some(max_pixels) = self.max_pixels {
            let pixels = w * h;
            if pixels > max_pixels {
                return Err(LimitError::Pixels { pixels, max_pixels });
            }
        }
        Ok(())
    }

    /// Checks an input size against [`max_input_bytes`](Limits::max_input_bytes).
    pub fn check_input_size(&self, size: u64) -> Result<(), LimitError> {
        match self.max_input_bytes {
            Some(max) if size > max => Err(LimitError::InputSize {
                size,
                max_input_bytes: max,
            }),
            _ => Ok(()),
        }
    }

    /// Checks that `bytes` more could be allocated, without reserving them.
    pub fn check_alloc(&self, bytes: u64) -> Result<(), LimitError> {
        match self.max_alloc {
            Some(max) if self.in_use.saturating_add(bytes) > max => Err(LimitError::Allocation {
                requested: bytes,
                in_use: self.in_use,
                max_alloc: max,
            }),
            _ => Ok(()),
        }
    }

    /// Reserves `bytes` from the allocation budget, or fails without reserving.
    pub fn reserve(&mut self, bytes: u64) -> Result<(), LimitError> {
        self.check_alloc(bytes)?;
        self.in_use = self.in_use.saturating_add(bytes);
        Ok(())
    }

    /// Reserves the bytes of a `width` x `height` buffer of `bytes_per_pixel`, after checking
    /// the dimensions.
    pub fn reserve_buffer(
        &mut self,
        width: u32,
        height: u32,
        bytes_per_pixel: u32,
    ) -> Result<(), LimitError> {
        self.check_dimensions(width, height)?;
        let bytes = u64::from(width)
            .saturating_mul(u64::from(height))
            .saturating_mul(u64::from(bytes_per_pixel));
        self.reserve(bytes)
    }

    /// Gives `bytes` back to the budget.
    pub fn free(&mut self, bytes: u64) {
        self.in_use = self.in_use.saturating_sub(bytes);
    }

    /// Bytes reserved so far.
    pub fn in_use(&self) -> u64 {
        self.in_use
    }

    /// What is left of the allocation budget (`None`: unlimited).
    pub fn remaining_alloc(&self) -> Option<u64> {
        self.max_alloc.map(|m| m.saturating_sub(self.in_use))
    }
}

impl Default for Limits {
    /// Finite limits suitable for photos up to 268 MP: see the `DEFAULT_*` constants.
    fn default() -> Self {
        Limits {
            max_image_width: Some(Self::DEFAULT_MAX_DIMENSION),
            max_image_height: Some(Self::DEFAULT_MAX_DIMENSION),
            max_pixels: Some(Self::DEFAULT_MAX_PIXELS),
            max_alloc: Some(Self::DEFAULT_MAX_ALLOC),
            max_input_bytes: Some(Self::DEFAULT_MAX_INPUT_BYTES),
            in_use: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_finite_and_refuse_bombs() {
        let l = Limits::default();
        assert!(l.max_alloc.is_some() && l.max_pixels.is_some());
        assert!(matches!(
            l.check_dimensions(100_000, 100_000),
            Err(LimitError::Dimensions { .. })
        ));
        assert!(matches!(
            l.check_dimensions(60_000, 60_000),
            Err(LimitError::Pixels { .. })
        ));
        l.check_dimensions(6000, 4000).unwrap();
        l.check_dimensions(0, 0).unwrap();
    }

    #[test]
    fn ledger_reserves_and_frees() {
        let mut l = Limits::no_limits().with_max_alloc(100);
        l.reserve(60).unwrap();
        let err = l.reserve(41).unwrap_err();
        assert!(matches!(
            err,
            LimitError::Allocation {
                requested: 41,
                in_use: 60,
                max_alloc: 100
            }
        ));
        assert_eq!(l.in_use(), 60, "a failed reserve reserves nothing");
        l.free(60);
        l.reserve(100).unwrap();
        assert_eq!(l.remaining_alloc(), Some(0));
    }

    #[test]
    fn reserve_buffer_does_not_overflow() {
        let mut l = Limits::default();
        assert!(l.reserve_buffer(u32::MAX, u32::MAX, u32::MAX).is_err());
        let mut unlimited = Limits::no_limits();
        unlimited.reserve_buffer(u32::MAX, u32::MAX, 8).unwrap();
    }

    #[test]
    fn no_limits_allows_everything() {
        let l = Limits::no_limits();
        l.check_dimensions(u32::MAX, u32::MAX).unwrap();
        l.check_input_size(u64::MAX).unwrap();
    }

    #[test]
    fn serde_keeps_limits_but_not_usage() {
        let mut l = Limits::default().with_max_pixels(1000);
        l.reserve(10).unwrap();
        let json = serde_json::to_string(&l).unwrap();
        let back: Limits = serde_json::from_str(&json).unwrap();
        assert_eq!(back.max_pixels, Some(1000));
        assert_eq!(back.in_use(), 0);
        let partial: Limits = serde_json::from_str(r#"{"max_pixels": 5}"#).unwrap();
        assert_eq!(partial.max_alloc, Some(Limits::DEFAULT_MAX_ALLOC));
    }
}
