//! CSV keyword lists with a path column (`Animals|Mammals|Dogs`) and optional columns.
//!
//! The first row is a header. Recognised columns (case-insensitive):
//! `path` (or `hierarchy`, `keyword`; otherwise the first column), `synonyms` (or
//! `altLabels`, `alt`: several separated by `;`), `hidden` (hidden labels, `;`-separated),
//! `notation`, `definition`, `lang`, `category` (`true`/`yes`/`1`: a category node, see
//! [`Vocabulary::set_category`]). Every prefix of a path is a concept, so `A|B|C` creates
//! `A`, `A|B` and `A|B|C`. IRIs are built as for Lightroom lists, so both formats agree.
//!
//! [`write()`] exports the same columns: one row per concept and path from a top concept
//! (a concept with two broader concepts gets two rows), sorted by path, so reading the
//! output back gives the same hierarchy and labels.

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
    let category_col = find(&headers, &["category"]);
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
        if let Some(cell) = category_col.and_then(|c| record.get(c))
            && matches!(
                cell.trim().to_ascii_lowercase().as_str(),
                "true" | "yes" | "1" | "x"
            )
        {
            vocab.set_category(id, true);
        }
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

/// Writes the vocabulary as a CSV keyword list (header `path,synonyms,hidden,notation,
/// definition,lang,category`), labels in the first of `langs` found (see
/// [`crate::ConceptRef::pref_label`]). A `|` inside a label becomes a space (it separates
/// levels); only the first notation of a concept is written.
pub fn write(vocab: &Vocabulary, langs: &[&str]) -> Result<Vec<u8>> {
    let export = |e: csv::Error| Error::Export {
        format: FORMAT,
        message: e.to_string(),
    };
    let mut rows: Vec<[String; 7]> = Vec::new();
    for c in vocab.concepts() {
        let label = |id: ConceptId| vocab.concept(id).display_label(langs).replace('|', " ");
        // The language of the chosen preferred label; synonyms and notes follow it.
        let pref = c.pref_label(langs);
        let lang = c
            .labels_of(LabelKind::Pref)
            .find(|l| Some(l.text) == pref)
            .map(|l| l.lang)
            .or_else(|| c.fallback_labels().find(|l| Some(l.1) == pref).map(|l| l.0))
            .unwrap_or("");
        let list = |kind: LabelKind| {
            c.labels_of(kind)
                .filter(|l| l.lang.eq_ignore_ascii_case(lang))
                .map(|l| l.text)
                .collect::<Vec<_>>()
                .join(";")
        };
        let (alt, hidden) = (list(LabelKind::Alt), list(LabelKind::Hidden));
        let notation = c.notations().next().unwrap_or("").to_string();
        let definition = c
            .notes(NoteKind::Definition)
            .find(|(l, _)| l.eq_ignore_ascii_case(lang))
            .map_or(String::new(), |(_, t)| t.to_string());
        let category = if c.is_category() { "true" } else { "" };
        for path in vocab.concept_paths(c.id()) {
            let path: Vec<String> = path.iter().map(|&p| label(p)).collect();
            rows.push([
                path.join("|"),
                alt.clone(),
                hidden.clone(),
                notation.clone(),
                definition.clone(),
                lang.to_string(),
                category.to_string(),
            ]);
        }
    }
    rows.sort();
    rows.dedup_by(|a, b| a[0] == b[0]);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "path",
        "synonyms",
        "hidden",
        "notation",
        "definition",
        "lang",
        "category",
    ])
    .map_err(export)?;
    for r in &rows {
        w.write_record(r).map_err(export)?;
    }
    w.into_inner().map_err(|e| Error::Export {
        format: FORMAT,
        message: e.to_string(),
    })
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
