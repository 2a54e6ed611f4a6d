//! The renderer: one decode, many renditions.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use damkit_core::{Limits, MediaType};
use serde::Serialize;

use crate::color::ToSrgb;
use crate::decode::{self, DecodeOptions, Decoded, SourceInfo};
use crate::encode;
use crate::error::{RenditionError, Result};
use crate::metadata;
use crate::ops;
use crate::raster::{PixelLayout, Raster};
use crate::spec::{Format, RenditionSpec, jpeg_shrink_factor};

/// The smallest reduction a cascaded resize leaves for its final Lanczos step: a smaller
/// spec is resized from a larger spec's result (instead of the whole decoded source) only
/// when that result is at least this many times the smaller output in each direction.
/// Two, as in libvips' shrink-on-load rule: the final filter still sees two source pixels
/// per output pixel (PSNR against the direct resize in the tests).
pub const CASCADE_FACTOR: f64 = 2.0;

/// A resize of the whole decoded raster kept for smaller specs.
struct Intermediate {
    raster: Raster,
    filter: crate::spec::Filter,
}

/// One encoded rendition, in memory.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Rendition {
    /// The spec's name.
    pub name: String,
    /// Output format.
    pub format: Format,
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// The encoded file.
    pub data: Vec<u8>,
    /// Time spent on this rendition after the shared decode (resize, colour, encode).
    pub elapsed: Duration,
}

/// All renditions of one source.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Rendered {
    /// Header facts of the source.
    pub info: SourceInfo,
    /// The JPEG DCT scale-down used (1 = full decode; always 1 for other formats).
    pub shrink_on_load: u32,
    /// Time spent decoding (once, for all renditions).
    pub decode_time: Duration,
    /// The renditions, in the order of the specs.
    pub renditions: Vec<Rendition>,
    /// Tolerated defects (lenient mode), ignored profiles, dropped metadata.
    pub warnings: Vec<String>,
}

/// A rendition written to disk.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct OutputFile {
    /// The spec's (preset's) name.
    pub preset: String,
    /// Where it was written.
    pub path: PathBuf,
    /// Output format.
    pub format: Format,
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// File size in bytes.
    pub bytes: u64,
}

/// What rendering one file produced.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct FileReport {
    /// The input file.
    pub input: PathBuf,
    /// Source format.
    pub media_type: MediaType,
    /// Source width and height, as stored.
    pub source_size: (u32, u32),
    /// EXIF orientation applied.
    pub orientation: u8,
    /// JPEG shrink-on-load factor used.
    pub shrink_on_load: u32,
    /// The files written, in spec order.
    pub outputs: Vec<OutputFile>,
    /// Decode time in milliseconds.
    pub decode_ms: f64,
    /// Total time for the file (read, decode, render, write) in milliseconds.
    pub total_ms: f64,
    /// Tolerated defects and notes.
    pub warnings: Vec<String>,
}

/// Renders [`RenditionSpec`]s from image bytes or files.
///
/// The input is decoded once, at the size the largest spec needs (JPEG shrink-on-load with
/// the libvips rule), then each spec is resized (Lanczos3 by default, premultiplied alpha),
/// converted to sRGB, oriented, sharpened, watermarked and encoded.
#[derive(Debug, Default)]
pub struct Renderer {
    limits: Limits,
    lenient: bool,
    full_decode: bool,
    max_shrink: Option<u32>,
    no_fsync: bool,
    no_cascade: bool,
    watermarks: Mutex<HashMap<PathBuf, Arc<Raster>>>,
}

impl Clone for Renderer {
    fn clone(&self) -> Self {
        Renderer {
            limits: self.limits.clone(),
            lenient: self.lenient,
            full_decode: self.full_decode,
            max_shrink: self.max_shrink,
            no_fsync: self.no_fsync,
            no_cascade: self.no_cascade,
            watermarks: Mutex::new(HashMap::new()),
        }
    }
}

