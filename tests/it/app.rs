//! The explorer driven by keys and actions, without a terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use rewind::ledger::follow::FileFollower;
use rewind::ledger::time::parse_time;
use rewind::ledger::{LoadOptions, Millis, Moment, load_bytes, load_file};
use rewind::tui::action::Action;
use rewind::tui::app::{App, Follow};
use rewind::tui::state::Order;
use rewind::tui::view::{CardView, DetailView, DiffView, Pane, PromptKind, StatementView, View};

const LOG: &str = r#"{"accountId":"a","type":"DEPOSIT","amount":"100","timestamp":"2024-03-01T10:00:00Z"}
{"accountId":"b","type":"DEPOSIT","amount":"5","timestamp":"2024-03-01T10:00:00Z"}
{"accountId":"a","type":"WITHDRAW","amount":"30","timestamp":"2024-03-01T11:30:00Z"}
{"accountId":"a","type":"WITHDRAW","amount":"30","timestamp":"2024-03-02T12:00:00Z"}
{"accountId":"c","type":"DEPOSIT","amount":"1","timestamp":"2024-03-03T09:00:00Z"}
"#;

fn app_of(text: &str) -> App {
    App::new(
        load_bytes("t.jsonl", text.as_bytes().to_vec(), &LoadOptions::default()),
        (120, 40),
    )
}

fn app() -> App {
    app_of(LOG)
}

fn sample() -> App {
    App::new(
        load_bytes(
            "sample.jsonl",
            std::fs::read("assets/sample.jsonl").unwrap(),
            &LoadOptions::default(),
        ),
        (130, 42),
    )
}

fn t(s: &str) -> Millis {
    parse_time(s).unwrap()
}

fn press(app: &mut App, code: KeyCode) {
    app.key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn balance(app: &App, account: &str) -> String {
    let a = app.state.ledger.find_account(account).unwrap();
    app.state
        .ledger
        .account_at(a, app.state.moment())
        .balance
        .to_string()
}

// ----- moving in time -----

#[test]
fn starts_at_the_last_moment() {
    let app = app();
    assert_eq!(app.state.cursor.pos, Some(4));
    assert_eq!(app.state.cursor.time, t("2024-03-03T09:00:00Z"));
}

#[test]
fn steps_move_one_event_and_stop_at_the_ends() {
    let mut app = app();
    app.update(Action::StepBack);
    assert_eq!(app.state.cursor.pos, Some(3));
    assert_eq!(app.state.cursor.time, t("2024-03-02T12:00:00Z"));
    app.update(Action::First);
    assert_eq!(app.state.cursor.pos, Some(0));
    app.update(Action::StepBack);
    assert_eq!(app.state.cursor.pos, Some(0));
    app.update(Action::StepForward);
    // Two events share 10:00: the second is selected, the moment is the same.
    assert_eq!(app.state.cursor.pos, Some(1));
    assert_eq!(app.state.cursor.time, t("2024-03-01T10:00:00Z"));
    app.update(Action::Last);
    app.update(Action::StepForward);
    assert_eq!(app.state.cursor.pos, Some(4));
}

#[test]
fn hours_and_days_move_the_moment() {
    let mut app = app();
    app.update(Action::First);
    app.update(Action::HourForward);
    assert_eq!(app.state.cursor.time, t("2024-03-01T11:00:00Z"));
    assert_eq!(
        app.state.cursor.pos,
        Some(1),
        "the last event at or before 11:00"
    );
    app.update(Action::DayForward);
    assert_eq!(app.state.cursor.time, t("2024-03-02T11:00:00Z"));
    assert_eq!(app.state.cursor.pos, Some(2));
    app.update(Action::DayForward);
    app.update(Action::DayForward);
    assert_eq!(
        app.state.cursor.time,
        t("2024-03-03T09:00:00Z"),
        "clamped to the last event"
    );
    for _ in 0..3 {
        app.update(Action::DayBack);
    }
    assert_eq!(
        app.state.cursor.time,
        t("2024-03-01T10:00:00Z") - 1,
        "just before the first event"
    );
    assert_eq!(app.state.cursor.pos, None);
    assert_eq!(balance(&app, "a"), "0");
    app.update(Action::StepForward);
    assert_eq!(app.state.cursor.pos, Some(0));
}

#[test]
fn the_jump_prompt_takes_absolute_and_relative_times() {
    let mut app = app();
    press(&mut app, KeyCode::Char('t'));
    assert!(app.prompt.is_some());
    keys(&mut app, "2024-03-01 11:30");
    press(&mut app, KeyCode::Enter);
    assert!(app.prompt.is_none());
    assert_eq!(app.state.cursor.time, t("2024-03-01T11:30:00Z"));
    assert_eq!(
        app.state.cursor.pos,
        Some(2),
        "inclusive: the 11:30 event is included"
    );
    assert_eq!(balance(&app, "a"), "70");
    keys(&mut app, "t-15m");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.cursor.time, t("2024-03-01T11:15:00Z"));
    assert_eq!(app.state.cursor.pos, Some(1));
    keys(&mut app, "t+1d");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.cursor.time, t("2024-03-02T11:15:00Z"));
    keys(&mut app, "t1709294400000");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.cursor.time, t("2024-03-01T12:00:00Z"));
}

#[test]
fn a_bad_time_keeps_the_prompt_open_with_an_error() {
    let mut app = app();
    let before = app.state.cursor;
    keys(&mut app, "ttomorrow-ish");
    press(&mut app, KeyCode::Enter);
    let prompt = app.prompt.as_ref().expect("still open");
    assert!(prompt.error.as_deref().unwrap().contains("not a time"));
    assert_eq!(app.state.cursor, before);
    press(&mut app, KeyCode::Backspace);
    assert!(app.prompt.as_ref().unwrap().error.is_none());
    press(&mut app, KeyCode::Esc);
    assert!(app.prompt.is_none());
    assert_eq!(app.state.cursor, before);
}

#[test]
fn keys_typed_in_a_prompt_are_not_commands() {
    let mut app = app();
    keys(&mut app, "tq");
    assert!(!app.quit);
    assert_eq!(app.prompt.as_ref().unwrap().input, "q");
}

#[test]
fn focus_views_and_back() {
    let mut app = app();
    assert_eq!(app.main.focus, Pane::Events);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.view, View::Detail(DetailView { scroll: 0 }));
    // Time keys still work in the detail view; the detail follows the cursor.
    press(&mut app, KeyCode::Left);
    assert_eq!(app.state.cursor.pos, Some(3));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.view, View::Main);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.main.focus, Pane::Accounts);
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.main.account_sel, 1);
    press(&mut app, KeyCode::Enter);
    let b = app.state.ledger.find_account("b").unwrap();
    // An account opens on its state card; `s` opens its statement.
    assert_eq!(app.view, View::Card(CardView::new(b)));
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(
        app.view,
        View::Statement(StatementView {
            account: b,
            scroll: None
        })
    );
    press(&mut app, KeyCode::Char('?'));
    assert!(app.help.is_some());
    press(&mut app, KeyCode::Esc);
    assert!(app.help.is_none());
    assert!(matches!(app.view, View::Statement(_)));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.view, View::Main);
    press(&mut app, KeyCode::BackTab);
    assert_eq!(app.main.focus, Pane::Problems);
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn moving_in_the_events_list_moves_the_cursor() {
    let mut app = app();
    press(&mut app, KeyCode::Char('k'));
    press(&mut app, KeyCode::Up);
    assert_eq!(app.state.cursor.pos, Some(2));
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.state.cursor.pos, Some(3));
}

