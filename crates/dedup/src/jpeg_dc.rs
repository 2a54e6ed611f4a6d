//! DC-only decoding of baseline JPEGs: the 1/8-scale luma image, for perceptual hashing.
//!
//! The DC coefficient of an 8×8 block is eight times the block's mean (minus 128), so the
//! DC coefficients of the luma component *are* the image reduced 8× with a box filter
//! (anti-aliased), straight from the entropy-coded data: no inverse DCT, no chroma, no
//! colour conversion. jpeg-decoder's 1/8 scaling computes the same values, but it
//! stores every coefficient of every component, hands rows to worker threads and converts
//! YCbCr to RGB; here the AC coefficients are only *skipped* (their Huffman codes decoded,
//! their values never built) and the chroma blocks too, which makes the 1/8 decode of a
//! 12 MP photo about twice as fast (see `benches/README.md`).
//!
//! Only what this path needs is supported: 8-bit baseline or extended sequential Huffman
//! JPEG (SOF0/SOF1), one (grey) or three (YCbCr) components with full-resolution luma,
//! interleaved or not, restart intervals. Everything else (progressive, arithmetic
//! coding, 12-bit, lossless, CMYK/YCCK, RGB-coded JPEGs, damaged or truncated
//! entropy-coded data) returns `None`, and the caller decodes with a full decoder, which
//! reports errors properly. No panics on any input; allocation is bounded by the
//! [`Limits`] checked before it; the work is bounded by the number of blocks, and data
//! running out ends the decode (`None`) instead of decoding megapixels of zero bits.

use damkit_core::{LimitError, Limits};

/// The 1/8-scale luma plane of a JPEG and its EXIF block.
pub(crate) struct DcLuma {
    /// `ceil(width / 8)`.
    pub width: u32,
    /// `ceil(height / 8)`.
    pub height: u32,
    /// Block means, 0–255 (not rounded), row-major.
    pub values: Vec<f32>,
    /// The APP1 EXIF payload after `Exif\0\0`, for the orientation.
    pub exif: Option<Vec<u8>>,
}

/// The frame dimensions, if `bytes` is a JPEG whose 1/8-scale decode this module supports
/// (used to decide whether 1/8 is large enough before decoding).
pub(crate) fn probe(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut p = Parser::new(bytes)?;
    loop {
        let (marker, body) = p.segment()?;
        match marker {
            0xC0 | 0xC1 => {
                let f = Frame::parse(body)?;
                return Some((f.width, f.height));
            }
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xDA | 0xD9 => return None,
            _ => {}
        }
    }
}

