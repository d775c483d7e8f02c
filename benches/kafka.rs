//! Reading a Kafka topic: `rewind balance` on a topic against a plain client (rskafka) fetching
//! the same messages and discarding them, side by side in one run, and how soon the explorer's
//! follower shows a message after its produce.
//!
//! Needs a broker: `bash -c 'source .ci/kafka-server && cargo bench --bench kafka'` (the broker
//! of the tests; `REWIND_TEST_KAFKA=HOST:PORT` names another). `REWIND_BENCH_EVENTS` sets the
//! number of messages (default 1,000,000, from `rewind generate`, about 130 bytes each);
//! `REWIND_BENCH_LOG=FILE` produces that log's lines instead (then the topic is kept, and its
//! address printed, for a look in the explorer); `RUNS` the number of alternated runs (3).

// A benchmark may unwrap: a panic here is a failed run, with its line.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use rewind::ledger::LoadOptions;
use rewind::ledger::generate::{GenerateOptions, generate};
use rewind::source::kafka::KafkaSource;
use rewind::source::kafka::append::partition_of;
use rewind::source::{FollowEvent, Source};
use rewind::text::group;
use rskafka::client::partition::{Compression, OffsetAt, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder};
use rskafka::record::Record;

const PARTITIONS: i32 = 3;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn client(broker: &str) -> Client {
    ClientBuilder::new(vec![broker.to_string()])
        .build()
        .await
        .unwrap()
}

/// The record of one line: keyed by its account, stamped with its time.
fn record(line: &[u8]) -> (String, Record) {
    let v: serde_json::Value = serde_json::from_slice(line).unwrap();
    let account = v["accountId"].as_str().unwrap_or("none").to_string();
    let time = v["timestamp"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map_or(0, |t| t.timestamp_millis());
    let record = Record {
        key: Some(account.as_bytes().to_vec()),
        value: Some(line.to_vec()),
        headers: Default::default(),
        timestamp: Utc.timestamp_millis_opt(time).unwrap(),
    };
    (account, record)
}

/// Produces every line, each to the partition its account's key picks, in batches.
fn produce(broker: &str, topic: &str, log: &[u8]) -> usize {
    let mut per: Vec<Vec<Record>> = vec![Vec::new(); PARTITIONS as usize];
    for line in log.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let (account, r) = record(line);
        per[partition_of(account.as_bytes(), PARTITIONS as u32) as usize].push(r);
    }
    let n = per.iter().map(Vec::len).sum();
    runtime().block_on(async {
        let c = client(broker).await;
        c.controller_client()
            .unwrap()
            .create_topic(topic, PARTITIONS, 1, 10_000)
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for (p, records) in per.into_iter().enumerate() {
            let writer = c
                .partition_client(topic, p as i32, UnknownTopicHandling::Retry)
                .await
                .unwrap();
            tasks.push(async move {
                let mut records = records.into_iter().peekable();
                while records.peek().is_some() {
                    let batch: Vec<Record> = records.by_ref().take(2_000).collect();
                    writer
                        .produce(batch, Compression::NoCompression)
                        .await
                        .unwrap();
                }
            });
        }
        futures_util::future::join_all(tasks).await;
    });
    n
}

/// A plain client: every partition fetched to its high-water mark, in parallel; the messages are
/// counted and dropped.
fn plain_fetch(broker: &str, topic: &str) -> (Duration, usize) {
    let started = Instant::now();
    let n = runtime().block_on(async {
        let c = client(broker).await;
        let mut tasks = Vec::new();
        for p in 0..PARTITIONS {
            let reader = c
                .partition_client(topic, p, UnknownTopicHandling::Error)
                .await
                .unwrap();
            tasks.push(async move {
                let end = reader.get_offset(OffsetAt::Latest).await.unwrap();
                let mut next = reader.get_offset(OffsetAt::Earliest).await.unwrap();
                let mut n = 0;
                while next < end {
                    let (records, _) = reader.fetch_records(next, 1..(8 << 20), 100).await.unwrap();
                    if records.is_empty() {
                        break;
                    }
                    for r in records.into_iter().filter(|r| r.offset < end) {
                        next = r.offset + 1;
                        n += 1;
                    }
                }
                n
            });
        }
        futures_util::future::join_all(tasks)
            .await
            .into_iter()
            .sum()
    });
    (started.elapsed(), n)
}

