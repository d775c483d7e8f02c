//! Event stores in PostgreSQL: Message DB, the Python `eventsourcing` library, or any SELECT.
//!
//! Rows are streamed in order with a binary `COPY (SELECT …) TO STDOUT` inside a READ ONLY
//! transaction, rendered one by one as canonical JSON records ([`layout`]) and handed to the
//! ledger's [`Builder`] in batches: nothing downstream knows the events came from a database, and a
//! problem's "line" is the row's position (Message DB's `global_position`).

pub mod append;
mod copy;
pub mod digest;
mod error;
pub mod follow;
pub mod layout;
mod session;
mod tls;
mod url;

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::RecvTimeoutError;

use crate::ledger::{Builder, Ledger, LoadOptions, Progress, RawSource, RecordSpan};
use copy::TupleReader;
pub use error::{PgError, PgErrorKind, Stage};
pub use follow::{Background, FollowOptions, PgFollower};
pub use layout::{Filter, Layout};
pub use session::{CopyReader, Phase, Session, Stop, TICK};
pub use url::{DEFAULT_TIMEOUT, Host, PgUrl, Target, is_url};

/// Rows handed to the ledger at once (the progress moves per batch).
const BATCH: usize = 16_384;

/// A PostgreSQL database and where the events are in it. Clones share one [`Stop`]: setting it
/// ends every wait of every read or write from here, and cancels its query on the server.
#[derive(Clone, Debug)]
pub struct PgSource {
    /// The connection URL: the servers to try, the database and how to log in.
    pub url: PgUrl,
    /// Which store's schema the events are in.
    pub layout: Layout,
    /// Ends every wait of every read or write from here (shared by clones).
    pub stop: Stop,
}

impl PgSource {
    /// A source from a connection URL and a layout; fails when the URL cannot be read.
    pub fn new(url: &str, layout: Layout) -> Result<PgSource, PgError> {
        Ok(PgSource {
            url: PgUrl::parse(url)?,
            layout,
            stop: Stop::default(),
        })
    }

    /// The name a ledger read from here carries: the URL as read, without its password.
    pub fn name(&self) -> &str {
        self.url.display()
    }

    pub(crate) fn connect(&self) -> Result<Session, PgError> {
        Session::open(&self.url, &self.stop)
    }

    /// An error of a read, with what the source expected after a missing table or column.
    pub(crate) fn read_error(&self, e: PgError) -> PgError {
        e.with_hint(&self.layout.expects())
    }

    /// An I/O error while streaming rows (the session's errors come wrapped in it).
    pub(crate) fn stream_error(&self, e: io::Error) -> PgError {
        match CopyReader::error(&e) {
            Some(pg) => self.read_error(pg.clone()),
            None => {
                let mut err = PgError::new(
                    PgErrorKind::Connect,
                    self.name(),
                    format!("the read failed: {e}"),
                );
                err.redact(self.url.secret());
                err
            }
        }
    }

    /// Reads every row into a ledger. One thread reads and renders rows while this one parses
    /// the batches already rendered, so the server, the reading and the parsing overlap. `progress`
    /// counts events and bytes; its total is estimated from the planner's row count.
    pub fn load(
        &self,
        options: &LoadOptions,
        progress: Option<&Progress>,
    ) -> Result<Ledger, PgError> {
        let mut builder = Builder::new(self.name().to_string(), options.clone());
        let mut raw: Vec<u8> = Vec::new();
        let estimate = AtomicU64::new(0);
        let estimate = &estimate;
        let read = std::thread::scope(|scope| {
            let (send, receive) = std::sync::mpsc::sync_channel::<(Vec<u8>, Vec<RecordSpan>)>(4);
            // Buffers go back to the reader once parsed, so a few allocations serve every batch.
            let (give_back, take_back) = std::sync::mpsc::channel::<Vec<u8>>();
            let reader = scope.spawn(move || -> Result<(), PgError> {
                let mut session = self.connect()?;
                begin_read(&mut session, Isolation::RepeatableRead)?;
                self.check_columns(&mut session)?;
                if let Some(table) = self.layout.table() {
                    // The planner's estimate, for progress only (0 when unknown or not there).
                    let rows = session
                        .query_one(
                            "SELECT coalesce((SELECT greatest(reltuples, 0)::bigint FROM pg_class \
                             WHERE oid = to_regclass($1)), 0)",
                            &[&table],
                            Phase::FirstRow,
                        )
                        .map_err(|e| self.read_error(e))?
                        .get::<_, i64>(0);
                    estimate.store(rows.max(0) as u64, Ordering::Relaxed);
                }
                let mut buf = Vec::new();
                self.stream(
                    &mut session,
                    &Filter::default(),
                    &mut buf,
                    |buf, _, spans| {
                        let spare = take_back.try_recv().unwrap_or_default();
                        send.send((std::mem::replace(buf, spare), spans.to_vec()))
                            .is_ok()
                    },
                )?;
                drop(send);
                session
                    .batch_execute("COMMIT", Phase::Rows)
                    .map_err(|e| self.read_error(e))
            });
            let mut rows = 0;
            loop {
                // A stop asked for through the progress is passed on to the session, which may be
                // waiting for the server.
                if progress.is_some_and(Progress::cancelled) {
                    self.stop.stop();
                    break;
                }
                let (mut bytes, spans) = match receive.recv_timeout(TICK) {
                    Ok(batch) => batch,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => break,
                };
                let base = raw.len();
                builder.add_records(&bytes, base as u64, &spans, progress);
                rows += spans.len() as u64;
                // The rows the planner expects, at the size seen so far (with a little room).
                let expected =
                    estimate.load(Ordering::Relaxed).max(rows) * (base + bytes.len()) as u64 / rows;
                if raw.capacity() < base + bytes.len() {
                    raw.reserve((expected as usize + expected as usize / 16).saturating_sub(base));
                }
                raw.extend_from_slice(&bytes);
                bytes.clear();
                let _ = give_back.send(bytes);
                if let Some(p) = progress {
                    p.bytes_total.store(expected, Ordering::Relaxed);
                }
            }
            // A reader blocked on a full channel sees it closed.
            drop(receive);
            if let Some(p) = progress {
                p.bytes_total.store(raw.len() as u64, Ordering::Relaxed);
            }
            reader.join().expect("the reading thread does not panic")
        });
        if progress.is_some_and(Progress::cancelled) || self.stop.is_stopped() {
            return Err(PgError::new(
                PgErrorKind::Cancelled,
                self.name(),
                "the read was interrupted",
            ));
        }
        read?;
        raw.shrink_to_fit();
        let len = raw.len() as u64;
        Ok(builder.build(RawSource::Memory(raw), len, progress))
    }

