//! The EXIF (and, through [`crate::xmp`], XMP and IPTC-IIM) carried into renditions.

use exif::{Context, Field, In, Tag};

use crate::spec::MetadataPolicy;

/// Tags never carried: the image structure changed (dimensions, orientation, thumbnail), or
/// they are private (maker notes) or locate the photographer (the whole GPS IFD).
fn structural(tag: Tag) -> bool {
    matches!(
        tag,
        Tag::Orientation
            | Tag::ImageWidth
            | Tag::ImageLength
            | Tag::BitsPerSample
            | Tag::Compression
            | Tag::PhotometricInterpretation
            | Tag::SamplesPerPixel
            | Tag::RowsPerStrip
            | Tag::PlanarConfiguration
            | Tag::YCbCrSubSampling
            | Tag::YCbCrPositioning
            | Tag::PixelXDimension
            | Tag::PixelYDimension
            | Tag::MakerNote
            | Tag::ComponentsConfiguration
            | Tag::CompressedBitsPerPixel
            | Tag::ColorSpace
    )
}

/// Builds the EXIF block (TIFF structure, no `Exif\0\0` prefix) for a rendition, or `None`
/// when nothing is kept.
pub(crate) fn carry_exif(
    src: Option<&[u8]>,
    policy: MetadataPolicy,
    warnings: &mut Vec<String>,
) -> Option<Vec<u8>> {
    if policy == MetadataPolicy::Strip {
        return None;
    }
    let parsed = exif::Reader::new().read_raw(src?.to_vec()).ok()?;
    let keep = |f: &Field| -> bool {
        if f.ifd_num != In::PRIMARY {
            return false;
        }
        match policy {
            MetadataPolicy::Rights => matches!(f.tag, Tag::Artist | Tag::Copyright),
            _ => {
                let Tag(ctx, _) = f.tag;
                matches!(ctx, Context::Tiff | Context::Exif) && !structural(f.tag)
            }
        }
    };
    let fields: Vec<&Field> = parsed.fields().filter(|f| keep(f)).collect();
    if fields.is_empty() {
        return None;
    }
    let write = |fields: &[&Field]| -> Option<Vec<u8>> {
        let mut w = exif::experimental::Writer::new();
        for f in fields {
            w.push_field(f);
        }
        let mut out = std::io::Cursor::new(Vec::new());
        w.write(&mut out, parsed.little_endian()).ok()?;
        let bytes = out.into_inner();
        // One APP1 segment holds at most 65,533 bytes of which 6 are "Exif\0\0".
        (bytes.len() <= 65_527).then_some(bytes)
    };
    if let Some(b) = write(&fields) {
        return Some(b);
    }
    // Some odd field could not be written: keep the rights at least.
    let rights: Vec<&Field> = fields
        .into_iter()
        .filter(|f| matches!(f.tag, Tag::Artist | Tag::Copyright))
        .collect();
    warnings.push("some EXIF fields could not be carried over; kept Artist and Copyright".into());
    if rights.is_empty() {
        None
    } else {
        write(&rights)
    }
}

/// Everything a rendition in `format` carries from `d` under `policy`: EXIF and XMP, and
/// IPTC-IIM in JPEG. AVIF carries nothing.
pub(crate) fn carry(
    d: &crate::decode::Decoded,
    policy: MetadataPolicy,
    format: crate::spec::Format,
    warnings: &mut Vec<String>,
) -> crate::encode::Carried {
    use crate::xmp;
    if policy == MetadataPolicy::Strip || format == crate::spec::Format::Avif {
        return crate::encode::Carried::default();
    }
    let exif = carry_exif(d.exif.as_deref(), policy, warnings);
    let filtered = d
        .xmp
        .as_deref()
        .and_then(|p| match xmp::filter_xmp(p, policy) {
            Ok(filtered) => filtered,
            Err(e) => {
                warnings.push(format!("XMP not carried: {e}"));
                None
            }
        });
    if format != crate::spec::Format::Jpeg {
        return crate::encode::Carried {
            exif,
            xmp: filtered,
            ..Default::default()
        };
    }
    let app1_xmp = filtered.as_deref().and_then(|filtered| {
        let app1 = xmp::app1_xmp_payload(filtered);
        if app1.is_none() {
            warnings.push(format!(
                "XMP not carried: {} bytes after filtering do not fit one JPEG segment",
                filtered.len()
            ));
        }
        app1
    });
    let app13 = d
        .iim
        .as_deref()
        .and_then(|iim| xmp::filter_iim(iim, policy))
        .and_then(|iim| xmp::app13_payload(&iim));
    crate::encode::Carried {
        exif,
        xmp: None,
        app1_xmp,
        app13,
    }
}
