//! The explorer's state and how actions change it. The terminal loop feeds input in and draws the
//! state out; tests drive it the same way without a terminal. The only I/O here is reading records
//! back from the log (search) and writing exports the user asked for.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::action::Action;
use super::diff::{Diff, Point};
use super::export::{export_bundle, export_events, export_statement};
use super::filter::Filter;
use super::keymap::{self, Context};
use super::state::timeline::{Timeline, time_at_column};
use super::ui::layout::{self, Areas};
use crate::ledger::follow::{FollowEvent, Follower};
use crate::ledger::search::Query;
use crate::ledger::time::{MS_PER_DAY, MS_PER_HOUR, format_time, parse_user_time};
use crate::ledger::{AccountId, Ledger, Millis, Moment, Posting};

/// Logs up to this many events are searched as you type; larger ones when you press Enter.
pub const INCREMENTAL_SEARCH_LIMIT: usize = 2_000_000;

/// The time cursor.
///
/// In time order the state shown is "as of `time`" (inclusive) and `pos` is the last event at or
/// before it in time order (`None` before the first event). In recorded order the state is "as of
/// seq `pos + 1`" and `time` is that event's timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub time: Millis,
    pub pos: Option<usize>,
}

/// How the events are ordered on screen and what a step means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// By timestamp: where each event belongs in time (the default).
    Time,
    /// As recorded in the log (by seq): where each event was written.
    Recorded,
}

/// The panes of the main screen, in `Tab` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Accounts,
    Events,
    Problems,
}

/// What fills the space between the header and the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    Main,
    /// Every field of the event at the cursor.
    Detail {
        scroll: usize,
    },
    /// One account's statement up to the cursor, and its balance over time.
    Statement {
        account: AccountId,
        scroll: Option<usize>,
    },
    /// What changed between two moments.
    Diff {
        diff: Box<Diff>,
        scroll: usize,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    Jump,
    Search,
    Filter,
}

/// A line the user is typing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
    pub error: Option<String>,
}

/// A key that waits for a second one (a mark's letter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    SetMark,
    JumpMark,
    DiffFrom,
    DiffTo(char),
}

/// The current search and its matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search {
    pub query: String,
    /// Matching events, indexes in recorded order, ascending.
    pub events: Vec<u32>,
    /// The same as positions in the current order, ascending.
    pub positions: Vec<u32>,
}

/// Whether the source is being followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Follow {
    Off,
    /// New events are added as they arrive.
    On {
        added: usize,
    },
    /// The source changed in a way that is not an append: the view is frozen.
    Stopped {
        reason: String,
    },
}

/// The whole state of the explorer.
/// The head digest of an intact sealed log, and what it was checked against: the head seen before
/// (remembered), or what `--expect` names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    /// `SEQ:HASH` of the last record.
    pub head: Option<String>,
    /// A finding in words, and whether it is bad news.
    pub note: Option<(String, bool)>,
    /// A signed checkpoint the log holds (`--expect CP`): exports write a bundle against it.
    pub checkpoint: Option<String>,
}

pub struct App {
    pub ledger: Ledger,
    pub cursor: Cursor,
    pub order: Order,
    pub focus: Pane,
    pub view: View,
    pub help: Option<usize>,
    pub prompt: Option<Prompt>,
    pub pending: Option<Pending>,
    /// Selected row of the accounts pane (an index into the sorted accounts).
    pub account_sel: usize,
    pub account_offset: usize,
    /// First visible row of the events pane (an index into the listed events).
    pub events_offset: usize,
    pub problem_sel: usize,
    pub problem_offset: usize,
    pub filter: Option<Filter>,
    /// Positions (in the current order) that pass the filter, when there is one.
    pub visible: Option<Vec<u32>>,
    pub search: Option<Search>,
    /// The search before the one being typed, restored by `Esc`.
    saved_search: Option<Search>,
    /// Each problem's position in the current order, sorted: `(position, problem index)`.
    pub problem_positions: Vec<(u32, u32)>,
    pub marks: BTreeMap<char, Moment>,
    pub follow: Follow,
    /// Where exports are written.
    pub export_dir: PathBuf,
    /// A one-line message for the user (cleared by the next key).
    pub status: Option<String>,
    /// The log's head digest and what it was checked against (shown in the header).
    pub evidence: Evidence,
    /// Text to put on the terminal's clipboard (the terminal loop sends it, OSC 52).
    pub clipboard: Option<String>,
    /// The terminal size the layout is computed for.
    pub size: (u16, u16),
    /// The timeline's columns, counted for the current width.
    pub timeline: Timeline,
    pub quit: bool,
}

