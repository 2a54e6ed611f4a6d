//! # Tutorial: thumbnails, web sizes and social crops from one decode
//!
//! A DAM shows every asset many times and never at its full size: a grid thumbnail, a
//! preview, a web-sized copy, a crop for social cards. This lesson makes them with
//! `damkit::rendition`, the way a DAM does it in production.
//!
//! ```text
//! cargo run --example render_thumbnails            # renders the bundled sample photos
//! cargo run --example render_thumbnails -- a.jpg b.png
//! ```

use std::path::{Path, PathBuf};

use damkit::rendition::{
    Fit, Format, Gravity, Presets, Renderer, RenditionSpec, Watermark, render_batch,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/cli/samples");
    let inputs: Vec<PathBuf> = match std::env::args_os()
        .skip(1)
        .map(PathBuf::from)
        .collect::<Vec<_>>()
    {
        args if !args.is_empty() => args,
        _ => vec![
            samples.join("bridge.jpg"),
            samples.join("bridge-rotated.jpg"),
        ],
    };

    // ## 1. Specs and presets
    //
    // A `RenditionSpec` says everything about one derivative: how to fit the source (long
    // edge, contain, cover with a gravity, exact), the format and quality, chroma
    // subsampling, what metadata to keep (by default the rights: EXIF Artist and Copyright,
    // never GPS). Named presets come built in, or from a TOML/JSON file your DAM ships.
    let mut presets = Presets::builtin();
    presets.extend(Presets::from_toml_str(
        r#"
        [presets.card-600x315]
        fit = "cover"
        width = 600
        height = 315
        gravity = "north"      # keep the sky, crop the bottom
        quality = 85
        sharpen = 0.4
        "#,
    )?);
    let mut specs = vec![presets.get("thumb-256")?, presets.get("card-600x315")?];

    // A preview with a watermark: any PNG with alpha, scaled to a fraction of the width.
    // We make one here so the lesson needs no extra file.
    let out_dir = std::env::temp_dir().join("damkit-render-tutorial");
    std::fs::create_dir_all(&out_dir)?;
    let mark_path = out_dir.join("watermark.png");
    image::RgbaImage::from_fn(200, 60, |x, y| {
        let inside = (10..190).contains(&x) && (10..50).contains(&y);
        image::Rgba(if inside {
            [255, 255, 255, 200]
        } else {
            [0, 0, 0, 0]
        })
    })
    .save(&mark_path)?;
    specs.push(RenditionSpec {
        format: Format::WebP,
        quality: 80,
        watermark: Some(Watermark {
            position: Gravity::SouthEast,
            scale: 0.25,
            opacity: 0.6,
            ..Watermark::new(&mark_path)
        }),
        ..RenditionSpec::boxed("preview-800", Fit::Contain, 800, 800)
    });

    // ## 2. One decode, many renditions
    //
    // The renderer reads each header first and checks the `Limits` (pixels, memory) before
    // allocating anything, so a decompression bomb is refused cheaply. It then decodes once,
    // at the size the *largest* spec needs: for a 256 px thumbnail of a 12 MP JPEG it asks
    // the decoder for a 1/4-size image directly (DCT scaling), which is where most of the
    // speed comes from. EXIF orientation is applied, ICC profiles are converted to sRGB.
    let renderer = Renderer::new();

    // ## 3. A batch on every core
    //
    // `render_batch` runs one image per core (rayon) and calls you back after each file;
    // every file gets its own result, so one broken file does not stop the batch. Outputs
    // are named `STEM-PRESET.EXT` and written through a temporary file and a rename.
    let outcomes = render_batch(&renderer, &inputs, &specs, &out_dir, |p| {
        eprintln!("[{}/{}] {}", p.done, p.total, p.outcome.input.display());
    });
    for outcome in outcomes {
        match outcome.result {
            Ok(report) => {
                println!(
                    "{} ({}x{}, orientation {}, decoded at 1/{} in {:.0} ms)",
                    report.input.display(),
                    report.source_size.0,
                    report.source_size.1,
                    report.orientation,
                    report.shrink_on_load,
                    report.decode_ms
                );
                for o in report.outputs {
                    println!(
                        "  {:<14} {:>4}x{:<4} {:>7} B  {}",
                        o.preset,
                        o.width,
                        o.height,
                        o.bytes,
                        o.path.display()
                    );
                }
            }
            Err(e) => println!("failed: {e}"),
        }
    }

    // ## 4. Hostile input
    //
    // A PNG header that claims 100000 x 100000 pixels is refused before any pixel buffer
    // exists, with an error that says which limit.
    let ihdr = [
        &100_000u32.to_be_bytes()[..],
        &100_000u32.to_be_bytes(),
        b"\x08\x02\0\0\0",
    ]
    .concat();
    let bomb = [
        &b"\x89PNG\r\n\x1a\n"[..],
        &png_chunk(b"IHDR", &ihdr),
        &png_chunk(b"IDAT", b"\x78\x9c\x03\0\0\0\0\x01"),
        &png_chunk(b"IEND", b""),
    ]
    .concat();
    match renderer.render_bytes(&bomb, &specs[..1]) {
        Err(e) => println!("bomb refused: {e}"),
        Ok(_) => println!("bomb rendered?!"),
    }
    Ok(())
}

/// A PNG chunk: length, type, data, CRC-32 of type and data.
fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let body = [&kind[..], data].concat();
    [
        &(data.len() as u32).to_be_bytes()[..],
        &body,
        &crc32(&body).to_be_bytes(),
    ]
    .concat()
}

/// The CRC-32 that closes every PNG chunk.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
