//! `w` in the explorer: a condition on an account's state or on events, the first moment it
//! holds from the cursor on, `n`/`N` through its intervals (or the search's matches, whichever
//! was asked last), and the intervals on the timeline.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rewind::ledger::time::parse_time;
use rewind::tui::app::App;
use rewind::tui::state::when::Find;
use rewind::tui::view::{CardView, View};

use super::state_card::{LOG, account, app_of, draw, screen};

/// Ann goes below zero at 11:00, back above at 12:00, below again at 13:00 to the end.
const MONEY: &str = r#"{"accountId":"ann","type":"DEPOSIT","amount":"100","timestamp":"2024-03-01T10:00:00Z"}
{"accountId":"bob","type":"DEPOSIT","amount":"5","timestamp":"2024-03-01T10:30:00Z"}
{"accountId":"ann","type":"WITHDRAW","amount":"150","timestamp":"2024-03-01T11:00:00Z"}
{"accountId":"ann","type":"DEPOSIT","amount":"100","timestamp":"2024-03-01T12:00:00Z"}
{"accountId":"ann","type":"WITHDRAW","amount":"80","timestamp":"2024-03-01T13:00:00Z"}
{"accountId":"bob","type":"DEPOSIT","amount":"1","timestamp":"2024-03-05T10:00:00Z"}
"#;

fn press(app: &mut App, code: KeyCode) {
    app.key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// `w`, the condition (replacing the one in force), Enter.
fn when(app: &mut App, condition: &str) {
    press(app, KeyCode::Char('w'));
    app.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    typed(app, condition);
    press(app, KeyCode::Enter);
}

fn status(app: &App) -> String {
    app.status.clone().unwrap_or_default()
}

#[test]
fn w_goes_to_the_first_moment_it_holds_and_n_through_the_intervals() {
    let mut app = app_of(MONEY, (120, 40));
    press(&mut app, KeyCode::Home);
    when(&mut app, "balance < 0");
    assert!(app.prompt.is_none());
    assert_eq!(app.state.cursor_event(), Some(2), "{}", status(&app));
    let said = status(&app);
    assert!(said.contains("w balance < 0: interval 1 of 2"), "{said}");
    assert!(said.contains("ann from line 3 until line 4"), "{said}");
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.state.cursor_event(), Some(4));
    assert!(status(&app).contains("interval 2 of 2"), "{}", status(&app));
    assert!(status(&app).contains("ann from line 5 to the end"));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.state.cursor_event(), Some(2));
    assert!(status(&app).contains("(wrapped)"));
    press(&mut app, KeyCode::Char('N'));
    assert_eq!(app.state.cursor_event(), Some(4));
    assert!(status(&app).contains("(wrapped)"));
    // Inside an interval, `w` stays: it holds from the cursor on already.
    press(&mut app, KeyCode::Right);
    assert_eq!(app.state.cursor_event(), Some(5));
    when(&mut app, "balance < 0");
    assert_eq!(app.state.cursor_event(), Some(5));
    assert!(
        status(&app).contains("holds at the cursor"),
        "{}",
        status(&app)
    );
    // Between the two intervals (the deposit of 12:00 ends the first), the next one.
    app.jump_to_time(parse_time("2024-03-01T12:00:00Z").unwrap());
    when(&mut app, "balance < 0");
    assert_eq!(app.state.cursor_event(), Some(4), "{}", status(&app));
}

#[test]
fn conditions_on_events_and_the_timeline_show_every_interval() {
    let mut app = app_of(MONEY, (120, 40));
    press(&mut app, KeyCode::Home);
    when(&mut app, "type:withdraw amount:>100");
    assert_eq!(app.state.cursor_event(), Some(2));
    let w = app.state.when.as_ref().unwrap();
    assert_eq!(w.intervals.len(), 1);
    assert_eq!(w.account, None, "from the events pane: every account");
    // The timeline marks where it holds: from 11:00 to 12:00, not before, not on the 5th.
    let width = app.timeline_width();
    let strip = app.state.strip(width).unwrap();
    let first = app.state.ledger.first_time().unwrap();
    let last = app.state.ledger.last_time().unwrap();
    let col = |t: &str| {
        let t = parse_time(t).unwrap();
        ((t - first) as i128 * (width as i128 - 1) / (last - first) as i128) as usize
    };
    assert!(strip.when_at(col("2024-03-01T11:00:00Z")));
    assert!(!strip.when_at(col("2024-03-03T00:00:00Z")));
    assert!(!strip.when_at(width - 1));
    let shown = screen(&draw(&app));
    assert!(shown.contains('▔'), "{shown}");
    // An empty `w` forgets the condition; the timeline with it.
    when(&mut app, "");
    assert!(app.state.when.is_none());
    let strip = app.state.strip(width).unwrap();
    assert!((0..width).all(|c| !strip.when_at(c)));
    assert!(!screen(&draw(&app)).contains('▔'));
}

