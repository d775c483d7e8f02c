//! The explorer's views. The main screen ([`MainView`]: accounts, problems, events) is always
//! there; a [`View`] other than `Main` fills the body over it (an event's details, a statement, a
//! diff), and the help and the prompts stand on top of both. Each view owns its state and handles
//! the actions aimed at it; what it cannot do itself (move the time cursor, open or close a view)
//! it asks of the app as an [`Effect`].

pub mod blame;
pub mod details;
pub mod diff;
pub mod field_diff;
pub mod help;
pub mod line;
pub mod main;
pub mod prompt;
pub mod state_card;
pub mod statement;

pub use blame::BlameView;
pub use details::DetailView;
pub use diff::DiffView;
pub use help::HelpView;
pub use line::LineView;
pub use main::{MainView, Pane};
pub use prompt::{Pending, Prompt, PromptKind};
pub use state_card::CardView;
pub use statement::StatementView;

use super::action::Action;
use super::keymap::Context;
use super::state::State;

/// What fills the space between the header and the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    /// The main screen's panes ([`MainView`]).
    Main,
    /// Every field of the event at the cursor.
    Detail(DetailView),
    /// A line of the log that is not an event, and why.
    Line(LineView),
    /// One account's statement up to the cursor, and its balance over time.
    Statement(StatementView),
    /// What changed between two moments.
    Diff(DiffView),
    /// An account's balance and fields as of the cursor.
    Card(CardView),
    /// Every change of one field of an account.
    Blame(BlameView),
}

/// What a view asks of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Back to the main screen.
    Close,
    /// Show a view over the main screen.
    Open(View),
    /// Move the time cursor by listed events.
    Step(i64),
    /// Put the time cursor on a position of the current order.
    SetPos(usize),
    /// Move the time cursor to a problem and select it.
    JumpToProblem(usize),
    /// Forget the search.
    ClearSearch,
}

impl View {
    /// The context whose keys apply now.
    pub fn context(&self, main: &MainView) -> Context {
        match self {
            View::Main => main.context(),
            View::Detail(_) | View::Line(_) => Context::Detail,
            View::Statement(_) => Context::Statement,
            View::Diff(_) => Context::Diff,
            View::Card(_) => Context::Card,
            View::Blame(_) => Context::Blame,
        }
    }

    /// Handles an action aimed at the view on screen (`page` rows make a page).
    pub fn handle(
        &mut self,
        action: Action,
        main: &mut MainView,
        state: &State,
        page: usize,
    ) -> Option<Effect> {
        match self {
            View::Main => main.handle(action, state, page),
            View::Detail(v) => v.handle(action, page),
            View::Line(v) => v.handle(action, page),
            View::Statement(v) => v.handle(action, state, page),
            View::Diff(v) => v.handle(action, page),
            View::Card(v) => v.handle(action, state, page),
            View::Blame(v) => v.handle(action, state, page),
        }
    }

    /// Moves in the list (or text) on screen by `delta` rows.
    pub fn scroll(&mut self, delta: i64, main: &mut MainView, state: &State) -> Option<Effect> {
        match self {
            View::Main => main.move_by(delta, state),
            View::Detail(v) => {
                v.move_by(delta);
                None
            }
            View::Line(v) => {
                v.move_by(delta);
                None
            }
            View::Statement(v) => {
                v.move_by(delta, state);
                None
            }
            View::Diff(v) => {
                v.move_by(delta);
                None
            }
            View::Card(v) => {
                v.move_by(delta, state);
                None
            }
            View::Blame(v) => {
                v.move_by(delta, state);
                None
            }
        }
    }
}

/// The rows an action moves by in a list, if it is a move.
pub(crate) fn list_delta(action: Action, page: usize) -> Option<i64> {
    match action {
        Action::Up => Some(-1),
        Action::Down => Some(1),
        Action::ListPageUp => Some(-(page as i64)),
        Action::ListPageDown => Some(page as i64),
        _ => None,
    }
}

/// `value + delta`, kept within `0..=max`.
pub(crate) fn add_clamped(value: usize, delta: i64, max: usize) -> usize {
    let v = (value as i64).saturating_add(delta).max(0) as usize;
    v.min(max)
}

/// The smallest change of `offset` that shows row `target` in a window of `rows` rows, keeping a
/// margin of context above and below when there is room.
pub fn scroll_to_show(offset: usize, target: usize, rows: usize, total: usize) -> usize {
    if rows == 0 {
        return target;
    }
    let margin = (rows / 4).min(3);
    let mut offset = offset;
    if target < offset + margin {
        offset = target.saturating_sub(margin);
    }
    if target + margin >= offset + rows {
        offset = (target + margin + 1).saturating_sub(rows);
    }
    offset.min(total.saturating_sub(rows))
}
