//! One account's statement up to the cursor: a row selected, or the latest row followed.

use super::{Effect, add_clamped, list_delta};
use crate::ledger::AccountId;
use crate::tui::action::Action;
use crate::tui::state::State;

/// An account's statement on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementView {
    pub account: AccountId,
    /// The selected row; `None` follows the latest row (as the cursor moves).
    pub scroll: Option<usize>,
}

impl StatementView {
    pub fn new(account: AccountId) -> StatementView {
        StatementView {
            account,
            scroll: None,
        }
    }

    pub fn handle(&mut self, action: Action, state: &State, page: usize) -> Option<Effect> {
        match action {
            Action::Back => Some(Effect::Close),
            _ => {
                self.move_by(list_delta(action, page)?, state);
                None
            }
        }
    }

    /// Moves the selection among the rows up to the cursor; reaching the last row follows it.
    pub fn move_by(&mut self, delta: i64, state: &State) {
        let rows = state.statement_rows(self.account).1;
        let last = rows.saturating_sub(1);
        let next = add_clamped(self.scroll.unwrap_or(last), delta, last);
        self.scroll = if next >= last { None } else { Some(next) };
    }
}
