//! The explorer drawn into ratatui's `TestBackend`: what a person would see at known moments.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use rewind::ledger::time::parse_time;
use rewind::ledger::{LoadOptions, load_bytes};
use rewind::tui::action::Action;
use rewind::tui::app::App;
use rewind::tui::theme::Theme;
use rewind::tui::ui;
use rewind::tui::view::Pane;

const COLOR: Theme = Theme { color: true };
const NO_COLOR: Theme = Theme { color: false };

fn sample_app(width: u16, height: u16) -> App {
    let bytes = std::fs::read("assets/sample.jsonl").unwrap();
    App::new(
        load_bytes("sample.jsonl", bytes, &LoadOptions::default()),
        (width, height),
    )
}

fn draw(app: &App, theme: Theme) -> Buffer {
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| ui::draw(f, app, theme)).unwrap();
    terminal.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn row_of(buf: &Buffer, needle: &str) -> Option<u16> {
    let t = text(buf);
    t.lines().position(|l| l.contains(needle)).map(|y| y as u16)
}

fn at(app: &mut App, time: &str) {
    app.jump_to_time(parse_time(time).unwrap());
    app.update(Action::StepForward);
    app.update(Action::StepBack);
}

#[test]
fn the_main_screen_shows_balances_as_of_the_cursor() {
    let mut app = sample_app(130, 40);
    app.state
        .jump_to_time(parse_time("2024-03-14T15:59:30Z").unwrap());
    app.update(Action::Open); // nothing to open in the main view would be an error; this opens details
    app.update(Action::Back);
    let buf = draw(&app, COLOR);
    let screen = text(&buf);
    assert!(
        screen.contains("as of 2024-03-14T15:59:30.000Z"),
        "{screen}"
    );
    let dana = screen
        .lines()
        .find(|l| l.contains("cust-dana") && l.contains("03-14 15:59"))
        .unwrap();
    assert!(dana.contains("212.40"), "{dana}");
    // A minute later the retried withdrawal is included and the balance is negative.
    app.state
        .jump_to_time(parse_time("2024-03-14T16:00:30Z").unwrap());
    let buf = draw(&app, COLOR);
    let screen = text(&buf);
    let dana_row = (0..buf.area.height)
        .find(|&y| {
            let line: String = (0..46).map(|x| buf[(x, y)].symbol().to_string()).collect();
            line.contains("cust-dana")
        })
        .unwrap();
    let line: String = (0..46)
        .map(|x| buf[(x, dana_row)].symbol().to_string())
        .collect();
    assert!(line.contains("-187.60"), "{line}");
    // The negative balance stands out.
    let x = line.find("-187.60").unwrap() as u16;
    let x = line[..x as usize].chars().count() as u16;
    assert!(buf[(x, dana_row)].modifier.contains(Modifier::BOLD));
    assert!(screen.contains("event 404 of 799"), "{screen}");
    assert!(screen.contains("✓ sealed, chain verified"));
    assert!(screen.contains("⚠ 4 problems"));
}

/// A deposit, a withdrawal, a transfer to `b`, a transfer that names no `to`, then a deposit on
/// another account (so that the cursor's row is none of them).
const MOVES: &str = r#"{"accountId":"a","type":"DEPOSIT","amount":"100.00","timestamp":"2024-03-01T10:00:00Z"}
{"accountId":"a","type":"WITHDRAW","amount":"30.00","timestamp":"2024-03-01T11:00:00Z"}
{"accountId":"a","type":"TRANSFER","amount":"20.00","to":"b","timestamp":"2024-03-01T12:00:00Z"}
{"accountId":"a","type":"TRANSFER","amount":"7.00","timestamp":"2024-03-01T13:00:00Z"}
{"accountId":"c","type":"DEPOSIT","amount":"1.00","timestamp":"2024-03-01T14:00:00Z"}
"#;

/// The events pane's row for the event of a type and account, and where a text stands in it.
fn event_row(buf: &Buffer, app: &App, what: &str) -> (u16, String) {
    let pane = app.areas().events;
    (pane.y..pane.y + pane.height)
        .map(|y| {
            let row: String = (pane.x..pane.x + pane.width)
                .map(|x| buf[(x, y)].symbol())
                .collect();
            (y, row)
        })
        .find(|(_, row)| row.contains(what))
        .unwrap_or_else(|| panic!("no row with {what}"))
}

fn column_of(buf: &Buffer, app: &App, y: u16, needle: &str) -> u16 {
    let pane = app.areas().events;
    let row: String = (pane.x..pane.x + pane.width)
        .map(|x| buf[(x, y)].symbol())
        .collect();
    let at = row
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {row}"));
    pane.x + row[..at].chars().count() as u16
}

#[test]
fn withdrawals_and_transfers_read_as_what_they_take_from_the_account() {
    let app = App::new(
        load_bytes(
            "moves.jsonl",
            MOVES.as_bytes().to_vec(),
            &LoadOptions::default(),
        ),
        (130, 40),
    );
    let buf = draw(&app, COLOR);
    let (y, deposit) = event_row(&buf, &app, "DEPOSIT   ");
    assert!(
        deposit.contains("+100.00") && deposit.contains(" 100.00"),
        "{deposit}"
    );
    assert_eq!(
        buf[(column_of(&buf, &app, y, "+100.00"), y)].style().fg,
        COLOR.credit().fg
    );
    let (y, withdrawal) = event_row(&buf, &app, "WITHDRAW");
    assert!(
        withdrawal.contains("-30.00") && withdrawal.contains(" 70.00"),
        "{withdrawal}"
    );
    assert_eq!(
        buf[(column_of(&buf, &app, y, "-30.00"), y)].style().fg,
        COLOR.debit().fg
    );
    let (y, transfer) = event_row(&buf, &app, "a → b");
    assert!(
        transfer.contains("-20.00") && transfer.contains(" 50.00"),
        "{transfer}"
    );
    assert_eq!(
        buf[(column_of(&buf, &app, y, "-20.00"), y)].style().fg,
        COLOR.debit().fg
    );
}

