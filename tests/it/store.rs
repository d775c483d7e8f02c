//! The writer and the checks end to end: `append`, `repair`, `verify` (the tamper suite) and
//! `seal`, on real files through the binary.

use crate::common;

use std::path::{Path, PathBuf};

use common::{json, run};
use rewind::ledger::chain::seal_line;

/// A copy of the bundled sealed sample (799 records) in a fresh folder.
fn sample_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    std::fs::copy("assets/sample.jsonl", &path).unwrap();
    (dir, path)
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

/// The `head SEQ:HASH` line of a command's output.
fn head_of(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("head "))
        .unwrap_or_else(|| panic!("no head in {stdout}"))
        .to_string()
}

fn verify(path: &Path, expect: Option<&str>) -> (i32, String) {
    let p = path.to_str().unwrap();
    let (code, out, err) = match expect {
        Some(d) => run(&["verify", p, "--expect", d]),
        None => run(&["verify", p]),
    };
    assert!(err.is_empty(), "verify writes findings on stdout: {err}");
    (code, out)
}

/// `rewind append LOG` of a deposit of `amount` to account `a`.
fn deposit<'a>(log: &'a str, amount: &'a str) -> [&'a str; 8] {
    [
        "append",
        log,
        "--account",
        "a",
        "--type",
        "DEPOSIT",
        "--amount",
        amount,
    ]
}

/// The record body of a sealed line: everything before `,"prev":`.
fn body(line: &str) -> &str {
    &line[..line.find(",\"prev\":\"").expect("a sealed line")]
}

/// Reseals lines from `from` (0-based) on, as a forger who recomputes every hash would.
fn reseal_from(lines: &mut [String], from: usize) {
    let mut prev = if from == 0 {
        [0u8; 32]
    } else {
        let h = &lines[from - 1][lines[from - 1].len() - 66..lines[from - 1].len() - 2];
        rewind::ledger::chain::from_hex(h).unwrap()
    };
    for line in lines.iter_mut().skip(from) {
        let (sealed, hash) = seal_line(body(line), &prev);
        *line = sealed;
        prev = hash;
    }
}