impl App {
    /// A new explorer at the last moment of the log.
    pub fn new(ledger: Ledger, size: (u16, u16)) -> App {
        let mut app = App {
            ledger,
            cursor: Cursor { time: 0, pos: None },
            order: Order::Time,
            focus: Pane::Events,
            view: View::Main,
            help: None,
            prompt: None,
            pending: None,
            account_sel: 0,
            account_offset: 0,
            events_offset: 0,
            problem_sel: 0,
            problem_offset: 0,
            filter: None,
            visible: None,
            search: None,
            saved_search: None,
            problem_positions: Vec::new(),
            marks: BTreeMap::new(),
            follow: Follow::Off,
            export_dir: PathBuf::from("."),
            status: None,
            evidence: Evidence::default(),
            clipboard: None,
            size,
            timeline: Timeline::default(),
            quit: false,
        };
        app.refresh_derived();
        app.go_last();
        app.keep_in_view();
        app
    }

    /// The screen areas for the current size.
    pub fn areas(&self) -> Areas {
        layout::areas(Rect::new(0, 0, self.size.0, self.size.1))
    }

    /// The context whose keys apply now.
    pub fn context(&self) -> Context {
        match (&self.view, self.focus) {
            (View::Detail { .. }, _) => Context::Detail,
            (View::Statement { .. }, _) => Context::Statement,
            (View::Diff { .. }, _) => Context::Diff,
            (View::Main, Pane::Accounts) => Context::Accounts,
            (View::Main, Pane::Events) => Context::Events,
            (View::Main, Pane::Problems) => Context::Problems,
        }
    }

    // ----- positions in the current order -----

    /// The event at a position of the current order (its index in recorded order).
    pub fn event_at(&self, pos: usize) -> usize {
        match self.order {
            Order::Time => self.ledger.time_order()[pos] as usize,
            Order::Recorded => pos,
        }
    }

    /// The position of an event in the current order.
    pub fn pos_of(&self, event: usize) -> usize {
        match self.order {
            Order::Time => self.ledger.time_rank(event),
            Order::Recorded => event,
        }
    }

    /// The event selected by the cursor (its index in recorded order).
    pub fn cursor_event(&self) -> Option<usize> {
        self.cursor.pos.map(|p| self.event_at(p))
    }

    /// The moment the state is shown as of.
    pub fn moment(&self) -> Moment {
        match self.order {
            Order::Time => Moment::Time(self.cursor.time),
            Order::Recorded => Moment::Seq(self.cursor.pos.map_or(0, |p| p as u64 + 1)),
        }
    }

    /// Whether the event at a position is after the cursor ("in the future").
    pub fn is_future(&self, pos: usize) -> bool {
        match self.order {
            Order::Time => self.ledger.event(self.event_at(pos)).ts > self.cursor.time,
            Order::Recorded => self.cursor.pos.is_none_or(|c| pos > c),
        }
    }

    /// The account's balance right after an event, replaying in the current order.
    pub fn balance_after(&self, event: usize, account: AccountId) -> Option<crate::ledger::Money> {
        match self.order {
            Order::Time => self.ledger.balance_after(event, account),
            Order::Recorded => self.ledger.balance_after_recorded(event, account),
        }
    }

    /// An account's postings in the current order and how many of them the cursor includes.
    pub fn statement_rows(&self, account: AccountId) -> (&[Posting], usize) {
        match self.order {
            Order::Time => {
                let list = self.ledger.postings(account);
                let k = list.partition_point(|p| {
                    self.ledger.event(p.event as usize).ts <= self.cursor.time
                });
                (list, k)
            }
            Order::Recorded => {
                let list = self.ledger.postings_recorded(account);
                let n = self.cursor.pos.map_or(0, |p| p + 1);
                (list, list.partition_point(|p| (p.event as usize) < n))
            }
        }
    }

    /// Rows of the events pane: all positions, or those that pass the filter.
    pub fn listed(&self) -> usize {
        match &self.visible {
            Some(v) => v.len(),
            None => self.ledger.len(),
        }
    }

    /// The position shown at row `k` of the events pane.
    pub fn listed_pos(&self, k: usize) -> usize {
        match &self.visible {
            Some(v) => v[k] as usize,
            None => k,
        }
    }

    /// The row of the events pane at or just before the cursor.
    pub fn cursor_row(&self) -> usize {
        let Some(pos) = self.cursor.pos else { return 0 };
        match &self.visible {
            Some(v) => v.partition_point(|&p| p as usize <= pos).saturating_sub(1),
            None => pos,
        }
    }

    /// Whether an event matches the current search.
    pub fn is_match(&self, event: usize) -> bool {
        self.search
            .as_ref()
            .is_some_and(|s| s.events.binary_search(&(event as u32)).is_ok())
    }

    /// The account selected in the accounts pane.
    pub fn selected_account(&self) -> Option<AccountId> {
        self.ledger.accounts_sorted().get(self.account_sel).copied()
    }

    // ----- input -----

