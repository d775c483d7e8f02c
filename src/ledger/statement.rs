//! An account's statement: every event touching it, with the signed change and the balance
//! after each, as rows the command line prints and the explorer exports (JSON and CSV alike).

use serde::Serialize;

use super::cells::{Cell, csv_header, csv_row};
use super::diff::Totals;
use super::time::format_time;
use super::{AccountId, Ledger, Millis, Money, Posting};

/// One line of a statement.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StatementRow {
    /// The event's seq: its own `seq` member, or its 1-based place in recorded order.
    pub seq: u64,
    /// Where the event is: the file line (1-based), a database row's position, or a topic's
    /// `PARTITION:OFFSET` (a string in JSON).
    pub line: super::places::Place,
    /// The event's time, as RFC 3339 UTC with milliseconds (`2024-03-01T12:00:00.000Z`).
    pub timestamp: String,
    /// The event id, when the record carries one.
    pub event_id: Option<String>,
    /// The event type, as written.
    #[serde(rename = "type")]
    pub kind: String,
    /// The change to this account's balance.
    pub amount: Money,
    /// The balance right after the event.
    pub balance: Money,
    /// The other account of a transfer.
    pub counterparty: Option<String>,
    /// The kinds of the event's problems (`overdraft`, `out-of-order`, …), none for most rows.
    pub problems: Vec<&'static str>,
}

/// The statement of `account`: every event touching it with `from <= time <= to`, in time order,
/// with the balance after each.
pub fn statement(
    ledger: &Ledger,
    account: AccountId,
    from: Option<Millis>,
    to: Option<Millis>,
) -> Vec<StatementRow> {
    ledger
        .postings(account)
        .iter()
        .filter(|p| {
            let ts = ledger.event(p.event as usize).ts;
            from.is_none_or(|f| ts >= f) && to.is_none_or(|t| ts <= t)
        })
        .map(|p| statement_row(ledger, account, p))
        .collect()
}

/// One line of `account`'s statement: the event of a posting and the balance after it.
pub fn statement_row(ledger: &Ledger, account: AccountId, posting: &Posting) -> StatementRow {
    let i = posting.event as usize;
    let e = ledger.event(i);
    let other = if e.account == account {
        ledger.transfer_to(e)
    } else {
        Some(e.account)
    };
    StatementRow {
        seq: ledger.seq_of(i),
        line: ledger.place(e.line),
        timestamp: format_time(e.ts),
        event_id: ledger.event_id(i),
        kind: ledger.type_name(e.kind).to_string(),
        amount: ledger.delta(i, account),
        balance: posting.balance,
        counterparty: other
            .filter(|o| *o != account)
            .map(|o| ledger.account_name(o).to_string()),
        problems: ledger.problem_names(i),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    account_id: &'a str,
    from: Option<String>,
    to: Option<String>,
    rows: &'a [StatementRow],
    /// Per type, the count of the rows and the sum of their signed changes; then all of them.
    totals: Totals,
}

/// The totals of statement rows: per type, the count and the sum of the signed changes (the sum
/// of all of them is the change of the balance over the rows).
pub fn statement_totals(rows: &[StatementRow]) -> Totals {
    Totals::of(rows.iter().map(|r| (r.kind.as_str(), Some(r.amount))))
}

/// The JSON `rewind history --json` prints: the account, the window and the rows.
pub fn statement_json(
    account: &str,
    from: Option<Millis>,
    to: Option<Millis>,
    rows: &[StatementRow],
) -> String {
    let report = Report {
        account_id: account,
        from: from.map(format_time),
        to: to.map(format_time),
        rows,
        totals: statement_totals(rows),
    };
    crate::text::to_json(&report)
}

/// Writes statement rows as CSV with a header line.
pub fn write_csv<W: std::io::Write>(out: W, rows: &[StatementRow]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    csv_header(
        &mut w,
        &[
            "seq",
            "line",
            "timestamp",
            "eventId",
            "type",
            "amount",
            "balance",
            "counterparty",
            "problems",
        ],
    )?;
    for r in rows {
        csv_row(
            &mut w,
            &[
                Cell::Plain(r.seq.to_string()),
                Cell::Plain(r.line.to_string()),
                Cell::Plain(r.timestamp.clone()),
                Cell::Text(r.event_id.as_deref().unwrap_or_default()),
                Cell::Text(&r.kind),
                Cell::Plain(r.amount.to_string()),
                Cell::Plain(r.balance.to_string()),
                Cell::Text(r.counterparty.as_deref().unwrap_or_default()),
                Cell::Text(&r.problems.join(",")),
            ],
        )?;
    }
    w.flush()?;
    Ok(())
}
