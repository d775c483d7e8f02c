//! When a condition held: every interval of an account's history in which it holds.
//!
//! A condition is tested at the moments the account changes, right after its events. A
//! condition on state alone (`balance < 0`) is tested in time order only after the last event of
//! each timestamp — the moments a time can name, so that it holds at `--at T` exactly when `T`
//! is in one of its intervals. A condition with event terms (`type:withdraw`) is tested at every
//! event, and holds from that event until the account's next one.

use super::fold::{Fields, Order, RulePlan, View, account_events};
use crate::ledger::Ledger;
use crate::ledger::condition::Condition;
use crate::ledger::event::AccountId;
use crate::ledger::money::Money;

/// One interval in which a condition holds, for one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    /// The account.
    pub account: AccountId,
    /// The event after which it began to hold.
    pub start: u32,
    /// The last event after which it still held.
    pub last: u32,
    /// The event after which it no longer held; `None` when it holds to the end of the log.
    pub end: Option<u32>,
}

/// Every interval in which `condition` holds for each of `accounts`, folding their events in
/// `order`; sorted by where they start in that order.
pub fn intervals(
    ledger: &Ledger,
    condition: &Condition,
    accounts: &[AccountId],
    order: Order,
) -> Vec<Interval> {
    let plan = condition.plan(ledger);
    let rules = RulePlan::new(ledger);
    let every_event = condition.has_event_terms() || order == Order::Recorded;
    let mut out = Vec::new();
    for &account in accounts {
        let events = account_events(ledger, account, order);
        let mut fields = Fields::default();
        let mut balance = Money::ZERO;
        let mut open: Option<Interval> = None;
        for (k, &i) in events.iter().enumerate() {
            let e = ledger.event(i as usize);
            if e.account == account
                && let Some(step) = rules.step(i, &fields)
            {
                fields.apply(&step);
            }
            if let Some(next) = balance.checked_add(ledger.delta(i as usize, account)) {
                balance = next;
            }
            let later_same_time = events
                .get(k + 1)
                .is_some_and(|&j| ledger.event(j as usize).ts == e.ts);
            if !every_event && later_same_time {
                continue;
            }
            let view = View {
                balance,
                fields: &fields,
            };
            let holds = plan.holds(Some(e), &view);
            match (&mut open, holds) {
                (None, true) => {
                    open = Some(Interval {
                        account,
                        start: i,
                        last: i,
                        end: None,
                    })
                }
                (Some(interval), true) => interval.last = i,
                (Some(interval), false) => {
                    interval.end = Some(i);
                    out.push(*interval);
                    open = None;
                }
                (None, false) => {}
            }
        }
        out.extend(open);
    }
    let key = |i: &Interval| match order {
        Order::Time => (ledger.event(i.start as usize).ts, i.start, i.account),
        Order::Recorded => (0, i.start, i.account),
    };
    out.sort_by_key(key);
    out
}

#[cfg(test)]
#[path = "when_tests.rs"]
mod tests;
