//! The explorer's state beyond money: the state card of an account, the blame of a field, driven
//! by keys without a terminal and drawn into ratatui's `TestBackend`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use rewind::ledger::state::{Value, state_at};
use rewind::ledger::time::parse_time;
use rewind::ledger::{AccountId, LoadOptions, load_bytes};
use rewind::tui::app::App;
use rewind::tui::state::Order;
use rewind::tui::theme::Theme;
use rewind::tui::ui;
use rewind::tui::view::blame::Blame;
use rewind::tui::view::state_card::Card;
use rewind::tui::view::{BlameView, CardView, Pane, View};

/// Ann's address changes three times; the second change (line 4) was made at 11:30 but recorded
/// after the withdrawal of 12:00 (line 3). Bob's status is set; the default rule needs no file.
pub const LOG: &str = r#"{"accountId":"ann","type":"DEPOSIT","amount":"100","timestamp":"2024-03-01T10:00:00Z"}
{"accountId":"ann","type":"AddressChanged","address":"1 Old Rd","timestamp":"2024-03-01T11:00:00Z"}
{"accountId":"ann","type":"WITHDRAW","amount":"30","timestamp":"2024-03-01T12:00:00Z"}
{"accountId":"ann","type":"AddressChanged","address":"12 Elm St","timestamp":"2024-03-01T11:30:00Z"}
{"accountId":"bob","type":"StatusSet","status":"frozen","timestamp":"2024-03-01T13:00:00Z"}
{"accountId":"ann","type":"AddressChanged","address":"9 Bay Ave","city":"Harbourside","timestamp":"2024-03-02T09:00:00Z"}
"#;

pub fn app_of(text: &str, size: (u16, u16)) -> App {
    App::new(
        load_bytes("t.jsonl", text.as_bytes().to_vec(), &LoadOptions::default()),
        size,
    )
}

fn press(app: &mut App, code: KeyCode) {
    app.key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

pub fn account(app: &App, name: &str) -> AccountId {
    app.state.ledger.find_account(name).unwrap()
}

fn text_value(v: &str) -> Option<Value> {
    Some(Value::Text(v.into()))
}

pub fn draw(app: &App) -> Buffer {
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| ui::draw(f, app, Theme { color: true }))
        .unwrap();
    terminal.backend().buffer().clone()
}

pub fn screen(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Opens the state card of `name` from the accounts pane.
fn open_card(app: &mut App, name: &str) {
    press(app, KeyCode::Tab);
    press(app, KeyCode::Tab);
    assert_eq!(app.main.focus, Pane::Accounts);
    let a = account(app, name);
    let k = app
        .state
        .ledger
        .accounts_sorted()
        .iter()
        .position(|&x| x == a)
        .unwrap();
    for _ in 0..k {
        press(app, KeyCode::Char('j'));
    }
    press(app, KeyCode::Enter);
    assert_eq!(app.view, View::Card(CardView::new(a)));
}

#[test]
fn the_card_shows_fields_as_of_the_cursor_in_the_views_order() {
    let mut app = app_of(LOG, (120, 40));
    let ann = account(&app, "ann");
    open_card(&mut app, "ann");
    // At the end: the last address, with the city the same event set.
    let card = Card::of(&app.state, ann);
    let names: Vec<&str> = card.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["address", "city"]);
    assert_eq!(card.rows[0].value, text_value("9 Bay Ave"));
    assert_eq!(card.rows[0].set_by, Some(5));
    assert_eq!(
        card.rows[0].was,
        Some(text_value("12 Elm St")),
        "changed here"
    );
    // The withdrawal at 12:00 in time order: the address made at 11:30 is known.
    app.jump_to_time(parse_time("2024-03-01T12:00:00Z").unwrap());
    let card = Card::of(&app.state, ann);
    assert_eq!(card.rows.len(), 1);
    assert_eq!(card.rows[0].value, text_value("12 Elm St"));
    assert_eq!(card.rows[0].set_by, Some(3));
    assert_eq!(card.rows[0].was, None, "the cursor's event set no field");
    assert_eq!(card.state.balance.to_string(), "70");
    assert_eq!(card.state.balance_event, Some(2));
    // In recorded order, the same event: what the system knew then is the old address.
    press(&mut app, KeyCode::Char('o'));
    assert_eq!(app.state.order, Order::Recorded);
    assert_eq!(app.state.cursor_event(), Some(2));
    let card = Card::of(&app.state, ann);
    assert_eq!(card.rows[0].value, text_value("1 Old Rd"));
    assert_eq!(card.rows[0].set_by, Some(1));
    let shown = screen(&draw(&app));
    assert!(shown.contains("recorded order"), "{shown}");
    assert!(shown.contains("1 Old Rd"), "{shown}");
    assert!(!shown.contains("12 Elm St"), "{shown}");
    // One step on: the late record arrives and is highlighted with the value it replaced.
    press(&mut app, KeyCode::Right);
    let card = Card::of(&app.state, ann);
    assert_eq!(card.rows[0].value, text_value("12 Elm St"));
    assert_eq!(card.rows[0].was, Some(text_value("1 Old Rd")));
    assert_eq!(card.cursor_event, Some(3));
    let shown = screen(&draw(&app));
    assert!(shown.contains("was 1 Old Rd"), "{shown}");
    assert!(shown.contains("changed by line 4 at the cursor"), "{shown}");
    // Before the first change there is nothing to show, and the card says where fields come from.
    press(&mut app, KeyCode::Home);
    let card = Card::of(&app.state, ann);
    assert!(card.rows.is_empty());
    assert!(screen(&draw(&app)).contains("No fields as of the cursor"));
}