#[test]
fn the_cursor_row_stays_in_view_after_any_move_and_resize() {
    let text: String = (0..500)
        .map(|i| {
            format!(
                "{{\"accountId\":\"a{}\",\"type\":\"DEPOSIT\",\"amount\":1,\"timestamp\":{}}}\n",
                i % 40,
                i * 1000
            )
        })
        .collect();
    let mut app = App::new(
        load_bytes("t", text.into_bytes(), &LoadOptions::default()),
        (100, 30),
    );
    let visible = |app: &App| {
        let rows = app.areas().events.height.saturating_sub(3) as usize;
        let row = app.state.cursor_row();
        row >= app.main.events_offset && row < app.main.events_offset + rows
    };
    for action in [
        Action::First,
        Action::PageForward,
        Action::StepBack,
        Action::Last,
        Action::HourBack,
    ] {
        app.update(action);
        assert!(visible(&app), "{action:?}");
    }
    app.resize(60, 20);
    app.update(Action::Last);
    assert!(visible(&app));
    app.resize(20, 5);
    app.update(Action::StepBack);
}

#[test]
fn an_empty_log_does_not_panic() {
    let mut app = app_of("");
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
        Action::NextProblem,
        Action::NextMatch,
        Action::ToggleOrder,
        Action::Export,
    ] {
        app.update(action);
    }
    assert_eq!(app.state.cursor.pos, None);
}

// ----- search -----

#[test]
fn search_covers_the_whole_log_as_you_type() {
    let mut app = sample();
    app.update(Action::First);
    press(&mut app, KeyCode::Char('/'));
    keys(&mut app, "a7q2");
    // The authCode is in `meta`, not on screen; it is found as the text is typed.
    assert_eq!(app.state.search.as_ref().unwrap().events.len(), 2);
    keys(&mut app, "k9");
    press(&mut app, KeyCode::Enter);
    let s = app.state.search.as_ref().unwrap();
    assert_eq!(s.query, "a7q2k9");
    assert_eq!(s.events.len(), 2);
    // Enter moved the cursor to the first match after it.
    assert_eq!(app.state.cursor.time, t("2024-03-14T15:59:03.120Z"));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.state.cursor.time, t("2024-03-14T16:00:02.870Z"));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(
        app.state.cursor.time,
        t("2024-03-14T15:59:03.120Z"),
        "wraps around"
    );
    assert!(app.status.as_deref().unwrap().contains("wrapped"));
    press(&mut app, KeyCode::Char('N'));
    assert_eq!(app.state.cursor.time, t("2024-03-14T16:00:02.870Z"));
    assert!(app.state.is_match(app.state.cursor_event().unwrap()));
}

#[test]
fn escape_while_searching_restores_the_previous_search() {
    let mut app = sample();
    keys(&mut app, "/cust-bob");
    press(&mut app, KeyCode::Enter);
    let before = app.state.search.clone();
    keys(&mut app, "/zzz-nothing");
    assert_eq!(app.state.search.as_ref().unwrap().events.len(), 0);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.state.search, before);
    keys(&mut app, "/nothing-at-all");
    press(&mut app, KeyCode::Enter);
    assert!(app.status.as_deref().unwrap().contains("no event contains"));
}

// ----- filters -----

#[test]
fn filters_narrow_the_list_but_never_the_balances() {
    let mut app = sample();
    let balances_before = app.state.ledger.balances_at(app.state.moment());
    keys(&mut app, "faccount:dana type:withdraw");
    press(&mut app, KeyCode::Enter);
    let listed = app.state.listed();
    assert!(listed > 0 && listed < 20, "{listed}");
    for k in 0..listed {
        let e = app
            .state
            .ledger
            .event(app.state.event_at(app.state.listed_pos(k)));
        assert_eq!(app.state.ledger.account_name(e.account), "cust-dana");
        assert_eq!(app.state.ledger.type_name(e.kind), "WITHDRAW");
    }
    assert_eq!(
        app.state.ledger.balances_at(app.state.moment()),
        balances_before
    );
    // Steps go from one shown event to the next.
    app.update(Action::First);
    let first = app.state.cursor_event().unwrap();
    app.update(Action::StepForward);
    let second = app.state.cursor_event().unwrap();
    assert_eq!(
        app.state
            .ledger
            .account_name(app.state.ledger.event(second).account),
        "cust-dana"
    );
    assert!(second != first);
    // Amounts compare exactly; one key clears it all.
    keys(&mut app, "f");
    press(&mut app, KeyCode::Char('u'));
    app.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    keys(&mut app, "amount:1240");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.listed(), 1);
    press(&mut app, KeyCode::Char('F'));
    assert!(app.state.filter.is_none());
    assert_eq!(app.state.listed(), app.state.ledger.len());
}

#[test]
fn a_bad_filter_is_refused_inline() {
    let mut app = sample();
    keys(&mut app, "fcolour:red");
    press(&mut app, KeyCode::Enter);
    assert!(
        app.prompt
            .as_ref()
            .unwrap()
            .error
            .as_deref()
            .unwrap()
            .contains("not a filter")
    );
    assert!(app.state.filter.is_none());
}

// ----- problems -----

#[test]
fn e_and_shift_e_walk_the_problems() {
    let mut app = sample();
    app.update(Action::First);
    // (Kofi's `AddressChanged`, line 343, is a change of state: no problem.)
    press(&mut app, KeyCode::Char('e'));
    assert_eq!(
        app.state
            .ledger
            .event(app.state.cursor_event().unwrap())
            .line,
        404
    );
    assert!(app.status.as_deref().unwrap().contains("overdraft"));
    // Line 404's second problem is a stop of its own: the ATM's retry of line 403.
    press(&mut app, KeyCode::Char('e'));
    assert!(
        app.status
            .as_deref()
            .unwrap()
            .contains("possible-duplicate"),
        "{:?}",
        app.status
    );
    press(&mut app, KeyCode::Char('e'));
    let late = app.state.cursor_event().unwrap();
    assert_eq!(app.state.ledger.event(late).line, 549);
    // In time order the late event sits on the 19th, where it happened.
    assert_eq!(app.state.cursor.time, t("2024-03-19T23:47:10Z"));
    press(&mut app, KeyCode::Char('E'));
    assert_eq!(
        app.state
            .ledger
            .event(app.state.cursor_event().unwrap())
            .line,
        404
    );
    // Back on line 404 at its last problem: the ATM's retry, a near-duplicate of line 403.
    assert_eq!(app.main.problem_sel, 1);
    assert!(
        app.status
            .as_deref()
            .unwrap()
            .contains("line 404: possible-duplicate"),
        "{:?}",
        app.status
    );
}

#[test]
fn the_problems_pane_opens_a_problem_even_on_a_bad_line() {
    let text = format!(
        "{}not json\n",
        &LOG[..LOG.find("{\"accountId\":\"c\"").unwrap()]
    );
    let mut app = app_of(&text);
    assert_eq!(app.state.ledger.problems().len(), 1);
    app.update(Action::First);
    app.update(Action::NextPane);
    assert_eq!(app.main.focus, Pane::Problems);
    press(&mut app, KeyCode::Enter);
    // The bad line 5 has no event: the cursor goes to the event recorded just before it.
    assert_eq!(
        app.state
            .ledger
            .event(app.state.cursor_event().unwrap())
            .line,
        4
    );
    assert!(
        app.status
            .as_deref()
            .unwrap()
            .starts_with("line 5: bad-json")
    );
}

fn cursor_line(app: &App) -> u64 {
    app.state
        .ledger
        .event(app.state.cursor_event().unwrap())
        .line
}

