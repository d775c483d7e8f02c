//! The real binary in a pseudo-terminal: keys typed as a person would, the screen read back through
//! a terminal emulator.

use crate::common;
use crate::fakepg;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// A running `rewind` in a pseudo-terminal.
struct Session {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Session {
    fn start(args: &[&str], cols: u16, rows: u16) -> Session {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_rewind"));
        cmd.args(args);
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        cmd.env("TERM", "xterm-256color");
        // Times in UTC whatever the machine's zone (the zone tests say --tz).
        cmd.env("TZ", "UTC");
        // Heads seen are remembered in a folder of this test run, never the user's.
        let state = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("pty-state-{}", std::process::id()));
        cmd.env("XDG_STATE_HOME", state);
        let child = pty.slave.spawn_command(cmd).expect("rewind starts");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(rows).unwrap(),
            std::num::NonZeroU16::new(cols).unwrap(),
            0,
        )));
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let _master = pty.master;
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        Session {
            screen,
            writer,
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `text` (or fails after a generous timeout).
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.contents();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {text:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // A lone Esc is told apart from an escape sequence by a short pause.
        std::thread::sleep(Duration::from_millis(60));
    }

    fn exit_code(mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.exit_code();
            }
            assert!(Instant::now() < deadline, "rewind did not exit");
            std::thread::sleep(Duration::from_millis(30));
        }
    }
}

#[test]
fn explore_the_sample_in_a_real_terminal() {
    let mut s = Session::start(&[], 120, 36);
    s.wait_for("799 events");
    s.wait_for("event 799 of 799");
    // Jump to a minute after the duplicated withdrawal.
    s.send("t");
    s.wait_for("jump to time:");
    s.send("2024-03-14 16:00:30\r");
    let screen = s.wait_for("as of 2024-03-14T16:00:30.000Z");
    assert!(screen.contains("-187.60"), "{screen}");
    // One event back: before the retry, the balance was still positive.
    s.send("h");
    let screen = s.wait_for("event 403 of 799");
    assert!(screen.contains("212.40"), "{screen}");
    // A bad time is refused inline.
    s.send("tnot a time\r");
    s.wait_for("is not a time");
    s.send("\x1b");
    // The event's details, then back.
    s.send("\r");
    s.wait_for("Fields as written in the log");
    s.send("\x1b");
    s.wait_for("Events in time order");
    // Help, then quit.
    s.send("?");
    s.wait_for("Keys");
    s.send("\x1b");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
}

#[test]
fn investigate_the_duplicated_withdrawal_in_a_real_terminal() {
    let mut s = Session::start(&[], 130, 42);
    s.wait_for("event 799 of 799");
    // Search the whole log for the ATM authorisation code (it is only in `meta`).
    s.send("/A7Q2K9");
    s.wait_for("2 matches");
    s.send("\r");
    s.wait_for("/A7Q2K9: match 1 of 2");
    s.wait_for("event 403 of 799");
    s.send("n");
    s.wait_for("event 404 of 799");
    // The next problem after it: the late purchase; back to the retry (a near-duplicate of 403).
    s.send("e");
    s.wait_for("line 549: out-of-order");
    s.send("E");
    s.wait_for("line 404: possible-duplicate");
    // Two marks around the duplicate, then the diff between them.
    s.send("t2024-03-14 15:58\r");
    s.wait_for("as of 2024-03-14T15:58:00.000Z");
    s.send("ma");
    s.wait_for("mark a set");
    s.send("t2024-03-14 16:01\r");
    s.wait_for("as of 2024-03-14T16:01:00.000Z");
    s.send("mb");
    s.wait_for("mark b set");
    s.send("dab");
    let screen = s.wait_for("What changed from mark a");
    assert!(screen.contains("-800.00"), "{screen}");
    assert!(
        screen.contains("2 events between the two moments"),
        "{screen}"
    );
    s.send("\x1b");
    s.wait_for("Events in time order");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
}

