//! The values of flags are read before any log is opened: a mistyped time, amount, `KEY=VALUE`
//! or seq is refused without touching the source, so that it is refused as fast on a log of ten
//! million events as on an empty one. Each case runs against a path that does not exist, a FIFO
//! that nothing writes to (opening it would block for ever) and a database no one listens on:
//! only a refusal before any I/O can give the value's error, at once.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{json, rewind, run};

const NOT_A_TIME: &str = "is not a time (use RFC 3339 like 2024-03-01T12:00:00Z, \
                          `2024-03-01 12:00`, or epoch milliseconds)";
const SECONDS: &str = "--at: 1715682151 looks like seconds since 1970; write 1715682151s for \
                       seconds or 1715682151000 for milliseconds";

/// Each command with a bad value, and the start of the one line it must print. `SRC` stands for
/// the source.
fn cases() -> Vec<(Vec<&'static str>, String)> {
    let append = ["append", "SRC", "--account", "a", "--type", "DEPOSIT"];
    let with = |base: &[&'static str], extra: &[&'static str]| -> Vec<&'static str> {
        base.iter().chain(extra).copied().collect()
    };
    vec![
        (
            vec!["balance", "SRC", "--at", "garbage"],
            format!("--at: `garbage` {NOT_A_TIME}"),
        ),
        (vec!["balance", "SRC", "--at", "1715682151"], SECONDS.into()),
        (
            vec!["balance", "SRC", "--account", "a", "--at", ""],
            format!("--at: `` {NOT_A_TIME}"),
        ),
        (
            vec!["balance", "SRC", "--at", "253402300800s"],
            format!("--at: `253402300800s` {NOT_A_TIME}"),
        ),
        (
            vec!["balance", "SRC", "--seq", "abc"],
            "invalid value 'abc' for '--seq <N>'".into(),
        ),
        (
            vec!["history", "SRC", "--account", "a", "--from", "next tuesday"],
            format!("--from: `next tuesday` {NOT_A_TIME}"),
        ),
        (
            vec!["history", "SRC", "--account", "a", "--to", "2024-02-30"],
            format!("--to: `2024-02-30` {NOT_A_TIME}"),
        ),
        (
            vec!["history", "SRC", "--account", "a", "--to", "1715682151"],
            SECONDS.replace("--at", "--to"),
        ),
        (
            vec!["snapshot", "SRC", "--at", "-15y"],
            format!("--at: `-15y` {NOT_A_TIME}"),
        ),
        (
            vec![
                "prove",
                "SRC",
                "--account",
                "a",
                "--checkpoint",
                "cp",
                "--out",
                "b",
                "--from",
                "soon",
            ],
            format!("--from: `soon` {NOT_A_TIME}"),
        ),
        (
            vec![
                "prove",
                "SRC",
                "--seq",
                "1",
                "x",
                "--checkpoint",
                "cp",
                "--out",
                "b",
            ],
            "invalid value 'x' for '--seq <N>...'".into(),
        ),
        (
            with(&append, &["--amount", "abc"]),
            "--amount: `abc` is not a decimal number".into(),
        ),
        (with(&append, &["--amount", "1e999"]), "--amount: ".into()),
        (
            with(&append, &["--amount", "5", "--meta", "novalue"]),
            "--meta `novalue`: expected KEY=VALUE".into(),
        ),
        (
            with(&append, &["--amount", "5", "--at", "yesterday"]),
            format!("--at: `yesterday` {NOT_A_TIME}"),
        ),
        (
            with(&append, &["--amount", "5", "--at", "1715682151"]),
            SECONDS.into(),
        ),
        (
            with(&append, &["--amount", "5", "--expect-seq", "abc"]),
            "invalid value 'abc' for '--expect-seq <N>'".into(),
        ),
    ]
}

