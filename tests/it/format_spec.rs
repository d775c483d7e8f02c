//! FORMAT.md is complete enough for a verifier written elsewhere: `tests/chain_verifier.py`,
//! written from its text alone (Python's standard library only), recomputes the hash chain, the
//! head digest and a snapshot's binding, and agrees with `rewind verify` on intact logs, on logs
//! rewind sealed and appended to, and on tampered copies (broken at the same line).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{json, run};
use rewind::ledger::chain::{GENESIS, seal_line};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/chain_verifier.py");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sample.jsonl");

fn has_python() -> bool {
    let here = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !here {
        eprintln!("python3 is not here: skipped");
    }
    here
}

/// The verifier's report on a log (and snapshots), and its exit code.
fn independent(log: &Path, snapshots: &[PathBuf]) -> (i32, serde_json::Value) {
    let mut cmd = Command::new("python3");
    cmd.arg(SCRIPT).arg(log);
    for s in snapshots {
        cmd.arg("--snapshot").arg(s);
    }
    let out = cmd.output().expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), json(&stdout))
}

/// `rewind verify --json` on a log, and its exit code.
fn rewind_verify(log: &Path) -> (i32, serde_json::Value) {
    let (code, out, err) = run(&["verify", "--no-remember", log.to_str().unwrap(), "--json"]);
    assert!(code < 2, "{out}{err}");
    (code, json(&out))
}