/// Input bytes, borrowed or owned (owned ones are freed right after decoding).
enum Input<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
}

impl Input<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Input::Borrowed(b) => b,
            Input::Owned(v) => v,
        }
    }
}

/// Output file name for `input` and a spec: `STEM-NAME.EXT`.
pub fn output_name(input: &Path, spec: &RenditionSpec) -> PathBuf {
    let stem = input
        .file_stem()
        .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from(format!("{stem}-{}.{}", spec.name, spec.format.extension()))
}

/// Writes `data` to `path` through a temporary file in the same folder, fsynced (when `fsync`)
/// and renamed, so that `path` is either the old file or the complete new one.
pub fn write_atomically(path: &Path, data: &[u8], fsync: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let io = |action, source| RenditionError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".damkit-render-")
        .tempfile_in(dir)
        .map_err(|e| io("creating a temporary file for", e))?;
    tmp.write_all(data).map_err(|e| io("writing", e))?;
    if fsync {
        tmp.as_file().sync_all().map_err(|e| io("syncing", e))?;
    }
    tmp.persist(path)
        .map_err(|e| io("renaming into", e.error))?;
    Ok(())
}

fn check_specs(specs: &[RenditionSpec]) -> Result<()> {
    if specs.is_empty() {
        return Err(RenditionError::Preset("no rendition spec given".into()));
    }
    for (i, s) in specs.iter().enumerate() {
        s.validate()?;
        if specs[..i].iter().any(|o| o.name == s.name) {
            return Err(RenditionError::Preset(format!(
                "spec name {:?} given twice",
                s.name
            )));
        }
    }
    Ok(())
}

impl Renderer {
    /// A renderer with the default (finite) limits, strict decoding and shrink-on-load.
    pub fn new() -> Self {
        Renderer::default()
    }

    /// Sets the limits (checked against each header before decoding).
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Lenient mode: decode what is there in truncated inputs, with a warning (JPEG: the
    /// missing data padded as libjpeg pads it; non-interlaced PNG: the rows before the
    /// damage, the rest grey or transparent). Off: a truncated input is an error.
    #[must_use]
    pub fn lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }

    /// Turns JPEG shrink-on-load off: always decode at full size. Slower; this is the exact
    /// reference the quality tests compare against.
    #[must_use]
    pub fn full_decode(mut self, full: bool) -> Self {
        self.full_decode = full;
        self
    }

    /// Caps the JPEG DCT scale-down at `max` (1, 2, 4 or 8; default 8): a lower cap trades
    /// speed for fidelity to the full-decode reference.
    #[must_use]
    pub fn max_jpeg_shrink(mut self, max: u32) -> Self {
        self.max_shrink = Some(max.clamp(1, 8));
        self
    }

    /// Whether written files are fsynced before the rename (default: yes). Turning it off
    /// keeps the rename atomic but a crash may leave an empty or partial file behind it.
    #[must_use]
    pub fn fsync(mut self, fsync: bool) -> Self {
        self.no_fsync = !fsync;
        self
    }

