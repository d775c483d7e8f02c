//! `rewind blame`: every change of one field of an account, with the event that made it.

use clap::Args;
use serde::Serialize;

use super::output::{Align, Table, json_line, print};
use super::state::{EventRef, event_ref};
use super::{Failure, Outcome, SourceOptions, find_account, note_problems, open};
use crate::ledger::Ledger;
use crate::ledger::cells::{Cell, csv_header, csv_row};
use crate::ledger::state::{Order, Timeline, Value};

#[derive(Args, Debug)]
pub struct BlameArgs {
    /// Log file, or a postgres:// URL (with --preset or --query).
    pub file: String,
    /// The account.
    #[arg(long, value_name = "ID")]
    pub account: String,
    /// The field (`status`, `meta.city`).
    #[arg(long, value_name = "NAME")]
    pub field: String,
    /// Fold the events in recorded order (what the system knew) instead of time order.
    #[arg(long)]
    pub recorded: bool,
    /// Print JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV.
    #[arg(long)]
    pub csv: bool,
}

/// One change of the field.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BlameRow {
    #[serde(flatten)]
    pub event: EventRef,
    /// `None`: the field was not set before.
    pub old: Option<Value>,
    /// `None`: the event unset the field.
    pub new: Option<Value>,
}

/// Every change of `field` in a timeline.
pub fn blame_rows(ledger: &Ledger, timeline: &Timeline, field: &str) -> Vec<BlameRow> {
    timeline
        .blame(field)
        .map(|(step, change)| BlameRow {
            event: event_ref(ledger, step.event),
            old: change.old.clone(),
            new: change.new.clone(),
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    account_id: &'a str,
    field: &'a str,
    order: &'static str,
    changes: &'a [BlameRow],
}

pub fn run(args: BlameArgs, options: &SourceOptions) -> Outcome {
    let ledger = open(Some(&args.file), options)?;
    let account = find_account(&ledger, &args.account)?;
    let order = if args.recorded {
        Order::Recorded
    } else {
        Order::Time
    };
    let timeline = Timeline::build(&ledger, account, order);
    let rows = blame_rows(&ledger, &timeline, &args.field);
    if rows.is_empty() {
        let names = timeline.field_names();
        let known = if names.is_empty() {
            "it has no fields".to_string()
        } else {
            format!("its fields: {}", names.join(", "))
        };
        return Err(Failure::usage(format!(
            "{}: no event sets `{}` on {} ({known})",
            ledger.name(),
            crate::text::escape_control(&args.field),
            crate::text::escape_control(&args.account)
        )));
    }
    if args.json {
        print(&json_line(&Report {
            account_id: &args.account,
            field: &args.field,
            order: order.name(),
            changes: &rows,
        }))?;
    } else if args.csv {
        let mut csv = Vec::new();
        write_csv(&mut csv, &rows).map_err(|e| Failure::usage(format!("writing CSV: {e}")))?;
        print(&String::from_utf8(csv).expect("CSV of strings"))?;
    } else {
        print(&render_text(&rows))?;
    }
    note_problems(&ledger);
    Ok(0)
}

/// Writes blame rows as CSV with a header line.
pub fn write_csv<W: std::io::Write>(out: W, rows: &[BlameRow]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    csv_header(&mut w, &["seq", "line", "timestamp", "type", "old", "new"])?;
    for r in rows {
        csv_row(
            &mut w,
            &[
                Cell::Plain(r.event.seq.to_string()),
                Cell::Plain(r.event.line.to_string()),
                Cell::Plain(r.event.timestamp.clone()),
                Cell::Text(&r.event.kind),
                Cell::Text(r.old.as_ref().map_or("", Value::text)),
                Cell::Text(r.new.as_ref().map_or("", Value::text)),
            ],
        )?;
    }
    w.flush()?;
    Ok(())
}

fn render_text(rows: &[BlameRow]) -> String {
    let mut table = Table::new(&[
        ("SEQ", Align::Right),
        ("TIME", Align::Left),
        ("TYPE", Align::Left),
        ("OLD", Align::Left),
        ("", Align::Left),
        ("NEW", Align::Left),
    ]);
    let shown = |v: &Option<Value>| v.as_ref().map_or("(not set)".to_string(), Value::to_string);
    for r in rows {
        table.push(vec![
            r.event.seq.to_string(),
            r.event.timestamp.clone(),
            r.event.kind.clone(),
            shown(&r.old),
            "→".into(),
            shown(&r.new),
        ]);
    }
    table.render()
}
