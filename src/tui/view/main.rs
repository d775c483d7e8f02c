//! The main screen: the accounts, problems and events panes, which one has the focus, what is
//! selected in each and how far each is scrolled. Moving in the events pane moves the time
//! cursor; the others keep a selection of their own.

use ratatui::layout::Rect;

use super::{
    CardView, DetailView, Effect, LineView, View, add_clamped, list_delta, scroll_to_show,
};
use crate::ledger::AccountId;
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::state::State;
use crate::tui::ui::layout::Areas;

/// The panes of the main screen, in `Tab` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Accounts,
    Events,
    Problems,
}

/// The main screen's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MainView {
    pub focus: Pane,
    /// Selected row of the accounts pane (an index into the sorted accounts).
    pub account_sel: usize,
    pub account_offset: usize,
    /// First visible row of the events pane (an index into the listed events).
    pub events_offset: usize,
    pub problem_sel: usize,
    pub problem_offset: usize,
}

impl Default for MainView {
    fn default() -> MainView {
        MainView {
            focus: Pane::Events,
            account_sel: 0,
            account_offset: 0,
            events_offset: 0,
            problem_sel: 0,
            problem_offset: 0,
        }
    }
}

/// Whether a point is inside a rectangle.
fn inside(r: Rect, x: u16, y: u16) -> bool {
    x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height
}

impl MainView {
    /// The focused pane's name, for the hint line.
    pub fn focus_name(&self) -> &'static str {
        match self.focus {
            Pane::Accounts => "accounts",
            Pane::Events => "events",
            Pane::Problems => "problems",
        }
    }

    /// The context whose keys apply: the focused pane's.
    pub fn context(&self) -> Context {
        match self.focus {
            Pane::Accounts => Context::Accounts,
            Pane::Events => Context::Events,
            Pane::Problems => Context::Problems,
        }
    }

    /// The account selected in the accounts pane.
    pub fn selected_account(&self, state: &State) -> Option<AccountId> {
        state
            .ledger
            .accounts_sorted()
            .get(self.account_sel)
            .copied()
    }

    pub fn handle(&mut self, action: Action, state: &State, page: usize) -> Option<Effect> {
        match action {
            Action::Back => state.search.is_some().then_some(Effect::ClearSearch),
            Action::Open => self.open(state),
            Action::NextPane => {
                self.cycle_pane(1);
                None
            }
            Action::PrevPane => {
                self.cycle_pane(2);
                None
            }
            _ => self.move_by(list_delta(action, page)?, state),
        }
    }

    fn open(&self, state: &State) -> Option<Effect> {
        match self.focus {
            Pane::Events if let Some(k) = state.unreadable_line_at_cursor() => {
                Some(Effect::Open(View::Line(LineView::of(state, k)?)))
            }
            Pane::Events if state.cursor.pos.is_some() => {
                Some(Effect::Open(View::Detail(DetailView::default())))
            }
            Pane::Events => None,
            Pane::Accounts => {
                let account = self.selected_account(state)?;
                Some(Effect::Open(View::Card(CardView::new(account))))
            }
            Pane::Problems => Some(Effect::JumpToProblem(self.problem_sel)),
        }
    }

    fn cycle_pane(&mut self, by: usize) {
        let panes = [Pane::Accounts, Pane::Events, Pane::Problems];
        let i = panes.iter().position(|p| *p == self.focus).unwrap_or(0);
        self.focus = panes[(i + by) % panes.len()];
    }

    /// Moves in the focused pane (the events pane moves the time cursor).
    pub fn move_by(&mut self, delta: i64, state: &State) -> Option<Effect> {
        match self.focus {
            Pane::Events => return Some(Effect::Step(delta)),
            Pane::Accounts => {
                let n = state.ledger.accounts_sorted().len();
                if n > 0 {
                    self.account_sel = add_clamped(self.account_sel, delta, n - 1);
                }
            }
            Pane::Problems => {
                let n = state.ledger.problems().len();
                if n > 0 {
                    self.problem_sel = add_clamped(self.problem_sel, delta, n - 1);
                }
            }
        }
        None
    }

    /// Focuses the pane under a point (where the wheel turns).
    pub fn focus_at(&mut self, areas: &Areas, x: u16, y: u16) {
        if inside(areas.accounts, x, y) {
            self.focus = Pane::Accounts;
        } else if inside(areas.problems, x, y) {
            self.focus = Pane::Problems;
        } else if inside(areas.events, x, y) {
            self.focus = Pane::Events;
        }
    }

    /// A click in one of the panes: focus it and select the row (in the events pane, move the
    /// cursor there).
    pub fn click(&mut self, areas: &Areas, x: u16, y: u16, state: &State) -> Option<Effect> {
        // The first row of a pane's list: below the border and the column titles.
        let row_in = |r: Rect| (y >= r.y + 2).then(|| (y - r.y - 2) as usize);
        if inside(areas.accounts, x, y) {
            self.focus = Pane::Accounts;
            if let Some(k) = row_in(areas.accounts).map(|r| self.account_offset + r)
                && k < state.ledger.accounts_sorted().len()
            {
                self.account_sel = k;
            }
        } else if inside(areas.problems, x, y) {
            self.focus = Pane::Problems;
            if let Some(k) = row_in(areas.problems).map(|r| self.problem_offset + r)
                && k < state.ledger.problems().len()
            {
                self.problem_sel = k;
            }
        } else if inside(areas.events, x, y) {
            self.focus = Pane::Events;
            if let Some(k) = row_in(areas.events).map(|r| self.events_offset + r)
                && k < state.listed()
            {
                return Some(Effect::SetPos(state.listed_pos(k)));
            }
        }
        None
    }

    /// Keeps the cursor row and the selected account and problem on screen.
    pub fn keep_in_view(&mut self, state: &State, areas: &Areas) {
        let rows = |r: Rect| r.height.saturating_sub(3) as usize;
        self.events_offset = scroll_to_show(
            self.events_offset,
            state.cursor_row(),
            rows(areas.events),
            state.listed(),
        );
        self.account_offset = scroll_to_show(
            self.account_offset,
            self.account_sel,
            rows(areas.accounts),
            state.ledger.accounts_sorted().len(),
        );
        self.problem_offset = scroll_to_show(
            self.problem_offset,
            self.problem_sel,
            rows(areas.problems),
            state.ledger.problems().len(),
        );
    }
}
