use std::path::PathBuf;

use proptest::prelude::*;
use tokio_postgres::config::SslMode;

use super::*;

fn parse(text: &str) -> PgUrl {
    PgUrl::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn refused(text: &str) -> String {
    match PgUrl::parse(text) {
        Ok(url) => panic!("{text} was read as {url}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn urls_are_recognised() {
    assert!(is_url("postgres://localhost/db"));
    assert!(is_url("PostgreSQL://localhost/db"));
    assert!(!is_url("postgres.jsonl"));
    assert!(!is_url("./postgres://x"));
}

#[test]
fn what_is_shown_is_what_was_read_without_the_password() {
    let cases = [
        (
            "postgres://ann:s3cr%40t@db.example:5433/ledger",
            "postgres://ann:***@db.example:5433/ledger",
        ),
        (
            "postgresql://ann:p@ss@host/db?sslmode=disable",
            "postgresql://ann:***@host/db?sslmode=disable",
        ),
        (
            "postgres://host/db?user=ann&password=hunter22",
            "postgres://host/db?user=ann&password=***",
        ),
        ("postgres://ann@host/db", "postgres://ann@host/db"),
        (
            "postgres://u:se#cr:et!1@127.0.0.1:1/db",
            "postgres://u:***@127.0.0.1:1/db",
        ),
        ("postgres://host", "postgres://host"),
        (
            "postgres://ann@h/db?password=hunter22&sslrootcert=/home/me%40corp/ca.pem",
            "postgres://ann@h/db?password=***&sslrootcert=/home/me%40corp/ca.pem",
        ),
        (
            "postgres://ann:p@ss@h/db?application_name=a%40b",
            "postgres://ann:***@h/db?application_name=a%40b",
        ),
        // A percent-encoded key is the key it decodes to.
        (
            "postgres://u@h/db?sslmode=disable&pass%77ord=SECRET",
            "postgres://u@h/db?sslmode=disable&password=***",
        ),
        (
            "postgres://u@[::1]:5433,h2/db",
            "postgres://u@[::1]:5433,h2/db",
        ),
        (
            "postgres://u@%2Frun%2Fpostgresql/db",
            "postgres://u@%2Frun%2Fpostgresql/db",
        ),
        // Invisible and control characters are shown encoded.
        (
            "postgres://u%E2%80%AE@h/d%0Ab",
            "postgres://u%E2%80%AE@h/d%0Ab",
        ),
    ];
    for (text, want) in cases {
        let url = parse(text);
        assert_eq!(url.to_string(), want, "{text}");
        assert_eq!(format!("{url:?}"), want, "{text}");
        // What is shown reads back as the same connection, password aside.
        let again = parse(want);
        assert_eq!(again.to_string(), want);
        assert_eq!(again.targets(), url.targets());
        assert_eq!(again.user(), url.user());
    }
}

#[test]
fn the_connection_uses_what_was_read() {
    let url = parse("postgres://u:hunt@er=22@host:6000/db?connect_timeout=2.5&sslmode=require");
    assert_eq!(url.user(), Some("u"));
    assert_eq!(url.password_bytes().as_deref(), Some(&b"hunt@er=22"[..]));
    assert_eq!(
        url.targets(),
        &[Target {
            host: Host::Tcp("host".into()),
            port: 6000
        }]
    );
    assert_eq!(url.config().get_dbname(), Some("db"));
    assert_eq!(url.timeout(), Some(Duration::from_millis(2500)));
    assert_eq!(url.config().get_ssl_mode(), SslMode::Require);
    assert!(url.tls().require);

    let url = parse("postgres://u@h/db?sslmode=disable&pass%77ord=SE%26CRET");
    assert_eq!(url.password_bytes().as_deref(), Some(&b"SE&CRET"[..]));
    let url = parse("postgres:///db?host=/run/postgresql&port=5433&user=ann");
    assert_eq!(
        url.targets(),
        &[Target {
            host: Host::Unix("/run/postgresql".into()),
            port: 5433
        }]
    );
    assert_eq!(url.user(), Some("ann"));
    assert_eq!(parse("postgres://h/db?connect_timeout=0").timeout(), None);
    assert_eq!(parse("postgres://h/db").timeout(), Some(DEFAULT_TIMEOUT));
    assert_eq!(
        parse("postgres://h/db").config().get_application_name(),
        Some("rewind")
    );
}

#[test]
fn tls_modes_and_roots_are_read() {
    let url = parse("postgres://u:p@w@h/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem");
    assert_eq!(url.tls().verify, Verify::Full);
    assert_eq!(
        url.tls().roots,
        Some(Roots::File(PathBuf::from("/tmp/ca.pem")))
    );
    assert_eq!(url.config().get_ssl_mode(), SslMode::Require);
    let url = parse("postgres://h/db?sslrootcert=system&sslmode=verify-ca");
    assert_eq!(
        (url.tls().verify, url.tls().roots.clone()),
        (Verify::Chain, Some(Roots::System))
    );
    let url = parse("postgres://u@h/db?sslmode=verify-ca&sslrootcert=/home/me%40corp/ca.pem");
    assert_eq!(
        url.tls().roots,
        Some(Roots::File(PathBuf::from("/home/me@corp/ca.pem")))
    );
    assert_eq!(
        parse("postgres://h/db").config().get_ssl_mode(),
        SslMode::Prefer
    );
}

/// URLs another reader takes one way and the writer may have meant another are refused, and the
/// refusal shows no part of them.
#[test]
fn ambiguous_urls_are_refused_without_showing_them() {
    for (text, secret) in [
        // A password with a raw `?`: the host part ends inside it.
        ("postgres://u:hunt?er=22@host/db", "hunt?er=22"),
        ("postgres://u:p@ss?w=rd#1@host/db", "ss?w=rd#1"),
        (
            "postgres://u:12?application_name=x@host/db",
            "application_name=x",
        ),
        ("postgres://u:12/er@host/db", "12/er"),
        ("postgres://host:5432?password=xq@zzq", "zzq"),
        ("postgres://host?password=a@b", "password=a"),
        (
            "postgres://u@h/db?sslrootcert=/home/me@corp/ca.pem",
            "me@corp",
        ),
        ("postgres://u:100%sure@h/db", "100%sure"),
        ("postgres://u:pw@host:notaport/db", "notaport"),
        ("postgres://u:pw@ho st/db", "ho st"),
        ("postgres://u@h/db?pasword=hunter22", "hunter22"),
        ("postgres://u@h/db?password=a&password=hunter22", "hunter22"),
        ("postgres://u:hunter22@h/db?password=other-pw", "other-pw"),
        ("postgres://u@h/db?sslmode=hunter22", "hunter22"),
        ("postgres://u:hunter22@/db", "hunter22"),
    ] {
        let e = refused(text);
        assert!(
            e.starts_with("postgres://…: not a valid PostgreSQL URL: "),
            "{e}"
        );
        assert!(!e.contains(secret), "{text}: {e}");
        assert!(!e.contains("hunter22") && !e.contains("pw@"), "{text}: {e}");
    }
    assert!(refused("postgres://u:a?b@h/db").contains("%3F"));
    assert!(refused("postgres://u:100%sure@h/db").contains("%25"));
}

#[test]
fn redaction() {
    assert_eq!(
        redact("user ann hunter22 failed", Some(b"hunter22")),
        "user ann *** failed"
    );
    assert_eq!(redact("a b", Some(b"a")), "a b");
}

/// Percent-encodes every byte of `text` that is in `raw_not_allowed`, or every byte.
fn encode(text: &[u8], all: bool, raw_not_allowed: &[u8]) -> String {
    let mut out = String::new();
    for &b in text {
        if all || raw_not_allowed.contains(&b) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// How a test writes a password into a URL.
#[derive(Clone, Copy, Debug)]
enum Form {
    /// In the user part, with only `/`, `?` and `%` encoded.
    User,
    /// In the user part, every byte encoded.
    UserEncoded,
    /// As `?password=`, with `&`, `#`, `@` and `%` encoded.
    Option,
    /// As `?pass%77ord=`, every byte of the value encoded.
    OptionEncoded,
    /// In the user part, typed raw however it reads.
    UserRaw,
    /// As `?password=`, typed raw however it reads.
    OptionRaw,
}

/// A URL holding `password` in the given form.
fn url_with(password: &str, form: Form, user: &str, host: &str) -> String {
    let pw = password.as_bytes();
    match form {
        Form::User => format!("postgres://{user}:{}@{host}/db", encode(pw, false, b"/?%")),
        Form::UserEncoded => format!("postgres://{user}:{}@{host}/db", encode(pw, true, b"")),
        Form::UserRaw => format!("postgres://{user}:{password}@{host}/db"),
        Form::Option => format!(
            "postgres://{user}@{host}/db?sslmode=disable&password={}",
            encode(pw, false, b"&#@%")
        ),
        Form::OptionEncoded => format!(
            "postgres://{host}/db?user={user}&pass%77ord={}&sslmode=disable",
            encode(pw, true, b"")
        ),
        Form::OptionRaw => {
            format!("postgres://{user}@{host}/db?password={password}&sslmode=disable")
        }
    }
}

fn form() -> impl Strategy<Value = Form> {
    prop_oneof![
        Just(Form::User),
        Just(Form::UserEncoded),
        Just(Form::Option),
        Just(Form::OptionEncoded),
        Just(Form::UserRaw),
        Just(Form::OptionRaw),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever the password and however it is written: a URL that is read names the user
    /// and the password it was written with (unless written raw, where it may read otherwise)
    /// and never shows the password; a URL that is refused shows nothing of it.
    #[test]
    fn no_password_is_shown(password in "[ -~]{8,24}", form in form()) {
        let text = url_with(&password, form, "ann", "127.0.0.1:5432");
        match PgUrl::parse(&text) {
            Ok(url) => {
                let shown = url.to_string();
                prop_assert!(!shown.contains(&password), "{text} shown as {shown}");
                let debug = format!("{url:?}");
                prop_assert!(!debug.contains(&password), "{}", debug);
                if !matches!(form, Form::UserRaw | Form::OptionRaw) {
                    prop_assert_eq!(url.user(), Some("ann"));
                    prop_assert_eq!(url.password_bytes(), Some(password.as_bytes().to_vec()));
                    prop_assert_eq!(url.targets().len(), 1);
                }
                // What is shown reads back as the same servers and user.
                let again = PgUrl::parse(&shown).unwrap();
                prop_assert_eq!(again.targets(), url.targets());
                prop_assert_eq!(again.user(), url.user());
            }
            Err(e) => {
                prop_assert!(
                    matches!(form, Form::UserRaw | Form::OptionRaw),
                    "{} refused: {}", text, e
                );
                let e = e.to_string();
                prop_assert!(!e.contains(&password), "{}", e);
            }
        }
    }

    /// A raw password whose only special characters are those a user part may hold raw is
    /// read whole.
    #[test]
    fn raw_passwords_without_slash_question_or_percent_are_read_whole(
        password in "[ -$&-.0->@-~]{1,24}"
    ) {
        let url = PgUrl::parse(&url_with(&password, Form::UserRaw, "ann", "h")).unwrap();
        prop_assert_eq!(url.password_bytes(), Some(password.as_bytes().to_vec()));
        prop_assert_eq!(url.user(), Some("ann"));
    }
}
