//! `rewind check`: every problem in a log.

use clap::Args;
use serde::Serialize;

use std::io::{BufWriter, Write};

use super::output::output_failure;
use super::{Outcome, SourceOptions, open_summary};
use crate::ledger::{Integrity, Ledger};
use crate::text::{count, escape_control, to_json};

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Log file, or a postgres:// URL (with --preset or --query).
    pub file: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProblemRow<'a> {
    line: crate::ledger::Place,
    kind: &'static str,
    message: &'a str,
    event_id: Option<String>,
}

/// The report without its problems, which are written one by one after it (a log may have
/// millions: their texts are built as they are written, never all at once).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Header<'a> {
    file: &'a str,
    events: usize,
    accounts: usize,
    integrity: &'static str,
    broken_at_line: Option<u64>,
    count: usize,
}

/// `sealed`, `unsealed` or `broken`.
pub fn integrity_name(integrity: Integrity) -> &'static str {
    match integrity {
        Integrity::Unsealed => "unsealed",
        Integrity::Sealed => "sealed",
        Integrity::Broken { .. } => "broken",
    }
}

pub fn run(args: CheckArgs, options: &SourceOptions) -> Outcome {
    let ledger = open_summary(&args.file, options)?;
    let found = !ledger.problems().is_empty();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = if args.json {
        write_json(&ledger, &mut out)
    } else {
        write_text(&ledger, &mut out)
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| output_failure(&e, None))?;
    Ok(if found { 1 } else { 0 })
}

fn write_json(ledger: &Ledger, out: &mut impl Write) -> std::io::Result<()> {
    let problems = ledger.problems();
    let header = Header {
        file: ledger.name(),
        events: ledger.len(),
        accounts: ledger.accounts_sorted().len(),
        integrity: integrity_name(ledger.integrity()),
        broken_at_line: match ledger.integrity() {
            Integrity::Broken { line } => Some(line),
            _ => None,
        },
        count: problems.len(),
    };
    let head = to_json(&header);
    // `{…,"count":N` then `,"problems":[…]}`: the same object as one serialization gives.
    out.write_all(&head.as_bytes()[..head.len() - 1])?;
    out.write_all(b",\"problems\":[")?;
    let mut explain = ledger.explainer();
    for (k, p) in problems.iter().enumerate() {
        if k > 0 {
            out.write_all(b",")?;
        }
        let message = explain.message(p);
        let row = ProblemRow {
            line: ledger.place(p.line),
            kind: p.kind.name(),
            message: &message,
            event_id: p.event().and_then(|i| ledger.event_id(i as usize)),
        };
        out.write_all(to_json(&row).as_bytes())?;
    }
    out.write_all(b"]}\n")
}

fn write_text(ledger: &Ledger, out: &mut impl Write) -> std::io::Result<()> {
    let name = escape_control(ledger.name());
    let mut explain = ledger.explainer();
    for p in ledger.problems() {
        writeln!(
            out,
            "{name}:{}: {}: {}",
            ledger.place(p.line),
            p.kind,
            escape_control(&explain.message(p))
        )?;
    }
    let integrity = match ledger.integrity() {
        Integrity::Unsealed => "unsealed (not tamper-evident)".to_string(),
        Integrity::Sealed => "sealed, chain intact".to_string(),
        Integrity::Broken { line } => format!("sealed, chain BROKEN at line {line}"),
    };
    let n = ledger.problems().len();
    writeln!(
        out,
        "{name}: {}, {}, {integrity}; {}",
        count(ledger.len(), "event"),
        count(ledger.accounts_sorted().len(), "account"),
        match n {
            0 => "no problems".to_string(),
            n => count(n, "problem"),
        }
    )
}
