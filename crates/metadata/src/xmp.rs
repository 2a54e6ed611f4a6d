//! XMP through xmp_toolkit (Adobe's XMP Toolkit), converted to ExifTool's names and values.

use std::collections::HashMap;
use std::str::FromStr;

use xmp_toolkit::{IterOptions, XmpMeta};

use crate::container::Diag;
use crate::error::{Error, Result};
use crate::names;
use crate::value::{Tag, Value, fmt_g15};

/// Parses one packet. Leading junk before `<` (BOM, padding) is skipped; UTF-16 packets are
/// decoded.
pub(crate) fn parse_packet(bytes: &[u8]) -> Result<XmpMeta> {
    let text: std::borrow::Cow<'_, str> =
        if bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE]) {
            let le = bytes[0] == 0xFF;
            let units: Vec<u16> = bytes[2..]
                .chunks_exact(2)
                .map(|c| {
                    if le {
                        u16::from_le_bytes([c[0], c[1]])
                    } else {
                        u16::from_be_bytes([c[0], c[1]])
                    }
                })
                .collect();
            String::from_utf16_lossy(&units).into()
        } else {
            // valid UTF-8 (nearly always) is borrowed, not copied
            String::from_utf8_lossy(bytes)
        };
    let text = text.trim_start_matches('\u{feff}');
    let start = text.find('<').unwrap_or(0);
    let text = text[start..].trim_end_matches('\0');
    XmpMeta::from_str(text).map_err(|e| Error::Xmp(format!("parsing packet: {e}")))
}

/// Packets of at least this size are searched for long base64 values before parsing.
const LITE_PACKET: usize = 64 * 1024;
/// Base64 runs of at least this length are set aside before parsing.
const LITE_RUN: usize = 4096;
/// The text that stands for the `k`-th value set aside, `{MARK}{k}.` (never present in the
/// packet itself).
const MARK: &str = "damkit-set-aside-base64-";

/// Values [`parse_packet_lite`] set aside: `(marker, original text)`.
type SetAside = Vec<(String, String)>;

/// [`parse_packet`] for reading: long base64 values (embedded images, depth maps: hundreds
/// of KB that Adobe's toolkit would copy character by character) are replaced by short
/// markers before parsing and given back by [`to_tags`]. Only runs made of base64
/// characters alone (no whitespace, which XML would normalise), that form a whole attribute
/// value or a whole element text, are set aside, so the restored text is exactly what the
/// toolkit would have returned.
pub(crate) fn parse_packet_lite(bytes: &[u8]) -> Result<(XmpMeta, SetAside)> {
    if bytes.len() < LITE_PACKET || crate::container::find(bytes, MARK.as_bytes()).is_some() {
        return Ok((parse_packet(bytes)?, Vec::new()));
    }
    const B64: [bool; 256] = {
        let mut t = [false; 256];
        let mut c = 0;
        while c < 256 {
            let b = c as u8;
            t[c] = b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=';
            c += 1;
        }
        t
    };
    let b64 = |c: u8| B64[usize::from(c)];
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut aside: SetAside = Vec::new();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let Some(at) = bytes[i..]
            .iter()
            .position(|&c| matches!(c, b'"' | b'\'' | b'>'))
        else {
            break;
        };
        i += at;
        let open = bytes[i];
        let s = i + 1;
        let run = bytes[s..].iter().take_while(|&&c| b64(c)).count();
        let e = s + run;
        let close = bytes.get(e).copied();
        let closes = match open {
            b'>' => close == Some(b'<'),
            q => close == Some(q),
        };
        if run >= LITE_RUN && closes {
            let marker = format!("{MARK}{}.", aside.len());
            out.extend_from_slice(&bytes[copied..s]);
            out.extend_from_slice(marker.as_bytes());
            // base64 characters are ASCII: the run is valid UTF-8
            aside.push((marker, String::from_utf8_lossy(&bytes[s..e]).into_owned()));
            copied = e;
        }
        i = e.max(s);
    }
    if aside.is_empty() {
        return Ok((parse_packet(bytes)?, aside));
    }
    out.extend_from_slice(&bytes[copied..]);
    Ok((parse_packet(&out)?, aside))
}

#[derive(Debug)]
enum Seg {
    Item,
    Field(String),
    Qual(String),
}

