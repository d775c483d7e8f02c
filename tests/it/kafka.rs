//! Kafka topics, end to end against a real Kafka-protocol broker (tansu on its PostgreSQL
//! storage, started by `.ci/kafka-server`). The fixtures are produced here with rskafka, which
//! sets each message's timestamp, key and headers. Ignored without a broker; `.ci/run` runs them.
//! (tansu cannot serve snappy batches, so snappy is not among the compressions tried.)

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use rskafka::client::partition::{Compression, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder};
use rskafka::record::Record;

use crate::common::{json, run};

fn broker() -> String {
    std::env::var("REWIND_TEST_KAFKA").expect("REWIND_TEST_KAFKA names a broker (.ci/kafka-server)")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn client() -> Client {
    ClientBuilder::new(vec![broker()]).build().await.unwrap()
}

/// A topic of its own for a test.
fn topic(test: &str, partitions: i32) -> String {
    let name = format!(
        "{test}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    runtime().block_on(async {
        client()
            .await
            .controller_client()
            .unwrap()
            .create_topic(&name, partitions, 1, 5_000)
            .await
            .unwrap();
    });
    name
}

/// One message to produce: its partition, timestamp, key, value and headers.
#[derive(Clone)]
struct Msg {
    partition: i32,
    time: i64,
    key: Option<&'static str>,
    value: String,
    headers: Vec<(&'static str, &'static str)>,
}

fn msg(partition: i32, time: i64, key: &'static str, value: &str) -> Msg {
    Msg {
        partition,
        time,
        key: Some(key),
        value: value.to_string(),
        headers: Vec::new(),
    }
}

fn record(m: &Msg) -> Record {
    Record {
        key: m.key.map(|k| k.as_bytes().to_vec()),
        value: Some(m.value.as_bytes().to_vec()),
        headers: m
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect(),
        timestamp: Utc.timestamp_millis_opt(m.time).unwrap(),
    }
}

/// Produces the messages, each partition's in the order given, one batch per message.
fn produce(topic: &str, messages: &[Msg], compression: Compression) -> Vec<i64> {
    runtime().block_on(async {
        let client = client().await;
        let mut offsets = Vec::new();
        for m in messages {
            let p = client
                .partition_client(topic, m.partition, UnknownTopicHandling::Retry)
                .await
                .unwrap();
            offsets.extend(p.produce(vec![record(m)], compression).await.unwrap());
        }
        offsets
    })
}

fn url(topic: &str) -> String {
    format!("kafka://{}/{topic}", broker())
}

const T0: i64 = 1_709_294_400_000; // 2024-03-01T12:00:00Z

/// Deposits and withdrawals on six accounts over three partitions, whose producer timestamps go
/// back and forth across partitions (partition 2's first messages are the earliest of all).
fn ledger_messages() -> Vec<Msg> {
    let mut out = Vec::new();
    let accounts = ["a1", "a2", "a3", "a4", "a5", "a6"];
    for i in 0..60i64 {
        let account = accounts[(i % 6) as usize];
        let partition = (i % 3) as i32;
        // Out of order across partitions: partition 0 runs late, partition 2 early.
        let time = T0 + i * 60_000 + [30 * 60_000, 0, -45 * 60_000][partition as usize];
        let value = if i < 6 {
            format!(r#"{{"type":"ACCOUNT_OPENED","eventId":"e{i}"}}"#)
        } else if i % 4 == 0 {
            format!(r#"{{"type":"WITHDRAW","amount":"1.25","eventId":"e{i}"}}"#)
        } else {
            format!(
                r#"{{"type":"DEPOSIT","amount":"{}.10","eventId":"e{i}"}}"#,
                i
            )
        };
        // The key is the account: the values give none.
        out.push(msg(partition, time, account, &value));
    }
    out
}

/// Balances (in cents) of the events at or before `at`, computed apart from rewind.
fn expected(messages: &[Msg], at: i64) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for m in messages.iter().filter(|m| m.time <= at) {
        let v: serde_json::Value = serde_json::from_str(&m.value).unwrap();
        let cents = |s: &str| {
            let (w, f) = s.split_once('.').unwrap();
            w.parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap()
        };
        let delta = match v["type"].as_str().unwrap() {
            "DEPOSIT" => cents(v["amount"].as_str().unwrap()),
            "WITHDRAW" => -cents(v["amount"].as_str().unwrap()),
            _ => 0,
        };
        *out.entry(m.key.unwrap().to_string()).or_insert(0) += delta;
    }
    out
}

fn balances(args: &[&str]) -> BTreeMap<String, i64> {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    json(&out)["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let b = a["balance"].as_str().unwrap();
            let (w, f) = b.split_once('.').unwrap_or((b, "00"));
            let sign = if w.starts_with('-') { -1 } else { 1 };
            let cents = w.trim_start_matches('-').parse::<i64>().unwrap() * 100
                + format!("{f:0<2}")[..2].parse::<i64>().unwrap();
            (a["accountId"].as_str().unwrap().to_string(), sign * cents)
        })
        .filter(|(_, c)| *c != 0)
        .collect()
}