#[test]
fn every_problem_and_unreadable_line_is_reached_at_80_columns() {
    let log = concat!(
        r#"{"accountId":"cust-0417","type":"DEPOSIT","amount":"123456789012345678.00","timestamp":1000,"eventId":"x"}"#,
        "\n",
        r#"{"accountId":"cust-04170","type":"WITHDRAW","amount":"150","timestamp":2000,"eventId":"x"}"#,
        "\n",
        "not json \u{1b}[2J at all\n",
        "{\"accountId\":\"a\",\n",
        r#"{"accountId":"b","type":"DEPOSIT","amount":"5","timestamp":3000}"#,
        "\n",
    );
    let (dir, path) = common::log_file("two.jsonl", log);
    let path = path.to_string_lossy().into_owned();
    let mut s = Session::start(&[&path], 80, 24);
    let screen = s.wait_for("event 3 of 3");
    // At 80 columns the header keeps the integrity and the problem count; the amount is whole.
    assert!(screen.contains("unsealed"), "{screen}");
    assert!(screen.contains("⚠ 4 problems"), "{screen}");
    assert!(screen.contains("123456789012345678.00"), "{screen}");
    s.send("g");
    s.wait_for("event 1 of 3");
    s.send("e");
    s.wait_for("problem 1 of 2 on this event: line 2: duplicate-id");
    s.send("e");
    s.wait_for("problem 2 of 2 on this event: line 2: overdraft");
    s.send("e");
    s.wait_for("line 3: bad-json");
    s.send("e");
    s.wait_for("line 4: bad-json");
    s.send("E");
    s.wait_for("line 3: bad-json");
    // The unreadable line itself, escaped.
    s.send("\r");
    let screen = s.wait_for("Line 3 not an event");
    assert!(screen.contains("not json \\e[2J at all"), "{screen}");
    s.send("\x1b");
    s.wait_for("Events in time order");
    // The export's path, shown and edited before anything is written.
    s.send("x");
    s.wait_for("export to:");
    s.send("\x15"); // Ctrl-u
    let target = dir.path().join("no-such-folder").join("out.csv");
    s.send(&format!("{}\r", target.display()));
    s.wait_for("cannot write");
    s.send("\x15");
    let target = dir.path().join("out.csv");
    s.send(&format!("{}\r", target.display()));
    s.wait_for("wrote ");
    assert!(target.exists());
    s.send("q");
    assert_eq!(s.exit_code(), 0);
}

#[test]
fn the_command_line_and_the_jump_list_in_a_real_terminal() {
    let mut s = Session::start(&[], 120, 40);
    s.wait_for("event 799 of 799");
    s.send(":404\r");
    s.wait_for("event 404 of 799");
    s.send(":account cust-gr\t");
    s.wait_for(":account cust-grace");
    s.send("\r");
    s.wait_for("account cust-grace");
    s.send(":seq 12\r");
    s.wait_for("seq 12");
    // Back through the jumps, then forward.
    s.send("\x0f"); // Ctrl-o
    s.wait_for("PAYMENT cust-grace line 394");
    s.send("\x0f");
    s.wait_for("WITHDRAW cust-dana line 404");
    s.send("\x0f");
    s.wait_for("event 799 of 799");
    s.send("\x0e"); // Ctrl-n
    s.wait_for("event 404 of 799");
    // The history recalls the last command; the totals of a search.
    s.send(":\x1b[A");
    s.wait_for(":seq 12");
    s.send("\x1b");
    s.send("/A7Q2K9\r");
    s.wait_for("2 matches Σ -800.00");
    s.send("=");
    s.wait_for("/A7Q2K9: 2 events, net -800.00 — WITHDRAW 2: -800.00");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
}

