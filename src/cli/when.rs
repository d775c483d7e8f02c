//! `rewind when`: every interval in which a condition holds.

use clap::Args;
use serde::Serialize;

use super::output::{Align, Table, json_line, note, print};
use super::state::{EventRef, event_ref};
use super::{Failure, Outcome, SourceOptions, find_account, note_problems, open};
use crate::ledger::Ledger;
use crate::ledger::condition::Condition;
use crate::ledger::state::{Interval, Order, intervals};

#[derive(Args, Debug)]
pub struct WhenArgs {
    /// Log file, or a postgres:// URL (with --preset or --query).
    pub file: String,
    /// The condition (`balance < 0`, `status = frozen`, `type:withdraw amount:>5000`), best
    /// quoted whole; its words may also be given as separate arguments.
    #[arg(required = true, num_args = 1.., value_name = "CONDITION")]
    pub condition: Vec<String>,
    /// Only this account.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Fold the events in recorded order (what the system knew) instead of time order.
    #[arg(long)]
    pub recorded: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// One interval, as `when` shows it.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct IntervalRow {
    pub account_id: String,
    /// The event after which the condition began to hold.
    pub start: EventRef,
    /// The last event after which it still held.
    pub last: EventRef,
    /// The event after which it no longer held; `None` when it holds to the end.
    pub end: Option<EventRef>,
}

pub fn interval_row(ledger: &Ledger, i: &Interval) -> IntervalRow {
    IntervalRow {
        account_id: ledger.account_name(i.account).to_string(),
        start: event_ref(ledger, i.start),
        last: event_ref(ledger, i.last),
        end: i.end.map(|e| event_ref(ledger, e)),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    condition: &'a str,
    order: &'static str,
    intervals: &'a [IntervalRow],
}

pub fn run(args: WhenArgs, options: &SourceOptions) -> Outcome {
    let text = args.condition.join(" ");
    let condition = Condition::parse(&text).map_err(|e| {
        Failure::usage(format!(
            "condition `{}`: {e}",
            crate::text::escape_control(&text)
        ))
    })?;
    let ledger = open(Some(&args.file), options)?;
    let accounts = match &args.account {
        Some(name) => vec![find_account(&ledger, name)?],
        None => ledger.accounts_sorted().to_vec(),
    };
    let order = if args.recorded {
        Order::Recorded
    } else {
        Order::Time
    };
    let rows: Vec<IntervalRow> = intervals(&ledger, &condition, &accounts, order)
        .iter()
        .map(|i| interval_row(&ledger, i))
        .collect();
    if args.json {
        print(&json_line(&Report {
            condition: condition.text(),
            order: order.name(),
            intervals: &rows,
        }))?;
    } else if rows.is_empty() {
        note(&format!(
            "rewind: note: `{}` never holds",
            crate::text::escape_control(condition.text())
        ));
    } else {
        print(&render_text(&rows))?;
    }
    note_problems(&ledger);
    Ok(0)
}

fn render_text(rows: &[IntervalRow]) -> String {
    let mut table = Table::new(&[
        ("ACCOUNT", Align::Left),
        ("FROM", Align::Left),
        ("SEQ", Align::Right),
        ("TYPE", Align::Left),
        ("UNTIL", Align::Left),
        ("SEQ", Align::Right),
        ("TYPE", Align::Left),
    ]);
    for r in rows {
        let (until, seq, kind) = match &r.end {
            Some(e) => (e.timestamp.clone(), e.seq.to_string(), e.kind.clone()),
            None => ("(still holds)".to_string(), String::new(), String::new()),
        };
        table.push(vec![
            r.account_id.clone(),
            r.start.timestamp.clone(),
            r.start.seq.to_string(),
            r.start.kind.clone(),
            until,
            seq,
            kind,
        ]);
    }
    table.render()
}
