//! 1/8-scale JPEG decoding straight from the DC coefficients: a low-level building block.
//!
//! **Low level.** Most callers want a full image decoder (`damkit-rendition`,
//! `damkit-dedup`); this module exists because two damkit crates need the same fast path
//! and it belongs to neither. It decodes what libjpeg's 1/8 scaling (`scale_denom = 8`)
//! decodes, and nothing else: when a file is of a kind it does not handle, or is damaged,
//! it returns `Ok(None)` and the caller decodes with a full decoder, which reports errors
//! properly.
//!
//! # Why
//!
//! At 1/8 scale, libjpeg's inverse DCT of an 8×8 block is its DC coefficient alone
//! (`DC·q/8 + 128`, [`jpeg_idct_1x1`](https://github.com/libjpeg-turbo/libjpeg-turbo/blob/main/jidctred.c)):
//! the block's mean. In a sequential file the AC coefficients must still be
//! Huffman-decoded, but only to be *skipped*: a lookup table decodes a code *and* skips its
//! extra bits in one step, and the bit buffer is refilled 64 bits at a time. In a
//! progressive file the AC coefficients have scans of their own, skipped whole by looking
//! for the next marker. No coefficient array (except for progressive 4:2:0 chroma), no
//! IDCT, no per-pixel upsampling at full size. This is several times faster than a general
//! decoder's scaled path on large photos.
//!
//! # What it produces
//!
//! The same pixels as libjpeg-turbo with `scale_denom = 8` (default options: fancy
//! upsampling on, `JDCT_ISLOW`, block smoothing on), `ceil(width / 8) × ceil(height / 8)`:
//! - each component is decoded at the size libjpeg picks for it: components subsampled 2×
//!   in *both* directions (4:2:0 chroma) get libjpeg's reduced 2×2 IDCT (`jpeg_idct_2x2`,
//!   which needs the coefficients of rows/columns 0, 1, 3, 5, 7: those blocks' AC values
//!   are decoded, not skipped); all other components are DC-only (1×1);
//! - components still smaller than the output (4:2:2, 4:4:0, 4:1:1 chroma) are upsampled
//!   by replication, as libjpeg does when a component's scaled DCT size is 1;
//! - colour conversion with libjpeg's fixed-point tables: YCbCr → RGB, YCCK → CMYK;
//!   grey, RGB and CMYK pass through. The colour space is chosen by libjpeg's rules (JFIF
//!   marker, Adobe marker transform flag, component ids).
//!
//! CMYK is returned **as libjpeg returns it** (for Adobe files, inverted: 255 = no ink).
//!
//! Supported: 8-bit baseline and extended sequential Huffman JPEG (SOF0/SOF1) and 8-bit
//! progressive Huffman JPEG (SOF2), 1, 3 or 4 components, any sampling factors whose
//! ratios libjpeg supports at this scale, interleaved or non-interleaved scans, restart
//! intervals, tables defined anywhere before their scan.
//!
//! Progressive files: the DC scans (first and refinement, interleaved or not) are decoded;
//! the AC scans of DC-only components — most of the file — are not Huffman-decoded at all,
//! only scanned for the next marker. The AC scans of components that get the 2×2 IDCT
//! (4:2:0 chroma) are decoded (spectral selection, successive approximation, end-of-band
//! runs) into a coefficient array kept until the end of the image (128 bytes per block of
//! those components, checked against [`Limits`]), since only the whole progression gives
//! libjpeg's pixels. libjpeg's output is that of the complete coefficients unless it would
//! *smooth* blocks (coefficients 1–9 of a component still incomplete at the end, K.8):
//! smoothing never changes a DC, so DC-only components are exact for any script, but a 2×2
//! component whose low AC coefficients are incomplete is refused (`Ok(None)`).
//!
//! Not supported (→ `Ok(None)`): arithmetic coding, lossless, 12/16-bit, hierarchical,
//! fractional sampling ratios, components needing a 4×4 or 8×8 reduced IDCT at this scale,
//! truncated or corrupt entropy-coded data; progressive files without an end-of-image
//! marker, with a kept component that has no DC scan, with 4:2:0 chroma that libjpeg would
//! smooth (see above), or whose scans break the progression rules (a coefficient coded
//! twice by first scans, a refinement out of order, AC before DC: libjpeg only warns).
//!
//! # Safety against hostile input
//!
//! No panics on any input; dimensions are checked against [`Limits`] before anything is
//! allocated, and every allocation is checked against the allocation budget; the work is
//! bounded by the number of blocks the frame declares (a progressive file's scans can code
//! each coefficient at most 14 times: one first scan and 13 refinements), and
//! entropy-coded data running out ends the decode (`Ok(None)`) instead of decoding
//! megapixels of zero bits.
//!
//! ```
//! use damkit_core::{Limits, jpeg};
//!
//! // Not a JPEG (or not one this path supports): `None`, decode it fully instead.
//! assert!(jpeg::decode_dc(b"not a jpeg", &Limits::default())?.is_none());
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::{LimitError, Limits};

/// The colour model of a [`DcImage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DcColor {
    /// One channel.
    Gray,
    /// Red, green, blue (converted from YCbCr, or stored as RGB).
    Rgb,
    /// Cyan, magenta, yellow, black as libjpeg returns them (Adobe files: 255 = no ink).
    Cmyk,
}

impl DcColor {
    /// Bytes per pixel.
    pub fn channels(self) -> usize {
        match self {
            DcColor::Gray => 1,
            DcColor::Rgb => 3,
            DcColor::Cmyk => 4,
        }
    }
}

/// A JPEG decoded at 1/8 scale.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DcImage {
    /// `ceil(width / 8)` of the frame.
    pub width: u32,
    /// `ceil(height / 8)` of the frame.
    pub height: u32,
    /// Colour model of `data`.
    pub color: DcColor,
    /// `width * height * color.channels()` bytes, interleaved, row-major.
    pub data: Vec<u8>,
}

/// The 1/8-scale luma plane of a grey or YCbCr JPEG, unrounded.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DcLuma {
    /// `ceil(width / 8)` of the frame.
    pub width: u32,
    /// `ceil(height / 8)` of the frame.
    pub height: u32,
    /// Block means `DC·q/8 + 128`, clamped to 0–255, not rounded; row-major.
    pub values: Vec<f32>,
    /// The APP1 EXIF payload after `Exif\0\0` (for the orientation), if any.
    pub exif: Option<Vec<u8>>,
}

