//! Evidence through the real binary: keys, signed checkpoints, bundles, consistency, remembered
//! heads, and a one-line answer with the right exit status for each kind of bad input.

use crate::common;

use std::path::{Path, PathBuf};

use rewind::ledger::chain;

const SAMPLE: &str = "assets/sample.jsonl";
const KEY: &str = "assets/ops-2024.key";
const PUB: &str = "assets/ops-2024.pub";

/// The checkpoint of the sample signed with the sample key (Ed25519 signatures are
/// deterministic): what any C2SP tool reads.
const SAMPLE_CHECKPOINT: &str = "bank-prod\n799\nnDxd3pA7aIhsIcqjq2IT6jIT/wcFI1jX0EqX7e1pJRQ=\n\n\
— ops-2024 jMbIRLn3vRq0HNjoADP0FFCegBz51j/jpUvRlUclb+Bx8LLevVFZym7qQD6aIgNgFYc0i/hntHeGVTM2fZ7odIjKYAw=\n";

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = common::rewind()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A scratch folder with the sample, its key (mode 0600, whatever the checkout left) and a
/// state folder of its own.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        for f in [SAMPLE, KEY, PUB] {
            let to = dir.path().join(Path::new(f).file_name().unwrap());
            std::fs::copy(f, &to).unwrap();
        }
        set_mode(&dir.path().join("ops-2024.key"), 0o600);
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--state-dir", "state"]);
        run_in(self.dir.path(), &all)
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).unwrap();
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }

    /// `checkpoint LOG --out NAME` with the sample key.
    fn checkpoint(&self, log: &str, out: &str) {
        let r = self.run(&[
            "checkpoint",
            log,
            "--key",
            "ops-2024.key",
            "--origin",
            "bank-prod",
            "--out",
            out,
        ]);
        assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    }
}

fn set_mode(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let _ = (path, mode);
}

