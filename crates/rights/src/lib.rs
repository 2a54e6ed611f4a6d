//! An ODRL 2.2 rights engine for digital assets: policies, evaluation with compliance reports, expiry alerts, rights from embedded metadata.
//!
//! **Status: not built yet.** This crate reserves its place in the damkit workspace; its
//! capability arrives with its issue. See `crate-status.md` at the repository root for what
//! works today. Until then it exports nothing but this notice, so that no one mistakes the
//! frame for the capability.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// Whether this crate's capability is implemented yet. The `damkit` command checks it and
/// exits with status 2 and a clear message when it is not.
pub const IMPLEMENTED: bool = false;
