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
    app.jump_to_time(parse_time("2024-03-14T15:59:30Z").unwrap());
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
    app.jump_to_time(parse_time("2024-03-14T16:00:30Z").unwrap());
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
    assert!(screen.contains("event 404 of 797"), "{screen}");
    assert!(screen.contains("✓ sealed, chain verified"));
    assert!(screen.contains("⚠ 3 problems"));
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
        let x = 47; // the gutter of the events pane
        assert_eq!(buf[(x, future)].symbol(), "·", "{screen}");
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
fn the_statement_lists_events_up_to_the_cursor_with_a_chart() {
    let mut app = sample_app(130, 40);
    at(&mut app, "2024-03-14T16:00:30Z");
    app.update(Action::NextPane);
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
    for (w, h) in [(20, 5), (1, 1), (49, 40), (130, 15), (50, 16), (80, 24)] {
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
            if w < 50 || h < 16 {
                assert!(screen.contains("window") || w * h < 30, "{w}x{h}: {screen}");
            }
        }
    }
}

#[test]
fn control_characters_never_reach_the_buffer() {
    let log = "{\"accountId\":\"evil\\u001b]0;pwned\\u0007\\u001b[2J\",\"type\":\"Deposit\\u001b[31m\",\"amount\":\"1\",\"timestamp\":1,\"meta\":{\"note\":\"\\u009b2J\\r\\n\"}}\n";
    let mut app = App::new(
        load_bytes(
            "evil.jsonl",
            log.as_bytes().to_vec(),
            &LoadOptions::default(),
        ),
        (130, 40),
    );
    let check = |buf: &Buffer| {
        for cell in buf.content() {
            assert!(
                !cell.symbol().chars().any(|c| c.is_control()),
                "a control character reached the buffer: {:?}",
                cell.symbol()
            );
        }
    };
    check(&draw(&app, COLOR));
    let screen = text(&draw(&app, COLOR));
    assert!(screen.contains("evil\\e]0;pwned"), "{screen}");
    app.update(Action::Open);
    check(&draw(&app, COLOR));
    app.update(Action::Back);
    app.update(Action::NextPane);
    app.update(Action::Open);
    check(&draw(&app, COLOR));
}

#[test]
fn main_screen_snapshot() {
    let mut app = sample_app(120, 36);
    at(&mut app, "2024-03-14T16:00:30Z");
    insta::assert_snapshot!(text(&draw(&app, COLOR)));
}
