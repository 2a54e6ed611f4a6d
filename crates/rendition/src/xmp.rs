//! XMP and IPTC-IIM carried into JPEG renditions, filtered by the [`MetadataPolicy`].
//!
//! - `rights`: XMP `dc:creator`, `dc:rights`, `xmpRights:*`, `photoshop:Credit`,
//!   `photoshop:AuthorsPosition`, `Iptc4xmpCore:CreatorContactInfo` and the PLUS owner,
//!   creator and licensor; IIM By-line, By-line Title, Credit, Source, Copyright Notice (and
//!   the record version and character set that give them meaning).
//! - `all-but-gps`: every XMP property except GPS ones (`exif:GPS*` and any `GPS*` field
//!   inside a structure, e.g. IPTC Extension locations) and the ones describing the source
//!   pixels (orientation, dimensions); every IIM dataset (IIM has no GPS).
//! - `strip`: nothing.
//!
//! The filtered XMP is written as a fresh packet with one `rdf:Description`; an XMP packet
//! that does not parse is dropped with a warning (never copied unfiltered).

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use quick_xml::writer::Writer;

use crate::spec::MetadataPolicy;

const NS_RDF: &[u8] = b"http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const NS_X: &[u8] = b"adobe:ns:meta/";
const NS_DC: &[u8] = b"http://purl.org/dc/elements/1.1/";
const NS_XMP_RIGHTS: &[u8] = b"http://ns.adobe.com/xap/1.0/rights/";
const NS_PHOTOSHOP: &[u8] = b"http://ns.adobe.com/photoshop/1.0/";
const NS_IPTC_CORE: &[u8] = b"http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/";
const NS_IPTC_EXT: &[u8] = b"http://iptc.org/std/Iptc4xmpExt/2008-02-29/";
const NS_PLUS: &[u8] = b"http://ns.useplus.org/ldf/xmp/1.0/";
const NS_EXIF: &[u8] = b"http://ns.adobe.com/exif/1.0/";
const NS_TIFF: &[u8] = b"http://ns.adobe.com/tiff/1.0/";

/// The APP1 signature of an XMP packet in JPEG.
pub(crate) const JPEG_XMP_SIGNATURE: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
/// The APP13 signature of Photoshop image resources.
const PHOTOSHOP_SIGNATURE: &[u8] = b"Photoshop 3.0\0";

/// Nesting deeper than this is refused (hostile packets).
const MAX_DEPTH: usize = 64;

/// Whether a top-level property (namespace URI, local name) is kept under `policy`.
fn keep_property(policy: MetadataPolicy, ns: &[u8], local: &[u8]) -> bool {
    match policy {
        MetadataPolicy::Strip => false,
        MetadataPolicy::Rights => {
            (ns == NS_DC && matches!(local, b"creator" | b"rights"))
                || ns == NS_XMP_RIGHTS
                || (ns == NS_PHOTOSHOP && matches!(local, b"Credit" | b"AuthorsPosition"))
                || (ns == NS_IPTC_CORE && local == b"CreatorContactInfo")
                || (ns == NS_PLUS
                    && matches!(local, b"CopyrightOwner" | b"ImageCreator" | b"Licensor"))
        }
        _ => !is_gps(ns, local) && !structural(ns, local),
    }
}

/// GPS properties and structure fields (anywhere in the tree under `all-but-gps`).
fn is_gps(ns: &[u8], local: &[u8]) -> bool {
    (ns == NS_EXIF || ns == NS_IPTC_EXT) && local.starts_with(b"GPS")
}

/// Properties that describe the source pixels, wrong for a rendition.
fn structural(ns: &[u8], local: &[u8]) -> bool {
    (ns == NS_TIFF
        && matches!(
            local,
            b"Orientation" | b"ImageWidth" | b"ImageLength" | b"BitsPerSample"
        ))
        || (ns == NS_EXIF && matches!(local, b"PixelXDimension" | b"PixelYDimension"))
}

fn resolved_ns(r: &ResolveResult<'_>) -> Vec<u8> {
    match r {
        ResolveResult::Bound(ns) => ns.as_ref().to_vec(),
        _ => Vec::new(),
    }
}

