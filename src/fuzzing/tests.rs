//! Every saved input and seed of each fuzz target, run through its check.

use super::logs::{sealed_log, snapshot_log};
use super::*;
use crate::ledger::money::Money;

/// Runs every saved input of a target (`fuzz/corpus/<target>/*`, then the crash inputs
/// `fuzz/artifacts/<target>/*`) through its check, and names each one that fails.
fn saved_inputs(target: &str, check: fn(&[u8])) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut ran = 0;
    let mut failed = Vec::new();
    for dir in ["corpus", "artifacts"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.is_file()) {
            let data = std::fs::read(&path).expect("readable");
            ran += 1;
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                failed.push(path.display().to_string());
            }
        }
    }
    assert!(
        ran > 0,
        "no saved inputs for `{target}` under {}",
        root.display()
    );
    assert!(
        failed.is_empty(),
        "{target}: {} of {ran} saved inputs fail: {failed:#?}",
        failed.len()
    );
}

/// The seeds of each target's corpus: inputs that reach each path of its check.
/// `cargo test --lib -- --ignored write_seed_corpus` writes them to `fuzz/corpus/<target>/`.
fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
    let mut add = |target: &'static str, name: &str, data: Vec<u8>| {
        out.push((target, format!("seed-{name}"), data));
    };
    let records = [
        (
            "common",
            r#"{"eventId":"5e","accountId":"acc-1","type":"DEPOSIT","amount":"43.80","timestamp":"2024-03-01T00:00:00.800Z"}"#,
        ),
        (
            "nested",
            r#" { "accountId" : 12 , "meta": {"a": [1, 2.5e-3, true, null, {"b": "\u00e9\n"}], "c": {}}, "amount": -0.5 } "#,
        ),
        (
            "aliases",
            r#"{"account":"a","eventType":"DEPOSIT","amount":"1","ts":1,"id":"x","seq":3}"#,
        ),
        (
            "transfer",
            r#"{"accountId":"a","type":"TRANSFER","amount":"5","to":"b","timestamp":"2024-03-01 12:00"}"#,
        ),
        (
            "duplicate-amount",
            r#"{"accountId":"a","type":"DEPOSIT","amount":"1","amount":"1000","timestamp":1}"#,
        ),
        (
            "duplicate-escaped",
            r#"{"accountId":"a","accountI\u0064":"b","type":"DEPOSIT","timestamp":1}"#,
        ),
        (
            "duplicate-other",
            r#"{"accountId":"a","type":"DEPOSIT","timestamp":1,"x":1,"x":2}"#,
        ),
        (
            "alias-and-name",
            r#"{"accountId":"a","account":"b","type":"DEPOSIT","timestamp":1}"#,
        ),
        (
            "escaped-key",
            r#"{"account\u0049d":"x","type":"DEPOSIT","timestamp":1}"#,
        ),
        (
            "escapes",
            r#"{"accountId":"a\"b\\c\u0000","type":"DEPOSIT","timestamp":1,"meta":"\ud83d\ude00"}"#,
        ),
        (
            "control",
            "{\"accountId\":\"tab\tinside\",\"type\":\"DEPOSIT\",\"timestamp\":1}",
        ),
        (
            "null-members",
            r#"{"accountId":null,"account":"a","type":"DEPOSIT","timestamp":1,"amount":null}"#,
        ),
        (
            "numbers",
            r#"{"accountId":-0,"type":"DEPOSIT","amount":1.5e+3,"timestamp":1e3,"seq":18446744073709551616}"#,
        ),
        (
            "sealed",
            r#"{"seq":1,"accountId":"a","type":"DEPOSIT","amount":"1","timestamp":1,"prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":"5fd924625a10e0baacdb8c3ba7bd41b4d4e8b2ec1e8cb6a3c5e2cb9f5e5e0b1c"}"#,
        ),
        ("trailing-comma", r#"{"a":1,}"#),
        ("leading-zero", r#"{"a":01}"#),
        ("not-object", "[1, 2]"),
        ("string", r#""text""#),
        ("empty-object", "{}"),
        (
            "deep",
            &format!("{{\"a\":{}1{}}}", "[".repeat(100), "]".repeat(100)),
        ),
        (
            "unicode",
            r#"{"accountId":"日本","type":"DEPOSIT","timestamp":"2024-03-01T00:00:00+09:00"}"#,
        ),
        ("text-after", r#"{"accountId":"a"} x"#),
    ];
    for (name, text) in records {
        add("scanner", name, text.as_bytes().to_vec());
    }
    for (i, amount) in [
        "0e999999999",
        "100000000000000000000000000000e-2",
        "79228162514264337593543950335",
        "79228162514264337593543950336",
        "-0.000e+0099",
        "1.10000000000000000000000000000000000",
        "1e-28",
        "1e-29",
        "000000000000000000000000000000000000012.50",
        "12.0e1",
        "1e999",
        "NaN",
        "",
        "-",
        "1.",
        ".5",
        "+7",
        "0.1",
        "-12.345",
    ]
    .iter()
    .enumerate()
    {
        add("money", &format!("{i:02}"), amount.as_bytes().to_vec());
    }
    for (i, t) in [
        "2024-03-01T12:00:00.000Z",
        "2024-03-01T12:00:00Z\n2024-03-01T23:59:59.999Z\n2024-03-02T00:00:00.000Z",
        "2024-02-29T00:00:00.000Z\n2023-02-29T00:00:00.000Z",
        "2024-03-01T12:00:00.123456789+05:30",
        "2024-03-01t12:00:00-00:00",
        "2024-03-01 12:00",
        "2024-03-01T12:00:59.5",
        "2024-03-01",
        "1709294400000",
        "  1709294400000 ",
        "0000-01-01T00:00:00Z\n9999-12-31T23:59:59.999Z\n0000-01-01T00:00:00+00:01",
        "1969-12-31T23:59:59.9995Z",
        "2024-13-01T00:00:00Z\n2024-03-32 00:00\n24:00",
        "99999999999999999999",
        "noon",
    ]
    .iter()
    .enumerate()
    {
        add("time", &format!("{i:02}"), t.as_bytes().to_vec());
    }
    let sealed: Vec<u8> = sealed_log(4, b"1234")
        .iter()
        .flat_map(|l| l.iter().copied().chain([b'\n']))
        .collect();
    let logs: [(&str, Vec<u8>); 9] = [
        ("lines", b"{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"5\",\"timestamp\":2}\nx\n{\"accountId\":\"a\",\"type\":\"WITHDRAWAL\",\"amount\":\"9\",\"timestamp\":1}\n\n{\"type\":\"DEPOSIT\",\"timestamp\":3}".to_vec()),
        ("crlf-bom", b"\xEF\xBB\xBF{\"accountId\":\"a\",\"type\":\"OPEN\",\"timestamp\":1,\"seq\":2}\r\n{\"accountId\":\"a\",\"type\":\"CLOSE\",\"timestamp\":1,\"seq\":1}\r\n".to_vec()),
        ("array", b"[{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":1},\n 42, {\"accountId\":\"b\",\"type\":\"TRANSFER\",\"amount\":\"1\",\"timestamp\":0}]\n".to_vec()),
        ("array-open", b"[{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"timestamp\":1},".to_vec()),
        ("sealed", sealed.clone()),
        ("sealed-torn", sealed[..sealed.len() - 30].to_vec()),
        ("duplicates", b"{\"eventId\":\"x\",\"seq\":1,\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"79228162514264337593543950335\",\"timestamp\":1}\n{\"eventId\":\"x\",\"seq\":1,\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":1}\n".to_vec()),
        ("lookalike", "{\"accountId\":\"cust-1\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":1}\n{\"accountId\":\"cust-1\u{200b}\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":2}\n".as_bytes().to_vec()),
        ("invalid-utf8", b"{\"accountId\":\"\xff\",\"type\":\"DEPOSIT\",\"timestamp\":1}\n{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"timestamp\":1}\n".to_vec()),
    ];
    for (name, log) in logs {
        for chunk in [1u16, 7, 64] {
            let mut data = chunk.wrapping_sub(1).to_le_bytes().to_vec();
            data.extend_from_slice(&log);
            add("loader", &format!("{name}-{chunk}"), data);
        }
    }
    let scripts: [(&str, &[u8]); 13] = [
        ("untouched", &[4]),
        ("flip", &[4, 0, 1, 30, 4]),
        ("insert-byte", &[4, 1, 2, 200, b' ']),
        ("delete-bytes", &[4, 2, 0, 10, 3]),
        ("drop-line", &[4, 3, 2, 0, 0]),
        ("repeat-line", &[4, 4, 1, 3, 0]),
        ("swap", &[4, 5, 0, 1, 0]),
        ("low-seq-appended", &[4, 6, 0, 0, 9]),
        ("next-seq-appended", &[4, 6, 0, 6, 9]),
        ("sealed-in", &[4, 7, 2, 0, 1]),
        ("rehashed", &[4, 8, 1, 0, 9]),
        ("torn", &[4, 9, 0, 0, 0]),
        ("cut-front", &[2, 3, 0, 0, 0, 8, 0, 0, 1]),
    ];
    for (name, script) in scripts {
        add("chain", name, script.to_vec());
    }
    let (_dir, _path, full) = snapshot_log();
    for n in 1..=full.len() {
        let snap = crate::ledger::snapshot::Snapshot::take(full, n).expect("a sealed log");
        add(
            "snapshot",
            &format!("{n:02}"),
            serde_json::to_vec_pretty(&snap).expect("JSON"),
        );
        if n % 4 == 0 {
            let mut forged = snap.clone();
            forged.accounts[0].balance = Money::parse("1000000").expect("money");
            add(
                "snapshot",
                &format!("{n:02}-forged"),
                serde_json::to_vec(&forged).expect("JSON"),
            );
            let mut moved = snap.clone();
            moved.offset += 1;
            add(
                "snapshot",
                &format!("{n:02}-moved"),
                serde_json::to_vec(&moved).expect("JSON"),
            );
        }
    }
    for (name, mode, template, password) in [
        (
            "user-part",
            0u8,
            "postgres://u:\u{1}@localhost/db",
            "hunter2",
        ),
        (
            "user-part-raw-at",
            0,
            "postgres://u:\u{1}@h:5432/db?sslmode=disable",
            "p@ss:w=rd#1&x",
        ),
        ("encoded", 1, "postgres://u:\u{1}@h/db", "hunt?er=22/é"),
        (
            "option",
            1,
            "postgresql://u@h/db?password=\u{1}&sslmode=disable",
            "s3cr3t&x=y",
        ),
        (
            "hosts",
            0,
            "postgres://u:\u{1}@h1,h2:5433/db?application_name=x",
            "pw-xyz",
        ),
    ] {
        let mut data = vec![mode];
        data.extend_from_slice(template.as_bytes());
        data.push(0);
        data.extend_from_slice(password.as_bytes());
        add("url", name, data);
    }
    out
}

#[test]
fn every_seed_passes_its_check() {
    for (target, name, data) in seeds() {
        let check = match target {
            "scanner" => scanner,
            "money" => money,
            "time" => time,
            "loader" => loader,
            "chain" => chain,
            "snapshot" => snapshot,
            _ => url,
        };
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            panic!("{target}/{name} fails");
        }
    }
}

#[test]
#[ignore = "writes the seed corpus into the source tree"]
fn write_seed_corpus() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, name, data) in seeds() {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).expect("a folder");
        std::fs::write(dir.join(name), data).expect("written");
    }
}

