//! What a person can ask of the explorer. Keys map to these (see `keymap.rs`); the app handles
//! actions, never key codes.

/// One request of the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    /// Close the view or prompt on top.
    Back,
    /// Open the selection: an event's details, an account's statement.
    Open,
    NextPane,
    PrevPane,
    /// One event back in time.
    StepBack,
    StepForward,
    /// A screen of events back in time.
    PageBack,
    PageForward,
    HourBack,
    HourForward,
    DayBack,
    DayForward,
    /// The first moment of the log.
    First,
    /// The last moment of the log.
    Last,
    /// Type a time to jump to.
    JumpPrompt,
    /// Move in the focused list.
    Up,
    Down,
    ListPageUp,
    ListPageDown,
    /// Search every field of every event.
    Search,
    NextMatch,
    PrevMatch,
    /// Move the cursor to the next problem.
    NextProblem,
    PrevProblem,
    /// Narrow the events pane by account, type, amount and time.
    Filter,
    ClearFilter,
    /// The search's matches become the filter (less's `&`).
    SearchToFilter,
    /// A minute back or forward.
    MinuteBack,
    MinuteForward,
    /// Times in UTC ⇄ in the local zone.
    ToggleZone,
    /// Read the log again, keeping the marks, filter, search and moment.
    Reload,
    /// Copy the event's record as written (in the details).
    CopyRecord,
    /// Find an account in the accounts pane as its id is typed.
    FindAccount,
    /// Copy one value of the event (opens `:copy `).
    CopyValue,
    /// The timeline zoomed in or out around the cursor.
    ZoomIn,
    ZoomOut,
    /// The events sharing a value of the event at the cursor become the filter.
    Pivot,
    /// Switch between time order and recorded order.
    ToggleOrder,
    /// Set a named mark at the cursor (the letter comes next).
    SetMark,
    /// Jump to a mark (the letter comes next).
    JumpMark,
    /// What changed between two marks, or a mark and the cursor (letters come next).
    Diff,
    /// Write the focused statement, or the diff's events, to CSV and JSON files.
    Export,
    /// Copy the head digest to the terminal's clipboard.
    CopyDigest,
    /// Every change of the selected field of a state card.
    Blame,
    /// The statement of the account on screen.
    OpenStatement,
    /// Type a condition and go to where it first holds.
    When,
    /// The count and sum, per type, of the events the filter shows, of the search's matches, or
    /// of a diff's events.
    Totals,
    /// Type a `:` command (a line, a seq, an account, a time).
    Command,
    /// Back to where the cursor was before the last jump, and forward again.
    JumpBack,
    JumpForward,
}