/// Filters an XMP packet under `policy`. `Ok(None)`: nothing is kept. `Err`: the packet
/// does not parse (the caller drops it with a warning).
pub(crate) fn filter_xmp(packet: &[u8], policy: MetadataPolicy) -> Result<Option<Vec<u8>>, String> {
    if policy == MetadataPolicy::Strip {
        return Ok(None);
    }
    let mut reader = NsReader::from_reader(packet);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    // Namespace declarations seen anywhere (prefix -> URI), re-declared on the output.
    let mut decls: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    // Attribute-form properties kept: (qualified name, value already escaped).
    let mut attrs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut body = Writer::new(Vec::new());
    // Element path: 0 = outside, the depth of rdf:Description elements directly under
    // rdf:RDF is `desc_depth`.
    let mut depth = 0usize;
    let mut rdf_depth: Option<usize> = None;
    let mut desc_depth: Option<usize> = None;
    // While copying a kept property: the depth at which it started, and a skip depth for
    // GPS fields inside it.
    let mut copying: Option<usize> = None;
    let mut skipping: Option<usize> = None;
    let err = |e: &dyn std::fmt::Display| format!("XMP does not parse: {e}");
    loop {
        let ev = reader
            .read_resolved_event_into(&mut buf)
            .map_err(|e| err(&e))?;
        match ev {
            (_, Event::Eof) => break,
            (ns, Event::Start(e)) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(format!("XMP nests deeper than {MAX_DEPTH} elements"));
                }
                collect_decls(&e, &mut decls);
                let ns = resolved_ns(&ns);
                let local = e.local_name().as_ref().to_vec();
                if skipping.is_some() {
                    continue;
                }
                if copying.is_some() {
                    if policy != MetadataPolicy::Rights && is_gps(&ns, &local) {
                        skipping = Some(depth);
                    } else {
                        body.write_event(Event::Start(e.to_owned()))
                            .map_err(|e| err(&e))?;
                    }
                    continue;
                }
                if ns == NS_RDF && local == b"RDF" && rdf_depth.is_none() {
                    rdf_depth = Some(depth);
                } else if ns == NS_RDF && local == b"Description" && rdf_depth == Some(depth - 1) {
                    desc_depth = Some(depth);
                    take_attr_properties(&reader, &e, policy, &mut attrs)?;
                } else if desc_depth == Some(depth - 1) {
                    if keep_property(policy, &ns, &local) {
                        copying = Some(depth);
                        body.write_event(Event::Start(e.to_owned()))
                            .map_err(|e| err(&e))?;
                    } else {
                        skipping = Some(depth);
                    }
                }
            }
            (ns, Event::Empty(e)) => {
                collect_decls(&e, &mut decls);
                let ns = resolved_ns(&ns);
                let local = e.local_name().as_ref().to_vec();
                if skipping.is_some() {
                    continue;
                }
                if copying.is_some() {
                    if !(policy != MetadataPolicy::Rights && is_gps(&ns, &local)) {
                        body.write_event(Event::Empty(e.to_owned()))
                            .map_err(|e| err(&e))?;
                    }
                } else if ns == NS_RDF && local == b"Description" && rdf_depth == Some(depth) {
                    take_attr_properties(&reader, &e, policy, &mut attrs)?;
                } else if desc_depth == Some(depth) && keep_property(policy, &ns, &local) {
                    body.write_event(Event::Empty(e.to_owned()))
                        .map_err(|e| err(&e))?;
                }
            }
            (_, Event::End(e)) => {
                if skipping == Some(depth) {
                    skipping = None;
                } else if skipping.is_none() && copying.is_some() {
                    body.write_event(Event::End(e.to_owned()))
                        .map_err(|e| err(&e))?;
                    if copying == Some(depth) {
                        copying = None;
                    }
                }
                if desc_depth == Some(depth) {
                    desc_depth = None;
                }
                if rdf_depth == Some(depth) {
                    rdf_depth = None;
                }
                depth = depth.saturating_sub(1);
            }
            (_, Event::Text(t)) if copying.is_some() && skipping.is_none() => {
                body.write_event(Event::Text(t.into_owned()))
                    .map_err(|e| err(&e))?;
            }
            (_, Event::CData(t)) if copying.is_some() && skipping.is_none() => {
                body.write_event(Event::CData(t.into_owned()))
                    .map_err(|e| err(&e))?;
            }
            _ => {}
        }
        buf.clear();
    }
    let body = body.into_inner();
    if attrs.is_empty() && body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(body.len() + 512);
    out.extend_from_slice(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n".as_bytes(),
    );
    out.extend_from_slice(b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n");
    out.extend_from_slice(b"<rdf:RDF xmlns:rdf=\"");
    out.extend_from_slice(NS_RDF);
    out.extend_from_slice(b"\">\n<rdf:Description rdf:about=\"\"");
    for (prefix, uri) in &decls {
        if prefix == b"rdf" || prefix == b"x" || uri == NS_X {
            continue;
        }
        out.extend_from_slice(b"\n xmlns:");
        out.extend_from_slice(prefix);
        out.extend_from_slice(b"=\"");
        out.extend_from_slice(&escape_attr(uri));
        out.push(b'"');
    }
    for (name, value) in &attrs {
        out.extend_from_slice(b"\n ");
        out.extend_from_slice(name);
        out.extend_from_slice(b"=\"");
        out.extend_from_slice(value);
        out.push(b'"');
    }
    out.extend_from_slice(b">\n");
    out.extend_from_slice(&body);
    out.extend_from_slice(b"\n</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>");
    Ok(Some(out))
}