#[test]
fn the_header_says_at_once_when_a_history_seen_before_was_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ledger.jsonl");
    let text = std::fs::read_to_string("assets/sample.jsonl").unwrap();
    std::fs::write(&log, &text).unwrap();
    let state = dir.path().join("state");
    let (p, st) = (log.to_str().unwrap(), state.to_str().unwrap());
    // The explorer sees the log once, and shows its head; `y` copies it.
    let mut s = Session::start(&[p, "--state-dir", st], 130, 36);
    s.wait_for("head 799:ad7d2d34");
    s.send("y");
    s.wait_for("copied the head digest 799:ad7d2d34343ea92833254ac2b8b97b66f584aa23e25302817e811fa7f82484a8");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
    // Record 799 rewritten and its hash recomputed: the chain holds, the head seen is gone.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let last = lines.pop().unwrap();
    let prev = rewind::ledger::chain::record_hash(lines.last().unwrap().as_bytes()).unwrap();
    let body =
        last[..last.find(",\"prev\":").unwrap()].replace("\"seq\":799", "\"seq\":799,\"x\":1");
    lines.push(rewind::ledger::chain::seal_line(&body, &prev).0);
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let mut s = Session::start(&[p, "--state-dir", st], 150, 36);
    // Said in the header, and whole on the message line (waited for whole: a frame may be
    // read half drawn).
    let screen = s.wait_for("record 799 is not the one seen then");
    assert!(screen.contains("✗ HISTORY REWRITTEN since"), "{screen}");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
}

#[test]
fn the_header_says_whether_the_log_holds_what_was_expected() {
    let mut s = Session::start(
        &[
            "assets/sample.jsonl",
            "--no-remember",
            "--expect",
            "799:ad7d2d34343ea92833254ac2b8b97b66f584aa23e25302817e811fa7f82484a8",
        ],
        150,
        36,
    );
    s.wait_for("✓ expected 799:ad7d2d34… holds");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
    let mut s = Session::start(
        &[
            "assets/sample.jsonl",
            "--no-remember",
            "--expect",
            "799:0000000000000000000000000000000000000000000000000000000000000000",
        ],
        150,
        36,
    );
    s.wait_for("✗ expected 799:00000000… DOES NOT HOLD");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
}

#[test]
fn a_log_that_cannot_be_read_is_one_clear_line() {
    let out = common::rewind().arg("/no/such/log.jsonl").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/no/such/log.jsonl"), "{err}");
}

#[test]
fn a_file_opens_in_the_explorer_and_the_terminal_is_restored() {
    let (_dir, path) = common::log_file(
        "small.jsonl",
        "{\"accountId\":\"acc-1\",\"type\":\"DEPOSIT\",\"amount\":1000,\"timestamp\":1709294400000}\n",
    );
    let mut s = Session::start(&[path.to_str().unwrap()], 100, 30);
    s.wait_for("1 event ·");
    s.wait_for("unsealed");
    s.send("q");
    let screen = s.screen.clone();
    assert_eq!(s.exit_code(), 0);
    // Leaving the alternate screen brings back the main one, which this session left empty.
    let parser = screen.lock().unwrap();
    assert!(
        !parser.screen().alternate_screen(),
        "still on the alternate screen"
    );
    assert!(
        !parser.screen().contents().contains("rewind"),
        "{}",
        parser.screen().contents()
    );
}

/// A log whose account ids and types hold text terminals measure otherwise than ratatui, or do
/// not draw: emoji joined with ZWJ, a flag, a skin tone, a variation selector, a keycap,
/// zero-width and format characters, a line separator, a combining mark on its own.
fn hostile_log() -> String {
    let names = [
        "fam👨\u{200d}👩\u{200d}👧",
        "flag🇫🇷",
        "thumb👍🏽",
        "heart❤\u{fe0f}",
        "kc1\u{fe0f}\u{20e3}",
        "zw\u{200b}sp",
        "soft\u{ad}hy",
        "ls\u{2028}x",
        "\u{301}lone",
    ];
    let mut log = String::new();
    for (i, name) in names.iter().enumerate() {
        let quoted = serde_json::to_string(name).unwrap();
        log.push_str(&format!(
            "{{\"accountId\":{quoted},\"type\":\"DEPOSIT\",\"amount\":\"{}.00\",\"timestamp\":{},\"meta\":{{\"note\":{quoted}}}}}\n",
            i + 1,
            1_709_280_000_000u64 + 2 * i as u64 * 60_000
        ));
        log.push_str(&format!(
            "{{\"accountId\":{quoted},\"type\":{quoted},\"timestamp\":{}}}\n",
            1_709_280_000_000u64 + (2 * i as u64 + 1) * 60_000
        ));
    }
    log
}

