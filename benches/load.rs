//! Loading a generated log from a file: read, parse on all cores, index everything the explorer
//! and the commands ask of a ledger.
//!
//! `cargo bench --bench load` measures 1,000,000 events (10,000 accounts, 132 MB).
//! `REWIND_BENCH_SIZES=1000000,10000000 cargo bench --bench load` adds 10,000,000 events (100,000
//! accounts, 1.3 GB written to the temporary folder for the run).

// A benchmark may unwrap: a panic here is a failed run, with its line.
#![allow(clippy::unwrap_used)]

use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rewind::ledger::generate::{GenerateOptions, generate};
use rewind::ledger::{LoadOptions, load_file};

fn sizes() -> Vec<u64> {
    std::env::var("REWIND_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000_000])
}

/// A generated log of `events` events (one account per hundred events), written once.
fn log(dir: &Path, events: u64) -> PathBuf {
    let path = dir.join(format!("{events}.jsonl"));
    let out = BufWriter::with_capacity(8 << 20, std::fs::File::create(&path).unwrap());
    generate(
        GenerateOptions {
            events,
            accounts: (events / 100).max(1),
            seed: 42,
            sealed: false,
        },
        out,
    )
    .unwrap();
    path
}

fn load(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("load a generated log");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for events in sizes() {
        let path = log(dir.path(), events);
        let bytes = std::fs::metadata(&path).unwrap().len();
        group
            .throughput(Throughput::Bytes(bytes))
            .measurement_time(Duration::from_secs((events / 100_000).clamp(5, 120)));
        group.bench_with_input(BenchmarkId::new("events", events), &path, |b, path| {
            b.iter(|| load_file(path, &LoadOptions::default(), None).unwrap())
        });
        std::fs::remove_file(&path).unwrap();
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