const TWO_ON_ONE: &str = concat!(
    r#"{"accountId":"a","type":"DEPOSIT","amount":"100","timestamp":1000,"eventId":"x"}"#,
    "\n",
    r#"{"accountId":"a","type":"WITHDRAW","amount":"150","timestamp":2000,"eventId":"x"}"#,
    "\n",
    "not json \u{1b}[2J at all\n",
    r#"{"accountId":"a","type":"DEPOSIT","amount":"1","#,
    "\n",
    r#"{"accountId":"b","type":"DEPOSIT","amount":"5","timestamp":3000}"#,
    "\n",
);

#[test]
fn every_problem_is_a_stop_in_line_order() {
    let mut app = app_of(TWO_ON_ONE);
    assert_eq!(app.state.ledger.problems().len(), 4);
    app.update(Action::First);
    press(&mut app, KeyCode::Char('e'));
    assert_eq!(cursor_line(&app), 2);
    let said = app.status.clone().unwrap();
    assert!(
        said.starts_with("problem 1 of 2 on this event: line 2: duplicate-id"),
        "{said}"
    );
    press(&mut app, KeyCode::Char('e'));
    assert_eq!(cursor_line(&app), 2, "the second problem of the same event");
    let said = app.status.clone().unwrap();
    assert!(
        said.starts_with("problem 2 of 2 on this event: line 2: overdraft"),
        "{said}"
    );
    assert_eq!(app.main.problem_sel, 1);
    // Two unreadable lines after the same event: each is a stop of its own.
    press(&mut app, KeyCode::Char('e'));
    assert!(
        app.status
            .as_deref()
            .unwrap()
            .starts_with("line 3: bad-json")
    );
    assert!(
        app.status
            .as_deref()
            .unwrap()
            .contains("Enter shows the line")
    );
    assert_eq!(cursor_line(&app), 2, "the moment of the event before it");
    press(&mut app, KeyCode::Char('e'));
    assert!(
        app.status
            .as_deref()
            .unwrap()
            .starts_with("line 4: bad-json")
    );
    assert_eq!(app.main.problem_sel, 3);
    press(&mut app, KeyCode::Char('e'));
    assert!(app.status.as_deref().unwrap().ends_with("(wrapped)"));
    assert_eq!(app.main.problem_sel, 0);
    // Backwards, every stop again.
    let mut seen = Vec::new();
    for _ in 0..4 {
        press(&mut app, KeyCode::Char('E'));
        seen.push(app.main.problem_sel);
    }
    assert_eq!(seen, [3, 2, 1, 0]);
    // Moving the cursor forgets the stop: `e` goes on from the cursor's line.
    app.update(Action::Last);
    press(&mut app, KeyCode::Char('E'));
    assert_eq!(app.main.problem_sel, 3, "the last problem before line 5");
}

#[test]
fn enter_on_an_unreadable_line_shows_the_line_itself() {
    let mut app = app_of(TWO_ON_ONE);
    app.update(Action::First);
    keys(&mut app, "eee");
    press(&mut app, KeyCode::Enter);
    let View::Line(view) = &app.view else {
        panic!("not the line: {:?}", app.view)
    };
    assert_eq!(view.line, 3);
    assert_eq!(view.text.as_deref(), Some("not json \\e[2J at all"));
    assert_eq!(view.problems.len(), 1);
    assert_eq!(view.problems[0].0, "bad-json");
    assert!(view.problems[0].1.contains("invalid JSON"), "{view:?}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.view, View::Main);
    // On an event that has problems, Enter shows the event.
    app.update(Action::First);
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.view, View::Detail(_)), "{:?}", app.view);
    press(&mut app, KeyCode::Esc);
    // From the problems pane, Enter on the line 4 opens it.
    app.main.focus = Pane::Problems;
    app.main.problem_sel = 3;
    press(&mut app, KeyCode::Enter);
    let View::Line(view) = &app.view else {
        panic!("not the line: {:?}", app.view)
    };
    assert_eq!(view.line, 4);
    assert_eq!(
        view.text.as_deref(),
        Some(r#"{"accountId":"a","type":"DEPOSIT","amount":"1","#)
    );
    assert!(!view.cut);
}

#[test]
fn e_on_a_broken_chain_lands_on_the_broken_record() {
    let mut bytes = std::fs::read("assets/sample.jsonl").unwrap();
    let all = String::from_utf8(bytes.clone()).unwrap();
    let line_403 = all.find("{\"seq\":403,").unwrap();
    let at_amount = line_403 + all[line_403..].find("\"amount\":\"400.00\"").unwrap();
    bytes[at_amount + 10] = b'5'; // 400.00 → 500.00 on line 403
    let mut app = App::new(
        load_bytes("tampered.jsonl", bytes, &LoadOptions::default()),
        (130, 42),
    );
    app.update(Action::First);
    // The first problem is the broken record (line 343's AddressChanged is a change of state).
    keys(&mut app, "e");
    let said = app.status.clone().unwrap();
    assert!(said.starts_with("line 403: chain-broken"), "{said}");
    assert_eq!(
        cursor_line(&app),
        403,
        "the broken record, not the one before"
    );
    assert!(!said.contains("Enter shows the line"), "{said}");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.view, View::Detail(_)), "{:?}", app.view);
    // Backwards from after it, the same record.
    press(&mut app, KeyCode::Esc);
    app.update(Action::Last);
    keys(&mut app, "EEE");
    assert_eq!(cursor_line(&app), 403);
}

#[test]
fn an_exact_account_filter_matches_that_id_only() {
    let log = concat!(
        r#"{"accountId":"cust-0417","type":"DEPOSIT","amount":"1","timestamp":1}"#,
        "\n",
        r#"{"accountId":"cust-04170","type":"DEPOSIT","amount":"2","timestamp":2}"#,
        "\n",
        r#"{"accountId":"cust-04170","type":"TRANSFER","amount":"1","to":"cust-0417","timestamp":3}"#,
        "\n",
    );
    let mut app = app_of(log);
    keys(&mut app, "faccount:cust-0417");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.listed(), 3, "a part matches both");
    for exact in ["faccount:=cust-0417", "faccount:\"cust-0417\""] {
        press(&mut app, KeyCode::Char('F'));
        keys(&mut app, exact);
        press(&mut app, KeyCode::Enter);
        assert!(app.prompt.is_none(), "{:?}", app.prompt);
        // Its own deposit, and the transfer to it; not the other account's deposit.
        assert_eq!(
            app.state.visible.as_deref(),
            Some(&[0u32, 2][..]),
            "{exact}"
        );
    }
    press(&mut app, KeyCode::Char('F'));
    keys(&mut app, "faccount:=");
    press(&mut app, KeyCode::Enter);
    assert!(app.prompt.as_ref().unwrap().error.is_some());
}

#[test]
fn tab_goes_accounts_events_problems() {
    for size in [(130, 42), (80, 24)] {
        let mut app = sample();
        app.resize(size.0, size.1);
        app.main.focus = Pane::Accounts;
        let mut seen = vec![app.main.focus];
        for _ in 0..3 {
            press(&mut app, KeyCode::Tab);
            seen.push(app.main.focus);
        }
        assert_eq!(
            seen,
            [Pane::Accounts, Pane::Events, Pane::Problems, Pane::Accounts],
            "{size:?}"
        );
        app.key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
        assert_eq!(app.main.focus, Pane::Problems);
    }
}

