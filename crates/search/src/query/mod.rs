//! The query language.
//!
//! See the crate documentation for the syntax and the field names. [`parse`] turns text
//! into an [`Ast`] and never fails; searching compiles the tree into tantivy queries.

mod compile;
mod parse;
pub(crate) mod typo;

pub(crate) use compile::Compiler;
pub use compile::{FUZZY_MIN_CHARS, MAX_EXPANSION, MAX_FUZZY, MAX_WILDCARDS};
pub use parse::{Ast, MAX_DEPTH, MAX_QUERY_CHARS, MAX_TERMS, parse};
