//! `[[check]]` problems: a problem of the check's name on each event where its condition holds.
//!
//! A condition on events alone is tested on each event by itself. A condition on state is
//! tested right after each event, on the state of the event's account, in time order.

use super::fold::{Fields, RulePlan, View};
use crate::ledger::Ledger;
use crate::ledger::condition::{NoState, Plan};
use crate::ledger::event::{NO_ACCOUNT, delta_for, flags};
use crate::ledger::money::Money;
use crate::ledger::problem::{Problem, ProblemKind, Reason};

/// Finds the check problems of the events from `first` on and adds them to the ledger's
/// problems (nothing to do, and nothing read, without checks).
pub(crate) fn add_check_problems(ledger: &mut Ledger, first: usize) {
    if ledger.types_map.rules().checks().is_empty() {
        return;
    }
    let found = find(ledger, first);
    if found.is_empty() {
        return;
    }
    for p in &found {
        if let Some(i) = p.event() {
            ledger.records.events[i as usize].flags |= flags::PROBLEM;
        }
    }
    ledger.problems.extend(found);
    if !ledger.problems.is_sorted_by_key(Problem::order) {
        ledger.problems.sort_by_key(Problem::order);
    }
}

fn problem(ledger: &Ledger, i: u32, check: usize) -> Problem {
    let e = ledger.event(i as usize);
    let check = u16::try_from(check).unwrap_or(u16::MAX).to_le_bytes();
    Problem::on_event(
        e.line,
        e.offset,
        i,
        ProblemKind::Check,
        Reason::Check { check },
    )
}

fn find(ledger: &Ledger, first: usize) -> Vec<Problem> {
    let checks = ledger.types_map.rules().checks();
    let plans: Vec<Plan> = checks.iter().map(|c| c.when.plan(ledger)).collect();
    let stateful = checks.iter().any(|c| c.when.has_state_terms());
    let mut found = Vec::new();
    if !stateful {
        for i in first..ledger.len() {
            let e = ledger.event(i);
            if e.is_ambiguous() {
                continue;
            }
            for (k, plan) in plans.iter().enumerate() {
                if plan.holds(Some(e), &NoState) {
                    found.push(problem(ledger, i as u32, k));
                }
            }
        }
        return found;
    }
    // Every account's state, replayed in time order.
    let rules = RulePlan::new(ledger);
    let mut balances = vec![Money::ZERO; ledger.account_count()];
    let mut fields: Vec<Fields> = vec![Fields::default(); ledger.account_count()];
    for &i in ledger.time_order() {
        let e = ledger.event(i as usize);
        let effect = ledger.event_effect(e);
        let touched = if e.to == e.account {
            [e.account, NO_ACCOUNT]
        } else {
            [e.account, e.to]
        };
        for account in touched {
            if account == NO_ACCOUNT {
                continue;
            }
            if let Some(d) = delta_for(e, effect, account)
                && let Some(b) = balances[account as usize].checked_add(d)
            {
                balances[account as usize] = b;
            }
        }
        let a = e.account as usize;
        if let Some(step) = rules.step(i, &fields[a]) {
            fields[a].apply(&step);
        }
        if (i as usize) < first || e.is_ambiguous() {
            continue;
        }
        let view = View {
            balance: balances[a],
            fields: &fields[a],
        };
        for (k, plan) in plans.iter().enumerate() {
            if plan.holds(Some(e), &view) {
                found.push(problem(ledger, i, k));
            }
        }
    }
    found.sort_by_key(Problem::order);
    found
}

impl Ledger {
    /// The text of a `[[check]]` problem: the check's name and its condition.
    pub(crate) fn check_text(&self, check: u16) -> String {
        match self.types_map.rules().checks().get(check as usize) {
            Some(c) => format!("{} (the check `{}` holds)", c.name, c.when),
            None => "a check of the mapping file holds".to_string(),
        }
    }
}
