//! The synthetic vocabulary shared by the benches.

/// A synthetic SKOS Turtle vocabulary: `n` concepts in a 10-ary tree, each with an English
/// preferred label of two words, one alternative label and a notation.
#[allow(dead_code)]
pub fn generate_turtle(n: usize) -> String {
    const WORDS: [&str; 16] = [
        "river", "mountain", "harbour", "festival", "portrait", "football", "market", "bridge",
        "forest", "desert", "island", "street", "garden", "concert", "station", "village",
    ];
    let mut s = String::with_capacity(n * 200);
    s.push_str("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n@prefix ex: <http://example.org/c/> .\n");
    for i in 0..n {
        let a = WORDS[i % 16];
        let b = WORDS[(i / 16) % 16];
        s.push_str(&format!(
            "ex:{i} a skos:Concept ; skos:prefLabel \"{a} {b} {i}\"@en ; skos:altLabel \"{b}{a}{i}\"@en ; skos:notation \"N{i}\""
        ));
        if i > 0 {
            s.push_str(&format!(" ; skos:broader ex:{}", (i - 1) / 10));
        }
        s.push_str(" .\n");
    }
    s
}
