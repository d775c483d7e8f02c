//! Parsing one chunk of records on its own: each record becomes an event with chunk-local line
//! numbers and names, its problems are found, and the chain is checked inside the chunk.

use std::borrow::Cow;

use super::Progress;
use crate::ledger::chain;
use crate::ledger::event::{LedgerEvent, NO_ACCOUNT, flags};
use crate::ledger::names::{LocalNames, Names, name_hash};
use crate::ledger::problem::{MAX_LINE, Problem, ProblemKind, Reason, chain_fault};
use crate::ledger::record::{Fields, parse_record};
use crate::ledger::recorded::{Link, NO_SEQ};

/// What is wrong with the seq of a sealed record that should carry `expected` (`None`: the first
/// record of the log, which may start anywhere from 1), as [`chain_fault`] bits.
pub(super) fn seq_fault(seq: Option<u64>, expected: Option<u64>) -> u8 {
    match (seq, expected) {
        (None, _) => chain_fault::NO_SEQ,
        (Some(0), None) => chain_fault::SEQ_ZERO,
        (Some(s), Some(e)) if s != e => chain_fault::SEQ_JUMP,
        _ => 0,
    }
}

/// The chain problem of a sealed record at `at` with these faults.
pub(super) fn chain_problem(
    line: u64,
    at: u64,
    faults: u8,
    seq: Option<u64>,
    expected: Option<u64>,
) -> Problem {
    Problem::line(
        line,
        at,
        ProblemKind::ChainBroken,
        Reason::Chain {
            faults,
            seq: seq.unwrap_or(0).to_le_bytes(),
            before: expected.map_or(0, |e| e.wrapping_sub(1)).to_le_bytes(),
        },
    )
}

/// Why the bytes of a line (without its newline and `\r`, and without a byte order mark before
/// the first line) cannot become an event, as the loader found it: the kind and its text. `None`
/// when they are a record. The text of a bad line's problem is found again with this when it is
/// shown.
pub(crate) fn diagnose(raw: &[u8]) -> Option<(ProblemKind, String)> {
    if raw.len() > MAX_LINE {
        return Some((ProblemKind::LineTooLong, too_long_text(raw.len() as u64)));
    }
    let text = match std::str::from_utf8(raw) {
        Ok(text) => text,
        Err(e) => return Some((ProblemKind::InvalidUtf8, utf8_text(e.valid_up_to()))),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    parse_record(text).err().map(|e| (e.kind, e.message))
}

pub(crate) fn too_long_text(len: u64) -> String {
    format!("the record is {len} bytes, over the 1 MiB limit")
}

fn utf8_text(valid_up_to: usize) -> String {
    format!("invalid UTF-8 at byte {} of the line", valid_up_to + 1)
}

/// What one chunk of records became.
pub(super) struct ChunkOut<'a> {
    /// Lines the chunk spans (records plus blank lines).
    pub(super) lines: u64,
    /// Events with chunk-local line numbers (0-based) and chunk-local string ids.
    pub(super) events: Vec<LedgerEvent>,
    pub(super) id_hashes: Vec<u64>,
    pub(super) seqs: Vec<u64>,
    pub(super) problems: Vec<Problem>,
    pub(super) accounts: LocalNames<'a>,
    pub(super) types: LocalNames<'a>,
    /// The first sealed record, whose `prev` is checked against the chunk before.
    pub(super) head: Option<Head>,
    pub(super) tail: Link,
    /// In a log read as unsealed, the local line and the offset of the first record that
    /// carries a seal.
    pub(super) stray_seal: Option<(u64, u64)>,
    /// Numbers in the log of the chunk's own accounts and types, once resolved.
    pub(super) account_map: Vec<u32>,
    pub(super) type_map: Vec<u32>,
}

/// The account names of the last event added, looked up once the next record is read, with
/// their hashes.
struct Pending<'a> {
    account: Cow<'a, str>,
    account_hash: u64,
    /// `to` and its hash, when there is one.
    to: Option<(Cow<'a, str>, u64)>,
}