#[test]
fn totals_of_the_filter_the_matches_and_the_events_between_marks() {
    let mut app = sample();
    press(&mut app, KeyCode::Char('='));
    assert!(
        app.status
            .as_deref()
            .unwrap()
            .starts_with("totals: filter (f)")
    );
    // The matches of a search: the two withdrawals of the duplicated ATM authorisation.
    keys(&mut app, "/A7Q2K9");
    press(&mut app, KeyCode::Enter);
    let search = app.state.search.clone().unwrap();
    assert_eq!(search.totals.count, 2);
    assert_eq!(search.totals.net.unwrap().to_string(), "-800.00");
    press(&mut app, KeyCode::Char('='));
    assert_eq!(
        app.status.as_deref(),
        Some("/A7Q2K9: 2 events, net -800.00 — WITHDRAW 2: -800.00")
    );
    press(&mut app, KeyCode::Esc);
    // The events the filter shows, per type, exactly.
    keys(&mut app, "faccount:=cust-dana");
    press(&mut app, KeyCode::Enter);
    let t = app.state.filter_totals.clone().unwrap();
    assert_eq!(t.count, app.state.listed());
    let dana = app.state.ledger.find_account("cust-dana").unwrap();
    let end = app
        .state
        .ledger
        .account_at(dana, rewind::ledger::Moment::End)
        .balance;
    assert_eq!(
        t.net,
        Some(end),
        "no transfer touches cust-dana: the net of her events is her balance"
    );
    let by_type: usize = t.by_type.iter().map(|k| k.count).sum();
    assert_eq!(by_type, t.count);
    press(&mut app, KeyCode::Char('='));
    let said = app.status.clone().unwrap();
    assert!(said.starts_with("filter account:=cust-dana: "), "{said}");
    assert!(
        said.contains(&format!("net {}", end.signed_string())),
        "{said}"
    );
    press(&mut app, KeyCode::Char('F'));
    // Between two marks: the diff's events.
    keys(&mut app, "t2024-03-14 15:58");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "ma");
    keys(&mut app, "t2024-03-14 16:01");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "mbdab");
    press(&mut app, KeyCode::Char('='));
    assert_eq!(
        app.status.as_deref(),
        Some("between the two moments: 2 events, net -800.00 — WITHDRAW 2: -800.00")
    );
}

#[test]
fn the_command_line_goes_to_lines_seqs_accounts_and_times() {
    let mut app = sample();
    keys(&mut app, ":404");
    press(&mut app, KeyCode::Enter);
    assert_eq!(cursor_line(&app), 404);
    keys(&mut app, ":line 343");
    press(&mut app, KeyCode::Enter);
    assert_eq!(cursor_line(&app), 343);
    keys(&mut app, ":seq 549");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.state.ledger.seq_of(app.state.cursor_event().unwrap()),
        549
    );
    // Tab completes an account's id.
    keys(&mut app, ":account cust-da");
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.prompt.as_ref().unwrap().input, "account cust-dana");
    press(&mut app, KeyCode::Enter);
    let dana = app.state.ledger.find_account("cust-dana").unwrap();
    assert_eq!(app.main.selected_account(&app.state), Some(dana));
    assert_eq!(app.main.focus, Pane::Accounts);
    assert_eq!(
        app.state
            .ledger
            .event(app.state.cursor_event().unwrap())
            .account,
        dana,
        "her last event so far"
    );
    keys(&mut app, ":time 2024-03-14 15:58");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.cursor.time, t("2024-03-14T15:58:00Z"));
    // A wrong command keeps the line open with why.
    keys(&mut app, ":seq 99999");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.prompt.as_ref().unwrap().error.as_deref(),
        Some("no event of seq 99999")
    );
    press(&mut app, KeyCode::Esc);
    // The history: ↑ recalls the newest first, ↓ comes back.
    keys(&mut app, ":");
    press(&mut app, KeyCode::Up);
    assert_eq!(app.prompt.as_ref().unwrap().input, "time 2024-03-14 15:58");
    press(&mut app, KeyCode::Up);
    assert_eq!(app.prompt.as_ref().unwrap().input, "account cust-dana");
    press(&mut app, KeyCode::Down);
    assert_eq!(app.prompt.as_ref().unwrap().input, "time 2024-03-14 15:58");
    press(&mut app, KeyCode::Down);
    assert_eq!(app.prompt.as_ref().unwrap().input, "");
    press(&mut app, KeyCode::Esc);
}

#[test]
fn ctrl_o_and_ctrl_i_go_back_and_forth_through_every_jump() {
    let mut app = sample();
    let start = app.state.cursor;
    let ctrl =
        |app: &mut App, c: char| app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    keys(&mut app, ":404"); // a command
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "e"); // a problem
    assert_eq!(cursor_line(&app), 549);
    keys(&mut app, "/A7Q2K9"); // a search
    press(&mut app, KeyCode::Enter);
    assert_eq!(cursor_line(&app), 403);
    keys(&mut app, "ma");
    keys(&mut app, "t2024-03-20 12:00"); // a typed time
    press(&mut app, KeyCode::Enter);
    let typed = app.state.cursor;
    keys(&mut app, "'a"); // a mark
    assert_eq!(cursor_line(&app), 403);
    // Back through each, newest first.
    ctrl(&mut app, 'o');
    assert_eq!(app.state.cursor, typed);
    ctrl(&mut app, 'o');
    assert_eq!(cursor_line(&app), 403);
    ctrl(&mut app, 'o');
    assert_eq!(cursor_line(&app), 549);
    ctrl(&mut app, 'o');
    assert_eq!(cursor_line(&app), 404);
    ctrl(&mut app, 'o');
    assert_eq!(app.state.cursor, start);
    ctrl(&mut app, 'o');
    assert_eq!(app.status.as_deref(), Some("no jump before this one"));
    // And forward again, to where the first Ctrl-o was pressed.
    ctrl(&mut app, 'i');
    assert_eq!(cursor_line(&app), 404);
    for _ in 0..4 {
        ctrl(&mut app, 'n');
    }
    assert_eq!(cursor_line(&app), 403, "the mark's place");
    ctrl(&mut app, 'n');
    assert_eq!(app.status.as_deref(), Some("no jump after this one"));
    // '' goes back and forth between the last two places.
    keys(&mut app, ":404");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "''");
    assert_eq!(cursor_line(&app), 403);
    keys(&mut app, "''");
    assert_eq!(cursor_line(&app), 404);
}

// ----- marks and diff -----

#[test]
fn marks_and_the_diff_answer_what_changed() {
    let mut app = sample();
    keys(&mut app, "t2024-03-14 15:58");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "ma");
    assert_eq!(
        app.state.marks.get(&'a'),
        Some(&Moment::Time(t("2024-03-14T15:58:00Z")))
    );
    keys(&mut app, "t2024-03-14 16:01");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "mb");
    keys(&mut app, "dab");
    let View::Diff(DiffView { diff, .. }) = &app.view else {
        panic!("no diff: {:?}", app.status)
    };
    assert_eq!(diff.events.len(), 2);
    assert_eq!(diff.changed(), 1);
    assert_eq!(diff.rows[0].delta.to_string(), "-800.00");
    // The prompt that asked for the second mark is gone.
    assert_eq!(app.status, None);
    press(&mut app, KeyCode::Esc);
    // Back to mark a, and a diff from it to the cursor.
    keys(&mut app, "'a");
    assert_eq!(app.state.cursor.time, t("2024-03-14T15:58:00Z"));
    keys(&mut app, "}");
    keys(&mut app, "da.");
    let View::Diff(DiffView { diff, .. }) = &app.view else {
        panic!()
    };
    assert_eq!(diff.to.name, '.');
    assert!(diff.events.len() > 2);
    press(&mut app, KeyCode::Esc);
    keys(&mut app, "'z");
    assert!(app.status.as_deref().unwrap().contains("no mark z"));
}

