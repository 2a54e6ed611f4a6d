//! `damkit ingest`: not built yet (its crate, damkit (library), arrives with its issue).

use crate::output::{Status, not_built};

/// Arguments are accepted and ignored until the capability exists.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Arguments for the subcommand once it is built.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    args: Vec<std::ffi::OsString>,
}

/// Says that the subcommand is not built yet and returns status 2.
pub fn run(_args: Args) -> Status {
    not_built("ingest", "damkit (library)")
}