/// Where the real terminal's screen differs from the explorer's own drawing of the same state,
/// cell by cell (a wide character's second cell is not compared), or `None`.
fn differences(parser: &vt100::Parser, expected: &ratatui::buffer::Buffer) -> Option<String> {
    use unicode_width::UnicodeWidthStr;
    let screen = parser.screen();
    let mut out = String::new();
    for y in 0..expected.area.height {
        let mut x = 0;
        let mut drawn = String::new();
        let mut meant = String::new();
        let mut differs = false;
        while x < expected.area.width {
            let symbol = expected[(x, y)].symbol();
            let shown = screen
                .cell(y, x)
                .map(|c| c.contents().to_string())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| " ".to_string());
            differs |= shown != symbol;
            drawn.push_str(&shown);
            meant.push_str(symbol);
            x += (symbol.width() as u16).max(1);
        }
        if differs {
            out.push_str(&format!("row {y}\n  drawn: {drawn}\n  meant: {meant}\n"));
        }
    }
    (!out.is_empty()).then_some(out)
}

#[test]
fn hostile_names_are_drawn_where_the_explorer_means_them() {
    use rewind::ledger::{LoadOptions, load_bytes};
    use rewind::tui::action::Action;
    use rewind::tui::app::{App, Follow};
    let (cols, rows) = (150u16, 36u16);
    let log = hostile_log();
    let (_dir, path) = common::log_file("hostile.jsonl", &log);
    let p = path.to_str().unwrap();
    let mut s = Session::start(&[p], cols, rows);
    s.wait_for("event 18 of 18");
    // The same log and state drawn by the library: the layout the screen must show.
    let mut app = App::new(
        load_bytes(p, log.clone().into_bytes(), &LoadOptions::default()),
        (cols, rows),
    );
    app.follow = Follow::On { added: 0 };
    let expected = |app: &App| {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(cols, rows)).unwrap();
        terminal
            .draw(|f| rewind::tui::ui::draw(f, app, rewind::tui::theme::Theme { color: false }))
            .unwrap();
        terminal.backend().buffer().clone()
    };
    let compare = |s: &Session, app: &App, what: &str| {
        let want = expected(app);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let diff = differences(&s.screen.lock().unwrap(), &want);
            let Some(diff) = diff else { break };
            assert!(
                Instant::now() < deadline,
                "{what}: the terminal does not show the explorer's layout:\n{diff}"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
        let screen = s.contents();
        assert_eq!(
            screen.matches('▶').count(),
            1,
            "{what}: one cursor\n{screen}"
        );
        // The accounts pane has one selection (the problems pane below it has its own).
        let accounts = app.areas().accounts;
        let selected = (accounts.y..accounts.y + accounts.height)
            .filter(|&y| {
                s.screen
                    .lock()
                    .unwrap()
                    .screen()
                    .cell(y, accounts.x + 1)
                    .map(|c| c.contents().to_string())
                    == Some("▸".to_string())
            })
            .count();
        assert_eq!(selected, 1, "{what}: one selection\n{screen}");
    };
    compare(&s, &app, "the first screen");
    let screen = s.contents();
    for shown in [
        "fam👨\\u{200d}👩\\u{200d}👧",
        "flag\\u{1f1eb}\\u{1f1f7}",
        "zw\\u{200b}sp",
        "soft\\u{ad}hy",
        "\\u{301}lone",
    ] {
        assert!(screen.contains(shown), "{shown}:\n{screen}");
    }
    // Step back through the log: every frame's changes land where they are meant.
    for step in 1..=17 {
        s.send("h");
        app.update(Action::StepBack);
        s.wait_for(&format!("event {} of 18", 18 - step));
        compare(&s, &app, &format!("{step} steps back"));
    }
    // Down the accounts list, then the details of an event (meta and raw line).
    s.send("\t");
    app.update(Action::NextPane);
    s.send("\x1b[Z");
    app.update(Action::PrevPane);
    for step in 0..4 {
        s.send("j");
        app.update(Action::Down);
        compare(&s, &app, &format!("account {step}"));
    }
    s.send("q");
    assert_eq!(s.exit_code(), 0);
}

