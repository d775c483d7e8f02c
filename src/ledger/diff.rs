//! What changed between two moments: every account whose balance differs, and the events between,
//! with their totals; the rows the command line prints and the explorer exports.

use serde::Serialize;

use super::cells::{Cell, csv_header, csv_row};
use super::time::format_time;
use super::{AccountId, Ledger, Moment, Money};

/// A named moment: a mark (`a`…`z`) or the cursor (`.`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    /// The mark's letter (`a`…`z`), or `.` for the cursor.
    pub name: char,
    /// The moment it stands for.
    pub moment: Moment,
}

/// One account that changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffRow {
    /// The account.
    pub account: AccountId,
    /// Its balance at the earlier moment.
    pub before: Money,
    /// Its balance at the later moment.
    pub after: Money,
    /// `after - before` (zero when the difference does not fit in an amount).
    pub delta: Money,
    /// Events on the account between the two moments.
    pub events: usize,
}

/// The difference between two moments, `from` being the earlier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diff {
    /// The earlier moment.
    pub from: Point,
    /// The later moment.
    pub to: Point,
    /// Every account that changed (balance or events), sorted by name.
    pub rows: Vec<DiffRow>,
    /// The events included at `to` but not at `from`, as indexes in recorded order, listed in time
    /// order (or in recorded order when both moments are seqs).
    pub events: Vec<u32>,
}

fn included(ledger: &Ledger, i: usize, moment: Moment) -> bool {
    match moment {
        Moment::End => true,
        Moment::Time(t) => ledger.event(i).ts <= t,
        Moment::Seq(n) => (i as u64) < n,
    }
}

impl Diff {
    /// Compares two moments; they are put in order (the one including fewer events first).
    pub fn between(ledger: &Ledger, a: Point, b: Point) -> Diff {
        let (from, to) = if ledger.included(a.moment) <= ledger.included(b.moment) {
            (a, b)
        } else {
            (b, a)
        };
        let rows = ledger
            .accounts_sorted()
            .iter()
            .filter_map(|&account| {
                let before = ledger.account_at(account, from.moment);
                let after = ledger.account_at(account, to.moment);
                let events = after.events.abs_diff(before.events);
                (before.balance != after.balance || events > 0).then(|| DiffRow {
                    account,
                    before: before.balance,
                    after: after.balance,
                    delta: after
                        .balance
                        .checked_sub(before.balance)
                        .unwrap_or(Money::ZERO),
                    events,
                })
            })
            .collect();
        let events = match (from.moment, to.moment) {
            (Moment::Time(t1), Moment::Time(t2)) => {
                let order = ledger.time_order();
                order[ledger.count_at(t1)..ledger.count_at(t2)].to_vec()
            }
            (Moment::Seq(n1), Moment::Seq(n2)) => (ledger.included(Moment::Seq(n1)) as u32
                ..ledger.included(Moment::Seq(n2)) as u32)
                .collect(),
            _ => ledger
                .time_order()
                .iter()
                .copied()
                .filter(|&i| {
                    included(ledger, i as usize, to.moment)
                        && !included(ledger, i as usize, from.moment)
                })
                .collect(),
        };
        Diff {
            from,
            to,
            rows,
            events,
        }
    }

    /// Accounts whose balance differs (some rows only had events that moved no money).
    pub fn changed(&self) -> usize {
        self.rows.iter().filter(|r| !r.delta.is_zero()).count()
    }
}

impl Diff {
    /// Only what touches `account`: its row, and the events on it (either side of a transfer).
    pub fn only(mut self, ledger: &Ledger, account: AccountId) -> Diff {
        self.rows.retain(|r| r.account == account);
        self.events.retain(|&i| {
            let e = ledger.event(i as usize);
            e.account == account || ledger.transfer_to(e) == Some(account)
        });
        self
    }
}

/// The count and the sum of the amounts of some events, of one type or of all.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Total {
    /// The type, as the log spells it (`None` for all types together).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// How many of the events there are.
    pub count: usize,
    /// The sum of the amounts; `None` when it leaves the range of exact decimals.
    pub sum: Option<Money>,
}

/// Totals per type, in the order types are first met, then the total of all.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// One total per type, in the order the types are first met.
    pub by_type: Vec<Total>,
    /// The total of all the events.
    pub all: Total,
}

impl Totals {
    /// Adds up `(type, amount)` pairs: each counts once, an absent amount adds nothing.
    pub fn of<'a>(items: impl IntoIterator<Item = (&'a str, Option<Money>)>) -> Totals {
        let add = |t: &mut Total, amount: Option<Money>| {
            t.count += 1;
            if let Some(a) = amount {
                t.sum = t.sum.and_then(|s| s.checked_add(a));
            }
        };
        let fresh = |kind: Option<String>| Total {
            kind,
            count: 0,
            sum: Some(Money::ZERO),
        };
        let mut by_type: Vec<Total> = Vec::new();
        let mut all = fresh(None);
        for (kind, amount) in items {
            let k = match by_type.iter().position(|t| t.kind.as_deref() == Some(kind)) {
                Some(k) => k,
                None => {
                    by_type.push(fresh(Some(kind.to_string())));
                    by_type.len() - 1
                }
            };
            add(&mut by_type[k], amount);
            add(&mut all, amount);
        }
        Totals { by_type, all }
    }
}