// ----- recorded order -----

#[test]
fn recorded_order_shows_the_late_event_where_it_was_written() {
    let mut app = sample();
    // From the first event: line 404's two problems, then the late event at line 549.
    press(&mut app, KeyCode::Char('g'));
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Char('e'));
    let late = app.state.cursor_event().unwrap();
    let time_pos = app.state.cursor.pos.unwrap();
    press(&mut app, KeyCode::Char('o'));
    assert_eq!(app.state.order, Order::Recorded);
    assert_eq!(
        app.state.cursor_event(),
        Some(late),
        "the same event stays selected"
    );
    assert_eq!(app.state.cursor.pos, Some(late));
    assert_ne!(app.state.cursor.pos, Some(time_pos));
    // As of seq 549, Grace has paid; one step back (seq 548), not yet, although the event
    // recorded at 548 is later in time.
    assert_eq!(app.state.moment(), Moment::Seq(549));
    let with = balance(&app, "cust-grace");
    app.update(Action::StepBack);
    let without = balance(&app, "cust-grace");
    assert_ne!(with, without);
    press(&mut app, KeyCode::Char('o'));
    assert_eq!(app.state.order, Order::Time);
}

// ----- export -----

#[test]
fn export_writes_the_same_rows_as_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = sample();
    app.export_dir = dir.path().to_path_buf();
    keys(&mut app, "t2024-03-14 16:01");
    press(&mut app, KeyCode::Enter);
    app.update(Action::NextPane);
    app.update(Action::NextPane);
    for _ in 0..3 {
        app.update(Action::Down);
    }
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Enter); // the default path
    let status = app.status.clone().unwrap();
    assert!(status.starts_with("wrote "), "{status}");
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2);
    let csv = std::fs::read_to_string(&files[0]).unwrap();
    let expected = assert_cmd::Command::cargo_bin("rewind")
        .unwrap()
        .args([
            "history",
            "assets/sample.jsonl",
            "--account",
            "cust-dana",
            "--csv",
            "--to",
            "2024-03-14T16:01:00Z",
        ])
        .output()
        .unwrap();
    assert_eq!(csv, String::from_utf8(expected.stdout).unwrap());
    assert!(
        csv.contains(",-187.60,,\"overdraft,possible-duplicate\"\n"),
        "{csv}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[1]).unwrap()).unwrap();
    assert_eq!(
        json["rows"].as_array().unwrap().len(),
        csv.lines().count() - 1
    );
    // A second export never overwrites the first.
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Enter); // the default path
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 4);
    // The events between two marks.
    press(&mut app, KeyCode::Esc);
    keys(&mut app, "ma");
    keys(&mut app, "t2024-03-14 15:58");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "mb");
    keys(&mut app, "dba");
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Enter); // the default path
    assert!(app.status.as_deref().unwrap().contains("rewind-events-b-a"));
    let csv = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("rewind-events") && p.extension().unwrap() == "csv")
        .unwrap();
    let csv = std::fs::read_to_string(csv).unwrap();
    assert_eq!(csv.lines().count(), 3);
    // The second withdrawal is named on its row (its overdraft, and the retry it is), the first
    // one's row names none.
    assert!(
        csv.lines().next().unwrap().ends_with(",balance,problems"),
        "{csv}"
    );
    assert!(csv.lines().nth(1).unwrap().ends_with(",212.40,"), "{csv}");
    assert!(
        csv.lines()
            .nth(2)
            .unwrap()
            .ends_with(",-187.60,\"overdraft,possible-duplicate\""),
        "{csv}"
    );
}

#[test]
fn export_in_recorded_order_writes_what_the_statement_shows() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = sample();
    app.export_dir = dir.path().to_path_buf();
    keys(&mut app, "geee"); // line 404's two problems, then the late event
    press(&mut app, KeyCode::Char('o'));
    app.update(Action::StepBack); // seq 548: Grace's late purchase (seq 549) is not in yet
    let grace = app.state.ledger.find_account("cust-grace").unwrap();
    app.main.account_sel = app
        .state
        .ledger
        .accounts_sorted()
        .iter()
        .position(|&a| a == grace)
        .unwrap();
    app.main.focus = Pane::Accounts;
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Enter); // the default path
    let csv = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().unwrap() == "csv")
        .unwrap();
    assert!(
        csv.to_string_lossy().contains("seq548"),
        "{}",
        csv.display()
    );
    let text = std::fs::read_to_string(csv).unwrap();
    let (postings, shown) = app.state.statement_rows(grace);
    assert_eq!(text.lines().count() - 1, shown);
    let last_balance = text
        .lines()
        .last()
        .unwrap()
        .split(',')
        .nth(6)
        .unwrap()
        .to_string();
    assert_eq!(last_balance, postings[shown - 1].balance.to_string());
    assert!(
        !text.contains("Fuel Stop") && !text.contains(",-61.37,"),
        "{text}"
    );
}

#[test]
fn x_shows_the_path_first_and_writes_where_the_user_says() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = sample();
    app.export_dir = dir.path().to_path_buf();
    keys(&mut app, "t2024-03-14 16:01");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('x'));
    // The default path, to see and edit; nothing is written yet.
    let prompt = app.prompt.clone().expect("a prompt for the path");
    let default = dir
        .path()
        .join("rewind-statement-cust-dana-20240314T160100Z.csv");
    assert_eq!(prompt.input, default.to_string_lossy());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // Esc: nothing written.
    press(&mut app, KeyCode::Esc);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    assert!(app.status.as_deref().unwrap().contains("nothing written"));
    // An edited path: the CSV there, the JSON beside it.
    press(&mut app, KeyCode::Char('x'));
    press_ctrl(&mut app, 'u');
    let target = dir.path().join("dana-dispute.csv");
    keys(&mut app, &target.to_string_lossy());
    press(&mut app, KeyCode::Enter);
    assert!(app.prompt.is_none(), "{:?}", app.prompt);
    assert!(target.exists(), "{:?}", app.status);
    assert!(dir.path().join("dana-dispute.json").exists());
    assert!(app.status.as_deref().unwrap().contains("dana-dispute.csv"));
}

#[test]
fn an_unwritable_folder_is_reported_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = sample();
    app.export_dir = dir.path().join("no-such-folder");
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Enter);
    let prompt = app
        .prompt
        .clone()
        .expect("the prompt stays open to correct the path");
    let error = prompt.error.expect("an error");
    let expected = dir.path().join("no-such-folder").join("rewind-statement-");
    assert!(
        error.starts_with(&format!("cannot write {}", expected.display())),
        "{error}"
    );
    assert!(error.contains("No such file or directory"), "{error}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // Corrected, it writes.
    press_ctrl(&mut app, 'u');
    keys(&mut app, &dir.path().join("ok.csv").to_string_lossy());
    press(&mut app, KeyCode::Enter);
    assert!(dir.path().join("ok.csv").exists(), "{:?}", app.prompt);
}

