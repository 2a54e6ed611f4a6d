//! Conventions every subcommand follows: exit status, JSON on stdout, diagnostics and
//! progress on stderr, errors that name the file.

use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

/// The exit status of a subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything worked.
    Success,
    /// Some inputs failed; the others were processed.
    SomeFailed,
    /// Usage error or fatal error: nothing useful was done.
    Fatal,
}

impl Status {
    /// `Success` when `failures` is zero, else `SomeFailed`.
    pub fn from_failures(failures: usize) -> Status {
        if failures == 0 {
            Status::Success
        } else {
            Status::SomeFailed
        }
    }
}

impl From<Status> for std::process::ExitCode {
    fn from(s: Status) -> Self {
        std::process::ExitCode::from(match s {
            Status::Success => 0,
            Status::SomeFailed => 1,
            Status::Fatal => 2,
        })
    }
}

/// Prints a diagnostic line on stderr, prefixed with `damkit <command>:`.
pub fn warn(command: &str, msg: impl Display) {
    let _ = writeln!(std::io::stderr(), "damkit {command}: {msg}");
}

/// Reports a fatal error with its chain of causes on stderr and returns [`Status::Fatal`].
pub fn fatal(command: &str, err: &anyhow::Error) -> Status {
    let mut msg = format!("damkit {command}: error: {err}");
    for cause in err.chain().skip(1) {
        msg.push_str(&format!(": {cause}"));
    }
    let _ = writeln!(std::io::stderr(), "{msg}");
    Status::Fatal
}

/// Writes `value` as pretty JSON on stdout followed by a newline.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    // One buffered write: serde_json writes token by token, and stdout's line buffer would
    // turn a large document into thousands of write calls.
    let mut buf = serde_json::to_vec_pretty(value)?;
    buf.push(b'\n');
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(&buf)?;
    out.flush()?;
    Ok(())
}

/// A progress bar on stderr for `len` items, drawn only when stderr is a terminal (never in
/// pipes, CI logs or `--json` consumers' captures) and only once the work has lasted a moment.
pub fn progress(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr_with_hz(10));
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {prefix} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(what.to_string());
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_from_failures() {
        assert_eq!(Status::from_failures(0), Status::Success);
        assert_eq!(Status::from_failures(3), Status::SomeFailed);
    }
}
