//! Tamper evidence and appends on a Message DB database, against a real server.

use crate::common;
use crate::pgdb;

use rewind::ledger::chain::{ExpectedDigest, to_hex};
use rewind::ledger::{LoadOptions, Moment, Money};
use rewind::source::pg::append::{NewEvent, append};
use rewind::source::pg::digest::{Check, digest};
use rewind::source::pg::{Layout, PgErrorKind, PgSource};
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
fn verify_catches_an_update_and_a_delete() {
    let Some(db) = pgdb::message_db("verify") else {
        return;
    };
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

#[test]
fn appends_go_through_write_message_with_its_version_check() {
    let Some(db) = pgdb::message_db("append") else {
        return;
    };
    let source = PgSource::new(&db.url, Layout::MessageDb).unwrap();
    let event = |kind: &str, amount: &str, expected: Option<i64>| NewEvent {
        account: "acc-1".to_string(),
        kind: kind.to_string(),
        amount: Some(Money::parse(amount).unwrap()),
        expected_version: expected,
        meta: vec![("by".to_string(), "test".to_string())],
        ..NewEvent::default()
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
fn verify_and_append_on_the_command_line() {
    let Some(db) = pgdb::message_db("cli_verify_append") else {
        return;
    };
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
fn a_signed_checkpoint_of_the_rows_holds_until_a_row_is_changed() {
    let Some(db) = pgdb::message_db("checkpoint") else {
        return;
    };
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