/// The sum of the balances of `accounts` (every account when `None`) as of a moment; `None` when
/// it leaves the range of exact decimals.
pub fn ledger_total(ledger: &Ledger, account: Option<AccountId>, moment: Moment) -> Option<Money> {
    let one = [account.unwrap_or_default()];
    let accounts: &[AccountId] = match account {
        Some(_) => &one,
        None => ledger.accounts_sorted(),
    };
    accounts.iter().try_fold(Money::ZERO, |sum, &a| {
        sum.checked_add(ledger.account_at(a, moment).balance)
    })
}

/// One event between two moments.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EventRow {
    /// The event's seq: its own `seq` member, or its 1-based place in recorded order.
    pub seq: u64,
    /// Where the event is: the file line (1-based), a database row's position, or a topic's
    /// `PARTITION:OFFSET`.
    pub line: super::places::Place,
    /// The event's time, as RFC 3339 UTC with milliseconds (`2024-03-01T12:00:00.000Z`).
    pub timestamp: String,
    /// The event id, when the record carries one.
    pub event_id: Option<String>,
    /// The account the event is on.
    pub account_id: String,
    /// The event type, as written.
    #[serde(rename = "type")]
    pub kind: String,
    /// The amount as written (absent when the event has none).
    pub amount: Option<Money>,
    /// The `to` account the record gives, if any.
    pub to: Option<String>,
    /// The account's balance right after the event.
    pub balance: Option<Money>,
    /// The kinds of the event's problems, none for most rows.
    pub problems: Vec<&'static str>,
}

/// The rows of events (indexes in recorded order).
pub fn event_rows(ledger: &Ledger, events: &[u32]) -> Vec<EventRow> {
    events
        .iter()
        .map(|&i| {
            let i = i as usize;
            let e = ledger.event(i);
            EventRow {
                seq: ledger.seq_of(i),
                line: ledger.place(e.line),
                timestamp: format_time(e.ts),
                event_id: ledger.event_id(i),
                account_id: ledger.account_name(e.account).to_string(),
                kind: ledger.type_name(e.kind).to_string(),
                amount: e.has_amount().then_some(e.amount),
                to: e.to_account().map(|t| ledger.account_name(t).to_string()),
                balance: ledger.balance_after(i, e.account),
                problems: ledger.problem_names(i),
            }
        })
        .collect()
}

/// The totals of event rows: per type, the count and the sum of the amounts as written.
pub fn event_totals(rows: &[EventRow]) -> Totals {
    Totals::of(rows.iter().map(|r| (r.kind.as_str(), r.amount)))
}

/// Writes event rows as CSV with a header line.
pub fn write_events_csv<W: std::io::Write>(out: W, rows: &[EventRow]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    csv_header(
        &mut w,
        &[
            "seq",
            "line",
            "timestamp",
            "eventId",
            "accountId",
            "type",
            "amount",
            "to",
            "balance",
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
                Cell::Text(&r.account_id),
                Cell::Text(&r.kind),
                Cell::Plain(r.amount.map(|a| a.to_string()).unwrap_or_default()),
                Cell::Text(r.to.as_deref().unwrap_or_default()),
                Cell::Plain(r.balance.map(|b| b.to_string()).unwrap_or_default()),
                Cell::Text(&r.problems.join(",")),
            ],
        )?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{LoadOptions, load_bytes, time::parse_time};

    #[test]
    fn the_duplicated_withdrawal_in_one_diff() {
        let l = load_bytes(
            "sample",
            std::fs::read("assets/sample.jsonl").unwrap(),
            &LoadOptions::default(),
        );
        let at = |s: &str| Point {
            name: 'a',
            moment: Moment::Time(parse_time(s).unwrap()),
        };
        let mut b = at("2024-03-14T16:01:00Z");
        b.name = 'b';
        // Given in either order, the earlier moment comes first.
        let d = Diff::between(&l, b, at("2024-03-14T15:58:00Z"));
        assert_eq!(d.from.name, 'a');
        assert_eq!(d.events.len(), 2);
        assert_eq!(d.rows.len(), 1);
        let row = &d.rows[0];
        assert_eq!(l.account_name(row.account), "cust-dana");
        assert_eq!(row.before.to_string(), "612.40");
        assert_eq!(row.after.to_string(), "-187.60");
        assert_eq!(row.delta.to_string(), "-800.00");
        assert_eq!(row.events, 2);
        assert_eq!(d.changed(), 1);
        // Seq moments, and a mix of both.
        let d = Diff::between(
            &l,
            Point {
                name: 'a',
                moment: Moment::Seq(402),
            },
            Point {
                name: 'b',
                moment: Moment::Seq(404),
            },
        );
        assert_eq!(d.events, vec![402, 403]);
        let d = Diff::between(
            &l,
            Point {
                name: 'a',
                moment: Moment::Seq(402),
            },
            b,
        );
        assert_eq!(d.events.len(), 2);
    }
}