/// Marks an account number local to a chunk (see [`ChunkParser::account`]).
pub(super) const LOCAL: u32 = 1 << 31;

/// The first sealed record of a chunk: its local line, its `prev`, and what is wrong with it by
/// itself. Its problem is said once its link to the chunk before is known, in one message, as a
/// single pass would say it.
#[derive(Debug)]
pub(super) struct Head {
    pub(super) line: u64,
    pub(super) at: u64,
    pub(super) prev: [u8; 32],
    pub(super) seq: Option<u64>,
    /// [`chain_fault`] bits.
    pub(super) faults: u8,
}

/// One record to parse: where it is and which line it starts on (local to its chunk).
#[derive(Clone, Copy)]
pub(super) struct Span {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) line: u64,
}

pub(super) struct ChunkParser<'a, 'k> {
    /// The accounts of the log known before this chunk: most names are found here, and only the
    /// others are numbered in the chunk (with [`LOCAL`]) until the chunk is merged.
    known: &'k Names,
    bytes: &'a [u8],
    /// The same bytes as text, when they are all valid UTF-8 (then no line is checked again).
    text: Option<&'a str>,
    /// The last record read, whose event is added once the next one is read.
    pending: Option<Pending<'a>>,
    /// The last type names met (see [`ChunkParser::kind`]).
    recent_types: [Option<(std::borrow::Cow<'a, str>, u32)>; 32],
    base_offset: u64,
    sealed: bool,
    pub(super) out: ChunkOut<'a>,
    link: Link,
}

impl<'a, 'k> ChunkParser<'a, 'k> {
    pub(super) fn new(known: &'k Names, bytes: &'a [u8], base_offset: u64, sealed: bool) -> Self {
        Self::with_text(
            known,
            bytes,
            std::str::from_utf8(bytes).ok(),
            base_offset,
            sealed,
        )
    }

    /// A parser whose bytes are already known to be valid text (`text`) or not (`None`).
    pub(super) fn with_text(
        known: &'k Names,
        bytes: &'a [u8],
        text: Option<&'a str>,
        base_offset: u64,
        sealed: bool,
    ) -> Self {
        ChunkParser {
            known,
            bytes,
            text,
            pending: None,
            recent_types: Default::default(),
            base_offset,
            sealed,
            out: ChunkOut {
                lines: 0,
                events: Vec::new(),
                id_hashes: Vec::new(),
                seqs: Vec::new(),
                problems: Vec::new(),
                accounts: LocalNames::default(),
                types: LocalNames::default(),
                head: None,
                tail: Link::Open,
                stray_seal: None,
                account_map: Vec::new(),
                type_map: Vec::new(),
            },
            link: Link::Open,
        }
    }

    fn broken(&mut self, line: u64, at: u64, reason: Reason) {
        self.out
            .problems
            .push(Problem::line(line, at, ProblemKind::ChainBroken, reason));
        self.link = Link::Unknown;
    }

    /// One record: a line of JSON Lines or an element of an array.
    pub(super) fn record(&mut self, mut span: Span) {
        // A byte order mark before the first line is not part of its record (nor of its hash).
        if self.base_offset == 0 && span.start == 0 && self.bytes.starts_with(b"\xEF\xBB\xBF") {
            span.start = span.end.min(3);
        }
        let raw = &self.bytes[span.start..span.end];
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let end = span.start + raw.len();
        let at = self.base_offset + span.start as u64;
        if raw.iter().all(u8::is_ascii_whitespace) {
            // A sealed log is written record after record: a blank line is inserted bytes.
            if self.sealed {
                self.broken(span.line, at, Reason::BlankInSealed);
            }
            return;
        }
        if raw.len() > MAX_LINE {
            let len = (raw.len() as u64).to_le_bytes();
            self.bad(
                span.line,
                at,
                ProblemKind::LineTooLong,
                Reason::TooLong { len },
            );
            return;
        }
        // At most 1 MiB from here on.
        let record = Reason::Record {
            len: (raw.len() as u32).to_le_bytes(),
        };
        // Lines start and end next to ASCII bytes, so a slice of valid text is valid text.
        let text = match self
            .text
            .and_then(|t| t.get(span.start..end))
            .ok_or(())
            .or_else(|()| std::str::from_utf8(raw))
        {
            Ok(text) => text,
            Err(_) => {
                self.bad(span.line, at, ProblemKind::InvalidUtf8, record);
                return;
            }
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let fields = match parse_record(text) {
            Ok(fields) => fields,
            Err(e) => {
                self.bad(span.line, at, e.kind, record);
                return;
            }
        };
        let mut event_flags = 0;
        if fields.repeated {
            event_flags |= flags::REPEATED;
        }
        if self.sealed {
            self.check_seal(span.line, at, raw, &fields);
            event_flags |= flags::SEALED;
        } else if fields.seal.is_some() && self.out.stray_seal.is_none() {
            self.out.stray_seal = Some((span.line, at));
        }
        // The accounts are looked up when the next record has been read: the parts of the table
        // they need are fetched meanwhile.
        let Fields {
            account,
            kind,
            amount,
            ts,
            id,
            to,
            seq,
            seal: _,
            repeated: _,
        } = fields;
        let account_hash = name_hash(&account);
        self.known.prefetch(account_hash);
        let to = to.map(|to| {
            let hash = name_hash(&to);
            self.known.prefetch(hash);
            (to, hash)
        });
        self.resolve_pending();
        let kind = self.kind(kind);
        if amount.is_some() {
            event_flags |= flags::HAS_AMOUNT;
        }
        let id_hash = match &id {
            Some(id) => {
                event_flags |= flags::HAS_ID;
                id_hash(id)
            }
            None => 0,
        };
        if let Some(seq) = seq {
            if self.out.seqs.is_empty() {
                self.out.seqs.resize(self.out.events.len(), NO_SEQ);
            }
            self.out.seqs.push(seq);
        } else if !self.out.seqs.is_empty() {
            self.out.seqs.push(NO_SEQ);
        }
        self.out.id_hashes.push(id_hash);
        self.out.events.push(LedgerEvent {
            ts,
            amount: amount.unwrap_or_default(),
            offset: self.base_offset + span.start as u64,
            line: span.line,
            len: raw.len() as u32,
            // Set by `resolve_pending`.
            account: NO_ACCOUNT,
            to: NO_ACCOUNT,
            kind: kind as u16,
            flags: event_flags,
        });
        self.pending = Some(Pending {
            account,
            account_hash,
            to,
        });
    }

    fn bad(&mut self, line: u64, at: u64, kind: ProblemKind, reason: Reason) {
        self.out
            .problems
            .push(Problem::line(line, at, kind, reason));
        if self.sealed {
            self.broken(line, at, Reason::NotARecord);
        }
    }

    fn check_seal(&mut self, line: u64, at: u64, raw: &[u8], fields: &Fields) {
        let Some(seal) = fields.seal else {
            self.broken(line, at, Reason::NoSeal);
            return;
        };
        let mut faults = match chain::record_hash(raw) {
            None => chain_fault::NOT_LAST,
            Some(h) if h != seal.hash => chain_fault::ALTERED,
            Some(_) => 0,
        };
        let mut expected = None;
        match self.link {
            Link::Open => {
                self.out.head = Some(Head {
                    line,
                    at,
                    prev: seal.prev,
                    seq: fields.seq,
                    faults,
                });
                self.link = Link::after(seal.hash, fields.seq);
                return;
            }
            Link::Hash { hash, seq } => {
                if hash != seal.prev {
                    faults |= chain_fault::PREV;
                }
                faults |= seq_fault(fields.seq, seq);
                expected = seq;
            }
            // The record before is not one: only a seq missing here is this record's own fault.
            Link::Unknown if fields.seq.is_none() => faults |= chain_fault::NO_SEQ,
            Link::Unknown => {}
        }
        if faults != 0 {
            self.out
                .problems
                .push(chain_problem(line, at, faults, fields.seq, expected));
        }
        // Go on from the record's own hash and seq, so that one altered record is one problem.
        self.link = Link::after(seal.hash, fields.seq);
    }

    /// The number of an account: its number in the log when it is known, or its number in the
    /// chunk marked with [`LOCAL`].
    #[inline]
    fn account(&mut self, name: std::borrow::Cow<'a, str>, hash: u64) -> u32 {
        match self.known.find_hashed(&name, hash) {
            Some(id) => id,
            None => LOCAL | self.out.accounts.intern_hashed(name, hash),
        }
    }

    /// The chunk's number for an event type. A log has few types: the last ones met are kept by
    /// their text, which spares hashing the name of nearly every event.
    #[inline]
    fn kind(&mut self, name: std::borrow::Cow<'a, str>) -> u32 {
        let b = name.as_bytes();
        let mix = b.len() * 31
            + usize::from(b.first().copied().unwrap_or(0)) * 7
            + usize::from(b.get(b.len() / 2).copied().unwrap_or(0)) * 3
            + usize::from(b.last().copied().unwrap_or(0));
        let slot = mix % self.recent_types.len();
        if let Some((seen, id)) = &self.recent_types[slot]
            && **seen == *name
        {
            return *id;
        }
        let id = self.out.types.intern(name.clone());
        self.recent_types[slot] = Some((name, id));
        id
    }

    /// Looks up the accounts of the last event added (numbering those new to the chunk in order
    /// of first appearance: the account, then `to`).
    fn resolve_pending(&mut self) {
        let Some(Pending {
            account,
            account_hash,
            to,
        }) = self.pending.take()
        else {
            return;
        };
        let account = self.account(account, account_hash);
        let to = match to {
            Some((to, hash)) => self.account(to, hash),
            None => NO_ACCOUNT,
        };
        if let Some(event) = self.out.events.last_mut() {
            event.account = account;
            event.to = to;
        }
    }

    pub(super) fn finish(mut self, lines: u64) -> ChunkOut<'a> {
        self.resolve_pending();
        self.out.lines = lines;
        self.out.tail = self.link;
        self.out
    }
}

/// A 64-bit hash of an event id; equal hashes are compared on the ids themselves.
fn id_hash(id: &str) -> u64 {
    // 0 means "no id".
    xxhash_rust::xxh3::xxh3_64(id.as_bytes()).max(1)
}

/// The lists a chunk's events are parsed into, handed from one chunk to the next: memory that
/// was written once is cheaper than fresh memory.
#[derive(Default)]
pub(super) struct Buffers {
    pub(super) events: Vec<LedgerEvent>,
    pub(super) id_hashes: Vec<u64>,
}

/// Lines parsed between two looks at whether the load was cancelled.
pub(super) const CANCEL_EVERY: u64 = 1024;

/// Parses the lines of one chunk (which starts at a line start). A cancelled load stops it early
/// (the caller drops what it returns).
pub(super) fn parse_line_chunk<'a>(
    known: &Names,
    bytes: &'a [u8],
    base_offset: u64,
    sealed: bool,
    buffers: Buffers,
    progress: Option<&Progress>,
) -> ChunkOut<'a> {
    let mut parser = ChunkParser::new(known, bytes, base_offset, sealed);
    parser.out.events = buffers.events;
    parser.out.id_hashes = buffers.id_hashes;
    // Room for one event per line, so that the lists never move while they grow.
    let lines = memchr::memchr_iter(b'\n', bytes).count() + 1;
    parser.out.events.reserve(lines);
    parser.out.id_hashes.reserve(lines);
    let mut start = 0;
    let mut line = 0u64;
    while start < bytes.len() {
        if line.is_multiple_of(CANCEL_EVERY) && progress.is_some_and(Progress::cancelled) {
            break;
        }
        let end = memchr::memchr(b'\n', &bytes[start..])
            .map(|i| start + i)
            .unwrap_or(bytes.len());
        parser.record(Span { start, end, line });
        line += 1;
        start = end + 1;
    }
    parser.finish(line)
}