#[test]
fn an_unset_field_is_listed_with_what_it_held() {
    let log = format!(
        "{LOG}{}\n",
        r#"{"accountId":"ann","type":"CityCleared","timestamp":"2024-03-03T09:00:00Z"}"#
    );
    let types = "[state.CityCleared]\nunset = [\"city\"]\n";
    let options = LoadOptions {
        types: rewind::ledger::TypeMap::from_toml_str(types).unwrap(),
        ..LoadOptions::default()
    };
    let app = App::new(load_bytes("t.jsonl", log.into_bytes(), &options), (120, 40));
    let ann = account(&app, "ann");
    let card = Card::of(&app.state, ann);
    let city = card.rows.iter().find(|r| r.name == "city").unwrap();
    assert_eq!(city.value, None);
    assert_eq!(city.set_by, None);
    assert_eq!(city.was, Some(text_value("Harbourside")));
}

#[test]
fn blame_lists_every_change_and_each_is_a_jump() {
    let mut app = app_of(LOG, (120, 40));
    let ann = account(&app, "ann");
    app.jump_to_time(parse_time("2024-03-01T12:00:00Z").unwrap());
    open_card(&mut app, "ann");
    press(&mut app, KeyCode::Char('b'));
    let View::Blame(view) = &app.view else {
        panic!("{:?}", app.view)
    };
    assert_eq!(view.field, "address");
    let blame = Blame::of(&app.state, ann, "address");
    let events: Vec<u32> = blame.rows.iter().map(|r| r.event).collect();
    assert_eq!(events, [1, 3, 5], "in time order");
    assert_eq!(blame.current, Some(1), "the change in effect at the cursor");
    assert_eq!(blame.rows[1].old, text_value("1 Old Rd"));
    assert_eq!(blame.rows[1].new, text_value("12 Elm St"));
    let shown = screen(&draw(&app));
    assert!(shown.contains("Blame of address"), "{shown}");
    assert!(shown.contains("1 Old Rd → 12 Elm St"), "{shown}");
    assert!(shown.contains("(not set) → 1 Old Rd"), "{shown}");
    // Down to the last change, Enter: the cursor moves there; the blame stays open.
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.cursor_event(), Some(5));
    assert!(matches!(app.view, View::Blame(_)));
    // Up to the first, Enter.
    press(&mut app, KeyCode::Char('k'));
    press(&mut app, KeyCode::Char('k'));
    press(&mut app, KeyCode::Char('k'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.cursor_event(), Some(1));
    // Esc goes back to the card, now as of that change.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.view, View::Card(CardView::new(ann)));
    let card = Card::of(&app.state, ann);
    assert_eq!(card.rows[0].value, text_value("1 Old Rd"));
    assert_eq!(card.rows[0].was, Some(None), "set here for the first time");
    // In recorded order the blame follows the log.
    keys(&mut app, "o");
    let blame = Blame::of(&app.state, ann, "address");
    let events: Vec<u32> = blame.rows.iter().map(|r| r.event).collect();
    assert_eq!(events, [1, 3, 5]);
    assert_eq!(blame.rows[1].old, text_value("1 Old Rd"));
    // `s` opens the statement; Esc, the main screen.
    press(&mut app, KeyCode::Char('s'));
    assert!(matches!(app.view, View::Statement(_)));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.view, View::Main);
}

