//! Evidence on a sealed log from `rewind generate --sealed` (1,000,000 events unless
//! `REWIND_BENCH_EVENTS` says otherwise):
//!
//! - `checkpoint` against `verify` on the same log, both through the real binary;
//! - one inclusion proof once the tree is built (the library's `LogTree`);
//! - checking a bundle of 100 records (the library's `verify_bundle`, and `verify-bundle` through
//!   the binary).
//!
//! `cargo bench --bench evidence`

// A benchmark may unwrap: a panic here is a failed run, with its line.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rewind::ledger::bundle::{Bundle, verify_bundle};
use rewind::ledger::checkpoint::{Checkpoint, SigningKey};
use rewind::ledger::log_tree::LogTree;
use rewind::ledger::{Depth, LoadOptions, load_file};

fn events() -> u64 {
    std::env::var("REWIND_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn rewind(args: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_rewind"))
        .args(args)
        .arg("--no-remember")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "rewind {args:?} failed");
}

fn generate(path: &Path, n: u64) {
    let out = std::fs::File::create(path).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_rewind"))
        .args(["generate", "--events", &n.to_string()])
        .args(["--accounts", &(n / 100).max(1).to_string(), "--sealed"])
        .stdout(out)
        .status()
        .unwrap();
    assert!(status.success());
}

fn evidence(c: &mut Criterion) {
    let n = events();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("sealed.jsonl");
    generate(&log, n);
    let key_path = dir.path().join("bench.key");
    std::fs::copy("assets/ops-2024.key", &key_path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let (p, k) = (log.to_str().unwrap(), key_path.to_str().unwrap());

    let mut group = c.benchmark_group(format!("{n} sealed events, through the binary"));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(15));
    group.bench_function("verify", |b| b.iter(|| rewind(&["verify", p])));
    group.bench_function("checkpoint", |b| {
        b.iter(|| rewind(&["checkpoint", p, "--key", k]))
    });
    group.finish();

    let ledger = load_file(
        &log,
        &LoadOptions {
            depth: Depth::Summary,
            ..LoadOptions::default()
        },
        None,
    )
    .unwrap();
    let tree = LogTree::new(&ledger).unwrap();
    let size = tree.size();
    let mut group = c.benchmark_group(format!("{n} sealed events, the tree built"));
    group.sample_size(50);
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    group.bench_function("one inclusion proof", |b| {
        b.iter(|| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            tree.inclusion_proof(x % size, size).unwrap()
        })
    });
    group.bench_function("build the tree (every record hashed)", |b| {
        b.iter(|| LogTree::new(&ledger).unwrap().root())
    });
    group.finish();

    // A bundle of 100 records spread over the log.
    let key = SigningKey::parse(&std::fs::read_to_string(&key_path).unwrap()).unwrap();
    let cp = Checkpoint {
        origin: "bench".into(),
        size,
        root: tree.root(),
        extensions: vec![],
    }
    .sign(&key);
    let records = (0..100u64)
        .map(|i| {
            let leaf = i * (size / 100);
            (
                leaf,
                String::from_utf8(tree.record(leaf).to_vec()).unwrap(),
                tree.inclusion_proof(leaf, size).unwrap(),
            )
        })
        .collect();
    let bundle = Bundle::inclusion(&cp, records).to_text();
    let bundle_path = dir.path().join("100.bundle");
    std::fs::write(&bundle_path, &bundle).unwrap();
    let keys = vec![key.verifier()];
    let vkey = key.verifier().to_text();
    let mut group = c.benchmark_group("a bundle of 100 records");
    group.sample_size(50);
    group.bench_function("verify_bundle (library)", |b| {
        b.iter(|| verify_bundle(bundle.as_bytes(), &keys, None).unwrap())
    });
    group.bench_function("rewind verify-bundle (binary)", |b| {
        b.iter(|| {
            rewind(&[
                "verify-bundle",
                bundle_path.to_str().unwrap(),
                "--key",
                &vkey,
            ])
        })
    });
    group.finish();
}

criterion_group!(benches, evidence);
criterion_main!(benches);
