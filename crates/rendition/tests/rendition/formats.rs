//! Every input format decodes; every output format encodes and reads back.

use damkit_rendition::{Format, MetadataPolicy, Presets, Renderer, RenditionSpec, probe};

use crate::support::{data, psnr, read, rgb_of};

fn thumb(format: Format, quality: u8) -> RenditionSpec {
    let mut s = RenditionSpec::long_edge("t", 64);
    s.format = format;
    s.quality = quality;
    s
}

#[test]
fn every_input_format_renders_to_every_output_format() {
    let inputs = [
        ("bridge.jpg", 1600, 1004),
        ("progressive.jpg", 400, 251),
        ("cmyk.jpg", 400, 251),
        ("rgb16.png", 200, 126),
        ("palette.png", 200, 126),
        ("rgba.png", 200, 126),
        ("rgb16.tif", 200, 126),
        ("cmyk.tif", 200, 126),
        ("gray.tif", 200, 126),
        ("first-frame.gif", 200, 126),
        ("image.bmp", 200, 126),
        ("lossy.webp", 600, 391),
        ("lossless.webp", 200, 126),
    ];
    let specs = [
        thumb(Format::Jpeg, 80),
        RenditionSpec {
            name: "p".into(),
            ..thumb(Format::Png, 80)
        },
        RenditionSpec {
            name: "wl".into(),
            ..thumb(Format::WebP, 100)
        },
        RenditionSpec {
            name: "w".into(),
            ..thumb(Format::WebP, 75)
        },
    ];
    let renderer = Renderer::new();
    for (name, w, h) in inputs {
        let bytes = read(&data(name));
        let info = probe(&bytes, renderer.limits()).unwrap();
        assert_eq!((info.width, info.height), (w, h), "{name}");
        let out = renderer
            .render_bytes(&bytes, &specs)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // The same thumbnail, read back by an independent decoder, from every encoder.
        let reference = rgb_of(&out.renditions[1].data);
        assert_eq!(reference.width, 64, "{name}");
        for r in &out.renditions {
            if name == "rgba.png" && r.format == Format::Jpeg {
                continue; // flattened on white: not comparable with the PNG's colour channels
            }
            let back = image::load_from_memory(&r.data).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!((back.width(), back.height()), (r.width, r.height), "{name}");
            let p = psnr(&reference, &rgb_of(&r.data));
            assert!(p > 25.0, "{name} as {:?}: {p:.1} dB from the PNG", r.format);
        }
        // Compared with the source scaled by another library, the colours are right
        // (catches inverted CMYK, swapped channels, ignored palettes).
        let src = image::load_from_memory(&bytes)
            .map(|i| i.resize_exact(64, reference.height, image::imageops::Lanczos3));
        if let Ok(src) = src
            && !name.starts_with("cmyk")
        {
            {
                let src = src.into_rgb8();
                let src = damkit_rendition::Raster {
                    width: src.width(),
                    height: src.height(),
                    layout: damkit_rendition::PixelLayout::Rgb8,
                    data: src.into_raw(),
                };
                let p = psnr(&reference, &src);
                assert!(p > 25.0, "{name}: {p:.1} dB from image's own resize");
            }
        }
    }
}

#[test]
fn adobe_rgb_profile_is_converted_to_srgb() {
    // A flat Adobe RGB (0, 255, 0) JPEG: in sRGB it is clipped to pure green with red 0.
    let icc = moxcms_adobe();
    let mut jpeg = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut jpeg, 95);
    enc.add_icc_profile(&icc).unwrap();
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_4_4);
    let px: Vec<u8> = [128u8, 200, 64].repeat(32 * 32);
    enc.encode(&px, 32, 32, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let out = Renderer::new()
        .render_pixels(&jpeg, &RenditionSpec::long_edge("t", 16))
        .unwrap();
    let p = &out.data[0..3];
    // Adobe RGB (128, 200, 64) is about sRGB (94, 201, 50): red and blue drop.
    assert!(p[0] < 115 && p[2] < 60 && p[1] > 190, "{p:?}");
}

fn moxcms_adobe() -> Vec<u8> {
    // The Adobe RGB (1998) primaries and gamma 2.2, encoded as an ICC profile by moxcms.
    moxcms::ColorProfile::new_adobe_rgb().encode().unwrap()
}

