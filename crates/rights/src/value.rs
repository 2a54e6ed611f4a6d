//! Typed values of right operands and of request context: date-times, dates, numbers,
//! durations, IRIs and strings, with the comparisons constraint operators need.

use std::cmp::Ordering;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::error::{Result, RightsError};
use crate::graph::Node;
use crate::vocab::XSD;

/// A typed value.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "camelCase")]
pub enum Value {
    /// An instant (`xsd:dateTime`; a value without offset is read as UTC).
    DateTime(Timestamp),
    /// A calendar date (`xsd:date`), compared with instants at 00:00 UTC.
    Date(Date),
    /// An integer.
    Integer(i64),
    /// A decimal or floating-point number.
    Decimal(f64),
    /// A boolean.
    Boolean(bool),
    /// A duration (`xsd:duration`) in seconds (days of 24 hours, months of 30 days, years of
    /// 365 days).
    Duration(f64),
    /// An IRI.
    Iri(String),
    /// A string.
    String(String),
}

impl Value {
    /// Reads a value from an RDF term. `rule` and `term` name the place for errors.
    pub fn from_node(node: &Node, rule: &str, term: &str) -> Result<Value> {
        match node {
            Node::Iri(i) => Ok(Value::Iri(i.clone())),
            Node::Blank(b) => Ok(Value::Iri(format!("_:{b}"))),
            Node::Literal {
                value, datatype, ..
            } => Value::from_typed(value, datatype, rule, term),
        }
    }

    /// Reads a lexical form of the given datatype IRI.
    pub fn from_typed(lexical: &str, datatype: &str, rule: &str, term: &str) -> Result<Value> {
        let local = datatype.strip_prefix(XSD).unwrap_or("");
        let bad = |message: String| RightsError::Date {
            rule: rule.to_owned(),
            term: term.to_owned(),
            value: lexical.to_owned(),
            message,
        };
        let num = |message: &str| RightsError::Model {
            rule: rule.to_owned(),
            term: term.to_owned(),
            message: format!("{lexical:?} is not a valid {message}"),
        };
        Ok(match local {
            "dateTime" | "dateTimeStamp" => Value::DateTime(parse_date_time(lexical).map_err(bad)?),
            "date" => Value::Date(parse_date(lexical).map_err(bad)?),
            "integer" | "int" | "long" | "short" | "byte" | "nonNegativeInteger"
            | "positiveInteger" | "unsignedInt" | "unsignedLong" | "negativeInteger"
            | "nonPositiveInteger" => {
                Value::Integer(lexical.trim().parse().map_err(|_| num("integer"))?)
            }
            "decimal" | "double" | "float" => {
                let v: f64 = lexical.trim().parse().map_err(|_| num("number"))?;
                if !v.is_finite() {
                    return Err(num("finite number"));
                }
                Value::Decimal(v)
            }
            "boolean" => Value::Boolean(match lexical.trim() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => return Err(num("boolean")),
            }),
            "duration" | "dayTimeDuration" | "yearMonthDuration" => {
                Value::Duration(parse_duration(lexical).ok_or_else(|| num("xsd:duration"))?)
            }
            "anyURI" => Value::Iri(lexical.to_owned()),
            _ => Value::String(lexical.to_owned()),
        })
    }

    /// The text of an IRI or string value.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Iri(s) | Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A short human-readable form.
    pub fn display(&self) -> String {
        match self {
            Value::DateTime(t) => t.to_string(),
            Value::Date(d) => d.to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Decimal(d) => d.to_string(),
            Value::Boolean(b) => b.to_string(),
            Value::Duration(s) => format!("{s}s"),
            Value::Iri(s) => crate::vocab::short(s).to_owned(),
            Value::String(s) => s.clone(),
        }
    }

    /// Orders two values when they are comparable (numbers with numbers, instants with
    /// instants and dates, durations, equal texts).
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        use Value::*;
        match (self, other) {
            (DateTime(a), DateTime(b)) => Some(a.cmp(b)),
            (DateTime(a), Date(b)) => Some(a.cmp(&date_start(*b)?)),
            (Date(a), DateTime(b)) => Some(date_start(*a)?.cmp(b)),
            (Date(a), Date(b)) => Some(a.cmp(b)),
            (Integer(a), Integer(b)) => Some(a.cmp(b)),
            (Integer(a), Decimal(b)) => (*a as f64).partial_cmp(b),
            (Decimal(a), Integer(b)) => a.partial_cmp(&(*b as f64)),
            (Decimal(a), Decimal(b)) => a.partial_cmp(b),
            (Duration(a), Duration(b)) => a.partial_cmp(b),
            (Boolean(a), Boolean(b)) => (a == b).then_some(Ordering::Equal),
            (Iri(_) | String(_), Iri(_) | String(_)) => {
                let (a, b) = (self.as_text()?, other.as_text()?);
                if a == b || crate::vocab::short(a) == crate::vocab::short(b) {
                    Some(Ordering::Equal)
                } else if let (Ok(x), Ok(y)) = (a.parse::<f64>(), b.parse::<f64>()) {
                    x.partial_cmp(&y)
                } else {
                    None
                }
            }
            (Integer(_) | Decimal(_), String(s)) | (String(s), Integer(_) | Decimal(_)) => {
                let n: f64 = s.trim().parse().ok()?;
                let (a, b) = match (self, other) {
                    (String(_), _) => (n, other.as_f64()?),
                    _ => (self.as_f64()?, n),
                };
                a.partial_cmp(&b)
            }
            _ => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Integer(i) => Some(*i as f64),
            Value::Decimal(d) => Some(*d),
            _ => None,
        }
    }
}

