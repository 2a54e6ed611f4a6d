//! Photoshop image resource blocks (`8BIM` resources): read and write.

use crate::container::ReadLimits;
use crate::error::Error;

/// Resource 0x0404: IPTC-NAA record (the IIM block).
pub const IPTC_NAA: u16 = 0x0404;
/// Resource 0x0422: EXIF data 1.
pub const EXIF_1: u16 = 0x0422;
/// Resource 0x0424: XMP packet.
pub const XMP: u16 = 0x0424;
/// Resource 0x0425: IPTC digest, the MD5 of the IIM block when it was last written.
pub const IPTC_DIGEST: u16 = 0x0425;

/// One image resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource<'a> {
    /// Signature (`8BIM`, or `MeSa`, `PHUT`, `AgHg`, `DCSR`).
    pub sig: [u8; 4],
    /// Resource id.
    pub id: u16,
    /// Pascal name bytes.
    pub name: &'a [u8],
    /// Data.
    pub data: &'a [u8],
}

/// Parses a resource block. Returns what was read and the first defect, if any.
pub fn parse<'a>(d: &'a [u8], limits: &ReadLimits) -> (Vec<Resource<'a>>, Option<Error>) {
    let mut out = Vec::new();
    let mut p = 0usize;
    while p + 12 <= d.len() {
        if out.len() as u64 >= limits.max_entries {
            return (
                out,
                Some(Error::Limit {
                    what: "Photoshop resource count",
                    value: limits.max_entries + 1,
                    limit: limits.max_entries,
                    constant: "ReadLimits::max_entries",
                }),
            );
        }
        let sig: [u8; 4] = d[p..p + 4].try_into().unwrap_or_default();
        if !matches!(&sig, b"8BIM" | b"MeSa" | b"PHUT" | b"AgHg" | b"DCSR") {
            // trailing padding is common; anything else is a defect
            if d[p..].iter().all(|&b| b == 0) {
                break;
            }
            return (
                out,
                Some(Error::malformed(
                    "Photoshop IRB",
                    p,
                    "resource without 8BIM signature",
                )),
            );
        }
        let id = u16::from_be_bytes([d[p + 4], d[p + 5]]);
        let nlen = usize::from(d[p + 6]);
        let name_end = p + 7 + nlen;
        let mut q = p + 6 + ((nlen + 2) & !1); // pascal string padded to even total
        let Some(size) = d
            .get(q..q + 4)
            .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize)
        else {
            return (
                out,
                Some(Error::malformed(
                    "Photoshop IRB",
                    p,
                    "truncated resource header",
                )),
            );
        };
        q += 4;
        let Some(end) = q.checked_add(size).filter(|&e| e <= d.len()) else {
            return (
                out,
                Some(Error::malformed(
                    "Photoshop IRB",
                    p,
                    format!("resource 0x{id:04X} of {size} bytes runs past the block"),
                )),
            );
        };
        out.push(Resource {
            sig,
            id,
            name: d.get(p + 7..name_end).unwrap_or(&[]),
            data: &d[q..end],
        });
        p = end + (size & 1);
    }
    (out, None)
}

/// Serialises resources back into a block.
pub fn write(res: &[Resource<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in res {
        out.extend_from_slice(&r.sig);
        out.extend_from_slice(&r.id.to_be_bytes());
        let n = r.name.len().min(255);
        out.push(n as u8);
        out.extend_from_slice(&r.name[..n]);
        if (n + 1) % 2 == 1 {
            out.push(0);
        }
        out.extend_from_slice(&(r.data.len() as u32).to_be_bytes());
        out.extend_from_slice(r.data);
        if r.data.len() % 2 == 1 {
            out.push(0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let res = vec![
            Resource {
                sig: *b"8BIM",
                id: IPTC_NAA,
                name: b"",
                data: b"\x1c\x02\x00\x00\x02\x00\x04x",
            },
            Resource {
                sig: *b"8BIM",
                id: 0x0400,
                name: b"ab",
                data: b"xyz",
            },
        ];
        let bytes = write(&res);
        let (back, err) = parse(&bytes, &ReadLimits::default());
        assert!(err.is_none());
        assert_eq!(back, res);
    }

    #[test]
    fn truncated_is_error() {
        let bytes = write(&[Resource {
            sig: *b"8BIM",
            id: 1,
            name: b"",
            data: b"hello",
        }]);
        let (back, err) = parse(&bytes[..bytes.len() - 3], &ReadLimits::default());
        assert!(back.is_empty());
        assert!(err.unwrap().to_string().contains("0x0001"));
    }
}
