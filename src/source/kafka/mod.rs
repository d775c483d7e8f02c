//! Kafka topics: every partition read in parallel from its earliest offset (or the first at or
//! after `--since`, found by the brokers' offsets-for-time lookup) up to its high-water mark at
//! the open; each message rendered as a record ([`render`]) and handed to the ledger in the
//! recorded order of a topic: by message timestamp, then partition, then offset. A record's
//! line stands for its message's `PARTITION:OFFSET` ([`crate::ledger::Places`]).
//!
//! The client is rskafka: pure Rust (no C library to build), with the offsets-for-time lookup,
//! every compression, TLS and SASL PLAIN/SCRAM. Every wait for a broker has a deadline (the
//! address's `timeout=`), and setting the source's stop flag ends every wait at its next tick.

/// Producing one event.
pub mod append;
/// The digests of partitions.
pub mod digest;
mod error;
/// Following new messages.
pub mod follow;
pub mod render;
mod tls;
mod url;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rskafka::BackoffConfig;
use rskafka::client::partition::{OffsetAt, PartitionClient, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder, Credentials, SaslConfig};

use crate::ledger::{
    Builder, Ledger, LoadOptions, MessagePlace, Places, Progress, RawSource, RecordSpan,
};
pub use error::{KafkaError, KafkaErrorKind};
pub use render::Message;
pub use url::{DEFAULT_TIMEOUT, KafkaUrl, Login, Mechanism, UrlError, is_url};

/// Each partition, and the offset after the last message read from it.
pub type ReadTo = Vec<(u32, i64)>;

/// How often a wait looks at the stop flag.
const TICK: Duration = Duration::from_millis(50);
/// The most bytes one fetch asks a broker for.
const FETCH_BYTES: i32 = 8 << 20;
/// The longest a fetch waits on the broker for new messages when following.
const LONG_POLL_MS: i32 = 400;

/// A topic, and where to start reading it.
#[derive(Clone, Debug)]
pub struct KafkaSource {
    /// The brokers, the topic and how to log in.
    pub url: KafkaUrl,
    /// Read from the first message at or after this moment (UTC milliseconds) in each
    /// partition; from the earliest kept when `None`.
    pub since: Option<i64>,
    /// Ends every wait of every read or write from here (shared by clones).
    pub stop: Arc<AtomicBool>,
    /// Each partition's offset after the last message the load read (shared by clones), where
    /// following goes on from.
    read_to: Arc<Mutex<Vec<(u32, i64)>>>,
}

/// One partition's reader, and the offsets it reads between.
struct Partition {
    id: u32,
    client: PartitionClient,
    /// The first offset to read.
    start: i64,
    /// The high-water mark at the open: the offset after the last message to read.
    end: i64,
}

impl KafkaSource {
    /// A source from an address; fails when it cannot be read.
    pub fn new(url: &str, since: Option<i64>) -> Result<KafkaSource, UrlError> {
        Ok(KafkaSource {
            url: KafkaUrl::parse(url)?,
            since,
            stop: Arc::new(AtomicBool::new(false)),
            read_to: Arc::default(),
        })
    }

    /// The name a ledger read from here carries: the address as read, without its password.
    pub fn name(&self) -> String {
        self.url.to_string()
    }

    pub(crate) fn error(&self, kind: KafkaErrorKind, message: impl Into<String>) -> KafkaError {
        KafkaError::new(kind, &self.name(), message, self.url.secret())
    }

    fn client_error(&self, doing: &str, e: &rskafka::client::error::Error) -> KafkaError {
        KafkaError::from_client(&self.name(), doing, e, self.url.secret())
    }

