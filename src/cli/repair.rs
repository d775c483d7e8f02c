//! `rewind repair`: moves a torn last line (a crash mid-write) to `FILE.torn`, or takes blank
//! lines off the end of the log.

use std::path::Path;

use clap::Args;
use serde::Serialize;

use super::append::failure;
use super::output::{json_line, print_after};
use super::{Outcome, SourceOptions};
use crate::ledger::store::{self, Repaired};

#[derive(Args, Debug)]
pub struct RepairArgs {
    /// Log file.
    pub file: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    repaired: &'static str,
    line: Option<u64>,
    bytes_moved: u64,
    torn_file: Option<String>,
}

pub fn run(args: RepairArgs, _options: &SourceOptions) -> Outcome {
    let outcome = store::repair(Path::new(&args.file)).map_err(failure)?;
    let name = &args.file;
    let (report, text) = match &outcome {
        Repaired::Nothing => (
            Report {
                repaired: "nothing",
                line: None,
                bytes_moved: 0,
                torn_file: None,
            },
            format!("{name}: nothing to repair: the log ends with a complete line"),
        ),
        Repaired::Completed { line } => (
            Report {
                repaired: "newline-added",
                line: Some(*line),
                bytes_moved: 0,
                torn_file: None,
            },
            format!(
                "{name}:{line}: the last record was complete but lacked its newline; added the newline"
            ),
        ),
        Repaired::Blank { line, lines } => (
            Report {
                repaired: "blank-lines-removed",
                line: Some(*line),
                bytes_moved: 0,
                torn_file: None,
            },
            format!(
                "{name}:{line}: took {lines} blank line{} off the end of the log (they held no record)",
                if *lines == 1 { "" } else { "s" }
            ),
        ),
        Repaired::Moved { line, bytes, torn } => (
            Report {
                repaired: "moved",
                line: Some(*line),
                bytes_moved: *bytes,
                torn_file: Some(torn.display().to_string()),
            },
            format!(
                "{name}:{line}: moved the incomplete last line ({bytes} bytes) to {}; the log now \
                 ends with the record before it",
                torn.display()
            ),
        ),
    };
    let shown = if args.json {
        json_line(&report)
    } else {
        format!("{}\n", crate::text::escape_control(&text))
    };
    let done = || {
        crate::text::escape_control(&match &outcome {
            Repaired::Nothing => format!("{name}: nothing to repair"),
            _ => format!("{name}: repaired"),
        })
        .into_owned()
    };
    print_after(&shown, done)?;
    Ok(0)
}
