//! What an investigation asks of the command line: problem flags on every row, logs that are not
//! logs, `diff` with totals, near-duplicates.

use crate::common::{json, log_file, run};

/// An account with a late charge, a refund repeated under the same id, and a withdrawal after it
/// was closed; `b` is clean.
const FLAGGED: &str = r#"{"eventId":"e1","accountId":"a","type":"DEPOSIT","amount":"100.00","timestamp":"2024-03-01T10:00:00Z"}
{"eventId":"e2","accountId":"b","type":"DEPOSIT","amount":"5.00","timestamp":"2024-03-01T12:00:00Z"}
{"eventId":"e3","accountId":"a","type":"CHARGE","amount":"30.00","timestamp":"2024-03-01T11:00:00Z"}
{"eventId":"e4","accountId":"a","type":"REFUND","amount":"10.00","timestamp":"2024-03-01T13:00:00Z"}
{"eventId":"e4","accountId":"a","type":"REFUND","amount":"10.00","timestamp":"2024-03-01T13:00:01Z"}
{"eventId":"e6","accountId":"a","type":"ACCOUNT_CLOSED","timestamp":"2024-03-01T14:00:00Z"}
{"eventId":"e7","accountId":"a","type":"WITHDRAW","amount":"200.00","timestamp":"2024-03-01T15:00:00Z"}
"#;

#[test]
fn history_names_the_problems_of_each_row_in_text_csv_and_json() {
    let (_dir, path) = log_file("flagged.jsonl", FLAGGED);
    let p = path.to_str().unwrap();
    let (code, out, err) = run(&["history", p, "--account", "a"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].contains("BALANCE  FLAGS"), "{out}");
    // Time order: the late charge comes second, where it happened.
    assert!(lines[1].trim_end().ends_with("100.00"), "{out}");
    assert!(lines[2].trim_end().ends_with("out-of-order"), "{out}");
    assert!(
        !lines[3].contains("duplicate-id"),
        "the first refund: {out}"
    );
    assert!(lines[4].trim_end().ends_with("duplicate-id"), "{out}");
    assert!(
        lines[6].trim_end().ends_with("after-close,overdraft"),
        "{out}"
    );

    let (code, out, _) = run(&["history", p, "--account", "a", "--csv"]);
    assert_eq!(code, 0);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(header.iter().next_back(), Some("problems"));
    let problems: Vec<String> = reader
        .records()
        .map(|r| r.unwrap().iter().next_back().unwrap().to_string())
        .collect();
    assert_eq!(
        problems,
        [
            "",
            "out-of-order",
            "",
            "duplicate-id",
            "",
            "after-close,overdraft"
        ]
    );

    let (_, out, _) = run(&["history", p, "--account", "a", "--json"]);
    let rows = json(&out)["rows"].as_array().unwrap().clone();
    let problems: Vec<serde_json::Value> = rows.iter().map(|r| r["problems"].clone()).collect();
    assert_eq!(
        problems,
        [
            serde_json::json!([]),
            serde_json::json!(["out-of-order"]),
            serde_json::json!([]),
            serde_json::json!(["duplicate-id"]),
            serde_json::json!([]),
            serde_json::json!(["after-close", "overdraft"]),
        ]
    );

    // A clean account's rows carry none.
    let (_, out, _) = run(&["history", p, "--account", "b", "--json"]);
    assert_eq!(json(&out)["rows"][0]["problems"], serde_json::json!([]));
}

#[test]
fn the_samples_overdraft_and_late_payment_are_flagged() {
    let (_, out, _) = run(&[
        "history",
        "assets/sample.jsonl",
        "--account",
        "cust-grace",
        "--json",
    ]);
    let rows = json(&out)["rows"].as_array().unwrap().clone();
    let flagged: Vec<(u64, &serde_json::Value)> = rows
        .iter()
        .filter(|r| !r["problems"].as_array().unwrap().is_empty())
        .map(|r| (r["seq"].as_u64().unwrap(), &r["problems"]))
        .collect();
    assert_eq!(flagged, [(549, &serde_json::json!(["out-of-order"]))]);
}

// ----- files that are not logs, standard input, compressed logs -----

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

