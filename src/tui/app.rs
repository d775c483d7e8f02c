//! The explorer's state and how actions change it. No I/O happens here: the terminal loop feeds
//! actions in and draws the state out, and tests drive it the same way without a terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::keymap::{self, Context};
use super::ui::layout::{self, Areas};
use super::ui::timeline::density;
use crate::ledger::time::{MS_PER_DAY, MS_PER_HOUR, format_time, parse_user_time};
use crate::ledger::{AccountId, Ledger, Millis};

/// The time cursor: a moment, and the event selected at it.
///
/// The state shown is "as of `time`" (inclusive). `pos` is the selected event's place in time order:
/// the last event at or before `time`, or `None` before the first event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub time: Millis,
    pub pos: Option<usize>,
}

/// The panes of the main screen, in `Tab` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Accounts,
    Events,
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
}

/// A line the user is typing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub input: String,
    pub error: Option<String>,
}

/// The whole state of the explorer.
pub struct App {
    pub ledger: Ledger,
    pub cursor: Cursor,
    pub focus: Pane,
    pub view: View,
    pub help: Option<usize>,
    pub prompt: Option<Prompt>,
    /// Selected row of the accounts pane (an index into the sorted accounts).
    pub account_sel: usize,
    /// First visible row of the accounts pane.
    pub account_offset: usize,
    /// First visible row of the events pane (a position in time order).
    pub events_offset: usize,
    /// A one-line message for the user (cleared by the next key).
    pub status: Option<String>,
    /// The terminal size the layout is computed for.
    pub size: (u16, u16),
    /// Events per column of the timeline, for the current width (computed on resize, not per frame).
    pub density: Vec<usize>,
    pub quit: bool,
}

impl App {
    /// A new explorer at the last moment of the log.
    pub fn new(ledger: Ledger, size: (u16, u16)) -> App {
        let mut app = App {
            ledger,
            cursor: Cursor { time: 0, pos: None },
            focus: Pane::Events,
            view: View::Main,
            help: None,
            prompt: None,
            account_sel: 0,
            account_offset: 0,
            events_offset: 0,
            status: None,
            size,
            density: Vec::new(),
            quit: false,
        };
        app.refresh_density();
        app.go_last();
        app.keep_in_view();
        app
    }

