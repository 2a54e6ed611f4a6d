//! `damkit`: digital asset management from the shell.
//!
//! Each subcommand lives in its own module under `cmd/`; `output` holds the conventions they
//! share (exit codes, `--json`, progress bars, error reporting).

mod cmd;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// damkit: read and write image metadata, make renditions, find duplicates, govern keywords,
/// decide whether an asset may be used, and search a catalog.
///
/// Exit status: 0 success, 1 some inputs failed, 2 usage or fatal error.
#[derive(Debug, Parser)]
#[command(
    name = "damkit",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read and write EXIF, IPTC-IIM and XMP metadata.
    Metadata(cmd::metadata::Args),
    /// Make thumbnails and derivatives from presets.
    Render(cmd::render::Args),
    /// Find exact, metadata-blind and near-duplicate images.
    Dupes(cmd::dupes::Args),
    /// Controlled vocabularies: lint, convert, suggest, normalize.
    Vocab(cmd::vocab::Args),
    /// ODRL rights: check a use against a policy, run the conformance suite.
    Rights(cmd::rights::Args),
    /// Search a library or an index.
    Search(cmd::search::Args),
    /// Ingest files into a library folder.
    Ingest(cmd::ingest::Args),
    /// Show an asset of a library: status, versions, files, audit trail.
    Show(cmd::show::Args),
    /// Edit an asset's catalog fields (title, description, keywords, status).
    Edit(cmd::edit::Args),
    /// Show or change an asset's lifecycle status.
    Status(cmd::status::Args),
    /// Library reports: dupes, rights, vocab, stats.
    Report(cmd::report::Args),
    /// Rebuild a library's search index from its catalog.
    Reindex(cmd::reindex::Args),
    /// Detect the media type of files from their magic bytes.
    Detect(cmd::detect::Args),
    /// Walk through damkit on sample files bundled in the binary.
    Demo(cmd::demo::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let status = match cli.command {
        Command::Metadata(args) => cmd::metadata::run(args),
        Command::Render(args) => cmd::render::run(args),
        Command::Dupes(args) => cmd::dupes::run(args),
        Command::Vocab(args) => cmd::vocab::run(args),
        Command::Rights(args) => cmd::rights::run(args),
        Command::Search(args) => cmd::search::run(args),
        Command::Ingest(args) => cmd::ingest::run(args),
        Command::Show(args) => cmd::show::run(args),
        Command::Edit(args) => cmd::edit::run(args),
        Command::Status(args) => cmd::status::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Reindex(args) => cmd::reindex::run(args),
        Command::Detect(args) => cmd::detect::run(args),
        Command::Demo(args) => cmd::demo::run(args),
    };
    status.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