#[test]
fn the_sample_verifies_and_its_digest_holds() {
    let (_dir, path) = sample_copy();
    let (code, out) = verify(&path, None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("sealed, 799 records, chain intact"), "{out}");
    let head = head_of(&out);
    assert!(head.starts_with("799:"), "{head}");
    let (code, out) = verify(&path, Some(&head));
    assert_eq!(code, 0, "{out}");
    // The bare hash works too.
    let (code, _) = verify(&path, Some(head.split(':').nth(1).unwrap()));
    assert_eq!(code, 0);
    let (code, out, _) = run(&["verify", path.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["integrity"], "sealed");
    assert_eq!(v["head"], head.as_str());
}

/// Every kind of edit: caught by the chain alone (exit 1 naming the line), or by a kept digest.
#[test]
fn tamper_suite() {
    let (_dir, path) = sample_copy();
    let original = lines(&path);
    let (_, out) = verify(&path, None);
    let kept = head_of(&out);
    let kept_at_399 = {
        let l = &original[398];
        format!("399:{}", &l[l.len() - 66..l.len() - 2])
    };
    let p = path.to_str().unwrap().to_string();

    // Caught by the chain alone, at the right line.
    type Edit = fn(&mut Vec<String>);
    let caught: Vec<(&str, Edit, u64)> = vec![
        (
            "one byte of an amount",
            |l| {
                l[99] = l[99].replacen("\"amount\":\"", "\"amount\":\"1", 1);
            },
            100,
        ),
        (
            "one byte of the first record",
            |l| {
                l[0] = l[0].replacen("cust-alice", "cust-alicf", 1);
            },
            1,
        ),
        (
            "one byte of a hash",
            |l| {
                let n = l[9].len();
                let c = if &l[9][n - 3..n - 2] == "0" { "1" } else { "0" };
                l[9].replace_range(n - 3..n - 2, c);
            },
            10,
        ),
        (
            "an inserted copy of a record",
            |l| {
                let copy = l[49].clone();
                l.insert(50, copy);
            },
            51,
        ),
        (
            "an inserted record sealed onto its predecessor",
            |l| {
                let prev_hash = {
                    let h = &l[49][l[49].len() - 66..l[49].len() - 2];
                    rewind::ledger::chain::from_hex(h).unwrap()
                };
                let (forged, _) = seal_line(
                    r#"{"seq":51,"eventId":"forged","accountId":"cust-alice","type":"DEPOSIT","amount":"1000000.00","timestamp":"2024-03-05T00:00:00.000Z""#,
                    &prev_hash,
                );
                l.insert(50, forged);
            },
            52,
        ),
        (
            "a deleted record",
            |l| {
                l.remove(199);
            },
            200,
        ),
        (
            "two records swapped",
            |l| {
                l.swap(299, 300);
            },
            300,
        ),
        (
            "the first record cut off",
            |l| {
                l.remove(0);
            },
            1,
        ),
    ];
    for (what, edit, line) in caught {
        let mut l = original.clone();
        edit(&mut l);
        write_lines(&path, &l);
        let (code, out) = verify(&path, None);
        assert_eq!(code, 1, "{what}: {out}");
        assert!(
            out.starts_with(&format!("{p}:{line}: chain broken")),
            "{what}: expected a break at line {line}: {out}"
        );
        let (code, _) = verify(&path, Some(&kept));
        assert_eq!(code, 1, "{what}: the kept digest must not hold either");
    }

    // Cutting off the last records leaves a valid chain: only a kept digest shows it.
    write_lines(&path, &original[..787]);
    let (code, out) = verify(&path, None);
    assert_eq!(code, 0, "a truncated chain is still a valid chain: {out}");
    let (code, out) = verify(&path, Some(&kept));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("before the expected seq 799: records were cut off"),
        "{out}"
    );
    let (code, out) = verify(&path, Some(kept.split(':').nth(1).unwrap()));
    assert_eq!(code, 1, "{out}");

    // A rewrite that recomputes every hash from seq 400 on: the chain is valid again, the kept
    // head digest is not, and a digest kept at seq 399 still holds (the rewrite starts after it).
    let mut l = original.clone();
    l[399] = l[399].replacen("\"amount\":\"", "\"amount\":\"9", 1);
    reseal_from(&mut l, 399);
    write_lines(&path, &l);
    let (code, out) = verify(&path, None);
    assert_eq!(code, 0, "recomputed hashes make a valid chain: {out}");
    let (code, out) = verify(&path, Some(&kept));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{p}:799: expected {kept} DOES NOT HOLD")),
        "{out}"
    );
    assert!(out.contains("rewritten"), "{out}");
    let (code, out) = verify(&path, Some(&kept_at_399));
    assert_eq!(code, 0, "{out}");

    // A rewrite of the whole history with recomputed hashes: same story.
    let mut l = original.clone();
    l[4] = l[4].replacen("\"amount\":\"", "\"amount\":\"7", 1);
    reseal_from(&mut l, 0);
    write_lines(&path, &l);
    assert_eq!(verify(&path, None).0, 0);
    assert_eq!(verify(&path, Some(&kept)).0, 1);
    assert_eq!(verify(&path, Some(&kept_at_399)).0, 1);

    // Stripping the seals: not tamper-evident any more, which verify says.
    let stripped: Vec<String> = original
        .iter()
        .map(|line| format!("{}}}", body(line)))
        .collect();
    write_lines(&path, &stripped);
    let (code, out) = verify(&path, None);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not sealed"), "{out}");
    // Stripping only the first records' seals breaks the chain where the seals start.
    let mut l = original.clone();
    for line in l.iter_mut().take(3) {
        *line = format!("{}}}", body(line));
    }
    write_lines(&path, &l);
    let (code, out) = verify(&path, None);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with(&format!("{p}:4: chain broken")), "{out}");

    // And the untouched log verifies again.
    write_lines(&path, &original);
    assert_eq!(verify(&path, Some(&kept)).0, 0);
}

