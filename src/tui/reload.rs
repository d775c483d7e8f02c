//! Reading the log again (`R`), after it changed on disk or whenever asked: the new ledger takes
//! the old one's place with the marks, the filter, the search, the order and the cursor's moment
//! kept, so that an investigation goes on where it was.

use super::app::{App, Follow};
use super::state::Order;
use crate::ledger::Ledger;
use crate::text::group;

impl App {
    /// Takes `ledger`, read again from the source, in place of the one shown.
    pub fn reloaded(&mut self, ledger: Ledger) {
        let before = self.state.ledger.len();
        let moment = self.state.moment();
        let marks = std::mem::take(&mut self.state.marks);
        let filter = self.state.filter.as_ref().map(|f| f.text.clone());
        let search = self.state.search.as_ref().map(|s| s.query.clone());
        let notes = std::mem::take(&mut self.state.notes);
        let columns = std::mem::take(&mut self.state.account_columns);
        let account = self
            .state
            .ledger
            .accounts_sorted()
            .get(self.main.account_sel)
            .map(|&a| self.state.ledger.account_name(a).to_string());
        let recorded = self.state.order == Order::Recorded;
        let mut app = App::new(ledger, self.size);
        app.export_dir = std::mem::take(&mut self.export_dir);
        app.can_reload = self.can_reload;
        app.command_history = std::mem::take(&mut self.command_history);
        app.state.marks = marks;
        app.state.notes = notes;
        app.state.account_columns = columns;
        if let Some(id) = account {
            app.select_account(&id);
        }
        if recorded {
            app.state.toggle_order();
        }
        app.state.go_to_moment(moment);
        if let Some(text) = search {
            app.state.run_search(&text);
        }
        if let Some(text) = filter {
            app.submit_filter(&text);
        }
        app.keep_in_view();
        let now = app.state.ledger.len();
        app.status = Some(format!(
            "read again: {} events (was {}); marks, notes, filter, search, columns and the cursor's moment kept",
            group(now as u64),
            group(before as u64)
        ));
        *self = app;
    }

    /// Selects the account `id` in the accounts pane, when the log has it.
    pub(super) fn select_account(&mut self, id: &str) {
        let ledger = &self.state.ledger;
        if let Some(k) = ledger
            .accounts_sorted()
            .iter()
            .position(|&a| ledger.account_name(a) == id)
        {
            self.main.account_sel = k;
        }
    }

    /// Whether the user asked to read the log again; the question is taken.
    pub fn take_reload(&mut self) -> bool {
        std::mem::take(&mut self.reload)
    }

    /// Asks the explorer to read the log again.
    pub(super) fn ask_reload(&mut self) {
        if matches!(self.follow, Follow::Off) && !self.can_reload {
            self.status = Some("this log is read once (the bundled sample, standard input)".into());
            return;
        }
        self.reload = true;
    }
}