fn press_ctrl(app: &mut App, c: char) {
    app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

// ----- following a growing file -----

#[test]
fn new_events_appear_and_the_cursor_at_the_end_stays_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.jsonl");
    std::fs::write(&path, LOG).unwrap();
    let ledger = load_file(&path, &LoadOptions::default(), None).unwrap();
    let mut follower = FileFollower::new(&path, &ledger).unwrap();
    let mut app = App::new(ledger, (120, 40));
    app.follow = Follow::On { added: 0 };
    let mut poll = |app: &mut App| app.poll_source(&mut follower);
    let append = |text: &str| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    };
    append(
        "{\"accountId\":\"c\",\"type\":\"DEPOSIT\",\"amount\":\"9\",\"timestamp\":\"2024-03-04T09:00:00Z\"}\n",
    );
    poll(&mut app);
    assert_eq!(app.state.ledger.len(), 6);
    assert_eq!(
        app.state.cursor.pos,
        Some(5),
        "at the end, the cursor follows"
    );
    assert_eq!(balance(&app, "c"), "10");
    assert_eq!(app.follow, Follow::On { added: 1 });
    // Away from the end, the cursor stays on its event.
    app.update(Action::First);
    append(
        "{\"accountId\":\"d\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":\"2024-03-05T09:00:00Z\"}\n",
    );
    poll(&mut app);
    assert_eq!(app.state.ledger.len(), 7);
    assert_eq!(app.state.cursor.pos, Some(0));
    // An earlier byte rewritten: flagged, nothing reloaded.
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(3).position(|w| w == b"100").unwrap();
    bytes[at] = b'9';
    std::fs::write(&path, &bytes).unwrap();
    poll(&mut app);
    match &app.follow {
        Follow::Stopped { reason } => assert!(reason.contains("changed"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(app.state.ledger.len(), 7);
    assert_eq!(balance(&app, "a"), "100");
}

#[test]
fn a_late_record_inserted_before_the_cursor_does_not_move_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seq.jsonl");
    let rec = |seq: u64, amount: u32| {
        format!(
            "{{\"seq\":{seq},\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":{amount},\"timestamp\":{}}}\n",
            seq * 1000
        )
    };
    // Seq 3 is missing: it arrives later, as from a transaction that committed late.
    std::fs::write(&path, [rec(1, 1), rec(2, 2), rec(4, 4), rec(5, 5)].concat()).unwrap();
    let ledger = load_file(&path, &LoadOptions::default(), None).unwrap();
    let mut follower = FileFollower::new(&path, &ledger).unwrap();
    let mut app = App::new(ledger, (120, 40));
    app.update(Action::StepBack); // on seq 4
    assert_eq!(
        app.state.ledger.seq_of(app.state.cursor_event().unwrap()),
        4
    );
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, rec(3, 3).as_bytes()))
        .unwrap();
    assert!(app.poll_source(&mut follower));
    assert_eq!(app.state.ledger.len(), 5);
    assert_eq!(
        app.state.ledger.seq_of(app.state.cursor_event().unwrap()),
        4,
        "still on seq 4"
    );
    assert_eq!(
        balance(&app, "a"),
        "10",
        "as of seq 4's time, seq 3 now counts"
    );
}

// ----- mouse -----

#[test]
fn the_mouse_selects_scrolls_and_moves_the_cursor_on_the_timeline() {
    let mut app = sample();
    let click = |app: &mut App, column, row| {
        app.mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let areas = app.areas();
    // The third account row.
    click(&mut app, areas.accounts.x + 5, areas.accounts.y + 2 + 2);
    assert_eq!(app.main.focus, Pane::Accounts);
    assert_eq!(app.main.account_sel, 2);
    // The wheel in the accounts pane.
    app.mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: areas.accounts.x + 5,
        row: areas.accounts.y + 3,
        modifiers: KeyModifiers::NONE,
    });
    assert_eq!(app.main.account_sel, 5);
    // The first column of the timeline is the first moment.
    click(&mut app, areas.timeline.x + 1, areas.timeline.y + 3);
    assert_eq!(app.state.cursor.pos, Some(0));
    // The middle of the timeline is the middle of the log's span.
    click(
        &mut app,
        areas.timeline.x + areas.timeline.width / 2,
        areas.timeline.y + 3,
    );
    let (first, last) = (
        app.state.ledger.first_time().unwrap(),
        app.state.ledger.last_time().unwrap(),
    );
    assert!((app.state.cursor.time - (first + (last - first) / 2)).abs() < (last - first) / 50);
    // A click on an event row puts the cursor there.
    let row = areas.events.y + 2 + 3;
    click(&mut app, areas.events.x + 10, row);
    assert_eq!(app.main.focus, Pane::Events);
    assert_eq!(
        app.state.cursor.pos,
        Some(app.state.listed_pos(app.main.events_offset + 3))
    );
}

/// The sample's checkpoint, signed with the sample key.
fn sample_checkpoint(size: usize) -> String {
    use rewind::ledger::checkpoint::{Checkpoint, SigningKey};
    use rewind::ledger::log_tree::LogTree;
    let key = SigningKey::parse(&std::fs::read_to_string("assets/ops-2024.key").unwrap()).unwrap();
    let ledger = load_bytes(
        "sample.jsonl",
        std::fs::read("assets/sample.jsonl").unwrap(),
        &LoadOptions::default(),
    );
    let tree = LogTree::new(&ledger).unwrap();
    Checkpoint {
        origin: "bank-prod".into(),
        size: size as u64,
        root: tree.root_at(size as u64).unwrap(),
        extensions: vec![],
    }
    .sign(&key)
}

#[test]
fn the_export_of_a_diff_writes_a_bundle_against_the_checkpoint_the_log_holds() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = sample();
    app.export_dir = dir.path().to_path_buf();
    app.evidence.checkpoint = Some(sample_checkpoint(799));
    keys(&mut app, "t2024-03-14 15:58");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "ma");
    keys(&mut app, "t2024-03-14 16:01");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "mb");
    keys(&mut app, "dab");
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Enter); // the default path
    let status = app.status.clone().unwrap();
    assert!(status.contains(", and the bundle "), "{status}");
    let bundle = dir.path().join("rewind-events-a-b.bundle");
    let key = rewind::ledger::checkpoint::VerifierKey::parse(
        &std::fs::read_to_string("assets/ops-2024.pub").unwrap(),
    )
    .unwrap();
    match rewind::ledger::bundle::verify_bundle(&std::fs::read(&bundle).unwrap(), &[key], None)
        .unwrap()
    {
        rewind::ledger::bundle::Proven::Inclusion { records, .. } => {
            let numbers: Vec<u64> = records.iter().map(|r| r.number).collect();
            assert_eq!(numbers, vec![403, 404]);
        }
        other => panic!("{other:?}"),
    }
    // Events after an older checkpoint's tree are left out, and said so.
    app.evidence.checkpoint = Some(sample_checkpoint(403));
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Enter); // the default path
    let status = app.status.clone().unwrap();
    assert!(
        status.contains("rewind-events-a-b-2.bundle (1 event after the checkpoint left out)"),
        "{status}"
    );
    // Without a checkpoint, no bundle.
    app.evidence.checkpoint = None;
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Enter); // the default path
    assert!(!app.status.clone().unwrap().contains("bundle"));
}

#[test]
fn y_asks_the_terminal_to_copy_the_head_digest() {
    let mut app = sample();
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.clipboard, None);
    assert!(app.status.clone().unwrap().contains("no head digest"));
    let head = "799:ad7d2d34343ea92833254ac2b8b97b66f584aa23e25302817e811fa7f82484a8";
    app.evidence.head = Some(head.into());
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.clipboard.as_deref(), Some(head));
    assert!(app.status.clone().unwrap().contains(head));
}