    /// A runtime of rewind's own for the client (two workers: partitions are read and
    /// decompressed side by side).
    pub(crate) fn runtime(&self) -> Result<tokio::runtime::Runtime, KafkaError> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| self.error(KafkaErrorKind::Connect, format!("cannot start: {e}")))
    }

    /// Runs `work` until it ends, its deadline passes or the stop flag is set.
    pub(crate) async fn bounded<T>(
        &self,
        doing: &str,
        deadline: Duration,
        work: impl Future<Output = Result<T, rskafka::client::error::Error>>,
    ) -> Result<T, KafkaError> {
        tokio::select! {
            done = tokio::time::timeout(deadline, work) => match done {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(e)) => Err(self.client_error(doing, &e)),
                Err(_) => Err(self.error(
                    KafkaErrorKind::Timeout,
                    format!(
                        "{doing}: no answer in {} s (is the broker up and reachable? \
                         timeout= in the address sets the wait)",
                        deadline.as_secs_f64()
                    ),
                )),
            },
            () = self.stopped() => Err(self.interrupted()),
        }
    }

    /// Ends once the stop flag is set (looked at every tick).
    async fn stopped(&self) {
        while !self.stop.load(Ordering::Relaxed) {
            tokio::time::sleep(TICK).await;
        }
    }

    /// The error of a read its caller stopped.
    pub(crate) fn interrupted(&self) -> KafkaError {
        self.error(KafkaErrorKind::Cancelled, "the read was interrupted")
    }

    /// A client connected to the brokers (logged in when the address names a user).
    pub(crate) async fn client(&self) -> Result<Client, KafkaError> {
        let url = &self.url;
        let mut builder = ClientBuilder::new(url.brokers.clone())
            .client_id("rewind")
            .max_message_size(64 << 20)
            .backoff_config(BackoffConfig {
                init_backoff: Duration::from_millis(50),
                max_backoff: Duration::from_secs(1),
                base: 2.0,
                deadline: Some(url.timeout),
            });
        if let Some(login) = &url.login {
            let credentials = Credentials::new(login.user.clone(), login.password.clone());
            builder = builder.sasl_config(match login.mechanism {
                Mechanism::Plain => SaslConfig::Plain(credentials),
                Mechanism::ScramSha256 => SaslConfig::ScramSha256(credentials),
                Mechanism::ScramSha512 => SaslConfig::ScramSha512(credentials),
            });
        }
        if let Some(roots) = &url.tls {
            let config = tls::client_config(roots.as_deref())
                .map_err(|e| self.error(KafkaErrorKind::Usage, e))?;
            builder = builder.tls_config(Arc::new(config));
        }
        self.reachable().await?;
        self.bounded("connecting", url.timeout, builder.build())
            .await
    }

    /// Says at once when no bootstrap broker accepts a connection (the client would try again
    /// until its deadline).
    async fn reachable(&self) -> Result<(), KafkaError> {
        let mut last = None;
        for broker in &self.url.brokers {
            let connect =
                tokio::time::timeout(self.url.timeout, tokio::net::TcpStream::connect(broker));
            let attempt = tokio::select! {
                attempt = connect => attempt,
                () = self.stopped() => return Err(self.interrupted()),
            };
            match attempt {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(e)) => last = Some(format!("{broker}: {e}")),
                Err(_) => {
                    last = Some(format!(
                        "{broker}: no answer in {} s",
                        self.url.timeout.as_secs_f64()
                    ))
                }
            }
        }
        Err(self.error(
            KafkaErrorKind::Connect,
            format!(
                "cannot reach a broker ({}; is the broker up and reachable?)",
                last.unwrap_or_default()
            ),
        ))
    }

    /// The topic's partitions, or the one-line error that says it is not there.
    pub(crate) async fn partitions(&self, client: &Client) -> Result<Vec<u32>, KafkaError> {
        let topics = self
            .bounded("listing the topics", self.url.timeout, client.list_topics())
            .await?;
        match topics.iter().find(|t| t.name == self.url.topic) {
            Some(t) if !t.partitions.is_empty() => {
                Ok(t.partitions.iter().map(|&p| p.max(0) as u32).collect())
            }
            _ => {
                let mut names: Vec<&str> = topics.iter().map(|t| t.name.as_str()).collect();
                names.sort_unstable();
                let listed = match names.len() {
                    0 => "the brokers have no topics".to_string(),
                    n if n <= 8 => format!("topics there: {}", names.join(", ")),
                    n => format!("{n} topics there, among them {}", names[..8].join(", ")),
                };
                Err(self.error(
                    KafkaErrorKind::NoTopic,
                    format!("no topic `{}` on the brokers ({listed})", self.url.topic),
                ))
            }
        }
    }

    pub(crate) async fn partition_client(
        &self,
        client: &Client,
        partition: u32,
    ) -> Result<PartitionClient, KafkaError> {
        self.bounded(
            "finding the partition's leader",
            self.url.timeout,
            client.partition_client(
                self.url.topic.clone(),
                partition as i32,
                UnknownTopicHandling::Error,
            ),
        )
        .await
    }

    /// Each partition's reader, with its first offset and its high-water mark now.
    async fn open_partitions(&self, client: &Client) -> Result<Vec<Partition>, KafkaError> {
        let ids = self.partitions(client).await?;
        let opened = ids.iter().map(|&id| async move {
            let client = self.partition_client(client, id).await?;
            let timeout = self.url.timeout;
            let earliest = self
                .bounded(
                    "asking for the earliest offset",
                    timeout,
                    client.get_offset(OffsetAt::Earliest),
                )
                .await?;
            let end = self
                .bounded(
                    "asking for the high-water mark",
                    timeout,
                    client.get_offset(OffsetAt::Latest),
                )
                .await?;
            let start = match self.since.and_then(chrono::DateTime::from_timestamp_millis) {
                Some(at) => {
                    let found = self
                        .bounded(
                            "looking an offset up by time",
                            timeout,
                            client.get_offset(OffsetAt::Timestamp(at)),
                        )
                        .await?;
                    // -1: no message at or after the moment.
                    if found < 0 {
                        end
                    } else {
                        found.max(earliest).min(end.max(earliest))
                    }
                }
                None => earliest,
            };
            Ok::<_, KafkaError>(Partition {
                id,
                client,
                start,
                end,
            })
        });
        futures_util::future::try_join_all(opened).await
    }

    /// Reads one partition from `start` up to (not including) `end`.
    async fn read_partition(
        &self,
        p: &Partition,
        progress: Option<&Progress>,
    ) -> Result<(Vec<Message>, i64), KafkaError> {
        let mut messages = Vec::with_capacity((p.end - p.start).clamp(0, 1 << 20) as usize);
        let mut next = p.start;
        while next < p.end {
            let (records, _high) = self
                .bounded(
                    "fetching messages",
                    self.url.timeout,
                    p.client.fetch_records(next, 1..FETCH_BYTES, 100),
                )
                .await?;
            if records.is_empty() {
                // No message where the mark says there are more (a transaction still open, or
                // offsets that hold only markers): the read ends here, and following goes on
                // from this offset.
                break;
            }
            let mut bytes = 0u64;
            for r in records {
                if r.offset >= p.end {
                    next = p.end;
                    break;
                }
                next = r.offset + 1;
                // The first message at or after `since` starts the read, whatever offset the
                // lookup gave (some brokers answer 0 for a moment after the last message).
                if messages.is_empty()
                    && self
                        .since
                        .is_some_and(|t| r.record.timestamp.timestamp_millis() < t)
                {
                    continue;
                }
                bytes += r.record.approximate_size() as u64;
                messages.push(message(p.id, r));
            }
            if let Some(progress) = progress {
                progress.bytes_done.fetch_add(bytes, Ordering::Relaxed);
            }
        }
        // The offset reached: following goes on from there (an empty answer below the mark, as
        // a broker gives while a transaction is open, leaves the rest for the follower).
        Ok((messages, next))
    }

    /// Every message of every partition up to the high-water marks at the open, in the
    /// topic's recorded order, with each partition's offset after the last one read.
    pub fn read(&self, progress: Option<&Progress>) -> Result<(Vec<Message>, ReadTo), KafkaError> {
        let runtime = self.runtime()?;
        // A stop asked for through the progress (the explorer's loading screen) ends every wait.
        let watch = async {
            while !progress.is_some_and(Progress::cancelled) {
                tokio::time::sleep(TICK).await;
            }
            self.stop.store(true, Ordering::Relaxed);
            std::future::pending::<()>().await;
        };
        let done = runtime.block_on(async {
            tokio::select! {
                read = self.read_all(progress) => read,
                () = watch => Err(self.interrupted()),
            }
        });
        // Nothing waits for a name lookup still running on the runtime's blocking threads.
        runtime.shutdown_background();
        done
    }

    async fn read_all(
        &self,
        progress: Option<&Progress>,
    ) -> Result<(Vec<Message>, ReadTo), KafkaError> {
        {
            let client = self.client().await?;
            let partitions = self.open_partitions(&client).await?;
            if let Some(progress) = progress {
                // Progress in bytes is not known before the read: messages stand in for it.
                let total: i64 = partitions.iter().map(|p| p.end - p.start).sum();
                progress
                    .bytes_total
                    .store(total.max(0) as u64 * 128, Ordering::Relaxed);
            }
            let reads = partitions.iter().map(|p| self.read_partition(p, progress));
            let read = futures_util::future::try_join_all(reads).await?;
            let ends = partitions
                .iter()
                .zip(&read)
                .map(|(p, (_, next))| (p.id, *next))
                .collect();
            let mut all: Vec<Message> = read.into_iter().flat_map(|(m, _)| m).collect();
            sort_recorded(&mut all);
            Ok((all, ends))
        }
    }

    /// Each partition's offset after the last message the load read.
    pub(crate) fn read_to(&self) -> Vec<(u32, i64)> {
        self.read_to.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Reads every message into a ledger.
    pub fn load(
        &self,
        options: &LoadOptions,
        progress: Option<&Progress>,
    ) -> Result<Ledger, KafkaError> {
        let (messages, ends) = self.read(progress)?;
        if let Ok(mut read_to) = self.read_to.lock() {
            *read_to = ends;
        }
        if self.stop.load(Ordering::Relaxed) || progress.is_some_and(Progress::cancelled) {
            return Err(self.interrupted());
        }
        let mut builder = Builder::new(self.name(), options.clone());
        let (raw, spans, places) = records(&messages, 1);
        drop(messages);
        // The places first: they say the records are messages, which no chain links.
        builder.places(Places::Messages(places));
        for batch in spans.chunks(16_384) {
            builder.add_records(&raw, 0, batch, progress);
        }
        let len = raw.len() as u64;
        Ok(builder.build(RawSource::Memory(raw), len, progress))
    }
}

