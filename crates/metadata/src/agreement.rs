//! Agreement with ExifTool: compares our JSON with `exiftool -j -G1 -n -struct` output,
//! group by group, as the fidelity goal measures it.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value as J;

/// The groups the fidelity goal covers (`XMP-*` are matched by prefix).
pub const GROUPS: &[&str] = &[
    "IFD0",
    "ExifIFD",
    "GPS",
    "InteropIFD",
    "IFD1",
    "IPTC",
    "XMP-*",
];

/// Counts for one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupStats {
    /// Keys ExifTool output.
    pub exiftool_keys: usize,
    /// Of those, keys we output too.
    pub covered: usize,
    /// Of the covered keys, keys with equal values.
    pub equal: usize,
}

impl GroupStats {
    /// Covered keys in percent.
    pub fn covered_pct(&self) -> f64 {
        pct(self.covered, self.exiftool_keys)
    }
    /// Equal values among shared keys, in percent.
    pub fn equal_pct(&self) -> f64 {
        pct(self.equal, self.covered)
    }
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        100.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

/// One disagreement, for the report's detail list.
#[derive(Debug, Clone)]
pub struct Difference {
    /// The file (ExifTool's `SourceFile`).
    pub file: String,
    /// `Group:Tag`.
    pub key: String,
    /// ExifTool's value.
    pub exiftool: J,
    /// Ours (`None`: missing).
    pub ours: Option<J>,
}

/// The agreement over a set of files.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Per group (`XMP-*` aggregated as well as per XMP group).
    pub groups: BTreeMap<String, GroupStats>,
    /// MWG composites: keys ExifTool output / covered / equal.
    pub mwg: GroupStats,
    /// Every difference.
    pub differences: Vec<Difference>,
    /// Files compared.
    pub files: usize,
}

/// The group class of a key's group, or `None` when outside the goal.
pub fn class(group: &str) -> Option<&'static str> {
    if group.starts_with("XMP-") {
        return Some("XMP-*");
    }
    GROUPS.iter().copied().find(|g| *g == group)
}

fn trim(s: &str) -> &str {
    s.trim_end_matches(['\0', ' '])
}

fn num(v: &J) -> Option<f64> {
    match v {
        J::Number(n) => n.as_f64(),
        J::String(s) => s.trim().parse().ok().filter(|x: &f64| x.is_finite()),
        _ => None,
    }
}

/// Equality as the fidelity goal defines it: numbers within 1e-6 relative, strings after
/// trimming trailing NULs and spaces, a one-element list equal to its element.
pub fn values_equal(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        (J::Array(x), other) | (other, J::Array(x)) if x.len() == 1 => values_equal(&x[0], other),
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        (J::Bool(x), J::Bool(y)) => x == y,
        (J::Bool(x), J::String(s)) | (J::String(s), J::Bool(x)) => {
            s.eq_ignore_ascii_case(&x.to_string())
        }
        _ => {
            if let (Some(p), Some(q)) = (num(a), num(b)) {
                return p == q || (p - q).abs() <= 1e-6 * p.abs().max(q.abs());
            }
            match (a, b) {
                (J::String(x), J::String(y)) => trim(x) == trim(y),
                (J::Number(n), J::String(s)) | (J::String(s), J::Number(n)) => {
                    trim(s) == n.to_string()
                }
                _ => a == b,
            }
        }
    }
}

impl Report {
    /// Adds one file: `theirs` is ExifTool's object, `ours` ours; `mwg_theirs` ExifTool's
    /// MWG object when available.
    pub fn add(&mut self, theirs: &J, ours: &J, mwg_theirs: Option<&J>) {
        self.files += 1;
        let file = theirs
            .get("SourceFile")
            .and_then(J::as_str)
            .unwrap_or("")
            .to_string();
        let Some(obj) = theirs.as_object() else {
            return;
        };
        for (k, v) in obj {
            let Some((g, _)) = k.split_once(':') else {
                continue;
            };
            let Some(c) = class(g) else { continue };
            let mine = ours.get(k);
            let eq = mine.is_some_and(|m| values_equal(v, m));
            for key in [c.to_string(), g.to_string()] {
                if key == "XMP-*" || c == "XMP-*" || key == c {
                    let s = self.groups.entry(key.clone()).or_default();
                    s.exiftool_keys += 1;
                    s.covered += usize::from(mine.is_some());
                    s.equal += usize::from(eq);
                }
                if c != "XMP-*" {
                    break;
                }
            }
            if !eq {
                self.differences.push(Difference {
                    file: file.clone(),
                    key: k.clone(),
                    exiftool: v.clone(),
                    ours: mine.cloned(),
                });
            }
        }
        if let Some(m) = mwg_theirs.and_then(J::as_object) {
            for (k, v) in m {
                if !k.starts_with("MWG:") {
                    continue;
                }
                let mine = ours.get(k);
                let eq = mine.is_some_and(|x| values_equal(v, x));
                self.mwg.exiftool_keys += 1;
                self.mwg.covered += usize::from(mine.is_some());
                self.mwg.equal += usize::from(eq);
                if !eq {
                    self.differences.push(Difference {
                        file: file.clone(),
                        key: k.clone(),
                        exiftool: v.clone(),
                        ours: mine.cloned(),
                    });
                }
            }
        }
    }

    /// The totals over the goal's groups (`XMP-*` counted once).
    pub fn total(&self) -> GroupStats {
        let mut t = GroupStats::default();
        for g in GROUPS {
            if let Some(s) = self.groups.get(*g) {
                t.exiftool_keys += s.exiftool_keys;
                t.covered += s.covered;
                t.equal += s.equal;
            }
        }
        t
    }

    /// The agreement table as text.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<22} {:>8} {:>8} {:>9} {:>8} {:>9}\n",
            "group", "exiftool", "ours", "covered%", "equal", "equal%"
        );
        let mut row = |name: &str, s: &GroupStats| {
            out.push_str(&format!(
                "{:<22} {:>8} {:>8} {:>8.2}% {:>8} {:>8.2}%\n",
                name,
                s.exiftool_keys,
                s.covered,
                s.covered_pct(),
                s.equal,
                s.equal_pct()
            ));
        };
        for g in GROUPS {
            if let Some(s) = self.groups.get(*g) {
                row(g, s);
            }
        }
        for (g, s) in &self.groups {
            if g.starts_with("XMP-") && g != "XMP-*" {
                row(&format!("  {g}"), s);
            }
        }
        row("TOTAL", &self.total());
        row("MWG (composites)", &self.mwg);
        out
    }
}

/// Reads ExifTool's JSON array from a file and indexes it by `SourceFile`.
pub fn load_exiftool_json(path: &Path) -> std::io::Result<BTreeMap<String, J>> {
    let text = std::fs::read_to_string(path)?;
    let v: J = serde_json::from_str(&text).map_err(std::io::Error::other)?;
    let mut out = BTreeMap::new();
    for o in v.as_array().into_iter().flatten() {
        if let Some(f) = o.get("SourceFile").and_then(J::as_str) {
            out.insert(f.to_string(), o.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equality_rules() {
        assert!(values_equal(&json!(0.1), &json!("0.1000000001")));
        assert!(!values_equal(&json!(0.1), &json!(0.2)));
        assert!(values_equal(&json!("abc  \u{0}"), &json!("abc")));
        assert!(values_equal(&json!(["a"]), &json!("a")));
        assert!(!values_equal(&json!(["a", "b"]), &json!("a")));
        assert!(values_equal(&json!({"A": 1}), &json!({"A": "1"})));
    }
}