fn bytes_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// Runs rewind with `stdin` as its standard input.
fn run_with_stdin(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let out = crate::common::rewind()
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every command that reads a log, on `p`.
fn readers(p: &str) -> Vec<Vec<&str>> {
    vec![
        vec!["balance", p],
        vec!["balance", p, "--json"],
        vec!["history", p, "--account", "a"],
        vec!["check", p],
        vec!["check", p, "--json"],
        vec!["verify", p],
        vec!["diff", p, "--from", "2024-01-01", "--to", "2024-01-02"],
    ]
}

fn assert_not_a_log(p: &str, why: &str) {
    let expected = format!("rewind: {p}: not a JSON Lines log ({why})\n");
    for args in readers(p) {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(out.is_empty(), "{args:?} printed {out}");
        assert_eq!(err, expected, "{args:?}");
    }
}

#[test]
fn a_binary_file_is_no_log_for_any_command() {
    let mut bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    bytes.extend(b"\n\x00\x01\n");
    let (_dir, path) = bytes_file("image.png", &bytes);
    assert_not_a_log(path.to_str().unwrap(), "binary data");
}

#[test]
fn text_without_one_event_is_no_log_and_one_event_makes_a_log() {
    let (_dir, path) = log_file("notes.txt", "dear diary\n\ntoday I wrote no JSON\n");
    assert_not_a_log(path.to_str().unwrap(), "no line is an event");
    // Lines that look like records are a damaged log, whose problems are listed.
    let (_dir, path) = log_file("damaged.jsonl", "{\"not\":\"an event\"}\n{seq:1\n");
    let (code, out, _) = run(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(":1: missing-field:") && out.contains(":2: bad-json:"),
        "{out}"
    );
    // An unsealed file of one long line is no log either: not a broken chain.
    let long = format!("{}\n", "x".repeat((1 << 20) + 10));
    let (_dir, path) = log_file("long.jsonl", &long);
    assert_not_a_log(path.to_str().unwrap(), "no line is an event");
    // One event among the garbage: a log with problems, as before.
    let text = "dear diary\n{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":1000}\n";
    let (_dir, path) = log_file("some.jsonl", text);
    let (code, out, _) = run(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(":1: bad-json:"), "{out}");
    // An empty file, or blank lines alone, is an empty log.
    for text in ["", "\n\n  \n"] {
        let (_dir, path) = log_file("empty.jsonl", text);
        let (code, out, err) = run(&["check", path.to_str().unwrap()]);
        assert_eq!(code, 0, "{text:?}: {out}{err}");
    }
}

#[test]
fn packings_rewind_does_not_read_are_named_with_the_command_that_unpacks_them() {
    let (_dir, path) = bytes_file(
        "log.jsonl.xz",
        b"\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4F\x02\x00!",
    );
    let p = path.to_str().unwrap();
    assert_not_a_log(p, &format!("xz? try: xzcat {p} | rewind … -"));
    let (_dir, path) = bytes_file("log.jsonl.bz2", b"BZh91AY&SY\x00\x01");
    let p = path.to_str().unwrap();
    assert_not_a_log(p, &format!("bzip2? try: bzcat {p} | rewind … -"));
}

#[test]
fn gzip_and_zstd_logs_are_read_directly_and_standard_input_with_dash() {
    let sample = std::fs::read("assets/sample.jsonl").unwrap();
    let (_, plain_balance, _) = run(&["balance", "assets/sample.jsonl", "--json"]);
    let (_, plain_check, _) = run(&["check", "assets/sample.jsonl", "--json"]);
    let plain_count = json(&plain_check)["count"].clone();
    let (_dir, gz) = bytes_file("sample.jsonl.gz", &gzip(&sample));
    let (_dir2, zst) = bytes_file("sample.jsonl.zst", &zstd(&sample));
    for path in [&gz, &zst] {
        let p = path.to_str().unwrap();
        let (code, out, err) = run(&["balance", p, "--json"]);
        assert_eq!(code, 0, "{p}: {err}");
        assert_eq!(out, plain_balance, "{p}");
        let (code, out, _) = run(&["check", p, "--json"]);
        assert_eq!(code, 1);
        assert_eq!(json(&out)["count"], plain_count);
        assert!(out.contains("\"line\":404"), "{out}");
        let (code, out, err) = run(&["verify", p]);
        assert_eq!(code, 0, "{p}: {out}{err}");
        assert!(out.contains("chain intact"), "{out}");
    }
    // Standard input, plain or compressed; its name in messages is `(standard input)`.
    for input in [sample.clone(), gzip(&sample), zstd(&sample)] {
        let (code, out, err) = run_with_stdin(&["balance", "-", "--json"], &input);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, plain_balance);
    }
    let (code, out, _) = run_with_stdin(&["check", "-"], &sample);
    assert_eq!(code, 1);
    assert!(
        out.contains("(standard input):404: overdraft: balance of cust-dana"),
        "{out}"
    );
    let (code, _, err) = run_with_stdin(&["history", "-", "--account", "a"], b"\x00\x01\x02\n");
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "rewind: (standard input): not a JSON Lines log (binary data)\n"
    );
    let (code, _, err) = run_with_stdin(&["check", "-"], &gzip(b"hello\n"));
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "rewind: (standard input): not a JSON Lines log (gzip data in which no line is an event)\n"
    );
}