#[test]
fn a_field_without_changes_has_an_empty_blame() {
    let mut app = app_of(LOG, (120, 40));
    let ann = account(&app, "ann");
    app.view = View::Blame(BlameView::new(CardView::new(ann), "nothing".into()));
    let shown = screen(&draw(&app));
    assert!(shown.contains("no event changed this field"), "{shown}");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('j'));
    assert!(matches!(app.view, View::Blame(_)));
}

/// A field value and a field name that try to drive the terminal: ESC sequences, a C1 CSI and
/// a right-to-left override.
const HOSTILE: &str = "{\"accountId\":\"ann\",\"type\":\"AddressChanged\",\"address\":\"12 Elm\\u001b[2J\u{9b}1m \u{202e}tS\",\"na\\u001b]0;x\\u0007me\":\"v\",\"timestamp\":\"2024-03-01T11:00:00Z\"}\n";

#[test]
fn the_card_at_every_size_escapes_what_the_log_holds() {
    for size in [(80, 24), (120, 40), (220, 60)] {
        let mut app = app_of(HOSTILE, size);
        let ann = account(&app, "ann");
        app.view = View::Card(CardView::new(ann));
        let buf = draw(&app);
        for cell in buf.content() {
            assert!(
                !cell
                    .symbol()
                    .chars()
                    .any(|c| c.is_control() || c == '\u{202e}'),
                "{size:?}: a control character reached the buffer: {:?}",
                cell.symbol()
            );
        }
        let shown = screen(&buf);
        assert!(shown.contains("State of ann"), "{shown}");
        assert!(
            shown.contains("12 Elm\\e[2J\\u{9b}1m \\u{202e}tS"),
            "{size:?}\n{shown}"
        );
        assert!(shown.contains("na\\e]0;x\\u{7}me"), "{size:?}\n{shown}");
        assert!(shown.contains("line 1 · AddressChanged"), "{shown}");
        assert!(shown.contains("was (not set)"), "{shown}");
        // The statement stands beside the card only when it fits.
        assert_eq!(shown.contains("Statement of ann"), size.0 >= 110, "{shown}");
        // The blame, escaped too.
        press(&mut app, KeyCode::Enter);
        let shown = screen(&draw(&app));
        assert!(shown.contains("Blame of address"), "{shown}");
        assert!(shown.contains("(not set) → 12 Elm\\e[2J"), "{shown}");
    }
}

#[test]
fn the_card_at_every_moment_equals_the_state_of_the_ledger() {
    let mut app = app_of(LOG, (120, 40));
    let accounts: Vec<AccountId> = app.state.ledger.accounts_sorted().to_vec();
    for order in [Order::Time, Order::Recorded] {
        if app.state.order != order {
            press(&mut app, KeyCode::Char('o'));
        }
        press(&mut app, KeyCode::Home);
        for _ in 0..app.state.ledger.len() {
            let moment = app.state.moment();
            for &a in &accounts {
                let expected = state_at(&app.state.ledger, a, moment);
                let card = Card::of(&app.state, a);
                assert_eq!(card.state.balance, expected.balance, "{order:?} {moment:?}");
                assert_eq!(card.state.balance_event, expected.balance_event);
                let shown: Vec<(String, Option<Value>, Option<u32>)> = card
                    .rows
                    .iter()
                    .filter(|r| r.value.is_some())
                    .map(|r| (r.name.clone(), r.value.clone(), r.set_by))
                    .collect();
                let want: Vec<(String, Option<Value>, Option<u32>)> = expected
                    .fields
                    .iter()
                    .map(|(n, f)| (n.to_string(), Some(f.value.clone()), Some(f.event)))
                    .collect();
                assert_eq!(shown, want, "{order:?} {moment:?}");
                // What is drawn says the same: each field, its value and the line that set it.
                app.view = View::Card(CardView::new(a));
                let text = screen(&draw(&app));
                for (name, f) in expected.fields.iter() {
                    let line = app.state.ledger.event(f.event as usize).line;
                    let row = text
                        .lines()
                        .position(|l| {
                            (l.contains(&format!("▶ {name} ")) || l.contains(&format!("  {name} ")))
                                && l.contains(f.value.text())
                        })
                        .unwrap_or_else(|| panic!("{name} = {} not drawn:\n{text}", f.value));
                    let below = text.lines().nth(row + 1).unwrap();
                    assert!(below.contains(&format!("line {line} ·")), "{below}");
                }
            }
            press(&mut app, KeyCode::Right);
        }
        app.view = View::Main;
    }
}