#[test]
fn presets_keep_rights_metadata_and_strip_gps() {
    let bytes = read(&data("orient-1.jpg"));
    let presets = Presets::builtin();
    let mut spec = presets.get("thumb-256").unwrap();
    let out = Renderer::new()
        .render_bytes(&bytes, &[spec.clone()])
        .unwrap();
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&out.renditions[0].data))
        .expect("EXIF kept");
    let get = |t| {
        exif.get_field(t, exif::In::PRIMARY)
            .map(|f| f.display_value().to_string())
    };
    assert_eq!(get(exif::Tag::Artist).as_deref(), Some("\"Test Artist\""));
    assert!(get(exif::Tag::Copyright).is_some());
    assert!(get(exif::Tag::GPSLatitude).is_none(), "GPS stripped");
    assert!(
        get(exif::Tag::Orientation).is_none(),
        "pixels are already oriented"
    );
    spec.metadata = MetadataPolicy::AllButGps;
    let out = Renderer::new()
        .render_bytes(&bytes, &[spec.clone()])
        .unwrap();
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&out.renditions[0].data))
        .unwrap();
    assert!(
        exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .is_none()
    );
    assert!(
        exif.get_field(exif::Tag::Artist, exif::In::PRIMARY)
            .is_some()
    );
    spec.metadata = MetadataPolicy::Strip;
    let out = Renderer::new().render_bytes(&bytes, &[spec]).unwrap();
    assert!(
        exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(&out.renditions[0].data))
            .is_err()
    );
}

#[test]
fn alpha_is_flattened_on_the_background_for_jpeg_and_kept_for_png() {
    let bytes = read(&data("rgba.png"));
    let mut jpeg = RenditionSpec::long_edge("j", 100);
    jpeg.background = "#ff0000".parse().unwrap();
    let mut png = RenditionSpec::long_edge("p", 100);
    png.format = Format::Png;
    let out = Renderer::new().render_bytes(&bytes, &[jpeg, png]).unwrap();
    let j = image::load_from_memory(&out.renditions[0].data)
        .unwrap()
        .into_rgb8();
    // The left column is almost transparent: it shows the red background.
    let left = j.get_pixel(0, 30);
    assert!(left[0] > 200 && left[1] < 80, "{left:?}");
    let p = image::load_from_memory(&out.renditions[1].data).unwrap();
    assert!(p.color().has_alpha());
}