#[test]
fn a_transfer_without_to_shows_no_movement() {
    let app = App::new(
        load_bytes(
            "moves.jsonl",
            MOVES.as_bytes().to_vec(),
            &LoadOptions::default(),
        ),
        (130, 40),
    );
    let buf = draw(&app, COLOR);
    let pane = app.areas().events;
    let transfers: Vec<String> = (pane.y..pane.y + pane.height)
        .map(|y| {
            (pane.x..pane.x + pane.width)
                .map(|x| buf[(x, y)].symbol())
                .collect()
        })
        .filter(|row: &String| row.contains("TRANSFER") && !row.contains('→'))
        .collect();
    assert_eq!(transfers.len(), 1, "{transfers:?}");
    let row = &transfers[0];
    // The amount as written, in parentheses, and the balance as it was: nothing moved.
    assert!(row.contains("(7.00)"), "{row}");
    assert!(!row.contains("-7.00"), "{row}");
    assert!(row.contains(" 50.00"), "{row}");
    let (y, _) = event_row(&buf, &app, "(7.00)");
    assert_eq!(
        buf[(column_of(&buf, &app, y, "(7.00)"), y)].style().fg,
        COLOR.muted().fg
    );
}

#[test]
fn accounts_that_do_not_exist_yet_say_so() {
    let mut app = sample_app(130, 40);
    at(&mut app, "2024-03-01T09:05:00Z");
    let screen = text(&draw(&app, COLOR));
    let lena = screen.lines().find(|l| l.contains("cust-lena")).unwrap();
    assert!(lena.contains("not yet") && lena.contains('—'), "{lena}");
    let alice = screen
        .lines()
        .find(|l| l.contains("cust-alice") && l.contains("2400.00"))
        .unwrap();
    assert!(!alice.contains("not yet"));
}

#[test]
fn future_events_look_different_with_and_without_colour() {
    let mut app = sample_app(130, 40);
    at(&mut app, "2024-03-14T16:00:30Z");
    for theme in [COLOR, NO_COLOR] {
        let buf = draw(&app, theme);
        let screen = text(&buf);
        let past = row_of(&buf, "15:59:03 cust-dana").unwrap();
        let future = row_of(&buf, "17:07:47 cust-carol").unwrap();
        let cursor = row_of(&buf, "16:00:02 cust-dana").unwrap();
        let x = 47; // the gutter of the events pane: the cursor's mark, then the row's own
        assert_eq!(buf[(x + 1, future)].symbol(), "·", "{screen}");
        assert_eq!(buf[(x, cursor)].symbol(), "▶");
        assert_eq!(buf[(x, past)].symbol(), " ");
        let future_style = buf[(x + 3, future)].style();
        let past_style = buf[(x + 3, past)].style();
        assert_ne!(future_style, past_style, "future rows are styled apart");
        assert!(future_style.add_modifier.contains(Modifier::DIM));
        if theme == NO_COLOR {
            for y in 0..buf.area.height {
                for x in 0..buf.area.width {
                    let s = buf[(x, y)].style();
                    assert!(
                        s.fg.is_none_or(|c| c == ratatui::style::Color::Reset),
                        "colour at {x},{y}"
                    );
                    assert!(
                        s.bg.is_none_or(|c| c == ratatui::style::Color::Reset),
                        "colour at {x},{y}"
                    );
                }
            }
            // The cursor row is reversed rather than coloured.
            assert!(buf[(x + 3, cursor)].modifier.contains(Modifier::REVERSED));
        }
    }
}

#[test]
fn the_detail_view_shows_fields_line_and_chain_status() {
    let mut app = sample_app(130, 40);
    at(&mut app, "2024-03-14T16:00:30Z");
    app.update(Action::Open);
    let screen = text(&draw(&app, COLOR));
    assert!(screen.contains("Event line 404 · seq 404"), "{screen}");
    assert!(screen.contains("✓ verified"), "{screen}");
    assert!(screen.contains("host retry after timeout"), "{screen}");
    assert!(screen.contains("overdraft"), "{screen}");
    assert!(screen.contains("212.40 → -187.60"), "{screen}");
    assert!(screen.contains("Raw line 404"));
}

#[test]
fn the_detail_view_of_a_tampered_record_says_broken() {
    let mut bytes = std::fs::read("assets/sample.jsonl").unwrap();
    let text_all = String::from_utf8(bytes.clone()).unwrap();
    let line_403 = text_all.find("{\"seq\":403,").unwrap();
    let at_amount = line_403 + text_all[line_403..].find("\"amount\":\"400.00\"").unwrap();
    bytes[at_amount + 10] = b'5'; // 400.00 → 500.00 on line 403
    let mut app = App::new(
        load_bytes("tampered.jsonl", bytes, &LoadOptions::default()),
        (130, 40),
    );
    at(&mut app, "2024-03-14T15:59:30Z");
    app.update(Action::Open);
    let screen = text(&draw(&app, COLOR));
    assert!(screen.contains("chain BROKEN at line 403"), "{screen}");
    assert!(screen.contains("✗ BROKEN here"), "{screen}");
}

#[test]
fn e_on_a_tampered_record_shows_it_broken_never_verified() {
    let mut bytes = std::fs::read("assets/sample.jsonl").unwrap();
    let text_all = String::from_utf8(bytes.clone()).unwrap();
    let line_403 = text_all.find("{\"seq\":403,").unwrap();
    let at_amount = line_403 + text_all[line_403..].find("\"amount\":\"400.00\"").unwrap();
    bytes[at_amount + 10] = b'5';
    let mut app = App::new(
        load_bytes("tampered.jsonl", bytes, &LoadOptions::default()),
        (130, 40),
    );
    app.update(Action::First);
    // The first problem of the tampered sample is its broken record (Kofi's AddressChanged at
    // line 343 is a change of state, no problem).
    app.update(Action::NextProblem);
    app.update(Action::Open);
    let screen = text(&draw(&app, COLOR));
    assert!(screen.contains("Event line 403"), "{screen}");
    assert!(screen.contains("✗ BROKEN here"), "{screen}");
    assert!(!screen.contains("✓ verified"), "{screen}");
}

#[test]
fn an_unreadable_line_is_shown_escaped_with_its_number_and_why() {
    let log = "{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":1}\n\
               not json \u{1b}]0;title\u{7} \u{ff}\n";
    let mut app = App::new(
        load_bytes(
            "bad.jsonl",
            log.as_bytes().to_vec(),
            &LoadOptions::default(),
        ),
        (120, 40),
    );
    app.update(Action::NextProblem);
    app.update(Action::Open);
    let buf = draw(&app, COLOR);
    let screen = text(&buf);
    assert!(screen.contains("Line 2 not an event"), "{screen}");
    assert!(screen.contains("! bad-json invalid JSON"), "{screen}");
    assert!(screen.contains("Raw line 2"), "{screen}");
    assert!(screen.contains("not json \\e]0;title\\u{7} ÿ"), "{screen}");
    assert_cells_measurable(&buf, "an unreadable line");
}

