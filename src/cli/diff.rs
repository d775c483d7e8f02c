//! `rewind diff`: what changed between two moments, as the explorer's `d` shows it, with totals.

use clap::Args;
use serde::Serialize;

use super::output::{Align, Table, json_line, print};
use super::{
    Failure, Outcome, SourceOptions, find_account, note_problems, open, resolve_time, values,
};
use crate::ledger::diff::{
    Diff, EventRow, Point, Totals, event_rows, event_totals, ledger_total, write_events_csv,
};
use crate::ledger::time::{UserTime, format_time};
use crate::ledger::{Moment, Money};

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Log file, or a postgres:// URL (with --preset or --query).
    pub file: String,
    /// The earlier moment (events at or before it are in the balances before).
    #[arg(long, value_name = "T", allow_hyphen_values = true, value_parser = values::time)]
    pub from: UserTime,
    /// The later moment, inclusive (a date alone is the end of that day).
    #[arg(long, value_name = "T", allow_hyphen_values = true, value_parser = values::end_time)]
    pub to: UserTime,
    /// Only this account: its balances, and the events on it.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Print JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print the events between as CSV (the explorer's export of a diff).
    #[arg(long)]
    pub csv: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountRow<'a> {
    account_id: &'a str,
    before: Money,
    after: Money,
    delta: Money,
    events: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LedgerTotal {
    from: Option<Money>,
    to: Option<Money>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    from: String,
    to: String,
    account_id: Option<&'a str>,
    accounts: Vec<AccountRow<'a>>,
    events: &'a [EventRow],
    totals: &'a Totals,
    /// The sum of the balances (of the account, with --account) as of each end.
    ledger_total: LedgerTotal,
}

pub fn run(args: DiffArgs, options: &SourceOptions) -> Outcome {
    let ledger = open(Some(&args.file), options)?;
    let account = args
        .account
        .as_deref()
        .map(|name| find_account(&ledger, name))
        .transpose()?;
    let last = ledger.last_time();
    let from = resolve_time(&args.from, last, "--from")?;
    let to = resolve_time(&args.to, last, "--to")?;
    if from > to {
        return Err(Failure::usage(format!(
            "--from {} is after --to {}",
            format_time(from),
            format_time(to)
        )));
    }
    let point = |name, t| Point {
        name,
        moment: Moment::Time(t),
    };
    let mut diff = Diff::between(&ledger, point('a', from), point('b', to));
    if let Some(a) = account {
        diff = diff.only(&ledger, a);
    }
    let events = event_rows(&ledger, &diff.events);
    let totals = event_totals(&events);
    let total = LedgerTotal {
        from: ledger_total(&ledger, account, Moment::Time(from)),
        to: ledger_total(&ledger, account, Moment::Time(to)),
    };
    let accounts: Vec<AccountRow> = diff
        .rows
        .iter()
        .map(|r| AccountRow {
            account_id: ledger.account_name(r.account),
            before: r.before,
            after: r.after,
            delta: r.delta,
            events: r.events,
        })
        .collect();
    if args.json {
        print(&json_line(&Report {
            from: format_time(from),
            to: format_time(to),
            account_id: args.account.as_deref(),
            accounts,
            events: &events,
            totals: &totals,
            ledger_total: total,
        }))?;
    } else if args.csv {
        let mut csv = Vec::new();
        write_events_csv(&mut csv, &events)
            .map_err(|e| Failure::usage(format!("writing CSV: {e}")))?;
        print(&String::from_utf8(csv).expect("CSV of strings"))?;
    } else {
        let changed = diff.changed();
        let mut out = format!(
            "from {} to {}: {} event{}, {changed} account{} changed\n",
            format_time(from),
            format_time(to),
            events.len(),
            plural(events.len()),
            plural(changed),
        );
        let mut table = Table::new(&[
            ("ACCOUNT", Align::Left),
            ("BEFORE", Align::Right),
            ("AFTER", Align::Right),
            ("DELTA", Align::Right),
            ("EVENTS", Align::Right),
        ]);
        for r in &accounts {
            table.push(vec![
                r.account_id.to_string(),
                r.before.to_string(),
                r.after.to_string(),
                r.delta.signed_string(),
                r.events.to_string(),
            ]);
        }
        out.push_str(&table.render());
        out.push('\n');
        out.push_str(&events_text(&events));
        out.push('\n');
        out.push_str(&totals_text(&totals));
        let shown = |m: Option<Money>| m.map_or("out of range".to_string(), |m| m.to_string());
        out.push_str(&format!(
            "{}: {} → {}\n",
            if account.is_some() {
                "balance"
            } else {
                "total of all balances"
            },
            shown(total.from),
            shown(total.to)
        ));
        print(&out)?;
    }
    note_problems(&ledger);
    Ok(0)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn events_text(rows: &[EventRow]) -> String {
    let mut table = Table::new(&[
        ("SEQ", Align::Right),
        ("TIME", Align::Left),
        ("ACCOUNT", Align::Left),
        ("TYPE", Align::Left),
        ("AMOUNT", Align::Right),
        ("TO", Align::Left),
        ("FLAGS", Align::Left),
    ]);
    for r in rows {
        table.push(vec![
            r.seq.to_string(),
            r.timestamp.clone(),
            r.account_id.clone(),
            r.kind.clone(),
            r.amount.map(|a| a.to_string()).unwrap_or_default(),
            r.to.clone().unwrap_or_default(),
            r.problems.join(","),
        ]);
    }
    table.render()
}

/// Totals as a table: a row per type, then `all`.
pub fn totals_text(totals: &Totals) -> String {
    let mut table = Table::new(&[
        ("TOTAL", Align::Left),
        ("EVENTS", Align::Right),
        ("SUM", Align::Right),
    ]);
    for t in totals.by_type.iter().chain([&totals.all]) {
        table.push(vec![
            t.kind.clone().unwrap_or_else(|| "all".to_string()),
            t.count.to_string(),
            t.sum.map_or("out of range".to_string(), |s| s.to_string()),
        ]);
    }
    table.render()
}