#[test]
fn the_diff_between_two_marks_lists_field_changes_as_well_as_balances() {
    let mut app = app_of(LOG, (120, 40));
    let (ann, bob) = (account(&app, "ann"), account(&app, "bob"));
    app.jump_to_time(parse_time("2024-03-01T11:00:00Z").unwrap());
    keys(&mut app, "ma");
    press(&mut app, KeyCode::End);
    keys(&mut app, "da.");
    let View::Diff(view) = &app.view else {
        panic!("{:?}", app.view)
    };
    let got: Vec<(AccountId, String, Option<Value>, Option<Value>)> = view
        .fields
        .iter()
        .flat_map(|f| {
            f.changes
                .iter()
                .map(|c| (f.account, c.field.clone(), c.old.clone(), c.new.clone()))
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                ann,
                "address".to_string(),
                text_value("1 Old Rd"),
                text_value("9 Bay Ave")
            ),
            (ann, "city".to_string(), None, text_value("Harbourside")),
            (bob, "status".to_string(), None, text_value("frozen")),
        ]
    );
    let shown = screen(&draw(&app));
    assert!(shown.contains("3 fields changed"), "{shown}");
    assert!(shown.contains("1 Old Rd → 9 Bay Ave"), "{shown}");
    assert!(shown.contains("(not set) → frozen"), "{shown}");
    // Between two moments with no field change: balances only.
    press(&mut app, KeyCode::Esc);
    app.jump_to_time(parse_time("2024-03-01T12:00:00Z").unwrap());
    keys(&mut app, "mb");
    keys(&mut app, "dab");
    let View::Diff(view) = &app.view else {
        panic!("{:?}", app.view)
    };
    assert_eq!(view.fields.len(), 1, "{:?}", view.fields);
    assert_eq!(view.fields[0].changes[0].new, text_value("12 Elm St"));
    app.jump_to_time(parse_time("2024-03-01T11:45:00Z").unwrap());
    keys(&mut app, "mc");
    keys(&mut app, "dcb");
    let View::Diff(view) = &app.view else {
        panic!("{:?}", app.view)
    };
    assert!(view.fields.is_empty(), "{:?}", view.fields);
    assert!(!screen(&draw(&app)).contains("field changed"));
}

#[test]
fn field_changes_in_a_diff_are_escaped() {
    let mut app = app_of(HOSTILE, (120, 40));
    app.jump_to_time(parse_time("2024-03-01T10:00:00Z").unwrap());
    keys(&mut app, "ma");
    press(&mut app, KeyCode::End);
    keys(&mut app, "da.");
    let buf = draw(&app);
    for cell in buf.content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || c == '\u{202e}')
        );
    }
    let shown = screen(&buf);
    assert!(shown.contains("(not set) → 12 Elm\\e[2J"), "{shown}");
}

#[test]
fn filters_take_state_terms_as_of_the_cursor() {
    let mut app = app_of(LOG, (120, 40));
    // Before noon ann's address has no Elm in it; after 11:30 (time order) it has.
    app.jump_to_time(parse_time("2024-03-01T11:15:00Z").unwrap());
    press(&mut app, KeyCode::Char('f'));
    keys(&mut app, "state.address:~elm");
    press(&mut app, KeyCode::Enter);
    assert!(app.prompt.is_none());
    assert_eq!(app.state.visible.as_deref(), Some(&[][..]));
    app.jump_to_time(parse_time("2024-03-01T12:00:00Z").unwrap());
    assert_eq!(
        app.state.visible.as_deref(),
        Some(&[][..]),
        "read as of the cursor when the filter was set"
    );
    press(&mut app, KeyCode::Char('f'));
    press(&mut app, KeyCode::Enter);
    let ann_events: Vec<u32> = vec![0, 1, 2, 3, 5];
    assert_eq!(app.state.visible.as_deref(), Some(&ann_events[..]));
    assert!(
        status_of(&app).contains("filter shows 5 of 6"),
        "{}",
        status_of(&app)
    );
    // In recorded order at the same event, the system did not know the Elm address yet.
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Char('f'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.visible.as_deref(), Some(&[][..]));
    // A bad term keeps the prompt open and says why.
    press(&mut app, KeyCode::Char('f'));
    app.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    keys(&mut app, "state.balance:lots");
    press(&mut app, KeyCode::Enter);
    let error = app.prompt.as_ref().and_then(|p| p.error.clone());
    assert!(
        error
            .as_deref()
            .unwrap_or("")
            .contains("a balance is a number"),
        "{error:?}"
    );
}

fn status_of(app: &App) -> String {
    app.status.clone().unwrap_or_default()
}
