//! The errors of this crate.

use std::path::PathBuf;

use damkit_core::LimitError;

/// Why a vocabulary could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file could not be written (the original, if any, is untouched).
    #[error("writing {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The input is not valid in its format.
    #[error("{input}: invalid {format}{}: {message}", fmt_line(*.line, *.column))]
    Syntax {
        /// The file name (or `<memory>`).
        input: String,
        /// The format being read (`Turtle`, `RDF/XML`, `Lightroom keyword list`...).
        format: &'static str,
        /// 1-based line of the defect, when known.
        line: Option<u64>,
        /// 1-based column of the defect, when known.
        column: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// The format of the input could not be told from its name or content.
    #[error(
        "{input}: unknown vocabulary format (expected .ttl, .nt, .rdf/.xml/.owl, .jsonld, .json, .txt or .csv)"
    )]
    UnknownFormat {
        /// The file name.
        input: String,
    },
    /// A resource limit would be exceeded.
    #[error("{input}: {source}")]
    Limit {
        /// The file name.
        input: String,
        /// The limit.
        #[source]
        source: LimitError,
    },
    /// The vocabulary cannot be written in the requested format.
    #[error("cannot export as {format}: {message}")]
    Export {
        /// The target format.
        format: &'static str,
        /// Why.
        message: String,
    },
}

fn fmt_line(line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

impl Error {
    pub(crate) fn syntax(
        input: &str,
        format: &'static str,
        line: Option<u64>,
        message: impl Into<String>,
    ) -> Error {
        Error::Syntax {
            input: input.to_string(),
            format,
            line,
            column: None,
            message: message.into(),
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    #[test]
    fn error_traits() {
        damkit_core::error::assert_error_traits::<super::Error>();
    }

    #[test]
    fn message_names_input_and_line() {
        let e = super::Error::syntax("kw.txt", "Lightroom keyword list", Some(3), "bad tab");
        assert_eq!(
            e.to_string(),
            "kw.txt: invalid Lightroom keyword list at line 3: bad tab"
        );
    }
}
