//! `rewind seal`: writes a sealed copy of an unsealed log; never changes IN, never overwrites OUT.

use std::path::Path;

use clap::Args;
use serde::Serialize;

use super::output::{json_line, print_after};
use super::{Failure, Outcome, SourceOptions, open};
use crate::ledger::files;
use crate::ledger::seal::{SealError, sealed_lines};
use crate::source::file::write_sealed;

#[derive(Args, Debug)]
pub struct SealArgs {
    /// The unsealed log to copy.
    pub input: String,
    /// Where to write the sealed copy (must not exist).
    #[arg(long, value_name = "OUT")]
    pub out: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    input: &'a str,
    out: &'a str,
    records: usize,
    head: String,
}

/// A log that cannot be sealed, as the command's failure.
fn refusal(name: &str, e: SealError) -> Failure {
    Failure::usage(match e {
        SealError::AlreadySealed => {
            format!("{name}: the log is already sealed; `rewind verify {name}` checks it")
        }
        SealError::Record { line, why } => format!("{name}:{line}: {why}"),
    })
}

pub fn run(args: SealArgs, options: &SourceOptions) -> Outcome {
    let out = Path::new(&args.out);
    if out.exists() {
        return Err(Failure::usage(format!(
            "{}: already exists; seal never overwrites a file",
            args.out
        )));
    }
    let ledger = open(Some(&args.input), options)?;
    let (lines, head) = sealed_lines(&ledger).map_err(|e| refusal(ledger.name(), e))?;
    // The copy gets the input's permission bits, never wider.
    let mode = std::fs::metadata(&args.input)
        .map(|m| files::file_mode(&m))
        .map_err(|e| Failure::usage(format!("{}: {e}", args.input)))?;
    write_sealed(out, mode, &lines).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::usage(format!(
                "{}: already exists; seal never overwrites a file",
                args.out
            ))
        } else {
            Failure::usage(format!("{}: {e}", args.out))
        }
    })?;
    let text = if args.json {
        json_line(&Report {
            input: &args.input,
            out: &args.out,
            records: lines.len(),
            head: head.to_string(),
        })
    } else {
        format!(
            "{}\nhead {head}\n",
            crate::text::escape_control(&format!(
                "sealed {} records of {} into {}",
                lines.len(),
                args.input,
                args.out
            ))
        )
    };
    print_after(&text, || {
        crate::text::escape_control(&format!(
            "{}: the sealed copy was written (head {head})",
            args.out
        ))
        .into_owned()
    })?;
    Ok(0)
}
