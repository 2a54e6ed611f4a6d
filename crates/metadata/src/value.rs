//! Tag values as ExifTool prints them with `-n`, and their JSON form.

use serde::{Serialize, Serializer};

/// A metadata value in ExifTool's `-n` (machine-readable) form.
///
/// Leaves are kept as text exactly as ExifTool prints them (`"0.00625"`, `"120 120 32 4"`,
/// `"2020:06:30 04:27:20"`); [`Value::to_json`] applies ExifTool's rule for what is written as
/// a JSON number. Lists and structures keep their shape, as `-struct` does.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A single value, as text.
    Text(String),
    /// A boolean (XMP `Boolean` type).
    Bool(bool),
    /// An ordered list (XMP `rdf:Seq`/`rdf:Bag`/`rdf:Alt`, repeated IIM datasets).
    List(Vec<Value>),
    /// A structure: field names (ExifTool's) and values, in document order.
    Struct(Vec<(String, Value)>),
}

impl Value {
    /// A text value.
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(s.into())
    }

    /// The text of a leaf, or `None` for lists and structures.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a leaf, or of the first element of a list.
    pub fn first_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            Value::List(v) => v.first().and_then(Value::first_text),
            _ => None,
        }
    }

    /// All leaf texts of a leaf or list (structures are skipped).
    pub fn texts(&self) -> Vec<&str> {
        match self {
            Value::Text(s) => vec![s.as_str()],
            Value::List(v) => v.iter().filter_map(Value::as_text).collect(),
            _ => Vec::new(),
        }
    }

    /// The leaf parsed as a number, when it is one.
    pub fn as_f64(&self) -> Option<f64> {
        self.first_text().and_then(|s| s.trim().parse().ok())
    }

    /// The JSON form ExifTool's `-j` gives this value.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Text(s) => json_leaf(s),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::List(v) => serde_json::Value::Array(v.iter().map(Value::to_json).collect()),
            Value::Struct(fields) => serde_json::Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// ExifTool writes a value as a JSON number when it matches
/// `^-?(\d|[1-9]\d{1,14})(\.\d{1,16})?(e[-+]?\d{1,3})?$` (case-insensitive); otherwise as a
/// string.
pub fn looks_like_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i = 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_len = i - int_start;
    if int_len == 0 || int_len > 15 || (int_len > 1 && b[int_start] == b'0') {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i - f == 0 || i - f > 16 {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i - e == 0 || i - e > 3 {
            return false;
        }
    }
    i == b.len()
}

fn json_leaf(s: &str) -> serde_json::Value {
    if looks_like_json_number(s) {
        if let Ok(n) = s.parse::<i64>() {
            return serde_json::Value::from(n);
        }
        if let Ok(f) = s.parse::<f64>()
            && let Some(n) = serde_json::Number::from_f64(f)
        {
            return serde_json::Value::Number(n);
        }
    }
    serde_json::Value::String(s.to_string())
}

/// Formats a float as ExifTool does for a computed value (`%.15g`, trailing zeros dropped).
pub fn fmt_g15(v: f64) -> String {
    fmt_g(v, 15)
}

/// Formats a rational's value as ExifTool does (`%.10g`).
pub fn fmt_g10(v: f64) -> String {
    fmt_g(v, 10)
}

/// `printf("%.{prec}g")` without trailing zeros.
pub fn fmt_g(v: f64, prec: usize) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if v.is_finite()
        && v.fract() == 0.0
        && v.abs() < 1e15
        && (v.abs() as u64).to_string().len() <= prec
    {
        return (v as i64).to_string();
    }
    // Fast path: the shortest round-trip form has at most `prec` significant digits, so it is
    // what `%.{prec}g` prints (the exact value differs by far less than half a unit there).
    let short = format!("{v}");
    if !short.contains('e') {
        let digits = short.trim_start_matches('-').replace('.', "");
        let sig = digits.trim_start_matches('0').len();
        let exp = v.abs().log10().floor() as i32;
        if sig <= prec && (-4..prec as i32).contains(&exp) {
            return short;
        }
    }
    if !v.is_finite() {
        return if v.is_nan() {
            "undef".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let exp = v.abs().log10().floor() as i32;
    if exp < -4 || exp >= prec as i32 {
        let s = format!("{:.*e}", prec.saturating_sub(1), v);
        // Rust: 1.2345e-5 → mantissa trimming and C-style exponent (e-05).
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        };
        let e: i32 = e.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", e.abs())
    } else {
        let decimals = (prec as i32 - 1 - exp).max(0) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

/// One metadata tag: ExifTool's family-1 group, tag name and value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tag {
    /// ExifTool's family-1 group (`IFD0`, `ExifIFD`, `GPS`, `IPTC`, `XMP-dc`…).
    pub group: String,
    /// ExifTool's tag name (`Make`, `DateTimeOriginal`, `Keywords`…).
    pub name: String,
    /// The value, in ExifTool's `-n` form.
    pub value: Value,
}

impl Tag {
    /// `Group:Name`, the key ExifTool's `-G1` output uses.
    pub fn key(&self) -> String {
        format!("{}:{}", self.group, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exiftool_number_rule() {
        assert!(looks_like_json_number("0.00625"));
        assert!(looks_like_json_number("-6"));
        assert!(!looks_like_json_number("0230"));
        assert!(!looks_like_json_number("0.00625000041106819"));
        assert!(looks_like_json_number("21.9999981908717"));
        assert!(!looks_like_json_number("1 2"));
        assert!(!looks_like_json_number("+1"));
        assert!(!looks_like_json_number(""));
        assert!(looks_like_json_number("1e-05"));
    }

    #[test]
    fn g_formats() {
        assert_eq!(fmt_g10(2272000.0 / 280.0), "8114.285714");
        assert_eq!(fmt_g10(0.00625), "0.00625");
        assert_eq!(fmt_g10(22.0), "22");
        assert_eq!(fmt_g15(2f64.powf(8.918863 / 2.0)), "21.9999981908717");
        assert_eq!(fmt_g10(1.0 / 100000.0), "1e-05");
    }
}