/// Waits for the loading screen, sends `key`, and expects the explorer to be gone.
fn quits_while_loading(args: &[&str], key: &str) {
    let mut s = Session::start(args, 100, 30);
    s.wait_for("rewind · loading");
    s.send(key);
    assert_eq!(s.exit_code(), 0, "{key:?}");
}

#[test]
fn the_loading_screen_quits_on_a_database_that_does_not_answer() {
    // The server answers the log-in with silence, and the URL asks to wait for ever.
    let server = fakepg::fake(fakepg::Until::Login);
    let url = format!(
        "postgres://u:pw@127.0.0.1:{}/db?sslmode=disable&connect_timeout=0",
        server.port
    );
    for key in ["q", "\x1b", "\x03"] {
        quits_while_loading(&[&url, "--preset", "message-db"], key);
    }
}

#[test]
fn quitting_the_loading_screen_cancels_the_query_on_the_server() {
    let server = fakepg::fake(fakepg::Until::FirstRow);
    let url = format!(
        "postgres://u:pw@127.0.0.1:{}/db?sslmode=disable&connect_timeout=0",
        server.port
    );
    let mut s = Session::start(&[&url, "--preset", "message-db"], 100, 30);
    s.wait_for("rewind · loading");
    server.wait_for_a_query();
    s.send("q");
    assert_eq!(s.exit_code(), 0);
    assert_eq!(server.cancels(), vec![(fakepg::PID, fakepg::KEY)]);
}

#[test]
fn quitting_the_loading_screen_waits_for_a_slow_cancel_request() {
    // The server takes its time over the cancel request's connection: the explorer closes, and
    // rewind ends once the request is sent.
    let server = fakepg::fake_slow_to_cancel(fakepg::Until::FirstRow);
    let url = format!(
        "postgres://u:pw@127.0.0.1:{}/db?sslmode=prefer&connect_timeout=0",
        server.port
    );
    let mut s = Session::start(&[&url, "--preset", "message-db"], 100, 30);
    s.wait_for("rewind · loading");
    server.wait_for_a_query();
    s.send("q");
    assert_eq!(s.exit_code(), 0);
    assert_eq!(server.cancels(), vec![(fakepg::PID, fakepg::KEY)]);
}

#[test]
fn the_loading_screen_quits_during_a_long_file_load() {
    // Ten million bad lines: every one a problem, a long load however the machine goes.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    std::fs::write(&path, "x\n".repeat(10_000_000)).unwrap();
    let mut s = Session::start(&[path.to_str().unwrap()], 100, 30);
    s.wait_for("rewind · loading");
    // The phase, and once a piece is read, the time left.
    s.wait_for(" · reading");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
}