    /// Handles a key: typed into the prompt when one is open, else looked up in the keymap.
    pub fn key(&mut self, event: KeyEvent) {
        if self.prompt.is_some() {
            self.prompt_key(event);
        } else if let Some(pending) = self.pending.take() {
            if let KeyCode::Char(c) = event.code {
                self.pending_key(pending, c);
            } else if event.code != KeyCode::Esc {
                self.status = Some("marks are letters a–z".into());
            }
        } else if let Some(scroll) = self.help.as_mut() {
            match event.code {
                KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                KeyCode::PageDown => *scroll += 10,
                KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                KeyCode::Esc | KeyCode::Char('?' | 'q') | KeyCode::Enter | KeyCode::F(1) => {
                    self.help = None
                }
                _ => {}
            }
        } else {
            self.status = None;
            if let Some(action) = keymap::action_for(self.context(), &event) {
                self.update(action);
            }
        }
        self.keep_in_view();
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        self.refresh_timeline();
        self.keep_in_view();
    }

    fn prompt_key(&mut self, event: KeyEvent) {
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let kind = prompt.kind;
        match event.code {
            KeyCode::Esc => self.cancel_prompt(),
            KeyCode::Char('c') if ctrl => self.cancel_prompt(),
            KeyCode::Enter => {
                let input = prompt.input.clone();
                match kind {
                    PromptKind::Jump => self.submit_jump(&input),
                    PromptKind::Search => self.submit_search(&input),
                    PromptKind::Filter => self.submit_filter(&input),
                }
            }
            KeyCode::Char('u') if ctrl => {
                prompt.input.clear();
                prompt.error = None;
                self.typed(kind);
            }
            KeyCode::Backspace => {
                prompt.input.pop();
                prompt.error = None;
                self.typed(kind);
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                if prompt.input.chars().count() < 200 {
                    prompt.input.push(c);
                }
                prompt.error = None;
                self.typed(kind);
            }
            _ => {}
        }
    }

    /// After a key changed the prompt's text: searching as you type.
    fn typed(&mut self, kind: PromptKind) {
        if kind == PromptKind::Search && self.ledger.len() <= INCREMENTAL_SEARCH_LIMIT {
            let input = self
                .prompt
                .as_ref()
                .map(|p| p.input.clone())
                .unwrap_or_default();
            self.run_search(&input);
        }
    }

    fn cancel_prompt(&mut self) {
        if let Some(p) = self.prompt.take()
            && p.kind == PromptKind::Search
        {
            self.search = self.saved_search.take();
        }
    }

    fn open_prompt(&mut self, kind: PromptKind) {
        let input = match kind {
            PromptKind::Filter => self
                .filter
                .as_ref()
                .map(|f| f.text.clone())
                .unwrap_or_default(),
            _ => String::new(),
        };
        if kind == PromptKind::Search {
            self.saved_search = self.search.clone();
        }
        self.prompt = Some(Prompt {
            kind,
            input,
            error: None,
        });
    }

    fn prompt_error(&mut self, error: String) {
        if let Some(p) = self.prompt.as_mut() {
            p.error = Some(error);
        }
    }

    fn submit_jump(&mut self, input: &str) {
        if input.trim().is_empty() {
            self.prompt = None;
            return;
        }
        match parse_user_time(input, self.cursor.time) {
            Ok(t) => {
                self.prompt = None;
                self.jump_to_time(t);
                self.status = Some(format!("jumped to {}", format_time(t)));
            }
            Err(e) => self.prompt_error(e.to_string()),
        }
    }

    fn submit_search(&mut self, input: &str) {
        self.prompt = None;
        self.saved_search = None;
        self.run_search(input);
        match &self.search {
            None => {}
            Some(s) if s.events.is_empty() => {
                self.status = Some(format!("no event contains “{}”", s.query));
            }
            Some(_) => self.next_match(true, true),
        }
    }

    fn submit_filter(&mut self, input: &str) {
        if input.trim().is_empty() {
            self.prompt = None;
            self.set_filter(None);
            return;
        }
        match Filter::parse(input, self.cursor.time) {
            Ok(f) => {
                self.prompt = None;
                self.set_filter(Some(f));
            }
            Err(e) => self.prompt_error(e),
        }
    }