impl Action {
    /// What the action does, for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "show / hide this help",
            Action::Back => "back: close the view or prompt on top",
            Action::Open => {
                "open the selection (event details, account state card) or go to it (a problem, a change)"
            }
            Action::NextPane => "focus the next pane",
            Action::PrevPane => "focus the previous pane",
            Action::StepBack => "one event back in time",
            Action::StepForward => "one event forward in time",
            Action::PageBack => "a screen of events back in time",
            Action::PageForward => "a screen of events forward in time",
            Action::HourBack => "one hour back in time",
            Action::HourForward => "one hour forward in time",
            Action::DayBack => "one day back in time",
            Action::DayForward => "one day forward in time",
            Action::First => "first moment of the log",
            Action::Last => "last moment of the log",
            Action::JumpPrompt => "jump to a time (2024-03-14 15:59, -15m, +2h, 1710431940s…)",
            Action::Up => "move up in the list",
            Action::Down => "move down in the list",
            Action::ListPageUp => "a page up in the list",
            Action::ListPageDown => "a page down in the list",
            Action::Search => "search every field of every event (as you type; Enter keeps it)",
            Action::NextMatch => {
                "next match, or interval of the w condition: whichever was asked last"
            }
            Action::PrevMatch => "previous match, or interval of the w condition",
            Action::NextProblem => "next problem (moves the cursor to its event)",
            Action::PrevProblem => "previous problem",
            Action::Filter => {
                "filter events: account:NAME type:NAME amount:>X|<X|X..Y from:TIME to:TIME problem:KIND state.FIELD:VALUE (as of the cursor) meta.KEY:VALUE, or free text"
            }
            Action::ClearFilter => "clear the filters",
            Action::SearchToFilter => {
                "the search's matches become the filter (its text joins the filter's terms)"
            }
            Action::Reload => {
                "read the log again (after LOG CHANGED ON DISK, or any time), keeping marks, filter, search and the cursor's moment"
            }
            Action::CopyRecord => {
                "copy the event's record as written to the clipboard (OSC 52; REWIND_NO_OSC52 turns copying off)"
            }
            Action::CopyValue => "copy one value: :copy PATH (Tab completes the event's paths)",
            Action::FindAccount => {
                "find an account as its id is typed (the start of an id first; Esc goes back)"
            }
            Action::ZoomIn => {
                "zoom the timeline in four times around the cursor (down to a second a column); the status line says what a column is and its events"
            }
            Action::ZoomOut => "zoom the timeline out four times (back to the whole log)",
            Action::MinuteBack => "a minute back",
            Action::MinuteForward => "a minute forward",
            Action::ToggleZone => {
                "times in UTC ⇄ in the local zone (--tz ZONE, or TZ; the header names it); typed times are read in it"
            }
            Action::Pivot => {
                "pivot: show the events sharing a value of this event (a meta key, the account, the type); * again takes the next value"
            }
            Action::ToggleOrder => "time order ⇄ recorded order (by seq)",
            Action::SetMark => "m then a letter: set a mark at the cursor",
            Action::JumpMark => "' then a letter: jump to that mark",
            Action::Diff => "d, a mark, then a mark or . (cursor): what changed between them",
            Action::Export => "export the statement (or the diff's events) to CSV and JSON",
            Action::CopyDigest => "copy the head digest to the clipboard (OSC 52)",
            Action::Blame => {
                "every change of the selected field (Enter on one moves the cursor there)"
            }
            Action::OpenStatement => "the account's statement and balance chart",
            Action::When => {
                "when: a condition (balance < 0, status = frozen, type:withdraw amount:>5000): the first moment it holds from the cursor on; n/N the next / previous interval"
            }
            Action::Totals => {
                "totals per type: of the filter's events, the matches, a diff's events"
            }
            Action::Command => ": then a command (below); Tab completes, ↑/↓ recall",
            Action::JumpBack => "back to where the cursor was before the last jump ('' too)",
            Action::JumpForward => "forward again through the jumps",
        }
    }

    /// A short label for the hint line.
    pub fn hint(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Back => "back",
            Action::Open => "open",
            Action::NextPane => "pane",
            Action::PrevPane => "pane",
            Action::StepBack | Action::StepForward => "step",
            Action::PageBack | Action::PageForward => "page",
            Action::HourBack | Action::HourForward => "hour",
            Action::DayBack | Action::DayForward => "day",
            Action::First | Action::Last => "first/last",
            Action::JumpPrompt => "jump to time",
            Action::Up | Action::Down => "move",
            Action::ListPageUp | Action::ListPageDown => "page",
            Action::Search => "search",
            Action::NextMatch | Action::PrevMatch => "match",
            Action::NextProblem | Action::PrevProblem => "problem",
            Action::Filter => "filter",
            Action::ClearFilter => "clear filter",
            Action::SearchToFilter => "matches to filter",
            Action::MinuteBack | Action::MinuteForward => "minute",
            Action::ToggleZone => "UTC/local",
            Action::Reload => "read again",
            Action::CopyRecord => "copy record",
            Action::FindAccount => "find account",
            Action::CopyValue => "copy a value",
            Action::ZoomIn | Action::ZoomOut => "zoom",
            Action::Pivot => "pivot",
            Action::ToggleOrder => "order",
            Action::SetMark => "mark",
            Action::JumpMark => "go to mark",
            Action::Diff => "diff",
            Action::Export => "export",
            Action::CopyDigest => "copy digest",
            Action::Blame => "blame",
            Action::OpenStatement => "statement",
            Action::When => "when",
            Action::Totals => "totals",
            Action::Command => "command",
            Action::JumpBack | Action::JumpForward => "jumps",
        }
    }
}