/// The frame size, if `bytes` is a JPEG whose frame type this module decodes (8-bit
/// baseline, extended or progressive Huffman): cheap, for deciding whether 1/8 is large
/// enough before decoding. A `Some` does not promise that [`decode_dc`] succeeds.
pub fn dc_probe(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut p = Parser::new(SliceSource(bytes))?;
    loop {
        let (marker, body) = p.segment()?;
        match marker {
            0xC0..=0xC2 => {
                let f = Frame::parse(body)?;
                return Some((f.width, f.height));
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xDA | 0xD9 => return None,
            _ => {}
        }
    }
}

/// Decodes every component at 1/8 scale with colour conversion, as libjpeg would.
///
/// `Ok(None)` when the file is not supported here or is damaged (decode it fully instead);
/// `Err` when [`Limits`] refuse its dimensions or the buffers.
pub fn decode_dc(bytes: &[u8], limits: &Limits) -> Result<Option<DcImage>, LimitError> {
    let Some(st) = run(SliceSource(bytes), limits, Mode::All)? else {
        return Ok(None);
    };
    st.assemble(limits)
}

/// [`decode_dc`] from a reader, streamed: the file is read in 64 KiB chunks and never held
/// whole, so a 1/8 decode of a large photo needs little more memory than its output and
/// DC planes; a progressive file with 4:2:0 chroma adds the chroma coefficients (one byte
/// per image pixel), kept until its last scan. The pixels are the same as [`decode_dc`]'s
/// on the same bytes.
///
/// `Ok(None)` as for [`decode_dc`] (unsupported or damaged); [`DcReadError::Io`] when the
/// reader fails; [`DcReadError::Limit`] when [`Limits`] refuse the dimensions or buffers.
/// The reader is read up to the end of the last scan needed (not necessarily to its end;
/// a progressive file up to its end-of-image marker);
/// wrap slow readers yourself if small reads are costly (reads are 64 KiB already).
///
/// ```
/// use damkit_core::{Limits, jpeg};
///
/// let not_a_jpeg = std::io::Cursor::new(b"GIF89a...");
/// assert!(jpeg::decode_dc_read(not_a_jpeg, &Limits::default())?.is_none());
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode_dc_read<R: std::io::Read>(
    reader: R,
    limits: &Limits,
) -> Result<Option<DcImage>, DcReadError> {
    let mut src = ReadSource {
        reader,
        buf: Vec::new(),
        len: 0,
        end: false,
        error: None,
    };
    let st = run(&mut src, limits, Mode::All)?;
    if let Some(e) = src.error {
        return Err(DcReadError::Io(e));
    }
    let Some(st) = st else {
        return Ok(None);
    };
    Ok(st.assemble(limits)?)
}

/// Why [`decode_dc_read`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DcReadError {
    /// The limits refuse the frame's dimensions or the decode buffers.
    #[error(transparent)]
    Limit(#[from] LimitError),
    /// Reading the input failed.
    #[error("reading the JPEG: {0}")]
    Io(#[from] std::io::Error),
}

/// Decodes only the luma plane at 1/8 scale (the other components are skipped, not
/// decoded), unrounded, with the EXIF block; for perceptual hashing.
///
/// `Ok(None)` unless the file is grey or YCbCr with full-resolution luma and otherwise
/// supported (see the module docs).
pub fn decode_dc_luma(bytes: &[u8], limits: &Limits) -> Result<Option<DcLuma>, LimitError> {
    let Some(st) = run(SliceSource(bytes), limits, Mode::LumaOnly)? else {
        return Ok(None);
    };
    let c = &st.comps[0];
    let q = f32::from(c.q[0]) / 8.0;
    let (w, h) = (st.frame.width.div_ceil(8), st.frame.height.div_ceil(8));
    let mut values = Vec::new();
    values
        .try_reserve_exact(w as usize * h as usize)
        .map_err(|_| alloc_error(u64::from(w) * u64::from(h) * 4, limits))?;
    for y in 0..h as usize {
        let row = &c.dc[y * c.grid_w as usize..][..w as usize];
        values.extend(
            row.iter()
                .map(|&d| (d as f32 * q + 128.0).clamp(0.0, 255.0)),
        );
    }
    Ok(Some(DcLuma {
        width: w,
        height: h,
        values,
        exif: st.exif,
    }))
}

fn alloc_error(requested: u64, limits: &Limits) -> LimitError {
    LimitError::Allocation {
        requested,
        in_use: 0,
        max_alloc: limits.max_alloc.unwrap_or(u64::MAX),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    All,
    LumaOnly,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Space {
    Gray,
    YCbCr,
    Rgb,
    Cmyk,
    Ycck,
}

/// What is kept of a component's blocks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// The DC value per block.
    Dc,
    /// libjpeg's 2×2 reduced IDCT per block.
    Idct2,
    /// Nothing (entropy data decoded only to move past it).
    Skip,
}

struct CompState {
    keep: Keep,
    /// Blocks per row/column of the MCU-padded grid.
    grid_w: u32,
    grid_h: u32,
    /// Replication factors to the output grid.
    up_h: u32,
    up_v: u32,
    /// Dequantisation table (natural order), latched at the component's scan.
    q: [u16; 64],
    /// `Keep::Dc`: one quantised DC per block.
    dc: Vec<i32>,
    /// `Keep::Idct2`: 2×2 pixels per block, `2 * grid_w` wide.
    px: Vec<u8>,
    /// Progressive `Keep::Idct2`: the coefficients per block (natural order),
    /// built up scan by scan and turned into `px` at the end of the image.
    coef: Vec<[i16; 64]>,
    done: bool,
    /// Progressive: whether `q` is set (libjpeg latches it at the component's first scan).
    latched: bool,
    /// Progressive: libjpeg's `coef_bits` per zigzag position: the `Al` of the last scan
    /// that coded it, -1 before any.
    coef_bits: [i8; 64],
}

struct State {
    frame: Frame,
    /// SOF2: the coefficients build up over several scans, complete at the end of image.
    progressive: bool,
    space: Space,
    comps: Vec<CompState>,
    exif: Option<Vec<u8>>,
}

fn run<S: Source>(src: S, limits: &Limits, mode: Mode) -> Result<Option<State>, LimitError> {
    let Some(mut p) = Parser::new(src) else {
        return Ok(None);
    };
    let mut st: Option<State> = None;
    let mut dc_tables: [Option<Box<Huffman>>; 4] = Default::default();
    let mut ac_tables: [Option<Box<Huffman>>; 4] = Default::default();
    let mut quant: [Option<[u16; 64]>; 4] = [None; 4];
    let mut restart_interval = 0u32;
    let mut exif = None;
    let mut adobe = None;
    let mut jfif = false;
    loop {
        let Some((marker, body)) = p.segment() else {
            return Ok(None);
        };
        match marker {
            0xC0..=0xC2 => {
                if st.is_some() {
                    return Ok(None);
                }
                let Some(f) = Frame::parse(body) else {
                    return Ok(None);
                };
                limits.check_dimensions(f.width, f.height)?;
                let progressive = marker == 0xC2;
                let Some(s) = State::new(f, progressive, mode, jfif, adobe, limits)? else {
                    return Ok(None);
                };
                st = Some(s);
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return Ok(None),
            0xC4 => {
                let mut b = body;
                while let Some((&tc, rest)) = b.split_first() {
                    let (class, id) = (tc >> 4, usize::from(tc & 15));
                    let Some((t, rest)) = Huffman::parse(rest) else {
                        return Ok(None);
                    };
                    match class {
                        0 if id < 4 => dc_tables[id] = Some(t),
                        1 if id < 4 => ac_tables[id] = Some(t),
                        _ => return Ok(None),
                    }
                    b = rest;
                }
            }
            0xDB => {
                let mut b = body;
                while let Some((&pq, rest)) = b.split_first() {
                    let (prec, id) = (pq >> 4, usize::from(pq & 15));
                    let len = if prec == 0 { 64 } else { 128 };
                    if id > 3 || prec > 1 || rest.len() < len {
                        return Ok(None);
                    }
                    let mut t = [0u16; 64];
                    for (k, &z) in ZIGZAG.iter().enumerate().take(64) {
                        t[usize::from(z)] = if prec == 0 {
                            u16::from(rest[k])
                        } else {
                            u16::from_be_bytes([rest[2 * k], rest[2 * k + 1]])
                        };
                    }
                    quant[id] = Some(t);
                    b = &rest[len..];
                }
            }
            0xDD => {
                if body.len() < 2 {
                    return Ok(None);
                }
                restart_interval = u32::from(u16::from_be_bytes([body[0], body[1]]));
            }
            0xE0 if body.starts_with(b"JFIF\0") => jfif = true,
            0xE1 if body.starts_with(b"Exif\0\0") && exif.is_none() => {
                exif = Some(body[6..].to_vec());
            }
            0xEE if body.starts_with(b"Adobe") && body.len() >= 12 => {
                adobe = Some(body[11]);
            }
            0xDA => {
                let Some(s) = st.as_mut() else {
                    return Ok(None);
                };
                let Some(scan) = Scan::parse(body, &s.frame, s.progressive) else {
                    return Ok(None);
                };
                if s.progressive {
                    let tables = Tables {
                        dc: &dc_tables,
                        ac: &ac_tables,
                        quant: &quant,
                    };
                    p = match progressive_scan(p, s, &scan, &tables, restart_interval) {
                        Some(p) => p,
                        None => return Ok(None),
                    };
                    continue;
                }
                let wanted = scan
                    .comps
                    .iter()
                    .any(|&c| s.comps[c].keep != Keep::Skip && !s.comps[c].done);
                if !wanted {
                    if !p.skip_entropy_data() {
                        return Ok(None);
                    }
                    continue;
                }
                let mut tables = Vec::with_capacity(scan.comps.len());
                for (&c, &(td, ta)) in scan.comps.iter().zip(&scan.tables) {
                    let (Some(dc), Some(ac)) = (
                        dc_tables[usize::from(td)].as_deref(),
                        ac_tables[usize::from(ta)].as_deref(),
                    ) else {
                        return Ok(None);
                    };
                    let cs = &mut s.comps[c];
                    if cs.keep != Keep::Skip {
                        let Some(q) = quant[usize::from(s.frame.comps[c].tq)] else {
                            return Ok(None);
                        };
                        cs.q = q;
                    }
                    tables.push((c, dc, ac));
                }
                // The bit reader takes the source over for the scan and hands it back.
                let mut bits = Bits::new(p.src, p.pos);
                if decode_scan(&mut bits, &s.frame, &mut s.comps, &tables, restart_interval)
                    .is_none()
                {
                    return Ok(None);
                }
                p = Parser {
                    src: bits.src,
                    pos: bits.pos,
                };
                for &c in &scan.comps {
                    s.comps[c].done = true;
                }
                if s.comps.iter().all(|c| c.done || c.keep == Keep::Skip) {
                    return Ok(st.take().map(|mut s| {
                        s.exif = exif;
                        s
                    }));
                }
                if !p.skip_entropy_data() {
                    return Ok(None);
                }
            }
            0xD9 => {
                // A progressive file's coefficients are complete at the end of the image
                // (a sequential one returns after its last needed scan, above).
                return Ok(st.take().filter(|s| s.progressive).and_then(|mut s| {
                    s.finish_progressive().then(|| {
                        s.exif = exif;
                        s
                    })
                }));
            }
            _ => {}
        }
    }
}

impl State {
    fn new(
        frame: Frame,
        progressive: bool,
        mode: Mode,
        jfif: bool,
        adobe: Option<u8>,
        limits: &Limits,
    ) -> Result<Option<State>, LimitError> {
        let ids: Vec<u8> = frame.comps.iter().map(|c| c.id).collect();
        let space = match ids.len() {
            1 => Space::Gray,
            3 => {
                if jfif {
                    Space::YCbCr
                } else if let Some(t) = adobe {
                    if t == 0 { Space::Rgb } else { Space::YCbCr }
                } else if ids == [82, 71, 66] {
                    Space::Rgb
                } else {
                    Space::YCbCr
                }
            }
            4 => match adobe {
                Some(0) | None => Space::Cmyk,
                Some(_) => Space::Ycck,
            },
            _ => return Ok(None),
        };
        let (hmax, vmax) = (frame.hmax, frame.vmax);
        let mcux = frame.width.div_ceil(8 * hmax);
        let mcuy = frame.height.div_ceil(8 * vmax);
        if mode == Mode::LumaOnly
            && (!matches!(space, Space::Gray | Space::YCbCr)
                || frame.comps[0].h != hmax
                || frame.comps[0].v != vmax)
        {
            return Ok(None);
        }
        let mut comps = Vec::with_capacity(frame.comps.len());
        let mut need = 0u64;
        for (i, c) in frame.comps.iter().enumerate() {
            // libjpeg (jdmaster.c): scale a component up through its IDCT while that
            // avoids upsampling it.
            let mut ssize = 1;
            while ssize < 8 && hmax % (c.h * ssize * 2) == 0 && vmax % (c.v * ssize * 2) == 0 {
                ssize *= 2;
            }
            let keep = if mode == Mode::LumaOnly && i > 0 {
                Keep::Skip
            } else if ssize == 1 {
                Keep::Dc
            } else if ssize == 2 {
                Keep::Idct2
            } else {
                return Ok(None);
            };
            let (ih, iv) = (c.h * ssize, c.v * ssize);
            if hmax % ih != 0 || vmax % iv != 0 {
                // Fractional sampling: libjpeg does not do it either.
                return Ok(None);
            }
            let (gw, gh) = (mcux * c.h, mcuy * c.v);
            let blocks = u64::from(gw) * u64::from(gh);
            need += match keep {
                Keep::Dc => blocks * 4,
                // Progressive: every coefficient is kept until the last scan (2 bytes each).
                Keep::Idct2 if progressive => blocks * (4 + 128),
                Keep::Idct2 => blocks * 4,
                Keep::Skip => 0,
            };
            comps.push(CompState {
                keep,
                grid_w: gw,
                grid_h: gh,
                up_h: hmax / ih,
                up_v: vmax / iv,
                q: [1; 64],
                dc: Vec::new(),
                px: Vec::new(),
                coef: Vec::new(),
                done: false,
                latched: false,
                coef_bits: [-1; 64],
            });
        }
        limits.check_alloc(need)?;
        for c in &mut comps {
            let n = c.grid_w as usize * c.grid_h as usize;
            match c.keep {
                Keep::Dc => c.dc = vec![0; n],
                Keep::Idct2 => {
                    c.px = vec![128; n * 4];
                    if progressive {
                        c.coef = vec![[0; 64]; n];
                    }
                }
                Keep::Skip => {}
            }
        }
        Ok(Some(State {
            frame,
            progressive,
            space,
            comps,
            exif: None,
        }))
    }

    /// After the last scan of a progressive image: whether libjpeg's output is what the
    /// coefficients give without its block smoothing, and then the 2×2 IDCT of the
    /// `Keep::Idct2` components' blocks.
    ///
    /// libjpeg smooths blocks (jdcoefct.c, K.8) when coefficients 1-9 of a component are
    /// incomplete at the end (missing or unrefined AC scans); the estimates go into those AC
    /// coefficients, never into the DC, so DC-only components are exact whatever the
    /// script; a 2×2 component with incomplete low AC is refused (`false`). So is a kept
    /// component without DC.
    fn finish_progressive(&mut self) -> bool {
        for c in &mut self.comps {
            match c.keep {
                Keep::Skip => {}
                Keep::Dc => {
                    if c.coef_bits[0] < 0 {
                        return false;
                    }
                }
                Keep::Idct2 => {
                    if c.coef_bits[0] < 0 || c.coef_bits[1..=9].iter().any(|&b| b != 0) {
                        return false;
                    }
                    let pw = 2 * c.grid_w as usize;
                    let mut wide = [0i32; 64];
                    for (i, block) in c.coef.iter().enumerate() {
                        let (x, y) = (i % c.grid_w as usize, i / c.grid_w as usize);
                        for (w, &v) in wide.iter_mut().zip(block) {
                            *w = i32::from(v);
                        }
                        let o = idct_2x2(&wide, &c.q);
                        let j = 2 * y * pw + 2 * x;
                        c.px[j..j + 2].copy_from_slice(&o[..2]);
                        c.px[j + pw..j + pw + 2].copy_from_slice(&o[2..]);
                    }
                    c.coef = Vec::new();
                }
            }
        }
        true
    }

    /// Upsamples to the output grid and converts colours.
    fn assemble(self, limits: &Limits) -> Result<Option<DcImage>, LimitError> {
        let (w, h) = (self.frame.width.div_ceil(8), self.frame.height.div_ceil(8));
        let color = match self.space {
            Space::Gray => DcColor::Gray,
            Space::YCbCr | Space::Rgb => DcColor::Rgb,
            Space::Cmyk | Space::Ycck => DcColor::Cmyk,
        };
        let n = w as usize * h as usize;
        let nc = self.comps.len();
        limits.check_alloc((n * color.channels()) as u64)?;
        if self.comps.iter().any(|c| c.keep == Keep::Skip) {
            return Ok(None);
        }
        let mut data = vec![0u8; n * color.channels()];
        // One output row at a time: each component's row (upsampled), then the colour
        // conversion into the interleaved output (no full-size plane per component).
        let wu = w as usize;
        let mut rows = vec![0u8; wu * nc];
        for (y, out) in data.chunks_exact_mut(wu * color.channels()).enumerate() {
            for (c, row) in self.comps.iter().zip(rows.chunks_exact_mut(wu)) {
                c.row(y, row);
            }
            let r = |k: usize, x: usize| rows[k * wu + x];
            match self.space {
                Space::Gray => out.copy_from_slice(&rows[..wu]),
                Space::Rgb => {
                    for (x, o) in out.chunks_exact_mut(3).enumerate() {
                        o.copy_from_slice(&[r(0, x), r(1, x), r(2, x)]);
                    }
                }
                Space::Cmyk => {
                    for (x, o) in out.chunks_exact_mut(4).enumerate() {
                        o.copy_from_slice(&[r(0, x), r(1, x), r(2, x), r(3, x)]);
                    }
                }
                Space::YCbCr => {
                    for (x, o) in out.chunks_exact_mut(3).enumerate() {
                        o.copy_from_slice(&ycc_to_rgb(r(0, x), r(1, x), r(2, x)));
                    }
                }
                Space::Ycck => {
                    for (x, o) in out.chunks_exact_mut(4).enumerate() {
                        let [cr, cg, cb] = ycc_to_rgb(r(0, x), r(1, x), r(2, x));
                        o.copy_from_slice(&[255 - cr, 255 - cg, 255 - cb, r(3, x)]);
                    }
                }
            }
        }
        Ok(Some(DcImage {
            width: w,
            height: h,
            color,
            data,
        }))
    }
}

impl CompState {
    /// Output row `y` of this component, upsampled to the output grid (`row.len()` wide).
    fn row(&self, y: usize, row: &mut [u8]) {
        let (uh, uv) = (self.up_h as usize, self.up_v as usize);
        match self.keep {
            Keep::Dc => {
                let q = i64::from(self.q[0]);
                let src = &self.dc[(y / uv) * self.grid_w as usize..];
                for (x, o) in row.iter_mut().enumerate() {
                    *o = idct_1x1(src[x / uh], q);
                }
            }
            Keep::Idct2 => {
                let pw = 2 * self.grid_w as usize;
                let src = &self.px[(y / uv) * pw..];
                for (x, o) in row.iter_mut().enumerate() {
                    *o = src[x / uh];
                }
            }
            Keep::Skip => row.fill(128),
        }
    }
}

/// libjpeg's `jpeg_idct_1x1`: `DESCALE(DC·q, 3) + 128`, range-limited.
#[inline]
fn idct_1x1(dc: i32, q: i64) -> u8 {
    ((((i64::from(dc) * q) + 4) >> 3) + 128).clamp(0, 255) as u8
}

/// libjpeg's YCbCr → RGB (jdcolor.c: 16-bit fixed-point tables, `SCALEBITS` 16).
#[inline]
fn ycc_to_rgb(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    const HALF: i32 = 1 << 15;
    let (y, cb, cr) = (i32::from(y), i32::from(cb) - 128, i32::from(cr) - 128);
    let r = y + ((91_881 * cr + HALF) >> 16);
    let g = y + ((-22_554 * cb - 46_802 * cr + HALF) >> 16);
    let b = y + ((116_130 * cb + HALF) >> 16);
    [
        r.clamp(0, 255) as u8,
        g.clamp(0, 255) as u8,
        b.clamp(0, 255) as u8,
    ]
}

/// libjpeg's `jpeg_idct_2x2` (jidctred.c, `CONST_BITS` 13, `PASS1_BITS` 2): the 2×2 output
/// of one block from the dequantised coefficients of rows/columns 0, 1, 3, 5, 7.
fn idct_2x2(coef: &[i32; 64], q: &[u16; 64]) -> [u8; 4] {
    const C1: i64 = 29_692; // FIX(3.624509785)
    const C3: i64 = -10_426; // -FIX(1.272758580)
    const C5: i64 = 6_967; // FIX(0.850430095)
    const C7: i64 = -5_906; // -FIX(0.720959822)
    let dq = |k: usize| i64::from(coef[k]) * i64::from(q[k]);
    // Pass 1: columns 0, 1, 3, 5, 7 into a 2-row workspace.
    let mut ws = [[0i64; 8]; 2];
    for col in [0usize, 1, 3, 5, 7] {
        if coef[8 + col] == 0 && coef[24 + col] == 0 && coef[40 + col] == 0 && coef[56 + col] == 0 {
            let dc = dq(col) << 2;
            ws[0][col] = dc;
            ws[1][col] = dc;
            continue;
        }
        let tmp10 = dq(col) << 15;
        let tmp0 = dq(56 + col) * C7 + dq(40 + col) * C5 + dq(24 + col) * C3 + dq(8 + col) * C1;
        // DESCALE(x, CONST_BITS - PASS1_BITS + 2 = 13)
        ws[0][col] = (tmp10 + tmp0 + (1 << 12)) >> 13;
        ws[1][col] = (tmp10 - tmp0 + (1 << 12)) >> 13;
    }
    let mut out = [0u8; 4];
    for (r, w) in ws.iter().enumerate() {
        let (a, b) = if w[1] == 0 && w[3] == 0 && w[5] == 0 && w[7] == 0 {
            // DESCALE(x, PASS1_BITS + 3 = 5)
            let v = (w[0] + 16) >> 5;
            (v, v)
        } else {
            let tmp10 = w[0] << 15;
            let tmp0 = w[7] * C7 + w[5] * C5 + w[3] * C3 + w[1] * C1;
            // DESCALE(x, CONST_BITS + PASS1_BITS + 3 + 2 = 20)
            (
                (tmp10 + tmp0 + (1 << 19)) >> 20,
                (tmp10 - tmp0 + (1 << 19)) >> 20,
            )
        };
        out[2 * r] = (a + 128).clamp(0, 255) as u8;
        out[2 * r + 1] = (b + 128).clamp(0, 255) as u8;
    }
    out
}

/// Zigzag position → natural (row-major) index, with 16 extra entries of 63 so that a
/// corrupt run past the end lands on the last coefficient (as in libjpeg).
const ZIGZAG: [u8; 80] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
    63, 63, 63, 63, 63, 63,
];

/// Where the decoder's bytes come from: a slice (all of it at once) or a reader (a window
/// over it, refilled in chunks). Positions are indices into [`Source::buf`].
trait Source {
    /// The bytes available now.
    fn buf(&self) -> &[u8];
    /// Makes more bytes available, dropping the ones before `keep` (which the caller no
    /// longer needs): returns how many bytes were dropped (every position into `buf` moves
    /// down by that much) and whether new bytes arrived (false at the end of the input).
    fn more(&mut self, keep: usize) -> (usize, bool);
}

/// All the bytes, borrowed.
struct SliceSource<'a>(&'a [u8]);

impl Source for SliceSource<'_> {
    #[inline(always)]
    fn buf(&self) -> &[u8] {
        self.0
    }

    fn more(&mut self, _keep: usize) -> (usize, bool) {
        (0, false)
    }
}

/// Bytes read from a reader [`CHUNK`] at a time; only the unconsumed rest is kept.
struct ReadSource<R> {
    reader: R,
    /// `buf[..len]` is the data; the rest is room for the next read (zeroed once).
    buf: Vec<u8>,
    len: usize,
    end: bool,
    /// The read error that ended the input, if any.
    error: Option<std::io::Error>,
}

/// Bytes read at once by [`ReadSource`].
const CHUNK: usize = 64 * 1024;

impl<R: std::io::Read> Source for &mut ReadSource<R> {
    #[inline(always)]
    fn buf(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn more(&mut self, keep: usize) -> (usize, bool) {
        let keep = keep.min(self.len);
        self.buf.copy_within(keep..self.len, 0);
        self.len -= keep;
        if self.end {
            return (keep, false);
        }
        if self.buf.len() < self.len + CHUNK {
            // First call, or a segment longer than what is left: room for one more chunk.
            self.buf.resize(self.len + CHUNK, 0);
        }
        loop {
            match self.reader.read(&mut self.buf[self.len..]) {
                Ok(n) => {
                    self.len += n;
                    self.end = n == 0;
                    return (keep, n > 0);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.end = true;
                    self.error = Some(e);
                    return (keep, false);
                }
            }
        }
    }
}

/// Marker segments up to the first scan's data.
struct Parser<S> {
    src: S,
    pos: usize,
}

impl<S: Source> Parser<S> {
    fn new(src: S) -> Option<Self> {
        let mut p = Parser { src, pos: 0 };
        (p.ensure(2) && p.src.buf().starts_with(&[0xFF, 0xD8])).then(|| {
            p.pos = 2;
            p
        })
    }

    /// Whether `n` bytes from `pos` on are available (reading more if needed).
    fn ensure(&mut self, n: usize) -> bool {
        while self.src.buf().len() < self.pos + n {
            let (dropped, more) = self.src.more(self.pos);
            self.pos -= dropped;
            if !more {
                return self.src.buf().len() >= self.pos + n;
            }
        }
        true
    }

    /// The next marker and its segment body (empty for markers without one).
    fn segment(&mut self) -> Option<(u8, &[u8])> {
        if !self.ensure(1) || self.src.buf()[self.pos] != 0xFF {
            return None;
        }
        while self.ensure(1) && self.src.buf()[self.pos] == 0xFF {
            self.pos += 1;
        }
        if !self.ensure(1) {
            return None;
        }
        let marker = self.src.buf()[self.pos];
        self.pos += 1;
        if matches!(marker, 0x01 | 0xD0..=0xD9) {
            return Some((marker, &[]));
        }
        if !self.ensure(2) {
            return None;
        }
        let b = self.src.buf();
        let len = usize::from(u16::from_be_bytes([b[self.pos], b[self.pos + 1]]));
        if len < 2 || !self.ensure(len) {
            return None;
        }
        let start = self.pos;
        self.pos += len;
        Some((marker, &self.src.buf()[start + 2..start + len]))
    }

    /// Moves past entropy-coded data to the next marker that is not a restart marker.
    fn skip_entropy_data(&mut self) -> bool {
        loop {
            if !self.ensure(2) {
                return false;
            }
            let b = self.src.buf();
            while self.pos + 1 < b.len() {
                // Eight bytes at a time while none is 0xFF (progressive files skip most of
                // their data here).
                if let Some(chunk) = b.get(self.pos..self.pos + 8) {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(chunk);
                    let y = !u64::from_ne_bytes(a);
                    if y.wrapping_sub(0x0101_0101_0101_0101) & !y & 0x8080_8080_8080_8080 == 0 {
                        self.pos += 8;
                        continue;
                    }
                }
                if b[self.pos] == 0xFF && !matches!(b[self.pos + 1], 0x00 | 0xD0..=0xD7 | 0xFF) {
                    return true;
                }
                self.pos += 1;
            }
        }
    }
}

#[derive(Clone, Copy)]
struct Comp {
    id: u8,
    h: u32,
    v: u32,
    tq: u8,
}

struct Frame {
    width: u32,
    height: u32,
    comps: Vec<Comp>,
    hmax: u32,
    vmax: u32,
}

impl Frame {
    fn parse(b: &[u8]) -> Option<Frame> {
        if b.len() < 6 || b[0] != 8 {
            return None;
        }
        let height = u32::from(u16::from_be_bytes([b[1], b[2]]));
        let width = u32::from(u16::from_be_bytes([b[3], b[4]]));
        let n = usize::from(b[5]);
        if width == 0 || height == 0 || !matches!(n, 1 | 3 | 4) || b.len() < 6 + 3 * n {
            return None;
        }
        let mut comps: Vec<Comp> = b[6..6 + 3 * n]
            .chunks_exact(3)
            .map(|c| Comp {
                id: c[0],
                h: u32::from(c[1] >> 4),
                v: u32::from(c[1] & 15),
                tq: c[2],
            })
            .collect();
        if comps
            .iter()
            .any(|c| !(1..=4).contains(&c.h) || !(1..=4).contains(&c.v) || c.tq > 3)
        {
            return None;
        }
        if n == 1 {
            // A single component's scan is never interleaved: its factors mean nothing.
            comps[0].h = 1;
            comps[0].v = 1;
        }
        if comps
            .iter()
            .enumerate()
            .any(|(i, c)| comps[..i].iter().any(|o| o.id == c.id))
        {
            return None;
        }
        let hmax = comps.iter().map(|c| c.h).max()?;
        let vmax = comps.iter().map(|c| c.v).max()?;
        Some(Frame {
            width,
            height,
            comps,
            hmax,
            vmax,
        })
    }
}

struct Scan {
    /// Frame component indices, in scan order.
    comps: Vec<usize>,
    /// (DC table, AC table) per scan component.
    tables: Vec<(u8, u8)>,
    /// Spectral selection (zigzag positions `ss..=se`) and successive approximation (bit
    /// positions high/low): `0, 63, 0, 0` in sequential scans.
    ss: u8,
    se: u8,
    ah: u8,
    al: u8,
}

impl Scan {
    fn parse(b: &[u8], f: &Frame, progressive: bool) -> Option<Scan> {
        let n = usize::from(*b.first()?);
        if n == 0 || n > 4 || b.len() < 1 + 2 * n + 3 {
            return None;
        }
        let mut comps = Vec::with_capacity(n);
        let mut tables = Vec::with_capacity(n);
        for c in b[1..1 + 2 * n].chunks_exact(2) {
            let idx = f.comps.iter().position(|fc| fc.id == c[0])?;
            if comps.contains(&idx) {
                return None;
            }
            let (td, ta) = (c[1] >> 4, c[1] & 15);
            if td > 3 || ta > 3 {
                return None;
            }
            comps.push(idx);
            tables.push((td, ta));
        }
        // Interleaved MCUs hold at most 10 blocks (B.2.3).
        if n > 1
            && comps
                .iter()
                .map(|&c| f.comps[c].h * f.comps[c].v)
                .sum::<u32>()
                > 10
        {
            return None;
        }
        let (ss, se, a) = (b[1 + 2 * n], b[2 + 2 * n], b[3 + 2 * n]);
        let (ah, al) = (a >> 4, a & 15);
        if !progressive {
            if ss != 0 || se != 63 || a != 0 {
                return None;
            }
        } else {
            // libjpeg's checks (jdphuff.c, start_pass_phuff_decoder): a DC scan codes the
            // DC only; an AC scan one band of one component; a refinement one bit.
            let bad_band = if ss == 0 {
                se != 0
            } else {
                ss > se || se > 63 || n != 1
            };
            if bad_band || (ah != 0 && al + 1 != ah) || al > 13 {
                return None;
            }
        }
        Some(Scan {
            comps,
            tables,
            ss,
            se,
            ah,
            al,
        })
    }
}

/// Bits looked up at once; longer codes (and code + extra bits) take the slow path.
const LOOKUP_BITS: u32 = 11;

/// Flag of [`Huffman::skip`] entries for end of block (the low bits are the code length).
const AC_EOB: u16 = 0x8000;

/// A Huffman table (JPEG Annex C / F.2.2.3) with lookup tables for short codes.
struct Huffman {
    /// Per `LOOKUP_BITS`-bit prefix: `(length << 8) | symbol`, 0 when the code is longer.
    lookup: [u16; 1 << LOOKUP_BITS],
    /// For skipping AC coefficients, per prefix: `(advance << 8) | bits` where `bits` is the
    /// code length plus its extra bits and `advance` = run + 1 (16 for ZRL),
    /// [`AC_EOB`] | length for an end-of-block code, 0 when the code is longer.
    skip: [u16; 1 << LOOKUP_BITS],
    maxcode: [i32; 17],
    mincode: [i32; 17],
    valptr: [i32; 17],
    values: Vec<u8>,
}

impl Huffman {
    /// Parses one table (after its class/id byte); returns it and the rest of the segment.
    fn parse(b: &[u8]) -> Option<(Box<Huffman>, &[u8])> {
        let counts = b.get(..16)?;
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total > 256 {
            return None;
        }
        let values = b.get(16..16 + total)?.to_vec();
        let mut t = Box::new(Huffman {
            lookup: [0; 1 << LOOKUP_BITS],
            skip: [0; 1 << LOOKUP_BITS],
            maxcode: [-1; 17],
            mincode: [0; 17],
            valptr: [0; 17],
            values,
        });
        let mut code: i32 = 0;
        let mut k: i32 = 0;
        for l in 1..=16usize {
            let n = i32::from(counts[l - 1]);
            t.valptr[l] = k;
            t.mincode[l] = code;
            code += n;
            k += n;
            if code > (1 << l) {
                return None;
            }
            t.maxcode[l] = if n > 0 { code - 1 } else { -1 };
            if l as u32 <= LOOKUP_BITS {
                let shift = LOOKUP_BITS - l as u32;
                for c in t.mincode[l]..code {
                    let sym = t.values[(t.valptr[l] + c - t.mincode[l]) as usize];
                    let e = ((l as u16) << 8) | u16::from(sym);
                    let start = (c as usize) << shift;
                    t.lookup[start..start + (1 << shift)].fill(e);
                }
            }
            code <<= 1;
        }
        for i in 0..t.lookup.len() {
            let e = t.lookup[i];
            if e == 0 {
                continue;
            }
            let (len, sym) = (u32::from(e >> 8), e & 0xFF);
            let (r, sz) = (u32::from(sym >> 4), u32::from(sym & 15));
            t.skip[i] = match (r, sz) {
                (15, 0) => (16 << 8) | len as u16,
                (_, 0) => AC_EOB | len as u16,
                // The extra bits are skipped, never read: any code that fits the lookup
                // is one step.
                _ => (((r + 1) << 8) | (len + sz)) as u16,
            };
        }
        Some((t, &b[16 + total..]))
    }
}

/// An MSB-first bit reader over entropy-coded data: unstuffs `FF 00`, stops at markers
/// and then supplies zero bits, counting them.
struct Bits<S> {
    src: S,
    pos: usize,
    acc: u64,
    n: u32,
    /// Zero bytes supplied past a marker or the end of the data.
    fill: u32,
    at_marker: bool,
}

/// Zero bytes past the data tolerated (a valid scan needs at most a few).
const MAX_FILL: u32 = 64;

impl<S: Source> Bits<S> {
    fn new(src: S, pos: usize) -> Self {
        Bits {
            src,
            pos,
            acc: 0,
            n: 0,
            fill: 0,
            at_marker: false,
        }
    }

    /// Tops the buffer up to 56-63 bits: both paths leave the same count for the same
    /// count before (so the zero fill past a marker, [`MAX_FILL`], does not depend on how
    /// much input was available: slice and streamed decodes agree).
    #[inline(always)]
    fn refill(&mut self) {
        // Fast path: 8 bytes without 0xFF, loaded at once.
        if !self.at_marker
            && let Some(chunk) = self.src.buf().get(self.pos..self.pos + 8)
        {
            let mut a = [0u8; 8];
            a.copy_from_slice(chunk);
            let x = u64::from_be_bytes(a);
            let y = !x;
            let has_ff = y.wrapping_sub(0x0101_0101_0101_0101) & !y & 0x8080_8080_8080_8080;
            if has_ff == 0 {
                // Bits beyond the counted ones are the next bytes' own bits: loading them
                // again later ORs the same values into the same places.
                self.acc |= x >> self.n;
                let take = (63 - self.n) >> 3;
                self.pos += take as usize;
                self.n += take * 8;
                return;
            }
        }
        self.refill_slow();
    }

    /// Reads more input when fewer than 8 bytes are left after `pos`; false at its end.
    fn more(&mut self) -> bool {
        let (dropped, more) = self.src.more(self.pos);
        self.pos -= dropped;
        more
    }

    #[inline(never)]
    fn refill_slow(&mut self) {
        if !self.at_marker && self.src.buf().len() < self.pos + 8 {
            self.more();
        }
        while self.n <= 55 {
            let byte = if self.at_marker {
                self.fill += 1;
                0
            } else {
                let data = self.src.buf();
                match data.get(self.pos) {
                    None => {
                        if !self.more() {
                            self.at_marker = true;
                        }
                        continue;
                    }
                    Some(&0xFF) => match data.get(self.pos + 1) {
                        Some(0x00) => {
                            self.pos += 2;
                            0xFF
                        }
                        Some(0xFF) => {
                            // Fill bytes before a marker.
                            self.pos += 1;
                            continue;
                        }
                        None => {
                            if !self.more() {
                                self.at_marker = true;
                            }
                            continue;
                        }
                        _ => {
                            self.at_marker = true;
                            continue;
                        }
                    },
                    Some(&b) => {
                        self.pos += 1;
                        b
                    }
                }
            };
            self.acc |= u64::from(byte) << (56 - self.n);
            self.n += 8;
        }
    }

    #[inline(always)]
    fn consume(&mut self, k: u32) {
        self.acc <<= k;
        self.n -= k;
    }

    /// Decodes one Huffman symbol; `None` for an invalid code. Needs `n >= 16`.
    #[inline(always)]
    fn symbol(&mut self, t: &Huffman) -> Option<u8> {
        let e = t.lookup[(self.acc >> (64 - LOOKUP_BITS)) as usize];
        if e != 0 {
            self.consume(u32::from(e >> 8));
            return Some(e as u8);
        }
        self.symbol_slow(t)
    }

    #[inline(never)]
    fn symbol_slow(&mut self, t: &Huffman) -> Option<u8> {
        for l in LOOKUP_BITS as usize + 1..=16 {
            let code = (self.acc >> (64 - l)) as i32;
            if code <= t.maxcode[l] {
                self.consume(l as u32);
                return t
                    .values
                    .get((t.valptr[l] + code - t.mincode[l]) as usize)
                    .copied();
            }
        }
        None
    }

    /// `s` raw bits, sign-extended as JPEG does (F.2.2.1). Needs `n >= s`, `s <= 16`.
    #[inline(always)]
    fn receive_extend(&mut self, s: u32) -> i32 {
        if s == 0 {
            return 0;
        }
        let v = (self.acc >> (64 - s)) as i32;
        self.consume(s);
        if v < 1 << (s - 1) {
            v - (1 << s) + 1
        } else {
            v
        }
    }

    /// Realigns at a restart marker: drops buffered bits and skips to past `FF Dn`.
    fn restart(&mut self) -> bool {
        self.acc = 0;
        self.n = 0;
        self.at_marker = false;
        // Reading ahead up to the marker supplied zero bytes that were never used.
        self.fill = 0;
        loop {
            let data = self.src.buf();
            while self.pos + 1 < data.len() {
                if data[self.pos] == 0xFF && (0xD0..=0xD7).contains(&data[self.pos + 1]) {
                    self.pos += 2;
                    return true;
                }
                self.pos += 1;
            }
            if !self.more() {
                return false;
            }
        }
    }

    /// Decodes one block's DC difference and skips its AC coefficients. The bit buffer
    /// lives in locals (registers) for the whole block; one table step decodes an AC code
    /// of up to `LOOKUP_BITS` bits and skips its extra bits (`n >= 32` covers the longest
    /// step: 11 + 15 bits).
    #[inline(always)]
    fn dc_skip_ac(&mut self, dc: &Huffman, ac: &Huffman) -> Option<i32> {
        if self.n < 32 {
            self.refill();
        }
        let (mut acc, mut n) = (self.acc, self.n);
        // DC: a short code through the lookup, else the slow path.
        let e = dc.lookup[(acc >> (64 - LOOKUP_BITS)) as usize];
        let s = if e != 0 {
            let l = u32::from(e >> 8);
            acc <<= l;
            n -= l;
            u32::from(e as u8)
        } else {
            let s = self.symbol_slow(dc)?;
            (acc, n) = (self.acc, self.n);
            u32::from(s)
        };
        if s > 16 {
            return None;
        }
        let diff = if s == 0 {
            0
        } else {
            let v = (acc >> (64 - s)) as i32;
            acc <<= s;
            n -= s;
            if v < 1 << (s - 1) {
                v - (1 << s) + 1
            } else {
                v
            }
        };
        let mut i = 1u32;
        while i < 64 {
            if n < 32 {
                self.acc = acc;
                self.n = n;
                self.refill();
                (acc, n) = (self.acc, self.n);
            }
            let e = ac.skip[(acc >> (64 - LOOKUP_BITS)) as usize];
            if e != 0 {
                let k = u32::from(e & 0x1F);
                acc <<= k;
                n -= k;
                if e & AC_EOB != 0 {
                    break;
                }
                i += u32::from((e >> 8) & 0x7F);
                continue;
            }
            // A code longer than the lookup.
            self.acc = acc;
            self.n = n;
            let rs = self.symbol_slow(ac)?;
            (acc, n) = (self.acc, self.n);
            let (r, s) = (u32::from(rs >> 4), u32::from(rs & 15));
            if s == 0 {
                if r != 15 {
                    break;
                }
                i += 16;
            } else {
                acc <<= s;
                n -= s;
                i += r + 1;
            }
        }
        self.acc = acc;
        self.n = n;
        Some(diff)
    }

    /// `k` raw bits (1 to 16).
    #[inline(always)]
    fn get_bits(&mut self, k: u32) -> u32 {
        if self.n < k {
            self.refill();
        }
        let v = (self.acc >> (64 - k)) as u32;
        self.consume(k);
        v
    }

    /// An end-of-band run (`EOBn`, G.1.2.2): `2^r` plus `r` raw bits.
    #[inline]
    fn eob_run(&mut self, r: u32) -> u32 {
        (1 << r) + if r > 0 { self.get_bits(r) } else { 0 }
    }

    /// One block of a progressive AC first scan (jdphuff.c `decode_mcu_AC_first`): the band
    /// `ss..=se` as values `<< al`, or one block of an end-of-band run.
    fn ac_first(
        &mut self,
        ac: &Huffman,
        block: &mut [i16; 64],
        ss: usize,
        se: usize,
        al: u32,
        eobrun: &mut u32,
    ) -> Option<()> {
        if *eobrun > 0 {
            *eobrun -= 1;
            return Some(());
        }
        let mut k = ss;
        while k <= se {
            if self.n < 32 {
                self.refill();
            }
            let rs = self.symbol(ac)?;
            let (r, s) = (u32::from(rs >> 4), u32::from(rs & 15));
            if s != 0 {
                k += r as usize;
                let v = self.receive_extend(s);
                block[usize::from(ZIGZAG[k.min(79)])] = v.wrapping_shl(al) as i16;
            } else if r == 15 {
                k += 15;
            } else {
                *eobrun = self.eob_run(r) - 1;
                break;
            }
            k += 1;
        }
        Some(())
    }

    /// One block of a progressive AC refinement scan (jdphuff.c `decode_mcu_AC_refine`):
    /// a correction bit for each coefficient already non-zero in the band, and new
    /// coefficients of ±`p1`.
    #[allow(clippy::too_many_arguments)]
    fn ac_refine(
        &mut self,
        ac: &Huffman,
        block: &mut [i16; 64],
        ss: usize,
        se: usize,
        p1: i16,
        m1: i16,
        eobrun: &mut u32,
    ) -> Option<()> {
        let mut k = ss;
        if *eobrun == 0 {
            while k <= se {
                if self.n < 32 {
                    self.refill();
                }
                let rs = self.symbol(ac)?;
                let (mut r, s) = (i32::from(rs >> 4), rs & 15);
                let mut new = 0i16;
                if s != 0 {
                    // libjpeg warns when s != 1 and reads the sign bit all the same.
                    new = if self.get_bits(1) != 0 { p1 } else { m1 };
                } else if r != 15 {
                    *eobrun = self.eob_run(r as u32);
                    break;
                }
                // Skip `r` zero coefficients, refining the non-zero ones on the way.
                loop {
                    let coef = &mut block[usize::from(ZIGZAG[k.min(79)])];
                    if *coef != 0 {
                        self.refine_bit(coef, p1, m1);
                    } else {
                        r -= 1;
                        if r < 0 {
                            break;
                        }
                    }
                    k += 1;
                    if k > se {
                        break;
                    }
                }
                if new != 0 {
                    block[usize::from(ZIGZAG[k.min(79)])] = new;
                }
                k += 1;
            }
        }
        if *eobrun > 0 {
            // The rest of the band is in an end-of-band run: only correction bits.
            while k <= se {
                let coef = &mut block[usize::from(ZIGZAG[k])];
                if *coef != 0 {
                    self.refine_bit(coef, p1, m1);
                }
                k += 1;
            }
            *eobrun -= 1;
        }
        Some(())
    }

    /// A correction bit for a non-zero coefficient: adds `p1` away from zero if set (and
    /// the bit is not set yet).
    #[inline(always)]
    fn refine_bit(&mut self, coef: &mut i16, p1: i16, m1: i16) {
        if self.get_bits(1) != 0 && *coef & p1 == 0 {
            *coef = coef.wrapping_add(if *coef >= 0 { p1 } else { m1 });
        }
    }

    /// Decodes the AC coefficients of one block into `coef` (natural order).
    #[inline(always)]
    fn decode_ac(&mut self, ac: &Huffman, coef: &mut [i32; 64]) -> Option<()> {
        let mut k = 1usize;
        while k < 64 {
            if self.n < 32 {
                self.refill();
            }
            let rs = self.symbol(ac)?;
            let (r, s) = (usize::from(rs >> 4), u32::from(rs & 15));
            if s == 0 {
                if r != 15 {
                    return Some(());
                }
                k += 16;
            } else {
                k += r;
                let v = self.receive_extend(s);
                coef[usize::from(ZIGZAG[k.min(79)])] = v;
                k += 1;
            }
        }
        Some(())
    }
}

/// A scan's units (MCUs) across and down, and per scan component `(index, blocks across,
/// blocks down)` in a unit: one unit per MCU; a non-interleaved scan's MCU is one block of
/// its component's grid (not padded to whole MCUs).
fn units(f: &Frame, scan_comps: &[usize]) -> (u32, u32, Vec<(usize, u32, u32)>) {
    let interleaved = scan_comps.len() > 1;
    let (units_x, units_y) = if interleaved {
        (f.width.div_ceil(8 * f.hmax), f.height.div_ceil(8 * f.vmax))
    } else {
        let c = &f.comps[scan_comps[0]];
        let cw = (u64::from(f.width) * u64::from(c.h)).div_ceil(u64::from(f.hmax)) as u32;
        let ch = (u64::from(f.height) * u64::from(c.v)).div_ceil(u64::from(f.vmax)) as u32;
        (cw.div_ceil(8), ch.div_ceil(8))
    };
    let layout = scan_comps
        .iter()
        .map(|&c| {
            if interleaved {
                (c, f.comps[c].h, f.comps[c].v)
            } else {
                (c, 1, 1)
            }
        })
        .collect();
    (units_x, units_y, layout)
}

/// The tables defined so far, for a progressive scan.
struct Tables<'a> {
    dc: &'a [Option<Box<Huffman>>; 4],
    ac: &'a [Option<Box<Huffman>>; 4],
    quant: &'a [Option<[u16; 64]>; 4],
}

/// One scan of a progressive JPEG: checks and records the progression (libjpeg's
/// `coef_bits`), then decodes it when it carries something kept (a DC scan of a kept
/// component, an AC scan of a `Keep::Idct2` one) or moves past it to the next marker
/// without decoding (AC scans of DC-only components: most of the file). `None` when the
/// scan is damaged, refers to missing tables, or breaks the progression rules (libjpeg
/// warns and goes on; the caller's full decoder deals with such files).
fn progressive_scan<S: Source>(
    p: Parser<S>,
    s: &mut State,
    scan: &Scan,
    t: &Tables<'_>,
    restart_interval: u32,
) -> Option<Parser<S>> {
    let (ss, se) = (usize::from(scan.ss), usize::from(scan.se));
    for &c in &scan.comps {
        let cs = &mut s.comps[c];
        if ss > 0 && cs.coef_bits[0] < 0 {
            // AC before the DC.
            return None;
        }
        for b in &mut cs.coef_bits[ss..=se] {
            // A first scan codes what no scan coded yet (libjpeg would accept another first
            // scan after the last refinement: not us, so that each coefficient is coded by
            // at most 14 scans and the work stays bounded); a refinement goes on from the
            // previous scan's last bit.
            let ok = if scan.ah == 0 {
                *b < 0
            } else {
                i16::from(*b) == i16::from(scan.ah)
            };
            if !ok {
                return None;
            }
            *b = scan.al as i8;
        }
        if !cs.latched {
            // libjpeg latches a component's table at its first scan (jdinput.c).
            cs.q = t.quant[usize::from(s.frame.comps[c].tq)]?;
            cs.latched = true;
        }
    }
    let wanted = scan.comps.iter().any(|&c| match s.comps[c].keep {
        Keep::Skip => false,
        Keep::Dc => ss == 0,
        Keep::Idct2 => true,
    });
    let mut p = p;
    if !wanted {
        return p.skip_entropy_data().then_some(p);
    }
    let mut huff = Vec::with_capacity(scan.comps.len());
    for &(td, ta) in &scan.tables {
        let h = if ss > 0 {
            Some(t.ac[usize::from(ta)].as_deref()?)
        } else if scan.ah == 0 {
            Some(t.dc[usize::from(td)].as_deref()?)
        } else {
            None
        };
        huff.push(h);
    }
    let mut bits = Bits::new(p.src, p.pos);
    decode_progressive_scan(&mut bits, s, scan, &huff, restart_interval)?;
    p = Parser {
        src: bits.src,
        pos: bits.pos,
    };
    p.skip_entropy_data().then_some(p)
}

/// Decodes one progressive scan (jdphuff.c's four decoders) into the kept components'
/// coefficients; `Keep::Skip` components' bits are read and dropped.
fn decode_progressive_scan<S: Source>(
    bits: &mut Bits<S>,
    s: &mut State,
    scan: &Scan,
    huff: &[Option<&Huffman>],
    restart_interval: u32,
) -> Option<()> {
    let (units_x, units_y, layout) = units(&s.frame, &scan.comps);
    let (ss, se, al) = (
        usize::from(scan.ss),
        usize::from(scan.se),
        u32::from(scan.al),
    );
    let refine = scan.ah != 0;
    // Bit `al`, and -1 from it up, as libjpeg's JCOEFs.
    let p1 = 1i16 << al;
    let m1 = (-1i16).wrapping_shl(al);
    let mut pred = [0i32; 4];
    let mut eobrun = 0u32;
    let mut since_restart = 0u32;
    for uy in 0..units_y {
        for ux in 0..units_x {
            if restart_due(restart_interval, &mut since_restart) {
                if !bits.restart() {
                    return None;
                }
                pred = [0; 4];
                eobrun = 0;
            }
            for (slot, &(c, ch, cv)) in layout.iter().enumerate() {
                let h = huff[slot];
                let cs = &mut s.comps[c];
                for by in 0..cv {
                    for bx in 0..ch {
                        let (x, y) = (ux * ch + bx, uy * cv + by);
                        let i = if x < cs.grid_w && y < cs.grid_h {
                            Some((y * cs.grid_w + x) as usize)
                        } else {
                            None
                        };
                        if ss == 0 {
                            // DC: the first scan's difference, or one more bit.
                            let v = if refine {
                                i16::from(bits.get_bits(1) != 0)
                            } else {
                                if bits.n < 32 {
                                    bits.refill();
                                }
                                let n = u32::from(bits.symbol(h?)?);
                                if n > 16 {
                                    return None;
                                }
                                pred[slot] = pred[slot].wrapping_add(bits.receive_extend(n));
                                pred[slot].wrapping_shl(al) as i16
                            };
                            let Some(i) = i else { continue };
                            match cs.keep {
                                Keep::Dc if refine => cs.dc[i] |= i32::from(v * p1),
                                Keep::Dc => cs.dc[i] = i32::from(v),
                                Keep::Idct2 if refine => cs.coef[i][0] |= v * p1,
                                Keep::Idct2 => cs.coef[i][0] = v,
                                Keep::Skip => {}
                            }
                            continue;
                        }
                        // AC: only `Keep::Idct2` components get here (single-component scans).
                        let mut dummy = [0i16; 64];
                        let block = match i {
                            Some(i) => &mut cs.coef[i],
                            None => &mut dummy,
                        };
                        if refine {
                            bits.ac_refine(h?, block, ss, se, p1, m1, &mut eobrun)?;
                        } else {
                            bits.ac_first(h?, block, ss, se, al, &mut eobrun)?;
                        }
                    }
                }
            }
            if bits.fill > MAX_FILL {
                return None;
            }
        }
    }
    Some(())
}

/// Decodes the entropy-coded data of one scan into the components' planes; `bits.pos` is
/// left past what was read.
fn decode_scan<S: Source>(
    bits: &mut Bits<S>,
    f: &Frame,
    comps: &mut [CompState],
    tables: &[(usize, &Huffman, &Huffman)],
    restart_interval: u32,
) -> Option<()> {
    let mut pred = [0i32; 4];
    let mut coef = [0i32; 64];
    let scan_comps: Vec<usize> = tables.iter().map(|&(c, _, _)| c).collect();
    let (units_x, units_y, layout) = units(f, &scan_comps);
    let mut since_restart = 0u32;
    for uy in 0..units_y {
        for ux in 0..units_x {
            if restart_due(restart_interval, &mut since_restart) {
                if !bits.restart() {
                    return None;
                }
                pred = [0; 4];
            }
            for (slot, &(c, ch, cv)) in layout.iter().enumerate() {
                let (_, dc_t, ac_t) = tables[slot];
                let cs = &mut comps[c];
                for by in 0..cv {
                    for bx in 0..ch {
                        let x = ux * ch + bx;
                        let y = uy * cv + by;
                        match cs.keep {
                            Keep::Skip => {
                                bits.dc_skip_ac(dc_t, ac_t)?;
                            }
                            Keep::Dc => {
                                let d = bits.dc_skip_ac(dc_t, ac_t)?;
                                pred[slot] = pred[slot].wrapping_add(d);
                                if let Some(v) = cs.dc.get_mut((y * cs.grid_w + x) as usize) {
                                    *v = pred[slot];
                                }
                            }
                            Keep::Idct2 => {
                                if bits.n < 32 {
                                    bits.refill();
                                }
                                let s = u32::from(bits.symbol(dc_t)?);
                                if s > 16 {
                                    return None;
                                }
                                pred[slot] = pred[slot].wrapping_add(bits.receive_extend(s));
                                coef[0] = pred[slot];
                                bits.decode_ac(ac_t, &mut coef)?;
                                if x < cs.grid_w && y < cs.grid_h {
                                    let o = idct_2x2(&coef, &cs.q);
                                    let pw = 2 * cs.grid_w as usize;
                                    let i = 2 * y as usize * pw + 2 * x as usize;
                                    cs.px[i..i + 2].copy_from_slice(&o[..2]);
                                    cs.px[i + pw..i + pw + 2].copy_from_slice(&o[2..]);
                                }
                                coef = [0; 64];
                            }
                        }
                    }
                }
            }
            if bits.fill > MAX_FILL {
                return None;
            }
        }
    }
    Some(())
}

/// Counts one more MCU of a scan whose restart interval is `interval` (0: none), `since`
/// being the MCUs since the scan start or the last restart: true when a restart marker
/// precedes this MCU (after every `interval` MCUs).
fn restart_due(interval: u32, since: &mut u32) -> bool {
    let due = interval > 0 && *since == interval;
    if due {
        *since = 0;
    }
    *since += 1;
    due
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_none_not_a_panic() {
        let l = Limits::default();
        for b in [
            &b""[..],
            b"\xff\xd8",
            b"\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01",
            b"\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00",
        ] {
            assert!(!matches!(decode_dc(b, &l), Ok(Some(_))));
            assert!(!matches!(decode_dc_luma(b, &l), Ok(Some(_))));
        }
    }

    #[test]
    fn colour_conversion_matches_libjpeg_tables() {
        // Values from libjpeg-turbo's jdcolor.c tables.
        assert_eq!(ycc_to_rgb(128, 128, 128), [128, 128, 128]);
        assert_eq!(ycc_to_rgb(0, 128, 255), [178, 0, 0]);
        assert_eq!(ycc_to_rgb(255, 0, 128), [255, 255, 28]);
        assert_eq!(idct_1x1(-1024 / 8, 8), 0);
        assert_eq!(idct_1x1(1, 4), 129); // (4 + 4) >> 3 = 1
        assert_eq!(idct_1x1(-1, 4), 128); // (-4 + 4) >> 3 = 0
    }

    #[test]
    fn idct_2x2_of_a_dc_block_is_flat_and_an_ac_block_is_not() {
        let mut coef = [0i32; 64];
        let q = [2u16; 64];
        coef[0] = 40; // 80 / 8 = 10 above grey
        assert_eq!(idct_2x2(&coef, &q), [138; 4]);
        coef[1] = 20; // horizontal first harmonic: left brighter than right
        let o = idct_2x2(&coef, &q);
        assert!(o[0] > o[1] && o[2] > o[3] && o[0] == o[2], "{o:?}");
    }
}