#[test]
fn the_statement_lists_events_up_to_the_cursor_with_a_chart() {
    let mut app = sample_app(130, 40);
    at(&mut app, "2024-03-14T16:00:30Z");
    app.update(Action::PrevPane);
    for _ in 0..3 {
        app.update(Action::Down);
    }
    app.update(Action::Open);
    let screen = text(&draw(&app, COLOR));
    assert!(screen.contains("Statement of cust-dana"), "{screen}");
    assert!(screen.contains("balance -187.60"), "{screen}");
    let last_row = screen.lines().rfind(|l| l.contains("WITHDRAW")).unwrap();
    assert!(last_row.contains("-187.60"), "{last_row}");
    assert!(
        !screen.contains("23:00:00 FEE"),
        "the later fee is not in the statement yet"
    );
    assert!(screen.contains('█'), "the chart is drawn");
}

#[test]
fn help_lists_the_commands_of_the_command_line() {
    let lines: Vec<String> = ui::help_lines(COLOR)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    for c in rewind::tui::commands::COMMANDS {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(&format!(":{}", c.names[0])) && l.contains(c.describe)),
            "{}: {lines:#?}",
            c.names[0]
        );
    }
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut app = sample_app(130, 50);
    app.update(Action::Help);
    let screen = text(&draw(&app, COLOR));
    for b in rewind::tui::keymap::BINDINGS.iter().take(12) {
        assert!(
            screen.contains(b.action.describe()),
            "{}",
            b.action.describe()
        );
    }
}

#[test]
fn tiny_terminals_do_not_panic() {
    for (w, h) in [(20, 5), (1, 1), (49, 40), (130, 15), (50, 18), (80, 24)] {
        let mut app = sample_app(w, h);
        for action in [
            Action::StepBack,
            Action::Open,
            Action::Help,
            Action::NextPane,
            Action::Open,
        ] {
            app.update(action);
            let screen = text(&draw(&app, COLOR));
            if w < 50 || h < 18 {
                assert!(screen.contains("window") || w * h < 30, "{w}x{h}: {screen}");
            }
        }
    }
}

#[test]
fn control_characters_never_reach_the_buffer() {
    // ESC sequences (clear screen, set the title), and, as raw characters (JSON allows them
    // unescaped), a C1 CSI and a right-to-left override.
    let log = "{\"accountId\":\"evil\\u001b]0;pwned\\u0007\\u001b[2J\",\"type\":\"Deposit\\u001b[31m\",\"amount\":\"1\",\"timestamp\":1,\"meta\":{\"note\":\"\u{9b}2J \u{202e}gnp.exe\"}}\n";
    let mut app = App::new(
        load_bytes(
            "evil.jsonl",
            log.as_bytes().to_vec(),
            &LoadOptions::default(),
        ),
        (130, 40),
    );
    // ratatui itself drops C0 controls when it draws text; the right-to-left override it keeps,
    // and the escaped text must be there, so both are checked.
    let check = |buf: &Buffer| {
        for cell in buf.content() {
            assert!(
                !cell
                    .symbol()
                    .chars()
                    .any(|c| c.is_control() || c == '\u{202e}'),
                "a control character reached the buffer: {:?}",
                cell.symbol()
            );
        }
    };
    // The main screen: accounts, events and the header.
    let buf = draw(&app, COLOR);
    check(&buf);
    let screen = text(&buf);
    assert!(screen.contains("evil\\e]0;pwned\\u{7}\\e[2J"), "{screen}");
    assert!(screen.contains("Deposit\\e[31m"), "{screen}");
    // The details: every field and the raw line, escaped.
    app.update(Action::Open);
    let buf = draw(&app, COLOR);
    check(&buf);
    let screen = text(&buf);
    assert!(screen.contains("\\u{9b}2J \\u{202e}gnp.exe"), "{screen}");
    assert!(screen.contains("evil\\e]0;pwned"), "{screen}");
    // The statement.
    app.update(Action::Back);
    app.update(Action::PrevPane);
    app.update(Action::Open);
    let buf = draw(&app, COLOR);
    check(&buf);
    assert!(
        text(&buf).contains("Statement of evil\\e]0;pwned"),
        "{}",
        text(&buf)
    );
}

#[test]
fn main_screen_snapshot() {
    let mut app = sample_app(130, 36);
    at(&mut app, "2024-03-14T16:00:30Z");
    insta::assert_snapshot!(text(&draw(&app, COLOR)));
}

fn key(app: &mut App, c: char) {
    app.key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    ));
}

fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, c);
    }
}

fn enter(app: &mut App) {
    app.key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Enter,
        crossterm::event::KeyModifiers::NONE,
    ));
}

