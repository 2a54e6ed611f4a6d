//! Hostile queries: answered with warnings, never a panic, never unbounded work.

use damkit_search::SearchRequest;

use crate::fixture;

#[test]
fn ten_thousand_terms() {
    let (ix, _) = fixture();
    let q = (0..10_000)
        .map(|i| format!("w{i}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let r = ix.search(&SearchRequest::new(q)).unwrap();
    assert!(!r.warnings.is_empty());
    let q = "fox ".repeat(10_000);
    let r = ix.search(&SearchRequest::new(q)).unwrap();
    assert_eq!(r.total, 1);
    assert!(!r.warnings.is_empty());
    // Many long words: typo tolerance is capped.
    let q = (0..500u32)
        .map(|i| format!("longword{}", char::from_u32(0x61 + i % 26).unwrap()))
        .collect::<Vec<_>>()
        .join(" OR ");
    let r = ix.search(&SearchRequest::new(q)).unwrap();
    assert!(
        r.warnings.iter().any(|w| w.contains("typo tolerance")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn deep_nesting() {
    let (ix, _) = fixture();
    for q in [
        format!("{}fox{}", "(".repeat(100_000), ")".repeat(100_000)),
        format!("{}fox", "(".repeat(5_000)),
        format!("fox{}", ")".repeat(5_000)),
        format!("{}fox", "NOT ".repeat(3_000)),
        format!("{}fox", "-".repeat(8_000)),
        format!("{}fox", "keyword:(".repeat(3_000)),
        "((((((((((((((((((((((((((((((((((((((((a OR b))))))))))))))))))))))))))))))))))))))) fox"
            .into(),
    ] {
        let r = ix.search(&SearchRequest::new(q.clone())).unwrap();
        assert!(!r.warnings.is_empty(), "{}", &q[..40.min(q.len())]);
    }
}

#[test]
fn regex_bombs_and_wildcards() {
    let (ix, _) = fixture();
    for q in [
        "/(a+)+$/",
        "/(a|aa)*b/",
        "/.{1000}{1000}/",
        "title:/[a-z]{1,10000}/",
        "a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*",
        "*a*",
        "????????????????????????????????????????????????????????????????????????x",
        "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
        "w1* w2* w3* w4* w5* w6* w7*",
    ] {
        let r = ix.search(&SearchRequest::new(q)).unwrap();
        let _ = r.total;
    }
    let r = ix
        .search(&SearchRequest::new("w1* w2* w3* w4* w5* w6*"))
        .unwrap();
    assert!(
        r.warnings.iter().any(|w| w.contains("wildcard")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn invalid_dates_and_numbers() {
    let (ix, _) = fixture();
    for q in [
        "taken:[2021-02-30 TO 2021-03-01]",
        "taken:9999999999",
        "taken:[-2021 TO 2021]",
        "taken:>+2021-01-01",
        "taken:[2021-01-01T25:00:00Z TO *]",
        "width:>99999999999999999999999999",
        "rating:[a TO b]",
        "lat:[NaN TO inf]",
        "size:>1e999MB",
        "taken:\"\"",
    ] {
        let r = ix.search(&SearchRequest::new(q)).unwrap();
        assert!(!r.warnings.is_empty(), "{q}");
    }
}

#[test]
fn control_characters_and_unicode() {
    let (ix, _) = fixture();
    for q in [
        "\0\u{1}\u{7f}",
        "🦊 fox",
        "ｆｏｘ",
        "\u{202e}xof",
        "fox\u{0}snow",
        "a:b:c:d",
        "::::",
        "\"\"\"\"\"",
        "[[[[[",
        "}}}}}",
        "make:\"",
        "taxonomy://///",
    ] {
        let _ = ix.search(&SearchRequest::new(q)).unwrap();
    }
}