fn nonzero(m: BTreeMap<String, i64>) -> BTreeMap<String, i64> {
    m.into_iter().filter(|(_, c)| *c != 0).collect()
}

#[test]
#[ignore = "needs a Kafka broker"]
fn a_topic_in_three_partitions_gives_the_balances_computed_apart_at_every_moment() {
    let topic = topic("balances", 3);
    let messages = ledger_messages();
    produce(&topic, &messages, Compression::NoCompression);
    let url = url(&topic);
    for minutes in [-50, -10, 0, 7, 20, 33, 61, 90] {
        let at = T0 + minutes * 60_000;
        let at_text = chrono::DateTime::from_timestamp_millis(at)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        assert_eq!(
            balances(&["balance", &url, "--json", "--at", &at_text]),
            nonzero(expected(&messages, at)),
            "at {at_text}"
        );
    }
    assert_eq!(
        balances(&["balance", &url, "--json"]),
        nonzero(expected(&messages, i64::MAX))
    );
    // The recorded order is by timestamp, then partition, then offset; seq N is its first N.
    let (code, out, err) = run(&["history", &url, "--account", "a3", "--json"]);
    assert_eq!(code, 0, "{err}");
    let rows = json(&out);
    let rows = rows["rows"].as_array().unwrap();
    let times: Vec<&str> = rows
        .iter()
        .map(|r| r["timestamp"].as_str().unwrap())
        .collect();
    assert!(times.is_sorted(), "{times:?}");
    assert_eq!(times.len(), 10);
    // Each row names its message: a3's are all in partition 2.
    assert!(
        rows.iter()
            .all(|r| r["line"].as_str().unwrap().starts_with("2:")),
        "{rows:?}"
    );
}

