//! `rewind snapshot` and `rewind balance` with and without it, through the binary: the output is
//! the same, and a snapshot that no longer fits the log is said to be ignored.

use crate::common;

use std::path::{Path, PathBuf};

use common::run;

fn sample_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    std::fs::copy("assets/sample.jsonl", &path).unwrap();
    (dir, path)
}

/// `balance` with the given arguments, with and without snapshots: (stdout, stderr) of each.
fn both(path: &Path, extra: &[&str]) -> ((String, String), (String, String)) {
    let p = path.to_str().unwrap();
    let mut args = vec!["balance", p];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    args.push("--no-snapshot");
    let (code, full_out, full_err) = run(&args);
    assert_eq!(code, 0, "{full_err}");
    assert!(!full_err.contains("snapshot"), "{full_err}");
    ((out, err), (full_out, full_err))
}

#[test]
fn balance_is_the_same_with_and_without_a_snapshot() {
    let (_dir, path) = sample_copy();
    let p = path.to_str().unwrap();
    let (code, out, err) = run(&["snapshot", p, "--at", "2024-03-15T00:00:00Z"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&format!("saved {p}.snapshots/")), "{out}");
    assert!(out.contains("bound to "), "{out}");
    let covered: Vec<Vec<&str>> = vec![
        vec![],
        vec!["--json"],
        vec!["--at", "2024-03-20T12:00:00Z", "--json"],
        vec!["--at", "2024-03-15T00:00:00Z"],
        vec!["--at", "-2d", "--json"],
        vec!["--seq", "700", "--json"],
        vec!["--seq", "5000"],
        vec!["--account", "cust-dana", "--json"],
        vec![
            "--account",
            "cust-dana",
            "--at",
            "2024-03-19T23:50:00Z",
            "--json",
        ],
    ];
    for extra in &covered {
        let ((out, err), (full_out, _)) = both(&path, extra);
        assert_eq!(out, full_out, "{extra:?}");
        assert!(
            err.contains("from snapshot"),
            "{extra:?} should use the snapshot: {err}"
        );
    }
    // Moments before the snapshot: replayed in full, and said so.
    for extra in [
        vec!["--at", "2024-03-10T00:00:00Z", "--json"],
        vec!["--seq", "10"],
    ] {
        let ((out, err), (full_out, _)) = both(&path, &extra);
        assert_eq!(out, full_out, "{extra:?}");
        assert!(
            err.contains("ignored: it holds the first"),
            "{extra:?}: {err}"
        );
    }
    // An account that is not there: the same error either way.
    let (code, _, err) = run(&["balance", p, "--account", "cust-dan"]);
    let (full_code, _, full_err) = run(&["balance", p, "--account", "cust-dan", "--no-snapshot"]);
    assert_eq!((code, full_code), (2, 2));
    assert_eq!(err.lines().last(), full_err.lines().last());

    // The log grows: the snapshot still answers, from the records after it.
    for amount in ["10.00", "0.01"] {
        let (code, _, err) = run(&[
            "append",
            p,
            "--account",
            "cust-new",
            "--type",
            "DEPOSIT",
            "--amount",
            amount,
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let ((out, err), (full_out, _)) = both(&path, &["--json"]);
    assert_eq!(out, full_out);
    assert!(err.contains("from snapshot"), "{err}");
    assert!(out.contains("cust-new"), "{out}");
    // A second, newer snapshot is the one used.
    let (code, _, _) = run(&["snapshot", p]);
    assert_eq!(code, 0);
    let ((out, err), (full_out, _)) = both(&path, &[]);
    assert_eq!(out, full_out);
    assert!(
        err.contains("up to seq 801) and the 0 records after it"),
        "{err}"
    );
}

#[test]
fn a_snapshot_that_no_longer_fits_the_log_is_ignored() {
    let (dir, path) = sample_copy();
    let p = path.to_str().unwrap();
    assert_eq!(run(&["snapshot", p, "--at", "2024-03-15T00:00:00Z"]).0, 0);
    let original = std::fs::read_to_string(&path).unwrap();
    let snapshot_line = {
        let dir = format!("{p}.snapshots");
        let file = std::fs::read_dir(dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        v["line"].as_u64().unwrap() as usize
    };

    // The history before the snapshot rewritten, with every hash recomputed.
    let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
    lines[10] = lines[10].replacen("\"amount\":\"", "\"amount\":\"1", 1);
    let mut prev = rewind::ledger::chain::GENESIS;
    for line in lines.iter_mut() {
        let body = &line[..line.find(",\"prev\":\"").unwrap()];
        let (sealed, hash) = rewind::ledger::chain::seal_line(body, &prev);
        *line = sealed;
        prev = hash;
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let ((out, err), (full_out, _)) = both(&path, &["--json"]);
    assert_eq!(
        out, full_out,
        "the rewritten log's own answer, not the snapshot's"
    );
    assert!(err.contains("ignored: the record ending at byte"), "{err}");

    // Cut off before the snapshot's record.
    let kept: String = original
        .lines()
        .take(snapshot_line - 1)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, &kept).unwrap();
    let ((out, err), (full_out, _)) = both(&path, &[]);
    assert_eq!(out, full_out);
    assert!(err.contains("shorter than"), "{err}");

    // A record after the snapshot altered: the chain after it breaks, so it is not used.
    let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
    lines[snapshot_line + 3] =
        lines[snapshot_line + 3].replacen("\"amount\":\"", "\"amount\":\"2", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let ((out, err), (full_out, full_err)) = both(&path, &[]);
    assert_eq!(out, full_out);
    assert!(
        err.contains(&format!("ignored: line {}", snapshot_line + 4)),
        "{err}"
    );
    assert!(full_err.contains("problems"), "{full_err}");

    // Other type mappings change what the snapshot's types do.
    std::fs::write(&path, &original).unwrap();
    let types = dir.path().join("types.toml");
    std::fs::write(&types, "debit = [\"DEPOSIT\"]\n").unwrap();
    let t = types.to_str().unwrap();
    let ((out, err), (full_out, _)) = both(&path, &["--types", t]);
    assert_eq!(out, full_out);
    assert!(err.contains("other --types"), "{err}");

    // A snapshot file that is not one.
    std::fs::write(format!("{p}.snapshots/junk.json"), "{").unwrap();
    let ((out, err), (full_out, _)) = both(&path, &[]);
    assert_eq!(out, full_out);
    assert!(err.contains("junk.json ignored: not a snapshot"), "{err}");
}

#[test]
fn snapshots_are_only_for_intact_sealed_logs() {
    let dir = tempfile::tempdir().unwrap();
    let unsealed = dir.path().join("node.jsonl");
    std::fs::copy("assets/seed-example.jsonl", &unsealed).unwrap();
    let (code, _, err) = run(&["snapshot", unsealed.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("only for sealed logs"), "{err}");
    assert!(!dir.path().join("node.jsonl.snapshots").exists());

    let (_dir, path) = sample_copy();
    let p = path.to_str().unwrap();
    let mut lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    lines.swap(20, 21);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let (code, _, err) = run(&["snapshot", p]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{p}:21: the chain is broken")),
        "{err}"
    );
    let (code, _, err) = run(&["snapshot", p, "--at", "2020-01-01T00:00:00Z"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn verify_replays_the_log_and_catches_an_edited_snapshot() {
    let (_dir, path) = sample_copy();
    let p = path.to_str().unwrap();
    let (code, _, err) = run(&["snapshot", p, "--at", "2024-03-20"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(&["verify", p]);
    assert_eq!(code, 0, "a snapshot that matches the log passes: {out}");
    let file = std::fs::read_dir(rewind::ledger::snapshot::snapshot_dir(&path))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replacen("\"balance\": \"", "\"balance\": \"1", 1);
    assert_ne!(text, edited);
    std::fs::write(&file, edited).unwrap();
    let (code, out, _) = run(&["verify", p]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("says cust-alice has balance 1"), "{out}");
    assert!(out.contains(&file.display().to_string()), "{out}");
}