fn escape_attr(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    for &b in v {
        match b {
            b'"' => out.extend_from_slice(b"&quot;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'&' => out.extend_from_slice(b"&amp;"),
            _ => out.push(b),
        }
    }
    out
}

/// Records `xmlns:prefix="uri"` declarations (first binding of a prefix wins).
fn collect_decls(e: &BytesStart<'_>, decls: &mut Vec<(Vec<u8>, Vec<u8>)>) {
    for a in e.attributes().with_checks(false).flatten() {
        if let Some(prefix) = a.key.as_ref().strip_prefix(b"xmlns:")
            && !decls.iter().any(|(p, _)| p == prefix)
        {
            decls.push((prefix.to_vec(), a.value.to_vec()));
        }
    }
}

/// Attribute-form properties of an `rdf:Description` that the policy keeps.
fn take_attr_properties(
    reader: &NsReader<&[u8]>,
    e: &BytesStart<'_>,
    policy: MetadataPolicy,
    attrs: &mut Vec<(Vec<u8>, Vec<u8>)>,
) -> Result<(), String> {
    for a in e.attributes() {
        let a = a.map_err(|e| format!("XMP does not parse: {e}"))?;
        let key = a.key.as_ref();
        if key.starts_with(b"xmlns") {
            continue;
        }
        let (ns, local) = reader.resolve_attribute(a.key);
        let ns = resolved_ns(&ns);
        if ns == NS_RDF {
            continue;
        }
        if keep_property(policy, &ns, local.as_ref()) {
            // The raw value is still escaped as in the source: copy it as is.
            attrs.push((key.to_vec(), a.value.to_vec()));
        }
    }
    Ok(())
}

/// XMP and IIM found in a JPEG's APP1 / APP13 segments (before the first scan).
pub(crate) fn jpeg_xmp_and_iim(bytes: &[u8]) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let mut xmp = None;
    let mut iim = None;
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return (None, None);
    }
    let mut i = 2usize;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            break;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if len < 2 || i + 2 + len > bytes.len() {
            break;
        }
        let seg = &bytes[i + 4..i + 2 + len];
        if marker == 0xE1 && xmp.is_none() {
            if let Some(p) = seg.strip_prefix(JPEG_XMP_SIGNATURE) {
                xmp = Some(p.to_vec());
            }
        } else if marker == 0xED
            && iim.is_none()
            && let Some(res) = seg.strip_prefix(PHOTOSHOP_SIGNATURE)
        {
            iim = photoshop_iim(res).map(<[u8]>::to_vec);
        }
        i += 2 + len;
    }
    (xmp, iim)
}

/// The IPTC-IIM block (resource 0x0404) in Photoshop image resources.
fn photoshop_iim(mut res: &[u8]) -> Option<&[u8]> {
    while res.len() >= 12 && res.starts_with(b"8BIM") {
        let id = u16::from_be_bytes([res[4], res[5]]);
        // Pascal name padded to an even length (length byte included).
        let name_len = usize::from(res[6]);
        let mut p = 6 + name_len + 1;
        p += p % 2;
        let size_at = res.get(p..p + 4)?;
        let size = u32::from_be_bytes([size_at[0], size_at[1], size_at[2], size_at[3]]) as usize;
        let data = res.get(p + 4..(p + 4).checked_add(size)?)?;
        if id == 0x0404 {
            return Some(data);
        }
        let next = p + 4 + size + size % 2;
        res = res.get(next..)?;
    }
    None
}

