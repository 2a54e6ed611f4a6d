//! The crate's only `unsafe` code (feature `avif-input`), behind a small safe API:
//!
//! - rav1d, the Rust port of dav1d, exposes only dav1d's C API (`dav1d_open`,
//!   `dav1d_send_data`, `dav1d_get_picture`, ... as `unsafe extern "C"` functions taking raw
//!   pointers); no safe wrapper builds from crates.io without nasm (`avif-decode` 3 turns
//!   rav1d's `asm` feature on for x86 and needs Rust 1.98);
//! - mp4parse returns the `imir` property through a raw pointer into its own context.
//!
//! Every `unsafe` block says why it is sound. The crate root denies `unsafe_code`; this
//! module alone allows it.
#![allow(unsafe_code)]

use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use rav1d::Dav1dResult;
use rav1d::include::dav1d::data::Dav1dData;
use rav1d::include::dav1d::dav1d::{Dav1dContext, Dav1dSettings};
use rav1d::include::dav1d::headers::{
    DAV1D_PIXEL_LAYOUT_I400, DAV1D_PIXEL_LAYOUT_I420, DAV1D_PIXEL_LAYOUT_I422,
    DAV1D_PIXEL_LAYOUT_I444, Dav1dPixelLayout, Dav1dSequenceHeader,
};
use rav1d::include::dav1d::picture::Dav1dPicture;
use rav1d::src::lib::{
    dav1d_close, dav1d_data_create, dav1d_data_unref, dav1d_default_settings, dav1d_get_picture,
    dav1d_open, dav1d_parse_sequence_header, dav1d_picture_unref, dav1d_send_data,
};

/// Chroma subsampling of an AV1 image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subsampling {
    /// 4:0:0, luma only.
    Mono,
    /// 4:2:0.
    S420,
    /// 4:2:2.
    S422,
    /// 4:4:4.
    S444,
}

impl Subsampling {
    fn from_layout(layout: Dav1dPixelLayout) -> Option<Subsampling> {
        match layout {
            DAV1D_PIXEL_LAYOUT_I400 => Some(Subsampling::Mono),
            DAV1D_PIXEL_LAYOUT_I420 => Some(Subsampling::S420),
            DAV1D_PIXEL_LAYOUT_I422 => Some(Subsampling::S422),
            DAV1D_PIXEL_LAYOUT_I444 => Some(Subsampling::S444),
            _ => None,
        }
    }

    /// Horizontal and vertical chroma shifts.
    pub(crate) fn shifts(self) -> (u32, u32) {
        match self {
            Subsampling::S420 => (1, 1),
            Subsampling::S422 => (1, 0),
            Subsampling::Mono | Subsampling::S444 => (0, 0),
        }
    }

    /// The name used in messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Subsampling::Mono => "4:0:0",
            Subsampling::S420 => "4:2:0",
            Subsampling::S422 => "4:2:2",
            Subsampling::S444 => "4:4:4",
        }
    }
}

/// The colour description of an AV1 sequence header (ITU-T H.273 code points).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Colour {
    /// Colour primaries (1 = BT.709, 2 = unspecified, 9 = BT.2020, 12 = Display P3...).
    pub primaries: u8,
    /// Transfer characteristics (13 = sRGB, 16 = PQ, 18 = HLG...).
    pub transfer: u8,
    /// Matrix coefficients (0 = identity, 1 = BT.709, 2 = unspecified, 6 = BT.601...).
    pub matrix: u8,
    /// Full range (0..2^n-1) rather than limited ("video") range.
    pub full_range: bool,
}

/// What an AV1 sequence header says, read without decoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SequenceInfo {
    /// The largest frame width the sequence may have.
    pub max_width: u32,
    /// The largest frame height.
    pub max_height: u32,
    /// 8, 10 or 12.
    pub bit_depth: u8,
}

fn bit_depth(hbd: u8) -> u8 {
    match hbd {
        0 => 8,
        1 => 10,
        _ => 12,
    }
}