    fn pending_key(&mut self, pending: Pending, c: char) {
        let is_mark = c.is_ascii_lowercase();
        match pending {
            Pending::SetMark if is_mark => {
                let moment = self.moment();
                self.marks.insert(c, moment);
                self.status = Some(format!("mark {c} set at {}", self.moment_label(moment)));
            }
            Pending::JumpMark if is_mark => match self.marks.get(&c).copied() {
                Some(moment) => {
                    self.go_to_moment(moment);
                    self.status = Some(format!("at mark {c}: {}", self.moment_label(moment)));
                }
                None => self.no_mark(c),
            },
            Pending::DiffFrom if is_mark => {
                if self.marks.contains_key(&c) {
                    self.pending = Some(Pending::DiffTo(c));
                    self.status = Some(format!(
                        "diff from mark {c} to: another mark's letter, or . for the cursor"
                    ));
                } else {
                    self.no_mark(c);
                }
            }
            Pending::DiffTo(from) if is_mark || c == '.' => {
                let to = if c == '.' {
                    Some(self.moment())
                } else {
                    self.marks.get(&c).copied()
                };
                match (self.marks.get(&from).copied(), to) {
                    (Some(a), Some(b)) => {
                        let diff = Diff::between(
                            &self.ledger,
                            Point {
                                name: from,
                                moment: a,
                            },
                            Point { name: c, moment: b },
                        );
                        self.view = View::Diff {
                            diff: Box::new(diff),
                            scroll: 0,
                        };
                        self.status = None;
                    }
                    _ => self.no_mark(c),
                }
            }
            _ => self.status = Some("marks are letters a–z".into()),
        }
    }

    fn no_mark(&mut self, c: char) {
        let set: Vec<String> = self.marks.keys().map(|k| k.to_string()).collect();
        self.status = Some(if set.is_empty() {
            format!("no mark {c}: set one with m then a letter")
        } else {
            format!("no mark {c} (marks: {})", set.join(" "))
        });
    }

    /// `2024-03-14T15:59:00.000Z`, or `seq 402` for a moment of the recorded order.
    pub fn moment_label(&self, moment: Moment) -> String {
        match moment {
            Moment::Time(t) => format_time(t),
            Moment::Seq(n) => format!("seq {n}"),
            Moment::End => "the end".into(),
        }
    }

    // ----- actions -----

