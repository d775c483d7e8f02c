//! What changed between two moments: every account whose balance differs, and the events between.

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