    /// The screen areas for the current size.
    pub fn areas(&self) -> Areas {
        layout::areas(ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1))
    }

    /// The context whose keys apply now.
    pub fn context(&self) -> Context {
        match (&self.view, self.focus) {
            (View::Detail { .. }, _) => Context::Detail,
            (View::Statement { .. }, _) => Context::Statement,
            (View::Main, Pane::Accounts) => Context::Accounts,
            (View::Main, Pane::Events) => Context::Events,
        }
    }

    /// The event selected by the cursor (its index in recorded order).
    pub fn cursor_event(&self) -> Option<usize> {
        self.cursor
            .pos
            .map(|p| self.ledger.time_order()[p] as usize)
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
            self.keep_in_view();
            return;
        }
        self.status = None;
        if let Some(scroll) = self.help.as_mut() {
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
            return;
        }
        if let Some(action) = keymap::action_for(self.context(), &event) {
            self.update(action);
        }
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        self.refresh_density();
        self.keep_in_view();
    }

    /// Recounts the timeline's density strip for the current width.
    pub fn refresh_density(&mut self) {
        let width = self.areas().timeline.width.saturating_sub(2) as usize;
        self.density = match (self.ledger.first_time(), self.ledger.last_time()) {
            (Some(first), Some(last)) => density(&self.ledger, first, last, width),
            _ => Vec::new(),
        };
    }

    fn prompt_key(&mut self, event: KeyEvent) {
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        match event.code {
            KeyCode::Esc => self.prompt = None,
            KeyCode::Char('c') if ctrl => self.prompt = None,
            KeyCode::Char('u') if ctrl => {
                prompt.input.clear();
                prompt.error = None;
            }
            KeyCode::Enter => {
                let input = prompt.input.clone();
                self.submit_jump(&input);
            }
            KeyCode::Backspace => {
                prompt.input.pop();
                prompt.error = None;
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                if prompt.input.chars().count() < 64 {
                    prompt.input.push(c);
                }
                prompt.error = None;
            }
            _ => {}
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
            Err(e) => {
                if let Some(p) = self.prompt.as_mut() {
                    p.error = Some(e.to_string());
                }
            }
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
            Action::NextPane | Action::PrevPane => {
                self.focus = match self.focus {
                    Pane::Accounts => Pane::Events,
                    Pane::Events => Pane::Accounts,
                }
            }
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
            Action::JumpPrompt => {
                self.prompt = Some(Prompt {
                    input: String::new(),
                    error: None,
                })
            }
            Action::Up => self.move_in_list(-1),
            Action::Down => self.move_in_list(1),
            Action::ListPageUp => self.move_in_list(-(self.page_rows() as i64)),
            Action::ListPageDown => self.move_in_list(self.page_rows() as i64),
            Action::ListTop => self.move_in_list(i64::MIN / 2),
            Action::ListBottom => self.move_in_list(i64::MAX / 2),
        }
        self.keep_in_view();
    }

    fn back(&mut self) {
        if self.help.is_some() {
            self.help = None;
        } else if self.view != View::Main {
            self.view = View::Main;
        }
    }

    fn open(&mut self) {
        match (&self.view, self.focus) {
            (View::Main, Pane::Events) if self.cursor.pos.is_some() => {
                self.view = View::Detail { scroll: 0 };
            }
            (View::Main, Pane::Accounts) => {
                if let Some(account) = self.selected_account() {
                    self.view = View::Statement {
                        account,
                        scroll: None,
                    };
                }
            }
            _ => {}
        }
    }

    /// Moves in the focused list: the events list moves the time cursor; other lists scroll.
    fn move_in_list(&mut self, delta: i64) {
        let statement_rows = match self.view {
            View::Statement { account, .. } => self.statement_len(account),
            _ => 0,
        };
        match &mut self.view {
            View::Main => match self.focus {
                Pane::Events => self.step(delta),
                Pane::Accounts => {
                    let n = self.ledger.account_count();
                    if n > 0 {
                        self.account_sel = add_clamped(self.account_sel, delta, n - 1);
                    }
                }
            },
            View::Detail { scroll } => *scroll = add_clamped(*scroll, delta, usize::MAX / 2),
            View::Statement { scroll, .. } => {
                let last = statement_rows.saturating_sub(1);
                let current = scroll.unwrap_or(last);
                let next = add_clamped(current, delta, last);
                *scroll = if next >= last { None } else { Some(next) };
            }
        }
    }

    /// Rows of an account's statement up to the cursor.
    pub fn statement_len(&self, account: AccountId) -> usize {
        let postings = self.ledger.postings(account);
        postings.partition_point(|p| self.ledger.event(p.event as usize).ts <= self.cursor.time)
    }

    /// Events per screen of the events pane.
    pub fn page_rows(&self) -> usize {
        (self.areas().events.height.saturating_sub(3) as usize).max(1)
    }

    // ----- moving in time -----

    fn set_pos(&mut self, pos: usize) {
        let order = self.ledger.time_order();
        if order.is_empty() {
            return;
        }
        let pos = pos.min(order.len() - 1);
        self.cursor = Cursor {
            time: self.ledger.event(order[pos] as usize).ts,
            pos: Some(pos),
        };
    }

    /// Moves the cursor by `delta` events in time order.
    pub fn step(&mut self, delta: i64) {
        let n = self.ledger.len();
        if n == 0 {
            return;
        }
        let pos = match self.cursor.pos {
            Some(p) => add_clamped(p, delta, n - 1),
            None if delta > 0 => (delta - 1).min(n as i64 - 1) as usize,
            None => return,
        };
        self.set_pos(pos);
    }

    /// Moves the cursor to a moment: the state as of `time`, the last event at or before it.
    pub fn jump_to_time(&mut self, time: Millis) {
        self.cursor = Cursor {
            time,
            pos: self.ledger.count_at(time).checked_sub(1),
        };
    }

    fn shift_time(&mut self, delta: Millis) {
        let (Some(first), Some(last)) = (self.ledger.first_time(), self.ledger.last_time()) else {
            return;
        };
        // Clamp to the log's span, a little before the first event at most.
        let target = self
            .cursor
            .time
            .saturating_add(delta)
            .clamp(first.saturating_sub(1), last);
        self.jump_to_time(target);
    }

    pub fn go_first(&mut self) {
        self.set_pos(0);
    }

    pub fn go_last(&mut self) {
        let n = self.ledger.len();
        if n > 0 {
            self.set_pos(n - 1);
        }
    }

    /// Keeps the cursor row and the selected account on screen.
    fn keep_in_view(&mut self) {
        let areas = self.areas();
        let rows = areas.events.height.saturating_sub(3) as usize;
        let pos = self.cursor.pos.unwrap_or(0);
        self.events_offset = scroll_to_show(self.events_offset, pos, rows, self.ledger.len());
        let rows = areas.accounts.height.saturating_sub(3) as usize;
        self.account_offset = scroll_to_show(
            self.account_offset,
            self.account_sel,
            rows,
            self.ledger.account_count(),
        );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{LoadOptions, load_bytes, time::parse_time};

    const LOG: &str = r#"{"accountId":"a","type":"DEPOSIT","amount":"100","timestamp":"2024-03-01T10:00:00Z"}
{"accountId":"b","type":"DEPOSIT","amount":"5","timestamp":"2024-03-01T10:00:00Z"}
{"accountId":"a","type":"WITHDRAW","amount":"30","timestamp":"2024-03-01T11:30:00Z"}
{"accountId":"a","type":"WITHDRAW","amount":"30","timestamp":"2024-03-02T12:00:00Z"}
{"accountId":"c","type":"DEPOSIT","amount":"1","timestamp":"2024-03-03T09:00:00Z"}
"#;

    fn app() -> App {
        App::new(
            load_bytes("t.jsonl", LOG.as_bytes().to_vec(), &LoadOptions::default()),
            (120, 40),
        )
    }

    fn t(s: &str) -> Millis {
        parse_time(s).unwrap()
    }

    fn press(app: &mut App, code: KeyCode) {
        app.key(KeyEvent::new(code, KeyModifiers::NONE));
    }

    fn type_text(app: &mut App, text: &str) {
        for c in text.chars() {
            press(app, KeyCode::Char(c));
        }
    }

    #[test]
    fn starts_at_the_last_moment() {
        let app = app();
        assert_eq!(app.cursor.pos, Some(4));
        assert_eq!(app.cursor.time, t("2024-03-03T09:00:00Z"));
    }

    #[test]
    fn steps_move_one_event_and_stop_at_the_ends() {
        let mut app = app();
        app.update(Action::StepBack);
        assert_eq!(app.cursor.pos, Some(3));
        assert_eq!(app.cursor.time, t("2024-03-02T12:00:00Z"));
        app.update(Action::First);
        assert_eq!(app.cursor.pos, Some(0));
        app.update(Action::StepBack);
        assert_eq!(app.cursor.pos, Some(0));
        app.update(Action::StepForward);
        // Two events share 10:00: the second is selected, the moment is the same.
        assert_eq!(app.cursor.pos, Some(1));
        assert_eq!(app.cursor.time, t("2024-03-01T10:00:00Z"));
        app.update(Action::Last);
        app.update(Action::StepForward);
        assert_eq!(app.cursor.pos, Some(4));
    }

    #[test]
    fn hours_and_days_move_the_moment() {
        let mut app = app();
        app.update(Action::First);
        app.update(Action::HourForward);
        assert_eq!(app.cursor.time, t("2024-03-01T11:00:00Z"));
        assert_eq!(app.cursor.pos, Some(1), "the last event at or before 11:00");
        app.update(Action::DayForward);
        assert_eq!(app.cursor.time, t("2024-03-02T11:00:00Z"));
        assert_eq!(app.cursor.pos, Some(2));
        app.update(Action::DayForward);
        app.update(Action::DayForward);
        assert_eq!(
            app.cursor.time,
            t("2024-03-03T09:00:00Z"),
            "clamped to the last event"
        );
        app.update(Action::DayBack);
        app.update(Action::DayBack);
        app.update(Action::DayBack);
        assert_eq!(
            app.cursor.time,
            t("2024-03-01T10:00:00Z") - 1,
            "just before the first event"
        );
        assert_eq!(app.cursor.pos, None);
        app.update(Action::StepForward);
        assert_eq!(app.cursor.pos, Some(0));
    }

    #[test]
    fn the_jump_prompt_takes_absolute_and_relative_times() {
        let mut app = app();
        press(&mut app, KeyCode::Char('t'));
        assert!(app.prompt.is_some());
        type_text(&mut app, "2024-03-01 11:30");
        press(&mut app, KeyCode::Enter);
        assert!(app.prompt.is_none());
        assert_eq!(app.cursor.time, t("2024-03-01T11:30:00Z"));
        assert_eq!(
            app.cursor.pos,
            Some(2),
            "inclusive: the 11:30 event is included"
        );
        press(&mut app, KeyCode::Char('t'));
        type_text(&mut app, "-15m");
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.cursor.time, t("2024-03-01T11:15:00Z"));
        assert_eq!(app.cursor.pos, Some(1));
        press(&mut app, KeyCode::Char('t'));
        type_text(&mut app, "+1d");
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.cursor.time, t("2024-03-02T11:15:00Z"));
    }

    #[test]
    fn a_bad_time_keeps_the_prompt_open_with_an_error() {
        let mut app = app();
        let before = app.cursor;
        press(&mut app, KeyCode::Char('t'));
        type_text(&mut app, "tomorrow-ish");
        press(&mut app, KeyCode::Enter);
        let prompt = app.prompt.as_ref().expect("still open");
        assert!(prompt.error.as_deref().unwrap().contains("not a time"));
        assert_eq!(app.cursor, before);
        press(&mut app, KeyCode::Backspace);
        assert!(app.prompt.as_ref().unwrap().error.is_none());
        press(&mut app, KeyCode::Esc);
        assert!(app.prompt.is_none());
        assert_eq!(app.cursor, before);
    }

    #[test]
    fn keys_typed_in_the_prompt_are_not_commands() {
        let mut app = app();
        press(&mut app, KeyCode::Char('t'));
        type_text(&mut app, "q");
        assert!(!app.quit);
        assert_eq!(app.prompt.as_ref().unwrap().input, "q");
    }

    #[test]
    fn focus_views_and_back() {
        let mut app = app();
        assert_eq!(app.focus, Pane::Events);
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.view, View::Detail { scroll: 0 });
        // Time keys still work in the detail view; the detail follows the cursor.
        press(&mut app, KeyCode::Left);
        assert_eq!(app.cursor.pos, Some(3));
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.view, View::Main);
        press(&mut app, KeyCode::Tab);
        assert_eq!(app.focus, Pane::Accounts);
        press(&mut app, KeyCode::Char('j'));
        assert_eq!(app.account_sel, 1);
        press(&mut app, KeyCode::Enter);
        let b = app.ledger.find_account("b").unwrap();
        assert_eq!(
            app.view,
            View::Statement {
                account: b,
                scroll: None
            }
        );
        press(&mut app, KeyCode::Char('?'));
        assert!(app.help.is_some());
        press(&mut app, KeyCode::Esc);
        assert!(app.help.is_none());
        assert!(matches!(app.view, View::Statement { .. }));
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.view, View::Main);
        press(&mut app, KeyCode::Char('q'));
        assert!(app.quit);
    }

    #[test]
    fn moving_in_the_events_list_moves_the_cursor() {
        let mut app = app();
        press(&mut app, KeyCode::Char('k'));
        press(&mut app, KeyCode::Up);
        assert_eq!(app.cursor.pos, Some(2));
        press(&mut app, KeyCode::Char('j'));
        assert_eq!(app.cursor.pos, Some(3));
    }

    #[test]
    fn the_cursor_row_stays_in_view_after_any_move_and_resize() {
        let text: String = (0..500)
            .map(|i| format!("{{\"accountId\":\"a{}\",\"type\":\"DEPOSIT\",\"amount\":1,\"timestamp\":{}}}\n", i % 40, i * 1000))
            .collect();
        let mut app = App::new(
            load_bytes("t", text.into_bytes(), &LoadOptions::default()),
            (100, 30),
        );
        for action in [
            Action::First,
            Action::PageForward,
            Action::StepBack,
            Action::Last,
            Action::HourBack,
        ] {
            app.update(action);
            let rows = app.areas().events.height.saturating_sub(3) as usize;
            let pos = app.cursor.pos.unwrap_or(0);
            assert!(
                pos >= app.events_offset && pos < app.events_offset + rows,
                "{action:?}"
            );
        }
        app.resize(60, 18);
        let rows = app.areas().events.height.saturating_sub(3) as usize;
        let pos = app.cursor.pos.unwrap_or(0);
        assert!(pos >= app.events_offset && pos < app.events_offset + rows);
        app.resize(20, 5);
        app.update(Action::StepBack);
    }

    #[test]
    fn an_empty_log_does_not_panic() {
        let mut app = App::new(
            load_bytes("e", Vec::new(), &LoadOptions::default()),
            (80, 24),
        );
        for action in [
            Action::StepBack,
            Action::StepForward,
            Action::First,
            Action::Last,
            Action::HourForward,
            Action::Open,
            Action::NextPane,
            Action::Open,
            Action::Down,
        ] {
            app.update(action);
        }
        assert_eq!(app.cursor.pos, None);
    }

    #[test]
    fn scrolling_keeps_a_margin() {
        assert_eq!(scroll_to_show(0, 0, 10, 100), 0);
        // Ten rows keep a margin of two.
        assert_eq!(scroll_to_show(0, 7, 10, 100), 0);
        assert_eq!(scroll_to_show(0, 8, 10, 100), 1);
        assert_eq!(scroll_to_show(50, 51, 10, 100), 49);
        assert_eq!(scroll_to_show(0, 99, 10, 100), 90);
        assert_eq!(scroll_to_show(0, 5, 10, 6), 0);
    }
}