#[test]
fn times_are_shown_and_typed_in_the_zone_given_and_u_switches_to_utc() {
    let mut s = Session::start(&["--tz", "America/New_York"], 130, 40);
    s.wait_for("event 799 of 799");
    // The last event, 2024-03-29T15:20:00Z, is 11:20 in New York (EDT, UTC−4).
    s.wait_for("as of 2024-03-29T11:20:00.000-04:00 America/New_York (EDT)");
    // The timeline's times too (waited for: a frame may arrive in pieces).
    s.wait_for("2024-03-29 11:20:00");
    // A time typed without an offset is New York's; a time of day alone is on the cursor's day.
    s.send("t");
    s.wait_for("jump to time:");
    s.send("2024-03-14 12:00:30\r");
    s.wait_for("as of 2024-03-14T12:00:30.000-04:00");
    s.send("t");
    s.wait_for("jump to time:");
    s.send("11:59:30\r");
    s.wait_for("as of 2024-03-14T11:59:30.000-04:00");
    // A minute forward, then UTC.
    s.send(")");
    s.wait_for("as of 2024-03-14T12:00:30.000-04:00");
    s.send("u");
    let screen = s.wait_for("as of 2024-03-14T16:00:30.000Z");
    assert!(!screen.contains("America/New_York"), "{screen}");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
    // A zone that is none is refused before anything is read.
    let (code, _, err) = crate::common::run(&["--tz", "Mars/Olympus"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a time zone"), "{err}");
}

#[test]
fn an_investigation_saved_in_one_session_opens_in_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inv.json");
    let mut s = Session::start(&[], 130, 40);
    s.wait_for("event 799 of 799");
    s.send("t");
    s.wait_for("jump to time:");
    s.send("2024-03-14 16:00:30\r");
    s.wait_for("as of 2024-03-14T16:00:30.000Z");
    s.send(&format!(":save {}\r", path.display()));
    s.wait_for("investigation saved");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
    let inv = path.display().to_string();
    let mut s = Session::start(&["--investigation", &inv], 130, 40);
    s.wait_for("investigation resumed");
    s.wait_for("as of 2024-03-14T16:00:30.000Z");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
    let (code, _, err) = crate::common::run(&["--investigation", "no-such-investigation.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-investigation.json"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// The README's "An incident, key by key", exactly as written there.
#[test]
fn the_readmes_incident_walkthrough_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("dana-atm.json");
    let mut s = Session::start(&[], 140, 44);
    s.wait_for("event 799 of 799");
    // 1. The first problem: the retried withdrawal.
    s.send("g");
    s.send("e");
    s.wait_for("overdraft");
    // 2. Pivot: the ATM, then its authorisation code.
    s.send("*");
    s.wait_for("pivot 1/5: meta.atm:=");
    s.send("*");
    s.wait_for("pivot 2/5: meta.authCode:=\"A7Q2K9\" · 2 events");
    s.wait_for("400.00");
    // 3. How much: the totals of what the filter shows.
    s.send("=");
    s.wait_for("-800.00");
    // 4. A note, and the investigation saved for the ticket.
    s.send(":note host retry after timeout: 400.00 applied twice\r");
    s.wait_for("kept");
    s.send(&format!(":save {}\r", saved.display()));
    s.wait_for("investigation saved");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
    // 5. A colleague opens it and lands there.
    let inv = saved.display().to_string();
    let mut s = Session::start(&["--investigation", &inv], 140, 44);
    s.wait_for("investigation resumed");
    s.wait_for("meta.authCode");
    s.send("\r");
    s.wait_for("host retry after timeout: 400.00 applied twice");
    s.send("\x1b");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
}

/// The README's "A shipment, key by key", key by key.
#[test]
fn the_readmes_shipment_walkthrough_runs_as_written() {
    let mut s = Session::start(&[], 140, 44);
    s.wait_for("event 799 of 799");
    // 1. The shipment.
    s.send(":798\r");
    s.wait_for("CardStatusChanged cust-kofi line 798");
    // 2. Kofi's card in time order: the new address.
    s.send(":account cust-kofi\r");
    s.send("\r");
    s.wait_for("State of cust-kofi");
    s.wait_for("Millbrook");
    let screen = s.wait_for("line 799 · AddressChanged");
    assert!(!screen.contains("Harbourside"), "{screen}");
    // 3. Recorded order: what the log held when the card was shipped.
    s.send("o");
    s.wait_for("as of seq 798 · recorded order");
    let screen = s.wait_for("Harbourside");
    assert!(screen.contains("line 343 · AddressChanged"), "{screen}");
    // 4. The blame of the city: the change recorded after the shipment.
    s.send("j");
    s.send("\r");
    s.wait_for("Blame of meta.city");
    s.wait_for("Harbourside → Millbrook");
    s.send("\x1b");
    s.send("\x1b");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
}

/// Writes `rewind generate --story NAME` into `dir` and returns the log's path.
fn story(dir: &std::path::Path, name: &str) -> String {
    let out = common::rewind()
        .args(["generate", "--story", name])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = dir.join(format!("{name}.jsonl"));
    std::fs::write(&path, out.stdout).unwrap();
    path.display().to_string()
}

/// The README's "A disputed charge, key by key", key by key.
#[test]
fn the_readmes_dispute_walkthrough_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let log = story(dir.path(), "dispute");
    let mut s = Session::start(&[&log], 140, 44);
    s.wait_for("event 3,000 of 3,000");
    // 1. Find her in the accounts pane; the lookalike id is the row below.
    s.send("a");
    s.send("cust-0417");
    s.send("\r");
    let screen = s.wait_for("▸  cust-0417 ");
    let rows: Vec<&str> = screen.lines().collect();
    let at = rows
        .iter()
        .position(|r| r.contains("▸  cust-0417 "))
        .unwrap();
    assert!(rows[at + 1].contains("cust-04170"), "{screen}");
    // 2. Her Nordlicht charges only.
    s.send("faccount:=cust-0417 meta.merchant:nordlicht\r");
    s.wait_for("Σ -597.40");
    s.wait_for("15:59:41");
    // 3. The flagged one's details.
    s.send("\t");
    s.send("e");
    s.send("\r");
    s.wait_for("possible-duplicate repeats line 1342");
    s.wait_for("38.000 s");
    s.wait_for("terminal retry after timeout");
    s.wait_for("\"N7F3Q2\"");
    s.send("\x1b");
    // 4. Pivot on the authorisation code, and what it adds up to.
    s.send("*");
    s.wait_for("meta.authCode:=\"N7F3Q2\" · 2 events");
    s.send("=");
    s.wait_for("2 events, net -499.98");
    // 5. The code for the chargeback form.
    s.send("\r");
    s.send("Y");
    s.send("meta.authCode\r");
    s.wait_for("copied meta.authCode of line 1343");
    s.send("\x1b");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
}

/// The README's "A batch applied twice, key by key", key by key.
#[test]
fn the_readmes_batch_walkthrough_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let log = story(dir.path(), "incident");
    let saved = dir.path().join("batch-0603.json");
    let mut s = Session::start(&[&log], 140, 44);
    // 1. Sealed and intact, with 50 problems.
    s.wait_for("✓ sealed, chain verified");
    s.wait_for("⚠ 50 problems");
    // 2. How many, and how much.
    s.send("fproblem:duplicate\r");
    s.send("=");
    s.wait_for("50 events, net -9811.33 — BILL_PAID 50: -9811.33");
    // 3. The first repeat.
    s.send("g");
    s.send("\r");
    s.wait_for("repeats line 4124");
    s.wait_for("\"BATCH-0603\"");
    s.wait_for("✓ verified");
    s.send("\x1b");
    // 4. Every second attempt of the batch, and nothing else.
    s.send("F");
    s.send("fmeta.batch:=BATCH-0603 meta.attempt:=2\r");
    s.send("=");
    s.wait_for("meta.attempt:=2: 50 events, net -9811.33");
    // 5. Saved for the ticket.
    s.send(&format!(":save {}\r", saved.display()));
    s.wait_for("investigation saved");
    s.send("q");
    assert_eq!(s.exit_code(), 0);
    assert!(saved.exists());
}