/// Filters IIM datasets under `policy`; `None` when nothing is kept or the block is
/// malformed.
pub(crate) fn filter_iim(iim: &[u8], policy: MetadataPolicy) -> Option<Vec<u8>> {
    if policy == MetadataPolicy::Strip {
        return None;
    }
    let mut out = Vec::new();
    let mut kept_content = false;
    let mut i = 0usize;
    while i < iim.len() {
        if iim[i] != 0x1C || i + 5 > iim.len() {
            // Trailing padding is common; anything else ends the walk.
            break;
        }
        let (record, dataset) = (iim[i + 1], iim[i + 2]);
        let len = u16::from_be_bytes([iim[i + 3], iim[i + 4]]);
        if len & 0x8000 != 0 {
            // Extended-length datasets (binary previews): never carried.
            return (kept_content).then_some(out);
        }
        let end = i + 5 + usize::from(len);
        if end > iim.len() {
            break;
        }
        let keep = match policy {
            MetadataPolicy::Rights => matches!(
                (record, dataset),
                (1, 90) | (2, 0) | (2, 80) | (2, 85) | (2, 110) | (2, 115) | (2, 116)
            ),
            _ => true,
        };
        if keep {
            out.extend_from_slice(&iim[i..end]);
            kept_content |= !matches!((record, dataset), (1, 90) | (2, 0)) && record != 1;
        }
        i = end;
    }
    kept_content.then_some(out)
}

/// The APP13 payload (Photoshop image resources with one IPTC resource) for `iim`.
pub(crate) fn app13_payload(iim: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(iim.len() + 32);
    out.extend_from_slice(PHOTOSHOP_SIGNATURE);
    out.extend_from_slice(b"8BIM");
    out.extend_from_slice(&0x0404u16.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&u32::try_from(iim.len()).ok()?.to_be_bytes());
    out.extend_from_slice(iim);
    if iim.len() % 2 == 1 {
        out.push(0);
    }
    (out.len() <= 65_533).then_some(out)
}

