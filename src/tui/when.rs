//! The app's side of `w`: the prompt's condition read with the one condition language, the
//! account it is about (the one on screen, or the one selected; otherwise every account), and
//! `n`/`N` routed to the intervals or to the search matches, whichever was asked for last.

use super::app::App;
use super::state::when::Find;
use super::view::{Pane, View};
use crate::ledger::AccountId;
use crate::ledger::condition::Condition;

impl App {
    /// The account a `w` condition is about: the card, blame or statement on screen, or the
    /// account selected in the accounts pane; `None` (every account) elsewhere.
    pub fn when_account(&self) -> Option<AccountId> {
        match &self.view {
            View::Card(c) => Some(c.account),
            View::Blame(b) => Some(b.card.account),
            View::Statement(s) => Some(s.account),
            View::Main if self.main.focus == Pane::Accounts => {
                self.main.selected_account(&self.state)
            }
            _ => None,
        }
    }

    /// The text the `w` prompt opens with: the condition in force.
    pub(super) fn when_input(&self) -> String {
        self.state
            .when
            .as_ref()
            .map(|w| w.condition.text().to_string())
            .unwrap_or_default()
    }

    /// Reads the condition typed at `w` and moves to the first moment it holds from the cursor
    /// on; an empty line forgets it.
    pub(super) fn submit_when(&mut self, input: &str) {
        if input.trim().is_empty() {
            self.prompt = None;
            if self.state.when.is_some() {
                self.state.clear_when();
                self.status = Some("condition cleared: n/N go to search matches".into());
            }
            return;
        }
        match Condition::parse(input) {
            Ok(condition) => {
                self.prompt = None;
                let account = self.when_account();
                self.state.set_when(condition, account);
                self.status = Some(self.state.next_interval(true, true));
            }
            Err(e) => {
                if let Some(p) = self.prompt.as_mut() {
                    p.error = Some(e.to_string());
                }
            }
        }
    }

    /// `n`/`N`: the next or previous interval of the `w` condition, or search match, whichever
    /// was asked for last (the other when only it is there).
    pub(super) fn find_next(&mut self, forward: bool) {
        let state = &mut self.state;
        let when = match (state.find, state.when.is_some(), state.search.is_some()) {
            (_, true, false) => true,
            (_, false, _) => false,
            (find, true, true) => find == Find::When,
        };
        let mut said = if when {
            state.next_interval(forward, false)
        } else {
            state.next_match(forward, false)
        };
        if state.when.is_some() && state.search.is_some() {
            said.push_str(if when {
                " (the condition was asked last; / searches again)"
            } else {
                " (the search was asked last; w for the condition)"
            });
        }
        self.status = Some(said);
    }
}
