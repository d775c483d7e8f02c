//! No Kafka password is ever shown: for random passwords over the whole printable set, in the
//! user part or as `?password=`, raw or percent-encoded, no output of any command and no screen of
//! the explorer holds it. (Against a real broker, a wrong password is refused in one line that
//! does not hold it either: `kafka::an_unreachable_broker_…`.)

use proptest::prelude::*;
use rewind::ledger::{LoadOptions, load_bytes};
use rewind::source::kafka::KafkaUrl;
use rewind::tui::app::App;
use rewind::tui::theme::Theme;
use rewind::tui::ui;

use crate::common;

#[derive(Clone, Copy, Debug)]
enum Form {
    /// In the user part, `/` and `%` encoded (the README's rule).
    User,
    /// In the user part, every byte encoded.
    UserEncoded,
    /// In the user part, raw (may not read: then nothing of it is shown).
    UserRaw,
    /// As `?password=`, `&` and `%` encoded.
    Option,
    /// As `?password=`, every byte encoded.
    OptionEncoded,
}

use crate::common::{percent_encode as encode, screen_text};

fn url_with(password: &str, form: Form, port: u16) -> String {
    let hosts = format!("127.0.0.1:{port}");
    match form {
        Form::User => format!(
            "kafka://ann:{}@{hosts}/ledger?timeout=2&tls=off",
            encode(password, Some(b"/%"))
        ),
        Form::UserEncoded => format!(
            "kafka://ann:{}@{hosts}/ledger?sasl=scram-sha-256",
            encode(password, None)
        ),
        Form::UserRaw => format!("kafka://ann:{password}@{hosts}/ledger?tls=off"),
        Form::Option => format!(
            "kafka://{hosts}/ledger?user=ann&password={}&sasl=scram-sha-512",
            encode(password, Some(b"&%"))
        ),
        Form::OptionEncoded => format!(
            "kafka://{hosts}/ledger?user=ann&password={}&tls=off",
            encode(password, None)
        ),
    }
}

fn form() -> impl Strategy<Value = Form> {
    prop_oneof![
        Just(Form::User),
        Just(Form::UserEncoded),
        Just(Form::UserRaw),
        Just(Form::Option),
        Just(Form::OptionEncoded),
    ]
}

fn screen(ledger: rewind::ledger::Ledger) -> String {
    let app = App::new(ledger, (300, 40));
    screen_text(300, 40, |f| ui::draw(f, &app, Theme { color: true }))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn no_command_and_no_screen_shows_a_kafka_password(
        password in "[ -~]{8,24}",
        form in form(),
    ) {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = url_with(&password, form, port);
        let parsed = KafkaUrl::parse(&url);
        prop_assert!(parsed.is_ok() || matches!(form, Form::UserRaw), "{url}: {:?}", parsed.err());
        for args in [
            vec!["balance", &url],
            vec!["check", &url, "--json"],
            vec!["verify", &url],
            vec!["history", &url, "--account", "a"],
            vec!["append", &url, "--account", "a", "--type", "DEPOSIT", "--amount", "1"],
            vec!["repair", &url],
            vec!["balance", &url, "--preset", "message-db"],
            vec!["balance", "log.jsonl", &url],
            vec!["balance", &url, "--seq", &url],
            vec!["check", &format!("--types={url}"), "log.jsonl"],
        ] {
            let (code, out, err) = common::run(&args);
            prop_assert!(
                !out.contains(&password) && !err.contains(&password),
                "{args:?} showed the password {password:?}:\n{out}\n{err}"
            );
            prop_assert_eq!(code, 2, "{:?}: {} {}", args, out, err);
            prop_assert_eq!(err.lines().count(), 1, "{}", err);
            if parsed.is_ok() && args.len() <= 8 && !args.contains(&"log.jsonl") {
                prop_assert!(err.contains("kafka://"), "{}", err);
            }
        }
        if let Ok(url) = parsed {
            let name = url.to_string();
            prop_assert!(!name.contains(&password), "{name}");
            let ledger = load_bytes(&name, std::fs::read("assets/sample.jsonl").unwrap(), &LoadOptions::default());
            let main = screen(ledger);
            prop_assert!(main.contains("kafka://"), "{main}");
            prop_assert!(!main.contains(&password), "{main}");
        }
    }
}
