//! Following a database: rows committed after the load are read by position and added to the
//! ledger, and a row whose transaction commits late is not skipped.
//!
//! Positions (Message DB's `global_position`, the `notification_id` of `eventsourcing`) come from a
//! sequence, and a sequence hands out numbers outside transactions: a writer that took position 7
//! may commit after the writer that took 8, and a writer that rolls back leaves 7 empty for ever.
//! A reader that just asks for "rows after the highest position seen" would miss such a late row.
//!
//! The rule: every position below the highest one read that has no row is a *hole*, and holes are
//! asked for again on every poll, alongside the rows after the highest position. A hole is given up
//! (its position is skipped for good) when either
//!
//! - it is at least [`FollowOptions::grace`] old and every transaction that was running when the
//!   hole was first seen has ended (a later read's snapshot `xmin` has passed the `xmax` of the
//!   snapshot taken when the hole was found) and the read after that still did not return it: the
//!   writer that held the position rolled back; or
//! - it is [`FollowOptions::max_wait`] old (a transaction held open that long is not waited for).
//!
//! Rows are added as soon as they are read; a late row takes its place by position in the ledger.
//! The contiguous *watermark* ([`PgFollower::watermark`]) is the highest position up to which every
//! position has been read or given up.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::{Duration, Instant};

use super::{Filter, Isolation, PgError, PgSource, Phase, Session, begin_read};
use crate::ledger::follow::FollowEvent;
use crate::ledger::{Ledger, RecordSpan};

/// How long holes are waited for.
#[derive(Clone, Debug)]
pub struct FollowOptions {
    /// A hole younger than this is always asked for again, whatever the transactions say (it covers
    /// the instant between a writer taking its position and getting its transaction id).
    pub grace: Duration,
    /// The longest a hole is waited for.
    pub max_wait: Duration,
    /// At most this many holes are waited for at once (the oldest are given up first).
    pub max_holes: usize,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            grace: Duration::from_millis(500),
            max_wait: Duration::from_secs(30),
            max_holes: 10_000,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Hole {
    first_seen: Instant,
    /// `xmax` of the snapshot taken right after the hole was found: every transaction that could
    /// hold the position has an id below it.
    xmax: i64,
}

/// Rows read by one poll, ready to be added to the ledger.
#[derive(Debug, Default)]
pub struct Batch {
    bytes: Vec<u8>,
    spans: Vec<RecordSpan>,
}

impl Batch {
    /// Whether the poll read no row.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Rows in the batch.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// The rows' positions, in the order read.
    pub fn positions(&self) -> impl Iterator<Item = u64> + '_ {
        self.spans.iter().map(|s| s.line)
    }

    /// Adds the rows to the ledger (every index is brought up to date).
    pub fn apply(self, ledger: &mut Ledger) {
        if !self.is_empty() {
            ledger.extend_records(&self.bytes, &self.spans);
        }
    }
}

/// Follows one database source. [`PgFollower::fetch`] does the I/O (it can run on a thread of its
/// own); [`Batch::apply`] adds what it read to the ledger. [`PgFollower::poll`] does both.
pub struct PgFollower {
    source: PgSource,
    session: Session,
    options: FollowOptions,
    /// The highest position read.
    high: u64,
    holes: BTreeMap<u64, Hole>,
    /// Holes given up so far.
    skipped: u64,
}