#[test]
#[ignore = "needs a Kafka broker"]
fn since_reads_each_partition_from_its_first_message_at_or_after_the_moment() {
    let topic = topic("since", 3);
    let messages = ledger_messages();
    produce(&topic, &messages, Compression::NoCompression);
    let since = T0 + 20 * 60_000;
    let since_text = "2024-03-01T12:20:00Z";
    // Within a partition the timestamps rise, so the lookup's offset is the first message at or
    // after the moment; the balances are those of the messages from there on.
    let from: Vec<Msg> = messages
        .iter()
        .filter(|m| m.time >= since)
        .cloned()
        .collect();
    assert_eq!(
        balances(&["balance", &url(&topic), "--since", since_text, "--json"]),
        nonzero(expected(&from, i64::MAX))
    );
    let (code, out, err) = run(&["check", &url(&topic), "--since", since_text, "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["events"], from.len() as u64, "{out}");
    // --since is for topics only.
    let (code, _, err) = run(&["balance", "assets/sample.jsonl", "--since", since_text]);
    assert_eq!(code, 2);
    assert!(err.contains("--since is for kafka:// topics"), "{err}");
}

#[test]
#[ignore = "needs a Kafka broker"]
fn a_message_that_is_not_json_is_a_problem_at_its_partition_and_offset_and_headers_are_fields() {
    let topic = topic("problems", 2);
    let mut with_header = msg(1, T0 + 2, "acc", r#"{"type":"DEPOSIT","amount":"3.00"}"#);
    with_header.headers = vec![("channel", "branch")];
    produce(
        &topic,
        &[
            msg(0, T0, "acc", r#"{"type":"ACCOUNT_OPENED"}"#),
            msg(0, T0 + 1, "acc", "this is not JSON"),
            with_header,
            msg(
                1,
                T0 + 3,
                "acc",
                "{\"type\":\"DEPOSIT\",\n \"amount\": \"1.00\"}",
            ),
        ],
        Compression::NoCompression,
    );
    let (code, out, err) = run(&["check", &url(&topic)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(&format!("{}:0:1: ", url(&topic))), "{out}");
    let (code, out, _) = run(&["check", &url(&topic), "--json"]);
    assert_eq!(code, 1);
    let v = json(&out);
    assert_eq!(v["count"], 1, "{v}");
    assert_eq!(v["problems"][0]["line"], "0:1", "{v}");
    assert_eq!(v["problems"][0]["kind"], "bad-json", "{v}");
    assert_eq!(
        balances(&["balance", &url(&topic), "--json"]),
        BTreeMap::from([("acc".to_string(), 400)])
    );
    // The header is a field of the event, as the explorer's details show it.
    let source = rewind::source::Source::Kafka(Box::new(
        rewind::source::kafka::KafkaSource::new(&url(&topic), None).unwrap(),
    ));
    let ledger = source
        .load(&rewind::ledger::LoadOptions::default(), None)
        .unwrap();
    assert_eq!(
        ledger.raw_text(1),
        r#"{"type":"DEPOSIT","amount":"3.00","accountId":"acc","timestamp":"2024-03-01T12:00:00.002Z","headers":{"channel":"branch"}}"#
    );
}

#[test]
#[ignore = "needs a Kafka broker"]
fn batches_compressed_with_gzip_lz4_and_zstd_are_read() {
    for (name, compression) in [
        ("gzip", Compression::Gzip),
        ("lz4", Compression::Lz4),
        ("zstd", Compression::Zstd),
    ] {
        let topic = topic(name, 1);
        let messages: Vec<Msg> = (0..20)
            .map(|i| {
                msg(
                    0,
                    T0 + i,
                    "z",
                    &format!(
                        r#"{{"type":"DEPOSIT","amount":"{i}.01","note":"{}"}}"#,
                        "x".repeat(200)
                    ),
                )
            })
            .collect();
        runtime().block_on(async {
            let client = client().await;
            let p = client
                .partition_client(&topic, 0, UnknownTopicHandling::Retry)
                .await
                .unwrap();
            p.produce(messages.iter().map(record).collect(), compression)
                .await
                .unwrap();
        });
        assert_eq!(
            balances(&["balance", &url(&topic), "--json"]),
            nonzero(expected(&messages, i64::MAX)),
            "{name}"
        );
    }
}

#[test]
#[ignore = "needs a Kafka broker"]
fn new_messages_on_any_partition_are_followed_on_a_thread_of_their_own() {
    use rewind::ledger::LoadOptions;
    use rewind::source::{FollowEvent, Source};
    let topic = topic("follow", 3);
    produce(
        &topic,
        &[msg(0, T0, "f", r#"{"type":"ACCOUNT_OPENED"}"#)],
        Compression::NoCompression,
    );
    let source = Source::Kafka(Box::new(
        rewind::source::kafka::KafkaSource::new(&url(&topic), None).unwrap(),
    ));
    let mut ledger = source.load(&LoadOptions::default(), None).unwrap();
    assert_eq!(ledger.len(), 1);
    let mut follower = source.follow(&ledger, Duration::from_millis(50)).unwrap();
    let started = Instant::now();
    produce(
        &topic,
        &[
            msg(2, T0 + 5, "f", r#"{"type":"DEPOSIT","amount":"2.00"}"#),
            msg(1, T0 + 6, "g", r#"{"type":"DEPOSIT","amount":"5.00"}"#),
        ],
        Compression::NoCompression,
    );
    let mut seen = 0;
    while seen < 2 && started.elapsed() < Duration::from_secs(20) {
        match follower.poll(&mut ledger) {
            FollowEvent::Grew { events } => seen += events,
            FollowEvent::Changed { reason } => panic!("{reason}"),
            FollowEvent::Unchanged => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    assert_eq!(seen, 2, "both partitions' new messages arrive");
    let places: Vec<String> = (0..ledger.len())
        .map(|i| ledger.place(ledger.event(i).line).to_string())
        .collect();
    assert_eq!(places, ["0:0", "2:0", "1:0"]);
}

#[test]
#[ignore = "needs a Kafka broker"]
fn verify_prints_each_partitions_head_and_catches_a_changed_message_in_a_copy() {
    let original = topic("verify", 2);
    let copy = topic("verify-copy", 2);
    let messages = vec![
        msg(0, T0, "v", r#"{"type":"ACCOUNT_OPENED"}"#),
        msg(1, T0 + 1, "w", r#"{"type":"ACCOUNT_OPENED"}"#),
        msg(0, T0 + 2, "v", r#"{"type":"DEPOSIT","amount":"9.00"}"#),
        msg(1, T0 + 3, "w", r#"{"type":"DEPOSIT","amount":"4.00"}"#),
    ];
    produce(&original, &messages, Compression::NoCompression);
    let mut changed = messages.clone();
    changed[2].value = r#"{"type":"DEPOSIT","amount":"90.00"}"#.into();
    produce(&copy, &changed, Compression::NoCompression);
    let (code, out, err) = run(&["verify", &url(&original)]);
    assert_eq!(code, 0, "{err}");
    let heads: Vec<&str> = out.lines().collect();
    assert_eq!(heads.len(), 2, "{out}");
    assert!(
        heads[0].starts_with("0:1:") && heads[1].starts_with("1:1:"),
        "{out}"
    );
    let kept = heads.join(",");
    let (code, _, err) = run(&["verify", &url(&original), "--expect", &kept]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("unchanged"), "{err}");
    // The copy holds the same offsets, one value changed: partition 0's head no longer holds.
    let (code, _, err) = run(&["verify", &url(&copy), "--expect", &kept]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("partition 0 differs at offset 1"), "{err}");
    assert!(
        err.contains("partition 1 holds every message up to offset 1"),
        "{err}"
    );
    let (code, out, _) = run(&["verify", &url(&copy), "--expect", &kept, "--json"]);
    assert_eq!(code, 1);
    assert_eq!(json(&out)["holds"], false);
}

#[test]
#[ignore = "needs a Kafka broker"]
fn append_produces_a_validated_event_keyed_by_account_and_it_reads_back() {
    let topic = topic("append", 3);
    let url = url(&topic);
    let (code, out, err) = run(&[
        "append",
        &url,
        "--account",
        "cust-1",
        "--type",
        "DEPOSIT",
        "--amount",
        "12.34",
        "--meta",
        "channel=app",
    ]);
    assert_eq!(code, 0, "{err}");
    let record = json(&out);
    let position = record["position"].as_str().unwrap().to_string();
    assert!(err.contains(&format!("produced at {position}")), "{err}");
    let (code, out, err) = run(&[
        "append",
        &url,
        "--account",
        "cust-1",
        "--type",
        "WITHDRAW",
        "--amount",
        "2.34",
    ]);
    assert_eq!(code, 0, "{err}");
    // One account, one partition.
    assert_eq!(
        json(&out)["partition"],
        record["partition"],
        "an account stays in one partition"
    );
    assert_eq!(
        balances(&["balance", &url, "--json"]),
        BTreeMap::from([("cust-1".to_string(), 1000)])
    );
    for (args, says) in [
        (vec!["--amount", "-1"], "amount"),
        (
            vec!["--amount", "1", "--expect-seq", "3"],
            "Kafka keeps no version per key",
        ),
    ] {
        let mut all = vec!["append", &url, "--account", "cust-1", "--type", "DEPOSIT"];
        all.extend(args);
        let (code, out, err) = run(&all);
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.contains(says), "{err}");
    }
    assert_eq!(
        balances(&["balance", &url, "--json"]),
        BTreeMap::from([("cust-1".to_string(), 1000)]),
        "nothing was produced by the refused appends"
    );
}

#[test]
#[ignore = "needs a Kafka broker"]
fn an_unreachable_broker_a_missing_topic_and_a_wrong_password_are_one_line_and_exit_2() {
    // Nothing listens: refused at once. A listener that never answers: the deadline.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let started = Instant::now();
    let (code, _, err) = run(&[
        "balance",
        &format!("kafka://127.0.0.1:{silent_port}/t?timeout=1"),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the wait has a deadline"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    drop(silent);
    let (code, _, err) = run(&["balance", &format!("kafka://127.0.0.1:{port}/t?timeout=2")]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let (code, _, err) = run(&["balance", &url("no-such-topic-here")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no topic `no-such-topic-here`"), "{err}");
    // The broker that requires a login.
    let auth = std::env::var("REWIND_TEST_KAFKA_AUTH").unwrap();
    let user = std::env::var("REWIND_TEST_KAFKA_USER").unwrap();
    let password = std::env::var("REWIND_TEST_KAFKA_PASSWORD").unwrap();
    let topic = topic("login", 1);
    produce(
        &topic,
        &[msg(0, T0, "s", r#"{"type":"DEPOSIT","amount":"1.00"}"#)],
        Compression::NoCompression,
    );
    let good = format!("kafka://{user}:{password}@{auth}/{topic}?sasl=scram-sha-256&timeout=5");
    let (code, out, err) = run(&["check", &good]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!format!("{out}{err}").contains(&password));
    for wrong in [format!("{password}x"), "hunter2-wrong".to_string()] {
        let bad = format!("kafka://{user}:{wrong}@{auth}/{topic}?sasl=scram-sha-256&timeout=5");
        let (code, out, err) = run(&["balance", &bad]);
        assert_eq!(code, 2, "{out}{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!format!("{out}{err}").contains(&wrong), "{err}");
        assert!(err.contains(&format!("kafka://{user}:***@")), "{err}");
    }
}