fn split_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let b = path.as_bytes();
    let mut i = 0;
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<Seg>| {
        if !cur.is_empty() {
            if let Some(q) = cur.strip_prefix('?') {
                out.push(Seg::Qual(q.to_string()));
            } else {
                out.push(Seg::Field(cur.clone()));
            }
            cur.clear();
        }
    };
    while i < b.len() {
        match b[i] {
            b'/' => {
                flush(&mut cur, &mut out);
                i += 1;
            }
            b'[' => {
                flush(&mut cur, &mut out);
                let end = path[i..].find(']').map_or(b.len(), |e| i + e);
                let inner = &path[i + 1..end];
                let _ = inner;
                out.push(Seg::Item);
                i = end + 1;
            }
            _ => {
                let ch = path[i..].chars().next().unwrap_or(' ');
                cur.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    flush(&mut cur, &mut out);
    out
}

#[derive(Debug, Default)]
struct Node {
    /// `prefix:name` of a field, empty for array items.
    name: String,
    value: String,
    is_array: bool,
    is_alt_text: bool,
    is_struct: bool,
    lang: Option<String>,
    children: Vec<usize>,
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Converts a simple XMP value to ExifTool's `-n` text.
fn convert_leaf(group: &str, prop: &str, v: &str) -> Value {
    if names::xmp_binary(group, prop) {
        // base64: ExifTool gives the decoded size
        let n = v
            .bytes()
            .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
            .count();
        return Value::Text(format!(
            "(Binary data {} bytes, use -b option to extract)",
            n * 3 / 4
        ));
    }
    if group == "plus"
        && prop != "DataMining"
        && let Some(rest) = v.strip_prefix("http://ns.useplus.org/ldf/vocab/")
    {
        return Value::Text(rest.to_string());
    }
    match v {
        "True" | "true" if prop_is_bool(group, prop) => return Value::Bool(true),
        "False" | "false" if prop_is_bool(group, prop) => return Value::Bool(false),
        _ => {}
    }
    let b = v.as_bytes();
    // XMP date -> EXIF-style date
    if b.len() >= 16
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[..4].iter().all(u8::is_ascii_digit)
    {
        let rest = &v[16..];
        let (secs, tail) = if rest.len() >= 3 && rest.as_bytes()[0] == b':' {
            (&rest[..3], &rest[3..])
        } else {
            ("", rest)
        };
        if !tail.contains(' ') {
            return Value::Text(format!(
                "{}:{}:{} {}{}{}",
                &v[..4],
                &v[5..7],
                &v[8..10],
                &v[11..16],
                secs,
                tail
            ));
        }
    }
    if (prop.contains("Date") || prop == "When")
        && b.len() >= 4
        && b[..4].iter().all(u8::is_ascii_digit)
        && (b.len() == 4
            || (b.len() == 7 && b[4] == b'-')
            || (b.len() == 10 && b[4] == b'-' && b[7] == b'-'))
    {
        return Value::Text(v.replace('-', ":"));
    }
    if matches!(group, "exif" | "tiff" | "aux" | "exifEX" | "crs") || prop.starts_with("GPS") {
        if v.contains('/') {
            let conv: Option<Vec<String>> = v
                .split(' ')
                .map(|tok| {
                    let (n, d) = tok.split_once('/')?;
                    let (n, d) = (n.trim().parse::<f64>().ok()?, d.trim().parse::<f64>().ok()?);
                    Some(if d == 0.0 {
                        if n == 0.0 {
                            "undef".into()
                        } else {
                            "inf".into()
                        }
                    } else {
                        fmt_g15(n / d)
                    })
                })
                .collect();
            if let Some(c) = conv {
                return Value::Text(c.join(" "));
            }
        }
        if prop.starts_with("GPS")
            && (prop.ends_with("Latitude") || prop.ends_with("Longitude"))
            && let Some(x) = gps_coord(v)
        {
            return Value::Text(fmt_g15(x));
        }
    }
    Value::Text(v.to_string())
}

fn prop_is_bool(group: &str, prop: &str) -> bool {
    matches!(
        (group, prop),
        ("xmpRights", "Marked")
            | ("crs", _)
            | ("exif", "Fired" | "Return" | "Function" | "RedEyeMode")
            | ("GPano", _)
            | ("xmpDM", _)
    ) || prop.starts_with("Is")
        || prop.starts_with("Has")
}

/// `DDD,MM.mmk` or `DDD,MM,SSk` (XMP GPS coordinate) to signed decimal degrees.
pub(crate) fn gps_coord(v: &str) -> Option<f64> {
    let v = v.trim();
    let dir = v.chars().last()?;
    let sign = match dir {
        'N' | 'E' | 'n' | 'e' => 1.0,
        'S' | 'W' | 's' | 'w' => -1.0,
        _ => return v.parse().ok(),
    };
    let body = &v[..v.len() - 1];
    let mut parts = body.split(',').map(|p| p.trim().parse::<f64>());
    let d = parts.next()?.ok()?;
    let m = parts.next().and_then(Result::ok).unwrap_or(0.0);
    let s = parts.next().and_then(Result::ok).unwrap_or(0.0);
    Some(sign * (d + m / 60.0 + s / 3600.0))
}

struct Builder<'a> {
    nodes: &'a [Node],
    group: &'a str,
}

impl Builder<'_> {
    /// The ExifTool value of node `i` (property `prop` for conversions), plus extra
    /// `-lang` entries for language alternatives.
    fn value(&self, i: usize, prop: &str) -> (Value, Vec<(String, Value)>) {
        let n = &self.nodes[i];
        if n.is_alt_text {
            let mut main = None;
            let mut extra = Vec::new();
            for &c in &n.children {
                let ch = &self.nodes[c];
                let v = convert_leaf(self.group, prop, &ch.value);
                match ch.lang.as_deref() {
                    Some("x-default") | None => {
                        if main.is_none() {
                            main = Some(v);
                        }
                    }
                    Some(l) => extra.push((l.to_string(), v)),
                }
            }
            let main = main.or({
                // no x-default: ExifTool shows only the language-tagged values
                None
            });
            return (main.unwrap_or(Value::Text(String::new())), extra);
        }
        if n.is_array {
            let items = n.children.iter().map(|&c| self.value(c, prop).0).collect();
            return (Value::List(items), Vec::new());
        }
        if n.is_struct {
            let mut fields = Vec::new();
            for &c in &n.children {
                let ch = &self.nodes[c];
                let fname = names::ucfirst(local(&ch.name));
                let (v, extra) = self.value(c, local(&ch.name));
                let has_main = !ch.is_alt_text
                    || ch.children.iter().any(|&k| {
                        matches!(self.nodes[k].lang.as_deref(), Some("x-default") | None)
                    });
                if has_main {
                    fields.push((fname.clone(), v));
                }
                for (l, v) in extra {
                    fields.push((format!("{fname}-{l}"), v));
                }
            }
            return (Value::Struct(fields), Vec::new());
        }
        (convert_leaf(self.group, prop, &n.value), Vec::new())
    }
}

/// Converts a parsed packet to ExifTool-named tags, appending to `out` (first wins).
/// Values set aside by [`parse_packet_lite`] are restored.
fn to_tags_restoring(
    meta: &XmpMeta,
    packet: &[u8],
    aside: &[(String, String)],
    out: &mut Vec<Tag>,
) {
    let mut nodes: Vec<Node> = Vec::new();
    let mut by_path: HashMap<String, usize> = HashMap::new();
    // top-level properties: (schema uri, node index)
    let mut tops: Vec<(String, usize)> = Vec::new();
    for p in meta.iter(IterOptions::default()) {
        if p.name.is_empty() {
            continue; // schema node
        }
        let segs = split_path(&p.name);
        let Some(last) = segs.last() else { continue };
        let parent_path = match p.name.rfind(['/', '[']) {
            Some(i) => Some(p.name[..i].to_string()),
            None => None,
        };
        if let Seg::Qual(q) = last {
            if q == "xml:lang"
                && let Some(&pi) = parent_path.as_ref().and_then(|pp| by_path.get(pp))
            {
                nodes[pi].lang = Some(restore(&p.value.value, aside));
            }
            continue;
        }
        let idx = nodes.len();
        nodes.push(Node {
            name: match last {
                Seg::Field(f) => f.clone(),
                _ => String::new(),
            },
            value: restore(&p.value.value, aside),
            is_array: p.value.is_array(),
            is_alt_text: p.value.is_alt_text(),
            is_struct: p.value.is_struct(),
            lang: None,
            children: Vec::new(),
        });
        by_path.insert(p.name.clone(), idx);
        match parent_path.and_then(|pp| by_path.get(&pp).copied()) {
            Some(pi) => nodes[pi].children.push(idx),
            None => tops.push((p.schema_ns.clone(), idx)),
        }
    }
    let push = |out: &mut Vec<Tag>, group: String, name: String, value: Value| {
        if !out.iter().any(|t| t.group == group && t.name == name) {
            out.push(Tag { group, name, value });
        }
    };
    if let Some(tk) = xmptk(packet) {
        push(out, "XMP-x".into(), "XMPToolkit".into(), Value::Text(tk));
    }
    let about = attr(packet, b"about=").unwrap_or_default();
    if !about.is_empty() {
        push(out, "XMP-rdf".into(), "About".into(), Value::Text(about));
    }
    for (uri, idx) in tops {
        let n = &nodes[idx];
        let (prefix, prop) = n.name.split_once(':').unwrap_or(("", &n.name));
        let g = names::xmp_group(&uri).map_or_else(|| prefix.to_string(), str::to_string);
        let name = names::xmp_tag_name(&g, prop);
        let b = Builder {
            nodes: &nodes,
            group: &g,
        };
        let (v, extra) = b.value(idx, prop);
        let group = format!("XMP-{g}");
        let has_main = !n.is_alt_text
            || n.children
                .iter()
                .any(|&k| matches!(nodes[k].lang.as_deref(), Some("x-default") | None));
        if has_main {
            push(out, group.clone(), name.clone(), v);
        }
        for (l, v) in extra {
            push(out, group.clone(), format!("{name}-{l}"), v);
        }
    }
}

/// `v` with the markers of values set aside replaced by their text.
fn restore(v: &str, aside: &[(String, String)]) -> String {
    if aside.is_empty() || !v.contains(MARK) {
        return v.to_string();
    }
    let mut v = v.to_string();
    for (m, text) in aside {
        if v.contains(m.as_str()) {
            v = v.replace(m.as_str(), text);
        }
    }
    v
}

/// The `x:xmptk` attribute of `x:xmpmeta` (the toolkit does not expose it).
fn xmptk(packet: &[u8]) -> Option<String> {
    attr(packet, b"xmptk=").or_else(|| attr(packet, b"xaptk="))
}

/// The first value of an attribute in the packet's head.
fn attr(packet: &[u8], key: &[u8]) -> Option<String> {
    let head = &packet[..packet.len().min(4096)];
    let i = crate::container::find(head, key)? + key.len();
    let q = *head.get(i)?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let rest = &head[i + 1..];
    let e = rest.iter().position(|&c| c == q)?;
    Some(unescape(&String::from_utf8_lossy(&rest[..e])))
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Reads all packets of a file into tags. Extended XMP is merged when its GUID matches
/// `xmpNote:HasExtendedXMP` of the main packet (or when there is only one).
pub(crate) fn read(
    packets: &[Vec<u8>],
    extended: &[(String, Vec<u8>)],
    diag: &mut Diag,
) -> Result<(Vec<Tag>, Option<XmpMeta>)> {
    let mut tags = Vec::new();
    let mut first: Option<XmpMeta> = None;
    for p in packets {
        match parse_packet_lite(p) {
            Ok((m, aside)) => {
                to_tags_restoring(&m, p, &aside, &mut tags);
                if first.is_none() {
                    first = Some(m);
                }
            }
            Err(e) => diag.defect(e)?,
        }
    }
    let want = first.as_ref().and_then(|m| {
        m.property("http://ns.adobe.com/xmp/note/", "xmpNote:HasExtendedXMP")
            .map(|v| v.value)
    });
    for (guid, bytes) in extended {
        if want.as_deref().is_some_and(|w| w != guid) && extended.len() > 1 {
            continue;
        }
        match parse_packet_lite(bytes) {
            Ok((m, aside)) => to_tags_restoring(&m, bytes, &aside, &mut tags),
            Err(e) => diag.defect(e)?,
        }
    }
    Ok((tags, first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_base64_values_set_aside_read_as_a_full_parse() {
        let b64: String = (0..70_000)
            .map(|i| char::from(b"AZaz09+/"[i % 8]))
            .collect();
        let packet = format!(
            r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:GImage="http://ns.google.com/photos/1.0/image/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 GImage:Data="{b64}" xmp:Label='{b64}'>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">said "{b64}" twice &gt;{b64}</rdf:li></rdf:Alt></dc:description>
<xmp:Nickname>{b64}</xmp:Nickname>
<dc:subject><rdf:Bag><rdf:li>{b64}=</rdf:li><rdf:li>short</rdf:li></rdf:Bag></dc:subject>
</rdf:Description></rdf:RDF></x:xmpmeta>"#
        );
        let (lite, aside) = parse_packet_lite(packet.as_bytes()).unwrap();
        assert!(aside.len() >= 4, "{} values set aside", aside.len());
        let full = parse_packet(packet.as_bytes()).unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        to_tags_restoring(&lite, packet.as_bytes(), &aside, &mut a);
        to_tags_restoring(&full, packet.as_bytes(), &[], &mut b);
        assert_eq!(a, b);
        assert!(
            a.iter()
                .any(|t| t.name == "Nickname" && t.value == Value::Text(b64.clone()))
        );
        assert!(a.iter().any(|t| t.group == "XMP-GImage"
            && matches!(&t.value, Value::Text(s) if s.starts_with("(Binary"))));
    }

    #[test]
    fn gps() {
        assert!((gps_coord("52,12.5N").unwrap() - 52.208_333_333).abs() < 1e-6);
        assert!((gps_coord("4,30,0W").unwrap() + 4.5).abs() < 1e-9);
    }

    #[test]
    fn dates() {
        assert_eq!(
            convert_leaf("xmp", "CreateDate", "2020-06-30T04:27:20.5-06:00"),
            Value::text("2020:06:30 04:27:20.5-06:00")
        );
        assert_eq!(
            convert_leaf("xmp", "CreateDate", "2020-06-30T04:27Z"),
            Value::text("2020:06:30 04:27Z")
        );
        assert_eq!(
            convert_leaf("photoshop", "DateCreated", "2020-06-30"),
            Value::text("2020:06:30")
        );
    }
}
