//! `rewind balance`: balances as of a moment.

use clap::Args;
use serde::Serialize;

use super::output::{Align, Table};
use super::{Failure, Outcome, SourceOptions, find_account, note_problems, open, parse_cli_time};
use crate::ledger::time::format_time;
use crate::ledger::{AccountState, Ledger, Moment, Money};

#[derive(Args, Debug)]
pub struct BalanceArgs {
    /// Log file, or a postgres:// URL (with --preset or --query).
    pub file: String,
    /// Only this account.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// As of this time, inclusive: RFC 3339, `YYYY-MM-DD HH:MM[:SS]`, epoch ms, or `-15m` from the
    /// last event.
    #[arg(
        long,
        value_name = "TIME",
        conflicts_with = "seq",
        allow_hyphen_values = true
    )]
    pub at: Option<String>,
    /// As of the first N events in recorded order.
    #[arg(long, value_name = "N")]
    pub seq: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AsOf {
    timestamp: Option<String>,
    seq: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountRow<'a> {
    account_id: &'a str,
    balance: Money,
    events: usize,
    exists: bool,
    closed: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    as_of: AsOf,
    accounts: Vec<AccountRow<'a>>,
}

/// The moment asked for by `--at` / `--seq`.
pub fn moment(ledger: &Ledger, at: Option<&str>, seq: Option<u64>) -> Result<Moment, Failure> {
    Ok(match (at, seq) {
        (Some(t), _) => Moment::Time(parse_cli_time(ledger, t, "--at")?),
        (None, Some(n)) => Moment::Seq(n),
        (None, None) => Moment::End,
    })
}

pub fn run(args: BalanceArgs, options: &SourceOptions) -> Outcome {
    let ledger = open(Some(&args.file), options)?;
    let moment = moment(&ledger, args.at.as_deref(), args.seq)?;
    let states: Vec<AccountState> = match &args.account {
        Some(name) => vec![ledger.account_at(find_account(&ledger, name)?, moment)],
        None => ledger.balances_at(moment),
    };
    let report = Report {
        as_of: AsOf {
            timestamp: ledger.time_of(moment).map(format_time),
            seq: ledger.included(moment),
        },
        accounts: states
            .iter()
            .map(|s| AccountRow {
                account_id: ledger.account_name(s.account),
                balance: s.balance,
                events: s.events,
                exists: s.exists,
                closed: s.closed,
            })
            .collect(),
    };
    if args.json {
        println!("{}", serde_json::to_string(&report).expect("serializable"));
    } else {
        print!("{}", render_text(&ledger, &report));
    }
    note_problems(&ledger);
    Ok(0)
}

fn render_text(ledger: &Ledger, report: &Report) -> String {
    let mut out = format!(
        "as of {} · {} of {} events\n",
        report
            .as_of
            .timestamp
            .as_deref()
            .unwrap_or("the start (no events)"),
        report.as_of.seq,
        ledger.len()
    );
    let mut table = Table::new(&[
        ("ACCOUNT", Align::Left),
        ("BALANCE", Align::Right),
        ("EVENTS", Align::Right),
        ("", Align::Left),
    ]);
    for row in &report.accounts {
        let status = if !row.exists {
            "not yet opened"
        } else if row.closed {
            "closed"
        } else {
            ""
        };
        table.push(vec![
            row.account_id.to_string(),
            row.balance.to_string(),
            row.events.to_string(),
            status.to_string(),
        ]);
    }
    out.push_str(&table.render());
    out
}
