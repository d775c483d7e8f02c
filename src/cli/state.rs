//! `rewind state`: an account's balance and fields as of a moment, each with the event that set
//! it.

use clap::Args;
use serde::Serialize;

use super::output::{Align, Table, json_line, print};
use super::{Outcome, SourceOptions, find_account, moment_asked, note_problems, open, values};
use crate::ledger::state::{self, StateAt};
use crate::ledger::time::{UserTime, format_time};
use crate::ledger::{Ledger, Moment, Money};

#[derive(Args, Debug)]
pub struct StateArgs {
    /// Log file, or a postgres:// URL (with --preset or --query).
    pub file: String,
    /// The account.
    #[arg(long, value_name = "ID")]
    pub account: String,
    /// As of this time, inclusive, folding events in time order: RFC 3339,
    /// `YYYY-MM-DD HH:MM[:SS]`, epoch ms, or `-15m` from the last event.
    #[arg(
        long,
        value_name = "TIME",
        conflicts_with = "seq",
        allow_hyphen_values = true,
        value_parser = values::time
    )]
    pub at: Option<UserTime>,
    /// As of the first N events, folded in recorded order (what the system knew then).
    #[arg(long, value_name = "N")]
    pub seq: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// An event, as the state commands name it.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EventRef {
    pub seq: u64,
    pub line: crate::ledger::Place,
    pub timestamp: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// Event `i` of the ledger as an [`EventRef`].
pub fn event_ref(ledger: &Ledger, i: u32) -> EventRef {
    let e = ledger.event(i as usize);
    EventRef {
        seq: ledger.seq_of(i as usize),
        line: ledger.place(e.line),
        timestamp: format_time(e.ts),
        kind: ledger.type_name(e.kind).to_string(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AsOf {
    timestamp: Option<String>,
    seq: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BalanceRow {
    value: Money,
    set_by: Option<EventRef>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FieldRow<'a> {
    name: &'a str,
    value: &'a state::Value,
    set_by: EventRef,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    account_id: &'a str,
    as_of: AsOf,
    order: &'static str,
    exists: bool,
    balance: BalanceRow,
    fields: Vec<FieldRow<'a>>,
}

fn report<'a>(ledger: &Ledger, name: &'a str, moment: Moment, s: &'a StateAt) -> Report<'a> {
    Report {
        account_id: name,
        as_of: AsOf {
            timestamp: ledger.time_of(moment).map(format_time),
            seq: ledger.included(moment),
        },
        order: s.order.name(),
        exists: s.exists,
        balance: BalanceRow {
            value: s.balance,
            set_by: s.balance_event.map(|i| event_ref(ledger, i)),
        },
        fields: s
            .fields
            .iter()
            .map(|(name, f)| FieldRow {
                name,
                value: &f.value,
                set_by: event_ref(ledger, f.event),
            })
            .collect(),
    }
}

pub fn run(args: StateArgs, options: &SourceOptions) -> Outcome {
    let ledger = open(Some(&args.file), options)?;
    let account = find_account(&ledger, &args.account)?;
    let moment = moment_asked(args.at.as_ref(), args.seq, ledger.last_time())?;
    let s = state::state_at(&ledger, account, moment);
    let report = report(&ledger, &args.account, moment, &s);
    if args.json {
        print(&json_line(&report))?;
    } else {
        print(&render_text(ledger.len(), &report))?;
    }
    note_problems(&ledger);
    Ok(0)
}

fn render_text(total: usize, r: &Report) -> String {
    let mut out = format!(
        "{} as of {} · {} of {total} events · {} order\n",
        crate::text::visible(r.account_id),
        r.as_of.timestamp.as_deref().unwrap_or("the start"),
        r.as_of.seq,
        r.order
    );
    if !r.exists {
        out.push_str("(no event on the account yet)\n");
    }
    let mut table = Table::new(&[
        ("FIELD", Align::Left),
        ("VALUE", Align::Left),
        ("SEQ", Align::Right),
        ("TIME", Align::Left),
        ("TYPE", Align::Left),
    ]);
    let set_by = |e: Option<&EventRef>| match e {
        Some(e) => [e.seq.to_string(), e.timestamp.clone(), e.kind.clone()],
        None => ["".into(), "".into(), "".into()],
    };
    let [seq, time, kind] = set_by(r.balance.set_by.as_ref());
    table.push(vec![
        "balance".into(),
        r.balance.value.to_string(),
        seq,
        time,
        kind,
    ]);
    for f in &r.fields {
        let [seq, time, kind] = set_by(Some(&f.set_by));
        table.push(vec![
            f.name.to_string(),
            f.value.to_string(),
            seq,
            time,
            kind,
        ]);
    }
    out.push_str(&table.render());
    out
}
