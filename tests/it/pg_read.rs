//! The read commands on PostgreSQL event stores, end to end against a real server.

use crate::common;
use crate::pgdb;

use std::collections::BTreeMap;

use common::{json, run};
use pgdb::{TestDb, write_message};

/// Hundredths of a unit, to compute expected balances without the code under test.
fn cents(text: &str) -> i128 {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let frac = format!("{frac:0<2}");
    let sign = if whole.starts_with('-') { -1 } else { 1 };
    let whole: i128 = whole.trim_start_matches('-').parse().unwrap();
    sign * (whole * 100 + frac[..2].parse::<i128>().unwrap())
}

fn show(c: i128) -> String {
    let sign = if c < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", c.abs() / 100, c.abs() % 100)
}

/// `balance --json` as (account → balance in cents), plus `asOf.seq`.
fn balances(db: &TestDb, extra: &[&str]) -> (BTreeMap<String, i128>, u64) {
    let mut args = vec!["balance", &db.url, "--preset", "message-db", "--json"];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    let map = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["accountId"].as_str().unwrap().to_string(),
                cents(a["balance"].as_str().unwrap()),
            )
        })
        .collect();
    (map, v["asOf"]["seq"].as_u64().unwrap())
}

#[test]
#[ignore = "needs PostgreSQL"]
fn message_db_balances_as_of_several_moments() {
    let db = pgdb::message_db("mdb_balances");
    let mut c = db.client();
    // (stream, type, data, account, signed amount in cents for the account, and for `to`)
    let events: &[(&str, &str, &str)] = &[
        (
            "account-acc-1",
            "AccountOpened",
            r#"{"accountId":"acc-1","amount":100.00}"#,
        ),
        (
            "account-acc-2",
            "Deposited",
            r#"{"amount":9007199254740993.07}"#,
        ),
        (
            "account-acc-1",
            "Withdrawn",
            r#"{"accountId":"acc-1","amount":"30.25"}"#,
        ),
        (
            "account-acc-1",
            "MoneyTransferred",
            r#"{"accountId":"acc-1","amount":20,"to":"acc-2"}"#,
        ),
        ("account-acc-2", "Withdrawn", r#"{"amount":0.07}"#),
        (
            "account-acc-3",
            "Deposited",
            r#"{"accountId":"acc-3","amount":0.1}"#,
        ),
        (
            "account-acc-3",
            "Deposited",
            r#"{"accountId":"acc-3","amount":0.2}"#,
        ),
    ];
    for (stream, kind, data) in events {
        write_message(&mut c, stream, kind, data);
    }
    // Expected balances after each event, computed here from the same facts.
    let effects: Vec<Vec<(&str, i128)>> = vec![
        vec![("acc-1", 10_000)],
        vec![("acc-2", cents("9007199254740993.07"))],
        vec![("acc-1", -3_025)],
        vec![("acc-1", -2_000), ("acc-2", 2_000)],
        vec![("acc-2", -7)],
        vec![("acc-3", 10)],
        vec![("acc-3", 20)],
    ];
    let mut expected: Vec<BTreeMap<String, i128>> = vec![BTreeMap::new()];
    for e in &effects {
        let mut next = expected.last().unwrap().clone();
        for (a, d) in e {
            *next.entry(a.to_string()).or_insert(0) += d;
        }
        expected.push(next);
    }
    let nonzero = |m: &BTreeMap<String, i128>| -> BTreeMap<String, i128> {
        m.iter()
            .filter(|(_, v)| **v != 0)
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    };
    // As of a number of events.
    for n in [0, 1, 2, 4, 7] {
        let (got, seq) = balances(&db, &["--seq", &n.to_string()]);
        assert_eq!(seq, n as u64);
        assert_eq!(nonzero(&got), nonzero(&expected[n]), "as of seq {n}");
    }
    // As of the time of each event (the times are the server's, read back to the millisecond).
    let times: Vec<String> = c
        .query(
            "SELECT to_char(time, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM message_store.messages \
             ORDER BY global_position",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for (i, t) in times.iter().enumerate() {
        // Every event at or before this millisecond counts.
        let n = times.iter().filter(|u| *u <= t).count();
        let (got, _) = balances(&db, &["--at", t]);
        assert_eq!(
            nonzero(&got),
            nonzero(&expected[n]),
            "as of {t} (event {i})"
        );
    }
    // The end, with exact digits.
    let (code, out, err) = run(&["balance", &db.url, "--preset", "message-db", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    let acc2 = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["accountId"] == "acc-2")
        .unwrap();
    assert_eq!(acc2["balance"], "9007199254741013.00");
    assert_eq!(show(expected[7]["acc-2"]), "9007199254741013.00");
    let acc3 = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["accountId"] == "acc-3")
        .unwrap();
    assert_eq!(acc3["balance"], "0.3");
    // The statement of one account, by position.
    let (code, out, err) = run(&[
        "history",
        &db.url,
        "--preset",
        "message-db",
        "--account",
        "acc-1",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("49.75") && out.contains("69.75"), "{out}");
    // The password never shows, not even in the ledger's name.
    let password = password_of(&db.url);
    assert!(!out.contains(&password) && !err.contains(&password));
}

fn password_of(url: &str) -> String {
    let config: postgres::Config = url.parse().unwrap();
    String::from_utf8(config.get_password().unwrap_or_default().to_vec()).unwrap()
}

#[test]
#[ignore = "needs PostgreSQL"]
fn rows_that_cannot_become_events_are_problems_at_their_position() {
    let db = pgdb::message_db("mdb_problems");
    let mut c = db.client();
    write_message(&mut c, "account-a", "Deposited", r#"{"amount":5}"#);
    write_message(&mut c, "account-a", "Deposited", r#"{"amount":"ten"}"#);
    write_message(&mut c, "account", "Deposited", r#"{"amount":1}"#);
    write_message(&mut c, "account-a", "Deposited", r#"{"amount":2}"#);
    let (code, out, err) = run(&["check", &db.url, "--preset", "message-db", "--json"]);
    assert_eq!(code, 1, "{err}");
    let v = json(&out);
    let problems: Vec<(u64, String)> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        vec![
            (2, "bad-amount".to_string()),
            (3, "missing-field".to_string())
        ]
    );
    assert_eq!(v["events"], 2);
    let (code, out, _) = run(&["balance", &db.url, "--preset", "message-db", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(json(&out)["accounts"][0]["balance"], "7");
}

#[test]
#[ignore = "needs PostgreSQL"]
fn any_select_with_canonical_columns() {
    let db = pgdb::empty_db("query_source");
    db.sql(
        "CREATE TABLE ledger_events (pos bigint, acct text, kind text, amount numeric, \
         at timestamptz, payload jsonb);
         INSERT INTO ledger_events VALUES
           (1, 'a', 'DEPOSIT', 100.10, '2024-03-01 12:00:00+01', '{\"note\":\"x\"}'),
           (2, 'a', 'WITHDRAW', 0.10, '2024-03-01 12:30:00+00', NULL),
           (3, NULL, NULL, 7, '2024-03-01 13:00:00+00', '{\"accountId\":\"b\",\"type\":\"DEPOSIT\"}');",
    );
    let query = "SELECT pos AS seq, acct AS \"accountId\", kind AS type, amount, at AS timestamp, \
                 payload AS data FROM ledger_events ORDER BY pos";
    let (code, out, err) = run(&["balance", &db.url, "--query", query, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["accounts"][0]["balance"], "100.00");
    // Row 3 takes its account and type from `data`.
    assert_eq!(v["accounts"][1]["accountId"], "b");
    assert_eq!(v["accounts"][1]["balance"], "7");
    // 12:00+01 is 11:00Z: the deposit only.
    let (_, out, _) = run(&[
        "balance",
        &db.url,
        "--query",
        query,
        "--json",
        "--at",
        "2024-03-01T11:59:59Z",
    ]);
    assert_eq!(json(&out)["accounts"][0]["balance"], "100.10");
}

/// The one line a failure prints, after checking it is one line and exit 2.
fn failure(args: &[&str], secret: &str) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 2, "{args:?}: {out} {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!out.contains(secret) && !err.contains(secret), "{err}");
    err
}

#[test]
#[ignore = "needs PostgreSQL"]
fn errors_are_one_line_and_never_show_the_password() {
    let db = pgdb::empty_db("errors");
    let real = password_of(&db.url);
    let port = db.port();
    // Nothing listens on a port just released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let secret = "pw-do-not-show-3141592653";
    let url = format!("postgres://postgres:{secret}@127.0.0.1:{closed}/db");
    let err = failure(&["balance", &url, "--preset", "message-db"], secret);
    assert!(err.contains("cannot connect"), "{err}");
    assert!(err.contains(&format!("postgres://postgres:***@127.0.0.1:{closed}/db")));
    // A refused login.
    let url = format!("postgres://postgres:{secret}@127.0.0.1:{port}/{}", db.name);
    let err = failure(&["check", &url, "--preset", "message-db"], secret);
    assert!(err.contains("refused the login"), "{err}");
    // No Message DB table here.
    let err = failure(&["balance", &db.url, "--preset", "message-db"], &real);
    assert!(err.contains("message_store.messages"), "{err}");
    // A table without the expected column.
    db.sql("CREATE TABLE stored_events (originator_id uuid, originator_version bigint, topic text, state bytea)");
    let err = failure(
        &[
            "history",
            &db.url,
            "--preset",
            "eventsourcing",
            "--table",
            "stored_events",
            "--account",
            "x",
        ],
        &real,
    );
    assert!(err.contains("notification_id"), "{err}");
    // A database that is not there, and a query that names no such table.
    let err = failure(
        &[
            "balance",
            &pgdb::with_db(&db.url, "no_such_db"),
            "--preset",
            "message-db",
        ],
        &real,
    );
    assert!(err.contains("no_such_db"), "{err}");
    let err = failure(
        &["balance", &db.url, "--query", "SELECT * FROM nowhere"],
        &real,
    );
    assert!(err.contains("nowhere"), "{err}");
    // A query whose columns cannot make events names what it lacks, before any row is read.
    for command in ["balance", "check"] {
        let err = failure(
            &[
                command,
                &db.url,
                "--query",
                "SELECT 1 AS seq, 'a' AS account",
            ],
            &real,
        );
        assert!(
            err.contains(
                "--query gives no column for type (type/eventType/event_type), \
                 timestamp (timestamp/time/ts/createdAt/created_at)"
            ),
            "{err}"
        );
        assert!(err.contains("(its columns: seq, account)"), "{err}");
    }
    // A URL without a preset or query says what it needs.
    let err = failure(&["balance", &db.url], &real);
    assert!(err.contains("--preset message-db"), "{err}");
    // The query runs read-only: it cannot write.
    db.sql("CREATE SEQUENCE counter");
    let err = failure(
        &[
            "balance",
            &db.url,
            "--query",
            "SELECT nextval('counter') AS seq, 'a' AS account, 'DEPOSIT' AS type, now() AS ts",
        ],
        &real,
    );
    assert!(err.contains("read-only"), "{err}");
}

#[test]
#[ignore = "needs PostgreSQL"]
fn the_eventsourcing_library_table() {
    let db = pgdb::empty_db("eventsourcing");
    let python = std::env::var("REWIND_TEST_PYTHON")
        .expect("REWIND_TEST_PYTHON names a Python with the eventsourcing package");
    let script = r#"
import json, os, sys
from decimal import Decimal
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

class Account(Aggregate):
    @event("AccountOpened")
    def __init__(self, owner):
        self.owner = owner
    @event("MoneyDeposited")
    def deposit(self, amount: Decimal):
        pass
    @event("MoneyWithdrawn")
    def withdraw(self, amount: Decimal):
        pass

class Bank(Application):
    pass

bank = Bank(env={"PERSISTENCE_MODULE": "eventsourcing.postgres"})
a = Account("ann")
a.deposit(Decimal("100.10"))
a.withdraw(Decimal("0.20"))
b = Account("bob")
b.deposit(Decimal("9007199254740993.07"))
bank.save(a, b)
a.deposit(Decimal("0.05"))
bank.save(a)
print(json.dumps({"a": str(a.id), "b": str(b.id)}))
"#;
    let config: postgres::Config = db.url.parse().unwrap();
    let host = match &config.get_hosts()[0] {
        postgres::config::Host::Tcp(h) => h.clone(),
        #[allow(unreachable_patterns)]
        _ => "127.0.0.1".to_string(),
    };
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .env("POSTGRES_DBNAME", &db.name)
        .env("POSTGRES_HOST", host)
        .env("POSTGRES_PORT", db.port().to_string())
        .env("POSTGRES_USER", config.get_user().unwrap())
        .env("POSTGRES_PASSWORD", password_of(&db.url))
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ids = json(&String::from_utf8_lossy(&out.stdout));
    let (a, b) = (ids["a"].as_str().unwrap(), ids["b"].as_str().unwrap());
    let args = |extra: &[&str]| {
        let mut v = vec![
            "balance".to_string(),
            db.url.clone(),
            "--preset".into(),
            "eventsourcing".into(),
            "--table".into(),
            "bank_events".into(),
            "--json".into(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let balance_of = |extra: &[&str], account: &str| -> Option<String> {
        let a: Vec<String> = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let (code, out, err) = run(&a);
        assert_eq!(code, 0, "{err}");
        json(&out)["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["accountId"] == account)
            .map(|x| x["balance"].as_str().unwrap().to_string())
    };
    // Recorded order: a opened, a +100.10, a -0.20, b opened, b +9007199254740993.07, a +0.05.
    assert_eq!(balance_of(&["--seq", "2"], a).as_deref(), Some("100.10"));
    assert_eq!(balance_of(&["--seq", "3"], a).as_deref(), Some("99.90"));
    assert_eq!(
        balance_of(&["--seq", "5"], b).as_deref(),
        Some("9007199254740993.07")
    );
    assert_eq!(balance_of(&[], a).as_deref(), Some("99.95"));
    let (code, out, err) = run(&[
        "check",
        &db.url,
        "--preset",
        "eventsourcing",
        "--table",
        "bank_events",
        "--json",
    ]);
    // Opening events carry no amount: no problem; every type is known.
    assert_eq!(code, 0, "{out} {err}");
}

#[test]
#[ignore = "needs PostgreSQL"]
fn rows_out_of_physical_order_are_ordered_by_position() {
    let db = pgdb::message_db("physical_order");
    let mut c = db.client();
    write_message(&mut c, "account-a", "Deposited", r#"{"amount":5}"#);
    write_message(&mut c, "account-a", "Withdrawn", r#"{"amount":2}"#);
    write_message(&mut c, "account-a", "Deposited", r#"{"amount":1}"#);
    // An updated row moves to the end of the table's storage.
    db.sql("UPDATE message_store.messages SET metadata = '{}' WHERE global_position = 1");
    let (code, out, err) = run(&[
        "history",
        &db.url,
        "--preset",
        "message-db",
        "--account",
        "a",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    let rows = v["rows"].as_array().or(v.as_array()).expect("history rows");
    let seqs: Vec<u64> = rows.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, vec![1, 2, 3], "{out}");
    let (_, out, _) = run(&[
        "balance",
        &db.url,
        "--preset",
        "message-db",
        "--seq",
        "2",
        "--json",
    ]);
    assert_eq!(json(&out)["accounts"][0]["balance"], "3");
}

/// State rules read a Message DB message's `data`: its members are the fields, under their own
/// names, and a rule's path `limit` reads `data.limit`.
#[test]
#[ignore = "needs PostgreSQL"]
fn state_rules_read_the_message_data() {
    let db = pgdb::message_db("mdb_state");
    let mut c = db.client();
    let messages: &[(&str, &str)] = &[
        ("AccountOpened", r#"{"amount":"100.00"}"#),
        (
            "AddressChanged",
            r#"{"address":"12 Elm St","geo":{"city":"Harbourside"}}"#,
        ),
        ("LimitRaised", r#"{"limit":"500.00"}"#),
        ("LimitRaised", r#"{"limit":"250.50"}"#),
        (
            "AddressChanged",
            r#"{"address":"3 Oak Rd","geo":{"city":"Millbrook"}}"#,
        ),
    ];
    for (kind, data) in messages {
        write_message(&mut c, "account-acc-1", kind, data);
    }
    let dir = tempfile::tempdir().unwrap();
    let types = dir.path().join("types.toml");
    std::fs::write(
        &types,
        "ignore = [\"LimitRaised\"]\n[state.LimitRaised]\nadd = { limit = \"limit\" }\n",
    )
    .unwrap();
    let types = types.to_str().unwrap();
    let url = db.url.as_str();
    // `COMMAND URL` on acc-1 with the rules, and `extra`: its JSON.
    let on_acc_1 = |command: &str, extra: &[&str]| {
        let mut args = vec![command, url];
        args.extend_from_slice(&[
            "--preset",
            "message-db",
            "--account",
            "acc-1",
            "--types",
            types,
        ]);
        args.extend_from_slice(extra);
        args.push("--json");
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{command}: {err}");
        json(&out)
    };
    let state = |extra: &[&str]| {
        let v = on_acc_1("state", extra);
        let fields: BTreeMap<String, String> = v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["name"].as_str().unwrap().to_string(),
                    f["value"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        fields
    };
    let end = state(&[]);
    assert_eq!(end["address"], "3 Oak Rd", "{end:?}");
    assert_eq!(end["geo.city"], "Millbrook", "{end:?}");
    assert_eq!(end["limit"], "750.50", "{end:?}");
    // The envelope is not state: no stream, position or data.* fields.
    assert!(
        end.keys()
            .all(|k| !k.starts_with("data") && k != "stream" && k != "position"),
        "{end:?}"
    );
    let third = state(&["--seq", "3"]);
    assert_eq!(third["address"], "12 Elm St", "{third:?}");
    assert_eq!(third["limit"], "500.00", "{third:?}");
    // Blame and when on the same fields.
    let blame = on_acc_1("blame", &["--field", "address"]);
    assert_eq!(blame["changes"].as_array().unwrap().len(), 2, "{blame}");
    let when = on_acc_1("when", &["address ~ elm"]);
    assert_eq!(when["intervals"].as_array().unwrap().len(), 1, "{when}");
}