#[test]
fn search_matches_are_highlighted_and_counted() {
    let mut app = sample_app(130, 42);
    keys(&mut app, "/dana");
    enter(&mut app);
    let buf = draw(&app, COLOR);
    let screen = text(&buf);
    assert!(screen.contains("/dana 52 matches"), "{screen}");
    // A row of the events pane (right of the accounts pane) with Dana on it.
    let (x, y) = (3..buf.area.height)
        .find_map(|y| {
            let line: String = (47..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            line.find("cust-dana")
                .map(|at| (47 + line[..at + 5].chars().count() as u16, y))
        })
        .unwrap();
    assert_eq!(
        buf[(x, y)].style().bg,
        COLOR.highlight().bg,
        "the match is highlighted"
    );
    // Without colour the highlight is still visible.
    let buf = draw(&app, NO_COLOR);
    assert!(buf[(x, y)].modifier.contains(Modifier::UNDERLINED));
}

#[test]
fn an_active_filter_says_how_many_events_it_hides() {
    let mut app = sample_app(130, 42);
    keys(&mut app, "faccount:ivan");
    enter(&mut app);
    let screen = text(&draw(&app, COLOR));
    let hidden = app.state.ledger.len() - app.state.listed();
    assert!(
        screen.contains(&format!("{hidden} hidden by filter account:ivan")),
        "{screen}"
    );
    let events_x = 47;
    for line in screen.lines().skip(4).take(20) {
        let events: String = line.chars().skip(events_x).collect();
        if events.contains("03-") {
            assert!(events.contains("cust-ivan"), "{line}");
        }
    }
}

#[test]
fn problems_show_in_their_pane_and_on_the_timeline() {
    let mut app = sample_app(130, 42);
    keys(&mut app, "ma");
    let buf = draw(&app, COLOR);
    let screen = text(&buf);
    assert!(screen.contains("Problems 4"), "{screen}");
    for (line, kind) in [
        ("404", "overdraft"),
        ("404", "possible-duplicate"),
        ("549", "out-of-order"),
        ("799", "out-of-order"),
    ] {
        assert!(
            screen.lines().any(|l| l.contains(line) && l.contains(kind)),
            "{line} {kind}: {screen}"
        );
    }
    // The timeline's marker row has a `!` per problem column and the mark's letter.
    let timeline = app.areas().timeline;
    let markers: String = (timeline.x + 1..timeline.x + timeline.width - 1)
        .map(|x| buf[(x, timeline.y + 2)].symbol().to_string())
        .collect();
    assert_eq!(markers.matches('!').count(), 3, "{markers}");
    assert!(markers.ends_with('a'), "{markers}");
}

#[test]
fn the_diff_view_lists_changed_accounts_and_the_events_between() {
    let mut app = sample_app(130, 42);
    app.state
        .jump_to_time(parse_time("2024-03-14T15:58:00Z").unwrap());
    keys(&mut app, "ma");
    app.state
        .jump_to_time(parse_time("2024-03-14T16:01:00Z").unwrap());
    keys(&mut app, "mb");
    keys(&mut app, "dab");
    let screen = text(&draw(&app, COLOR));
    assert!(screen.contains("What changed from mark a"), "{screen}");
    assert!(
        screen.contains("1 account changed balance, 2 events between the two moments"),
        "{screen}"
    );
    let dana = screen
        .lines()
        .find(|l| l.contains("cust-dana") && l.contains("-800.00"))
        .unwrap();
    assert!(
        dana.contains("612.40") && dana.contains("-187.60"),
        "{dana}"
    );
    let rows = screen
        .lines()
        .filter(|l| l.contains("WITHDRAW") && l.contains("-400.00"))
        .count();
    assert_eq!(rows, 2, "{screen}");
}

#[test]
fn recorded_order_is_said_in_the_header_and_the_pane() {
    let mut app = sample_app(130, 42);
    // From the first event: line 404's two problems, then the late event at line 549.
    keys(&mut app, "geee");
    key(&mut app, 'o');
    let screen = text(&draw(&app, COLOR));
    assert!(
        screen.contains("RECORDED ORDER · as of seq 549"),
        "{screen}"
    );
    assert!(
        screen.contains("Events in RECORDED order (seq)"),
        "{screen}"
    );
    // Where it was written: the late purchase of the 19th sits among events of the 20th.
    let y = screen.lines().position(|l| l.contains("▶")).unwrap();
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines[y].contains("03-19 23:47:10"), "{}", lines[y]);
    assert!(lines[y - 1].contains("03-20"), "{}", lines[y - 1]);
}

#[test]
fn a_changed_log_is_flagged_loudly() {
    let mut app = sample_app(130, 42);
    app.source_changed("bytes already read changed in sample.jsonl".into());
    let buf = draw(&app, COLOR);
    let screen = text(&buf);
    assert!(
        screen.contains("✗ LOG CHANGED ON DISK: view frozen"),
        "{screen}"
    );
    assert!(
        screen.contains("bytes already read changed in sample.jsonl"),
        "{screen}"
    );
    let y = row_of(&buf, "LOG CHANGED").unwrap();
    let x = text(&buf)
        .lines()
        .nth(y as usize)
        .unwrap()
        .find("LOG")
        .unwrap();
    let x = text(&buf).lines().nth(y as usize).unwrap()[..x]
        .chars()
        .count() as u16;
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn narrow_screens_stack_the_panes() {
    let mut app = sample_app(100, 36);
    at(&mut app, "2024-03-14T16:00:30Z");
    insta::assert_snapshot!(text(&draw(&app, COLOR)));
}

/// Names with each kind of text a terminal draws otherwise than ratatui counts it, or not at all:
/// zero-width and format characters, bidirectional controls, separators, a lone combining mark,
/// emoji joined with ZWJ, a flag, a skin tone, variation selectors.
const HOSTILE_NAMES: [&str; 14] = [
    "zw\u{200b}sp",
    "soft\u{ad}hy",
    "fam👨\u{200d}👩\u{200d}👧",
    "flag🇫🇷",
    "thumb👍🏽",
    "heart❤\u{fe0f}",
    "ls\u{2028}ps\u{2029}",
    "bom\u{feff}wj\u{2060}",
    "rlo\u{202e}lri\u{2066}",
    "\u{301}lone",
    "zwj\u{200d}zwnj\u{200c}",
    "kc1\u{fe0f}\u{20e3}",
    "ok-café",
    "ok-日本",
];

/// A log whose accounts, types and meta hold the hostile names.
fn hostile_app(width: u16, height: u16) -> App {
    let mut log = String::new();
    for (i, name) in HOSTILE_NAMES.iter().enumerate() {
        let quoted = serde_json::to_string(name).unwrap();
        // Each account gets a deposit, then an event of a hostile type (unknown: a problem that
        // quotes it).
        log.push_str(&format!(
            "{{\"accountId\":{quoted},\"type\":\"DEPOSIT\",\"amount\":\"{}.00\",\"timestamp\":{},\"meta\":{{\"note\":{quoted},{quoted}:\"x\"}}}}\n",
            i + 1,
            1_709_280_000_000u64 + 2 * i as u64 * 60_000
        ));
        log.push_str(&format!(
            "{{\"accountId\":{quoted},\"type\":{quoted},\"timestamp\":{}}}\n",
            1_709_280_000_000u64 + (2 * i as u64 + 1) * 60_000
        ));
    }
    App::new(
        load_bytes("hostile.jsonl", log.into_bytes(), &LoadOptions::default()),
        (width, height),
    )
}

/// The explorer drawn through crossterm into a terminal emulator, frame after frame: what a real
/// terminal shows, stale cells included.
struct Emulated {
    terminal: Terminal<ratatui::backend::CrosstermBackend<Sink>>,
    bytes: Sink,
    screen: vt100::Parser,
}

/// What crossterm writes, kept for the emulator to read.
#[derive(Clone, Default)]
struct Sink(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Emulated {
    fn new(width: u16, height: u16) -> Emulated {
        let bytes = Sink::default();
        let backend = ratatui::backend::CrosstermBackend::new(bytes.clone());
        let terminal = Terminal::with_options(
            backend,
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, width, height)),
            },
        )
        .unwrap();
        let screen = vt100::Parser::new(
            std::num::NonZeroU16::new(height).unwrap(),
            std::num::NonZeroU16::new(width).unwrap(),
            0,
        );
        Emulated {
            terminal,
            bytes,
            screen,
        }
    }

    /// Draws a frame; gives ratatui's buffer of it, after checking that the terminal shows exactly
    /// that buffer, cell by cell.
    fn frame(&mut self, app: &App, what: &str) -> Buffer {
        let buf = self
            .terminal
            .draw(|f| ui::draw(f, app, COLOR))
            .unwrap()
            .buffer
            .clone();
        let bytes = std::mem::take(&mut *self.bytes.0.borrow_mut());
        self.screen.process(&bytes);
        let screen = self.screen.screen();
        for y in 0..buf.area.height {
            let mut x = 0;
            while x < buf.area.width {
                let symbol = buf[(x, y)].symbol();
                let shown = screen
                    .cell(y, x)
                    .map(|c| c.contents().to_string())
                    .unwrap_or_default();
                let shown = if shown.is_empty() {
                    " ".to_string()
                } else {
                    shown
                };
                assert_eq!(
                    shown,
                    symbol,
                    "{what}: the terminal's cell ({x}, {y}) is not ratatui's; row as drawn:\n{}\nrow as meant:\n{}",
                    screen.contents_between(y, 0, y, buf.area.width),
                    (0..buf.area.width)
                        .map(|x| buf[(x, y)].symbol().to_string())
                        .collect::<String>()
                );
                x += (symbol.width() as u16).max(1);
            }
        }
        buf
    }
}

