//! `rewind history`: one account's statement.

use super::output::{Align, Table, print};
use super::{
    Failure, Outcome, SourceOptions, find_account, note_problems, open, resolve_time, values,
};
pub use crate::ledger::statement::{
    StatementRow, statement, statement_json, statement_row, statement_totals, write_csv,
};
use crate::ledger::time::{UserTime, format_time};
use clap::Args;

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// Log file, or a postgres:// URL (with --preset or --query).
    pub file: String,
    /// The account.
    #[arg(long, value_name = "ID")]
    pub account: String,
    /// Only events at or after this time.
    #[arg(long, value_name = "T", allow_hyphen_values = true, value_parser = values::time)]
    pub from: Option<UserTime>,
    /// Only events at or before this time (a date alone is the whole day).
    #[arg(long, value_name = "T", allow_hyphen_values = true, value_parser = values::end_time)]
    pub to: Option<UserTime>,
    /// Print JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV.
    #[arg(long)]
    pub csv: bool,
    /// After the rows, their count and the sum of their changes, per type (JSON always has them).
    #[arg(long, conflicts_with_all = ["json", "csv"])]
    pub totals: bool,
}

pub fn run(args: HistoryArgs, options: &SourceOptions) -> Outcome {
    let ledger = open(Some(&args.file), options)?;
    let account = find_account(&ledger, &args.account)?;
    let last = ledger.last_time();
    let from = args
        .from
        .as_ref()
        .map(|t| resolve_time(t, last, "--from"))
        .transpose()?;
    let to = args
        .to
        .as_ref()
        .map(|t| resolve_time(t, last, "--to"))
        .transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(Failure::usage(format!(
            "--from {} is after --to {}",
            format_time(f),
            format_time(t)
        )));
    }
    let rows = statement(&ledger, account, from, to);
    if args.json {
        print(&format!(
            "{}\n",
            statement_json(&args.account, from, to, &rows)
        ))?;
    } else if args.csv {
        let mut csv = Vec::new();
        write_csv(&mut csv, &rows).map_err(|e| Failure::usage(format!("writing CSV: {e}")))?;
        print(&String::from_utf8(csv).expect("CSV of strings"))?;
    } else {
        let mut text = render_text(&rows);
        if args.totals {
            text.push('\n');
            text.push_str(&super::diff::totals_text(&statement_totals(&rows)));
        }
        print(&text)?;
    }
    note_problems(&ledger);
    Ok(0)
}

fn render_text(rows: &[StatementRow]) -> String {
    let mut table = Table::new(&[
        ("SEQ", Align::Right),
        ("TIME", Align::Left),
        ("TYPE", Align::Left),
        ("AMOUNT", Align::Right),
        ("BALANCE", Align::Right),
        ("FLAGS", Align::Left),
        ("", Align::Left),
    ]);
    for r in rows {
        table.push(vec![
            r.seq.to_string(),
            r.timestamp.clone(),
            r.kind.clone(),
            r.amount.signed_string(),
            r.balance.to_string(),
            r.problems.join(","),
            r.counterparty
                .as_ref()
                .map(|c| format!("↔ {c}"))
                .unwrap_or_default(),
        ]);
    }
    table.render()
}