/// The APP1 payload for an XMP packet, or `None` when it does not fit one segment.
pub(crate) fn app1_xmp_payload(packet: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(packet.len() + JPEG_XMP_SIGNATURE.len());
    out.extend_from_slice(JPEG_XMP_SIGNATURE);
    out.extend_from_slice(packet);
    (out.len() <= 65_533).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACKET: &str = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    xmpRights:Marked="True"
    exif:GPSLatitude="48,51.5N"
    tiff:Orientation="6"
    pdf:Keywords="bridge &amp; river">
   <dc:creator><rdf:Seq><rdf:li>Ann Example</rdf:li></rdf:Seq></dc:creator>
   <dc:rights><rdf:Alt><rdf:li xml:lang="x-default">(c) 2024 Ann &lt;Example&gt;</rdf:li></rdf:Alt></dc:rights>
   <dc:subject><rdf:Bag><rdf:li>bridge</rdf:li></rdf:Bag></dc:subject>
   <exif:GPSLongitude>2,17.6E</exif:GPSLongitude>
   <Iptc4xmpExt:LocationShown><rdf:Bag><rdf:li rdf:parseType="Resource">
     <Iptc4xmpExt:City>Paris</Iptc4xmpExt:City>
     <Iptc4xmpExt:GPSLatitude>48.85</Iptc4xmpExt:GPSLatitude>
   </rdf:li></rdf:Bag></Iptc4xmpExt:LocationShown>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#;

    fn s(v: Option<Vec<u8>>) -> String {
        String::from_utf8(v.expect("kept something")).unwrap()
    }

    #[test]
    fn rights_keeps_creator_and_copyright_only() {
        let out = s(filter_xmp(PACKET.as_bytes(), MetadataPolicy::Rights).unwrap());
        assert!(out.contains("Ann Example"), "{out}");
        assert!(out.contains("(c) 2024 Ann &lt;Example&gt;"), "{out}");
        assert!(out.contains("xmpRights:Marked=\"True\""), "{out}");
        for gone in ["GPS", "bridge", "Orientation", "Paris"] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        // The output parses again and keeps the same.
        let again = s(filter_xmp(out.as_bytes(), MetadataPolicy::Rights).unwrap());
        assert!(again.contains("Ann Example") && again.contains("Marked"));
    }

    #[test]
    fn all_but_gps_drops_gps_and_pixel_structure() {
        let out = s(filter_xmp(PACKET.as_bytes(), MetadataPolicy::AllButGps).unwrap());
        for kept in [
            "Ann Example",
            "bridge",
            "Paris",
            "pdf:Keywords=\"bridge &amp; river\"",
        ] {
            assert!(out.contains(kept), "{kept} missing in {out}");
        }
        for gone in ["GPS", "48.85", "Orientation"] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
    }

    #[test]
    fn strip_broken_and_empty() {
        assert_eq!(
            filter_xmp(PACKET.as_bytes(), MetadataPolicy::Strip),
            Ok(None)
        );
        assert!(filter_xmp(b"<x:xmpmeta><rdf:RDF></x:xmpmeta>", MetadataPolicy::Rights).is_err());
        let nothing = PACKET.replace("dc:creator", "dc:contributor").replace(
            "<dc:rights><rdf:Alt><rdf:li xml:lang=\"x-default\">(c) 2024 Ann &lt;Example&gt;</rdf:li></rdf:Alt></dc:rights>",
            "",
        ).replace("xmpRights:Marked=\"True\"", "");
        assert_eq!(
            filter_xmp(nothing.as_bytes(), MetadataPolicy::Rights),
            Ok(None)
        );
        let deep = "<a>".repeat(100);
        assert!(filter_xmp(deep.as_bytes(), MetadataPolicy::AllButGps).is_err());
    }

    #[test]
    fn iim_rights_filter_and_app13_round_trip() {
        let mut iim = Vec::new();
        for (rec, ds, v) in [
            (2u8, 0u8, &b"\x00\x04"[..]),
            (2, 25, b"keyword"),
            (2, 80, b"Ann Example"),
            (2, 116, b"(c) 2024 Ann"),
        ] {
            iim.extend_from_slice(&[0x1C, rec, ds]);
            iim.extend_from_slice(&(v.len() as u16).to_be_bytes());
            iim.extend_from_slice(v);
        }
        let rights = filter_iim(&iim, MetadataPolicy::Rights).unwrap();
        assert!(rights.windows(11).any(|w| w == b"Ann Example"));
        assert!(!rights.windows(7).any(|w| w == b"keyword"));
        assert_eq!(filter_iim(&iim, MetadataPolicy::AllButGps).unwrap(), iim);
        assert_eq!(filter_iim(&iim, MetadataPolicy::Strip), None);
        let app13 = app13_payload(&rights).unwrap();
        let back = photoshop_iim(app13.strip_prefix(PHOTOSHOP_SIGNATURE).unwrap()).unwrap();
        assert_eq!(back, &rights[..]);
        // Truncated and garbage blocks: no panic.
        for cut in 0..iim.len() {
            let _ = filter_iim(&iim[..cut], MetadataPolicy::AllButGps);
            let _ = photoshop_iim(&app13[PHOTOSHOP_SIGNATURE.len()..][..cut.min(app13.len() - 14)]);
        }
    }

    #[test]
    fn jpeg_segments_are_found_and_truncation_is_safe() {
        let mut jpeg = vec![0xFF, 0xD8];
        let xmp = app1_xmp_payload(b"<x/>").unwrap();
        jpeg.extend_from_slice(&[0xFF, 0xE1]);
        jpeg.extend_from_slice(&((xmp.len() + 2) as u16).to_be_bytes());
        jpeg.extend_from_slice(&xmp);
        let app13 = app13_payload(b"\x1C\x02\x50\x00\x03Ann").unwrap();
        jpeg.extend_from_slice(&[0xFF, 0xED]);
        jpeg.extend_from_slice(&((app13.len() + 2) as u16).to_be_bytes());
        jpeg.extend_from_slice(&app13);
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0, 2]);
        let (x, i) = jpeg_xmp_and_iim(&jpeg);
        assert_eq!(x.as_deref(), Some(&b"<x/>"[..]));
        assert_eq!(i.as_deref(), Some(&b"\x1C\x02\x50\x00\x03Ann"[..]));
        for cut in 0..jpeg.len() {
            let _ = jpeg_xmp_and_iim(&jpeg[..cut]);
        }
    }
}
