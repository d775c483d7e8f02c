//! The explorer: its shared [`State`], the main screen and the view over it, the help and the
//! prompts on top, and how input reaches them. A key goes to what is on top (a prompt, a pending
//! mark letter, the help), else through the keymap to an [`Action`]: actions on time, search,
//! marks and exports are the app's own; the rest go to the view on screen, which answers with an
//! [`Effect`] the app applies. The terminal loop feeds input in and draws the app out; tests drive
//! it the same way without a terminal. The only I/O here is reading records back from the log
//! (search) and writing exports the user asked for.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::action::Action;
use super::filter::Filter;
use super::keymap::{self, Context};
use super::state::moment_label;
use super::state::timeline::time_at_column;
use super::ui::layout::{self, Areas};
use super::view::prompt::PromptEvent;
use crate::ledger::Ledger;
use crate::ledger::diff::{Diff, Point};
use crate::ledger::follow::{FollowEvent, Follower};
use crate::ledger::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE};

use super::state::{Order, State};
use super::view::{
    DiffView, Effect, HelpView, LineView, MainView, Pending, Prompt, PromptKind, View,
};

/// Logs up to this many events are searched as you type; larger ones when you press Enter.
pub const INCREMENTAL_SEARCH_LIMIT: usize = 2_000_000;

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

/// The whole explorer.
pub struct App {
    /// What every view shares: the ledger, the cursor, the filter, the search, the marks.
    pub state: State,
    /// The main screen, kept while another view is over it.
    pub main: MainView,
    /// What fills the body.
    pub view: View,
    /// The help screen, over everything.
    pub help: Option<HelpView>,
    /// A line being typed.
    pub prompt: Option<Prompt>,
    /// A key waiting for a mark's letter.
    pub pending: Option<Pending>,
    pub follow: Follow,
    /// Where exports are written.
    pub export_dir: PathBuf,
    /// Where the cursor was before each jump (`Ctrl-o`, `Ctrl-i`, `''`).
    pub jumps: super::jumps::JumpList,
    /// The `:` commands run, oldest first (`↑` recalls them).
    pub command_history: Vec<String>,
    /// What `x` is about to write, while its path is being typed.
    pub export_job: Option<super::exporting::ExportJob>,
    /// A one-line message for the user (cleared by the next key).
    pub status: Option<String>,
    /// The log's head digest and what it was checked against (shown in the header).
    pub evidence: Evidence,
    /// Text to put on the terminal's clipboard (the terminal loop sends it, OSC 52).
    pub clipboard: Option<String>,
    /// The terminal size the layout is computed for.
    pub size: (u16, u16),
    pub quit: bool,
    /// The last pivot: the event and which of its values (`*` again takes the next).
    pub pivot: Option<(usize, usize)>,
    /// The user asked to read the log again (`R`).
    pub reload: bool,
    /// Whether the source can be read again (not the bundled sample).
    pub can_reload: bool,
}

impl App {
    /// A new explorer at the last moment of the log.
    pub fn new(ledger: Ledger, size: (u16, u16)) -> App {
        let mut app = App {
            state: State::new(ledger),
            main: MainView::default(),
            view: View::Main,
            help: None,
            prompt: None,
            pending: None,
            follow: Follow::Off,
            export_dir: PathBuf::from("."),
            export_job: None,
            jumps: Default::default(),
            command_history: Vec::new(),
            status: None,
            evidence: Evidence::default(),
            clipboard: None,
            size,
            quit: false,
            pivot: None,
            reload: false,
            can_reload: false,
        };
        app.refresh_derived();
        app.state.go_last();
        app.keep_in_view();
        app
    }

    /// The screen areas for the current size.
    pub fn areas(&self) -> Areas {
        layout::areas(
            Rect::new(0, 0, self.size.0, self.size.1),
            self.main.focus == super::view::Pane::Problems,
        )
    }

    /// The context whose keys apply now.
    pub fn context(&self) -> Context {
        self.view.context(&self.main)
    }

    /// Events per screen of the events pane.
    pub fn page_rows(&self) -> usize {
        (self.areas().events.height.saturating_sub(3) as usize).max(1)
    }

