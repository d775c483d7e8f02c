//! Tamper evidence and appends on a Message DB database, against a real server.

use crate::common;
use crate::pgdb;

use rewind::ledger::chain::{ExpectedDigest, to_hex};
use rewind::ledger::new_event::NewEvent;
use rewind::ledger::{LoadOptions, Moment, Money, TypeMap};
use rewind::source::pg::append::{self, AppendError, Appended, Target};
use rewind::source::pg::digest::digest;
use rewind::source::pg::{Layout, PgError, PgErrorKind, PgSource};
use rewind::source::rows::Check;
use sha2::{Digest, Sha256};

use pgdb::write_message;

/// The digest computed here from the documented encoding, with plain queries.
fn independent_digest(c: &mut postgres::Client) -> String {
    let rows = c
        .query(
            "SELECT global_position::text, position::text, id::text, stream_name, type, \
             to_char(time, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), data::text, metadata::text \
             FROM message_store.messages ORDER BY global_position",
            &[],
        )
        .unwrap();
    let mut h = [0u8; 32];
    let mut seq = String::from("0");
    for row in &rows {
        let mut bytes = 8i16.to_be_bytes().to_vec();
        for i in 0..8 {
            match row.get::<_, Option<String>>(i) {
                Some(text) => {
                    bytes.extend_from_slice(&(text.len() as i32).to_be_bytes());
                    bytes.extend_from_slice(text.as_bytes());
                }
                None => bytes.extend_from_slice(&(-1i32).to_be_bytes()),
            }
        }
        let mut sha = Sha256::new();
        sha.update(h);
        sha.update(&bytes);
        h = sha.finalize().into();
        seq = row.get(0);
    }
    format!("{seq}:{}", to_hex(&h))
}

fn check(source: &PgSource, kept: &str) -> Check {
    let expected: ExpectedDigest = kept.parse().unwrap();
    digest(source, Some(&expected)).unwrap().check.unwrap()
}