fn date_start(d: Date) -> Option<Timestamp> {
    d.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// Parses an `xsd:dateTime` (RFC 3339 or ISO 8601; without an offset it is read as UTC; a
/// space may separate date and time).
pub fn parse_date_time(s: &str) -> std::result::Result<Timestamp, String> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    match s.parse::<jiff::civil::DateTime>() {
        Ok(dt) => dt
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string()),
        Err(e) => {
            // A bare date is a date-time at midnight UTC.
            if let Ok(d) = s.parse::<Date>() {
                return date_start(d).ok_or_else(|| "date out of range".to_owned());
            }
            Err(e.to_string())
        }
    }
}

/// Parses an `xsd:date` (a trailing offset is ignored).
pub fn parse_date(s: &str) -> std::result::Result<Date, String> {
    let s = s.trim();
    let core = if s.len() > 10 && s.is_char_boundary(10) {
        &s[..10]
    } else {
        s
    };
    core.parse::<Date>().map_err(|e| e.to_string())
}

/// Parses an ISO 8601 / `xsd:duration` into seconds.
pub fn parse_duration(s: &str) -> Option<f64> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let s = s.strip_prefix('P')?;
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut total = 0.0;
    let mut any = false;
    let mut num = String::new();
    for c in date.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'Y' | 'M' | 'W' | 'D' => {
                let v: f64 = num.parse().ok()?;
                num.clear();
                any = true;
                total += v * match c {
                    'Y' => 365.0 * 86400.0,
                    'M' => 30.0 * 86400.0,
                    'W' => 7.0 * 86400.0,
                    _ => 86400.0,
                };
            }
            _ => return None,
        }
    }
    if !num.is_empty() {
        return None;
    }
    if let Some(t) = time {
        for c in t.chars() {
            match c {
                '0'..='9' | '.' => num.push(c),
                'H' | 'M' | 'S' => {
                    let v: f64 = num.parse().ok()?;
                    num.clear();
                    any = true;
                    total += v * match c {
                        'H' => 3600.0,
                        'M' => 60.0,
                        _ => 1.0,
                    };
                }
                _ => return None,
            }
        }
        if !num.is_empty() {
            return None;
        }
    }
    any.then_some(if neg { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_durations() {
        assert!(parse_date_time("2024-02-12T11:20:10.999Z").is_ok());
        assert!(parse_date_time("2017-12-19T15:00:00").is_ok());
        assert!(parse_date_time("2025-07-23 00:00:00").is_ok());
        assert!(parse_date_time("yesterday").is_err());
        assert_eq!(parse_duration("P1DT2H"), Some(93600.0));
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("P1X"), None);
        let a = Value::DateTime(parse_date_time("2017-12-19T15:00:00").unwrap());
        let b = Value::Date(parse_date("2018-01-01").unwrap());
        assert_eq!(a.compare(&b), Some(Ordering::Less));
        assert_eq!(
            Value::Integer(1000).compare(&Value::Decimal(1200.0)),
            Some(Ordering::Less)
        );
    }
}