    /// Columns of the timeline inside its frame.
    pub fn timeline_width(&self) -> usize {
        self.areas().timeline.width.saturating_sub(2) as usize
    }

    /// Moves the cursor to a moment: the state as of `time`.
    pub fn jump_to_time(&mut self, time: crate::ledger::Millis) {
        self.state.jump_to_time(time);
    }

    // ----- input -----

    /// Handles a key: typed into the prompt when one is open, else looked up in the keymap.
    pub fn key(&mut self, event: KeyEvent) {
        if let Some(prompt) = self.prompt.as_mut() {
            let what = prompt.handle_key(event);
            self.prompt_event(what);
        } else if let Some(pending) = self.pending.take() {
            if let KeyCode::Char(c) = event.code {
                self.pending_key(pending, c);
            } else if event.code != KeyCode::Esc {
                self.status = Some("marks are letters a–z".into());
            }
        } else if let Some(help) = self.help.as_mut() {
            if help.handle_key(event) {
                self.help = None;
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

    /// Applies one action.
    pub fn update(&mut self, action: Action) {
        let state = &mut self.state;
        match action {
            Action::Quit => self.quit = true,
            Action::Help => {
                self.help = match self.help {
                    Some(_) => None,
                    None => Some(HelpView::default()),
                }
            }
            Action::Back if self.help.is_some() => self.help = None,
            Action::Back
            | Action::Open
            | Action::NextPane
            | Action::PrevPane
            | Action::Up
            | Action::Down
            | Action::ListPageUp
            | Action::ListPageDown
            | Action::Blame
            | Action::OpenStatement => {
                let page = self.page_rows();
                if let Some(effect) = self.view.handle(action, &mut self.main, &self.state, page) {
                    self.apply(effect);
                }
            }
            Action::StepBack => state.step(-1),
            Action::StepForward => state.step(1),
            Action::PageBack => {
                let page = self.page_rows() as i64;
                self.state.step(-page)
            }
            Action::PageForward => {
                let page = self.page_rows() as i64;
                self.state.step(page)
            }
            Action::MinuteBack => state.shift_time(-MS_PER_MINUTE),
            Action::MinuteForward => state.shift_time(MS_PER_MINUTE),
            Action::ToggleZone => self.status = Some(crate::tui::clock::toggle()),
            Action::HourBack => state.shift_time(-MS_PER_HOUR),
            Action::HourForward => state.shift_time(MS_PER_HOUR),
            Action::DayBack => state.shift_time(-MS_PER_DAY),
            Action::DayForward => state.shift_time(MS_PER_DAY),
            Action::First => state.go_first(),
            Action::Last => state.go_last(),
            Action::JumpPrompt => self.open_prompt(PromptKind::Jump),
            Action::Search => self.open_prompt(PromptKind::Search),
            Action::FindAccount => self.open_find_account(),
            Action::NextMatch => {
                self.record_jump();
                self.find_next(true);
            }
            Action::PrevMatch => {
                self.record_jump();
                self.find_next(false);
            }
            Action::NextProblem => self.next_problem(true),
            Action::PrevProblem => self.next_problem(false),
            Action::Filter => self.open_prompt(PromptKind::Filter),
            Action::SearchToFilter => self.search_to_filter(),
            Action::Pivot => self.pivot(),
            Action::Reload => self.ask_reload(),
            Action::ClearFilter => {
                if state.filter.is_some() {
                    state.set_filter(None);
                    self.status = Some("filters cleared".into());
                }
            }
            Action::ToggleOrder => {
                state.toggle_order();
                self.status = Some(match state.order {
                    Order::Time => "events in time order (by timestamp)".into(),
                    Order::Recorded => {
                        "events in recorded order (by seq): the state is as of the seq".into()
                    }
                });
            }
            Action::SetMark => self.pending = Some(Pending::SetMark),
            Action::JumpMark => self.pending = Some(Pending::JumpMark),
            Action::Diff => {
                if state.marks.is_empty() {
                    self.status = Some("no marks yet: set one with m then a letter".into());
                } else {
                    self.pending = Some(Pending::DiffFrom);
                    let marks: Vec<String> = state.marks.keys().map(|k| k.to_string()).collect();
                    self.status = Some(format!("diff from which mark? ({})", marks.join(" ")));
                }
            }
            Action::Export => self.export(),
            Action::CopyDigest => self.copy_digest(),
            Action::CopyRecord => self.copy_record(),
            Action::CopyValue => self.open_copy_value(),
            Action::ZoomIn => self.zoom(true),
            Action::ZoomOut => self.zoom(false),
            Action::When => self.open_prompt(PromptKind::When),
            Action::Totals => self.status = Some(self.totals_said()),
            Action::Command => self.open_prompt(PromptKind::Command),
            Action::JumpBack => self.jump_back(),
            Action::JumpForward => self.jump_forward(),
        }
        self.keep_in_view();
    }

    /// Does what a view asked.
    fn apply(&mut self, effect: Effect) {
        match effect {
            Effect::Close => self.view = View::Main,
            Effect::Open(view) => self.view = view,
            Effect::Step(delta) => self.state.step(delta),
            Effect::SetPos(pos) => self.state.set_pos(pos),
            Effect::JumpToProblem(problem) => self.open_problem(problem),
            Effect::ClearSearch => {
                self.state.search = None;
                self.status = Some("search cleared".into());
            }
        }
    }

    // ----- prompts -----

    fn open_prompt(&mut self, kind: PromptKind) {
        let input = match (kind, &self.state.filter) {
            (PromptKind::Filter, Some(f)) => f.text.clone(),
            (PromptKind::When, _) => self.when_input(),
            _ => String::new(),
        };
        let mut prompt = Prompt::new(kind, input);
        if kind == PromptKind::Search {
            prompt.saved_search = self.state.search.clone();
        }
        self.prompt = Some(prompt);
    }

    fn prompt_event(&mut self, what: PromptEvent) {
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        match what {
            PromptEvent::None => {}
            PromptEvent::Complete | PromptEvent::Older | PromptEvent::Newer => {
                if prompt.kind == PromptKind::Command {
                    self.command_key(what);
                }
            }
            PromptEvent::Cancel => {
                if let Some(p) = self.prompt.take() {
                    match p.kind {
                        PromptKind::Search => self.state.search = p.saved_search,
                        PromptKind::FindAccount => {
                            self.find_account_cancelled(p.saved_sel, p.saved_focus)
                        }
                        PromptKind::Export => {
                            self.export_job = None;
                            self.status = Some("export cancelled: nothing written".into());
                        }
                        _ => {}
                    }
                }
            }
            // Searching (or finding an account) as you type.
            PromptEvent::Edited if prompt.kind == PromptKind::FindAccount => {
                let input = prompt.input.clone();
                self.find_account_as_typed(&input);
            }
            PromptEvent::Edited => {
                if prompt.kind == PromptKind::Search
                    && self.state.ledger.len() <= INCREMENTAL_SEARCH_LIMIT
                {
                    let input = prompt.input.clone();
                    self.state.run_search(&input);
                }
            }
            PromptEvent::Submit => {
                let input = prompt.input.clone();
                match prompt.kind {
                    PromptKind::Jump => self.submit_jump(&input),
                    PromptKind::Search => self.submit_search(&input),
                    PromptKind::Filter => self.submit_filter(&input),
                    PromptKind::Export => self.submit_export(&input),
                    PromptKind::When => self.submit_when(&input),
                    PromptKind::Command => self.submit_command(&input),
                    PromptKind::FindAccount => self.prompt = None,
                }
            }
        }
    }

    pub(super) fn prompt_error(&mut self, error: String) {
        if let Some(p) = self.prompt.as_mut() {
            p.error = Some(error);
        }
    }

    fn submit_jump(&mut self, input: &str) {
        if input.trim().is_empty() {
            self.prompt = None;
            return;
        }
        super::clock::take_note();
        match crate::tui::clock::parse(input, self.state.cursor.time) {
            Ok(t) => {
                self.prompt = None;
                self.record_jump();
                self.state.jump_to_time(t);
                self.status = Some(super::clock::jumped_to(t));
            }
            Err(e) => self.prompt_error(e.to_string()),
        }
    }

    fn submit_search(&mut self, input: &str) {
        self.prompt = None;
        self.state.find = super::state::when::Find::Search;
        self.state.run_search(input);
        match &self.state.search {
            None => {}
            Some(s) if s.events.is_empty() => {
                self.status = Some(format!("no event contains “{}”", s.query));
            }
            Some(_) => {
                self.record_jump();
                self.status = Some(self.state.next_match(true, true));
            }
        }
    }

    pub(super) fn submit_filter(&mut self, input: &str) {
        if input.trim().is_empty() {
            self.prompt = None;
            self.set_filter(None);
            return;
        }
        super::clock::take_note();
        match Filter::parse(input, self.state.cursor.time).map(|f| f.as_of(self.state.moment())) {
            Ok(f) => {
                self.prompt = None;
                self.set_filter(Some(f));
                if let Some(note) = super::clock::take_note() {
                    self.status = Some(note);
                }
            }
            Err(e) => self.prompt_error(e),
        }
    }

    fn set_filter(&mut self, filter: Option<Filter>) {
        if let Some(said) = self.state.set_filter(filter) {
            self.status = Some(said);
        }
    }

    // ----- marks and diffs -----

    fn pending_key(&mut self, pending: Pending, c: char) {
        let is_mark = c.is_ascii_lowercase();
        let state = &mut self.state;
        match pending {
            Pending::SetMark if is_mark => {
                let moment = state.moment();
                state.marks.insert(c, moment);
                self.status = Some(format!("mark {c} set at {}", moment_label(moment)));
            }
            Pending::JumpMark if c == '\'' => self.jump_toggle(),
            Pending::JumpMark if is_mark => match state.marks.get(&c).copied() {
                Some(moment) => {
                    self.record_jump();
                    let state = &mut self.state;
                    state.go_to_moment(moment);
                    self.status = Some(format!("at mark {c}: {}", moment_label(moment)));
                }
                None => self.no_mark(c),
            },
            Pending::DiffFrom if is_mark => {
                if state.marks.contains_key(&c) {
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
                    Some(state.moment())
                } else {
                    state.marks.get(&c).copied()
                };
                match (state.marks.get(&from).copied(), to) {
                    (Some(a), Some(b)) => {
                        let diff = Diff::between(
                            &state.ledger,
                            Point {
                                name: from,
                                moment: a,
                            },
                            Point { name: c, moment: b },
                        );
                        self.view = View::Diff(DiffView::with_fields(diff, &state.ledger));
                        self.status = None;
                    }
                    _ => self.no_mark(c),
                }
            }
            _ => self.status = Some("marks are letters a–z".into()),
        }
    }

    fn no_mark(&mut self, c: char) {
        let set: Vec<String> = self.state.marks.keys().map(|k| k.to_string()).collect();
        self.status = Some(if set.is_empty() {
            format!("no mark {c}: set one with m then a letter")
        } else {
            format!("no mark {c} (marks: {})", set.join(" "))
        });
    }

    // ----- problems -----

    fn next_problem(&mut self, forward: bool) {
        let Some((problem, wrapped)) = self.state.next_problem(forward) else {
            self.status = Some("no problems in this log".into());
            return;
        };
        self.jump_to_problem(problem);
        if wrapped && let Some(s) = self.status.as_mut() {
            s.push_str(" (wrapped)");
        }
    }

    /// Moves the cursor to a problem's event and selects it in the problems pane.
    fn jump_to_problem(&mut self, problem: usize) {
        self.record_jump();
        if let Some(said) = self.state.jump_to_problem(problem) {
            self.main.problem_sel = problem;
            self.status = Some(said);
        }
    }

    /// Enter on a problem in its pane: the cursor goes there; a line that is not an event is
    /// shown itself.
    fn open_problem(&mut self, problem: usize) {
        self.jump_to_problem(problem);
        if self.state.problem_event(problem).is_none()
            && let Some(view) = LineView::of(&self.state, problem)
        {
            self.view = View::Line(view);
        }
    }

    /// The totals `=` says: of the diff on screen; else of the filter's events and of the
    /// search's matches.
    fn totals_said(&self) -> String {
        use super::state::totals::Totals;
        let state = &self.state;
        let ledger = &state.ledger;
        if let View::Diff(DiffView { diff, .. }) = &self.view {
            let t = Totals::of(ledger, diff.events.iter().map(|&i| i as usize));
            return format!("between the two moments: {}", t.summary(ledger));
        }
        let mut parts = Vec::new();
        if let (Some(f), Some(t)) = (&state.filter, &state.filter_totals) {
            parts.push(format!("filter {}: {}", f.text, t.summary(ledger)));
        }
        if let Some(s) = &state.search {
            parts.push(format!("/{}: {}", s.query, s.totals.summary(ledger)));
        }
        if parts.is_empty() {
            return "totals: filter (f), search (/) or open a diff between two marks (d) first"
                .into();
        }
        parts.join("; ")
    }

    // ----- derived state -----

    /// Recomputes everything derived from the ledger (after loading, or after it grew).
    pub fn refresh_derived(&mut self) {
        self.state.refresh_positions();
        self.refresh_timeline();
    }

    /// Recounts the timeline's density strip and problem marks for the current width.
    pub fn refresh_timeline(&mut self) {
        let width = self.timeline_width();
        self.state.refresh_timeline(width);
    }

    /// Keeps the cursor row and the selected account and problem on screen.
    pub(super) fn keep_in_view(&mut self) {
        let areas = self.areas();
        self.main.keep_in_view(&self.state, &areas);
        self.keep_zoom_on_cursor();
    }

    // ----- following the source -----

    /// Asks the source for what is new and brings the view up to date: a cursor on the last
    /// event stays on the last event; elsewhere it stays on the same event and moment. A source
    /// that changed in a way that is not an append stops being followed, loudly.
    /// Returns `false` once following has stopped.
    pub fn poll_source(&mut self, follower: &mut dyn Follower) -> bool {
        let at_end = self.state.at_end();
        // The event under the cursor, by its line (or row position), which a late arrival does
        // not change, unlike its index.
        let anchor = self
            .state
            .cursor_event()
            .map(|i| self.state.ledger.event(i).line);
        match follower.poll(&mut self.state.ledger) {
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
        if let Some(s) = self.state.search.as_ref().map(|s| s.query.clone()) {
            self.state.run_search(&s);
        }
        self.refresh_derived();
        let state = &mut self.state;
        if was_at_end {
            state.go_last();
        } else if let Some(i) = anchor.and_then(|line| state.event_on_line(line)) {
            let time = state.cursor.time;
            state.set_pos(state.pos_of(i));
            if state.order == Order::Time {
                state.cursor.time = time;
            }
        }
        self.keep_in_view();
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
        let effect = match event.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let delta = if event.kind == MouseEventKind::ScrollDown {
                    3
                } else {
                    -3
                };
                if self.view == View::Main {
                    self.main.focus_at(&areas, x, y);
                }
                self.view.scroll(delta, &mut self.main, &self.state)
            }
            MouseEventKind::Down(MouseButton::Left) => {
                let timeline = areas.timeline;
                let on_timeline = x >= timeline.x
                    && x < timeline.x + timeline.width
                    && y >= timeline.y
                    && y < timeline.y + timeline.height;
                if on_timeline {
                    self.click_timeline(x.saturating_sub(timeline.x + 1) as usize);
                    None
                } else if self.view == View::Main {
                    self.main.click(&areas, x, y, &self.state)
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some(effect) = effect {
            self.apply(effect);
        }
        self.keep_in_view();
    }

    fn click_timeline(&mut self, column: usize) {
        let zoom = self.state.timeline.zoom;
        if let Some(t) = time_at_column(&self.state.ledger, zoom, column, self.timeline_width()) {
            self.state.jump_to_time(t);
            self.status = Some(format!("jumped to {}", crate::tui::clock::full(t)));
        }
    }
}
