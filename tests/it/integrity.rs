//! What a sealed log promises beyond its hashes, end to end through the binary: seqs that count
//! up by one, a head that is the last record, records that every reader reads alike, and seqs and
//! amounts read exactly whatever their spelling.

use crate::common;

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

/// The kinds and lines `check --json` reports.
fn problems(path: &Path) -> Vec<(u64, String, String)> {
    let (_, out, _) = run(&["check", path_str(path), "--json"]);
    json(&out)["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["kind"].as_str().unwrap().to_string(),
                p["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_sealed_record_that_gives_a_member_twice_is_reported_and_moves_nothing() {
    let t = |s: u64| format!("2024-03-01T12:00:0{s}.000Z");
    let (text, _) = sealed(&[
        deposit_body(1, "5"),
        format!(
            r#"{{"seq":2,"eventId":"e-2","accountId":"a","type":"DEPOSIT","amount":"1","timestamp":"{}","amount":"1000""#,
            t(2)
        ),
        format!(
            r#"{{"seq":3,"eventId":"e-3","accountId":"a","accountId":"b","type":"DEPOSIT","amount":"7","timestamp":"{}""#,
            t(3)
        ),
        format!(
            r#"{{"seq":4,"eventId":"e-4","accountId":"a","type":"DEPOSIT","type":"ACCOUNT_CLOSED","timestamp":"{}""#,
            t(4)
        ),
        deposit_body(5, "2"),
    ]);
    let (_dir, path) = log_file("dup.jsonl", &text);
    let p = path_str(&path);
    let (code, out) = {
        let (code, out, _) = run(&["verify", p]);
        (code, out)
    };
    assert_eq!(code, 0, "the chain itself holds: {out}");
    let found = problems(&path);
    let dups: Vec<_> = found
        .iter()
        .filter(|(_, kind, _)| kind == "duplicate-member")
        .collect();
    assert_eq!(
        dups.iter().map(|(line, _, _)| *line).collect::<Vec<_>>(),
        vec![2, 3, 4],
        "{found:?}"
    );
    assert!(
        dups[0].2.contains("`amount`") && dups[0].2.contains(r#""1000""#),
        "{found:?}"
    );
    // No after-close either: the ambiguous close closes nothing.
    assert_eq!(found.len(), 3, "{found:?}");
    let (_, out, _) = run(&["balance", p, "--json"]);
    let report = json(&out);
    assert_eq!(report["accounts"][0]["accountId"], "a", "{out}");
    assert_eq!(
        report["accounts"][0]["balance"], "7",
        "only 5 + 2 count: {out}"
    );
    assert_eq!(report["accounts"][0]["closed"], false, "{out}");
    let (code, _, err) = run(&["check", p]);
    assert_eq!(code, 1, "{err}");
}

#[test]
fn seal_refuses_a_record_that_gives_a_member_twice() {
    let (_dir, path) = log_file(
        "in.jsonl",
        "{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"amount\":\"1000\",\"timestamp\":1}\n",
    );
    let out = path.with_file_name("out.jsonl");
    let (code, _, err) = run(&["seal", path_str(&path), "--out", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(":1: ") && err.contains("`amount`"), "{err}");
    assert!(!out.exists());
}

#[test]
fn append_writes_each_member_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    let p = path_str(&path);
    for args in [
        &[
            "--type", "DEPOSIT", "--amount", "5", "--meta", "amount=9", "--meta", "type=x",
        ][..],
        &[
            "--type", "TRANSFER", "--amount", "1", "--to", "b", "--id", "t-1", "--at", "-1m",
        ][..],
        &[
            "--type",
            "ACCOUNT_CLOSED",
            "--meta",
            "note=a",
            "--meta",
            "NOTE=b",
        ][..],
    ] {
        let mut all = vec!["append", p, "--account", "a"];
        all.extend_from_slice(args);
        let (code, _, err) = run(&all);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    for line in std::fs::read_to_string(&path).unwrap().lines() {
        assert_eq!(
            rewind::ledger::record::repeated_member(line),
            None,
            "{line}"
        );
    }
    let found = problems(&path);
    assert!(
        found.iter().all(|(_, kind, _)| kind != "duplicate-member"),
        "{found:?}"
    );
}

/// A sealed log of five deposits written by `append`, and its head digest.
fn five_appended() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    let p = path_str(&path).to_string();
    let mut head = String::new();
    for i in 1..=5 {
        let amount = format!("{i}0");
        let at = format!("2024-03-01T12:0{i}:00Z");
        let (code, out, err) = run(&[
            "append",
            &p,
            "--account",
            "a",
            "--type",
            "DEPOSIT",
            "--amount",
            &amount,
            "--at",
            &at,
        ]);
        assert_eq!(code, 0, "{err}");
        head = out
            .lines()
            .find_map(|l| l.strip_prefix("head "))
            .unwrap()
            .to_string();
    }
    assert!(head.starts_with("5:"), "{head}");
    (dir, path, head)
}

/// Seals a record with `seq` onto the end of the log, as a writer other than rewind could.
fn seal_onto(path: &Path, seq: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let last = text.lines().last().unwrap();
    let prev = rewind::ledger::chain::from_hex(&last[last.len() - 66..last.len() - 2]).unwrap();
    let body = format!(
        r#"{{"seq":{seq},"eventId":"late","accountId":"a","type":"DEPOSIT","amount":"1000","timestamp":"2024-03-01T12:00:30.000Z""#
    );
    let (line, _) = seal_line(&body, &prev);
    std::fs::write(path, format!("{text}{line}\n")).unwrap();
}

#[test]
fn a_sealed_record_whose_seq_does_not_follow_breaks_the_chain() {
    for seq in ["0", "1", "3", "5", "7", "9223372036854775807"] {
        let (_dir, path, kept) = five_appended();
        let p = path_str(&path);
        let (_, before, _) = run(&["balance", p, "--seq", "2", "--json"]);
        seal_onto(&path, seq);
        let written = std::fs::read_to_string(&path).unwrap();
        // The first two records in recorded order are still the first two of the chain.
        let (_, after, _) = run(&["balance", p, "--seq", "2", "--json"]);
        assert_eq!(
            json(&after)["accounts"],
            json(&before)["accounts"],
            "seq {seq}"
        );
        let (code, out, _) = run(&["verify", p, "--expect", &kept]);
        assert_eq!(code, 1, "seq {seq}: {out}");
        assert!(
            out.contains(&format!(
                "{p}:6: chain broken (seq {seq}): seq {seq} where the record before is seq 5"
            )),
            "{out}"
        );
        assert!(out.contains("DOES NOT HOLD"), "{out}");
        assert!(!out.contains("head "), "no head for a broken log: {out}");
        let found = problems(&path);
        assert!(
            found
                .iter()
                .any(|(line, kind, _)| *line == 6 && kind == "chain-broken"),
            "seq {seq}: {found:?}"
        );
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
        assert_eq!(code, 2, "seq {seq}: {err}");
        assert!(
            err.contains(&format!(
                "{p}:6: the last record is seq {seq}, but the record before it is seq 5"
            )),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            written,
            "nothing appended"
        );
    }
}

#[test]
fn a_record_that_follows_keeps_the_log_intact_and_the_head_is_the_last_record() {
    let (_dir, path, kept) = five_appended();
    let p = path_str(&path);
    seal_onto(&path, "6");
    let (code, out, _) = run(&["verify", p, "--expect", &kept]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\nhead 6:"), "{out}");
}

#[test]
fn a_sealed_log_may_start_at_any_seq_from_one() {
    let (text, _) = sealed(&[deposit_body(1001, "1"), deposit_body(1002, "2")]);
    let (_dir, path) = log_file("late-start.jsonl", &text);
    let p = path_str(&path);
    let (code, out, _) = run(&["verify", p]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("head 1002:"), "{out}");
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
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("head 1003:"), "{out}");
    // Seq 0 is the empty log's: no record starts a sealed log with it.
    let (text, _) = sealed(&[deposit_body(0, "1"), deposit_body(1, "2")]);
    let (_dir, path) = log_file("zero.jsonl", &text);
    let p = path_str(&path);
    let (code, out, _) = run(&["verify", p]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("{p}:1: chain broken")), "{out}");
    let (text, _) = sealed(&[deposit_body(0, "1")]);
    std::fs::write(&path, &text).unwrap();
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
    assert!(err.contains("start from 1"), "{err}");
}

#[test]
fn an_unsealed_log_with_repeated_seqs_reads_as_before() {
    let (_dir, path) = log_file(
        "unsealed.jsonl",
        concat!(
            "{\"seq\":2,\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"2\",\"timestamp\":4}\n",
            "{\"seq\":1,\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":1}\n",
            "{\"seq\":1,\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"5\",\"timestamp\":3}\n",
        ),
    );
    let found = problems(&path);
    assert_eq!(
        found
            .iter()
            .map(|(l, k, _)| (*l, k.as_str()))
            .collect::<Vec<_>>(),
        vec![(3, "duplicate-seq")],
        "{found:?}"
    );
    // Recorded order is the order of seq: the first record is line 2.
    let (_, out, _) = run(&["balance", path_str(&path), "--seq", "1", "--json"]);
    assert_eq!(json(&out)["accounts"][0]["balance"], "1", "{out}");
}

#[test]
fn seal_refuses_seqs_that_do_not_go_up_by_one() {
    for (seqs, why) in [
        ([1, 3], "seq 3 does not follow seq 1"),
        ([2, 2], "seq 2 does not follow seq 2"),
        ([0, 1], "start from 1"),
    ] {
        let text: String = seqs
            .iter()
            .map(|s| {
                format!("{{\"seq\":{s},\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":{s}}}\n")
            })
            .collect();
        let (_dir, path) = log_file("in.jsonl", &text);
        let out = path.with_file_name("out.jsonl");
        let (code, _, err) = run(&["seal", path_str(&path), "--out", out.to_str().unwrap()]);
        assert_eq!(code, 2, "{seqs:?}: {err}");
        assert!(err.contains(why), "{seqs:?}: {err}");
        assert!(!out.exists());
    }
    // Starting at any seq from 1 is fine.
    let (_dir, path) = log_file(
        "in.jsonl",
        "{\"seq\":41,\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":1}\n{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":2}\n",
    );
    let out = path.with_file_name("out.jsonl");
    let (code, stdout, err) = run(&["seal", path_str(&path), "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("head 42:"), "{stdout}");
    let (code, verified, _) = run(&["verify", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{verified}");
}

#[test]
fn a_json_arrays_problems_come_in_the_order_of_its_elements_on_one_line_or_many() {
    let elements = [
        r#"{"accountId":"a","type":"DEPOSIT","timestamp":"noon"}"#,
        r#"{"type":"DEPOSIT","timestamp":1}"#,
        r#"{"accountId":"a","type":"DEPOSIT","amount":"x","timestamp":2}"#,
        "42",
    ];
    let kinds = |separator: &str| -> Vec<String> {
        let (_dir, path) = log_file("log.json", &format!("[{}]\n", elements.join(separator)));
        let (code, out, err) = run(&["check", path_str(&path), "--json"]);
        assert_eq!(code, 1, "{err}");
        json(&out)["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["kind"].as_str().unwrap().to_string())
            .collect()
    };
    let in_order = ["bad-time", "missing-field", "bad-amount", "bad-json"];
    assert_eq!(kinds(",\n"), in_order);
    assert_eq!(kinds(","), in_order);
    assert_eq!(kinds(", "), in_order);
}