/// Both say the same of the log: records, integrity, head, first broken line, torn tail, and
/// exit status. Returns the report.
fn agree(log: &Path) -> serde_json::Value {
    let (code, theirs) = independent(log, &[]);
    let (rewind_code, ours) = rewind_verify(log);
    for member in ["records", "integrity", "head", "tornTail"] {
        assert_eq!(
            theirs[member],
            ours[member],
            "{member} of {}: the verifier says {theirs}, rewind says {ours}",
            log.display()
        );
    }
    assert_eq!(
        theirs["brokenAt"],
        ours["brokenAt"]["line"],
        "{}: the verifier says {theirs}, rewind says {ours}",
        log.display()
    );
    assert_eq!(code, rewind_code, "{theirs} / {ours}");
    theirs
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write(path: &Path, lines: &[String], end: &str) {
    std::fs::write(path, lines.join("\n") + end).unwrap();
}

#[test]
fn the_sample_s_chain_and_head_recomputed_from_the_format_alone() {
    if !has_python() {
        return;
    }
    let report = agree(Path::new(SAMPLE));
    assert_eq!(report["integrity"], "sealed");
    assert_eq!(
        report["head"],
        "799:ad7d2d34343ea92833254ac2b8b97b66f584aa23e25302817e811fa7f82484a8"
    );
}

/// An unsealed export with aliases, number amounts and several time forms.
const EXPORT: &str = r#"{"account":"acc-1","eventType":"MoneyDeposited","amount":100.50,"ts":1709294400000}
{"account_id":"acc-2","event_type":"account-opened","amount":"20","time":"2024-03-01 12:05"}
{"accountId":"acc-1","type":"Transfer","amount":"0.25e1","to_account":"acc-2","createdAt":"2024-03-01T13:00+01:00","meta":{"note":"caf\u00e9 \"x\""}}
{"accountId":"acc-2","type":"FEE","amount":1,"created_at":"2024-03-01t12:30:00.123456Z","id":7}
"#;

#[test]
fn a_log_rewind_sealed_and_appended_to_has_the_head_the_format_gives() {
    if !has_python() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.jsonl");
    std::fs::write(&export, EXPORT).unwrap();
    let log = dir.path().join("ledger.jsonl");
    let log_s = log.to_str().unwrap();
    let (code, out, err) = run(&["seal", export.to_str().unwrap(), "--out", log_s]);
    assert_eq!(code, 0, "{out}{err}");
    let report = agree(&log);
    assert_eq!(report["records"], 4);
    let sealed_head = out.lines().last().unwrap().strip_prefix("head ").unwrap();
    assert_eq!(report["head"], sealed_head, "{out}");

    let append = |extra: &[&str]| {
        let mut args = vec!["append", log_s];
        args.extend_from_slice(extra);
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{out}{err}");
        out.lines()
            .last()
            .unwrap()
            .strip_prefix("head ")
            .unwrap()
            .to_string()
    };
    let heads = [
        append(&[
            "--account",
            "acc-3",
            "--type",
            "DEPOSIT",
            "--amount",
            "12.50",
            "--meta",
            "channel=atm",
            "--meta",
            "note=naïve \"quoted\" \\ back",
        ]),
        append(&[
            "--account",
            "acc-3",
            "--type",
            "TRANSFER",
            "--amount",
            "2",
            "--to",
            "acc-1",
            "--at",
            "2024-03-02T00:00:00Z",
            "--id",
            "t-1",
        ]),
    ];
    let report = agree(&log);
    assert_eq!(report["records"], 6);
    assert_eq!(report["head"], heads[1].as_str());
    assert!(heads[1].starts_with("6:"), "{heads:?}");

    // The head the verifier computed is a digest rewind holds to.
    let head = report["head"].as_str().unwrap();
    let (code, out, err) = run(&["verify", "--no-remember", log_s, "--expect", head]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("holds"), "{out}");
}

#[test]
fn a_snapshot_s_binding_checked_from_the_format_alone() {
    if !has_python() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ledger.jsonl");
    std::fs::copy(SAMPLE, &log).unwrap();
    let log_s = log.to_str().unwrap();
    let (code, out, err) = run(&["snapshot", log_s, "--at", "2024-03-02"]);
    assert_eq!(code, 0, "{out}{err}");
    let snapshots: Vec<PathBuf> = std::fs::read_dir(dir.path().join("ledger.jsonl.snapshots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(snapshots.len(), 1);
    let (code, report) = independent(&log, &snapshots);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["snapshots"][0]["bound"], true, "{report}");
    // Still bound once the log has grown.
    let (code, out, err) = run(&[
        "append",
        log_s,
        "--account",
        "cust-alice",
        "--type",
        "DEPOSIT",
        "--amount",
        "1",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, report) = independent(&log, &snapshots);
    assert_eq!(code, 0, "{report}");

    // A snapshot bound to another record: neither the verifier nor rewind takes it.
    let text = std::fs::read_to_string(&snapshots[0]).unwrap();
    let snapshot: serde_json::Value = serde_json::from_str(&text).unwrap();
    let offset = snapshot["offset"].as_u64().unwrap();
    let moved = text.replacen(
        &format!("\"offset\": {offset}"),
        &format!("\"offset\": {}", offset + 1),
        1,
    );
    assert_ne!(moved, text);
    std::fs::write(&snapshots[0], moved).unwrap();
    let (code, report) = independent(&log, &snapshots);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["snapshots"][0]["bound"], false, "{report}");
    let (code, ours) = rewind_verify(&log);
    assert_eq!(code, 1, "{ours}");
    assert_eq!(ours["snapshots"].as_array().unwrap().len(), 1, "{ours}");

    // A snapshot that names another hash.
    let hash = snapshot["hash"].as_str().unwrap();
    let other = text.replacen(hash, &"ab".repeat(32), 1);
    std::fs::write(&snapshots[0], other).unwrap();
    let (code, report) = independent(&log, &snapshots);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["snapshots"][0]["bound"], false, "{report}");
}

/// A sealed record's body: the line without `prev`, `hash` and the closing brace.
fn body_of(line: &str) -> String {
    line[..line.find(",\"prev\":").unwrap()].to_string()
}

#[test]
fn tampered_copies_break_at_the_same_line_for_both() {
    if !has_python() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sample = lines(Path::new(SAMPLE));
    let n = sample.len();
    let mut cases: Vec<(&str, Vec<String>, &str, Option<u64>)> = Vec::new();
    let mut altered = sample.clone();
    altered[99] = altered[99].replacen("\"amount\":\"", "\"amount\":\"1", 1);
    cases.push(("an amount changed", altered, "\n", Some(100)));
    let mut deleted = sample.clone();
    deleted.remove(400);
    cases.push(("a record deleted", deleted, "\n", Some(401)));
    let mut swapped = sample.clone();
    swapped.swap(10, 11);
    cases.push(("two records swapped", swapped, "\n", Some(11)));
    let mut blank = sample.clone();
    blank.insert(300, String::new());
    cases.push(("a blank line inserted", blank, "\n", Some(301)));
    cases.push((
        "the first records cut off",
        sample[5..].to_vec(),
        "\n",
        Some(1),
    ));
    cases.push((
        "the last records cut off",
        sample[..n - 5].to_vec(),
        "\n",
        None,
    ));
    let mut spaced = sample.clone();
    spaced[20].push(' ');
    cases.push(("a space after a record", spaced, "\n", Some(21)));
    let mut upper = sample.clone();
    let at = upper[30].len() - 66;
    let tail = upper[30][at..].to_uppercase();
    upper[30].replace_range(at.., &tail);
    cases.push(("a hash in uppercase", upper, "\n", Some(31)));
    let mut stripped = sample.clone();
    for line in stripped.iter_mut().take(3) {
        *line = body_of(line) + "}";
    }
    cases.push(("the first seals stripped", stripped, "\n", Some(4)));
    let mut crlf: Vec<String> = sample.iter().map(|l| format!("{l}\r")).collect();
    crlf[50] = crlf[50].replacen("cust-", "cust_", 1);
    cases.push(("CRLF line ends, a record changed", crlf, "\n", Some(51)));
    // Resealed after an edit, every hash recomputed: the chain holds (only a kept digest tells).
    let mut prev = GENESIS;
    let mut resealed = Vec::new();
    for (i, line) in sample.iter().enumerate() {
        let mut body = body_of(line);
        if i == 200 {
            body = body.replacen("\"amount\":\"", "\"amount\":\"9", 1);
        }
        let (sealed, hash) = seal_line(&body, &prev);
        resealed.push(sealed);
        prev = hash;
    }
    cases.push(("rewritten and resealed", resealed.clone(), "\n", None));
    // A correctly sealed record whose seq does not follow.
    let mut jump = resealed[..10].to_vec();
    let hash_of = |line: &str| line[line.len() - 66..line.len() - 2].to_string();
    let prev: [u8; 32] = {
        let hex = hash_of(&jump[9]);
        core::array::from_fn(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
    };
    let body = body_of(&sample[10]).replacen("\"seq\":11", "\"seq\":12", 1);
    jump.push(seal_line(&body, &prev).0);
    cases.push((
        "a sealed record with a seq that skips",
        jump,
        "\n",
        Some(11),
    ));
    let mut torn = sample.clone();
    torn.push(sample[3][..50].to_string());
    cases.push(("a torn last line", torn, "", None));
    let mut bad = sample.clone();
    bad.insert(600, "{\"accountId\":\"x\"".to_string());
    cases.push(("a line that is not JSON", bad, "\n", Some(601)));

    for (i, (what, text, end, broken)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case-{i}.jsonl"));
        write(&path, text, end);
        let report = agree(&path);
        assert_eq!(report["brokenAt"].as_u64(), *broken, "{what}: {report}");
    }
}