#[test]
fn cut_gzip_data_is_refused_not_read_as_a_shorter_log() {
    let sample = std::fs::read("assets/sample.jsonl").unwrap();
    let mut gz = gzip(&sample);
    gz.truncate(gz.len() / 2);
    let (_dir, path) = bytes_file("cut.jsonl.gz", &gz);
    let p = path.to_str().unwrap();
    let (code, out, err) = run(&["balance", p]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.starts_with(&format!("rewind: {p}: the gzip data cannot be read: ")),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn compressed_logs_and_standard_input_are_never_written() {
    let sample = std::fs::read("assets/sample.jsonl").unwrap();
    let gz_bytes = gzip(&sample);
    let (dir, gz) = bytes_file("sample.jsonl.gz", &gz_bytes);
    let p = gz.to_str().unwrap();
    let out_path = dir.path().join("sealed.jsonl");
    let o = out_path.to_str().unwrap();
    for args in [
        vec![
            "append",
            p,
            "--account",
            "a",
            "--type",
            "DEPOSIT",
            "--amount",
            "1",
        ],
        vec!["repair", p],
        vec!["seal", p, "--out", o],
        vec!["snapshot", p],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(
            err.starts_with(&format!(
                "rewind: {p}: gzip data: `rewind {}` works on a plain log file",
                args[0]
            )),
            "{args:?}: {err}"
        );
        let (code, _, err) = run_with_stdin(
            &args
                .iter()
                .map(|a| if *a == p { "-" } else { a })
                .collect::<Vec<_>>(),
            &sample,
        );
        assert_eq!(code, 2, "{args:?}");
        assert!(
            err.contains("standard input is read only"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        std::fs::read(&gz).unwrap(),
        gz_bytes,
        "the file is untouched"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing beside it"
    );
    // The explorer takes its keys from the terminal: it says so instead of reading stdin.
    let (code, _, err) = run_with_stdin(&["-"], &sample);
    assert_eq!(code, 2);
    assert!(
        err.contains("the explorer reads its keys from the terminal"),
        "{err}"
    );
}

// ----- diff and totals -----

#[test]
fn diff_answers_what_the_explorers_d_answers_with_totals() {
    let args = [
        "diff",
        "assets/sample.jsonl",
        "--from",
        "2024-03-14 15:58",
        "--to",
        "2024-03-14 16:01",
    ];
    let (code, out, err) = run(&[&args[..], &["--json"]].concat());
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["from"], "2024-03-14T15:58:00.000Z");
    assert_eq!(v["to"], "2024-03-14T16:01:00.000Z");
    assert_eq!(
        v["accounts"],
        serde_json::json!([{"accountId":"cust-dana","before":"612.40","after":"-187.60",
            "delta":"-800.00","events":2}])
    );
    let seqs: Vec<u64> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [403, 404]);
    assert_eq!(v["events"][1]["problems"], serde_json::json!(["overdraft"]));
    assert_eq!(
        v["totals"],
        serde_json::json!({"byType":[{"type":"WITHDRAW","count":2,"sum":"800.00"}],
            "all":{"count":2,"sum":"800.00"}})
    );
    // The ledger's total moves by the change of the one account.
    let from: rust_decimal::Decimal = v["ledgerTotal"]["from"].as_str().unwrap().parse().unwrap();
    let to: rust_decimal::Decimal = v["ledgerTotal"]["to"].as_str().unwrap().parse().unwrap();
    assert_eq!(from - to, rust_decimal::Decimal::new(80000, 2));
    let (_, balance, _) = run(&[
        "balance",
        "assets/sample.jsonl",
        "--at",
        "2024-03-14 16:01",
        "--json",
    ]);
    let sum: rust_decimal::Decimal = json(&balance)["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            a["balance"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(
        sum, to,
        "the total as of --to is the sum of `balance` at that time"
    );

    // Text: the accounts, the events between with their flags, the totals.
    let (code, out, _) = run(&args);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "from 2024-03-14T15:58:00.000Z to 2024-03-14T16:01:00.000Z: 2 events, 1 account changed"
    );
    assert_eq!(lines[1], "ACCOUNT    BEFORE    AFTER    DELTA  EVENTS");
    assert_eq!(lines[2], "cust-dana  612.40  -187.60  -800.00       2");
    assert!(lines[6].starts_with("404  2024-03-14T16:00:02.870Z  cust-dana  WITHDRAW  400.00"));
    assert!(lines[6].ends_with("overdraft"), "{out}");
    assert!(
        out.contains("WITHDRAW       2  800.00\nall            2  800.00\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!("total of all balances: {from} → {to}\n")),
        "{out}"
    );

    // CSV: the events between, as the explorer exports them.
    let (code, out, _) = run(&[&args[..], &["--csv"]].concat());
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[0],
        "seq,line,timestamp,eventId,accountId,type,amount,to,balance,problems"
    );
    assert!(
        lines[2].ends_with(",cust-dana,WITHDRAW,400.00,,-187.60,overdraft"),
        "{out}"
    );
}

#[test]
fn diff_of_one_account_keeps_its_events_on_either_side_of_a_transfer() {
    let base = [
        "diff",
        "assets/sample.jsonl",
        "--from",
        "2024-03-10 18:30",
        "--to",
        "2024-03-10 18:31",
    ];
    for (account, delta, balance_delta) in
        [("cust-carol", "750.00", 750), ("cust-bob", "-750.00", -750)]
    {
        let (code, out, err) = run(&[&base[..], &["--account", account, "--json"]].concat());
        assert_eq!(code, 0, "{err}");
        let v = json(&out);
        assert_eq!(v["accountId"], account);
        let accounts = v["accounts"].as_array().unwrap();
        assert_eq!(accounts.len(), 1, "{out}");
        assert_eq!(accounts[0]["delta"], delta);
        let events = v["events"].as_array().unwrap();
        assert!(events.iter().any(|e| e["type"] == "TRANSFER"), "{out}");
        assert!(
            events
                .iter()
                .all(|e| e["accountId"] == account || e["to"] == account),
            "{out}"
        );
        let from: rust_decimal::Decimal =
            v["ledgerTotal"]["from"].as_str().unwrap().parse().unwrap();
        let to: rust_decimal::Decimal = v["ledgerTotal"]["to"].as_str().unwrap().parse().unwrap();
        let moved: rust_decimal::Decimal =
            v["accounts"][0]["delta"].as_str().unwrap().parse().unwrap();
        assert_eq!(to - from, moved);
        assert_eq!(moved, rust_decimal::Decimal::new(balance_delta * 100, 2));
    }
    // Between two equal moments nothing changed; --from after --to is refused; so is an account
    // that is not there.
    let (code, out, _) = run(&[
        "diff",
        "assets/sample.jsonl",
        "--from",
        "2024-03-10",
        "--to",
        "2024-03-10T00:00:00Z",
        "--json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(json(&out)["events"], serde_json::json!([]));
    assert_eq!(
        json(&out)["totals"]["all"],
        serde_json::json!({"count":0,"sum":"0"})
    );
    for args in [
        vec![
            "diff",
            "assets/sample.jsonl",
            "--from",
            "2024-03-12",
            "--to",
            "2024-03-11T00:00:00Z",
        ],
        vec![
            "diff",
            "assets/sample.jsonl",
            "--from",
            "2024-03-12",
            "--to",
            "2024-03-13",
            "--account",
            "cust-nobody",
        ],
        vec![
            "diff",
            "assets/sample.jsonl",
            "--from",
            "next tuesday",
            "--to",
            "2024-03-13",
        ],
        vec!["diff", "assets/sample.jsonl", "--to", "2024-03-13"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn history_totals_count_and_sum_the_rows_shown_per_type() {
    let args = [
        "history",
        "assets/sample.jsonl",
        "--account",
        "cust-dana",
        "--from",
        "2024-03-14 15:00",
        "--to",
        "2024-03-14 23:59",
    ];
    let (code, out, _) = run(&[&args[..], &["--json"]].concat());
    assert_eq!(code, 0);
    assert_eq!(
        json(&out)["totals"],
        serde_json::json!({"byType":[
            {"type":"DEPOSIT","count":1,"sum":"592.23"},
            {"type":"WITHDRAW","count":2,"sum":"-800.00"},
            {"type":"FEE","count":1,"sum":"-25.00"}],
            "all":{"count":4,"sum":"-232.77"}})
    );
    let (code, out, _) = run(&[&args[..], &["--totals"]].concat());
    assert_eq!(code, 0);
    assert!(
        out.ends_with(
            "\nTOTAL     EVENTS      SUM\n\
             DEPOSIT        1   592.23\n\
             WITHDRAW       2  -800.00\n\
             FEE            1   -25.00\n\
             all            4  -232.77\n"
        ),
        "{out}"
    );
    // Without --totals the text is the rows alone; --totals is for the text.
    let (_, out, _) = run(&args);
    assert!(!out.contains("TOTAL"), "{out}");
    let (code, _, _) = run(&[&args[..], &["--totals", "--csv"]].concat());
    assert_eq!(code, 2);
}