impl PgFollower {
    /// Starts following `source` after what `ledger` (loaded from it) already holds. Holes among
    /// the loaded positions are waited for like any other.
    pub fn new(
        source: &PgSource,
        ledger: &Ledger,
        options: FollowOptions,
    ) -> Result<PgFollower, PgError> {
        let mut session = source.connect()?;
        let mut seen: Vec<u64> = (0..ledger.len()).map(|i| ledger.seq_of(i)).collect();
        seen.extend(
            ledger
                .problems()
                .iter()
                .filter(|p| p.event().is_none())
                .map(|p| p.line),
        );
        seen.sort_unstable();
        seen.dedup();
        let high = seen.last().copied().unwrap_or(0);
        let xmax = snapshot(&mut session, "xmax").map_err(|e| source.read_error(e))?;
        let now = Instant::now();
        let mut holes = BTreeMap::new();
        'walk: for pair in seen.windows(2).rev() {
            for p in (pair[0] + 1..pair[1]).rev() {
                if holes.len() == options.max_holes {
                    break 'walk;
                }
                holes.insert(
                    p,
                    Hole {
                        first_seen: now,
                        xmax,
                    },
                );
            }
        }
        Ok(PgFollower {
            source: source.clone(),
            session,
            options,
            high,
            holes,
            skipped: 0,
        })
    }

    /// Reads the rows committed since the last read: those after the highest position, and those
    /// that fill a hole. Holes that are settled are given up (see the module's rule).
    pub fn fetch(&mut self) -> Result<Batch, PgError> {
        let source = &self.source;
        let session = &mut self.session;
        let err = |e: PgError| source.read_error(e);
        begin_read(session, Isolation::ReadCommitted).map_err(err)?;
        let read = Self::read(source, session, self.high, &self.holes);
        if read.is_err() {
            // Best effort: a session that broke (no answer, stopped) refuses it anyway.
            let _ = session.batch_execute("ROLLBACK", Phase::Rows);
        }
        let (batch, xmin_before, xmax_after) = read?;

        let now = Instant::now();
        // Holes from earlier reads that this read did not fill, and that are settled.
        let old: Vec<u64> = self.holes.keys().copied().collect();
        let mut positions: Vec<u64> = batch.positions().collect();
        positions.sort_unstable();
        for &p in &positions {
            self.holes.remove(&p);
        }
        for p in old {
            let Some(hole) = self.holes.get(&p) else {
                continue;
            };
            let age = now.duration_since(hole.first_seen);
            let ended = hole.xmax <= xmin_before;
            if age >= self.options.max_wait || (age >= self.options.grace && ended) {
                self.holes.remove(&p);
                self.skipped += 1;
            }
        }
        // New holes between the rows after the highest position.
        let mut previous = self.high;
        for &p in positions.iter().filter(|p| **p > self.high) {
            for q in previous + 1..p {
                self.holes.insert(
                    q,
                    Hole {
                        first_seen: now,
                        xmax: xmax_after,
                    },
                );
            }
            previous = p;
        }
        self.high = self.high.max(previous);
        while self.holes.len() > self.options.max_holes {
            self.holes.pop_first();
            self.skipped += 1;
        }
        Ok(batch)
    }

    /// The reads of one poll, in its transaction: the snapshot's `xmin` before, the rows, the
    /// snapshot's `xmax` after; the transaction is committed.
    fn read(
        source: &PgSource,
        session: &mut Session,
        high: u64,
        holes: &BTreeMap<u64, Hole>,
    ) -> Result<(Batch, i64, i64), PgError> {
        let err = |e: PgError| source.read_error(e);
        let xmin_before = snapshot(session, "xmin").map_err(err)?;
        let filter = Filter {
            after: Some(high),
            also: holes.keys().copied().collect(),
        };
        let mut batch = Batch::default();
        let mut raw = Vec::new();
        source.stream(session, &filter, &mut raw, |_, base, spans| {
            batch.spans.extend(spans.iter().map(|s| RecordSpan {
                start: s.start + base,
                end: s.end + base,
                line: s.line,
            }));
            true
        })?;
        batch.bytes = raw;
        let xmax_after = snapshot(session, "xmax").map_err(err)?;
        session.batch_execute("COMMIT", Phase::Rows).map_err(err)?;
        Ok((batch, xmin_before, xmax_after))
    }

    /// Reads new rows and adds them to the ledger; returns how many were added.
    pub fn poll(&mut self, ledger: &mut Ledger) -> Result<usize, PgError> {
        let batch = self.fetch()?;
        let n = batch.len();
        batch.apply(ledger);
        Ok(n)
    }

    /// The highest position up to which every position has been read or given up.
    pub fn watermark(&self) -> u64 {
        match self.holes.first_key_value() {
            Some((&p, _)) => p - 1,
            None => self.high,
        }
    }

    /// The highest position read.
    pub fn high(&self) -> u64 {
        self.high
    }

    /// Positions below the highest one still waited for.
    pub fn waiting(&self) -> Vec<u64> {
        self.holes.keys().copied().collect()
    }

    /// Holes given up so far (rolled back, or held open past the maximum wait).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

fn snapshot(session: &mut Session, which: &str) -> Result<i64, PgError> {
    Ok(session
        .query_one(
            &format!("SELECT txid_snapshot_{which}(txid_current_snapshot())"),
            &[],
            Phase::FirstRow,
        )?
        .get::<_, i64>(0))
}

/// A follower whose reads run on a thread of their own, so that a slow query or a server that
/// stopped answering never holds up the explorer's keys: the thread reads every `interval` and
/// hands over what it read; a poll adds the batches that arrived since the last one.
pub struct Background {
    batches: Receiver<Result<Batch, PgError>>,
    stop: Arc<AtomicBool>,
    /// An error that arrived behind rows: the rows are reported first, the error at the next poll.
    failed: Option<String>,
}

impl Background {
    /// Moves `follower` to a thread of its own that reads every `interval`.
    pub fn spawn(mut follower: PgFollower, interval: Duration) -> Background {
        let (send, batches) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                let read = follower.fetch();
                let failed = read.is_err();
                if read.as_ref().is_ok_and(Batch::is_empty) {
                    std::thread::sleep(interval);
                    continue;
                }
                if send.send(read).is_err() || failed {
                    return;
                }
                std::thread::sleep(interval);
            }
        });
        Background {
            batches,
            stop,
            failed: None,
        }
    }
}

impl Drop for Background {
    /// The thread ends after its current read; nothing waits for it (a read can hang on a server
    /// that stopped answering, and quitting must not).
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl crate::ledger::follow::Follower for Background {
    fn poll(&mut self, ledger: &mut Ledger) -> FollowEvent {
        let before = ledger.len();
        while self.failed.is_none() {
            match self.batches.try_recv() {
                Ok(Ok(batch)) => batch.apply(ledger),
                Ok(Err(e)) => self.failed = Some(e.to_string()),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.failed = Some("the reader of new rows stopped".to_string());
                }
            }
        }
        let events = ledger.len() - before;
        if events > 0 {
            return FollowEvent::Grew { events };
        }
        match self.failed.take() {
            Some(reason) => FollowEvent::Changed { reason },
            None => FollowEvent::Unchanged,
        }
    }
}

/// The follower the explorer drives: rows added are `Grew`; an error (the server went away, the
/// table was dropped) stops following and says why.
impl crate::ledger::follow::Follower for PgFollower {
    fn poll(&mut self, ledger: &mut Ledger) -> FollowEvent {
        let before = ledger.len();
        match PgFollower::poll(self, ledger) {
            Ok(0) => FollowEvent::Unchanged,
            Ok(_) => FollowEvent::Grew {
                events: ledger.len() - before,
            },
            Err(e) => FollowEvent::Changed {
                reason: e.to_string(),
            },
        }
    }
}
