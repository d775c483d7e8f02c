//! No password is ever shown: for random passwords over the whole printable set, written in the
//! user part or as `?password=`, raw or percent-encoded (the option's key too), no output of any
//! command and no screen of the explorer holds the password; and a URL rewind reads connects as
//! the user it names (against a real server, with a role made with that password).

use crate::common;
use crate::pgdb;

use std::sync::atomic::{AtomicU32, Ordering};

use proptest::prelude::*;
use rewind::ledger::{Ledger, LoadOptions, Progress, load_bytes};
use rewind::source::pg::{Layout, PgSource, PgUrl};
use rewind::tui::app::App;
use rewind::tui::theme::Theme;
use rewind::tui::{run::loading_screen, ui};

/// How a password is written into a URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// In the user part, `/`, `?` and `%` encoded (the README's rule).
    User,
    /// In the user part, every byte encoded.
    UserEncoded,
    /// As `?password=`, `&`, `@` and `%` encoded (the README's rule).
    Option,
    /// As `?pass%77ord=` (the key encoded), the value as in `Option`.
    OptionKeyEncoded,
    /// As `?password=`, every byte of the value encoded.
    OptionEncoded,
    /// In the user part, raw.
    UserRaw,
    /// As `?password=`, raw.
    OptionRaw,
}

impl Form {
    fn raw(self) -> bool {
        matches!(self, Form::UserRaw | Form::OptionRaw)
    }
}

fn form() -> impl Strategy<Value = Form> {
    prop_oneof![
        Just(Form::User),
        Just(Form::UserEncoded),
        Just(Form::Option),
        Just(Form::OptionKeyEncoded),
        Just(Form::OptionEncoded),
        Just(Form::UserRaw),
        Just(Form::OptionRaw),
    ]
}

use common::{percent_encode as encode, screen_text};

/// A URL for `user` with `password` in the given form, to `host_port`/`db`.
fn url_with(password: &str, form: Form, user: &str, host_port: &str, db: &str) -> String {
    match form {
        Form::User => format!(
            "postgres://{user}:{}@{host_port}/{db}?sslmode=disable",
            encode(password, Some(b"/?%"))
        ),
        Form::UserEncoded => format!(
            "postgres://{user}:{}@{host_port}/{db}",
            encode(password, None)
        ),
        Form::UserRaw => format!("postgres://{user}:{password}@{host_port}/{db}"),
        Form::Option => format!(
            "postgres://{user}@{host_port}/{db}?sslmode=disable&password={}",
            encode(password, Some(b"&@%"))
        ),
        Form::OptionKeyEncoded => format!(
            "postgres://{host_port}/{db}?user={user}&pass%77ord={}",
            encode(password, Some(b"&@%"))
        ),
        Form::OptionEncoded => format!(
            "postgres://{host_port}/{db}?user={user}&password={}",
            encode(password, None)
        ),
        Form::OptionRaw => {
            format!("postgres://{user}@{host_port}/{db}?password={password}&sslmode=disable")
        }
    }
}

/// Runs rewind; fails when stdout or stderr holds any of `secrets`. Returns (code, stdout, stderr).
fn run_clean(args: &[&str], secrets: &[&str]) -> Result<(i32, String, String), TestCaseError> {
    let (code, out, err) = common::run(args);
    for secret in secrets {
        prop_assert!(
            !out.contains(secret) && !err.contains(secret),
            "{args:?} showed the password {secret:?}:\n{out}\n{err}"
        );
    }
    Ok((code, out, err))
}

/// A refusal: exit 2, one line, no secret.
fn refused(args: &[&str], secrets: &[&str]) -> Result<String, TestCaseError> {
    let (code, out, err) = run_clean(args, secrets)?;
    prop_assert_eq!(code, 2, "{:?}: {} {}", args, out, err);
    prop_assert_eq!(err.lines().count(), 1, "{}", err);
    Ok(err)
}