fn colour_of(h: &Dav1dSequenceHeader) -> Colour {
    Colour {
        primaries: u8::try_from(h.pri).unwrap_or(2),
        transfer: u8::try_from(h.trc).unwrap_or(2),
        matrix: u8::try_from(h.mtrx).unwrap_or(2),
        full_range: h.color_range != 0,
    }
}

/// rav1d reports success as 0 and failures as a negated `errno`.
fn check(res: Dav1dResult, action: &str) -> Result<(), String> {
    if res.0 == 0 {
        return Ok(());
    }
    let code = res.0.unsigned_abs();
    let what = match code {
        11 => "needs more data (EAGAIN)",
        12 => "out of memory (ENOMEM)",
        22 => "invalid data (EINVAL)",
        34 => "out of range (ERANGE)",
        42 | 92 => "unsupported bitstream feature (ENOPROTOOPT)",
        _ => "error",
    };
    Err(format!("{action}: rav1d {what}, code {code}"))
}

/// Parses the AV1 sequence header at the start of `obus` (an AVIF item's data).
pub(crate) fn parse_sequence_header(obus: &[u8]) -> Result<SequenceInfo, String> {
    let Some(ptr) = NonNull::new(obus.as_ptr().cast_mut()) else {
        return Err("no AV1 data".into());
    };
    if obus.is_empty() {
        return Err("no AV1 data".into());
    }
    let mut hdr = MaybeUninit::<Dav1dSequenceHeader>::uninit();
    // SAFETY: `hdr` is valid for a write of a `Dav1dSequenceHeader`; `ptr` is the start of
    // the live slice `obus` of `obus.len()` bytes, which rav1d only reads.
    let res = unsafe {
        dav1d_parse_sequence_header(Some(NonNull::from(&mut hdr).cast()), Some(ptr), obus.len())
    };
    check(res, "reading the AV1 sequence header")?;
    // SAFETY: on success `dav1d_parse_sequence_header` has written a whole header (plain
    // integers and arrays of them) to `hdr`.
    let hdr = unsafe { hdr.assume_init() };
    let (Ok(w), Ok(h)) = (u32::try_from(hdr.max_width), u32::try_from(hdr.max_height)) else {
        return Err("the AV1 sequence header has a negative size".into());
    };
    Ok(SequenceInfo {
        max_width: w,
        max_height: h,
        bit_depth: bit_depth(hdr.hbd),
    })
}

/// A single-threaded rav1d decoder for still images.
pub(crate) struct Decoder {
    ctx: Option<Dav1dContext>,
}

impl Decoder {
    /// A decoder refusing frames of more than `max_pixels` pixels (when set).
    pub(crate) fn new(max_pixels: Option<u64>) -> Result<Decoder, String> {
        let mut s = MaybeUninit::<Dav1dSettings>::uninit();
        // SAFETY: `s` is valid for a write of a `Dav1dSettings`.
        unsafe { dav1d_default_settings(NonNull::from(&mut s).cast()) };
        // SAFETY: `dav1d_default_settings` wrote every field.
        let mut s = unsafe { s.assume_init() };
        // The batch runs one image per core: no worker threads; one frame in flight.
        s.n_threads = 1;
        s.max_frame_delay = 1;
        // Only the highest spatial layer of a layered image (libavif does the same).
        s.all_layers = 0;
        s.apply_grain = 1;
        s.frame_size_limit = max_pixels.map_or(0, |p| u32::try_from(p).unwrap_or(u32::MAX).max(1));
        // No logging (rav1d writes decoding errors to stderr by default; ours go into the
        // error). The logger type is not exported; in dav1d's C API, which rav1d keeps, it is
        // `{ void *cookie; void (*callback)(...) }` and a NULL callback means no logging.
        // SAFETY: the field is a `#[repr(C)]` pair of `Option<NonNull<_>>` and
        // `Option<extern "C" fn>`, for which all-zero bytes are `None` and `None`.
        unsafe { std::ptr::write_bytes(&raw mut s.logger, 0, 1) };
        let mut ctx: Option<Dav1dContext> = None;
        // SAFETY: `ctx` is valid to write an `Option<Dav1dContext>` to; `s` is a fully
        // initialised settings value that rav1d only reads.
        let res = unsafe { dav1d_open(Some(NonNull::from(&mut ctx)), Some(NonNull::from(&mut s))) };
        check(res, "starting the AV1 decoder")?;
        if ctx.is_none() {
            return Err("starting the AV1 decoder: rav1d returned no context".into());
        }
        Ok(Decoder { ctx })
    }

