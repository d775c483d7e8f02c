//! Find in the accounts pane: `a` (in the accounts or the events pane) moves the accounts
//! selection to the account whose id holds what is typed, as a file manager's type-ahead does,
//! without touching the events, the search or the cursor. `/` stays the search of every event.

use super::app::App;
use super::view::{Pane, Prompt, PromptKind};

impl App {
    pub(super) fn open_find_account(&mut self) {
        let mut prompt = Prompt::new(PromptKind::FindAccount, String::new());
        prompt.saved_sel = Some(self.main.account_sel);
        prompt.saved_focus = Some(self.main.focus);
        self.main.focus = Pane::Accounts;
        self.prompt = Some(prompt);
    }

    /// `Esc`: the selection and the focus go back to where they were before the find.
    pub(super) fn find_account_cancelled(&mut self, saved: Option<usize>, focus: Option<Pane>) {
        if let Some(k) = saved {
            self.main.account_sel = k;
        }
        if let Some(focus) = focus {
            self.main.focus = focus;
        }
    }

    /// Selects the first account (in the pane's order) whose id starts with `input`, else the
    /// first that holds it, ignoring case; says so when none does, and leaves the selection.
    pub(super) fn find_account_as_typed(&mut self, input: &str) {
        if input.is_empty() {
            if let Some(p) = self.prompt.as_mut() {
                p.error = None;
                if let Some(k) = p.saved_sel {
                    self.main.account_sel = k;
                }
            }
            return;
        }
        let ledger = &self.state.ledger;
        let sorted = ledger.accounts_sorted();
        let name = |k: usize| ledger.account_name(sorted[k]);
        let found = (0..sorted.len())
            .find(|&k| holds(name(k), input, true))
            .or_else(|| (0..sorted.len()).find(|&k| holds(name(k), input, false)));
        match found {
            Some(k) => {
                self.main.account_sel = k;
                if let Some(p) = self.prompt.as_mut() {
                    p.error = None;
                }
            }
            None => self.prompt_error(format!(
                "no account id holds `{}`",
                crate::text::visible(input)
            )),
        }
    }
}

/// Whether `name` starts with (`at_start`) or holds `needle`, ignoring case. An ASCII needle is
/// compared in place, byte by byte, so that a keystroke over millions of ids allocates nothing;
/// any other is compared on the lower-cased texts.
fn holds(name: &str, needle: &str, at_start: bool) -> bool {
    if needle.is_empty() {
        return true;
    }
    if needle.is_ascii() {
        let (name, needle) = (name.as_bytes(), needle.as_bytes());
        if at_start {
            return name.len() >= needle.len() && name[..needle.len()].eq_ignore_ascii_case(needle);
        }
        return name
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle));
    }
    let (name, needle) = (name.to_lowercase(), needle.to_lowercase());
    if at_start {
        name.starts_with(&needle)
    } else {
        name.contains(&needle)
    }
}

#[cfg(test)]
mod tests {
    use super::holds;

    #[test]
    fn ids_are_found_in_any_case_at_the_start_or_inside() {
        assert!(holds("cust-0417", "CUST-04", true));
        assert!(!holds("cust-0417", "0417", true));
        assert!(holds("cust-0417", "0417", false));
        assert!(!holds("cust", "cust-0", true));
        assert!(!holds("cust", "cust-0", false));
        assert!(holds("Ärzte-1", "äRZ", true));
        assert!(holds("kunde-ÄRZTE", "ärzte", false));
        assert!(holds("cust", "", false) && holds("", "", true));
    }
}
