//! `rewind check`: every problem in a log.

use clap::Args;
use serde::Serialize;

use super::{Outcome, SourceOptions, open_summary};
use crate::ledger::{Integrity, Ledger};
use crate::text::{count, escape_control};

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
    line: u64,
    kind: &'static str,
    message: &'a str,
    event_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    file: &'a str,
    events: usize,
    accounts: usize,
    integrity: &'static str,
    broken_at_line: Option<u64>,
    count: usize,
    problems: Vec<ProblemRow<'a>>,
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
    let problems = ledger.problems();
    if args.json {
        let report = Report {
            file: ledger.name(),
            events: ledger.len(),
            accounts: ledger.accounts_sorted().len(),
            integrity: integrity_name(ledger.integrity()),
            broken_at_line: match ledger.integrity() {
                Integrity::Broken { line } => Some(line),
                _ => None,
            },
            count: problems.len(),
            problems: problems
                .iter()
                .map(|p| ProblemRow {
                    line: p.line,
                    kind: p.kind.name(),
                    message: &p.message,
                    event_id: p.event.and_then(|i| ledger.event_id(i as usize)),
                })
                .collect(),
        };
        println!("{}", crate::text::to_json(&report));
    } else {
        print!("{}", render_text(&ledger));
    }
    Ok(if problems.is_empty() { 0 } else { 1 })
}

fn render_text(ledger: &Ledger) -> String {
    let mut out = String::new();
    let name = escape_control(ledger.name());
    for p in ledger.problems() {
        out.push_str(&format!(
            "{name}:{}: {}: {}\n",
            p.line,
            p.kind,
            escape_control(&p.message)
        ));
    }
    let integrity = match ledger.integrity() {
        Integrity::Unsealed => "unsealed (not tamper-evident)".to_string(),
        Integrity::Sealed => "sealed, chain intact".to_string(),
        Integrity::Broken { line } => format!("sealed, chain BROKEN at line {line}"),
    };
    let n = ledger.problems().len();
    out.push_str(&format!(
        "{name}: {}, {}, {integrity}; {}\n",
        count(ledger.len(), "event"),
        count(ledger.accounts_sorted().len(), "account"),
        match n {
            0 => "no problems".to_string(),
            n => count(n, "problem"),
        }
    ));
    out
}