#[test]
fn a_pivot_and_the_search_kept_as_the_filter_narrow_to_the_events_sharing_a_value() {
    let mut app = sample();
    // Line 797, an INTEREST_PAID of 2024-03 with meta.period.
    keys(&mut app, ":797");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "*");
    let filter = app.state.filter.as_ref().unwrap().text.clone();
    assert_eq!(filter, "meta.period:=\"2024-03\"");
    let shown = app.state.visible.as_ref().unwrap().len();
    assert!(shown > 1 && shown < app.state.ledger.len(), "{shown}");
    assert!(
        app.status.as_deref().unwrap().contains("pivot 1/3"),
        "{:?}",
        app.status
    );
    // `*` again: the next value of the same event (its account).
    keys(&mut app, "*");
    let filter = app.state.filter.as_ref().unwrap().text.clone();
    assert!(filter.starts_with("account:=\""), "{filter}");
    keys(&mut app, "F");
    assert!(app.state.filter.is_none());
    // A search kept as the filter: every event shown is a match, and only those.
    keys(&mut app, "/lumen");
    press(&mut app, KeyCode::Enter);
    let matches = app.state.search.as_ref().unwrap().events.len();
    keys(&mut app, "&");
    assert_eq!(app.state.filter.as_ref().unwrap().text, "\"lumen\"");
    assert_eq!(app.state.visible.as_ref().unwrap().len(), matches);
    // A record term and free text typed in the filter.
    keys(&mut app, "f");
    for _ in 0..10 {
        press(&mut app, KeyCode::Backspace);
    }
    keys(&mut app, "meta.merchant:=\"Cafe Lumen\" type:payment");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.visible.as_ref().unwrap().len(), matches);
}

#[test]
fn reading_the_log_again_keeps_the_marks_the_filter_the_search_and_the_moment() {
    let mut app = sample();
    app.can_reload = true;
    keys(&mut app, "t");
    keys(&mut app, "2024-03-14 16:00");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "ma");
    keys(&mut app, "faccount:dana");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "/lumen");
    press(&mut app, KeyCode::Enter);
    let moment = app.state.moment();
    keys(&mut app, "R");
    assert!(app.take_reload(), "R asks for the log to be read again");
    let shorter: String = std::fs::read_to_string("assets/sample.jsonl")
        .unwrap()
        .lines()
        .take(700)
        .map(|l| format!("{l}\n"))
        .collect();
    app.reloaded(load_bytes(
        "sample.jsonl",
        shorter.into_bytes(),
        &LoadOptions::default(),
    ));
    assert_eq!(app.state.ledger.len(), 700);
    assert_eq!(app.state.moment(), moment);
    assert!(app.state.marks.contains_key(&'a'));
    assert_eq!(app.state.filter.as_ref().unwrap().text, "account:dana");
    assert_eq!(app.state.search.as_ref().unwrap().query, "lumen");
    assert!(
        app.status
            .as_deref()
            .unwrap()
            .contains("700 events (was 799)"),
        "{:?}",
        app.status
    );
    assert!(app.can_reload);
}

#[test]
fn y_in_the_details_copies_the_record_as_written() {
    let mut app = sample();
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "y");
    let copied = app.clipboard.take().expect("y copies in the details");
    let i = app.state.cursor_event().unwrap();
    assert_eq!(copied, app.state.ledger.raw_text(i));
    assert!(
        app.status
            .as_deref()
            .unwrap()
            .contains("the record of line"),
        "{:?}",
        app.status
    );
}

#[test]
fn a_saved_investigation_opens_where_it_was_left() {
    use rewind::tui::investigation::Investigation;
    let dir = tempfile::tempdir().unwrap();
    let mut app = sample();
    keys(&mut app, "t");
    keys(&mut app, "2024-03-14 16:00");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "ma");
    keys(&mut app, "o");
    keys(&mut app, "faccount:dana");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "/atm");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, ":note the customer disputes this one");
    press(&mut app, KeyCode::Enter);
    let noted = app.state.cursor_event().unwrap();
    let path = dir.path().join("ticket-4711.json");
    keys(&mut app, &format!(":save {}", path.display()));
    press(&mut app, KeyCode::Enter);
    assert!(
        app.status
            .as_deref()
            .unwrap()
            .contains("investigation saved"),
        "{:?}",
        app.status
    );
    let saved = Investigation::read(&path).unwrap();
    // A colleague opens the same log with it.
    let mut other = sample();
    other.resume(&saved).unwrap();
    assert_eq!(other.state.moment(), app.state.moment());
    assert_eq!(other.state.order, app.state.order);
    assert_eq!(other.state.marks, app.state.marks);
    assert_eq!(other.state.filter.as_ref().unwrap().text, "account:dana");
    assert_eq!(other.state.search.as_ref().unwrap().query, "atm");
    let line = other.state.ledger.event(noted).line;
    assert_eq!(
        other.state.notes.get(&line).unwrap(),
        "the customer disputes this one"
    );
    assert!(
        other
            .status
            .as_deref()
            .unwrap()
            .contains("investigation resumed"),
        "{:?}",
        other.status
    );
    // A link planted where it would write: refused, nothing written through it.
    #[cfg(unix)]
    {
        let target = dir.path().join("elsewhere.txt");
        std::fs::write(&target, "keep").unwrap();
        let link = dir.path().join("linked.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = app.save_investigation(&link).unwrap_err();
        assert!(e.contains("not an investigation"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }
    // A damaged or foreign file is refused in one line naming it.
    for (text, says) in [
        ("{\"rewind_investigation\":1,", "not an investigation"),
        (
            "{\"rewind_investigation\":2,\"log\":\"x\",\"head\":null,\"events\":0,\"moment\":\"end\",\"order\":\"time\",\"filter\":null,\"search\":null,\"account\":null}",
            "version 2",
        ),
        ("[1,2,3]", "not an investigation"),
    ] {
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, text).unwrap();
        let e = Investigation::read(&bad).unwrap_err();
        assert!(
            e.contains("bad.json") && e.contains(says) && !e.contains('\n'),
            "{e}"
        );
    }
}

#[test]
fn z_zooms_the_timeline_around_the_cursor_and_z_again_comes_back() {
    let mut app = sample();
    keys(&mut app, "t");
    keys(&mut app, "2024-03-14 16:00");
    press(&mut app, KeyCode::Enter);
    keys(&mut app, "zz");
    let (first, last) = app.state.timeline.zoom.expect("zoomed in");
    let cursor = app.state.cursor.time;
    assert!(first <= cursor && cursor <= last);
    assert!(
        app.status.as_deref().unwrap().contains("a column is"),
        "{:?}",
        app.status
    );
    let strip = app.state.strip(app.timeline_width()).unwrap();
    assert_eq!((strip.first, strip.last), (first, last));
    // Moving far away: the span follows the cursor.
    keys(&mut app, "G");
    let (first, last) = app.state.timeline.zoom.unwrap();
    assert!(first <= app.state.cursor.time && app.state.cursor.time <= last);
    keys(&mut app, "ZZ");
    assert_eq!(app.state.timeline.zoom, None);
    assert!(
        app.status.as_deref().unwrap().contains("the whole log"),
        "{:?}",
        app.status
    );
}

#[cfg(unix)]
#[test]
fn an_investigation_that_is_a_fifo_or_a_folder_is_refused_at_once() {
    use rewind::tui::investigation::Investigation;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("inv.fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let started = std::time::Instant::now();
    assert!(Investigation::read(&fifo).is_err());
    assert!(Investigation::read(dir.path()).is_err());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "never waits for a writer"
    );
}

#[test]
fn save_never_replaces_a_file_that_is_not_an_investigation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    std::fs::copy("assets/sample.jsonl", &log).unwrap();
    let mut app = sample();
    keys(&mut app, &format!(":w {}", log.display()));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        std::fs::read("assets/sample.jsonl").unwrap(),
        std::fs::read(&log).unwrap(),
        "the log is left as it was"
    );
    // An earlier save is replaced.
    let inv = dir.path().join("inv.json");
    app.save_investigation(&inv).unwrap();
    app.save_investigation(&inv).unwrap();
}