use unicode_width::UnicodeWidthStr;

/// Characters no cell may hold: they draw nothing, or a width the terminal may not agree on.
fn unmeasurable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fe00}'..='\u{fe0f}'
                | '\u{1f1e6}'..='\u{1f1ff}'
                | '\u{1f3fb}'..='\u{1f3ff}'
        )
}

fn assert_cells_measurable(buf: &Buffer, what: &str) {
    for (i, cell) in buf.content().iter().enumerate() {
        let symbol = cell.symbol();
        let (x, y) = buf.pos_of(i);
        assert!(
            !symbol.chars().any(unmeasurable),
            "{what}: cell ({x}, {y}) holds {symbol:?}"
        );
        assert!(
            symbol.chars().count() == 1 || !symbol.starts_with(char::is_whitespace),
            "{what}: cell ({x}, {y}) {symbol:?} is a mark on a space"
        );
        let advance: usize = symbol
            .chars()
            .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
            .sum();
        assert_eq!(
            symbol.width(),
            advance,
            "{what}: cell ({x}, {y}) {symbol:?} is {} cells for ratatui, {advance} for a terminal",
            symbol.width()
        );
    }
}

/// The screen as text, a wide character once (not followed by the blank cell it covers).
fn drawn(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut x = 0;
        while x < buf.area.width {
            let symbol = buf[(x, y)].symbol();
            out.push_str(symbol);
            x += (symbol.width() as u16).max(1);
        }
        out.push('\n');
    }
    out
}

