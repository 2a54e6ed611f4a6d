//! CSV keyword lists with a path column (`Animals|Mammals|Dogs`) and optional columns.
//!
//! The first row is a header. Recognised columns (case-insensitive):
//! `path` (or `hierarchy`, `keyword`; otherwise the first column), `synonyms` (or
//! `altLabels`, `alt`: several separated by `;`), `hidden` (hidden labels, `;`-separated),
//! `notation`, `definition`, `lang`. Every prefix of a path is a concept, so `A|B|C` creates
//! `A`, `A|B` and `A|B|C`. IRIs are built as for Lightroom lists, so both formats agree.

use crate::Warning;
use crate::error::{Error, Result};
use crate::lightroom::child_iri;
use crate::model::{ConceptId, LabelKind, NoteKind, Vocabulary};

const FORMAT: &str = "CSV keyword list";

/// Options of the CSV reader.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Separator between path levels (default `|`).
    pub path_separator: char,
    /// Separator between synonyms in one cell (default `;`).
    pub list_separator: char,
    /// Field delimiter (default `,`).
    pub delimiter: u8,
    /// Fail on the first defect instead of skipping the row with a warning.
    pub strict: bool,
    /// Language of labels when there is no `lang` column (default `""`).
    pub lang: String,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            path_separator: '|',
            list_separator: ';',
            delimiter: b',',
            strict: false,
            lang: String::new(),
        }
    }
}

/// Parses a CSV keyword list. Returns the vocabulary and the rows skipped (lenient mode).
pub fn parse(bytes: &[u8], input: &str, opts: &ReadOptions) -> Result<(Vocabulary, Vec<Warning>)> {
    let mut v = Vocabulary::new();
    let w = read_into(&mut v, bytes, input, opts)?;
    v.finish();
    Ok((v, w))
}

fn find(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
}

/// Parses a CSV keyword list into `vocab` (call [`Vocabulary::finish`] afterwards).
pub fn read_into(
    vocab: &mut Vocabulary,
    bytes: &[u8],
    input: &str,
    opts: &ReadOptions,
) -> Result<Vec<Warning>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(opts.delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let csv_err = |e: csv::Error| {
        let line = e.position().map(|p| p.line());
        let message = match e.kind() {
            csv::ErrorKind::Utf8 { err, .. } => format!("not UTF-8 ({err})"),
            _ => e.to_string(),
        };
        Error::syntax(input, FORMAT, line, message)
    };
    let headers = rdr.headers().map_err(csv_err)?.clone();
    if headers.is_empty() {
        return Err(Error::syntax(input, FORMAT, Some(1), "no header row"));
    }
    let path_col = find(&headers, &["path", "hierarchy", "keyword", "keywords"]).unwrap_or(0);
    let syn_col = find(
        &headers,
        &["synonyms", "synonym", "altlabels", "altlabel", "alt"],
    );
    let hidden_col = find(&headers, &["hidden", "hiddenlabels", "hiddenlabel"]);
    let notation_col = find(&headers, &["notation", "code"]);
    let def_col = find(&headers, &["definition", "description"]);
    let lang_col = find(&headers, &["lang", "language"]);
    let mut warnings = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut cache: std::collections::HashMap<String, ConceptId> = Default::default();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let e = csv_err(e);
                if opts.strict {
                    return Err(e);
                }
                warnings.push(Warning {
                    line: 0,
                    message: e.to_string(),
                });
                // A UTF-8 or syntax error in one record: the reader moves on.
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let path = record.get(path_col).unwrap_or("").trim();
        if path.is_empty() {
            let msg = format!("row without a {:?} value", &headers[path_col]);
            if opts.strict {
                return Err(Error::syntax(input, FORMAT, Some(line), msg));
            }
            warnings.push(Warning { line, message: msg });
            continue;
        }
        let lang = lang_col
            .and_then(|c| record.get(c))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .unwrap_or(&opts.lang)
            .to_string();
        let mut parent: Option<ConceptId> = None;
        let mut key = String::new();
        let mut bad = false;
        for part in path.split(opts.path_separator) {
            let part = part.trim();
            if part.is_empty() {
                bad = true;
                continue;
            }
            key.push(opts.path_separator);
            key.push_str(part);
            let id = match cache.get(&key) {
                Some(&id) => id,
                None => {
                    let iri = child_iri(parent.map(|p| vocab.concept(p).iri()), part);
                    let id = vocab.add_concept(&iri);
                    vocab.add_label(id, LabelKind::Pref, &lang, part);
                    if let Some(p) = parent {
                        vocab.add_broader(id, p);
                    }
                    cache.insert(key.clone(), id);
                    id
                }
            };
            parent = Some(id);
        }
        if bad {
            let msg = format!("empty level in path {path:?}");
            if opts.strict {
                return Err(Error::syntax(input, FORMAT, Some(line), msg));
            }
            warnings.push(Warning { line, message: msg });
        }
        let Some(id) = parent else { continue };
        for (col, kind) in [(syn_col, LabelKind::Alt), (hidden_col, LabelKind::Hidden)] {
            if let Some(cell) = col.and_then(|c| record.get(c)) {
                for s in cell.split(opts.list_separator) {
                    let s = s.trim();
                    if !s.is_empty() {
                        vocab.add_label(id, kind, &lang, s);
                    }
                }
            }
        }
        if let Some(n) = notation_col.and_then(|c| record.get(c)).map(str::trim)
            && !n.is_empty()
        {
            vocab.add_notation(id, n);
        }
        if let Some(d) = def_col.and_then(|c| record.get(c)).map(str::trim)
            && !d.is_empty()
        {
            vocab.add_note(id, NoteKind::Definition, &lang, d);
        }
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_synonyms() {
        let text = "path,synonyms\nAnimals|Mammals|Dogs,Canines;Hounds\nAnimals|Birds,\n";
        let (v, w) = parse(text.as_bytes(), "t.csv", &ReadOptions::default()).unwrap();
        assert!(w.is_empty());
        assert_eq!(v.len(), 4);
        let dogs = v
            .concepts()
            .find(|c| c.pref_label(&[]) == Some("Dogs"))
            .unwrap();
        assert_eq!(dogs.labels_of(LabelKind::Alt).count(), 2);
    }
}