#[test]
fn an_investigation_keeps_the_zone_its_times_were_typed_in() {
    use rewind::tui::clock;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inv.json");
    clock::show(Some("Europe/Berlin")).unwrap();
    let mut app = sample();
    keys(&mut app, "ffrom:2024-03-14 17:00");
    press(&mut app, KeyCode::Enter);
    let shown = app.state.visible.as_ref().unwrap().len();
    app.save_investigation(&path).unwrap();
    clock::show(None).unwrap();
    let saved = rewind::tui::investigation::Investigation::read(&path).unwrap();
    assert_eq!(saved.zone.as_deref(), Some("Europe/Berlin"));
    let mut other = sample();
    other.resume(&saved).unwrap();
    assert_eq!(clock::shown_name().as_deref(), Some("Europe/Berlin"));
    assert_eq!(other.state.visible.as_ref().unwrap().len(), shown);
    clock::show(None).unwrap();
}

#[test]
fn a_finds_an_account_as_its_id_is_typed() {
    let mut app = sample();
    let selected = |app: &App| {
        let a = app.main.selected_account(&app.state).unwrap();
        app.state.ledger.account_name(a).to_string()
    };
    // From the events pane, `a` focuses the accounts pane and starts the find.
    app.main.focus = Pane::Events;
    keys(&mut app, "ako");
    assert_eq!(app.main.focus, Pane::Accounts);
    assert_eq!(app.prompt.as_ref().unwrap().kind, PromptKind::FindAccount);
    assert_eq!(selected(&app), "cust-kofi");
    // Nothing holds it: said, and the selection stays.
    keys(&mut app, "x");
    assert!(app.prompt.as_ref().unwrap().error.is_some());
    assert_eq!(selected(&app), "cust-kofi");
    // Emptied, the find says nothing more; Esc goes back to where it was, focus too.
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    assert!(app.prompt.as_ref().unwrap().error.is_none());
    press(&mut app, KeyCode::Esc);
    assert_eq!(selected(&app), "cust-alice");
    assert_eq!(app.main.focus, Pane::Events);
    // Part of an id, any case; Enter keeps it, and the search and the cursor are untouched.
    app.main.focus = Pane::Accounts;
    let cursor = app.state.cursor.pos;
    keys(&mut app, "aENA");
    press(&mut app, KeyCode::Enter);
    assert!(app.prompt.is_none());
    assert_eq!(selected(&app), "cust-lena");
    assert_eq!(app.state.cursor.pos, cursor);
    assert!(app.state.search.is_none());
    // In the events pane `/` is still the search.
    app.main.focus = Pane::Events;
    keys(&mut app, "/");
    assert_eq!(app.prompt.as_ref().unwrap().kind, PromptKind::Search);
}

#[test]
fn a_value_holding_quotes_and_backslashes_is_a_pivot_and_a_kept_search() {
    let log = r#"{"accountId":"a","type":"PAYMENT","amount":"5","timestamp":"2024-03-01T10:00:00Z","meta":{"merchant":"Bar \"Zum Löwen\" \\ 2"}}
{"accountId":"b","type":"PAYMENT","amount":"6","timestamp":"2024-03-01T11:00:00Z","meta":{"merchant":"Bar Zum Löwen \\ 2"}}
{"accountId":"c","type":"PAYMENT","amount":"7","timestamp":"2024-03-01T12:00:00Z","meta":{"merchant":"Bar \"Zum Löwen\" \\ 2"}}
"#;
    let mut app = App::new(
        load_bytes("q.jsonl", log.as_bytes().to_vec(), &LoadOptions::default()),
        (120, 40),
    );
    keys(&mut app, "g*");
    let filter = app.state.filter.as_ref().unwrap().text.clone();
    assert_eq!(filter, r#"meta.merchant:="Bar \"Zum Löwen\" \\ 2""#);
    let shown: Vec<u32> = app.state.visible.as_ref().unwrap().to_vec();
    assert_eq!(
        shown.len(),
        2,
        "the first and the third, not the one without quotes"
    );
    // The same typed by hand reads the same; a quote left open is still an error.
    keys(&mut app, "F");
    keys(&mut app, "f");
    keys(&mut app, r#"meta.merchant:="Bar \"Zum Löwen\" \\ 2""#);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.visible.as_ref().unwrap().to_vec(), shown);
    keys(&mut app, "F");
    keys(&mut app, "f");
    keys(&mut app, r#"meta.merchant:="Bar \""#);
    press(&mut app, KeyCode::Enter);
    assert!(app.prompt.as_ref().unwrap().error.is_some());
    press(&mut app, KeyCode::Esc);
    // A search holding quotes kept as the filter keeps them.
    keys(&mut app, r#"/"zum"#);
    press(&mut app, KeyCode::Enter);
    let matches = app.state.search.as_ref().unwrap().events.len();
    assert_eq!(matches, 2);
    keys(&mut app, "&");
    assert_eq!(app.state.filter.as_ref().unwrap().text, r#""\"zum""#);
    assert_eq!(app.state.visible.as_ref().unwrap().len(), matches);
}

#[test]
fn one_value_of_an_event_is_copied_by_its_path() {
    let mut app = sample();
    keys(&mut app, ":404");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.view, View::Detail(_)));
    // `Y` in the details opens `:copy `; Tab completes the event's paths.
    keys(&mut app, "Y");
    assert_eq!(app.prompt.as_ref().unwrap().input, "copy ");
    keys(&mut app, "meta.au");
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.prompt.as_ref().unwrap().input, "copy meta.authCode");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.clipboard.take().as_deref(), Some("A7Q2K9"));
    let status = app.status.clone().unwrap();
    assert!(
        status.contains("copied meta.authCode of line 404"),
        "{status}"
    );
    // A top-level member as written, a nested object whole, the record alone.
    keys(&mut app, ":copy amount");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.clipboard.take().as_deref(), Some("400.00"));
    keys(&mut app, ":y meta");
    press(&mut app, KeyCode::Enter);
    let meta = app.clipboard.take().unwrap();
    assert!(
        meta.starts_with('{') && meta.contains("\"authCode\":\"A7Q2K9\""),
        "{meta}"
    );
    keys(&mut app, ":copy");
    press(&mut app, KeyCode::Enter);
    let record = app.clipboard.take().unwrap();
    assert_eq!(
        record,
        app.state.ledger.raw_text(app.state.cursor_event().unwrap())
    );
    // A path the event does not have keeps the line open with the reason.
    keys(&mut app, ":copy meta.nothing");
    press(&mut app, KeyCode::Enter);
    let error = app.prompt.as_ref().unwrap().error.clone().unwrap();
    assert!(error.contains("no value at `meta.nothing`"), "{error}");
    assert!(app.clipboard.is_none());
}

#[test]
fn a_record_giving_a_member_twice_has_no_value_to_copy() {
    let log = r#"{"accountId":"a","type":"DEPOSIT","amount":"5","timestamp":"2024-03-01T10:00:00Z","meta":{"authCode":"A1"},"meta":{"authCode":"B2"}}
"#;
    let mut app = App::new(
        load_bytes(
            "twice.jsonl",
            log.as_bytes().to_vec(),
            &LoadOptions::default(),
        ),
        (120, 40),
    );
    keys(&mut app, ":copy meta.authCode");
    press(&mut app, KeyCode::Enter);
    let error = app.prompt.as_ref().unwrap().error.clone().unwrap();
    assert!(error.contains("more than once"), "{error}");
    assert!(app.clipboard.is_none());
}