/// The topic's recorded order: by message timestamp, then partition, then offset.
pub fn sort_recorded(messages: &mut [Message]) {
    messages.sort_unstable_by_key(|m| (m.time, m.partition, m.offset));
}

/// The messages as records, one per line: their text, where each is in it (line `first`, the
/// next, …) and the place each line stands for.
pub fn records(messages: &[Message], first: u64) -> (Vec<u8>, Vec<RecordSpan>, Vec<MessagePlace>) {
    let mut raw = Vec::with_capacity(
        messages
            .iter()
            .map(|m| m.value.as_ref().map_or(8, Vec::len) + 64)
            .sum(),
    );
    let mut spans = Vec::with_capacity(messages.len());
    let mut places = Vec::with_capacity(messages.len());
    for (i, m) in messages.iter().enumerate() {
        let start = raw.len();
        render::render(m, &mut raw);
        spans.push(RecordSpan {
            start,
            end: raw.len(),
            line: first + i as u64,
        });
        raw.push(b'\n');
        places.push(MessagePlace {
            partition: m.partition,
            offset: m.offset,
        });
    }
    (raw, spans, places)
}

fn message(partition: u32, r: rskafka::record::RecordAndOffset) -> Message {
    Message {
        partition,
        offset: r.offset.max(0) as u64,
        time: r.record.timestamp.timestamp_millis(),
        key: r.record.key,
        value: r.record.value,
        headers: r.record.headers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(partition: u32, offset: u64, time: i64, value: &str) -> Message {
        Message {
            partition,
            offset,
            time,
            key: Some(b"k".to_vec()),
            value: Some(value.as_bytes().to_vec()),
            headers: Default::default(),
        }
    }

    #[test]
    fn a_topic_is_in_timestamp_then_partition_then_offset_order_and_names_its_messages() {
        let mut all = vec![
            m(1, 0, 20, r#"{"type":"OPEN"}"#),
            m(0, 5, 30, r#"{"type":"DEPOSIT","amount":"2"}"#),
            m(0, 4, 20, r#"{"type":"OPEN","account":"j"}"#),
            m(2, 9, 10, "not json"),
        ];
        sort_recorded(&mut all);
        let order: Vec<(u32, u64)> = all.iter().map(|m| (m.partition, m.offset)).collect();
        assert_eq!(order, [(2, 9), (0, 4), (1, 0), (0, 5)]);
        let (raw, spans, places) = records(&all, 1);
        let mut builder = Builder::new("kafka://h:9092/t".into(), LoadOptions::default());
        builder.places(Places::Messages(places));
        builder.add_records(&raw, 0, &spans, None);
        let len = raw.len() as u64;
        let ledger = builder.build(RawSource::Memory(raw), len, None);
        assert_eq!(ledger.len(), 3);
        let problem = &ledger.problems()[0];
        assert_eq!(ledger.place(problem.line).to_string(), "2:9");
        assert_eq!(ledger.place(ledger.event(2).line).to_string(), "0:5");
    }

    #[test]
    fn records_a_producer_copied_from_a_sealed_log_are_not_a_chain_in_a_topic() {
        let sealed = |seq: u64, prev: char, hash: char| {
            format!(
                r#"{{"seq":{seq},"type":"DEPOSIT","amount":"1","prev":"{}","hash":"{}"}}"#,
                prev.to_string().repeat(64),
                hash.to_string().repeat(64)
            )
        };
        let all = vec![
            m(1, 0, 10, &sealed(2, 'b', 'c')),
            m(0, 0, 20, &sealed(1, '0', 'b')),
        ];
        let (raw, spans, places) = records(&all, 1);
        let mut builder = Builder::new("kafka://h:9092/t".into(), LoadOptions::default());
        builder.places(Places::Messages(places));
        builder.add_records(&raw, 0, &spans, None);
        let len = raw.len() as u64;
        let ledger = builder.build(RawSource::Memory(raw), len, None);
        assert_eq!(ledger.integrity(), crate::ledger::Integrity::Unsealed);
        assert!(ledger.problems().is_empty(), "{:?}", ledger.problems());
        // The topic's order stands, whatever the records' own seq members say.
        assert_eq!(ledger.place(ledger.event(0).line).to_string(), "1:0");
    }
}
