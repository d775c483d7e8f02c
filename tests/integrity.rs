//! What a sealed log promises beyond its hashes, end to end through the binary: seqs that count
//! up by one, a head that is the last record, records that every reader reads alike, and seqs and
//! amounts read exactly whatever their spelling.

mod common;

use std::path::Path;

use common::{json, log_file, run};
use rewind::ledger::chain::{GENESIS, seal_line};

/// A sealed log of the given record bodies (each `{"seq":…,…` without its closing brace), chained
/// in order; returns its text and the head hash.
fn sealed(bodies: &[String]) -> (String, [u8; 32]) {
    let mut prev = GENESIS;
    let mut text = String::new();
    for body in bodies {
        let (line, hash) = seal_line(body, &prev);
        text.push_str(&line);
        text.push('\n');
        prev = hash;
    }
    (text, prev)
}

fn deposit_body(seq: u64, amount: &str) -> String {
    format!(
        r#"{{"seq":{seq},"eventId":"e-{seq}","accountId":"a","type":"DEPOSIT","amount":"{amount}","timestamp":"2024-03-01T12:00:{:02}.000Z""#,
        seq % 60
    )
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn append_refuses_to_follow_the_largest_seq_and_never_wraps() {
    let max: u64 = 9_223_372_036_854_775_807;
    let (text, _) = sealed(&[deposit_body(max - 1, "1"), deposit_body(max, "2")]);
    let (_dir, path) = log_file("max.jsonl", &text);
    let p = path_str(&path);
    let (code, out, err) = run(&["check", p]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&[
        "append",
        p,
        "--account",
        "a",
        "--type",
        "DEPOSIT",
        "--amount",
        "1",
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(&format!("the head is at seq {max}, the largest seq")),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "nothing written"
    );
}

#[test]
fn a_seq_beyond_the_largest_is_a_bad_field_and_not_a_head() {
    let (text, _) = sealed(&[
        deposit_body(1, "1"),
        r#"{"seq":18446744073709551615,"eventId":"x","accountId":"a","type":"DEPOSIT","amount":"5","timestamp":"2024-03-01T12:00:02.000Z""#.to_string(),
    ]);
    let (_dir, path) = log_file("huge.jsonl", &text);
    let p = path_str(&path);
    let (code, out, _) = run(&["check", p, "--json"]);
    assert_eq!(code, 1);
    let report = json(&out);
    let kinds: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"bad-field"), "{out}");
    let (code, _, err) = run(&[
        "append",
        p,
        "--account",
        "a",
        "--type",
        "DEPOSIT",
        "--amount",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("largest seq"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "nothing written"
    );
    let (_, out, _) = run(&["balance", p, "--json"]);
    assert_eq!(json(&out)["accounts"][0]["balance"], "1", "{out}");
}

#[test]
fn exact_amounts_are_read_whatever_their_spelling() {
    let text = concat!(
        r#"{"accountId":"a","type":"DEPOSIT","timestamp":1,"amount":100000000000000000000000000000e-2}"#,
        "\n",
        r#"{"accountId":"a","type":"DEPOSIT","timestamp":2,"amount":"0e999999999"}"#,
        "\n",
        r#"{"accountId":"a","type":"WITHDRAW","timestamp":3,"amount":0.000000000000000000000000000000000000005e39}"#,
        "\n",
    );
    let (_dir, path) = log_file("spellings.jsonl", text);
    let p = path_str(&path);
    let (code, out, err) = run(&["check", p]);
    assert_eq!(code, 0, "{out}{err}");
    let (_, out, _) = run(&["balance", p, "--json"]);
    assert_eq!(
        json(&out)["accounts"][0]["balance"],
        "999999999999999999999999995.0",
        "{out}"
    );
}