/// The sample's lines.
fn sample_lines() -> Vec<String> {
    std::fs::read_to_string(SAMPLE)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The lines with record `n` (1-based) changed by `edit` and every hash from there on
/// recomputed: a rewritten history that the chain alone cannot tell from the real one.
fn rewritten(lines: &[String], n: usize, edit: impl Fn(&str) -> String) -> Vec<String> {
    let mut out: Vec<String> = lines[..n - 1].to_vec();
    let mut prev = match n {
        1 => chain::GENESIS,
        _ => chain::record_hash(lines[n - 2].as_bytes()).unwrap(),
    };
    for (i, line) in lines[n - 1..].iter().enumerate() {
        let body = &line[..line.find(",\"prev\":").unwrap()];
        let body = if i == 0 { edit(body) } else { body.to_string() };
        let (sealed, hash) = chain::seal_line(&body, &prev);
        prev = hash;
        out.push(sealed);
    }
    out
}

fn text(lines: &[String]) -> String {
    let mut t = lines.join("\n");
    t.push('\n');
    t
}

/// The bundle's JSON, changed by `edit`, written back in canonical form.
fn edit_bundle(s: &Scratch, from: &str, to: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_str(&s.read(from)).unwrap();
    edit(&mut v);
    s.write(to, &format!("{}\n", serde_json::to_string(&v).unwrap()));
}

// ----- keys -----

#[test]
fn keygen_writes_a_private_signing_key_and_its_verifier_key_and_never_overwrites() {
    let s = Scratch::new();
    let r = s.run(&["keygen", "example.com/ledger"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(
        r.out,
        "wrote example.com_ledger.key (the signing key of `example.com/ledger`: keep it secret) \
         and example.com_ledger.pub (its verifier key: give it to whoever checks your \
         checkpoints)\n"
    );
    let key = s.read("example.com_ledger.key");
    let vkey = s.read("example.com_ledger.pub");
    assert!(key.starts_with("PRIVATE+KEY+example.com/ledger+"), "{key}");
    assert!(vkey.starts_with("example.com/ledger+"), "{vkey}");
    let signer = rewind::ledger::checkpoint::SigningKey::parse(&key).unwrap();
    assert_eq!(signer.verifier().to_text(), vkey.trim());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p| std::fs::metadata(s.path(p)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode("example.com_ledger.key"), 0o600);
        assert_eq!(mode("example.com_ledger.pub") & 0o044, 0o044, "readable");
    }
    let again = s.run(&["keygen", "example.com/ledger"]);
    assert_eq!(again.code, 2);
    assert!(again.err.contains("already exists"), "{}", again.err);
    assert_eq!(s.read("example.com_ledger.key"), key);
    let bad = s.run(&["keygen", "two words"]);
    assert_eq!(bad.code, 2);
    assert_eq!(bad.err.lines().count(), 1, "{}", bad.err);
}

// ----- checkpoints -----

#[test]
fn a_checkpoint_of_the_sample_is_the_c2sp_note_any_tool_reads() {
    let s = Scratch::new();
    let r = s.run(&[
        "checkpoint",
        "sample.jsonl",
        "--key",
        "ops-2024.key",
        "--origin",
        "bank-prod",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(r.out, SAMPLE_CHECKPOINT);
    assert_eq!(r.err, "");
    // The origin is the key's name unless given.
    let r = s.run(&[
        "checkpoint",
        "sample.jsonl",
        "--key",
        "ops-2024.key",
        "--json",
    ]);
    let v = common::json(&r.out);
    assert_eq!(v["origin"], "ops-2024");
    assert_eq!(v["size"], 799);
    assert_eq!(v["signedBy"], "ops-2024");
}

#[test]
fn a_signing_key_that_others_can_read_is_warned_about() {
    let s = Scratch::new();
    set_mode(&s.path("ops-2024.key"), 0o644);
    let r = s.run(&["checkpoint", "sample.jsonl", "--key", "ops-2024.key"]);
    assert_eq!(r.code, 0);
    if cfg!(unix) {
        assert_eq!(r.err.lines().count(), 1, "{}", r.err);
        assert!(
            r.err
                .contains("ops-2024.key: the signing key can be read by others (mode 644)"),
            "{}",
            r.err
        );
    }
}

#[test]
fn a_verifier_key_given_to_sign_with_is_refused() {
    let s = Scratch::new();
    let r = s.run(&["checkpoint", "sample.jsonl", "--key", "ops-2024.pub"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.err.lines().count(), 1);
    assert!(r.err.contains("this is a verifier key"), "{}", r.err);
}

#[test]
fn checkpoint_and_prove_refuse_an_unsealed_or_broken_log() {
    let s = Scratch::new();
    s.write(
        "plain.jsonl",
        "{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":1,\"timestamp\":1}\n",
    );
    s.checkpoint("sample.jsonl", "cp");
    for args in [
        vec!["checkpoint", "plain.jsonl", "--key", "ops-2024.key"],
        vec![
            "prove",
            "plain.jsonl",
            "--seq",
            "1",
            "--checkpoint",
            "cp",
            "--out",
            "b",
        ],
    ] {
        let r = s.run(&args);
        assert_eq!(r.code, 2, "{args:?}");
        assert_eq!(r.err.lines().count(), 1);
        assert!(r.err.contains("not sealed"), "{}", r.err);
        assert!(r.err.contains("rewind seal"), "{}", r.err);
    }
    let mut lines = sample_lines();
    lines[9] = lines[9].replace("\"seq\":10", "\"seq\":10 ");
    s.write("broken.jsonl", &text(&lines));
    let r = s.run(&["checkpoint", "broken.jsonl", "--key", "ops-2024.key"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.err.lines().count(), 1);
    assert!(
        r.err.contains("broken.jsonl:10: the chain is broken"),
        "{}",
        r.err
    );
    assert!(!s.path("b").exists());
}

// ----- bundles -----

#[test]
fn the_disputed_withdrawals_are_proved_to_an_outsider_with_two_records() {
    let s = Scratch::new();
    s.checkpoint("sample.jsonl", "bank-prod.cp");
    let r = s.run(&[
        "prove",
        "sample.jsonl",
        "--account",
        "cust-dana",
        "--from",
        "2024-03-14 15:59",
        "--to",
        "2024-03-14 16:01",
        "--checkpoint",
        "bank-prod.cp",
        "--out",
        "dana.bundle",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(
        r.out,
        "wrote dana.bundle: records 403 and 404 with their inclusion proofs, in the 799-record \
         checkpoint of `bank-prod`\n"
    );
    // Checked with nothing but the bundle and the verifier key.
    let alone = tempfile::tempdir().unwrap();
    std::fs::copy(s.path("dana.bundle"), alone.path().join("dana.bundle")).unwrap();
    let key = std::fs::read_to_string(PUB).unwrap();
    let r = run_in(
        alone.path(),
        &[
            "verify-bundle",
            "dana.bundle",
            "--key",
            key.trim(),
            "--no-remember",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(
        r.out,
        "dana.bundle: holds: these 2 events are records 403 and 404 of the ledger `bank-prod` \
         whose 799-record checkpoint was signed by `ops-2024`\n\
         record 403: 2024-03-14T15:59:03.120Z cust-dana WITHDRAW 400.00 (seq 403, event \
         73e3cfd2-f0de-4a56-a6ae-9caa936794f3)\n\
         record 404: 2024-03-14T16:00:02.870Z cust-dana WITHDRAW 400.00 (seq 404, event \
         a200dc87-fc7c-4d5a-abad-54041d0b4e08)\n"
    );
    // The same by seq, and the bundle is byte for byte the same.
    let r = s.run(&[
        "prove",
        "sample.jsonl",
        "--seq",
        "404",
        "403",
        "--checkpoint",
        "bank-prod.cp",
        "--out",
        "by-seq.bundle",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(s.read("by-seq.bundle"), s.read("dana.bundle"));
    // It reveals nothing of the other records but the hash of 402 (the `prev` of 403).
    let bundle = s.read("dana.bundle");
    for (i, line) in sample_lines().iter().enumerate() {
        let n = i + 1;
        let hash = &line[line.len() - 66..line.len() - 2];
        let id = &line[line.find("\"eventId\":\"").unwrap() + 11..][..36];
        if n != 403 && n != 404 {
            assert!(!bundle.contains(id), "the event id of record {n} shows");
            if n != 402 {
                assert!(!bundle.contains(hash), "the hash of record {n} shows");
            }
        }
    }
    let v = common::json(
        &s.run(&[
            "verify-bundle",
            "dana.bundle",
            "--key",
            "ops-2024.pub",
            "--json",
        ])
        .out,
    );
    assert_eq!(v["holds"], true);
    assert_eq!(v["records"][1]["record"], sample_lines()[403].as_str());
}

#[test]
fn each_bad_bundle_is_a_one_line_answer_with_its_exit_status() {
    let s = Scratch::new();
    // (The smaller tree first: signing it after the larger one would be refused as a cut.)
    let mut prefix = sample_lines();
    prefix.truncate(700);
    s.write("prefix.jsonl", &text(&prefix));
    s.checkpoint("prefix.jsonl", "cp700");
    s.checkpoint("sample.jsonl", "cp");
    let r = s.run(&[
        "prove",
        "sample.jsonl",
        "--seq",
        "403",
        "404",
        "--checkpoint",
        "cp",
        "--out",
        "good",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    // A key of another signer with the same name.
    let r = s.run(&["keygen", "ops-2024", "--out", "other"]);
    assert_eq!(r.code, 0);
    // The record, one byte changed (the amount's 4 of 400.00 becomes a 5).
    edit_bundle(&s, "good", "record-edited", |v| {
        let r = v["records"][0]["record"]
            .as_str()
            .unwrap()
            .replacen("\"400.00\"", "\"500.00\"", 1);
        v["records"][0]["record"] = r.into();
    });
    // A proof hash, one bit changed.
    edit_bundle(&s, "good", "proof-edited", |v| {
        let p = v["records"][1]["proof"][0].as_str().unwrap().to_string();
        let flipped = if p.starts_with('A') {
            p.replacen('A', "B", 1)
        } else {
            format!("A{}", &p[1..])
        };
        v["records"][1]["proof"][0] = flipped.into();
    });
    // The proofs of a 799-record tree under a checkpoint of another size.
    let cp700 = s.read("cp700");
    edit_bundle(&s, "good", "other-size", |v| {
        v["checkpoint"] = cp700.clone().into()
    });
    let good = s.read("good");
    s.write("truncated", &good[..good.len() / 2]);
    s.write("spaced", &good.replacen(",\"format\"", ", \"format\"", 1));
    let cases: Vec<(&str, Vec<&str>, i32, &str)> = vec![
        ("good", vec![], 0, "holds"),
        (
            "good",
            vec!["--key", "other.pub"],
            1,
            "DOES NOT HOLD: the checkpoint: not signed by ops-2024+",
        ),
        (
            "good",
            vec!["--origin", "bank-test"],
            1,
            "is for the ledger `bank-prod`, not `bank-test`",
        ),
        ("record-edited", vec![], 1, "record 403 is not"),
        (
            "proof-edited",
            vec![],
            1,
            "record 404 is not in the signed tree",
        ),
        ("other-size", vec![], 1, "is not in the signed tree"),
        ("truncated", vec![], 2, "not an evidence bundle"),
        ("spaced", vec![], 2, "not in the canonical form"),
        ("missing", vec![], 2, "cannot read the bundle"),
    ];
    for (file, extra, code, says) in cases {
        let mut args = vec!["verify-bundle", file];
        if !extra.contains(&"--key") {
            args.extend(["--key", "ops-2024.pub"]);
        }
        args.extend(extra.iter().copied());
        let r = s.run(&args);
        assert_eq!(r.code, code, "{file} {extra:?}: {}{}", r.out, r.err);
        let said = if code == 2 { &r.err } else { &r.out };
        if code != 0 {
            assert_eq!(said.lines().count(), 1, "{file}: {said}");
        }
        assert!(said.contains(says), "{file} {extra:?}: {said}");
    }
    // A verifier key that is not one, and the signing key given to a verifier.
    let r = s.run(&["verify-bundle", "good", "--key", "ops-2024.key"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("this is the signing key"), "{}", r.err);
}

#[test]
fn prove_refuses_a_checkpoint_of_another_log_or_a_record_after_it() {
    let s = Scratch::new();
    let mut prefix = sample_lines();
    prefix.truncate(700);
    s.write("prefix.jsonl", &text(&prefix));
    s.checkpoint("prefix.jsonl", "cp700");
    // A record after the checkpoint's tree.
    let r = s.run(&[
        "prove",
        "sample.jsonl",
        "--seq",
        "750",
        "--checkpoint",
        "cp700",
        "--out",
        "b",
    ]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(
        r.err
            .contains("record 750 came after the checkpoint's 700 records"),
        "{}",
        r.err
    );
    // A rewritten log under the real checkpoint.
    let forged = rewritten(&sample_lines(), 404, |b| {
        b.replace("\"400.00\"", "\"4.00\"")
    });
    s.write("forged.jsonl", &text(&forged));
    let r = s.run(&[
        "prove",
        "forged.jsonl",
        "--seq",
        "404",
        "--checkpoint",
        "cp700",
        "--out",
        "b",
    ]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert_eq!(r.err.lines().count(), 1);
    assert!(r.err.contains("is not of this log"), "{}", r.err);
    assert!(!s.path("b").exists());
    // A seq that is not there, a bundle that exists.
    let r = s.run(&[
        "prove",
        "sample.jsonl",
        "--seq",
        "9999",
        "--checkpoint",
        "cp700",
        "--out",
        "b",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("no record has seq 9999"), "{}", r.err);
    s.write("b", "keep");
    let r = s.run(&[
        "prove",
        "sample.jsonl",
        "--seq",
        "1",
        "--checkpoint",
        "cp700",
        "--out",
        "b",
    ]);
    assert_eq!(r.code, 2);
    assert_eq!(s.read("b"), "keep");
}

// ----- consistency -----

#[test]
fn a_consistency_bundle_shows_the_old_tree_is_a_prefix_of_the_new() {
    let s = Scratch::new();
    let mut prefix = sample_lines();
    prefix.truncate(500);
    s.write("old.jsonl", &text(&prefix));
    s.checkpoint("old.jsonl", "old.cp");
    s.checkpoint("sample.jsonl", "new.cp");
    let r = s.run(&[
        "prove",
        "sample.jsonl",
        "--consistency",
        "old.cp",
        "new.cp",
        "--out",
        "c",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(
        r.out,
        "wrote c: the consistency of the 500-record checkpoint of `bank-prod` with its \
         799-record one\n"
    );
    let r = s.run(&["verify-bundle", "c", "--key", "ops-2024.pub"]);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert_eq!(
        r.out,
        "c: holds: the 500-record checkpoint of the ledger `bank-prod` is a prefix of its \
         799-record checkpoint: none of its first 500 records was changed or removed since (both \
         signed by `ops-2024`)\n"
    );
    // In the wrong order.
    let r = s.run(&[
        "prove",
        "sample.jsonl",
        "--consistency",
        "new.cp",
        "old.cp",
        "--out",
        "d",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("larger than the new one"), "{}", r.err);
    // A history rewritten at record 300 and signed again: its old checkpoint is no prefix of the
    // real tree.
    let forged = rewritten(&prefix, 300, |b| {
        b.replace("\"seq\":300", "\"seq\":300,\"x\":1")
    });
    s.write("forged.jsonl", &text(&forged));
    // (Signed with no memory of the real tree, which would refuse it.)
    let r = run_in(
        s.dir.path(),
        &[
            "checkpoint",
            "forged.jsonl",
            "--key",
            "ops-2024.key",
            "--origin",
            "bank-prod",
            "--out",
            "forged.cp",
            "--no-remember",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    let good: serde_json::Value = serde_json::from_str(&s.read("c")).unwrap();
    let forged_cp = s.read("forged.cp");
    let mut v = good.clone();
    v["old"] = forged_cp.into();
    s.write(
        "forked",
        &format!("{}\n", serde_json::to_string(&v).unwrap()),
    );
    let r = s.run(&["verify-bundle", "forked", "--key", "ops-2024.pub"]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(
        r.out.contains(
            "DOES NOT HOLD: the 500-record tree is not shown to be a prefix of the 799-record tree"
        ),
        "{}",
        r.out
    );
}

// ----- verify --expect CP -----

#[test]
fn verify_accepts_a_signed_checkpoint_as_what_it_expects() {
    let s = Scratch::new();
    s.checkpoint("sample.jsonl", "cp");
    let r = s.run(&[
        "verify",
        "sample.jsonl",
        "--expect",
        "cp",
        "--key",
        "ops-2024.pub",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(
        r.out.contains(
            "sample.jsonl:799: expected checkpoint of `bank-prod` at 799 records holds: the log's \
             first 799 records are the tree the checkpoint signed (signed by `ops-2024`)"
        ),
        "{}",
        r.out
    );
    // Without a key the tree is checked and the output says the signature was not.
    let r = s.run(&["verify", "sample.jsonl", "--expect", "cp"]);
    assert_eq!(r.code, 0);
    assert!(r.out.contains("its signature was not checked"), "{}", r.out);
    // A history rewritten at record 404 with every hash recomputed: the chain holds, the
    // checkpoint does not.
    let forged = rewritten(&sample_lines(), 404, |b| {
        b.replace("\"400.00\"", "\"4.00\"")
    });
    s.write("forged.jsonl", &text(&forged));
    let r = s.run(&[
        "verify",
        "forged.jsonl",
        "--expect",
        "cp",
        "--key",
        "ops-2024.pub",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.out
            .contains("forged.jsonl: sealed, 799 records, chain intact"),
        "{}",
        r.out
    );
    assert!(
        r.out.contains(
            "DOES NOT HOLD: the log's first 799 records are not the tree the checkpoint signed"
        ),
        "{}",
        r.out
    );
    // Another origin expected, another key, a log cut before the checkpoint's size.
    let r = s.run(&[
        "verify",
        "sample.jsonl",
        "--expect",
        "cp",
        "--origin",
        "bank-test",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.out
            .contains("for the ledger `bank-prod`, not `bank-test`"),
        "{}",
        r.out
    );
    s.run(&["keygen", "ops-2024", "--out", "other"]);
    let r = s.run(&[
        "verify",
        "sample.jsonl",
        "--expect",
        "cp",
        "--key",
        "other.pub",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.out.contains("not signed by ops-2024+"), "{}", r.out);
    let mut cut = sample_lines();
    cut.truncate(790);
    s.write("cut.jsonl", &text(&cut));
    let r = s.run(&["verify", "cut.jsonl", "--expect", "cp"]);
    assert_eq!(r.code, 1);
    assert!(r.out.contains("records were cut off"), "{}", r.out);
    // Something that is neither a digest nor a checkpoint file.
    let r = s.run(&["verify", "sample.jsonl", "--expect", "nothing-here"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.err.lines().count(), 1);
    s.write("not-a-cp", "hello\n");
    let r = s.run(&["verify", "sample.jsonl", "--expect", "not-a-cp"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("not-a-cp: not a signed note"), "{}", r.err);
}

// ----- remembered heads -----

#[test]
fn a_rewritten_or_cut_history_is_reported_with_when_it_was_seen() {
    let s = Scratch::new();
    let lines = sample_lines();
    s.write("ledger.jsonl", &text(&lines[..700]));
    let first = s.run(&["verify", "ledger.jsonl"]);
    assert_eq!(first.code, 0, "{}", first.out);
    assert!(!first.out.contains("HISTORY"));
    // It grew: fine, and the new head is remembered.
    s.write("ledger.jsonl", &text(&lines));
    let grew = s.run(&["verify", "ledger.jsonl", "--json"]);
    assert_eq!(grew.code, 0);
    assert_eq!(common::json(&grew.out)["remembered"]["status"], "grew");
    // Rewritten with every hash recomputed: the chain holds, the remembered head does not.
    let forged = rewritten(&lines, 404, |b| b.replace("\"400.00\"", "\"4.00\""));
    s.write("ledger.jsonl", &text(&forged));
    let r = s.run(&["verify", "ledger.jsonl"]);
    assert_eq!(r.code, 1, "{}", r.out);
    let finding = r.out.lines().find(|l| l.contains("HISTORY")).unwrap();
    let re = regex::Regex::new(
        r"^ledger\.jsonl: ✗ HISTORY REWRITTEN since \d{4}-\d\d-\d\d \d\d:\d\d UTC: record 799 is not the one seen then$",
    )
    .unwrap();
    assert!(re.is_match(finding), "{finding}");
    // It stays reported (the head seen is kept), and --no-remember does not look.
    assert_eq!(s.run(&["verify", "ledger.jsonl"]).code, 1);
    let off = run_in(s.dir.path(), &["verify", "ledger.jsonl", "--no-remember"]);
    assert_eq!(off.code, 0, "{}", off.out);
    // Cut: put the real log back, shorter.
    s.write("ledger.jsonl", &text(&lines[..600]));
    let r = s.run(&["verify", "ledger.jsonl"]);
    assert_eq!(r.code, 1);
    assert!(
        r.out.contains("✗ HISTORY CUT since ")
            && r.out
                .contains(": record 799 was seen then, the log now ends at record 600"),
        "{}",
        r.out
    );
    // The state is its owner's alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.path("state/heads.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_damaged_state_file_is_warned_about_and_changes_no_answer() {
    let s = Scratch::new();
    std::fs::create_dir(s.path("state")).unwrap();
    for damage in [
        "{\"version\":1,\"logs\":[",
        "\u{0}\u{1}garbage",
        "{\"version\":1,\"logs\":[],\"origins\":[],\"x\":1}",
    ] {
        s.write("state/heads.json", damage);
        let r = s.run(&["verify", "sample.jsonl"]);
        assert_eq!(r.code, 0, "{damage:?}: {}", r.out);
        assert!(r.out.ends_with(
            "head 799:ad7d2d34343ea92833254ac2b8b97b66f584aa23e25302817e811fa7f82484a8\n"
        ));
        assert_eq!(r.err.lines().count(), 1, "{}", r.err);
        assert!(r.err.contains("remembered heads not used"), "{}", r.err);
        assert_eq!(s.read("state/heads.json"), damage, "left as it was");
    }
}

#[test]
fn signing_a_checkpoint_of_a_rewritten_log_is_refused() {
    let s = Scratch::new();
    s.checkpoint("sample.jsonl", "cp");
    let forged = rewritten(&sample_lines(), 404, |b| {
        b.replace("\"400.00\"", "\"4.00\"")
    });
    s.write("copy.jsonl", &text(&forged));
    // Another path, the same origin: the origin's tree seen before is not a prefix of this one.
    let r = s.run(&[
        "checkpoint",
        "copy.jsonl",
        "--key",
        "ops-2024.key",
        "--origin",
        "bank-prod",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert_eq!(r.err.lines().count(), 1);
    assert!(
        r.err.contains("HISTORY REWRITTEN since")
            && r.err.contains(
                "the first 799 records of `bank-prod` are not the tree seen then; not signing"
            ),
        "{}",
        r.err
    );
    assert_eq!(r.out, "");
}

// ----- a verifier written elsewhere -----

/// `tests/independent_verifier.py` checks a bundle from `FORMAT.md` alone, with Python's hashlib
/// and the `cryptography` package; skipped where they are missing.
#[test]
fn a_verifier_written_elsewhere_from_the_format_agrees() {
    let has = std::process::Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        eprintln!("python3 with `cryptography` is not here: skipped");
        return;
    }
    let s = Scratch::new();
    s.checkpoint("sample.jsonl", "cp");
    let r = s.run(&[
        "prove",
        "sample.jsonl",
        "--seq",
        "1",
        "403",
        "404",
        "799",
        "--checkpoint",
        "cp",
        "--out",
        "b",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    let script = std::fs::canonicalize("tests/independent_verifier.py").unwrap();
    let check = |bundle: &str| {
        std::process::Command::new("python3")
            .arg(&script)
            .arg(s.path(bundle))
            .arg(s.path("ops-2024.pub"))
            .output()
            .unwrap()
    };
    let out = check("b");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ok: 4 records of bank-prod (799)\n"
    );
    edit_bundle(&s, "b", "bad", |v| {
        let r = v["records"][2]["record"]
            .as_str()
            .unwrap()
            .replacen("400.00", "500.00", 1);
        v["records"][2]["record"] = r.into();
    });
    assert!(!check("bad").status.success());
}