/// Inserts an APP segment right after SOI.
fn with_segment(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn xmp_and_iptc_are_carried_by_policy_without_gps() {
    let xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.5N">
<dc:creator><rdf:Seq><rdf:li>Xmp Creator</rdf:li></rdf:Seq></dc:creator>
<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">Xmp Rights 2024</rdf:li></rdf:Alt></dc:rights>
<dc:subject><rdf:Bag><rdf:li>xmp-keyword</rdf:li></rdf:Bag></dc:subject>
</rdf:Description></rdf:RDF></x:xmpmeta>"#;
    let mut app1 = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    app1.extend_from_slice(xmp.as_bytes());
    let mut iim = Vec::new();
    for (ds, v) in [
        (80u8, &b"Iim Byline"[..]),
        (25, b"iim-keyword"),
        (116, b"Iim (c)"),
    ] {
        iim.extend_from_slice(&[0x1C, 2, ds, 0, v.len() as u8]);
        iim.extend_from_slice(v);
    }
    let mut app13 = b"Photoshop 3.0\08BIM\x04\x04\0\0".to_vec();
    app13.extend_from_slice(&(iim.len() as u32).to_be_bytes());
    app13.extend_from_slice(&iim);
    if iim.len() % 2 == 1 {
        app13.push(0);
    }
    let src = read(&data("bridge.jpg"));
    let src = with_segment(&with_segment(&src, 0xED, &app13), 0xE1, &app1);
    let has = |hay: &[u8], needle: &str| hay.windows(needle.len()).any(|w| w == needle.as_bytes());
    let mut spec = RenditionSpec::long_edge("t", 64);
    spec.metadata = MetadataPolicy::Rights;
    let out = Renderer::new().render_bytes(&src, &[spec.clone()]).unwrap();
    let jpeg = &out.renditions[0].data;
    assert!(has(jpeg, "Xmp Creator") && has(jpeg, "Xmp Rights 2024"));
    assert!(has(jpeg, "Iim Byline") && has(jpeg, "Iim (c)"));
    assert!(!has(jpeg, "GPSLatitude") && !has(jpeg, "xmp-keyword") && !has(jpeg, "iim-keyword"));
    // The output still decodes.
    image::load_from_memory(jpeg).expect("valid JPEG");
    spec.metadata = MetadataPolicy::AllButGps;
    let out = Renderer::new().render_bytes(&src, &[spec.clone()]).unwrap();
    let jpeg = &out.renditions[0].data;
    assert!(has(jpeg, "xmp-keyword") && has(jpeg, "iim-keyword") && has(jpeg, "Xmp Creator"));
    assert!(!has(jpeg, "GPSLatitude"));
    spec.metadata = MetadataPolicy::Strip;
    let out = Renderer::new().render_bytes(&src, &[spec]).unwrap();
    let jpeg = &out.renditions[0].data;
    assert!(!has(jpeg, "Xmp Creator") && !has(jpeg, "Iim Byline"));
}

#[test]
fn sixteen_bit_sources_are_resized_before_reducing_to_8_bits() {
    // A 16-bit ramp whose steps are finer than 8 bits: resizing at 16 bits gives each
    // output pixel the rounded mean of its source pixels; an 8-bit resize would be off by
    // up to half a step more. Checked against the exact mean.
    let (w, h) = (256u32, 8u32);
    let img = image::ImageBuffer::<image::Rgb<u16>, Vec<u16>>::from_fn(w, h, |x, _| {
        let v = 20_000 + x as u16 * 37;
        image::Rgb([v, v, v])
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb16(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let mut spec = RenditionSpec::long_edge("t", 32);
    spec.filter = damkit_rendition::Filter::Box;
    let out = Renderer::new().render_pixels(&png, &spec).unwrap();
    assert_eq!((out.width, out.height), (32, 1));
    for (i, p) in out.data.chunks(3).enumerate() {
        let mean = 20_000.0 + (i as f64 * 8.0 + 3.5) * 37.0;
        let want = (mean * 255.0 / 65_535.0).round() as u8;
        assert_eq!(p[0], want, "pixel {i}");
    }
}

/// RGB and RGBA TIFFs of 8 and 16 bits (decoded by the `tiff` crate straight into the
/// pipeline's buffer) render exactly like the same pixels stored as PNG (decoded through the
/// `image` crate).
#[test]
fn rgb_tiffs_render_like_the_same_pixels_as_png() {
    use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb, Rgba};
    let (w, h) = (97u32, 61u32);
    let v = |x: u32, y: u32, c: u32| {
        ((x * 677 + y * 331 + c * 12_345).wrapping_mul(2_654_435_761) >> 16) as u16
    };
    let images = [
        DynamicImage::ImageRgb8(ImageBuffer::from_fn(w, h, |x, y| {
            Rgb([0, 1, 2].map(|c| (v(x, y, c) >> 8) as u8))
        })),
        DynamicImage::ImageRgba8(ImageBuffer::from_fn(w, h, |x, y| {
            Rgba([0, 1, 2, 3].map(|c| (v(x, y, c) >> 8) as u8))
        })),
        DynamicImage::ImageRgb16(ImageBuffer::from_fn(w, h, |x, y| {
            Rgb([0, 1, 2].map(|c| v(x, y, c)))
        })),
        DynamicImage::ImageRgba16(ImageBuffer::from_fn(w, h, |x, y| {
            Rgba([0, 1, 2, 3].map(|c| v(x, y, c)))
        })),
    ];
    let mut spec = RenditionSpec::long_edge("t", 40);
    spec.format = Format::Png;
    for img in images {
        let encode = |format| {
            let mut out = Vec::new();
            img.write_to(&mut std::io::Cursor::new(&mut out), format)
                .unwrap();
            out
        };
        let (tiff, png) = (encode(ImageFormat::Tiff), encode(ImageFormat::Png));
        let what = format!("{:?}", img.color());
        let from_tiff = Renderer::new().render_pixels(&tiff, &spec).unwrap();
        let from_png = Renderer::new().render_pixels(&png, &spec).unwrap();
        assert_eq!((from_tiff.width, from_tiff.height), (40, 25), "{what}");
        assert_eq!(from_tiff.layout, from_png.layout, "{what}");
        assert!(
            from_tiff.data == from_png.data,
            "{what}: TIFF and PNG pixels differ"
        );
        // Cut short, the TIFF is an error, never a panic.
        let cut = &tiff[..tiff.len() * 2 / 3];
        assert!(Renderer::new().render_pixels(cut, &spec).is_err(), "{what}");
    }
}

/// A grey JPEG's grey ICC profile is applied (Photoshop's greyscale files carry one, such as
/// Dot Gain 20 %): with a linear (gamma 1.0) profile, grey 128 is half the light, sRGB 188.
/// Without the profile the same pixels stay 128.
#[test]
fn grey_icc_profiles_are_applied() {
    let linear = moxcms::ColorProfile::new_gray_with_gamma(1.0)
        .encode()
        .unwrap();
    let pixels = vec![128u8; 64 * 48];
    let encode = |icc: Option<&[u8]>| {
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, 95);
        if let Some(icc) = icc {
            enc.add_icc_profile(icc).unwrap();
        }
        enc.encode(&pixels, 64, 48, jpeg_encoder::ColorType::Luma)
            .unwrap();
        out
    };
    let spec = RenditionSpec::long_edge("t", 32);
    for (icc, want) in [(Some(&linear[..]), 188u8), (None, 128)] {
        let out = Renderer::new().render_pixels(&encode(icc), &spec).unwrap();
        assert_eq!((out.width, out.height), (32, 24));
        assert!(
            out.data.iter().all(|&v| v.abs_diff(want) <= 1),
            "profile {}: {:?}",
            icc.is_some(),
            &out.data[..6]
        );
    }
}

#[test]
fn png_and_webp_renditions_carry_exif_and_xmp_by_policy() {
    let xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.5N">
<dc:creator><rdf:Seq><rdf:li>Xmp Creator</rdf:li></rdf:Seq></dc:creator>
</rdf:Description></rdf:RDF></x:xmpmeta>"#;
    let mut app1 = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    app1.extend_from_slice(xmp.as_bytes());
    // orient-1.jpg has EXIF Artist, Copyright and GPS.
    let src = with_segment(&read(&data("orient-1.jpg")), 0xE1, &app1);
    let has = |hay: &[u8], needle: &str| hay.windows(needle.len()).any(|w| w == needle.as_bytes());
    for (format, quality) in [(Format::Png, 90), (Format::WebP, 100), (Format::WebP, 80)] {
        let mut spec = RenditionSpec::long_edge("t", 64);
        spec.format = format;
        spec.quality = quality;
        spec.metadata = MetadataPolicy::Rights;
        let out = Renderer::new().render_bytes(&src, &[spec.clone()]).unwrap();
        let data = &out.renditions[0].data;
        let what = format!("{format:?} q{quality}");
        let exif = exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(data))
            .unwrap_or_else(|e| panic!("{what}: EXIF: {e}"));
        let artist = exif
            .get_field(exif::Tag::Artist, exif::In::PRIMARY)
            .map(|f| f.display_value().to_string());
        assert_eq!(artist.as_deref(), Some("\"Test Artist\""), "{what}");
        assert!(
            exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
                .is_none(),
            "{what}: GPS stripped"
        );
        assert!(has(data, "Xmp Creator"), "{what}: XMP carried");
        assert!(!has(data, "GPSLatitude"), "{what}: no GPS in the XMP");
        let img = image::load_from_memory(data).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(img.width(), 64, "{what}");
        if format == Format::Png {
            // Each chunk's CRC is checked by the png decoder above; the chunks precede IDAT.
            let idat = data.windows(4).position(|w| w == b"IDAT").unwrap();
            let exif_at = data.windows(4).position(|w| w == b"eXIf").unwrap();
            let xmp_at = data
                .windows(17)
                .position(|w| w == b"XML:com.adobe.xmp")
                .unwrap();
            assert!(exif_at < idat && xmp_at < idat, "{what}");
        } else {
            assert_eq!(&data[12..16], b"VP8X", "{what}: extended WebP");
            assert_eq!(data[20] & 0x0C, 0x0C, "{what}: EXIF and XMP flags");
            let riff = u32::from_le_bytes(data[4..8].try_into().unwrap()) as usize;
            assert_eq!(riff + 8, data.len(), "{what}: RIFF size");
        }
        spec.metadata = MetadataPolicy::Strip;
        let out = Renderer::new().render_bytes(&src, &[spec]).unwrap();
        let data = &out.renditions[0].data;
        assert!(
            !has(data, "Xmp Creator") && !has(data, "Test Artist"),
            "{what}"
        );
    }
    // An image with alpha: the VP8X alpha flag is set and the alpha survives.
    let mut spec = RenditionSpec::long_edge("a", 64);
    spec.format = Format::WebP;
    spec.quality = 80;
    let rgba = read(&data("rgba.png"));
    let out = Renderer::new().render_bytes(&rgba, &[spec]).unwrap();
    let data = &out.renditions[0].data;
    if data.get(12..16) == Some(&b"VP8X"[..]) {
        assert_ne!(data[20] & 0x10, 0, "alpha flag");
    }
    assert!(image::load_from_memory(data).unwrap().color().has_alpha());
}