#[test]
fn saved_scanner_inputs() {
    saved_inputs("scanner", scanner);
}

#[test]
fn saved_money_inputs() {
    saved_inputs("money", money);
}

#[test]
fn saved_time_inputs() {
    saved_inputs("time", time);
}

#[test]
fn saved_loader_inputs() {
    saved_inputs("loader", loader);
}

#[test]
fn saved_chain_inputs() {
    saved_inputs("chain", chain);
}

#[test]
fn saved_snapshot_inputs() {
    saved_inputs("snapshot", snapshot);
}

#[test]
fn saved_url_inputs() {
    saved_inputs("url", url);
}

#[test]
fn saved_checkpoint_inputs() {
    saved_inputs("checkpoint", checkpoint);
}

#[test]
fn saved_bundle_inputs() {
    saved_inputs("bundle", bundle);
}

#[test]
fn amounts_the_reference_knows() {
    for text in [
        "0e999999999",
        "0e-999999999",
        "-0.000e+00000000000000000000000000000000000000000000000000099",
        "100000000000000000000000000000e-2",
        "1.10000000000000000000000000000000000",
        "0.5000000000000000000000000000000000e1",
        "79228162514264337593543950335",
        "79228162514264337593543950336",
        "7922816251426433759354395033.5e1",
        "1e28",
        "1e29",
        "1e-28",
        "1e-29",
        "10e-29",
        "0.00000000000000000000000000010",
        "000000000000000000000000000000000000012.50",
        "12.0e1",
        "1.5e3",
        "1e999",
        "1e99999999999999999999999",
        "NaN",
        "",
        "-",
        "1.",
        ".5",
        "+7",
    ] {
        check_money(text);
    }
}

/// The seeds of the evidence targets verify, so the checks reach what a verified input proves.
#[test]
fn the_evidence_seeds_verify_under_the_sample_key() {
    use crate::ledger::bundle::verify_bundle;
    use crate::ledger::checkpoint::{VerifierKey, verify_signed_checkpoint};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let key = VerifierKey::parse(include_str!("../../assets/ops-2024.pub").trim()).unwrap();
    let cp = std::fs::read(root.join("fuzz/corpus/checkpoint/seed-sample")).unwrap();
    let (_, signers) = verify_signed_checkpoint(&cp, std::slice::from_ref(&key)).unwrap();
    assert_eq!(signers, ["ops-2024"]);
    let bundle = std::fs::read(root.join("fuzz/corpus/bundle/seed-inclusion")).unwrap();
    assert!(verify_bundle(&bundle, std::slice::from_ref(&key), None).is_ok());
}