/// The explorer's loading screen and main screen (its header names the source) for a ledger
/// read from the URL: neither holds a secret.
fn screens_are_clean(ledger: Ledger, secrets: &[&str]) -> Result<(), TestCaseError> {
    let name = ledger.name().to_string();
    let loading = screen_text(200, 12, |f| {
        loading_screen(
            f,
            &name,
            &Progress::default(),
            "reading",
            Theme { color: true },
        )
    });
    let app = App::new(ledger, (300, 40));
    let main = screen_text(300, 40, |f| ui::draw(f, &app, Theme { color: true }));
    prop_assert!(main.contains("postgres://"), "{main}");
    for secret in secrets {
        prop_assert!(!name.contains(secret), "{name}");
        prop_assert!(!loading.contains(secret), "{loading}");
        prop_assert!(!main.contains(secret), "{main}");
    }
    Ok(())
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

const QUERY: &str = "SELECT 1 AS seq, current_user::text AS account, 'DEPOSIT' AS type, \
                     1 AS amount, now() AS ts";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Without a server: every command that gets the URL refuses it (no server there, a command
    /// for files, a URL that cannot be read) without showing the password, and the screens of
    /// a ledger named by it do not show it either.
    #[test]
    fn no_command_and_no_screen_shows_the_password(
        password in "[ -~]{8,24}",
        form in form(),
    ) {
        let port = closed_port();
        let url = url_with(&password, form, "ann", &format!("127.0.0.1:{port}"), "ledger");
        let secrets = [password.as_str()];
        let parsed = PgUrl::parse(&url);
        prop_assert!(parsed.is_ok() || form.raw(), "{url}: {:?}", parsed.err());
        for args in [
            vec!["balance", &url, "--preset", "message-db"],
            vec!["check", &url, "--preset", "message-db", "--json"],
            vec!["verify", &url, "--preset", "message-db"],
            vec!["history", &url, "--query", QUERY, "--account", "a"],
            // A valid event, so that the append gets as far as the server.
            vec!["append", &url, "--preset", "message-db", "--account", "a", "--type", "Deposited",
                "--amount", "1"],
            vec!["repair", &url],
            vec!["snapshot", &url],
            vec!["balance", &url],
            // Arguments refused before any command runs, and a URL where a file is wanted.
            vec!["balance", "log.jsonl", &url],
            vec!["balance", &url, "--seq", &url],
            vec!["check", &format!("--types={url}"), "log.jsonl"],
            vec!["balance", "--types", &url, &url],
        ] {
            let err = refused(&args, &secrets)?;
            if parsed.is_ok() {
                prop_assert!(err.contains(&format!("127.0.0.1:{port}")), "{}", err);
            }
        }
        if let Ok(url) = parsed {
            let ledger = load_bytes(
                url.display(),
                std::fs::read("assets/sample.jsonl").unwrap(),
                &LoadOptions::default(),
            );
            screens_are_clean(ledger, &secrets)?;
        }
    }
}

/// The URLs that showed their password before: a raw `?…=` in the password, a percent-encoded
/// `password` key, a password with `@`, `?` and `#` in it.
#[test]
fn urls_that_used_to_show_their_password() {
    let port = closed_port();
    for (url, secret) in [
        (
            format!("postgres://u:hunt?er=22@127.0.0.1:{port}/db"),
            "hunt?er=22",
        ),
        (
            format!("postgres://u@127.0.0.1:{port}/db?sslmode=disable&pass%77ord=SECRET-42"),
            "SECRET-42",
        ),
        (
            format!("postgres://u:p@ss?w=rd#1@127.0.0.1:{port}/db"),
            "ss?w=rd#1",
        ),
    ] {
        for args in [
            vec!["balance", &url, "--preset", "message-db"],
            vec!["check", &url, "--preset", "message-db"],
            vec!["verify", &url, "--preset", "message-db"],
            vec!["seal", &url, "out.jsonl"],
        ] {
            let (code, out, err) = common::run(&args);
            assert_eq!(code, 2, "{args:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{args:?} showed {secret:?}: {err}"
            );
        }
    }
}

static ROLE: AtomicU32 = AtomicU32::new(0);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Against a real server: a role is made with the random password; every well-formed URL
    /// logs in as that role (the rows name `current_user`), a raw one logs in as it or is
    /// refused, and nothing any command prints or any screen shows holds the password: the
    /// answers of `balance`, `check` and `verify`, a wrong password, a missing table, a server
    /// that is not there.
    #[test]
    #[ignore = "needs PostgreSQL"]
    fn a_url_logs_in_as_the_user_it_names_and_never_shows_the_password(
        password in "[ -~]{8,24}",
        form in form(),
    ) {
        let db = pgdb::empty_db("secrets");
        let role = format!("rw_pw_{}_{}", std::process::id(), ROLE.fetch_add(1, Ordering::Relaxed));
        db.sql(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD '{}'",
            password.replace('\'', "''")
        ));
        let host_port = format!("127.0.0.1:{}", db.port());
        let url = url_with(&password, form, &role, &host_port, &db.name);
        let wrong = format!("{password}~");
        let secrets = [password.as_str(), wrong.as_str()];
        let result = (|| -> Result<(), TestCaseError> {
            let (code, out, err) = run_clean(&["balance", &url, "--query", QUERY, "--json"], &secrets)?;
            if code != 0 {
                prop_assert!(form.raw(), "{url}: {err}");
                prop_assert_eq!(code, 2, "{}", err);
                prop_assert_eq!(err.lines().count(), 1, "{}", err);
                return Ok(());
            }
            let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
            prop_assert_eq!(answer["accounts"][0]["accountId"].as_str(), Some(role.as_str()));
            let (code, out, err) = run_clean(&["check", &url, "--query", QUERY], &secrets)?;
            prop_assert_eq!(code, 0, "{} {}", out, err);
            prop_assert!(out.contains("postgres://"), "{}", out);
            let (code, _, err) = run_clean(&["check", &url, "--query", QUERY, "--json"], &secrets)?;
            prop_assert_eq!(code, 0, "{}", err);
            let (code, _, err) = run_clean(&["verify", &url, "--query", QUERY], &secrets)?;
            prop_assert_eq!(code, 0, "{}", err);
            prop_assert!(err.contains("unsealed"), "{}", err);
            // A wrong password, a table that is not there, a server that is not there.
            let wrong_url = url_with(&wrong, form, &role, &host_port, &db.name);
            let e = refused(&["check", &wrong_url, "--query", QUERY], &secrets)?;
            prop_assert!(e.contains("refused the login"), "{}", e);
            let e = refused(
                &["balance", &url, "--preset", "eventsourcing", "--table", "no_such_table"],
                &secrets,
            )?;
            prop_assert!(e.contains("no_such_table"), "{}", e);
            let gone = url.replace(&host_port, &format!("127.0.0.1:{}", closed_port()));
            refused(&["balance", &gone, "--query", QUERY], &secrets)?;
            // The explorer's screens for the rows read from the server.
            let source = PgSource::new(&url, Layout::Query { sql: QUERY.to_string() }).unwrap();
            let ledger = source.load(&LoadOptions::default(), None).unwrap();
            prop_assert_eq!(ledger.account_name(ledger.accounts_sorted()[0]), role.as_str());
            screens_are_clean(ledger, &secrets)?;
            Ok(())
        })();
        db.sql(&format!("DROP ROLE {role}"));
        result?;
    }
}
