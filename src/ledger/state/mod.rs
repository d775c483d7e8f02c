//! State beyond money: an account's fields (address, status, limit…) folded from its events by
//! the rules of the type mapping file, as of any moment, with the event that set each one; when
//! a condition on them held; and the `[[check]]` problems.

mod checks;
mod fold;
mod rules;
mod value;
mod when;

pub(crate) use checks::add_check_problems;
pub use fold::{
    Change, Field, Fields, Note, Order, RulePlan, Step, Timeline, View, account_events,
};
pub use rules::{Check, From, Op, Rules, TypeRule, default_applies};
pub use value::{Found, Path, Value, is_own_member, lookup, payload};
pub use when::{Interval, intervals};

use super::Ledger;
use super::event::{AccountId, delta_for};
use super::money::Money;
use super::query::Moment;

/// An account as of a moment: its balance with the event that last moved it, and its fields.
#[derive(Clone, Debug)]
pub struct StateAt {
    /// The account.
    pub account: AccountId,
    /// The order the events were folded in ([`Order::of`] the moment).
    pub order: Order,
    /// Its balance at the moment.
    pub balance: Money,
    /// The last event included that moved the balance.
    pub balance_event: Option<u32>,
    /// Whether the account has an event at or before the moment.
    pub exists: bool,
    /// Its fields at the moment.
    pub fields: Fields,
}

/// The state of `account` as of `moment`: the events the moment includes, folded in time order
/// for a time (or the end), in recorded order for the first N events.
pub fn state_at(ledger: &Ledger, account: AccountId, moment: Moment) -> StateAt {
    let order = Order::of(moment);
    let timeline = Timeline::build(ledger, account, order);
    state_with(ledger, &timeline, moment)
}

/// [`state_at`] with the account's timeline already built (in the moment's order or not).
pub fn state_with(ledger: &Ledger, timeline: &Timeline, moment: Moment) -> StateAt {
    let account = timeline.account;
    let s = ledger.account_at(account, moment);
    let included = |i: u32| match moment {
        Moment::End => true,
        Moment::Time(t) => ledger.event(i as usize).ts <= t,
        Moment::Seq(n) => u64::from(i) < n,
    };
    let balance_event = account_events(ledger, account, timeline.order)
        .into_iter()
        .filter(|&i| included(i))
        .rfind(|&i| {
            let e = ledger.event(i as usize);
            delta_for(e, ledger.event_effect(e), account).is_some_and(|d| !d.is_zero())
        });
    StateAt {
        account,
        order: timeline.order,
        balance: s.balance,
        balance_event,
        exists: s.exists,
        fields: timeline.fields_at(moment),
    }
}
