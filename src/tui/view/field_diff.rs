//! The field changes of a diff between two moments: for each account with an event between
//! them, the fields that differ ([`Fields::diff`](crate::ledger::state::Fields::diff)).

use crate::ledger::diff::Diff;
use crate::ledger::state::{Change, state_at};
use crate::ledger::{AccountId, Ledger};

/// One account's fields that differ between the two moments of a diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChanges {
    pub account: AccountId,
    /// In field name order: the value at the first moment → the value at the second.
    pub changes: Vec<Change>,
}

/// The field changes between the two moments of `diff`, by account name.
pub fn field_changes(ledger: &Ledger, diff: &Diff) -> Vec<FieldChanges> {
    let mut accounts: Vec<AccountId> = diff
        .events
        .iter()
        .map(|&i| ledger.event(i as usize).account)
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    let mut out: Vec<FieldChanges> = accounts
        .into_iter()
        .filter_map(|account| {
            let before = state_at(ledger, account, diff.from.moment).fields;
            let after = state_at(ledger, account, diff.to.moment).fields;
            let changes = before.diff(&after);
            (!changes.is_empty()).then_some(FieldChanges { account, changes })
        })
        .collect();
    out.sort_by(|a, b| {
        ledger
            .account_name(a.account)
            .cmp(ledger.account_name(b.account))
    });
    out
}