    /// Applies one action.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => {
                self.help = match self.help {
                    Some(_) => None,
                    None => Some(0),
                }
            }
            Action::Back => self.back(),
            Action::Open => self.open(),
            Action::NextPane => self.cycle_pane(1),
            Action::PrevPane => self.cycle_pane(2),
            Action::StepBack => self.step(-1),
            Action::StepForward => self.step(1),
            Action::PageBack => self.step(-(self.page_rows() as i64)),
            Action::PageForward => self.step(self.page_rows() as i64),
            Action::HourBack => self.shift_time(-MS_PER_HOUR),
            Action::HourForward => self.shift_time(MS_PER_HOUR),
            Action::DayBack => self.shift_time(-MS_PER_DAY),
            Action::DayForward => self.shift_time(MS_PER_DAY),
            Action::First => self.go_first(),
            Action::Last => self.go_last(),
            Action::JumpPrompt => self.open_prompt(PromptKind::Jump),
            Action::Up => self.move_in_list(-1),
            Action::Down => self.move_in_list(1),
            Action::ListPageUp => self.move_in_list(-(self.page_rows() as i64)),
            Action::ListPageDown => self.move_in_list(self.page_rows() as i64),
            Action::Search => self.open_prompt(PromptKind::Search),
            Action::NextMatch => self.next_match(true, false),
            Action::PrevMatch => self.next_match(false, false),
            Action::NextProblem => self.next_problem(true),
            Action::PrevProblem => self.next_problem(false),
            Action::Filter => self.open_prompt(PromptKind::Filter),
            Action::ClearFilter => {
                if self.filter.is_some() {
                    self.set_filter(None);
                    self.status = Some("filters cleared".into());
                }
            }
            Action::ToggleOrder => self.toggle_order(),
            Action::SetMark => self.pending = Some(Pending::SetMark),
            Action::JumpMark => self.pending = Some(Pending::JumpMark),
            Action::Diff => {
                if self.marks.is_empty() {
                    self.status = Some("no marks yet: set one with m then a letter".into());
                } else {
                    self.pending = Some(Pending::DiffFrom);
                    let marks: Vec<String> = self.marks.keys().map(|k| k.to_string()).collect();
                    self.status = Some(format!("diff from which mark? ({})", marks.join(" ")));
                }
            }
            Action::Export => self.export(),
            Action::CopyDigest => self.copy_digest(),
        }
        self.keep_in_view();
    }

    fn copy_digest(&mut self) {
        match &self.evidence.head {
            Some(head) => {
                self.clipboard = Some(head.clone());
                self.status = Some(format!(
                    "copied the head digest {head} to the clipboard (through the terminal, OSC 52)"
                ));
            }
            None => {
                self.status =
                    Some("no head digest: the log is not an intact sealed log".to_string());
            }
        }
    }

    fn cycle_pane(&mut self, by: usize) {
        let panes = [Pane::Accounts, Pane::Events, Pane::Problems];
        let i = panes.iter().position(|p| *p == self.focus).unwrap_or(0);
        self.focus = panes[(i + by) % panes.len()];
    }

    fn back(&mut self) {
        if self.help.is_some() {
            self.help = None;
        } else if self.view != View::Main {
            self.view = View::Main;
        } else if self.search.is_some() {
            self.search = None;
            self.status = Some("search cleared".into());
        }
    }

    fn open(&mut self) {
        if self.view != View::Main {
            return;
        }
        match self.focus {
            Pane::Events if self.cursor.pos.is_some() => {
                self.view = View::Detail { scroll: 0 };
            }
            Pane::Accounts => {
                if let Some(account) = self.selected_account() {
                    self.view = View::Statement {
                        account,
                        scroll: None,
                    };
                }
            }
            Pane::Problems => self.jump_to_problem(self.problem_sel),
            _ => {}
        }
    }

    /// Moves in the focused list (the events list moves the time cursor).
    fn move_in_list(&mut self, delta: i64) {
        let statement_rows = match self.view {
            View::Statement { account, .. } => self.statement_rows(account).1,
            _ => 0,
        };
        match &mut self.view {
            View::Main => match self.focus {
                Pane::Events => self.step(delta),
                Pane::Accounts => {
                    let n = self.ledger.accounts_sorted().len();
                    if n > 0 {
                        self.account_sel = add_clamped(self.account_sel, delta, n - 1);
                    }
                }
                Pane::Problems => {
                    let n = self.ledger.problems().len();
                    if n > 0 {
                        self.problem_sel = add_clamped(self.problem_sel, delta, n - 1);
                    }
                }
            },
            View::Detail { scroll } | View::Diff { scroll, .. } => {
                *scroll = add_clamped(*scroll, delta, usize::MAX / 2)
            }
            View::Statement { scroll, .. } => {
                let last = statement_rows.saturating_sub(1);
                let next = add_clamped(scroll.unwrap_or(last), delta, last);
                *scroll = if next >= last { None } else { Some(next) };
            }
        }
    }

    /// Events per screen of the events pane.
    pub fn page_rows(&self) -> usize {
        (self.areas().events.height.saturating_sub(3) as usize).max(1)
    }

    // ----- moving in time -----

    fn set_pos(&mut self, pos: usize) {
        let n = self.ledger.len();
        if n == 0 {
            return;
        }
        let pos = pos.min(n - 1);
        self.cursor = Cursor {
            time: self.ledger.event(self.event_at(pos)).ts,
            pos: Some(pos),
        };
    }

    /// Moves the cursor by `delta` of the listed events (all, or those the filter shows).
    pub fn step(&mut self, delta: i64) {
        let listed = self.listed();
        if listed == 0 {
            return;
        }
        let row = match self.cursor.pos {
            None if delta > 0 => (delta - 1).min(listed as i64 - 1) as usize,
            None => return,
            Some(pos) => {
                let row = self.cursor_row();
                let on_row = self.listed_pos(row) == pos;
                // Off the list (hidden by the filter): the first step lands on the row before.
                let delta = if !on_row && delta > 0 {
                    delta - 1
                } else {
                    delta
                };
                let before_first = !on_row && self.listed_pos(row) > pos;
                if before_first && delta <= 0 {
                    return;
                }
                let row = if before_first {
                    row as i64 - 1
                } else {
                    row as i64
                };
                (row + delta).clamp(0, listed as i64 - 1) as usize
            }
        };
        self.set_pos(self.listed_pos(row));
    }

    /// Moves the cursor to a moment: the state as of `time`.
    pub fn jump_to_time(&mut self, time: Millis) {
        let last = self.ledger.count_at(time).checked_sub(1);
        match self.order {
            Order::Time => self.cursor = Cursor { time, pos: last },
            Order::Recorded => match last {
                Some(p) => self.set_pos(self.ledger.time_order()[p] as usize),
                None => self.cursor = Cursor { time, pos: None },
            },
        }
    }

    fn go_to_moment(&mut self, moment: Moment) {
        match moment {
            Moment::Time(t) => self.jump_to_time(t),
            Moment::End => self.go_last(),
            Moment::Seq(n) => {
                let n = self.ledger.included(Moment::Seq(n));
                if n == 0 {
                    let t = self.ledger.first_time().unwrap_or(0).saturating_sub(1);
                    self.cursor = Cursor { time: t, pos: None };
                } else {
                    let event = n - 1;
                    self.set_pos(self.pos_of(event));
                }
            }
        }
    }

    fn shift_time(&mut self, delta: Millis) {
        let (Some(first), Some(last)) = (self.ledger.first_time(), self.ledger.last_time()) else {
            return;
        };
        let target = self
            .cursor
            .time
            .saturating_add(delta)
            .clamp(first.saturating_sub(1), last);
        self.jump_to_time(target);
    }

    pub fn go_first(&mut self) {
        if self.listed() > 0 {
            self.set_pos(self.listed_pos(0));
        }
    }

    pub fn go_last(&mut self) {
        let n = self.listed();
        if n > 0 {
            self.set_pos(self.listed_pos(n - 1));
        }
    }

    /// Whether the cursor is on the last event (so that new events should carry it along).
    pub fn at_end(&self) -> bool {
        let n = self.ledger.len();
        n == 0 || self.cursor.pos == Some(n - 1)
    }

    fn toggle_order(&mut self) {
        let event = self.cursor_event();
        self.order = match self.order {
            Order::Time => Order::Recorded,
            Order::Recorded => Order::Time,
        };
        match event {
            Some(i) => self.set_pos(self.pos_of(i)),
            None => self.cursor.pos = None,
        }
        self.refresh_positions();
        self.status = Some(match self.order {
            Order::Time => "events in time order (by timestamp)".into(),
            Order::Recorded => {
                "events in recorded order (by seq): the state is as of the seq".into()
            }
        });
    }

    // ----- search, filters, problems -----

    fn run_search(&mut self, text: &str) {
        self.search = Query::new(text).map(|q| {
            let events = self.ledger.search(&q);
            Search {
                query: text.to_string(),
                positions: Vec::new(),
                events,
            }
        });
        self.refresh_search_positions();
    }

    /// Moves to the next (or previous) match; `inclusive` also accepts the cursor's own event.
    fn next_match(&mut self, forward: bool, inclusive: bool) {
        let Some(search) = &self.search else {
            self.status = Some("no search: press / to search".into());
            return;
        };
        let positions = &search.positions;
        if positions.is_empty() {
            self.status = Some(format!("no event contains “{}”", search.query));
            return;
        }
        let here = self.cursor.pos.map(|p| p as i64).unwrap_or(-1);
        let (index, wrapped) = pick(positions, here, forward, inclusive);
        let total = positions.len();
        let pos = positions[index] as usize;
        let query = search.query.clone();
        self.set_pos(pos);
        self.status = Some(format!(
            "/{query}: match {} of {total}{}",
            index + 1,
            if wrapped { " (wrapped)" } else { "" }
        ));
    }

    fn next_problem(&mut self, forward: bool) {
        if self.problem_positions.is_empty() {
            self.status = Some("no problems in this log".into());
            return;
        }
        let positions: Vec<u32> = self.problem_positions.iter().map(|(p, _)| *p).collect();
        let here = self.cursor.pos.map(|p| p as i64).unwrap_or(-1);
        let (index, wrapped) = pick(&positions, here, forward, false);
        let problem = self.problem_positions[index].1 as usize;
        self.jump_to_problem(problem);
        if wrapped && let Some(s) = self.status.as_mut() {
            s.push_str(" (wrapped)");
        }
    }

    /// Moves the cursor to a problem's event (or, for a line that is not an event, to the event
    /// recorded just before it) and selects it in the problems pane.
    fn jump_to_problem(&mut self, problem: usize) {
        let Some(p) = self.ledger.problems().get(problem) else {
            return;
        };
        let (line, kind, message) = (p.line, p.kind, self.ledger.message(p));
        if let Some(&(pos, _)) = self
            .problem_positions
            .iter()
            .find(|(_, k)| *k as usize == problem)
            && !self.ledger.is_empty()
        {
            self.set_pos(pos as usize);
        }
        self.problem_sel = problem;
        self.status = Some(format!("line {line}: {kind}: {message}"));
    }

    fn set_filter(&mut self, filter: Option<Filter>) {
        self.filter = filter;
        self.refresh_positions();
        if let Some(v) = &self.visible {
            self.status = Some(format!(
                "filter shows {} of {} events",
                v.len(),
                self.ledger.len()
            ));
        }
    }

    /// Recomputes what depends on the order (filter rows, search and problem positions).
    fn refresh_positions(&mut self) {
        self.visible = self.filter.as_ref().map(|f| {
            let plan = f.plan(&self.ledger);
            (0..self.ledger.len())
                .filter(|&pos| plan.matches(self.ledger.event(self.event_at(pos))))
                .map(|p| p as u32)
                .collect()
        });
        self.refresh_search_positions();
        let events = self.ledger.events();
        let mut positions: Vec<(u32, u32)> = self
            .ledger
            .problems()
            .iter()
            .enumerate()
            .filter_map(|(k, p)| {
                let event = match p.event() {
                    Some(i) => i as usize,
                    // A line that is not an event: the event recorded just before it.
                    None => events.partition_point(|e| e.line < p.line).checked_sub(1)?,
                };
                Some((self.pos_of(event) as u32, k as u32))
            })
            .collect();
        positions.sort_unstable();
        self.problem_positions = positions;
    }

    fn refresh_search_positions(&mut self) {
        let order = self.order;
        let ledger = &self.ledger;
        if let Some(s) = self.search.as_mut() {
            let mut positions: Vec<u32> = s
                .events
                .iter()
                .map(|&i| match order {
                    Order::Time => ledger.time_rank(i as usize) as u32,
                    Order::Recorded => i,
                })
                .collect();
            positions.sort_unstable();
            s.positions = positions;
        }
    }

    /// Recomputes everything derived from the ledger (after loading, or after it grew).
    pub fn refresh_derived(&mut self) {
        self.refresh_positions();
        self.refresh_timeline();
    }

    /// Recounts the timeline's density strip and problem marks for the current width.
    pub fn refresh_timeline(&mut self) {
        let width = self.timeline_width();
        let mut timeline = std::mem::take(&mut self.timeline);
        let times = self
            .problem_positions
            .iter()
            .map(|&(pos, _)| self.ledger.event(self.event_at(pos as usize)).ts);
        timeline.refresh(&self.ledger, times, width);
        self.timeline = timeline;
    }

    /// Columns of the timeline inside its frame.
    fn timeline_width(&self) -> usize {
        self.areas().timeline.width.saturating_sub(2) as usize
    }

    // ----- export -----

    fn export(&mut self) {
        let events: Vec<usize>;
        let result = match (&self.view, self.focus) {
            (View::Diff { diff, .. }, _) => {
                let label = format!("{}-{}", diff.from.name, diff.to.name).replace('.', "cursor");
                events = diff.events.iter().map(|&e| e as usize).collect();
                export_events(&self.export_dir, &self.ledger, &diff.events, &label)
            }
            (View::Statement { account, .. }, _) => {
                events = self.statement_events(*account);
                export_statement(&self.export_dir, &self.ledger, *account, self.moment())
            }
            (View::Main, Pane::Accounts)
            | (View::Detail { .. }, _)
            | (View::Main, Pane::Events) => {
                let account = if self.focus == Pane::Accounts && self.view == View::Main {
                    self.selected_account()
                } else {
                    self.cursor_event().map(|i| self.ledger.event(i).account)
                };
                match account {
                    Some(a) => {
                        events = self.statement_events(a);
                        export_statement(&self.export_dir, &self.ledger, a, self.moment())
                    }
                    None => {
                        self.status = Some("nothing to export here".into());
                        return;
                    }
                }
            }
            (View::Main, Pane::Problems) => {
                self.status =
                    Some("export: select an account, open a statement, or open a diff (d)".into());
                return;
            }
        };
        self.status = Some(match result {
            Ok((csv, json)) => {
                let bundle = match &self.evidence.checkpoint {
                    None => String::new(),
                    Some(cp) => match export_bundle(&json, &self.ledger, &events, cp) {
                        Ok(Some((path, 0))) => format!(", and the bundle {}", path.display()),
                        Ok(Some((path, later))) => format!(
                            ", and the bundle {} ({} after the checkpoint left out)",
                            path.display(),
                            crate::text::count(later, "event")
                        ),
                        Ok(None) => ", no bundle (no event in the checkpoint's tree)".into(),
                        Err(e) => format!(", no bundle ({e})"),
                    },
                };
                format!("wrote {} and {}{bundle}", csv.display(), json.display())
            }
            Err(e) => format!("export failed: {e}"),
        });
    }

    /// The events of an account's statement up to the cursor, as the export writes them.
    fn statement_events(&self, account: AccountId) -> Vec<usize> {
        match self.moment() {
            Moment::Seq(n) => self
                .ledger
                .postings_recorded(account)
                .iter()
                .take_while(|p| u64::from(p.event) < n)
                .map(|p| p.event as usize)
                .collect(),
            Moment::Time(t) => self
                .ledger
                .postings(account)
                .iter()
                .filter(|p| self.ledger.event(p.event as usize).ts <= t)
                .map(|p| p.event as usize)
                .collect(),
            Moment::End => self
                .ledger
                .postings(account)
                .iter()
                .map(|p| p.event as usize)
                .collect(),
        }
    }

    // ----- following the source -----

    /// Asks the source for what is new and brings the view up to date: a cursor on the last
    /// event stays on the last event; elsewhere it stays on the same event and moment. A source
    /// that changed in a way that is not an append stops being followed, loudly.
    /// Returns `false` once following has stopped.
    pub fn poll_source(&mut self, follower: &mut dyn Follower) -> bool {
        let at_end = self.at_end();
        // The event under the cursor, by its line (or row position), which a late arrival does
        // not change, unlike its index.
        let anchor = self.cursor_event().map(|i| self.ledger.event(i).line);
        match follower.poll(&mut self.ledger) {
            FollowEvent::Unchanged => true,
            FollowEvent::Grew { events } => {
                self.grew(events, at_end, anchor);
                true
            }
            FollowEvent::Changed { reason } => {
                self.source_changed(reason);
                false
            }
        }
    }

    fn grew(&mut self, added: usize, was_at_end: bool, anchor: Option<u64>) {
        if added == 0 {
            return;
        }
        if let Follow::On { added: total } = &mut self.follow {
            *total += added;
        }
        if let Some(s) = self.search.as_ref().map(|s| s.query.clone()) {
            self.run_search(&s);
        }
        self.refresh_derived();
        if was_at_end {
            self.go_last();
        } else if let Some(i) = anchor.and_then(|line| self.event_on_line(line)) {
            let time = self.cursor.time;
            self.set_pos(self.pos_of(i));
            if self.order == Order::Time {
                self.cursor.time = time;
            }
        }
        self.keep_in_view();
    }

    /// The event read from a line (or row position).
    fn event_on_line(&self, line: u64) -> Option<usize> {
        let events = self.ledger.events();
        let i = events.partition_point(|e| e.line < line);
        if events.get(i).is_some_and(|e| e.line == line) {
            return Some(i);
        }
        // Recorded order is not line order (events sorted by their own seq).
        events.iter().position(|e| e.line == line)
    }

    /// The source changed in a way that is not an append: stop following and say so.
    pub fn source_changed(&mut self, reason: String) {
        self.follow = Follow::Stopped { reason };
    }

    // ----- mouse -----

    /// A click selects, the wheel scrolls, a click on the timeline moves the cursor there.
    pub fn mouse(&mut self, event: MouseEvent) {
        if self.prompt.is_some() || self.help.is_some() {
            return;
        }
        let areas = self.areas();
        if areas.too_small {
            return;
        }
        let (x, y) = (event.column, event.row);
        let inside = |r: Rect| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
        match event.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let delta = if event.kind == MouseEventKind::ScrollDown {
                    3
                } else {
                    -3
                };
                if self.view == View::Main {
                    if inside(areas.accounts) {
                        self.focus = Pane::Accounts;
                    } else if inside(areas.problems) {
                        self.focus = Pane::Problems;
                    } else if inside(areas.events) {
                        self.focus = Pane::Events;
                    }
                }
                self.move_in_list(delta);
            }
            MouseEventKind::Down(MouseButton::Left) => {
                let timeline = areas.timeline;
                if inside(timeline) {
                    self.click_timeline(x.saturating_sub(timeline.x + 1) as usize);
                } else if self.view == View::Main {
                    self.click_pane(&areas, x, y);
                }
            }
            _ => {}
        }
        self.keep_in_view();
    }

    /// A click in one of the main screen's panes: focus it and select the row.
    fn click_pane(&mut self, areas: &Areas, x: u16, y: u16) {
        let inside = |r: Rect| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
        // The first row of a pane's list: below the border and the column titles.
        let row_in = |r: Rect| (y >= r.y + 2).then(|| (y - r.y - 2) as usize);
        if inside(areas.accounts) {
            self.focus = Pane::Accounts;
            if let Some(k) = row_in(areas.accounts).map(|r| self.account_offset + r)
                && k < self.ledger.accounts_sorted().len()
            {
                self.account_sel = k;
            }
        } else if inside(areas.problems) {
            self.focus = Pane::Problems;
            if let Some(k) = row_in(areas.problems).map(|r| self.problem_offset + r)
                && k < self.ledger.problems().len()
            {
                self.problem_sel = k;
            }
        } else if inside(areas.events) {
            self.focus = Pane::Events;
            if let Some(k) = row_in(areas.events).map(|r| self.events_offset + r)
                && k < self.listed()
            {
                self.set_pos(self.listed_pos(k));
            }
        }
    }

    fn click_timeline(&mut self, column: usize) {
        if let Some(t) = time_at_column(&self.ledger, column, self.timeline_width()) {
            self.jump_to_time(t);
            self.status = Some(format!("jumped to {}", format_time(t)));
        }
    }

    /// Keeps the cursor row and the selected account and problem on screen.
    fn keep_in_view(&mut self) {
        let areas = self.areas();
        let rows = |r: Rect| r.height.saturating_sub(3) as usize;
        self.events_offset = scroll_to_show(
            self.events_offset,
            self.cursor_row(),
            rows(areas.events),
            self.listed(),
        );
        self.account_offset = scroll_to_show(
            self.account_offset,
            self.account_sel,
            rows(areas.accounts),
            self.ledger.accounts_sorted().len(),
        );
        self.problem_offset = scroll_to_show(
            self.problem_offset,
            self.problem_sel,
            rows(areas.problems),
            self.ledger.problems().len(),
        );
    }
}

/// The next (or previous) entry of a sorted list relative to `here`, wrapping around; says whether
/// it wrapped.
fn pick(sorted: &[u32], here: i64, forward: bool, inclusive: bool) -> (usize, bool) {
    if forward {
        let k = sorted.partition_point(|&p| {
            let p = i64::from(p);
            if inclusive { p < here } else { p <= here }
        });
        if k < sorted.len() {
            (k, false)
        } else {
            (0, true)
        }
    } else {
        let k = sorted.partition_point(|&p| i64::from(p) < here);
        match k.checked_sub(1) {
            Some(k) => (k, false),
            None => (sorted.len() - 1, true),
        }
    }
}

/// `value + delta`, kept within `0..=max`.
fn add_clamped(value: usize, delta: i64, max: usize) -> usize {
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