/// Decodes the DC luma plane; `Ok(None)` when unsupported or damaged (decode fully
/// instead), `Err` when a limit refuses it.
pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<Option<DcLuma>, LimitError> {
    let Some(mut p) = Parser::new(bytes) else {
        return Ok(None);
    };
    let mut frame: Option<Frame> = None;
    let mut dc_tables: [Option<Box<Huffman>>; 4] = Default::default();
    let mut ac_tables: [Option<Box<Huffman>>; 4] = Default::default();
    let mut quant_dc = [None::<u16>; 4];
    let mut restart_interval = 0u32;
    let mut exif = None;
    let mut adobe_transform = None;
    loop {
        let Some((marker, body)) = p.segment() else {
            return Ok(None);
        };
        match marker {
            0xC0 | 0xC1 => {
                if frame.is_some() {
                    return Ok(None);
                }
                let Some(f) = Frame::parse(body) else {
                    return Ok(None);
                };
                limits.check_dimensions(f.width, f.height)?;
                frame = Some(f);
            }
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return Ok(None),
            0xC4 => {
                let mut b = body;
                while !b.is_empty() {
                    let class = b[0] >> 4;
                    let id = usize::from(b[0] & 15);
                    let Some((t, rest)) = Huffman::parse(&b[1..]) else {
                        return Ok(None);
                    };
                    if id > 3 || class > 1 {
                        return Ok(None);
                    }
                    if class == 0 {
                        dc_tables[id] = Some(t);
                    } else {
                        ac_tables[id] = Some(t);
                    }
                    b = rest;
                }
            }
            0xDB => {
                let mut b = body;
                while !b.is_empty() {
                    let (prec, id) = (b[0] >> 4, usize::from(b[0] & 15));
                    let len = if prec == 0 { 64 } else { 128 };
                    if id > 3 || prec > 1 || b.len() < 1 + len {
                        return Ok(None);
                    }
                    quant_dc[id] = Some(if prec == 0 {
                        u16::from(b[1])
                    } else {
                        u16::from_be_bytes([b[1], b[2]])
                    });
                    b = &b[1 + len..];
                }
            }
            0xDD => {
                if body.len() < 2 {
                    return Ok(None);
                }
                restart_interval = u32::from(u16::from_be_bytes([body[0], body[1]]));
            }
            0xE1 if body.starts_with(b"Exif\0\0") && exif.is_none() => {
                exif = Some(body[6..].to_vec());
            }
            0xEE if body.starts_with(b"Adobe") && body.len() >= 12 => {
                adobe_transform = Some(body[11]);
            }
            0xDA => {
                let Some(f) = frame.as_ref() else {
                    return Ok(None);
                };
                let Some(scan) = Scan::parse(body, f) else {
                    return Ok(None);
                };
                if !scan.comps.contains(&0) {
                    // A non-interleaved scan of chroma before the luma: skip its data.
                    if !p.skip_entropy_data() {
                        return Ok(None);
                    }
                    continue;
                }
                if f.comps.len() == 3 && (adobe_transform == Some(0) || f.looks_rgb()) {
                    return Ok(None);
                }
                let y = &f.comps[0];
                let Some(q) = quant_dc[usize::from(y.tq)] else {
                    return Ok(None);
                };
                let (w, h) = (f.width.div_ceil(8), f.height.div_ceil(8));
                let n = u64::from(w) * u64::from(h);
                limits.check_alloc(n * 4)?;
                let mut tables = Vec::with_capacity(scan.comps.len());
                for (&c, &(td, ta)) in scan.comps.iter().zip(&scan.tables) {
                    let (Some(dc), Some(ac)) = (
                        dc_tables[usize::from(td)].as_deref(),
                        ac_tables[usize::from(ta)].as_deref(),
                    ) else {
                        return Ok(None);
                    };
                    tables.push((c, dc, ac));
                }
                let data = &bytes[p.pos..];
                let Some(dcs) = decode_scan(data, f, &tables, restart_interval, w, h) else {
                    return Ok(None);
                };
                let scale = f32::from(q) / 8.0;
                let values = dcs
                    .iter()
                    .map(|&d| (d as f32 * scale + 128.0).clamp(0.0, 255.0))
                    .collect();
                return Ok(Some(DcLuma {
                    width: w,
                    height: h,
                    values,
                    exif,
                }));
            }
            0xD9 => return Ok(None),
            _ => {}
        }
    }
}

/// Marker segments up to the first scan's data.
struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(bytes: &'a [u8]) -> Option<Self> {
        bytes
            .starts_with(&[0xFF, 0xD8])
            .then_some(Parser { bytes, pos: 2 })
    }

    /// The next marker and its segment body (empty for markers without one).
    fn segment(&mut self) -> Option<(u8, &'a [u8])> {
        let b = self.bytes;
        if b.get(self.pos) != Some(&0xFF) {
            return None;
        }
        while b.get(self.pos) == Some(&0xFF) {
            self.pos += 1;
        }
        let marker = *b.get(self.pos)?;
        self.pos += 1;
        if matches!(marker, 0x01 | 0xD0..=0xD9) {
            return Some((marker, &[]));
        }
        let len = usize::from(u16::from_be_bytes([
            *b.get(self.pos)?,
            *b.get(self.pos + 1)?,
        ]));
        if len < 2 || self.pos + len > b.len() {
            return None;
        }
        let body = &b[self.pos + 2..self.pos + len];
        self.pos += len;
        Some((marker, body))
    }

    /// Moves past entropy-coded data to the next marker that is not a restart marker.
    fn skip_entropy_data(&mut self) -> bool {
        let b = self.bytes;
        while self.pos + 1 < b.len() {
            if b[self.pos] == 0xFF && !matches!(b[self.pos + 1], 0x00 | 0xD0..=0xD7 | 0xFF) {
                return true;
            }
            self.pos += 1;
        }
        false
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
        if width == 0 || height == 0 || !(n == 1 || n == 3) || b.len() < 6 + 3 * n {
            return None;
        }
        let comps: Vec<Comp> = b[6..6 + 3 * n]
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
        let hmax = comps.iter().map(|c| c.h).max()?;
        let vmax = comps.iter().map(|c| c.v).max()?;
        // The luma must be at full resolution for its blocks to be the 1/8 image.
        if comps[0].h != hmax || comps[0].v != vmax {
            return None;
        }
        Some(Frame {
            width,
            height,
            comps,
            hmax,
            vmax,
        })
    }

    /// Component ids 'R', 'G', 'B': libjpeg treats the data as RGB, not YCbCr.
    fn looks_rgb(&self) -> bool {
        self.comps.iter().map(|c| c.id).eq(*b"RGB")
    }
}

