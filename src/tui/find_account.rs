//! Find in the accounts pane: `/` there moves the selection to the account whose id holds what is
//! typed, as a file manager's type-ahead does, without touching the events or the cursor.

use super::app::App;
use super::view::{Prompt, PromptKind};

impl App {
    pub(super) fn open_find_account(&mut self) {
        let mut prompt = Prompt::new(PromptKind::FindAccount, String::new());
        prompt.saved_sel = Some(self.main.account_sel);
        self.prompt = Some(prompt);
    }

    /// Selects the first account (in the pane's order) whose id starts with `input`, else the
    /// first that holds it, ignoring case; says so when none does, and leaves the selection.
    pub(super) fn find_account_as_typed(&mut self, input: &str) {
        if input.is_empty() {
            if let Some(k) = self.prompt.as_ref().and_then(|p| p.saved_sel) {
                self.main.account_sel = k;
            }
            return;
        }
        let needle = input.to_lowercase();
        let ledger = &self.state.ledger;
        let sorted = ledger.accounts_sorted();
        let name = |k: usize| ledger.account_name(sorted[k]).to_lowercase();
        let found = (0..sorted.len())
            .find(|&k| name(k).starts_with(&needle))
            .or_else(|| (0..sorted.len()).find(|&k| name(k).contains(&needle)));
        match found {
            Some(k) => self.main.account_sel = k,
            None => self.prompt_error(format!(
                "no account id holds `{}`",
                crate::text::visible(input)
            )),
        }
    }
}