    /// Decodes one AVIF item (one temporal unit) and returns its last picture.
    pub(crate) fn decode(&mut self, obus: &[u8]) -> Result<Picture<'_>, String> {
        let ctx = self.ctx.ok_or("the AV1 decoder is closed")?;
        if obus.is_empty() {
            return Err("no AV1 data".into());
        }
        let mut data = Dav1dData::default();
        // SAFETY: `data` is a valid, empty `Dav1dData` to fill.
        let buf = unsafe { dav1d_data_create(Some(NonNull::from(&mut data)), obus.len()) };
        let Some(buf) = NonNull::new(buf) else {
            return Err(format!(
                "the AV1 decoder could not allocate {} bytes for the data",
                obus.len()
            ));
        };
        // SAFETY: `buf` points to a fresh rav1d buffer of `obus.len()` bytes, which cannot
        // overlap the borrowed `obus`.
        unsafe { std::ptr::copy_nonoverlapping(obus.as_ptr(), buf.as_ptr(), obus.len()) };
        let mut last: Option<Picture<'_>> = None;
        let sent = loop {
            // SAFETY: `ctx` is open (closed only in `Drop`); `data` is valid to read and
            // write.
            let res = unsafe { dav1d_send_data(Some(ctx), Some(NonNull::from(&mut data))) };
            if res.0 == 0 {
                break Ok(());
            }
            if res.0.unsigned_abs() != 11 {
                break check(res, "decoding AV1");
            }
            // EAGAIN: the decoder holds a picture (a layered item) and takes the rest of the
            // data once it is out. Each turn takes a picture, so this ends.
            match take_picture(ctx) {
                Some(p) => last = Some(p),
                None => break check(res, "decoding AV1"),
            }
        };
        // SAFETY: `data` is ours; unref releases whatever the decoder did not take.
        unsafe { dav1d_data_unref(Some(NonNull::from(&mut data))) };
        sent?;
        let mut error = None;
        loop {
            let mut pic = Dav1dPicture::default();
            // SAFETY: `ctx` is open; `pic` is valid to write a picture to.
            let res = unsafe { dav1d_get_picture(Some(ctx), Some(NonNull::from(&mut pic))) };
            let p = Picture {
                pic,
                _decoder: PhantomData,
            };
            if res.0 != 0 {
                drop(p);
                if res.0.unsigned_abs() != 11 {
                    error = Some(check(res, "decoding AV1"));
                }
                break;
            }
            last = Some(p);
        }
        match (last, error) {
            (Some(p), _) => Ok(p),
            (None, Some(Err(e))) => Err(e),
            (None, _) => Err(format!(
                "no picture decoded from {} bytes of AV1 data (truncated?)",
                obus.len()
            )),
        }
    }
}

/// The picture the decoder `ctx` holds, if any.
fn take_picture<'a>(ctx: Dav1dContext) -> Option<Picture<'a>> {
    let mut pic = Dav1dPicture::default();
    // SAFETY: `ctx` is open (the caller holds its decoder); `pic` is valid to write to.
    let res = unsafe { dav1d_get_picture(Some(ctx), Some(NonNull::from(&mut pic))) };
    let p = Picture {
        pic,
        _decoder: PhantomData,
    };
    (res.0 == 0).then_some(p)
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: `ctx` came from `dav1d_open` and is closed only here (set to `None`).
        // Every `Picture` borrows the decoder, so none is alive.
        unsafe { dav1d_close(Some(NonNull::from(&mut self.ctx))) };
    }
}

/// A decoded picture, valid while its decoder lives.
pub(crate) struct Picture<'a> {
    pic: Dav1dPicture,
    _decoder: PhantomData<&'a mut Decoder>,
}

/// One plane of a picture: rows `stride` bytes apart (the last one without padding);
/// samples are `u8`, or native-endian `u16` when the bit depth is above 8.
pub(crate) struct Plane<'p> {
    pub bytes: &'p [u8],
    pub stride: usize,
}