#[test]
#[ignore = "needs PostgreSQL"]
fn verify_catches_an_update_and_a_delete() {
    let db = pgdb::message_db("verify");
    let mut c = db.client();
    for (stream, amount) in [
        ("account-a", "10"),
        ("account-b", "2.50"),
        ("account-a", "1"),
    ] {
        write_message(
            &mut c,
            stream,
            "Deposited",
            &format!(r#"{{"amount":{amount}}}"#),
        );
    }
    c.batch_execute(
        "UPDATE message_store.messages SET metadata = '{\"by\": \"ann\"}' WHERE global_position = 3",
    )
    .unwrap();
    let source = PgSource::new(&db.url, Layout::MessageDb).unwrap();
    let report = digest(&source, None).unwrap();
    let kept = report.head_text();
    assert_eq!(report.rows, 3);
    assert!(kept.starts_with("3:"), "{kept}");
    assert_eq!(kept, independent_digest(&mut c));
    assert_eq!(check(&source, &kept), Check::Matches { seq: 3 });
    // A hash alone is found among the rows' chain.
    let hash_only = kept.split_once(':').unwrap().1;
    assert_eq!(check(&source, hash_only), Check::Matches { seq: 3 });

    // New rows do not change what a kept digest proves.
    write_message(&mut c, "account-b", "Withdrawn", r#"{"amount":0.5}"#);
    assert_eq!(check(&source, &kept), Check::Matches { seq: 3 });
    let kept4 = digest(&source, None).unwrap().head_text();

    // An UPDATE with plain SQL, however small, is caught.
    c.batch_execute(
        "UPDATE message_store.messages SET data = '{\"amount\": 2.51}' WHERE global_position = 2",
    )
    .unwrap();
    assert!(matches!(
        check(&source, &kept),
        Check::Differs { seq: 3, .. }
    ));
    // Even put back as it was, it is the same again (the digest is of the content).
    c.batch_execute(
        "UPDATE message_store.messages SET data = '{\"amount\": 2.50}' WHERE global_position = 2",
    )
    .unwrap();
    assert_eq!(check(&source, &kept), Check::Matches { seq: 3 });

    // A DELETE before the kept position, and of the kept position itself.
    c.batch_execute("DELETE FROM message_store.messages WHERE global_position = 1")
        .unwrap();
    assert!(matches!(
        check(&source, &kept),
        Check::Differs { seq: 3, .. }
    ));
    c.batch_execute("DELETE FROM message_store.messages WHERE global_position = 4")
        .unwrap();
    assert_eq!(
        check(&source, &kept4),
        Check::Missing {
            seq: 4,
            last: Some(3)
        }
    );
    let hash_only = kept4.split_once(':').unwrap().1;
    assert_eq!(check(&source, hash_only), Check::NotFound);
}

/// Appends with the default types; an error is the database's (the event itself is valid).
fn append(source: &PgSource, (event, target): &(NewEvent, Target)) -> Result<Appended, PgError> {
    append::append(source, event, target, &TypeMap::default()).map_err(|e| match e {
        AppendError::Db(e) => e,
        other => panic!("{other}"),
    })
}

#[test]
#[ignore = "needs PostgreSQL"]
fn appends_go_through_write_message_with_its_version_check() {
    let db = pgdb::message_db("append");
    let source = PgSource::new(&db.url, Layout::MessageDb).unwrap();
    let event = |kind: &str, amount: &str, expected: Option<i64>| {
        let event = NewEvent {
            account: "acc-1".to_string(),
            kind: kind.to_string(),
            amount: Some(Money::parse(amount).unwrap()),
            meta: vec![("by".to_string(), "test".to_string())],
            ..NewEvent::default()
        };
        let target = Target {
            expected_version: expected,
            ..Target::default()
        };
        (event, target)
    };
    let first = append(
        &source,
        &event("AccountOpened", "9007199254740993.07", Some(-1)),
    )
    .unwrap();
    assert_eq!(
        (first.stream.as_str(), first.position, first.global_position),
        ("account-acc-1", 0, 1)
    );
    let second = append(&source, &event("Withdrawn", "0.07", Some(0))).unwrap();
    assert_eq!(second.position, 1);
    // A writer that expects an older version is refused, and writes nothing.
    let e = append(&source, &event("Withdrawn", "1", Some(0))).unwrap_err();
    assert_eq!(e.kind, PgErrorKind::Conflict, "{e}");
    assert!(e.message.contains("Wrong expected version"), "{e}");
    let ledger = source.load(&LoadOptions::default(), None).unwrap();
    assert_eq!(ledger.len(), 2);
    let states = ledger.balances_at(Moment::End);
    assert_eq!(states[0].balance.to_string(), "9007199254740993.00");
    assert!(ledger.raw_text(0).contains(r#""meta":{"by": "test"}"#));
    // Another preset has no write API here.
    let other = PgSource::new(
        &db.url,
        Layout::Query {
            sql: "SELECT 1".into(),
        },
    )
    .unwrap();
    assert_eq!(
        append(&other, &event("X", "1", None)).unwrap_err().kind,
        PgErrorKind::Usage
    );
}

#[test]
#[ignore = "needs PostgreSQL"]
fn verify_and_append_on_the_command_line() {
    let db = pgdb::message_db("cli_verify_append");
    let url = db.url.as_str();
    let mdb = ["--preset", "message-db"];
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&mdb);
        common::run(&all)
    };
    // Appends through write_message; --expect-seq counts the stream's messages.
    let (code, out, err) = run(&[
        "append",
        url,
        "--account",
        "acc-1",
        "--type",
        "Deposited",
        "--amount",
        "9007199254740993.07",
        "--expect-seq",
        "0",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(r#""amount":9007199254740993.07"#), "{out}");
    let (code, _, err) = run(&[
        "append",
        url,
        "--account",
        "acc-1",
        "--type",
        "Withdrawn",
        "--amount",
        "0.07",
        "--expect-seq",
        "0",
    ]);
    assert_eq!(code, 2, "a stale --expect-seq is refused");
    assert!(err.contains("Wrong expected version"), "{err}");
    let (code, _, err) = run(&[
        "append",
        url,
        "--account",
        "acc-1",
        "--type",
        "Withdrawn",
        "--amount",
        "0.07",
        "--expect-seq",
        "1",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(&["balance", url, "--json"]);
    assert_eq!(code, 0);
    assert_eq!(
        common::json(&out)["accounts"][0]["balance"],
        "9007199254740993.00"
    );

    // The digest, kept and checked.
    let (code, out, err) = run(&["verify", url]);
    assert_eq!(code, 0, "{err}");
    let kept = out.trim().to_string();
    assert!(kept.starts_with("2:"), "{kept}");
    let (code, out, _) = run(&["verify", url, "--expect", &kept]);
    assert_eq!((code, out.trim()), (0, kept.as_str()));
    db.sql("UPDATE message_store.messages SET data = '{\"amount\": 1}' WHERE global_position = 1");
    let (code, _, err) = run(&["verify", url, "--expect", &kept]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("changed, removed or inserted"), "{err}");
    let (code, out, _) = run(&["verify", url, "--expect", &kept, "--json"]);
    assert_eq!(code, 1);
    assert_eq!(common::json(&out)["matches"], false);

    // Commands for log files refuse a database, without showing its password.
    let password = {
        let config: postgres::Config = url.parse().unwrap();
        String::from_utf8(config.get_password().unwrap().to_vec()).unwrap()
    };
    for args in [
        vec!["seal", url, "--out", "x.jsonl"],
        vec!["repair", url],
        vec!["snapshot", url],
    ] {
        let (code, out, err) = common::run(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(
            !out.contains(&password) && !err.contains(&password),
            "{err}"
        );
    }
}

/// The RFC 6962 root of the rows computed here from the documented encoding (`FORMAT.md`: a
/// row's leaf is the bytes its digest chains), with plain queries and a naive tree.
fn independent_root(c: &mut postgres::Client, size: usize) -> [u8; 32] {
    fn mth(d: &[Vec<u8>]) -> [u8; 32] {
        match d.len() {
            0 => Sha256::digest(b"").into(),
            1 => Sha256::digest([&[0u8][..], &d[0]].concat()).into(),
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                Sha256::digest([&[1u8][..], &mth(&d[..k]), &mth(&d[k..])].concat()).into()
            }
        }
    }
    let rows = c
        .query(
            "SELECT global_position::text, position::text, id::text, stream_name, type, \
             to_char(time, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), data::text, metadata::text \
             FROM message_store.messages ORDER BY global_position",
            &[],
        )
        .unwrap();
    let leaves: Vec<Vec<u8>> = rows
        .iter()
        .take(size)
        .map(|row| {
            let mut bytes = 8i16.to_be_bytes().to_vec();
            for i in 0..8 {
                match row.get::<_, Option<String>>(i) {
                    Some(text) => {
                        bytes.extend_from_slice(&(text.len() as i32).to_be_bytes());
                        bytes.extend_from_slice(text.as_bytes());
                    }
                    None => bytes.extend_from_slice(&(-1i32).to_be_bytes()),
                }
            }
            bytes
        })
        .collect();
    mth(&leaves)
}

#[test]
#[ignore = "needs PostgreSQL"]
fn a_signed_checkpoint_of_the_rows_holds_until_a_row_is_changed() {
    let db = pgdb::message_db("checkpoint");
    let mut c = db.client();
    for (stream, amount) in [
        ("account-a", "10"),
        ("account-b", "2.50"),
        ("account-a", "1"),
    ] {
        write_message(
            &mut c,
            stream,
            "Deposited",
            &format!(r#"{{"amount":{amount}}}"#),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.key");
    std::fs::copy("assets/ops-2024.key", &key).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let cp = dir.path().join("cp");
    let state = dir.path().join("state");
    let (k, cpp, st) = (
        key.to_str().unwrap(),
        cp.to_str().unwrap(),
        state.to_str().unwrap(),
    );
    let (code, out, err) = common::run(&[
        "checkpoint",
        &db.url,
        "--preset",
        "message-db",
        "--key",
        k,
        "--origin",
        "bank-db",
        "--out",
        cpp,
        "--state-dir",
        st,
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(&lines[..2], ["bank-db", "3"]);
    use base64::Engine;
    let root = base64::engine::general_purpose::STANDARD
        .decode(lines[2])
        .unwrap();
    assert_eq!(root, independent_root(&mut c, 3));
    let verify = |extra: &[&str]| {
        let mut args = vec![
            "verify",
            &db.url,
            "--preset",
            "message-db",
            "--expect",
            cpp,
            "--key",
            "assets/ops-2024.pub",
        ];
        args.extend_from_slice(extra);
        common::run(&args)
    };
    let (code, out, _) = verify(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("expected checkpoint of `bank-db` at 3 records holds: the first 3 rows are the tree the checkpoint signed (signed by `ops-2024`)"), "{out}");
    // A row added since: the old tree is still a prefix.
    write_message(&mut c, "account-b", "Deposited", r#"{"amount":5}"#);
    assert_eq!(verify(&[]).0, 0);
    // A row changed: it no longer holds.
    c.batch_execute(
        "UPDATE message_store.messages SET data = '{\"amount\": 1000}' WHERE global_position = 2",
    )
    .unwrap();
    let (code, out, _) = verify(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("DOES NOT HOLD: the first 3 rows are not the tree the checkpoint signed"),
        "{out}"
    );
    // Signing again over the changed rows disagrees with the tree remembered for the origin.
    let (code, _, err) = common::run(&[
        "checkpoint",
        &db.url,
        "--preset",
        "message-db",
        "--key",
        k,
        "--origin",
        "bank-db",
        "--state-dir",
        st,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("HISTORY REWRITTEN since"), "{err}");
}

/// What no writer writes, as the command line gives it: each case with the words it is refused in.
const REFUSED: &[(&[&str], &str)] = &[
    (
        &["--type", "Deposited", "--amount", "-5"],
        "must be positive",
    ),
    (
        &["--type", "Deposited", "--amount", "0"],
        "must be positive",
    ),
    (
        &["--type", "Launched", "--amount", "5"],
        "unknown event type",
    ),
    (
        &["--type", "Deposited", "--amount", "5", "--to", "acc-2"],
        "only for transfers",
    ),
    (&["--type", "Withdrawn"], "needs --amount"),
    (&["--type", "AccountClosed", "--amount", "1"], "not allowed"),
    (
        &["--type", "MoneyTransferred", "--amount", "1"],
        "needs --to",
    ),
    (
        &[
            "--type",
            "MoneyTransferred",
            "--amount",
            "1",
            "--to",
            "acc-1",
        ],
        "same account",
    ),
    (
        &[
            "--type",
            "Deposited",
            "--amount",
            "1",
            "--meta",
            "note=a\u{2066}b",
        ],
        "U+2066",
    ),
    (
        &[
            "--type",
            "Deposited",
            "--amount",
            "1",
            "--meta",
            "k=1",
            "--meta",
            "k=2",
        ],
        "given twice",
    ),
    (
        &[
            "--type",
            "Deposited",
            "--amount",
            "1",
            "--meta",
            "a\u{1b}b=1",
        ],
        "U+001B",
    ),
    (
        &["--type", "Deposited", "--amount", "1", "--id", "x\ny"],
        "U+000A",
    ),
    (&["--type", "Dep\u{ad}osited", "--amount", "1"], "U+00AD"),
    (
        &[
            "--type",
            "MoneyTransferred",
            "--amount",
            "1",
            "--to",
            "acc\u{200b}2",
        ],
        "U+200B",
    ),
];

fn messages(c: &mut postgres::Client) -> i64 {
    c.query_one("SELECT count(*) FROM message_store.messages", &[])
        .unwrap()
        .get(0)
}

#[test]
#[ignore = "needs PostgreSQL"]
fn what_a_log_file_refuses_message_db_refuses_in_the_same_words_and_nothing_is_written() {
    let db = pgdb::message_db("refused");
    let mut c = db.client();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let file = log.to_str().unwrap();
    for (args, why) in REFUSED {
        let run = |target: &str, extra: &[&str]| {
            let mut all = vec!["append", target, "--account", "acc-1"];
            all.extend_from_slice(args);
            all.extend_from_slice(extra);
            common::run(&all)
        };
        let (code, out, on_file) = run(file, &[]);
        assert_eq!(code, 2, "{args:?}: {on_file}");
        assert!(on_file.contains(why), "{args:?}: {on_file}");
        assert!(
            out.is_empty() && !log.exists(),
            "{args:?}: a file was written"
        );
        let (code, out, on_db) = run(&db.url, &["--preset", "message-db"]);
        assert_eq!(code, 2, "{args:?}: {on_db}");
        assert_eq!(on_db, on_file, "{args:?}: the same words for both stores");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert_eq!(messages(&mut c), 0, "{args:?}: a message was written");
    }
    // An account with a control character, and an empty one.
    for account in ["acc\u{1b}[2J", " "] {
        let args = ["--account", account, "--type", "Deposited", "--amount", "1"];
        let (code, _, on_file) = common::run(&[&["append", file][..], &args].concat());
        let (db_code, _, on_db) =
            common::run(&[&["append", &db.url, "--preset", "message-db"][..], &args].concat());
        assert_eq!((code, db_code), (2, 2), "{on_file} / {on_db}");
        assert!(on_file.contains("--account"), "{on_file}");
        assert_eq!(on_db, on_file);
    }
    assert!(!log.exists());
    assert_eq!(messages(&mut c), 0);
    // A type the team declared is checked by the effect it was given, on both stores.
    let types = dir.path().join("types.toml");
    std::fs::write(&types, "debit = [\"Launched\"]\n").unwrap();
    let launched = ["--account", "acc-1", "--type", "Launched", "--types"];
    let (code, _, on_file) =
        common::run(&[&["append", file][..], &launched, &[types.to_str().unwrap()]].concat());
    let (db_code, _, on_db) = common::run(
        &[
            &["append", &db.url, "--preset", "message-db"][..],
            &launched,
            &[types.to_str().unwrap()],
        ]
        .concat(),
    );
    assert_eq!((code, db_code), (2, 2), "{on_file} / {on_db}");
    assert!(on_file.contains("a debit needs --amount"), "{on_file}");
    assert_eq!(on_db, on_file);
    assert!(!log.exists());
    assert_eq!(messages(&mut c), 0);
}

#[test]
#[ignore = "needs PostgreSQL"]
fn both_writers_refuse_an_invalid_event_with_the_same_error() {
    use rewind::ledger::store::{self, Expect, StoreError};
    let db = pgdb::message_db("refused_typed");
    let mut c = db.client();
    let source = PgSource::new(&db.url, Layout::MessageDb).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    let types = TypeMap::default();
    let good = NewEvent {
        account: "acc-1".into(),
        kind: "Deposited".into(),
        amount: Some(Money::parse("1").unwrap()),
        ..NewEvent::default()
    };
    type Change = Box<dyn Fn(&mut NewEvent)>;
    let changes: Vec<Change> = vec![
        Box::new(|e| e.amount = Some(Money::parse("-0.01").unwrap())),
        Box::new(|e| e.kind = "Launched".into()),
        Box::new(|e| e.to = Some("acc-2".into())),
        Box::new(|e| e.account = "acc\u{7}".into()),
        Box::new(|e| e.account = String::new()),
        Box::new(|e| e.id = Some("\u{202e}".into())),
        Box::new(|e| e.meta = vec![("k".into(), "1".into()), ("k".into(), "2".into())]),
        Box::new(|e| e.meta = vec![("k".into(), "line\u{2028}break".into())]),
        Box::new(|e| e.amount = None),
        Box::new(|e| e.at = Some(i64::MAX)),
    ];
    for change in changes {
        let mut event = good.clone();
        change(&mut event);
        let on_file = match store::append(&log, &event, Expect::default(), &types) {
            Err(StoreError::Invalid(invalid)) => invalid,
            other => panic!("{event:?}: {other:?}"),
        };
        let on_db = match append::append(&source, &event, &Target::default(), &types) {
            Err(AppendError::Invalid { invalid, .. }) => invalid,
            other => panic!("{event:?}: {other:?}"),
        };
        assert_eq!(on_file, on_db, "{event:?}");
        assert!(!log.exists(), "{event:?}: a file was written");
        assert_eq!(messages(&mut c), 0, "{event:?}: a message was written");
    }
    // The valid event is written by both.
    store::append(&log, &good, Expect::default(), &types).unwrap();
    append::append(&source, &good, &Target::default(), &types).unwrap();
    assert_eq!(messages(&mut c), 1);
}