struct Scan {
    /// Frame component indices, in scan order.
    comps: Vec<usize>,
    /// (DC table, AC table) per scan component.
    tables: Vec<(u8, u8)>,
}

impl Scan {
    fn parse(b: &[u8], f: &Frame) -> Option<Scan> {
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
        let (ss, se, a) = (b[1 + 2 * n], b[2 + 2 * n], b[3 + 2 * n]);
        if ss != 0 || se != 63 || a != 0 {
            return None;
        }
        Some(Scan { comps, tables })
    }
}

/// Bits looked up at once; longer codes take the slow path.
const LOOKUP_BITS: u32 = 11;

/// Flag of [`Huffman::skip`] entries for end of block (the low bits are the code length).
const AC_EOB: u16 = 0x8000;

/// A Huffman table (JPEG Annex C / F.2.2.3) with a lookup table for short codes.
struct Huffman {
    /// Per `LOOKUP_BITS`-bit prefix: `(length << 8) | symbol`, 0 when the code is longer.
    lookup: [u16; 1 << LOOKUP_BITS],
    /// For skipping AC coefficients, per prefix: `(advance << 8) | bits` when the code and
    /// its extra bits both fit in the prefix (`advance` = run + 1, or 16 for ZRL),
    /// [`AC_EOB`] for an end-of-block code that fits, 0 otherwise.
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
        for (i, &e) in t.lookup.clone().iter().enumerate() {
            if e == 0 {
                continue;
            }
            let (len, sym) = (u32::from(e >> 8), e & 0xFF);
            let (r, sz) = (u32::from(sym >> 4), u32::from(sym & 15));
            t.skip[i] = match (r, sz) {
                (0, 0) => AC_EOB | len as u16,
                (15, 0) => (16 << 8) | len as u16,
                (_, 0) => AC_EOB | len as u16,
                _ if len + sz <= LOOKUP_BITS => (((r + 1) << 8) | (len + sz)) as u16,
                _ => 0,
            };
        }
        Some((t, &b[16 + total..]))
    }
}

/// An MSB-first bit reader over entropy-coded data: unstuffs `FF 00`, stops at markers
/// and then supplies zero bits, counting them.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u64,
    n: u32,
    /// Zero bytes supplied past a marker or the end of the data.
    fill: u32,
    at_marker: bool,
}