fn rewind_balance(url: &str) -> Duration {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_rewind"))
        .args(["balance", url, "--json"])
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// How soon a produced message is in the ledger of a follower polling every 5 ms.
fn follow_latency(broker: &str, topic: &str, url: &str) -> Vec<Duration> {
    let source = Source::Kafka(Box::new(KafkaSource::new(url, None).unwrap()));
    let mut ledger = source.load(&LoadOptions::default(), None).unwrap();
    let mut follower = source.follow(&ledger, Duration::from_millis(50)).unwrap();
    let rt = runtime();
    let c = rt.block_on(client(broker));
    let writer = rt
        .block_on(c.partition_client(topic, 0, UnknownTopicHandling::Error))
        .unwrap();
    let mut out = Vec::new();
    for i in 0..10 {
        std::thread::sleep(Duration::from_millis(300));
        let line = format!(
            r#"{{"accountId":"follow-{i}","type":"DEPOSIT","amount":"1.00","timestamp":"2030-01-01T00:00:00Z"}}"#
        );
        let (_, r) = record(line.as_bytes());
        let started = Instant::now();
        rt.block_on(writer.produce(vec![r], Compression::NoCompression))
            .unwrap();
        loop {
            if let FollowEvent::Grew { .. } = follower.poll(&mut ledger) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no message followed"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        out.push(started.elapsed());
    }
    out
}

fn main() {
    let Ok(broker) = std::env::var("REWIND_TEST_KAFKA") else {
        println!(
            "kafka: no broker (REWIND_TEST_KAFKA is not set): run it as \
             bash -c 'source .ci/kafka-server && cargo bench --bench kafka'"
        );
        return;
    };
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let stamp = Utc::now().timestamp_millis();
    let (log, topic) = match std::env::var("REWIND_BENCH_LOG") {
        Ok(path) => (std::fs::read(&path).unwrap(), format!("log-{stamp}")),
        Err(_) => {
            let events = std::env::var("REWIND_BENCH_EVENTS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(1_000_000u64);
            let mut log = Vec::new();
            generate(
                GenerateOptions {
                    events,
                    accounts: 1_000,
                    seed: 7,
                    sealed: false,
                },
                &mut log,
            )
            .unwrap();
            (log, format!("bench-{events}-{stamp}"))
        }
    };
    let started = Instant::now();
    let n = produce(&broker, &topic, &log);
    let url = format!("kafka://{broker}/{topic}");
    println!(
        "kafka: produced {} messages ({} bytes) to {url} in {:.1} s",
        group(n as u64),
        group(log.len() as u64),
        started.elapsed().as_secs_f64()
    );
    if std::env::var("REWIND_BENCH_LOG").is_ok() {
        println!("kafka: open it with: cargo run --release -- {url}");
        return;
    }
    let (mut plain, mut ours) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (took, read) = plain_fetch(&broker, &topic);
        assert_eq!(read, n);
        plain.push(took);
        ours.push(rewind_balance(&url));
    }
    let (plain, ours) = (median(plain), median(ours));
    println!(
        "kafka: {} messages, median of {runs}: plain rskafka fetch {:.2} s, rewind balance {:.2} s \
         ({:.2}x)",
        group(n as u64),
        plain.as_secs_f64(),
        ours.as_secs_f64(),
        ours.as_secs_f64() / plain.as_secs_f64()
    );
    let latencies = follow_latency(&broker, &topic, &url);
    let max = *latencies.iter().max().unwrap();
    println!(
        "kafka: follow: a produced message is in the view after {:.0} ms (median of 10), {:.0} ms at most",
        median(latencies).as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
}