impl Picture<'_> {
    /// Width in pixels.
    pub(crate) fn width(&self) -> u32 {
        u32::try_from(self.pic.p.w).unwrap_or(0)
    }

    /// Height in pixels.
    pub(crate) fn height(&self) -> u32 {
        u32::try_from(self.pic.p.h).unwrap_or(0)
    }

    /// 8, 10 or 12.
    pub(crate) fn bit_depth(&self) -> u8 {
        u8::try_from(self.pic.p.bpc).unwrap_or(0)
    }

    /// Chroma subsampling, `None` if unknown.
    pub(crate) fn subsampling(&self) -> Option<Subsampling> {
        Subsampling::from_layout(self.pic.p.layout)
    }

    /// The colour description of the picture's sequence header.
    pub(crate) fn colour(&self) -> Option<Colour> {
        let hdr = self.pic.seq_hdr?;
        // SAFETY: a decoded picture holds a reference (`seq_hdr_ref`) to its sequence
        // header, which lives at least as long as the picture; we only read it.
        Some(colour_of(unsafe { hdr.as_ref() }))
    }

    /// Plane 0 (Y), 1 (U) or 2 (V); `None` when absent (U and V of a 4:0:0 picture) or odd.
    pub(crate) fn plane(&self, i: usize) -> Option<Plane<'_>> {
        let sub = self.subsampling()?;
        if i > 2 || (i > 0 && sub == Subsampling::Mono) {
            return None;
        }
        let ptr = self.pic.data[i]?;
        let sample = if self.bit_depth() > 8 { 2 } else { 1 };
        let (sx, sy) = if i == 0 { (0, 0) } else { sub.shifts() };
        let w = (self.width() as usize + (1 << sx) - 1) >> sx;
        let h = (self.height() as usize + (1 << sy) - 1) >> sy;
        // One stride for luma, one shared by the two chroma planes.
        let stride = usize::try_from(self.pic.stride[usize::from(i > 0)]).ok()?;
        if w == 0 || h == 0 || stride < w * sample {
            return None;
        }
        let len = stride.checked_mul(h - 1)?.checked_add(w * sample)?;
        // SAFETY: rav1d allocates each plane as `h` rows of `stride` bytes (positive stride,
        // checked above) starting at `ptr`; `len` ends at the last sample of the last row.
        // The picture holds a reference to that buffer while `self` lives, and nothing
        // writes to it after decoding.
        let bytes = unsafe { std::slice::from_raw_parts(ptr.as_ptr().cast::<u8>(), len) };
        Some(Plane { bytes, stride })
    }
}

impl Drop for Picture<'_> {
    fn drop(&mut self) {
        // SAFETY: `pic` is a picture from `dav1d_get_picture` (or a default, empty one,
        // which unref leaves alone), unreferenced once, here, while its decoder is open.
        unsafe { dav1d_picture_unref(Some(NonNull::from(&mut self.pic))) };
        // rav1d 1.1's unref writes back a cleared picture that still owns one freshly
        // allocated (empty) ITU-T T.35 metadata `Arc`, 48 bytes that nothing would free
        // (LeakSanitizer found it through the fuzz target): release it.
        if let Some(raw) = self.pic.itut_t35_ref.take() {
            // SAFETY: rav1d made this reference with `RawArc::from_arc` when it wrote the
            // cleared picture; it is the only one (taken out of `pic`, used once).
            drop(unsafe { raw.into_arc() });
        }
    }
}

/// The `imir` property of an AVIF's primary item: `Some(true)` for a left-right mirror,
/// `Some(false)` for top-bottom, `None` without one.
pub(crate) fn avif_mirror(ctx: &mp4parse::AvifContext) -> mp4parse::Result<Option<bool>> {
    let ptr = ctx.image_mirror_ptr()?;
    // SAFETY: mp4parse returns null or a pointer to the property inside `ctx`, which the
    // borrow keeps alive; we only read it.
    Ok(unsafe { ptr.as_ref() }.map(|m| matches!(m, mp4parse::ImageMirror::LeftRight)))
}
