//! What changed between two moments, scrolled like a page of text.

use super::field_diff::{FieldChanges, field_changes};
use super::{Effect, add_clamped, list_delta};
use crate::ledger::Ledger;
use crate::ledger::diff::Diff;
use crate::tui::action::Action;

/// A diff on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffView {
    pub diff: Box<Diff>,
    /// The fields that differ between the two moments, by account.
    pub fields: Vec<FieldChanges>,
    /// Lines scrolled off the top.
    pub scroll: usize,
}

impl DiffView {
    pub fn new(diff: Diff) -> DiffView {
        DiffView {
            diff: Box::new(diff),
            fields: Vec::new(),
            scroll: 0,
        }
    }

    /// A diff with the field changes between its moments.
    pub fn with_fields(diff: Diff, ledger: &Ledger) -> DiffView {
        let fields = field_changes(ledger, &diff);
        DiffView {
            fields,
            ..DiffView::new(diff)
        }
    }

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