    /// Refuses a `--query` whose columns cannot make events, before any row is read.
    fn check_columns(&self, session: &mut Session) -> Result<(), PgError> {
        let Some(probe) = self.layout.columns_probe() else {
            return Ok(());
        };
        let statement = session
            .prepare(&probe, Phase::FirstRow)
            .map_err(|e| self.read_error(e))?;
        let columns: Vec<&str> = statement.columns().iter().map(|c| c.name()).collect();
        match self.layout.missing_columns(&columns) {
            Some(message) => Err(PgError::new(PgErrorKind::Schema, self.name(), message)),
            None => Ok(()),
        }
    }

    /// Streams the rows the filter selects, rendering them at the end of `raw` (one record per
    /// line) and handing each batch to `sink(raw, where the batch starts in raw, spans relative to
    /// that start)`; the sink may take the buffer. A sink that returns `false` stops the read.
    /// Returns the number of rows.
    pub(crate) fn stream(
        &self,
        session: &mut Session,
        filter: &Filter,
        raw: &mut Vec<u8>,
        mut sink: impl FnMut(&mut Vec<u8>, usize, &[RecordSpan]) -> bool,
    ) -> Result<u64, PgError> {
        let sql = format!(
            "COPY ({}) TO STDOUT (FORMAT binary)",
            self.layout.select(filter)
        );
        let reader = session.copy_out(&sql).map_err(|e| self.read_error(e))?;
        let mut tuples = TupleReader::new(reader, false).map_err(|e| self.stream_error(e))?;
        let mut spans: Vec<RecordSpan> = Vec::with_capacity(BATCH);
        let mut batch_start = raw.len();
        let mut rows = 0u64;
        loop {
            let tuple = tuples.next_tuple().map_err(|e| self.stream_error(e))?;
            if let Some(t) = &tuple {
                rows += 1;
                let start = raw.len() - batch_start;
                let line = self.layout.render(t, rows, raw);
                spans.push(RecordSpan {
                    start,
                    end: raw.len() - batch_start,
                    line,
                });
                raw.push(b'\n');
            }
            if (tuple.is_none() || spans.len() == BATCH) && !spans.is_empty() {
                let go_on = sink(raw, batch_start, &spans);
                spans.clear();
                batch_start = raw.len();
                if !go_on {
                    break;
                }
            }
            if tuple.is_none() {
                break;
            }
        }
        Ok(rows)
    }
}

/// How a read sees rows committed while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Isolation {
    /// One snapshot for the whole read.
    RepeatableRead,
    /// Each statement sees what was committed before it started.
    ReadCommitted,
}

/// Starts a READ ONLY transaction with the settings rows are rendered under (times in UTC), in
/// one round trip.
pub(crate) fn begin_read(session: &mut Session, isolation: Isolation) -> Result<(), PgError> {
    let level = match isolation {
        Isolation::RepeatableRead => "REPEATABLE READ",
        Isolation::ReadCommitted => "READ COMMITTED",
    };
    session.batch_execute(
        &format!(
            "BEGIN ISOLATION LEVEL {level} READ ONLY; SET LOCAL TIME ZONE 'UTC'; \
             SET LOCAL DateStyle = 'ISO, YMD'"
        ),
        Phase::FirstRow,
    )
}
