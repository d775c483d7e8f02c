//! Reading a source piece by piece (database rows, each with its own line number), then
//! building the ledger.

use std::sync::atomic::Ordering;

use super::chunk::{ChunkParser, Span};
use super::{LoadOptions, Progress};
use crate::ledger::book::Ledger;
use crate::ledger::raw::RawSource;
use crate::ledger::recorded::Records;

/// One record of a source that is not a text file (a database row rendered as a JSON object):
/// where its text is in the buffer, and the number that stands for its line.
#[derive(Clone, Copy, Debug)]
pub struct RecordSpan {
    /// Where the record's text starts in the buffer, in bytes.
    pub start: usize,
    /// Where it ends in the buffer, in bytes (exclusive).
    pub end: usize,
    /// The number that stands for its line: the row's position.
    pub line: u64,
}

impl Records {
    /// Adds records whose line numbers are given (rows of a database: the line is the row's
    /// position). `base_offset` is where `bytes` starts in the ledger's raw text.
    pub(crate) fn add_records(
        &mut self,
        bytes: &[u8],
        base_offset: u64,
        records: &[RecordSpan],
        progress: Option<&Progress>,
    ) {
        let sealed = match records.first() {
            Some(r) => self.sealed(&bytes[r.start..r.end]),
            None => return,
        };
        let mut parser = ChunkParser::new(&self.accounts, bytes, base_offset, sealed);
        for r in records {
            // `merge` adds one to chunk-local lines.
            parser.record(Span {
                start: r.start,
                end: r.end,
                line: r.line.saturating_sub(1),
            });
        }
        let last = records.iter().map(|r| r.line).max().unwrap_or(0);
        let mut out = parser.finish(0);
        self.resolve(&mut out);
        if let Some(p) = progress {
            p.bytes_done
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            p.events
                .fetch_add(out.events.len() as u64, Ordering::Relaxed);
        }
        self.merge(out, 0);
        self.lines = self.lines.max(last);
    }
}

/// Reads a source piece by piece, then builds the ledger.
pub struct Builder {
    pub(super) name: String,
    pub(super) options: LoadOptions,
    pub(super) records: Records,
}

impl Builder {
    /// A builder for the source named `name` (the name the ledger carries), read with `options`.
    pub fn new(name: String, options: LoadOptions) -> Builder {
        Builder {
            name,
            options,
            records: Records::default(),
        }
    }

    /// Adds records whose line numbers are given (see [`RecordSpan`]).
    pub fn add_records(
        &mut self,
        bytes: &[u8],
        base_offset: u64,
        records: &[RecordSpan],
        progress: Option<&Progress>,
    ) {
        self.records
            .add_records(bytes, base_offset, records, progress);
    }

    /// Says what the lines of the records added stand for (a topic's messages, in the order
    /// added).
    pub fn places(&mut self, places: crate::ledger::places::Places) {
        self.records.places = places;
    }

    /// Indexes what was read. `raw` holds the records' text at the offsets they were read from;
    /// `source_len` is how far the source was read.
    pub fn build(self, raw: RawSource, source_len: u64, progress: Option<&Progress>) -> Ledger {
        if let Some(p) = progress {
            p.events
                .store(self.records.events.len() as u64, Ordering::Relaxed);
            p.read.store(true, Ordering::Relaxed);
        }
        Ledger::index(
            self.name,
            self.options.types,
            self.options.depth,
            self.records,
            raw,
            source_len,
        )
    }
}
