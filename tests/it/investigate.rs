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
