//! Following a topic: a thread of its own long-polls every partition from the offset after the
//! last one read, so that a slow broker never holds up the caller; new messages are added to the
//! ledger in the topic's recorded order within what each poll brought. A partition that no longer
//! holds the offset to read next (the topic was truncated, deleted or made again) ends following,
//! as a log changed on disk does.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Duration;

use rskafka::client::partition::PartitionClient;

use super::{
    FETCH_BYTES, KafkaError, KafkaErrorKind, KafkaSource, LONG_POLL_MS, Message, records,
    sort_recorded,
};
use crate::ledger::Ledger;
use crate::ledger::follow::{FollowEvent, Follower};

/// What the reading thread found.
enum Found {
    Messages(Vec<Message>),
    /// The topic changed in a way that is not an append.
    Changed(String),
    Failed(KafkaError),
}

/// Follows a topic from a thread of its own.
pub struct KafkaFollower {
    found: Receiver<Found>,
    stop: Arc<AtomicBool>,
    /// The line the next message takes.
    next_line: u64,
    /// Why following ended, once it has.
    ended: Option<String>,
}

impl KafkaFollower {
    /// Starts following `source` after what the load of `ledger` read (the offsets after the last
    /// message of each partition at the open).
    pub fn spawn(source: &KafkaSource, ledger: &Ledger, interval: Duration) -> KafkaFollower {
        let (send, found) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let mut next: BTreeMap<u32, i64> = source.read_to().into_iter().collect();
        let source = KafkaSource {
            stop: Arc::clone(&stop),
            ..source.clone()
        };
        std::thread::spawn(move || {
            let Ok(runtime) = source.runtime() else {
                return;
            };
            let follow = async {
                let mut clients: Vec<(u32, PartitionClient)> = Vec::new();
                while !stopped.load(Ordering::Relaxed) {
                    if clients.is_empty() {
                        match connect(&source).await {
                            Ok(c) => clients = c,
                            Err(e) => {
                                let _ = send.send(Found::Failed(e));
                                return;
                            }
                        }
                    }
                    match poll_once(&source, &clients, &mut next).await {
                        Ok(messages) if messages.is_empty() => {
                            tokio::time::sleep(interval.min(Duration::from_millis(100))).await;
                        }
                        Ok(messages) => {
                            if send.send(Found::Messages(messages)).is_err() {
                                return;
                            }
                        }
                        Err(found) => {
                            let _ = send.send(found);
                            return;
                        }
                    }
                }
            };
            runtime.block_on(follow);
            runtime.shutdown_background();
        });
        KafkaFollower {
            found,
            stop,
            next_line: ledger.message_count() as u64 + 1,
            ended: None,
        }
    }
}

async fn connect(source: &KafkaSource) -> Result<Vec<(u32, PartitionClient)>, KafkaError> {
    let client = source.client().await?;
    let mut clients = Vec::new();
    for p in source.partitions(&client).await? {
        clients.push((p, source.partition_client(&client, p).await?));
    }
    Ok(clients)
}

/// One long poll of every partition.
async fn poll_once(
    source: &KafkaSource,
    clients: &[(u32, PartitionClient)],
    next: &mut BTreeMap<u32, i64>,
) -> Result<Vec<Message>, Found> {
    let polls = clients.iter().map(|(p, client)| {
        let from = next.get(p).copied().unwrap_or(0);
        async move {
            let fetched = source
                .bounded(
                    "fetching new messages",
                    source.url.timeout + Duration::from_millis(LONG_POLL_MS as u64),
                    client.fetch_records(from, 1..FETCH_BYTES, LONG_POLL_MS),
                )
                .await;
            (*p, from, fetched)
        }
    });
    let mut all = Vec::new();
    for (p, from, fetched) in futures_util::future::join_all(polls).await {
        match fetched {
            Ok((records, high)) => {
                if high < from {
                    return Err(Found::Changed(format!(
                        "partition {p} now ends at offset {high}, before the {from} read: the \
                         topic was truncated or made again"
                    )));
                }
                for r in records {
                    if r.offset >= from {
                        next.insert(p, r.offset + 1);
                        all.push(super::message(p, r));
                    }
                }
            }
            Err(e) if e.kind == KafkaErrorKind::OffsetOutOfRange => {
                return Err(Found::Changed(format!(
                    "partition {p} no longer holds offset {from}: the topic was truncated or \
                     made again"
                )));
            }
            Err(e) if e.kind == KafkaErrorKind::NoTopic => {
                return Err(Found::Changed("the topic was deleted".to_string()));
            }
            Err(e) if e.kind == KafkaErrorKind::Cancelled => return Ok(Vec::new()),
            Err(e) => return Err(Found::Failed(e)),
        }
    }
    sort_recorded(&mut all);
    Ok(all)
}

impl Drop for KafkaFollower {
    /// The thread ends at its next tick; nothing waits for it.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Follower for KafkaFollower {
    fn poll(&mut self, ledger: &mut Ledger) -> FollowEvent {
        let before = ledger.len();
        while self.ended.is_none() {
            match self.found.try_recv() {
                Ok(Found::Messages(messages)) => {
                    let (raw, spans, places) = records(&messages, self.next_line);
                    self.next_line += messages.len() as u64;
                    ledger.extend_places(&places);
                    ledger.extend_records(&raw, &spans);
                }
                Ok(Found::Changed(reason)) => self.ended = Some(reason),
                Ok(Found::Failed(e)) => {
                    self.ended = Some(format!("not following new messages: {}", e.message));
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.ended = Some("the reader of new messages stopped".to_string());
                }
            }
        }
        // What arrived before the end is reported first; the end at the next poll.
        let events = ledger.len() - before;
        match &self.ended {
            _ if events > 0 => FollowEvent::Grew { events },
            Some(reason) => FollowEvent::Changed {
                reason: reason.clone(),
            },
            None => FollowEvent::Unchanged,
        }
    }
}
