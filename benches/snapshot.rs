//! `rewind balance` on a sealed log of 1,000,000 events, with a snapshot 1,000 records before the
//! end, against a full replay (`--no-snapshot`). Both run the real binary.
//!
//! `cargo bench --bench snapshot`

// A benchmark may unwrap: a panic here is a failed run, with its line.
#![allow(clippy::unwrap_used)]

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rewind::ledger::chain::{GENESIS, seal_line};

const EVENTS: u64 = 1_000_000;
const ACCOUNTS: u64 = 1_000;
const SNAPSHOT_AT: u64 = EVENTS - 1_000;
const T0: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z

/// A deterministic sealed log: deposits, withdrawals and transfers, one every second.
fn write_log(path: &Path) {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let mut prev = GENESIS;
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for seq in 1..=EVENTS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let account = x % ACCOUNTS;
        let cents = 1 + (x >> 20) % 50_000;
        let amount = format!("{}.{:02}", cents / 100, cents % 100);
        let ts = rewind::ledger::time::format_time(T0 + seq as i64 * 1000);
        let body = match seq % 10 {
            0 => format!(
                r#"{{"seq":{seq},"eventId":"e-{seq}","accountId":"acc-{account:04}","type":"TRANSFER","amount":"{amount}","to":"acc-{:04}","timestamp":"{ts}""#,
                (account + 1) % ACCOUNTS
            ),
            1..=3 => format!(
                r#"{{"seq":{seq},"eventId":"e-{seq}","accountId":"acc-{account:04}","type":"WITHDRAW","amount":"{amount}","timestamp":"{ts}""#
            ),
            _ => format!(
                r#"{{"seq":{seq},"eventId":"e-{seq}","accountId":"acc-{account:04}","type":"DEPOSIT","amount":"{amount}","timestamp":"{ts}""#
            ),
        };
        let (line, hash) = seal_line(&body, &prev);
        prev = hash;
        out.write_all(line.as_bytes()).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
}

fn rewind(args: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_rewind"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "rewind {args:?} failed");
}

fn balance(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("million.jsonl");
    write_log(&log);
    let p = log.to_str().unwrap();
    let at = rewind::ledger::time::format_time(T0 + SNAPSHOT_AT as i64 * 1000);
    rewind(&["snapshot", p, "--at", &at]);

    let mut group = c.benchmark_group("balance of 1,000,000 sealed events");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    group.bench_function("snapshot 1,000 records before the end", |b| {
        b.iter(|| rewind(&["balance", p]))
    });
    group.bench_function("--no-snapshot (full replay)", |b| {
        b.iter(|| rewind(&["balance", p, "--no-snapshot"]))
    });
    group.finish();
}

criterion_group!(benches, balance);
criterion_main!(benches);