/// Runs `args` with `source` for `SRC`, within `limit`; (exit code, stdout, stderr), the code
/// `None` when the limit was reached.
fn run_on(args: &[&str], source: &str, limit: Duration) -> (Option<i32>, String, String) {
    let args: Vec<&str> = args
        .iter()
        .map(|a| if *a == "SRC" { source } else { a })
        .collect();
    let out = rewind()
        .args(&args)
        .timeout(limit)
        .output()
        .expect("rewind runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check_refused(source: &str) {
    for (args, wanted) in cases() {
        let started = Instant::now();
        let (code, out, err) = run_on(&args, source, Duration::from_secs(30));
        assert_eq!(code, Some(2), "{args:?} on {source}: {err}");
        assert!(out.is_empty(), "{args:?} on {source} printed {out}");
        assert_eq!(err.lines().count(), 1, "{args:?} on {source}: {err}");
        assert!(
            err.starts_with(&format!("rewind: {wanted}")),
            "{args:?} on {source}: {err}"
        );
        assert!(
            !err.contains(source),
            "{args:?}: the source was looked at: {err}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{args:?} on {source} took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_bad_value_is_refused_before_a_missing_log_is_looked_for() {
    check_refused("/no/such/folder/log.jsonl");
}

#[test]
fn a_bad_value_is_refused_before_a_database_is_called() {
    // Nothing listens on port 1; a connection attempt would say so (or wait).
    let url = "postgres://ann@127.0.0.1:1/ledger";
    for preset in [
        &["--preset", "message-db"][..],
        &["--query", "SELECT 1"][..],
    ] {
        for (args, wanted) in cases() {
            if args[0] == "snapshot" || args[0] == "prove" {
                continue; // files only: the URL itself is refused
            }
            let args: Vec<&str> = args.iter().copied().chain(preset.iter().copied()).collect();
            let (code, _, err) = run_on(&args, url, Duration::from_secs(30));
            assert_eq!(code, Some(2), "{args:?}: {err}");
            assert!(
                err.starts_with(&format!("rewind: {wanted}")),
                "{args:?}: {err}"
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn a_bad_value_is_refused_before_a_fifo_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("log.jsonl");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let fifo = fifo.to_str().unwrap();
    // The control: with good values, reading the FIFO waits for a writer that never comes.
    let (code, _, err) = run_on(
        &["balance", "SRC", "--at", "2024-03-01"],
        fifo,
        Duration::from_millis(1500),
    );
    assert_eq!(code, None, "a FIFO without a writer should block: {err}");
    check_refused(fifo);
    assert!(Path::new(fifo).exists());
}

#[test]
fn epoch_seconds_need_their_suffix() {
    let log = "assets/sample.jsonl";
    let balance = |at: &str| {
        let (code, out, err) = run(&[
            "balance",
            log,
            "--account",
            "cust-dana",
            "--at",
            at,
            "--json",
        ]);
        assert_eq!(code, 0, "{at}: {err}");
        json(&out)
    };
    // 1710431940 s is 2024-03-14T15:59:00Z.
    let by_seconds = balance("1710431940s");
    assert_eq!(by_seconds, balance("2024-03-14 15:59"));
    assert_eq!(by_seconds, balance("1710431940000"));
    assert_eq!(by_seconds, balance("1710431940000ms"));
    assert_eq!(by_seconds["asOf"]["timestamp"], "2024-03-14T15:59:00.000Z");
    let (code, out, err) = run(&["balance", log, "--at", "1710431940"]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert_eq!(
        err.trim_end(),
        "rewind: --at: 1710431940 looks like seconds since 1970; write 1710431940s for seconds \
         or 1710431940000 for milliseconds"
    );
    // A small number is still milliseconds of 1970, and a date after 1970 in milliseconds too.
    let (code, out, _) = run(&["balance", log, "--at", "999999999", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(json(&out)["asOf"]["seq"], 0);
    // The statement's window takes seconds too, and refuses them bare.
    let (code, out, err) = run(&[
        "history",
        log,
        "--account",
        "cust-dana",
        "--from",
        "1710431940s",
        "--to",
        "1710432000s",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["from"], "2024-03-14T15:59:00.000Z");
    assert_eq!(json(&out)["to"], "2024-03-14T16:00:00.000Z");
    let (code, _, err) = run(&[
        "history",
        log,
        "--account",
        "cust-dana",
        "--from",
        "1710431940",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("rewind: --from: 1710431940 looks like seconds"),
        "{err}"
    );
}

#[test]
fn an_offset_is_taken_from_the_last_event_once_the_log_is_read() {
    let log = "assets/sample.jsonl";
    let (_, last, _) = run(&["balance", log, "--json"]);
    let last = json(&last)["asOf"]["timestamp"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, out, err) = run(&["balance", log, "--at", "-0ms", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["asOf"]["timestamp"], last.as_str());
    // An offset that leaves the years a time can be written in is refused once it is resolved.
    let (code, _, err) = run(&["balance", log, "--at", "-200000w"]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim_end(),
        format!("rewind: --at: `-200000w` {NOT_A_TIME}")
    );
}

/// The explorer's `t` prompt reads times as the command line does.
#[test]
fn the_jump_prompt_refuses_bare_seconds_and_takes_the_suffix() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use rewind::ledger::time::parse_time;
    use rewind::ledger::{LoadOptions, load_bytes};
    use rewind::tui::app::App;

    let log = std::fs::read("assets/sample.jsonl").unwrap();
    let mut app = App::new(
        load_bytes("sample.jsonl", log, &LoadOptions::default()),
        (120, 40),
    );
    let type_in = |app: &mut App, text: &str| {
        for c in text.chars() {
            app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    };
    let before = app.state.cursor;
    type_in(&mut app, "t1710431940");
    let error = app.prompt.as_ref().and_then(|p| p.error.clone());
    assert_eq!(
        error.as_deref(),
        Some(
            "1710431940 looks like seconds since 1970; write 1710431940s for seconds or \
             1710431940000 for milliseconds"
        )
    );
    assert_eq!(app.state.cursor, before, "a refused time moves nothing");
    app.key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    type_in(&mut app, "t1710431940s");
    assert!(app.prompt.is_none());
    assert_eq!(
        app.state.cursor.time,
        parse_time("2024-03-14T15:59:00Z").unwrap()
    );
}

/// A database URL given as a value by mistake is refused without its password, however long.
#[test]
fn a_url_given_as_a_value_never_shows_its_password() {
    let url = "postgres://ann:hunter22@127.0.0.1:5432/a-database-with-a-long-name";
    for args in [
        vec!["balance", "log.jsonl", "--at", url],
        vec!["history", "log.jsonl", "--account", "a", "--to", url],
        vec![
            "append",
            "log.jsonl",
            "--account",
            "a",
            "--type",
            "DEPOSIT",
            "--amount",
            url,
        ],
        vec![
            "append",
            "log.jsonl",
            "--account",
            "a",
            "--type",
            "DEPOSIT",
            "--meta",
            url,
        ],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!err.contains("hunter22"), "{args:?}: {err}");
        assert!(
            err.contains("postgres://ann:***@127.0.0.1"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_story_stands_alone_and_a_generated_log_needs_its_size() {
    for extra in [
        &["--events", "5"][..],
        &["--accounts", "2"],
        &["--seed", "7"],
        &["--sealed"],
    ] {
        let mut args = vec!["generate", "--story", "dispute"];
        args.extend_from_slice(extra);
        let (code, out, err) = crate::common::run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: nothing written");
        assert!(err.contains("cannot be used with"), "{args:?}: {err}");
    }
    for args in [
        &["generate", "--events", "5"][..],
        &["generate", "--accounts", "2"],
    ] {
        let (code, out, err) = crate::common::run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty());
    }
    let (code, out, _) = crate::common::run(&["generate", "--story", "dispute"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 3_000);
}