    /// Whether smaller specs may be resized from a larger spec's resize of the same decode
    /// (default: yes, when that leaves at least [`CASCADE_FACTOR`]); off, every spec is
    /// resized from the decoded source.
    #[must_use]
    pub fn cascade(mut self, cascade: bool) -> Self {
        self.no_cascade = !cascade;
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The JPEG DCT scale-down for a source with header `info` and these specs.
    fn shrink_for(&self, info: &SourceInfo, specs: &[RenditionSpec]) -> u32 {
        let (dw, dh) = info.display_size();
        if self.full_decode || info.media_type != MediaType::Jpeg {
            1
        } else {
            let least = specs
                .iter()
                .map(|s| s.geometry(dw, dh).shrink())
                .fold(f64::INFINITY, f64::min);
            let s = jpeg_shrink_factor(least);
            self.max_shrink.map_or(s, |m| s.min(m))
        }
    }

    fn decode_for(&self, bytes: &[u8], specs: &[RenditionSpec]) -> Result<(Decoded, u32)> {
        let info = decode::probe(bytes, &self.limits)?;
        let shrink = self.shrink_for(&info, specs);
        let opts = DecodeOptions {
            limits: self.limits.clone(),
            lenient: self.lenient,
            jpeg_shrink: shrink,
        };
        Ok((decode::decode_impl(bytes, &opts, true)?, shrink))
    }

    fn watermark_image(&self, path: &Path) -> Result<Arc<Raster>> {
        if let Some(r) = self
            .watermarks
            .lock()
            .ok()
            .and_then(|cache| cache.get(path).cloned())
        {
            return Ok(r);
        }
        let load = || -> Result<Raster> {
            let bytes = std::fs::read(path).map_err(|source| RenditionError::Io {
                action: "reading",
                path: path.to_path_buf(),
                source,
            })?;
            let d = decode::decode(
                &bytes,
                &DecodeOptions {
                    limits: self.limits.clone(),
                    ..DecodeOptions::default()
                },
            )?;
            let mut w = Vec::new();
            let srgb = ToSrgb::new(d.raster.layout, d.icc.as_deref(), &mut w).apply(d.raster)?;
            Ok(d.info.orientation.apply(srgb))
        };
        let r = Arc::new(load().map_err(|e| RenditionError::Watermark {
            path: path.to_path_buf(),
            source: Box::new(e),
        })?);
        if let Ok(mut cache) = self.watermarks.lock() {
            cache.insert(path.to_path_buf(), Arc::clone(&r));
        }
        Ok(r)
    }

    /// The final sRGB pixels of one spec (everything but encoding): for quality checks and
    /// for callers with their own encoder. RGB8, or RGBA8 when the source has alpha.
    pub fn render_pixels(&self, bytes: &[u8], spec: &RenditionSpec) -> Result<Raster> {
        check_specs(std::slice::from_ref(spec))?;
        let (decoded, _) = self.decode_for(bytes, std::slice::from_ref(spec))?;
        let mut warnings = decoded.warnings.clone();
        let srgb = ToSrgb::new(decoded.raster.layout, decoded.icc.as_deref(), &mut warnings);
        self.pixels(&decoded, &srgb, spec)
    }

    fn pixels(&self, d: &Decoded, srgb: &ToSrgb, spec: &RenditionSpec) -> Result<Raster> {
        self.pixels_from(d, srgb, spec, None).map(|(out, _)| out)
    }

    /// The final pixels of `spec`, resized from `inter` (a smaller resize of the whole
    /// decoded raster) when that still leaves at least [`CASCADE_FACTOR`] for the final
    /// resize, else from the decoded raster. Also returns the resized raster (before colour
    /// conversion, orientation and effects) when it covers the whole decoded raster, for
    /// later, smaller specs to start from.
    fn pixels_from(
        &self,
        d: &Decoded,
        srgb: &ToSrgb,
        spec: &RenditionSpec,
        inter: Option<&Intermediate>,
    ) -> Result<(Raster, Option<Intermediate>)> {
        let info = &d.info;
        let (dw, dh) = info.display_size();
        let g = spec.geometry(dw, dh);
        let o = info.orientation;
        let stored =
            o.display_rect_to_stored(g.crop, f64::from(info.width), f64::from(info.height));
        // A DCT-scaled pixel stands for exactly `shrink` source pixels (the last one may be
        // partial), so the scale is 1/shrink, not decoded size / source size.
        let k = 1.0 / f64::from(d.shrink.max(1));
        let (kx, ky) = (k, k);
        let crop = (
            stored.0 * kx,
            stored.1 * ky,
            (stored.2 * kx).min(f64::from(d.raster.width) - stored.0 * kx),
            (stored.3 * ky).min(f64::from(d.raster.height) - stored.1 * ky),
        );
        let (ow, oh) = if o.swaps_dimensions() {
            (g.height, g.width)
        } else {
            (g.width, g.height)
        };
        let mut limits = self.limits.clone();
        limits
            .reserve_buffer(ow, oh, 8)
            .map_err(|e| RenditionError::limit(format!("output {ow}x{oh}"), e))?;
        let (rw, rh) = (f64::from(d.raster.width), f64::from(d.raster.height));
        let whole = crop.0.abs() < 1e-9
            && crop.1.abs() < 1e-9
            && (crop.2 - rw).abs() < 1e-9
            && (crop.3 - rh).abs() < 1e-9;
        let cascade = inter.filter(|i| {
            let (sx, sy) = (
                f64::from(i.raster.width) / rw,
                f64::from(i.raster.height) / rh,
            );
            i.filter == spec.filter
                && d.wide.is_none()
                && crop.2 * sx >= CASCADE_FACTOR * f64::from(ow)
                && crop.3 * sy >= CASCADE_FACTOR * f64::from(oh)
        });
        let resized = if let Some(i) = cascade {
            let (sx, sy) = (
                f64::from(i.raster.width) / rw,
                f64::from(i.raster.height) / rh,
            );
            let c = (crop.0 * sx, crop.1 * sy, crop.2 * sx, crop.3 * sy);
            ops::resize(&i.raster, c, ow, oh, spec.filter)?
        } else {
            match &d.wide {
                Some(samples) => ops::resize16(
                    samples,
                    d.raster.width,
                    d.raster.height,
                    d.raster.layout,
                    crop,
                    ow,
                    oh,
                    spec.filter,
                )?,
                None => ops::resize(&d.raster, crop, ow, oh, spec.filter)?,
            }
        };
        // Worth keeping only if it is a real reduction of the whole raster.
        let keep = (whole
            && cascade.is_none()
            && d.wide.is_none()
            && u64::from(ow) * 2 <= u64::from(d.raster.width))
        .then(|| Intermediate {
            raster: resized.clone(),
            filter: spec.filter,
        });
        let converted = srgb.apply(resized)?;
        let mut out = o.apply(converted);
        ops::sharpen(&mut out, spec.sharpen);
        if let Some(w) = &spec.watermark {
            let mark = self.watermark_image(&w.path)?;
            ops::watermark(
                &mut out, &mark, w.position, w.scale, w.opacity, w.margin, w.tiled,
            )?;
        }
        debug_assert!(out.layout != PixelLayout::Cmyk8);
        Ok((out, keep))
    }

    /// Decodes `bytes` once and renders every spec.
    pub fn render_bytes(&self, bytes: &[u8], specs: &[RenditionSpec]) -> Result<Rendered> {
        self.render_input(Input::Borrowed(bytes), specs)
    }

    /// Like [`Renderer::render_bytes`], but takes the bytes by value and frees them as soon
    /// as they are decoded (lower peak memory: the compressed file is not held while the
    /// renditions are resized and encoded).
    pub fn render_vec(&self, bytes: Vec<u8>, specs: &[RenditionSpec]) -> Result<Rendered> {
        self.render_input(Input::Owned(bytes), specs)
    }

    fn render_input(&self, input: Input<'_>, specs: &[RenditionSpec]) -> Result<Rendered> {
        check_specs(specs)?;
        let t0 = Instant::now();
        let (decoded, shrink) = self.decode_for(input.bytes(), specs)?;
        // The compressed input is no longer needed.
        drop(input);
        self.render_decoded(decoded, shrink, t0.elapsed(), specs)
    }

    /// Renders every spec from a decoded source (specs already checked).
    fn render_decoded(
        &self,
        mut decoded: Decoded,
        shrink: u32,
        decode_time: Duration,
        specs: &[RenditionSpec],
    ) -> Result<Rendered> {
        let mut warnings = decoded.warnings.clone();
        let srgb = ToSrgb::new(decoded.raster.layout, decoded.icc.as_deref(), &mut warnings);
        // Largest output first, so that smaller ones can cascade from its resize.
        let (dw, dh) = decoded.info.display_size();
        let mut order: Vec<usize> = (0..specs.len()).collect();
        order.sort_by_key(|&i| {
            let g = specs[i].geometry(dw, dh);
            std::cmp::Reverse(u64::from(g.width) * u64::from(g.height))
        });
        let mut inter: Option<Intermediate> = None;
        let mut renditions: Vec<Option<Rendition>> = vec![None; specs.len()];
        for (n, &i) in order.iter().enumerate() {
            let spec = &specs[i];
            let t = Instant::now();
            let (px, keep) = if self.no_cascade {
                (self.pixels(&decoded, &srgb, spec)?, None)
            } else {
                self.pixels_from(&decoded, &srgb, spec, inter.as_ref())?
            };
            if keep.is_some() {
                inter = keep;
            }
            if n + 1 == order.len() {
                // The last rendition is resized: free the decoded source before encoding
                // (its buffer goes back to this thread's pool for the next decode).
                decode::give_back_buffer(std::mem::take(&mut decoded.raster.data));
                decoded.wide = None;
                inter = None;
            }
            let meta = metadata::carry(&decoded, spec.metadata, spec.format, &mut warnings);
            let (width, height) = (px.width, px.height);
            let data = encode::encode(px, spec, &meta)?;
            renditions[i] = Some(Rendition {
                name: spec.name.clone(),
                format: spec.format,
                width,
                height,
                data,
                elapsed: t.elapsed(),
            });
        }
        Ok(Rendered {
            info: decoded.info,
            shrink_on_load: shrink,
            decode_time,
            renditions: renditions.into_iter().flatten().collect(),
            warnings,
        })
    }

    /// The streamed 1/8-scale decode of a baseline or progressive JPEG file when the specs call for 1/8
    /// (see [`decode::decode_jpeg_streamed`]); `None` to read the file whole instead.
    fn decode_streamed(
        &self,
        file: &mut std::fs::File,
        head: &decode::Head,
        len: u64,
        path: &Path,
        specs: &[RenditionSpec],
    ) -> Result<Option<Decoded>> {
        let wrap = |e: RenditionError| e.in_file(path);
        let Some(head_len) = head.jpeg_head else {
            return Ok(None);
        };
        let Some(info) =
            decode::jpeg_head_info(&head.bytes[..head_len], &self.limits).map_err(wrap)?
        else {
            return Ok(None);
        };
        let shrink = self.shrink_for(&info, specs);
        if shrink != 8 {
            return Ok(None);
        }
        let opts = DecodeOptions {
            limits: self.limits.clone(),
            lenient: self.lenient,
            jpeg_shrink: shrink,
        };
        let d = decode::decode_jpeg_streamed(file, head, len, &opts, path).map_err(wrap)?;
        if d.is_none() {
            // Back to the start of the unread rest for the whole-file path.
            use std::io::Seek;
            file.seek(std::io::SeekFrom::Start(head.bytes.len() as u64))
                .map_err(|source| RenditionError::Io {
                    action: "reading",
                    path: path.to_path_buf(),
                    source,
                })?;
        }
        Ok(d)
    }

    /// Reads `input`, renders every spec and writes `out_dir/STEM-NAME.EXT` atomically.
    /// Nothing is written unless every rendition of the file succeeded.
    pub fn render_file(
        &self,
        input: &Path,
        specs: &[RenditionSpec],
        out_dir: &Path,
    ) -> Result<FileReport> {
        let t0 = Instant::now();
        let wrap = |e: RenditionError| e.in_file(input);
        let io = |source| RenditionError::Io {
            action: "reading",
            path: input.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(input).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        self.limits
            .check_input_size(len)
            .map_err(|e| wrap(RenditionError::limit("input", e)))?;
        check_specs(specs)?;
        // The start of the file: for a JPEG, its marker segments (header, EXIF, ICC, XMP).
        let mut head = decode::read_head(&mut file, 16 << 20).map_err(io)?;
        let streamed = self.decode_streamed(&mut file, &head, len, input, specs)?;
        let rendered = match streamed {
            // A 1/8 JPEG decode streamed from the file: never held whole in memory.
            Some(decoded) => {
                let shrink = decoded.shrink;
                self.render_decoded(decoded, shrink, t0.elapsed(), specs)
                    .map_err(wrap)?
            }
            None if matches!(
                MediaType::detect(&head.bytes),
                Some(MediaType::Png | MediaType::Tiff)
            ) =>
            {
                // PNG and TIFF (large when 16-bit or uncompressed): decoded from the file
                // through a buffered reader, not from a copy of the whole file.
                let t = Instant::now();
                let media_type = MediaType::detect(&head.bytes).unwrap_or(MediaType::Png);
                drop(head);
                let opts = DecodeOptions {
                    limits: self.limits.clone(),
                    lenient: self.lenient,
                    jpeg_shrink: 1,
                };
                let open = || {
                    use std::io::Seek;
                    let mut f = file.try_clone()?;
                    f.seek(std::io::SeekFrom::Start(0))?;
                    Ok(std::io::BufReader::with_capacity(64 * 1024, f))
                };
                let decoded =
                    decode::decode_with_image(open, media_type, &opts, true).map_err(wrap)?;
                self.render_decoded(decoded, 1, t.elapsed(), specs)
                    .map_err(wrap)?
            }
            None => {
                // Everything else: the whole file in memory, freed right after decoding.
                let mut bytes = std::mem::take(&mut head.bytes);
                bytes
                    .try_reserve_exact(
                        usize::try_from(len)
                            .unwrap_or(usize::MAX)
                            .saturating_sub(bytes.len()),
                    )
                    .map_err(|e| wrap(RenditionError::decode("input", e)))?;
                file.read_to_end(&mut bytes).map_err(io)?;
                self.render_vec(bytes, specs).map_err(wrap)?
            }
        };
        self.write_outputs(input, rendered, specs, out_dir, t0)
    }

    /// Renders every spec from `bytes`, an image already in memory that stands for `input`
    /// (e.g. the JPEG preview embedded in a RAW file), and writes `out_dir/STEM-NAME.EXT`
    /// atomically, named after `input`, as [`Renderer::render_file`] does.
    pub fn render_bytes_into(
        &self,
        input: &Path,
        bytes: &[u8],
        specs: &[RenditionSpec],
        out_dir: &Path,
    ) -> Result<FileReport> {
        let t0 = Instant::now();
        check_specs(specs)?;
        let rendered = self
            .render_bytes(bytes, specs)
            .map_err(|e| e.in_file(input))?;
        self.write_outputs(input, rendered, specs, out_dir, t0)
    }

    fn write_outputs(
        &self,
        input: &Path,
        rendered: Rendered,
        specs: &[RenditionSpec],
        out_dir: &Path,
        t0: Instant,
    ) -> Result<FileReport> {
        let mut outputs = Vec::with_capacity(rendered.renditions.len());
        for (spec, r) in specs.iter().zip(&rendered.renditions) {
            let path = out_dir.join(output_name(input, spec));
            write_atomically(&path, &r.data, !self.no_fsync)?;
            outputs.push(OutputFile {
                preset: r.name.clone(),
                path,
                format: r.format,
                width: r.width,
                height: r.height,
                bytes: r.data.len() as u64,
            });
        }
        Ok(FileReport {
            input: input.to_path_buf(),
            media_type: rendered.info.media_type,
            source_size: (rendered.info.width, rendered.info.height),
            orientation: rendered.info.orientation.0.max(1),
            shrink_on_load: rendered.shrink_on_load,
            outputs,
            decode_ms: rendered.decode_time.as_secs_f64() * 1e3,
            total_ms: t0.elapsed().as_secs_f64() * 1e3,
            warnings: rendered.warnings,
        })
    }
}