/// Zero bytes past the data tolerated (a valid scan needs at most a few).
const MAX_FILL: u32 = 64;

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Bits {
            data,
            pos: 0,
            acc: 0,
            n: 0,
            fill: 0,
            at_marker: false,
        }
    }

    #[inline]
    fn refill(&mut self) {
        // Fast path: 8 bytes without 0xFF.
        if !self.at_marker
            && let Some(chunk) = self.data.get(self.pos..self.pos + 8)
        {
            let x = u64::from_be_bytes(chunk.try_into().unwrap_or([0; 8]));
            let y = !x;
            let has_ff = y.wrapping_sub(0x0101_0101_0101_0101) & !y & 0x8080_8080_8080_8080;
            if has_ff == 0 {
                let take = (64 - self.n) / 8;
                let bits = self.n + 8 * take;
                let mask = if bits >= 64 { !0 } else { !(!0u64 >> bits) };
                self.acc |= (x >> self.n) & mask;
                self.n = bits;
                self.pos += take as usize;
                return;
            }
        }
        while self.n <= 56 {
            let byte = if self.at_marker {
                self.fill += 1;
                0
            } else {
                match self.data.get(self.pos) {
                    None => {
                        self.at_marker = true;
                        continue;
                    }
                    Some(&0xFF) => match self.data.get(self.pos + 1) {
                        Some(0x00) => {
                            self.pos += 2;
                            0xFF
                        }
                        Some(0xFF) => {
                            // Fill bytes before a marker.
                            self.pos += 1;
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

    #[inline]
    fn consume(&mut self, k: u32) {
        self.acc <<= k;
        self.n -= k;
    }

    /// Decodes one Huffman symbol; `None` for an invalid code. Needs `n >= 16`.
    #[inline]
    fn symbol(&mut self, t: &Huffman) -> Option<u8> {
        let e = t.lookup[(self.acc >> (64 - LOOKUP_BITS)) as usize];
        if e != 0 {
            self.consume(u32::from(e >> 8));
            return Some(e as u8);
        }
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
    #[inline]
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
        while self.pos + 1 < self.data.len() {
            if self.data[self.pos] == 0xFF && (0xD0..=0xD7).contains(&self.data[self.pos + 1]) {
                self.pos += 2;
                return true;
            }
            self.pos += 1;
        }
        false
    }
}

/// Decodes the entropy-coded data of a scan containing the luma, keeping the luma DC
/// values (quantised) of the `w × h` visible blocks.
fn decode_scan(
    data: &[u8],
    f: &Frame,
    tables: &[(usize, &Huffman, &Huffman)],
    restart_interval: u32,
    w: u32,
    h: u32,
) -> Option<Vec<i32>> {
    let mut out = vec![0i32; w as usize * h as usize];
    let mut bits = Bits::new(data);
    let mut pred = [0i32; 4];
    // One unit per MCU; a non-interleaved scan's MCU is one block.
    let (units_x, units_y, layout): (u32, u32, Vec<(usize, u32, u32)>) = if tables.len() == 1 {
        // Only the luma (checked by the caller): its block grid.
        (w, h, vec![(0, 1, 1)])
    } else {
        let ux = f.width.div_ceil(8 * f.hmax);
        let uy = f.height.div_ceil(8 * f.vmax);
        let layout = tables
            .iter()
            .enumerate()
            .map(|(k, &(c, _, _))| (k, f.comps[c].h, f.comps[c].v))
            .collect();
        (ux, uy, layout)
    };
    let luma_slot = tables.iter().position(|t| t.0 == 0)?;
    let mut since_restart = 0u32;
    for uy in 0..units_y {
        for ux in 0..units_x {
            if restart_interval > 0 && since_restart == restart_interval {
                if !bits.restart() {
                    return None;
                }
                pred = [0; 4];
                since_restart = 0;
            }
            since_restart += 1;
            for &(k, ch, cv) in &layout {
                let (_, dc_t, ac_t) = tables[k];
                for by in 0..cv {
                    for bx in 0..ch {
                        if bits.n < 32 {
                            bits.refill();
                            if bits.fill > MAX_FILL {
                                return None;
                            }
                        }
                        let s = u32::from(bits.symbol(dc_t)?);
                        if s > 16 {
                            return None;
                        }
                        pred[k] = pred[k].wrapping_add(bits.receive_extend(s));
                        if k == luma_slot {
                            let x = ux * ch + bx;
                            let y = uy * cv + by;
                            if x < w && y < h {
                                out[y as usize * w as usize + x as usize] = pred[k];
                            }
                        }
                        // Skip the AC coefficients.
                        let mut i = 1u32;
                        while i < 64 {
                            if bits.n < 32 {
                                bits.refill();
                            }
                            let e = ac_t.skip[(bits.acc >> (64 - LOOKUP_BITS)) as usize];
                            if e != 0 {
                                bits.consume(u32::from(e & 0x1F));
                                if e & AC_EOB != 0 {
                                    break;
                                }
                                i += u32::from((e >> 8) & 0x7F);
                                continue;
                            }
                            let rs = bits.symbol(ac_t)?;
                            let (r, s) = (u32::from(rs >> 4), u32::from(rs & 15));
                            if s == 0 {
                                if r != 15 {
                                    break;
                                }
                                i += 16;
                            } else {
                                bits.consume(s);
                                i += r + 1;
                            }
                        }
                    }
                }
            }
        }
        if bits.fill > MAX_FILL {
            return None;
        }
    }
    Some(out)
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
            assert!(!matches!(decode(b, &l), Ok(Some(_))));
        }
    }
}

#[cfg(test)]
mod parity {
    use super::*;

    /// The DC plane equals the block means of a full-size luma decode within rounding, on
    /// every bundled JPEG it supports (one with restart intervals among them).
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
            let mut diffs = Vec::new();
            for by in 0..fh / 8 {
                for bx in 0..fw / 8 {
                    let (mut sum, mut n) = (0u32, 0u32);
                    for y in by * 8..(by * 8 + 8).min(fh) {
                        for x in bx * 8..(bx * 8 + 8).min(fw) {
                            sum += u32::from(px[y * fw + x]);
                            n += 1;
                        }
                    }
                    let mean = sum as f32 / n as f32;
                    diffs.push((mean - dc.values[by * fw.div_ceil(8) + bx]).abs());
                }
            }
            let mean = diffs.iter().sum::<f32>() / diffs.len() as f32;
            let off = diffs.iter().filter(|&&d| d > 1.5).count();
            eprintln!(
                "{p:?}: mean {mean:.3}, {off} of {} off by > 1.5",
                diffs.len()
            );
            assert!(
                mean <= 1.0 && off * 100 <= diffs.len(),
                "{p:?}: mean {mean}, {off} of {} off by > 1.5",
                diffs.len()
            );
            checked += 1;
            with_restarts += usize::from(bytes.windows(2).any(|w| w == [0xFF, 0xDD]));
        }
        assert!(checked >= 5, "only {checked} JPEGs checked");
        assert!(with_restarts >= 1, "no JPEG with restart markers checked");
    }
}
