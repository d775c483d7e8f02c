//! The details of the event at the cursor: it follows the cursor, and scrolls.

use super::{Effect, add_clamped, list_delta};
use crate::tui::action::Action;

/// Every field of the event at the cursor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DetailView {
    /// Lines scrolled off the top.
    pub scroll: usize,
}

impl DetailView {
    pub fn handle(&mut self, action: Action, page: usize) -> Option<Effect> {
        match action {
            Action::Back => Some(Effect::Close),
            _ => {
                self.move_by(list_delta(action, page)?);
                None
            }
        }
    }

    pub fn move_by(&mut self, delta: i64) {
        self.scroll = add_clamped(self.scroll, delta, usize::MAX / 2);
    }
}