#[test]
fn appends_chain_on_and_print_the_new_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.jsonl");
    let p = path.to_str().unwrap();
    let (code, out, err) = run(&[
        "append",
        p,
        "--account",
        "acc-1",
        "--type",
        "DEPOSIT",
        "--amount",
        "100.00",
        "--at",
        "2024-03-01T12:00:00Z",
        "--id",
        "e-1",
        "--meta",
        "note=first",
    ]);
    assert_eq!(code, 0, "{err}");
    let record = out.lines().next().unwrap();
    assert!(record.starts_with(r#"{"seq":1,"eventId":"e-1","accountId":"acc-1","type":"DEPOSIT","amount":"100.00","timestamp":"2024-03-01T12:00:00.000Z","meta":{"note":"first"},"prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":""#), "{record}");
    let first_head = head_of(&out);
    assert!(first_head.starts_with("1:"));
    let (code, out, err) = run(&[
        "append",
        p,
        "--account",
        "acc-1",
        "--type",
        "TRANSFER",
        "--amount",
        "0.10",
        "--to",
        "acc-2",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["appended"], true);
    assert_eq!(v["record"]["seq"], 2);
    assert_eq!(v["record"]["to"], "acc-2");
    assert_eq!(
        v["record"]["prev"].as_str().unwrap(),
        first_head.split(':').nth(1).unwrap()
    );
    let head = v["head"].as_str().unwrap().to_string();
    let (code, out) = verify(&path, Some(&head));
    assert_eq!(code, 0, "{out}");
    assert_eq!(head_of(&out), head);
    assert_eq!(verify(&path, Some(&first_head)).0, 0);
    let (_, out, _) = run(&["balance", p, "--json"]);
    let v = json(&out);
    assert_eq!(v["accounts"][0]["balance"], "99.90");
    assert_eq!(v["accounts"][1]["balance"], "0.10");
    let (code, out, _) = run(&["check", p]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("sealed, chain intact"), "{out}");
}

#[test]
fn the_sample_takes_appends_and_its_old_digest_still_holds() {
    let (_dir, path) = sample_copy();
    let p = path.to_str().unwrap();
    let (_, out) = verify(&path, None);
    let kept = head_of(&out);
    let (code, out, err) = run(&[
        "append",
        p,
        "--account",
        "cust-bob",
        "--type",
        "withdraw",
        "--amount",
        "12.5",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(head_of(&out).starts_with("800:"));
    assert_eq!(
        verify(&path, Some(&kept)).0,
        0,
        "growing keeps every kept digest valid"
    );
    assert_eq!(verify(&path, None).0, 0);
}

#[test]
fn repeating_an_append_with_its_id_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idem.jsonl");
    let p = path.to_str().unwrap();
    let args = [
        "append",
        p,
        "--account",
        "a",
        "--type",
        "DEPOSIT",
        "--amount",
        "5",
        "--id",
        "pay-7",
    ];
    let (code, first, _) = run(&args);
    assert_eq!(code, 0);
    let bytes = std::fs::read(&path).unwrap();
    // The same request again (a retry, without --at): exit 0, the existing record, nothing written.
    let (code, again, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(again, first, "the existing record and the same head");
    assert!(
        err.contains("already in the log; nothing was written"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    // The same id with other content: refused.
    let (code, out, err) = run(&[
        "append",
        p,
        "--account",
        "a",
        "--type",
        "DEPOSIT",
        "--amount",
        "6",
        "--id",
        "pay-7",
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains(&format!("{p}:1: event id `pay-7` is already in the log")),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn expect_seq_appends_only_onto_the_expected_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("occ.jsonl");
    let p = path.to_str().unwrap();
    let append = |expect: &str| run(&[&deposit(p, "1")[..], &["--expect-seq", expect]].concat());
    let (code, _, err) = append("3");
    assert_eq!(code, 2);
    assert!(err.contains("head is at seq 0"), "{err}");
    assert!(
        !path.exists(),
        "a refused append does not even create the file"
    );
    assert_eq!(append("0").0, 0);
    assert_eq!(append("1").0, 0);
    let (code, _, err) = append("1");
    assert_eq!(code, 2);
    assert!(
        err.contains("--expect-seq 1, but the head is at seq 2 (head 2:"),
        "{err}"
    );
    assert_eq!(lines(&path).len(), 2);
}

#[test]
fn bad_appends_exit_2_and_leave_the_file_byte_for_byte_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.jsonl");
    let p = path.to_str().unwrap();
    let (code, _, _) = run(&[&deposit(p, "10")[..], &["--id", "x-1"]].concat());
    assert_eq!(code, 0);
    let before = std::fs::read(&path).unwrap();
    let base = ["append", p, "--account", "a", "--type", "DEPOSIT"];
    let cases: Vec<Vec<&str>> = vec![
        vec!["--amount", "abc"],
        vec!["--amount", "-5"],
        vec!["--amount", "1e999"],
        vec!["--amount", "NaN"],
        vec!["--amount", "inf"],
        vec!["--amount", ""],
        vec!["--amount", "0"],
        vec!["--amount", " 5"],
        vec!["--amount", "1,000"],
        vec!["--amount", "123456789012345678901234567890"],
        vec![],
        vec!["--amount", "5", "--at", "yesterday"],
        vec!["--amount", "5", "--at", "99999999999999999999"],
        vec!["--amount", "5", "--at", ""],
        vec!["--amount", "5", "--to", "b"],
        vec!["--amount", "5", "--meta", "novalue"],
        vec!["--amount", "5", "--meta", "=x"],
        vec!["--amount", "5", "--meta", "k=1", "--meta", "k=2"],
        vec!["--amount", "5", "--meta", "k=a\u{7}b"],
        vec!["--amount", "5", "--id", ""],
        vec!["--amount", "5", "--id", "x\ny"],
        vec!["--amount", "5", "--id", "x-1"],
        vec!["--amount", "5", "--expect-seq", "0"],
        vec!["--amount", "5", "--expect-seq", "abc"],
    ];
    let mut all: Vec<Vec<&str>> = cases
        .into_iter()
        .map(|extra| base.iter().copied().chain(extra).collect())
        .collect();
    for (account, kind) in [
        ("", "DEPOSIT"),
        ("   ", "DEPOSIT"),
        ("a\u{1b}[2J", "DEPOSIT"),
        ("a\nb", "DEPOSIT"),
        ("a\u{1}", "DEPOSIT"),
        ("a\u{9b}", "DEPOSIT"),
        ("a", ""),
        ("a", "DEP\tOSIT"),
        ("a", "DEPOSIT\r"),
        ("a", "SpaceshipLaunched"),
    ] {
        all.push(vec![
            "append",
            p,
            "--account",
            account,
            "--type",
            kind,
            "--amount",
            "5",
        ]);
    }
    all.push(vec![
        "append",
        p,
        "--account",
        "a",
        "--type",
        "TRANSFER",
        "--amount",
        "5",
    ]);
    all.push(vec![
        "append",
        p,
        "--account",
        "a",
        "--type",
        "TRANSFER",
        "--amount",
        "5",
        "--to",
        "a",
    ]);
    all.push(vec![
        "append",
        p,
        "--account",
        "a",
        "--type",
        "ACCOUNT_CLOSED",
        "--amount",
        "5",
    ]);
    for args in &all {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?} should be refused: {out}{err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        // A value the argument parser itself refuses gets its usage message.
        let parser_refused = args.contains(&"--expect-seq") && args.contains(&"abc");
        if !parser_refused {
            assert!(err.starts_with("rewind: "), "{args:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        }
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "{args:?} changed the file"
        );
    }
    // Nor is a missing log created by a refused append.
    let missing = dir.path().join("missing.jsonl");
    let (code, _, _) = run(&[
        "append",
        missing.to_str().unwrap(),
        "--account",
        "a",
        "--type",
        "DEPOSIT",
        "--amount",
        "NaN",
    ]);
    assert_eq!(code, 2);
    assert!(!missing.exists());
}

#[test]
fn appends_refuse_unsealed_and_damaged_logs() {
    let dir = tempfile::tempdir().unwrap();
    let unsealed = dir.path().join("node.jsonl");
    std::fs::copy("assets/seed-example.jsonl", &unsealed).unwrap();
    let before = std::fs::read(&unsealed).unwrap();
    let u = unsealed.to_str().unwrap();
    let (code, _, err) = run(&deposit(u, "1"));
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{u}:3: the log is not sealed")),
        "{err}"
    );
    assert!(err.contains("rewind seal"), "{err}");
    assert_eq!(std::fs::read(&unsealed).unwrap(), before);

    let (_dir, path) = sample_copy();
    let p = path.to_str().unwrap();
    let mut l = lines(&path);
    let last = l.len() - 1;
    l[last] = l[last].replacen("\"city\":\"", "\"city\":\"1", 1);
    write_lines(&path, &l);
    let before = std::fs::read(&path).unwrap();
    let (code, _, err) = run(&deposit(p, "1"));
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{p}:799: the last record's hash does not match")),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_torn_tail_is_refused_then_repaired_into_the_torn_file() {
    let (dir, path) = sample_copy();
    let p = path.to_str().unwrap();
    let (_, out) = verify(&path, None);
    let kept = head_of(&out);
    let intact = std::fs::read(&path).unwrap();
    // A crash in the middle of writing record 800.
    let torn = br#"{"seq":800,"eventId":"e","accountId":"cust-bob","type":"DEP"#;
    let mut bytes = intact.clone();
    bytes.extend_from_slice(torn);
    std::fs::write(&path, &bytes).unwrap();

    let (code, out, err) = run(&deposit(p, "1"));
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains(&format!("{p}:800: the last line is incomplete")),
        "{err}"
    );
    assert!(err.contains(&format!("rewind repair {p}")), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "nothing glued, nothing cut"
    );
    // Readers show it; verify says the chain holds up to it.
    let (code, out, _) = run(&["check", p]);
    assert_eq!(code, 1);
    assert!(out.contains(&format!("{p}:800: torn-tail")), "{out}");
    // An interrupted write is not an alteration: the chain is intact up to it, as verify says.
    assert!(!out.contains("chain-broken"), "{out}");
    assert!(out.contains("sealed, chain intact"), "{out}");
    let (code, out) = verify(&path, None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{p}:800: the last line is incomplete")),
        "{out}"
    );
    assert_eq!(head_of(&out), kept);

    let (code, out, err) = run(&["repair", p]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "{p}:800: moved the incomplete last line ({} bytes)",
            torn.len()
        )),
        "{out}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        intact,
        "complete records untouched"
    );
    let torn_file = dir.path().join("ledger.jsonl.torn");
    let mut expected = torn.to_vec();
    expected.push(b'\n');
    assert_eq!(std::fs::read(&torn_file).unwrap(), expected);
    assert_eq!(verify(&path, Some(&kept)).0, 0);
    let (code, out, _) = run(&["repair", p]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing to repair"), "{out}");

    // A second torn write is appended to the torn file, never over it.
    let mut bytes = intact.clone();
    bytes.extend_from_slice(b"{\"seq\":79");
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(run(&["repair", p]).0, 0);
    expected.extend_from_slice(b"{\"seq\":79\n");
    assert_eq!(std::fs::read(&torn_file).unwrap(), expected);

    let (code, out, err) = run(&[
        "append",
        p,
        "--account",
        "cust-bob",
        "--type",
        "DEPOSIT",
        "--amount",
        "1",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(head_of(&out).starts_with("800:"));
    assert_eq!(verify(&path, Some(&kept)).0, 0);
}

#[test]
fn repair_gives_a_whole_last_record_its_newline_instead_of_moving_it() {
    let (dir, path) = sample_copy();
    let p = path.to_str().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.pop();
    std::fs::write(&path, &bytes).unwrap();
    let (code, out, err) = run(&["repair", p]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("{p}:799: the last record was complete")),
        "{out}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read("assets/sample.jsonl").unwrap()
    );
    assert!(!dir.path().join("ledger.jsonl.torn").exists());
}

#[test]
fn seal_writes_a_verifiable_copy_keeping_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("export.json");
    // A JSON array over several lines, with aliases, a numeric amount, an own seq on one record,
    // an id on another, and extra members.
    std::fs::write(
        &input,
        r#"[
  {"account": "acc-1", "eventType": "MoneyDeposited", "amount": 90071992547409.93, "ts": 1709294400000, "channel": {"kind": "atm", "id": 7}},
  {"seq": 2, "id": "w-1", "accountId": "acc-1", "type": "WITHDRAW", "amount": "0.93", "timestamp": "2024-03-01 13:00"},
  {"accountId": "acc-1", "type": "FEE", "amount": "1", "timestamp": "2024-03-01T14:00:00+01:00", "meta": {"why": "monthly"}}
]
"#,
    )
    .unwrap();
    let original = std::fs::read(&input).unwrap();
    let out = dir.path().join("sealed.jsonl");
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    let (code, stdout, err) = run(&["seal", i, "--out", o]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("sealed 3 records"), "{stdout}");
    let head = head_of(&stdout);
    assert!(
        head.starts_with("3:"),
        "seqs continue after an own seq: {head}"
    );
    assert_eq!(
        std::fs::read(&input).unwrap(),
        original,
        "IN is never changed"
    );
    let l = lines(&out);
    assert_eq!(l.len(), 3);
    assert!(l[0].starts_with(r#"{"seq":1,"eventId":""#), "{}", l[0]);
    assert!(l[0].contains(r#""account":"acc-1","eventType":"MoneyDeposited","amount":90071992547409.93,"ts":1709294400000,"channel":{"kind":"atm","id":7},"prev":"#), "{}", l[0]);
    assert!(
        l[1].starts_with(r#"{"seq":2,"id":"w-1","accountId""#),
        "{}",
        l[1]
    );
    assert!(l[2].starts_with(r#"{"seq":3,"eventId":""#), "{}", l[2]);
    assert_eq!(verify(&out, Some(&head)).0, 0);
    let (_, unsealed, _) = run(&["balance", i, "--json"]);
    let (_, sealed, _) = run(&["balance", o, "--json"]);
    assert_eq!(json(&unsealed), json(&sealed));
    // The sealed copy takes appends.
    let (code, _, err) = run(&[
        "append",
        o,
        "--account",
        "acc-1",
        "--type",
        "DEPOSIT",
        "--amount",
        "1",
    ]);
    assert_eq!(code, 0, "{err}");

    // Never over an existing file, never a sealed log, never a log with a bad line.
    let (code, _, err) = run(&["seal", i, "--out", o]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    let again = dir.path().join("again.jsonl");
    let (code, _, err) = run(&["seal", o, "--out", again.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("already sealed"), "{err}");
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":1,\"timestamp\":1}\n{oops\n",
    )
    .unwrap();
    let (code, _, err) = run(&[
        "seal",
        bad.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{}:2:", bad.display())), "{err}");
    assert!(!again.exists());
}

#[test]
fn an_altered_last_record_without_its_newline_is_a_break_not_a_torn_write() {
    let (_dir, path) = sample_copy();
    let p = path.to_str().unwrap();
    let (_, out) = verify(&path, None);
    let head = head_of(&out);
    let mut l = lines(&path);
    let last = l.len() - 1;
    l[last] = l[last].replacen("\"city\":\"", "\"city\":\"9", 1);
    // The record altered, and its newline gone.
    std::fs::write(&path, l.join("\n")).unwrap();
    let (code, out, _) = run(&["verify", p, "--expect", &head]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("{p}:799: chain broken")), "{out}");
    assert!(out.contains("DOES NOT HOLD"), "{out}");
    assert!(!out.contains("never acknowledged"), "{out}");
}

#[test]
fn a_log_with_no_readable_record_does_not_verify() {
    let (_dir, path) = sample_copy();
    let p = path.to_str().unwrap();
    let l: Vec<String> = lines(&path)
        .iter()
        .map(|x| x.replacen("{\"seq\"", "{seq", 1))
        .collect();
    write_lines(&path, &l);
    let (code, out) = verify(&path, None);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with(&format!("{p}:1: chain broken")), "{out}");
}

#[test]
fn a_record_over_the_line_limit_is_refused_before_a_new_log_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.jsonl");
    let p = path.to_str().unwrap();
    let values: Vec<String> = (0..10)
        .map(|k| format!("k{k}={}", "x".repeat(120_000)))
        .collect();
    let mut args = deposit(p, "1").to_vec();
    for v in &values {
        args.extend(["--meta", v.as_str()]);
    }
    let (code, _, err) = run(&args);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with(&format!("rewind: {p}: the record would be")),
        "{err}"
    );
    assert!(!path.exists(), "a refused append created the log");
}

#[test]
fn a_blank_line_inserted_into_a_sealed_log_breaks_it() {
    let (_dir, path) = sample_copy();
    let p = path.to_str().unwrap();
    let mut l = lines(&path);
    l.insert(99, String::new());
    write_lines(&path, &l);
    let (code, out) = verify(&path, None);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with(&format!("{p}:100: chain broken")), "{out}");
}

#[test]
fn empty_lines_at_the_end_break_the_chain_are_never_appended_after_and_repair_takes_them_off() {
    let (_dir, path) = sample_copy();
    let p = path.to_str().unwrap();
    let (_, out) = verify(&path, None);
    let kept = head_of(&out);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"\n\n");
    std::fs::write(&path, &bytes).unwrap();
    let (code, out) = verify(&path, None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with(&format!("{p}:800: chain broken: a blank line")),
        "{out}"
    );
    // Written after them, a record would have empty lines before it: refused, nothing written.
    let append = deposit(p, "1");
    let (code, out, err) = run(&append);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains(&format!("{p}:800: the log ends with a blank line")),
        "{err}"
    );
    assert!(err.contains(&format!("rewind repair {p}")), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    let (code, out, err) = run(&["repair", p]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        format!("{p}:800: took 2 blank lines off the end of the log (they held no record)")
    );
    assert_eq!(std::fs::read(&path).unwrap(), &bytes[..bytes.len() - 2]);
    let (code, out) = verify(&path, None);
    assert_eq!(code, 0, "{out}");
    assert_eq!(head_of(&out), kept);
    let (code, _, err) = run(&append);
    assert_eq!(code, 0, "{err}");
    let (code, out) = verify(&path, Some(&kept));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_byte_order_mark_before_a_sealed_log_is_not_part_of_its_first_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.jsonl");
    let p = path.to_str().unwrap();
    let append = deposit(p, "1");
    assert_eq!(run(&append).0, 0);
    let (_, out) = verify(&path, None);
    let kept = head_of(&out);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(&path).unwrap());
    std::fs::write(&path, &bytes).unwrap();
    let (code, out) = verify(&path, Some(&kept));
    assert_eq!(code, 0, "{out}");
    assert_eq!(run(&append).0, 0);
    let (code, out) = verify(&path, Some(&kept));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("sealed, 2 records, chain intact"), "{out}");
}

#[test]
fn a_resealed_record_whose_seq_repeats_breaks_the_chain() {
    let (_dir, path) = sample_copy();
    let p = path.to_str().unwrap();
    let mut l = lines(&path);
    assert!(l[2].starts_with(r#"{"seq":3,"#), "{}", l[2]);
    l[2] = l[2].replacen(r#"{"seq":3,"#, r#"{"seq":2,"#, 1);
    reseal_from(&mut l, 2);
    write_lines(&path, &l);
    let hash_of = |line: &str| line[line.len() - 66..line.len() - 2].to_string();
    // Every hash was recomputed, but the seqs no longer count up: the chain breaks there, and no
    // digest of the log holds.
    for record in [&l[1], &l[2]] {
        let (code, out) = verify(&path, Some(&format!("2:{}", hash_of(record))));
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("DOES NOT HOLD"), "{out}");
    }
    let (_, out, _) = run(&["check", p]);
    assert!(out.contains(&format!("{p}:3: duplicate-seq")), "{out}");
    assert!(out.contains(&format!("{p}:3: chain-broken")), "{out}");
    let (code, out) = verify(&path, None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with(&format!(
            "{p}:3: chain broken (seq 2): seq 2 where the record before is seq 2"
        )),
        "{out}"
    );
}

#[test]
fn blank_lines_of_any_kind_at_the_end_are_refused_by_append_and_taken_off_by_repair() {
    for tail in ["\r\n\r\n", "   \n", " \t\n\n"] {
        let (_dir, path) = sample_copy();
        let p = path.to_str().unwrap();
        let intact = std::fs::read(&path).unwrap();
        let mut bytes = intact.clone();
        bytes.extend_from_slice(tail.as_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let (code, out) = verify(&path, None);
        assert_eq!(code, 1, "{tail:?}: {out}");
        assert!(
            out.starts_with(&format!("{p}:800: chain broken: a blank line")),
            "{out}"
        );
        let (code, _, err) = run(&deposit(p, "1"));
        assert_eq!(code, 2, "{tail:?}");
        assert!(
            err.contains(&format!("{p}:800: the log ends with a blank line")),
            "{tail:?}: {err}"
        );
        let (code, out, _) = run(&["repair", p]);
        assert_eq!(code, 0);
        let lines = tail.matches('\n').count();
        assert!(
            out.contains(&format!("{p}:800: took {lines} blank line")),
            "{tail:?}: {out}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), intact, "{tail:?}");
    }
}
