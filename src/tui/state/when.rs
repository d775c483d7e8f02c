//! `w`: a condition on an account's state or on events (the one condition language of
//! [`crate::ledger::condition`]), every interval in which it holds, where they start in the
//! current order, and moving the cursor from one to the next. `n`/`N` go to the next interval or
//! to the next search match: whichever of the two was asked last.

use super::{Order, State};
use crate::ledger::condition::Condition;
use crate::ledger::state::{self, Interval, intervals};
use crate::ledger::{AccountId, Millis};

/// The active `w` condition and where it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct When {
    pub condition: Condition,
    /// The account it is about; `None`: every account.
    pub account: Option<AccountId>,
    /// Every interval in which it holds, in the current order.
    pub intervals: Vec<Interval>,
    /// `(position of the interval's first event in the current order, interval index)`, sorted.
    pub starts: Vec<(u32, u32)>,
}

/// What `n`/`N` step through: the last of the two that was asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Find {
    #[default]
    Search,
    When,
}

impl State {
    /// Sets the `w` condition (for one account, or all of them) and finds where it holds.
    pub fn set_when(&mut self, condition: Condition, account: Option<AccountId>) {
        self.when = Some(When {
            condition,
            account,
            intervals: Vec::new(),
            starts: Vec::new(),
        });
        self.find = Find::When;
        self.refresh_when();
    }

    /// Forgets the `w` condition.
    pub fn clear_when(&mut self) {
        self.when = None;
        self.find = Find::Search;
        self.refresh_when();
    }

    /// Finds the intervals again (after the order changed or the log grew), and marks them on
    /// the timeline.
    pub fn refresh_when(&mut self) {
        self.find_intervals();
        let spans = self.when_spans();
        let width = self.timeline.width();
        let mut timeline = std::mem::take(&mut self.timeline);
        timeline.set_when(&self.ledger, &spans, width);
        self.timeline = timeline;
    }

    fn find_intervals(&mut self) {
        let Some(mut when) = self.when.take() else {
            return;
        };
        let order = match self.order {
            Order::Time => state::Order::Time,
            Order::Recorded => state::Order::Recorded,
        };
        let accounts: Vec<AccountId> = match when.account {
            Some(a) => vec![a],
            None => (0..self.ledger.account_count() as AccountId).collect(),
        };
        when.intervals = intervals(&self.ledger, &when.condition, &accounts, order);
        let mut starts: Vec<(u32, u32)> = when
            .intervals
            .iter()
            .enumerate()
            .map(|(k, i)| (self.pos_of(i.start as usize) as u32, k as u32))
            .collect();
        starts.sort_unstable();
        when.starts = starts;
        self.when = Some(when);
    }

    /// Whether the cursor is inside an interval, and which.
    fn when_at_cursor(&self, when: &When) -> Option<usize> {
        let here = self.cursor.pos?;
        when.intervals.iter().position(|i| {
            self.pos_of(i.start as usize) <= here
                && i.end.is_none_or(|e| self.pos_of(e as usize) > here)
        })
    }

    /// Moves to the next (or previous) interval's start; `inclusive`: the first moment it holds
    /// from the cursor on (staying put when it holds at the cursor). Says what happened.
    pub fn next_interval(&mut self, forward: bool, inclusive: bool) -> String {
        let Some(when) = self.when.clone() else {
            return "no condition: press w to give one".into();
        };
        let label = format!("w {}", when.condition.text());
        if when.starts.is_empty() {
            return format!("{label}: never holds{}", self.when_scope(&when));
        }
        let total = when.starts.len();
        if inclusive && let Some(k) = self.when_at_cursor(&when) {
            let index = when.starts.iter().position(|&(_, j)| j as usize == k);
            return format!(
                "{label}: holds at the cursor: {} · interval {} of {total} · n/N next / previous",
                self.describe(&when.intervals[k]),
                index.map_or(0, |i| i + 1),
            );
        }
        let positions: Vec<u32> = when.starts.iter().map(|&(p, _)| p).collect();
        let here = self.cursor.pos.map(|p| p as i64).unwrap_or(-1);
        let (index, wrapped) = super::positions::pick(&positions, here, forward, inclusive);
        let (pos, k) = when.starts[index];
        self.set_pos(pos as usize);
        format!(
            "{label}: interval {} of {total}{}: {} · n/N next / previous",
            index + 1,
            if wrapped { " (wrapped)" } else { "" },
            self.describe(&when.intervals[k as usize]),
        )
    }

    fn when_scope(&self, when: &When) -> String {
        match when.account {
            Some(a) => format!(" for {}", self.ledger.account_name(a)),
            None => " for any account".into(),
        }
    }

    /// `cust-dana from line 404 to line 420` (or `… on`, when it holds to the end).
    fn describe(&self, i: &Interval) -> String {
        let line = |e: u32| {
            self.ledger
                .place(self.ledger.event(e as usize).line)
                .phrase()
        };
        let end = match i.end {
            Some(e) => format!("until {}", line(e)),
            None => "to the end".into(),
        };
        format!(
            "{} from {} {end}",
            self.ledger.account_name(i.account),
            line(i.start)
        )
    }

    /// The times each interval spans (its first event's to its end's, or the log's last), for
    /// the timeline.
    pub fn when_spans(&self) -> Vec<(Millis, Millis)> {
        let (Some(when), Some(last)) = (&self.when, self.ledger.last_time()) else {
            return Vec::new();
        };
        when.intervals
            .iter()
            .map(|i| {
                let a = self.ledger.event(i.start as usize).ts;
                let b = i.end.map_or(last, |e| self.ledger.event(e as usize).ts);
                (a.min(b), a.max(b))
            })
            .collect()
    }
}