/// The rows of a pane's inside, as text.
fn pane_rows(buf: &Buffer, area: ratatui::layout::Rect) -> Vec<String> {
    (area.y + 1..area.y + area.height - 1)
        .map(|y| {
            (area.x + 1..area.x + area.width - 1)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn hostile_names_keep_every_cell_where_it_is_drawn() {
    // Wide enough for every name to show whole in the events pane.
    let (w, h) = (200, 40);
    let mut app = hostile_app(w, h);
    let mut term = Emulated::new(w, h);
    let areas = app.areas();
    let buf = term.frame(&app, "the first frame");
    assert_cells_measurable(&buf, "the main screen");
    let screen = drawn(&buf);
    // Every name is there, escaped where it must be: none drawn as nothing.
    for shown in [
        "zw\\u{200b}sp",
        "soft\\u{ad}hy",
        "fam👨\\u{200d}👩\\u{200d}👧",
        "flag\\u{1f1eb}\\u{1f1f7}",
        "thumb👍\\u{1f3fd}",
        "heart❤\\u{fe0f}",
        "ls\\u{2028}ps\\u{2029}",
        "bom\\u{feff}wj\\u{2060}",
        "rlo\\u{202e}lri\\u{2066}",
        "\\u{301}lone",
        "ok-café",
    ] {
        assert!(screen.contains(shown), "{shown}:\n{screen}");
    }
    // Each row of the accounts pane: its balance and count where the header says.
    let accounts = pane_rows(&buf, areas.accounts);
    let header = &accounts[0];
    let balance_end = header.find("BALANCE").unwrap() + "BALANCE".len();
    for row in accounts.iter().skip(1).filter(|r| r.trim().len() > 1) {
        let chars: Vec<char> = row.chars().collect();
        assert!(
            chars[balance_end - 1].is_ascii_digit(),
            "a balance ends under BALANCE:\n{header}\n{row}"
        );
    }
    // Moving the cursor through every event and the selection through every account: the
    // terminal always shows ratatui's frame, with one cursor and one selection.
    for step in 0..app.state.ledger.len() {
        app.update(Action::StepBack);
        let buf = term.frame(&app, &format!("step {step} back"));
        let events = pane_rows(&buf, areas.events);
        let cursors = events.iter().filter(|r| r.starts_with('▶')).count();
        assert_eq!(cursors, 1, "step {step}:\n{}", events.join("\n"));
        assert!(events.iter().all(|r| r.matches('▶').count() <= 1));
    }
    app.update(Action::PrevPane);
    for step in 0..HOSTILE_NAMES.len() {
        app.update(Action::Down);
        let buf = term.frame(&app, &format!("account {step}"));
        let accounts = pane_rows(&buf, areas.accounts);
        assert_eq!(
            accounts.iter().filter(|r| r.starts_with('▸')).count(),
            1,
            "{}",
            accounts.join("\n")
        );
    }
    // The statement of the selected account, and an event's details (meta, raw line).
    app.update(Action::Open);
    let buf = term.frame(&app, "a statement");
    assert_cells_measurable(&buf, "a statement");
    app.update(Action::Back);
    app.update(Action::NextPane);
    for step in 0..app.state.ledger.len() {
        app.update(Action::Open);
        let buf = term.frame(&app, &format!("details {step}"));
        assert_cells_measurable(&buf, "the details");
        app.update(Action::Back);
        app.update(Action::StepForward);
        term.frame(&app, &format!("after details {step}"));
    }
}

#[test]
fn lookalike_accounts_are_listed_with_the_difference_shown() {
    let log = "{\"accountId\":\"cust-1\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":1}\n\
               {\"accountId\":\"cust-1\\u200b\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":2}\n";
    let mut app = App::new(
        load_bytes("l.jsonl", log.as_bytes().to_vec(), &LoadOptions::default()),
        (130, 40),
    );
    let screen = text(&draw(&app, COLOR));
    // The kind whole in the problems pane, both accounts told apart in the accounts pane.
    let row = screen
        .lines()
        .find(|l| l.contains("lookalike-account"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(
        row.contains("2 lookalike-account cust…200b} account"),
        "{row}"
    );
    assert!(screen.contains("cust-1\\u{200b}"), "{screen}");
    // The event's details give the whole message.
    app.update(Action::Open);
    let screen = text(&draw(&app, COLOR));
    assert!(
        screen.contains(
            "! lookalike-account account `cust-1\\u{200b}` looks like `cust-1` (line 1): they \
             differ only by invisible characters"
        ),
        "{screen}"
    );
}

// ----- columns by priority -----

const BIG: &str = concat!(
    r#"{"accountId":"cust-0417","type":"DEPOSIT","amount":"123456789012345678.00","timestamp":"2024-03-14T10:22:33Z","meta":{"merchant":"Opening balance"}}"#,
    "\n",
    r#"{"accountId":"cust-04170","type":"DEPOSIT","amount":"90071992547410.00","timestamp":"2024-03-14T10:22:34Z"}"#,
    "\n",
    r#"{"accountId":"cust-0417","type":"WITHDRAW","amount":"1.25","timestamp":"2024-03-14T10:22:35Z","meta":{"note":"card 4411"}}"#,
    "\n",
    r#"{"accountId":"cust-04170","type":"DEPOSIT","amount":"0.01","timestamp":"2024-03-14T10:22:36Z"}"#,
    "\n",
);

fn big_app(width: u16, height: u16) -> App {
    App::new(
        load_bytes(
            "big.jsonl",
            BIG.as_bytes().to_vec(),
            &LoadOptions::default(),
        ),
        (width, height),
    )
}

/// The rows of a pane's area, read from the buffer.
fn rows_in(buf: &Buffer, area: ratatui::layout::Rect) -> Vec<String> {
    (area.y..area.y + area.height)
        .map(|y| {
            (area.x..area.x + area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect()
        })
        .collect()
}

#[test]
fn amounts_and_times_are_never_cut_and_ids_stay_apart() {
    for (w, h) in [(80, 24), (120, 40), (220, 60)] {
        let mut app = big_app(w, h);
        app.update(Action::StepBack);
        let buf = draw(&app, COLOR);
        let areas = app.areas();
        let accounts = rows_in(&buf, areas.accounts).join("\n");
        let events = rows_in(&buf, areas.events).join("\n");
        let at = format!("{w}×{h}");
        // The balances whole in the accounts pane, each id apart from the other.
        assert!(
            accounts.contains("123456789012345676.75"),
            "{at}\n{accounts}"
        );
        assert!(accounts.contains("90071992547410.00"), "{at}\n{accounts}");
        let names: Vec<&str> = accounts
            .lines()
            .filter(|l| l.contains("0417"))
            .map(|l| l.split_whitespace().nth(1).unwrap_or(""))
            .collect();
        assert_eq!(names.len(), 2, "{at}\n{accounts}");
        assert_ne!(names[0], names[1], "{at}\n{accounts}");
        // The amounts, the balances and the times whole in the events pane.
        for whole in [
            "+123456789012345678.00",
            "123456789012345678.00",
            "+90071992547410.00",
            "90071992547410.00",
            "-1.25",
            "123456789012345676.75",
            "10:22:33",
            "10:22:35",
        ] {
            assert!(events.contains(whole), "{at}: {whole}\n{events}");
        }
        let ids: Vec<String> = events
            .lines()
            .filter(|l| l.contains("10:22:3"))
            .map(|l| l.split_whitespace().nth(3).unwrap_or("").to_string())
            .collect();
        assert!(
            ids.iter().any(|i| i.ends_with("0417")) && ids.iter().any(|i| i.ends_with("4170")),
            "{at}: {ids:?}\n{events}"
        );
        assert_cells_measurable(&buf, &at);
        // The statement: its times and numbers whole.
        app.main.focus = rewind::tui::view::Pane::Accounts;
        // Enter opens the account's state card; `s` its statement alone.
        app.update(Action::Open);
        app.update(Action::OpenStatement);
        let screen = text(&draw(&app, COLOR));
        for whole in [
            "2024-03-14 10:22:33",
            "+123456789012345678.00",
            "123456789012345676.75",
        ] {
            assert!(screen.contains(whole), "{at}: {whole}\n{screen}");
        }
        if w >= 120 {
            assert!(screen.contains("DESCRIPTION"), "{at}\n{screen}");
            assert!(screen.contains("card 4411"), "{at}\n{screen}");
        }
    }
}

#[test]
fn spare_width_goes_to_a_description_of_each_event() {
    let app = sample_app(220, 60);
    let screen = text(&draw(&app, COLOR));
    assert!(screen.contains("DESCRIPTION"), "{screen}");
    let mut app = sample_app(220, 60);
    at(&mut app, "2024-03-14T16:00:30Z");
    let screen = text(&draw(&app, COLOR));
    assert!(
        screen.contains("host retry after timeout · ATM-0042 Main St · A7Q2K9"),
        "{screen}"
    );
}

// ----- what stays on screen -----

#[test]
fn the_problems_pane_names_the_account() {
    for (w, h) in [(80, 24), (120, 40), (220, 60)] {
        let app = sample_app(w, h);
        let buf = draw(&app, COLOR);
        let rows = rows_in(&buf, app.areas().problems);
        let overdraft = rows
            .iter()
            .find(|r| r.contains("404"))
            .unwrap_or_else(|| panic!("{w}×{h}: {rows:#?}"));
        assert!(overdraft.contains("overdraft"), "{w}×{h}: {overdraft}");
        if w >= 120 {
            assert!(overdraft.contains("cust-dana"), "{w}×{h}: {overdraft}");
        } else {
            // At 80 columns the kinds' names stay whole (`possible-duplicate` is 18 wide), so the
            // account is shortened in the middle: its end still tells it apart.
            assert!(overdraft.contains("…dana"), "{w}×{h}: {overdraft}");
        }
        assert!(rows[1].contains("ACCOUNT"), "{w}×{h}: {rows:#?}");
        if w >= 120 {
            assert!(rows[1].contains("WHAT"), "{w}×{h}: {rows:#?}");
            // The text begins after the 18-wide kind column (`possible-duplicate`).
            assert!(overdraft.contains("balanc"), "{w}×{h}: {overdraft}");
        }
        // Focused, the pane takes the larger share (at 220 columns the whole width): the account
        // whole and the problem's text at every size, while the accounts keep ids and balances.
        let mut app = sample_app(w, h);
        app.main.focus = Pane::Problems;
        let buf = draw(&app, COLOR);
        let rows = rows_in(&buf, app.areas().problems);
        let overdraft = rows.iter().find(|r| r.contains("404")).unwrap();
        assert!(
            overdraft.contains("cust-dana"),
            "{w}×{h} focused: {overdraft}"
        );
        assert!(rows[1].contains("WHAT"), "{w}×{h} focused: {rows:#?}");
        assert!(
            overdraft.contains("balance of"),
            "{w}×{h} focused: {overdraft}"
        );
        if w >= 220 {
            assert!(
                overdraft.contains("212.40 → -187.60"),
                "{w}×{h} focused: {overdraft}"
            );
        }
        let accounts = rows_in(&buf, app.areas().accounts);
        let alice = accounts.iter().find(|r| r.contains("cust-alice")).unwrap();
        assert!(alice.contains("5690.86"), "{w}×{h} focused: {alice}");
    }
}

#[test]
fn the_header_drops_the_path_before_integrity_and_problems() {
    let long_name = format!("/var/log/{}/ledger-export-2024-03.jsonl", "x".repeat(40));
    for sealed in [true, false] {
        let mut bytes = std::fs::read("assets/sample.jsonl").unwrap();
        if !sealed {
            let text = String::from_utf8(bytes).unwrap();
            bytes = text
                .lines()
                .map(|l| {
                    let cut = l.find(",\"prev\"").unwrap_or(l.len());
                    format!("{}}}\n", &l[..cut])
                })
                .collect::<String>()
                .into_bytes();
        }
        for w in [80u16, 120] {
            let app = App::new(
                load_bytes(&long_name, bytes.clone(), &LoadOptions::default()),
                (w, 24),
            );
            let screen = text(&draw(&app, COLOR));
            let header = screen.lines().next().unwrap();
            let integrity = if sealed {
                "✓ sealed, chain verified"
            } else {
                "unsealed: history not tamper-evident"
            };
            assert!(header.contains(integrity), "{w}: {header}");
            assert!(header.contains("⚠ 4 problems"), "{w}: {header}");
            assert!(
                !header.contains("ledger-export-2024-03.jsonl"),
                "{w}: {header}"
            );
        }
    }
    // With room, the path is there.
    let app = sample_app(220, 40);
    let header = text(&draw(&app, COLOR)).lines().next().unwrap().to_string();
    assert!(
        header.contains("sample.jsonl · 799 events · 12 accounts"),
        "{header}"
    );
}

#[test]
fn the_cursor_row_keeps_the_problem_and_closed_marks() {
    let mut app = sample_app(120, 40);
    at(&mut app, "2024-03-14T16:00:30Z");
    let buf = draw(&app, COLOR);
    let events = rows_in(&buf, app.areas().events);
    let row = events.iter().find(|r| r.contains("16:00:02")).unwrap();
    assert!(row.contains("▶!"), "{row}");
    let log = concat!(
        r#"{"accountId":"a","type":"DEPOSIT","amount":"5","timestamp":1}"#,
        "\n",
        r#"{"accountId":"a","type":"ACCOUNT_CLOSED","timestamp":2}"#,
        "\n",
        r#"{"accountId":"b","type":"DEPOSIT","amount":"5","timestamp":3}"#,
        "\n",
    );
    let app = App::new(
        load_bytes(
            "closed.jsonl",
            log.as_bytes().to_vec(),
            &LoadOptions::default(),
        ),
        (120, 40),
    );
    let buf = draw(&app, COLOR);
    let accounts = rows_in(&buf, app.areas().accounts);
    let a = accounts.iter().find(|r| r.contains(" a ")).unwrap();
    assert!(a.contains("▸✕"), "the selected closed account: {a}");
}

#[test]
fn the_focused_pane_stands_out_without_colour_and_the_hints_name_it() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = sample_app(w, h);
        for (pane, name) in [
            (rewind::tui::view::Pane::Events, "events"),
            (rewind::tui::view::Pane::Accounts, "accounts"),
            (rewind::tui::view::Pane::Problems, "problems"),
        ] {
            app.main.focus = pane;
            let buf = draw(&app, NO_COLOR);
            let areas = app.areas();
            let (focused, others) = match pane {
                rewind::tui::view::Pane::Events => (areas.events, [areas.accounts, areas.problems]),
                rewind::tui::view::Pane::Accounts => {
                    (areas.accounts, [areas.events, areas.problems])
                }
                rewind::tui::view::Pane::Problems => {
                    (areas.problems, [areas.events, areas.accounts])
                }
            };
            assert_eq!(buf[(focused.x, focused.y)].symbol(), "┏", "{w}: {name}");
            let title = buf[(focused.x + 2, focused.y)].modifier;
            assert!(title.contains(Modifier::REVERSED), "{w}: {name}");
            for o in others {
                assert_eq!(buf[(o.x, o.y)].symbol(), "┌", "{w}: {name}");
            }
            let hints = rows_in(&buf, areas.hints).join("");
            assert!(hints.starts_with(&format!(" {name}  ")), "{w}: {hints}");
            assert!(hints.contains("q quit"), "{w}: {hints}");
        }
    }
}

#[test]
fn totals_are_on_screen_for_the_matches_and_the_diff() {
    let mut app = sample_app(130, 40);
    keys(&mut app, "/A7Q2K9");
    enter(&mut app);
    let screen = text(&draw(&app, COLOR));
    assert!(screen.contains("/A7Q2K9 2 matches Σ -800.00"), "{screen}");
    keys(&mut app, "t2024-03-14 15:58");
    enter(&mut app);
    keys(&mut app, "ma");
    keys(&mut app, "t2024-03-14 16:01");
    enter(&mut app);
    keys(&mut app, "mbdab");
    let screen = text(&draw(&app, COLOR));
    assert!(
        screen.contains("totals 2 events, net -800.00 — WITHDRAW 2: -800.00"),
        "{screen}"
    );
}

#[test]
fn state_fields_asked_for_are_columns_of_the_accounts_pane_as_of_the_cursor() {
    // Kofi's row of the accounts pane (left of the events pane; the header names him too).
    let kofi_row = |screen: &str| {
        screen
            .lines()
            .skip(2)
            .find(|l| l.split('┃').next().unwrap().contains("cust-kofi"))
            .unwrap()
            .to_string()
    };
    let kofi_at = |app: &mut App, time: &str| {
        keys(app, "t");
        keys(app, time);
        enter(app);
        kofi_row(&text(&draw(app, COLOR)))
    };
    let mut app = sample_app(160, 48);
    keys(&mut app, ":columns city");
    enter(&mut app);
    let screen = text(&draw(&app, COLOR));
    assert!(screen.contains("CITY"), "{screen}");
    let kofi = kofi_row(&screen);
    assert!(kofi.contains("Millbrook"), "{kofi}");
    let alice = screen.lines().find(|l| l.contains("cust-alice")).unwrap();
    assert!(
        alice.contains('—'),
        "an account without the field shows —: {alice}"
    );
    // Between the two address changes (lines 343 and 799), Harbourside.
    let kofi = kofi_at(&mut app, "2024-03-20 12:00");
    assert!(kofi.contains("Harbourside"), "{kofi}");
    // Before the first (line 343), kofi had no city.
    let kofi = kofi_at(&mut app, "2024-03-01 12:00");
    assert!(!kofi.contains("Harbourside"), "{kofi}");
    // At 80 columns the fields give way before the balance.
    let mut narrow = sample_app(80, 24);
    keys(&mut narrow, ":columns city");
    enter(&mut narrow);
    let screen = text(&draw(&narrow, COLOR));
    assert!(screen.contains("5690.86"), "{screen}");
}

#[test]
fn events_that_share_a_second_show_their_milliseconds() {
    let log = r#"{"accountId":"a","type":"DEPOSIT","amount":"1","timestamp":"2024-03-01T12:00:00.250Z"}
{"accountId":"a","type":"DEPOSIT","amount":"2","timestamp":"2024-03-01T12:00:00.750Z"}
{"accountId":"b","type":"DEPOSIT","amount":"3","timestamp":"2024-03-01T12:00:05.000Z"}
{"accountId":"b","type":"DEPOSIT","amount":"4","timestamp":"2024-03-01T12:00:09.000Z"}
"#;
    let app = App::new(
        load_bytes("t.jsonl", log.as_bytes().to_vec(), &LoadOptions::default()),
        (120, 30),
    );
    let screen = text(&draw(&app, COLOR));
    assert!(screen.contains("2024-03-01 12:00:00.250"), "{screen}");
    assert!(screen.contains("2024-03-01 12:00:00.750"), "{screen}");
    let lone = screen.lines().find(|l| l.contains("12:00:05")).unwrap();
    assert!(
        !lone.contains("12:00:05."),
        "a second of its own needs no milliseconds: {lone}"
    );
}

/// The screens added since the first round, each at 80×24, 120×40 and 220×60: the command line,
/// the state card and its blame, the totals, a zoomed timeline, an unreadable line and the diff
/// with field changes. Each says what it is for at every size, and no cell is cut mid-character.
#[test]
fn the_newer_screens_hold_their_content_at_every_size() {
    let esc = |app: &mut App| {
        app.key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Esc,
            crossterm::event::KeyModifiers::NONE,
        ))
    };
    for (w, h) in [(80, 24), (120, 40), (220, 60)] {
        let size = format!("{w}×{h}");
        let mut app = sample_app(w, h);
        let check = |app: &App, what: &str, needles: &[&str]| {
            let buf = draw(app, COLOR);
            assert_cells_measurable(&buf, &format!("{size} {what}"));
            let screen = text(&buf);
            for needle in needles {
                assert!(
                    screen.contains(needle),
                    "{size} {what}: no {needle:?} in\n{screen}"
                );
            }
        };
        // The command line, with its hint.
        keys(&mut app, ":798");
        check(&app, "command line", &[":798"]);
        enter(&mut app);
        check(&app, "after :798", &["CardStatusChanged"]);
        // Kofi's card as of the shipment, then the blame of a field.
        keys(&mut app, ":account cust-kofi");
        enter(&mut app);
        enter(&mut app);
        check(&app, "state card", &["cust-kofi", "Millbrook", "shipped"]);
        keys(&mut app, "jj");
        enter(&mut app);
        check(&app, "blame", &["Blame of meta.city", "Millbrook", "799"]);
        esc(&mut app);
        esc(&mut app);
        // Totals of a filter.
        keys(&mut app, "faccount:=cust-dana");
        enter(&mut app);
        keys(&mut app, "=");
        check(&app, "totals", &["52 events"]);
        keys(&mut app, "F");
        // A zoomed timeline says what a column is.
        keys(&mut app, "zz");
        check(&app, "zoomed timeline", &["column"]);
        keys(&mut app, "ZZ");
        // The diff between the first and the last moment, with the field changes.
        keys(&mut app, "gmaGmbdab");
        // Balances and counts whole at every width (the account gives way first).
        check(
            &app,
            "diff",
            &["EVENTS", "2400.00  5690.86  +3290.86     65"],
        );
        if h >= 60 {
            check(&app, "diff", &["Millbrook"]);
        }
        esc(&mut app);
    }
    // An unreadable line, shown escaped with its number and why.
    for (w, h) in [(80, 24), (120, 40), (220, 60)] {
        let log = "{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":\"2024-03-01T10:00:00Z\"}\n{\"accountId\":\"a\",\u{1b}[31m\n";
        let mut app = App::new(
            load_bytes("t.jsonl", log.as_bytes().to_vec(), &LoadOptions::default()),
            (w, h),
        );
        keys(&mut app, "ge");
        enter(&mut app);
        let buf = draw(&app, COLOR);
        assert_cells_measurable(&buf, &format!("{w}×{h} unreadable line"));
        let screen = text(&buf);
        assert!(screen.contains("line 2"), "{w}×{h}: {screen}");
        assert!(
            screen.contains("\\u{1b}") || screen.contains("\\x1b") || screen.contains("\\e"),
            "{w}×{h}: {screen}"
        );
    }
}

/// The diff's events are made only where the screen shows them: scrolled to its end, the last
/// events of the span show, with their amounts and lines whole, and the header has gone by.
#[test]
fn a_diff_scrolled_to_its_last_events_shows_them() {
    let mut app = sample_app(120, 40);
    keys(&mut app, "gmaGmbdab");
    let rewind::tui::view::View::Diff(view) = &mut app.view else {
        panic!("the diff is open")
    };
    let events = view.diff.events.len();
    assert_eq!(events, 798);
    // Scrolled far enough that only the last events of the section are on screen.
    view.scroll = events;
    let screen = text(&draw(&app, COLOR));
    assert!(screen.contains("CardStatusChanged"), "{screen}");
    assert!(screen.contains("798"), "{screen}");
    assert!(
        !screen.contains("TIME "),
        "the header has gone by: {screen}"
    );
    assert_cells_measurable(&draw(&app, COLOR), "scrolled diff");
}