#[test]
fn a_bad_condition_says_where_and_keeps_the_prompt() {
    let mut app = app_of(MONEY, (120, 40));
    when(&mut app, "balance < 0");
    let before = app.state.cursor;
    when(&mut app, "status = ");
    let prompt = app.prompt.as_ref().expect("the prompt stays open");
    assert!(
        prompt.error.as_deref().unwrap_or("").contains("column"),
        "{prompt:?}"
    );
    assert_eq!(
        app.state.when.as_ref().unwrap().condition.text(),
        "balance < 0"
    );
    press(&mut app, KeyCode::Esc);
    assert!(app.prompt.is_none());
    assert_eq!(app.state.cursor, before);
    // The prompt opens on the condition in force, to edit it.
    press(&mut app, KeyCode::Char('w'));
    assert_eq!(app.prompt.as_ref().unwrap().input, "balance < 0");
}

#[test]
fn n_follows_the_search_or_the_condition_whichever_was_asked_last() {
    let mut app = app_of(MONEY, (120, 40));
    press(&mut app, KeyCode::Home);
    when(&mut app, "balance < 0");
    assert_eq!(app.state.find, Find::When);
    press(&mut app, KeyCode::Char('/'));
    typed(&mut app, "DEPOSIT");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.find, Find::Search);
    let at = app.state.cursor_event();
    press(&mut app, KeyCode::Char('n'));
    assert!(
        status(&app).starts_with("/DEPOSIT: match"),
        "{}",
        status(&app)
    );
    assert!(status(&app).contains("the search was asked last"));
    assert_ne!(app.state.cursor_event(), at);
    // `w` again: n goes through the intervals.
    when(&mut app, "balance < 0");
    press(&mut app, KeyCode::Char('n'));
    assert!(
        status(&app).starts_with("w balance < 0"),
        "{}",
        status(&app)
    );
    assert!(status(&app).contains("the condition was asked last"));
    // Cleared: n is the search's again.
    when(&mut app, "");
    press(&mut app, KeyCode::Char('n'));
    assert!(status(&app).starts_with("/DEPOSIT"), "{}", status(&app));
    // With neither, n says how to start.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('n'));
    assert!(
        status(&app).contains("press / to search"),
        "{}",
        status(&app)
    );
}

#[test]
fn on_a_card_the_condition_is_about_that_account_and_follows_the_order() {
    let mut app = app_of(LOG, (120, 40));
    let ann = account(&app, "ann");
    let bob = account(&app, "bob");
    app.view = View::Card(CardView::new(bob));
    press(&mut app, KeyCode::Home);
    when(&mut app, "status = frozen");
    assert_eq!(app.state.when.as_ref().unwrap().account, Some(bob));
    assert_eq!(app.state.cursor_event(), Some(4));
    assert!(status(&app).contains("bob from line 5 to the end"));
    // Ann's address with Elm in it: made at 11:30 (line 4), recorded after 12:00 (line 3).
    app.view = View::Card(CardView::new(ann));
    press(&mut app, KeyCode::Home);
    when(&mut app, "address ~ \"elm\"");
    let w = app.state.when.as_ref().unwrap();
    assert_eq!(w.intervals.len(), 1);
    assert_eq!(w.intervals[0].start, 3);
    assert_eq!(w.intervals[0].end, Some(5));
    assert_eq!(w.starts[0].0, 2, "third in time order");
    press(&mut app, KeyCode::Char('o'));
    let w = app.state.when.as_ref().unwrap();
    assert_eq!(w.starts[0].0, 3, "fourth as recorded");
    press(&mut app, KeyCode::Home);
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.state.cursor_event(), Some(3));
    // An account that never matches says so.
    when(&mut app, "status = frozen");
    assert!(
        status(&app).contains("never holds for ann"),
        "{}",
        status(&app)
    );
}
