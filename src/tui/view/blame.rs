//! The blame of one field of an account: every change (time, event, old → new) in the view's
//! order, each a jump (`Enter` moves the cursor to that event). `Esc` goes back to the card.

use super::state_card::fold_order;
use super::{CardView, Effect, View, add_clamped, list_delta};
use crate::ledger::state::{Timeline, Value};
use crate::ledger::{AccountId, Moment};
use crate::tui::action::Action;
use crate::tui::state::State;

/// A field's blame on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlameView {
    /// The card it was opened from (and goes back to).
    pub card: CardView,
    pub field: String,
    /// The selected change; `None` follows the change in effect at the cursor.
    pub sel: Option<usize>,
}

/// One change of the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlameRow {
    /// The event (index in recorded order).
    pub event: u32,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// Every change of a field, in the view's order, and which of them is in effect at the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blame {
    pub rows: Vec<BlameRow>,
    /// The last change the cursor includes.
    pub current: Option<usize>,
}

impl Blame {
    pub fn of(state: &State, account: AccountId, field: &str) -> Blame {
        let timeline = Timeline::build(&state.ledger, account, fold_order(state.order));
        let rows: Vec<BlameRow> = timeline
            .blame(field)
            .map(|(step, c)| BlameRow {
                event: step.event,
                old: c.old.clone(),
                new: c.new.clone(),
            })
            .collect();
        let included = |i: u32| match state.moment() {
            Moment::Time(t) => state.ledger.event(i as usize).ts <= t,
            Moment::Seq(n) => u64::from(i) < n,
            Moment::End => true,
        };
        let current = rows.iter().rposition(|r| included(r.event));
        Blame { rows, current }
    }
}

impl BlameView {
    pub fn new(card: CardView, field: String) -> BlameView {
        BlameView {
            card,
            field,
            sel: None,
        }
    }

    /// The row selected: the chosen one, or the one in effect at the cursor.
    pub fn selected(&self, blame: &Blame) -> Option<usize> {
        self.sel
            .or(blame.current)
            .or(if blame.rows.is_empty() { None } else { Some(0) })
    }

    pub fn handle(&mut self, action: Action, state: &State, page: usize) -> Option<Effect> {
        match action {
            Action::Back => Some(Effect::Open(View::Card(self.card.clone()))),
            Action::Open => {
                let blame = Blame::of(state, self.card.account, &self.field);
                let row = blame.rows.get(self.selected(&blame)?)?;
                Some(Effect::SetPos(state.pos_of(row.event as usize)))
            }
            _ => {
                self.move_by(list_delta(action, page)?, state);
                None
            }
        }
    }

    pub fn move_by(&mut self, delta: i64, state: &State) {
        let blame = Blame::of(state, self.card.account, &self.field);
        if blame.rows.is_empty() {
            return;
        }
        let from = self.selected(&blame).unwrap_or(0);
        self.sel = Some(add_clamped(from, delta, blame.rows.len() - 1));
    }
}
