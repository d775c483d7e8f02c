//! An account's state card: its balance and every field as of the cursor, folded in the view's
//! order (time order, or recorded order after `o`), each with the event that last set it; the
//! fields the cursor's event changed carry their old value. A field is selected with `j`/`k`;
//! `Enter` or `b` opens its blame, `s` the statement.

use super::{BlameView, Effect, StatementView, View, add_clamped, list_delta};
use crate::ledger::state::{self, Note, StateAt, Timeline, Value};
use crate::ledger::{AccountId, Moment};
use crate::tui::action::Action;
use crate::tui::state::{Order, State};

/// The state card on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardView {
    pub account: AccountId,
    /// The selected field (a row of [`Card::rows`]).
    pub sel: usize,
}

impl CardView {
    pub fn new(account: AccountId) -> CardView {
        CardView { account, sel: 0 }
    }

    pub fn handle(&mut self, action: Action, state: &State, page: usize) -> Option<Effect> {
        match action {
            Action::Back => Some(Effect::Close),
            Action::OpenStatement => Some(Effect::Open(View::Statement(StatementView::new(
                self.account,
            )))),
            Action::Open | Action::Blame => {
                let card = Card::of(state, self.account);
                let row = card
                    .rows
                    .get(self.sel.min(card.rows.len().saturating_sub(1)))?;
                Some(Effect::Open(View::Blame(BlameView::new(
                    self.clone(),
                    row.name.clone(),
                ))))
            }
            _ => {
                self.move_by(list_delta(action, page)?, state);
                None
            }
        }
    }

    /// Moves the selection among the fields.
    pub fn move_by(&mut self, delta: i64, state: &State) {
        let rows = Card::of(state, self.account).rows.len();
        self.sel = add_clamped(self.sel, delta, rows.saturating_sub(1));
    }
}

/// The fold's order for the explorer's order.
pub fn fold_order(order: Order) -> state::Order {
    match order {
        Order::Time => state::Order::Time,
        Order::Recorded => state::Order::Recorded,
    }
}

/// One field of the card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardRow {
    pub name: String,
    /// The value as of the cursor; `None`: the cursor's event unset it.
    pub value: Option<Value>,
    /// The event (index in recorded order) that set the value; `None` when unset.
    pub set_by: Option<u32>,
    /// When the cursor's event changed the field: the value before it (`None`: not set).
    pub was: Option<Option<Value>>,
}

/// What the card shows: an account as of the cursor, in the view's order.
#[derive(Clone, Debug)]
pub struct Card {
    pub moment: Moment,
    pub state: StateAt,
    /// The fields by name, then those the cursor's event unset.
    pub rows: Vec<CardRow>,
    /// The cursor's event, when it is this account's and changed (or tried to change) a field.
    pub cursor_event: Option<u32>,
    /// What the cursor's event's rules could not do.
    pub notes: Vec<Note>,
}

impl Card {
    /// The card of `account` as of the cursor.
    pub fn of(state: &State, account: AccountId) -> Card {
        let timeline = Timeline::build(&state.ledger, account, fold_order(state.order));
        Card::with(state, &timeline)
    }

    /// [`Card::of`] with the account's timeline already built in the view's order.
    pub fn with(state: &State, timeline: &Timeline) -> Card {
        let moment = state.moment();
        let at = state::state_with(&state.ledger, timeline, moment);
        let step = state
            .cursor_event()
            .and_then(|i| timeline.step_of(i as u32));
        let mut rows: Vec<CardRow> = at
            .fields
            .iter()
            .map(|(name, f)| CardRow {
                name: name.to_string(),
                value: Some(f.value.clone()),
                set_by: Some(f.event),
                was: step.and_then(|s| {
                    // The cursor's event changed it, and it still holds what that event set.
                    s.changes
                        .iter()
                        .find(|c| c.field == name && f.event == s.event)
                        .map(|c| c.old.clone())
                }),
            })
            .collect();
        if let Some(s) = step {
            for c in &s.changes {
                if c.new.is_none()
                    && at.fields.get(&c.field).is_none()
                    && !rows.iter().any(|r| r.name == c.field)
                {
                    rows.push(CardRow {
                        name: c.field.clone(),
                        value: None,
                        set_by: None,
                        was: Some(c.old.clone()),
                    });
                }
            }
        }
        Card {
            moment,
            state: at,
            rows,
            cursor_event: step.map(|s| s.event),
            notes: step.map(|s| s.notes.clone()).unwrap_or_default(),
        }
    }
}
