//! Loading: bytes of a log (JSON Lines or one JSON array) → events, problems and the chain state.
//!
//! Records are parsed in chunks on all cores; each chunk interns its own strings and checks the
//! chain inside itself. Chunks are then merged in order (line numbers, interned ids and the chain
//! links between chunks are fixed up), so the result is exactly that of a sequential pass.

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use super::chain::{self, GENESIS};
use super::event::{LedgerEvent, NO_ACCOUNT, TypeMap, flags};
use super::index::{Integrity, Ledger, RawSource};
use super::names::{LocalNames, Names, name_hash};
use super::problem::{MAX_LINE, Problem, ProblemKind, Reason, chain_fault};
use super::record::{Fields, parse_record};

/// How to read a log.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub types: TypeMap,
    /// How much of the indexes to build.
    pub depth: Depth,
}

/// How much of the indexes a load builds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Depth {
    /// Everything: each account's postings with running balances, so that any moment is a
    /// binary search (the explorer, `history`, following a growing file).
    #[default]
    Full,
    /// The problems, the time order and each account's state at the end of the log; any other
    /// moment is one replay of the log. For a command that asks one question and exits: less
    /// memory and less time.
    Summary,
}

/// Progress of a load, shared with whoever shows it; `cancel` stops the load early.
#[derive(Debug, Default)]
pub struct Progress {
    pub bytes_total: AtomicU64,
    pub bytes_done: AtomicU64,
    pub events: AtomicU64,
    pub cancel: AtomicBool,
}

impl Progress {
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Why a log could not be opened at all (a bad line is a problem, not an error).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: the load was interrupted")]
    Cancelled { path: String },
}

/// Size of the pieces a JSON Lines file is cut into for parsing in parallel.
pub(crate) const CHUNK: usize = 2 << 20;
/// Chunks parsed at once per thread. A wave of chunks is merged while the next one is parsed,
/// and its text is then released: at most two waves of the file are resident at a time.
const WAVE_PER_THREAD: usize = 4;

/// Loads a log file. The file is read once; what stays in memory is the compact events and their
/// indexes, and raw records are read back from the file when asked for.
pub fn load_file(
    path: &Path,
    options: &LoadOptions,
    progress: Option<&Progress>,
) -> Result<Ledger, LoadError> {
    load_file_at(path, options, progress, None)
}

/// Where to start reading a sealed log other than at its beginning (the records after a
/// snapshot): the lines before are taken as read, and the chain continues from `prev`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resume {
    /// The byte offset of the first line to read (0, or just after a newline).
    pub offset: u64,
    /// The line number of that line (1-based).
    pub line: u64,
    /// The hash the first record must name as `prev`.
    pub prev: [u8; 32],
    /// The seq of the record before: the first record read must carry the next one.
    pub seq: u64,
}

/// Loads the part of a sealed log file from `resume.offset` on. Events keep their offsets in the
/// file and their line numbers in it; a first record that does not chain to `resume.prev` is a
/// `chain-broken` problem, as anywhere else.
pub fn load_file_from(
    path: &Path,
    options: &LoadOptions,
    resume: Resume,
) -> Result<Ledger, LoadError> {
    load_file_at(path, options, None, Some(resume))
}

fn load_file_at(
    path: &Path,
    options: &LoadOptions,
    progress: Option<&Progress>,
    resume: Option<Resume>,
) -> Result<Ledger, LoadError> {
    let name = path.display().to_string();
    let io = |source| LoadError::Io {
        path: name.clone(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::other("is a directory, not a log file")));
    }
    if !meta.is_file() && resume.is_none() {
        // A pipe, a FIFO, /dev/stdin: no size to map, so the text is read whole.
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).map_err(io)?;
        return Ok(load_bytes(&name, bytes, options));
    }
    let len = meta.len() as usize;
    if let Some(p) = progress {
        p.bytes_total.store(len as u64, Ordering::Relaxed);
    }
    let mut builder = Builder::new(name.clone(), options.clone());
    let first = match resume {
        Some(r) if r.offset > len as u64 => {
            return Err(io(std::io::Error::other(format!(
                "the file is {len} bytes, shorter than the offset {} to read from",
                r.offset
            ))));
        }
        Some(r) => {
            builder.records.resume_at(r);
            r.offset as usize
        }
        None => 0,
    };
    if len > 0 {
        // SAFETY: the map is only read. A log is append-only; a writer that truncates the file
        // while it loads is outside what rewind can defend against.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        let bytes: &[u8] = &map;
        if resume.is_none() && is_array(bytes) {
            builder.records.add_array(bytes, 0, progress, CHUNK);
        } else {
            let _ = map.advise(memmap2::Advice::Sequential);
            // What is parsed need not stay resident: the events hold offsets into the file.
            let mut release = |range: std::ops::Range<usize>| {
                let (start, end) = (first + range.start, first + range.end);
                // Whole pages only: the page an unreleased line starts on stays.
                let page = 4096;
                let start = start.div_ceil(page) * page;
                let end = if end == len { end } else { end / page * page };
                if start < end {
                    // SAFETY: DontNeed on a read-only shared file mapping only drops pages from
                    // this process; reading them again faults them in from the page cache.
                    let _ = unsafe {
                        map.unchecked_advise_range(
                            memmap2::UncheckedAdvice::DontNeed,
                            start,
                            end - start,
                        )
                    };
                }
            };
            let done = builder.records.add_lines_in(
                &bytes[first..],
                first as u64,
                progress,
                CHUNK,
                &mut release,
            );
            if !done {
                return Err(LoadError::Cancelled { path: name });
            }
        }
        builder.records.finish_tail(bytes);
    }
    if progress.is_some_and(Progress::cancelled) {
        return Err(LoadError::Cancelled { path: name });
    }
    let raw = RawSource::File(file);
    Ok(builder.build(raw, len as u64, progress))
}

/// Loads a log held in memory (the bundled sample, tests, text from a pipe).
pub fn load_bytes(name: &str, bytes: Vec<u8>, options: &LoadOptions) -> Ledger {
    load_bytes_in(name, bytes, options, CHUNK)
}

/// [`load_bytes`] with the text cut into chunks of about `chunk` bytes for parsing in parallel:
/// the result is the same whatever the size (one chunk is a plain sequential pass).
pub(crate) fn load_bytes_in(
    name: &str,
    bytes: Vec<u8>,
    options: &LoadOptions,
    chunk: usize,
) -> Ledger {
    let mut builder = Builder::new(name.to_string(), options.clone());
    if is_array(&bytes) {
        builder.records.add_array(&bytes, 0, None, chunk);
    } else {
        builder
            .records
            .add_lines_in(&bytes, 0, None, chunk, &mut |_| {});
    }
    builder.records.finish_tail(&bytes);
    let len = bytes.len() as u64;
    builder.build(RawSource::Memory(bytes), len, None)
}

/// Whether a log is one JSON array: it starts with `[`, and either ends with `]` or its first line
/// is not a whole JSON value (an array cut off). A JSON Lines log whose first line is a whole value
/// starting with `[` (a header, a stray line) is read line by line, so that the events after it
/// still load.
fn is_array(bytes: &[u8]) -> bool {
    if first_byte(bytes) != Some(b'[') {
        return false;
    }
    if bytes
        .iter()
        .rev()
        .copied()
        .find(|b| !b.is_ascii_whitespace())
        == Some(b']')
    {
        return true;
    }
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or(bytes);
    serde_json::from_slice::<serde::de::IgnoredAny>(first_line).is_err()
}

fn first_byte(bytes: &[u8]) -> Option<u8> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Whether a sealed log starts here: the first record that parses carries `prev` and `hash`.
fn detect_sealed(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    for line in bytes.split(|b| *b == b'\n').take(1000) {
        let Ok(text) = std::str::from_utf8(line) else {
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        if let Ok(fields) = parse_record(text.trim_end_matches('\r')) {
            return fields.seal.is_some();
        }
    }
    false
}

/// The link of the chain a chunk's next record must continue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    /// Start of a chunk: the link is checked when the chunks are merged.
    Open,
    /// The chain is already broken just before (a bad line): the next record is not compared.
    Unknown,
    /// The next record's `prev` must be `hash`, and its `seq` must be `seq` (any seq from 1 at
    /// the start of the log, `None`).
    Hash { hash: [u8; 32], seq: Option<u64> },
}

impl Link {
    /// The start of a sealed log.
    const GENESIS: Link = Link::Hash {
        hash: GENESIS,
        seq: None,
    };

    /// The link after a record with this hash and seq.
    fn after(hash: [u8; 32], seq: Option<u64>) -> Link {
        Link::Hash {
            hash,
            seq: seq.map(|s| s.saturating_add(1)),
        }
    }
}

/// What is wrong with the seq of a sealed record that should carry `expected` (`None`: the first
/// record of the log, which may start anywhere from 1), as [`chain_fault`] bits.
fn seq_fault(seq: Option<u64>, expected: Option<u64>) -> u8 {
    match (seq, expected) {
        (None, _) => chain_fault::NO_SEQ,
        (Some(0), None) => chain_fault::SEQ_ZERO,
        (Some(s), Some(e)) if s != e => chain_fault::SEQ_JUMP,
        _ => 0,
    }
}

/// The chain problem of a sealed record at `at` with these faults.
fn chain_problem(
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
struct ChunkOut<'a> {
    /// Lines the chunk spans (records plus blank lines).
    lines: u64,
    /// Events with chunk-local line numbers (0-based) and chunk-local string ids.
    events: Vec<LedgerEvent>,
    id_hashes: Vec<u64>,
    seqs: Vec<u64>,
    problems: Vec<Problem>,
    accounts: LocalNames<'a>,
    types: LocalNames<'a>,
    /// The first sealed record, whose `prev` is checked against the chunk before.
    head: Option<Head>,
    tail: Link,
    /// In a log read as unsealed, the local line and the offset of the first record that
    /// carries a seal.
    stray_seal: Option<(u64, u64)>,
    /// Numbers in the log of the chunk's own accounts and types, once resolved.
    account_map: Vec<u32>,
    type_map: Vec<u32>,
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
const LOCAL: u32 = 1 << 31;

/// The first sealed record of a chunk: its local line, its `prev`, and what is wrong with it by
/// itself. Its problem is said once its link to the chunk before is known, in one message, as a
/// single pass would say it.
#[derive(Debug)]
struct Head {
    line: u64,
    at: u64,
    prev: [u8; 32],
    seq: Option<u64>,
    /// [`chain_fault`] bits.
    faults: u8,
}

/// No `seq` member.
pub(crate) const NO_SEQ: u64 = u64::MAX;

/// One record to parse: where it is and which line it starts on (local to its chunk).
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    line: u64,
}

struct ChunkParser<'a, 'k> {
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
    out: ChunkOut<'a>,
    link: Link,
}

impl<'a, 'k> ChunkParser<'a, 'k> {
    fn new(known: &'k Names, bytes: &'a [u8], base_offset: u64, sealed: bool) -> Self {
        Self::with_text(
            known,
            bytes,
            std::str::from_utf8(bytes).ok(),
            base_offset,
            sealed,
        )
    }

    /// A parser whose bytes are already known to be valid text (`text`) or not (`None`).
    fn with_text(
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
    fn record(&mut self, mut span: Span) {
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

    fn finish(mut self, lines: u64) -> ChunkOut<'a> {
        self.resolve_pending();
        self.out.lines = lines;
        self.out.tail = self.link;
        self.out
    }
}

/// A 64-bit hash of an event id; equal hashes are compared on the ids themselves.
pub(crate) fn id_hash(id: &str) -> u64 {
    // 0 means "no id".
    xxhash_rust::xxh3::xxh3_64(id.as_bytes()).max(1)
}

/// The lists a chunk's events are parsed into, handed from one chunk to the next: memory that
/// was written once is cheaper than fresh memory.
#[derive(Default)]
struct Buffers {
    events: Vec<LedgerEvent>,
    id_hashes: Vec<u64>,
}

/// Where to cut `bytes` into pieces of about `chunk` bytes, each ending just after a newline (or at
/// the end): the first cut is 0, the last `bytes.len()`.
fn line_cuts(bytes: &[u8], chunk: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    let mut at = chunk;
    while at < bytes.len() {
        match memchr::memchr(b'\n', &bytes[at - 1..]) {
            Some(i) if at + i < bytes.len() => {
                cuts.push(at + i);
                at += i + chunk;
            }
            _ => break,
        }
    }
    cuts.push(bytes.len());
    cuts
}

/// Lines parsed between two looks at whether the load was cancelled.
const CANCEL_EVERY: u64 = 1024;

/// Parses the lines of one chunk (which starts at a line start). A cancelled load stops it early
/// (the caller drops what it returns).
fn parse_line_chunk<'a>(
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

/// Everything read from a source so far, in recorded order, before indexing. The ledger keeps it,
/// so that records arriving later (a growing file, new rows) go through the very same steps.
#[derive(Debug)]
pub(crate) struct Records {
    /// Whether the log is sealed (decided by its first record).
    pub sealed: Option<bool>,
    /// Lines (or rows) read so far.
    pub lines: u64,
    pub events: Vec<LedgerEvent>,
    /// Hash of each event's id (0: none), to find duplicates.
    pub id_hashes: Vec<u64>,
    /// Each record's own `seq` member (empty when no record has one).
    pub seqs: Vec<u64>,
    /// Problems found while reading lines (they never change once found).
    pub problems: Vec<Problem>,
    pub accounts: Names,
    pub types: Names,
    /// The hash the next sealed record must name as `prev`.
    link: Link,
    /// The last line had no newline (a torn tail, or just a hand-written file).
    pub unterminated_tail: bool,
    /// In a log whose first record is unsealed, the line of the first record that is sealed.
    stray_seal: Option<u64>,
}

impl Default for Records {
    fn default() -> Self {
        Records {
            sealed: None,
            lines: 0,
            events: Vec::new(),
            id_hashes: Vec::new(),
            seqs: Vec::new(),
            problems: Vec::new(),
            accounts: Names::default(),
            types: Names::default(),
            link: Link::GENESIS,
            unterminated_tail: false,
            stray_seal: None,
        }
    }
}

/// One record of a source that is not a text file (a database row rendered as a JSON object):
/// where its text is in the buffer, and the number that stands for its line.
#[derive(Clone, Copy, Debug)]
pub struct RecordSpan {
    pub start: usize,
    pub end: usize,
    pub line: u64,
}

impl Records {
    /// Starts the records as if the lines before `resume.line` had been read from a sealed log.
    fn resume_at(&mut self, resume: Resume) {
        self.sealed = Some(true);
        self.lines = resume.line.saturating_sub(1);
        self.link = Link::after(resume.prev, Some(resume.seq));
    }

    fn sealed(&mut self, bytes: &[u8]) -> bool {
        *self.sealed.get_or_insert_with(|| detect_sealed(bytes))
    }

    /// Adds a run of whole lines (the last one may lack its newline), parsed in parallel.
    pub(crate) fn add_lines(&mut self, bytes: &[u8], base_offset: u64) {
        self.add_lines_in(bytes, base_offset, None, CHUNK, &mut |_| {});
    }

    /// Adds a run of whole lines cut into chunks of about `chunk` bytes, parsed in parallel a wave
    /// at a time; each wave is merged while the next one is parsed, then `release` is told that
    /// its bytes are no longer needed. Returns `false` when the load was cancelled (some lines are
    /// then not read).
    pub(crate) fn add_lines_in(
        &mut self,
        bytes: &[u8],
        base_offset: u64,
        progress: Option<&Progress>,
        chunk: usize,
        release: &mut (dyn FnMut(std::ops::Range<usize>) + Send),
    ) -> bool {
        if bytes.is_empty() {
            return true;
        }
        let sealed = self.sealed(bytes);
        let cuts = line_cuts(bytes, chunk.max(1));
        let wave = rayon::current_num_threads().max(1) * WAVE_PER_THREAD;
        let pool: std::sync::Mutex<Vec<Buffers>> = Default::default();
        let parse = |pieces: &[usize], known: &Names| -> Vec<ChunkOut<'_>> {
            pieces
                .par_windows(2)
                .map(|w| {
                    let piece = &bytes[w[0]..w[1]];
                    let buffers = pool
                        .lock()
                        .ok()
                        .and_then(|mut p| p.pop())
                        .unwrap_or_default();
                    let out = parse_line_chunk(
                        known,
                        piece,
                        base_offset + w[0] as u64,
                        sealed,
                        buffers,
                        progress,
                    );
                    if let Some(p) = progress {
                        p.bytes_done
                            .fetch_add((w[1] - w[0]) as u64, Ordering::Relaxed);
                        p.events
                            .fetch_add(out.events.len() as u64, Ordering::Relaxed);
                    }
                    out
                })
                .collect()
        };
        let mut pending: Option<(Vec<ChunkOut>, std::ops::Range<usize>)> = None;
        let mut at = 0;
        while at + 1 < cuts.len() {
            if progress.is_some_and(Progress::cancelled) {
                return false;
            }
            let next = (at + wave).min(cuts.len() - 1);
            let pieces = &cuts[at..=next];
            let range = cuts[at]..cuts[next];
            // The accounts the wave before brought are known before this wave is parsed; its
            // events are merged while this one is parsed.
            if let Some((chunks, _)) = pending.as_mut() {
                chunks.iter_mut().for_each(|c| self.resolve(c));
            }
            let known = std::mem::take(&mut self.accounts);
            let parsed = match pending.take() {
                None => parse(pieces, &known),
                Some((chunks, done)) => {
                    let (_, parsed) = rayon::join(
                        || {
                            // The whole text holds about as many events per byte as this wave.
                            let seen: usize = chunks.iter().map(|c| c.events.len()).sum();
                            let expected = (seen as f64 * bytes.len() as f64
                                / (done.end - done.start).max(1) as f64
                                * 1.02) as usize;
                            let spent = self.merge_all(chunks, expected);
                            if let Ok(mut p) = pool.lock() {
                                p.extend(spent);
                            }
                            release(done);
                        },
                        || parse(pieces, &known),
                    );
                    parsed
                }
            };
            self.accounts = known;
            pending = Some((parsed, range));
            at = next;
        }
        if progress.is_some_and(Progress::cancelled) {
            return false;
        }
        if let Some((mut chunks, done)) = pending {
            chunks.iter_mut().for_each(|c| self.resolve(c));
            self.merge_all(chunks, 0);
            release(done);
        }
        true
    }

    /// Merges resolved chunks of lines, in order; gives back their emptied lists.
    fn merge_all(&mut self, chunks: Vec<ChunkOut>, expected: usize) -> Vec<Buffers> {
        let events: usize = chunks.iter().map(|c| c.events.len()).sum();
        if self.events.capacity() < self.events.len() + events {
            let want = expected.max(self.events.len() + events);
            self.events.reserve_exact(want - self.events.len());
            self.id_hashes.reserve_exact(want - self.id_hashes.len());
            crate::ledger::memory::huge_pages(&self.events);
            crate::ledger::memory::huge_pages(&self.id_hashes);
        }
        chunks
            .into_iter()
            .map(|chunk| {
                let base = self.lines;
                self.merge(chunk, base)
            })
            .collect()
    }

    /// Numbers the chunk's own accounts and types in the log, in order of first appearance.
    fn resolve(&mut self, chunk: &mut ChunkOut) {
        chunk.account_map = chunk
            .accounts
            .iter()
            .map(|(n, h)| self.accounts.intern_hashed(n, h))
            .collect();
        chunk.type_map = chunk
            .types
            .iter()
            .map(|(n, h)| self.types.intern_hashed(n, h))
            .collect();
    }

    /// Adds a log written as one JSON array: each element is a record, on the line it starts on.
    pub(crate) fn add_array(
        &mut self,
        bytes: &[u8],
        base_offset: u64,
        progress: Option<&Progress>,
        chunk: usize,
    ) {
        let (spans, lines, mut faults) = split_array(bytes);
        for f in &mut faults {
            f.at += base_offset;
        }
        let sealed = {
            let first = spans
                .iter()
                .find_map(|s| std::str::from_utf8(&bytes[s.start..s.end]).ok())
                .unwrap_or("");
            *self
                .sealed
                .get_or_insert_with(|| parse_record(first).is_ok_and(|f| f.seal.is_some()))
        };
        // Elements in groups of about `chunk` bytes, parsed in parallel; lines are counted from
        // the start of the array in every group.
        let mut groups = Vec::new();
        let mut start = 0;
        while start < spans.len() {
            let mut end = start + 1;
            while end < spans.len() && spans[end].end - spans[start].start < chunk {
                end += 1;
            }
            groups.push(&spans[start..end]);
            start = end;
        }
        let text = std::str::from_utf8(bytes).ok();
        let mut outs: Vec<ChunkOut> = groups
            .par_iter()
            .map(|group| {
                let mut parser =
                    ChunkParser::with_text(&self.accounts, bytes, text, base_offset, sealed);
                for (i, span) in group.iter().enumerate() {
                    if (i as u64).is_multiple_of(CANCEL_EVERY)
                        && progress.is_some_and(Progress::cancelled)
                    {
                        break;
                    }
                    parser.record(*span);
                }
                parser.finish(0)
            })
            .collect();
        match outs.last_mut() {
            Some(last) => {
                last.problems.extend(faults);
                last.lines = lines;
            }
            None => {
                let mut parser = ChunkParser::new(&self.accounts, &[], base_offset, sealed);
                parser.out.problems.extend(faults);
                outs.push(parser.finish(lines));
            }
        }
        if let Some(p) = progress {
            p.bytes_done
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            let events: usize = outs.iter().map(|o| o.events.len()).sum();
            p.events.fetch_add(events as u64, Ordering::Relaxed);
        }
        let base = self.lines;
        for mut out in outs {
            self.resolve(&mut out);
            self.merge(out, base);
        }
    }

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

    /// Merges a parsed chunk whose lines are counted from `base`; gives back its emptied lists.
    fn merge(&mut self, mut chunk: ChunkOut, base: u64) -> Buffers {
        debug_assert_eq!(chunk.account_map.len(), chunk.accounts.len(), "resolved");
        let (account_map, type_map) = (&chunk.account_map, &chunk.type_map);
        if let Some(mut head) = chunk.head {
            let mut expected = None;
            match self.link {
                Link::Hash { hash, seq } => {
                    if hash != head.prev {
                        head.faults |= if seq.is_none() && hash == GENESIS {
                            chain_fault::CUT
                        } else {
                            chain_fault::PREV
                        };
                    }
                    head.faults |= seq_fault(head.seq, seq);
                    expected = seq;
                }
                Link::Unknown if head.seq.is_none() => head.faults |= chain_fault::NO_SEQ,
                Link::Open | Link::Unknown => {}
            }
            if head.faults != 0 {
                self.problems.push(chain_problem(
                    base + head.line + 1,
                    head.at,
                    head.faults,
                    head.seq,
                    expected,
                ));
            }
        }
        match chunk.tail {
            Link::Open => {}
            tail => self.link = tail,
        }
        if let Some((line, at)) = chunk.stray_seal
            && self.stray_seal.is_none()
        {
            // Stripping the seal from the first records must not turn a sealed log into an
            // unsealed one that nobody questions.
            self.stray_seal = Some(base + line + 1);
            self.problems.push(Problem::line(
                base + line + 1,
                at,
                ProblemKind::ChainBroken,
                Reason::StraySeal,
            ));
        }
        // Either no record so far had a `seq` (the list is empty), or the list has one per event.
        let keep_seqs = !chunk.seqs.is_empty() || !self.seqs.is_empty();
        if keep_seqs && self.seqs.len() < self.events.len() {
            self.seqs.resize(self.events.len(), NO_SEQ);
        }
        for (i, mut event) in chunk.events.drain(..).enumerate() {
            event.line += base + 1;
            let global = |a: u32| {
                if a & LOCAL != 0 {
                    account_map[(a & !LOCAL) as usize]
                } else {
                    a
                }
            };
            event.account = global(event.account);
            if event.to != NO_ACCOUNT {
                event.to = global(event.to);
            }
            let Ok(kind) = u16::try_from(type_map[event.kind as usize]) else {
                self.problems.push(Problem::line(
                    event.line,
                    event.offset,
                    ProblemKind::BadField,
                    Reason::TooManyTypes,
                ));
                continue;
            };
            event.kind = kind;
            if keep_seqs {
                self.seqs.push(chunk.seqs.get(i).copied().unwrap_or(NO_SEQ));
            }
            self.id_hashes.push(chunk.id_hashes[i]);
            self.events.push(event);
        }
        for p in &mut chunk.problems {
            p.line += base + 1;
        }
        if self.problems.is_empty() {
            // Moved, not copied (a chunk of bad lines holds a million problems).
            self.problems = std::mem::take(&mut chunk.problems);
        } else {
            self.problems.append(&mut chunk.problems);
        }
        self.lines += chunk.lines;
        chunk.id_hashes.clear();
        Buffers {
            events: chunk.events,
            id_hashes: chunk.id_hashes,
        }
    }

    /// Looks at the very end of the input: a last line without a newline.
    pub(crate) fn finish_tail(&mut self, bytes: &[u8]) {
        let last_nl = memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
        let tail = &bytes[last_nl..];
        if tail.iter().all(u8::is_ascii_whitespace) || is_array(bytes) {
            return;
        }
        self.unterminated_tail = true;
        let line = self.lines;
        let bad = self
            .problems
            .iter()
            .rposition(|p| p.line == line && p.kind.is_bad_line());
        if let Some(i) = bad {
            // Its text says so, before what is wrong with the line (see `Ledger::message`).
            self.problems[i].kind = ProblemKind::TornTail;
            // An interrupted write is not an alteration: the records before it are intact, and
            // `verify` says so too.
            self.problems
                .retain(|p| !(p.line == line && p.kind == ProblemKind::ChainBroken));
        } else if self.sealed == Some(true) {
            self.problems.push(Problem::line(
                line,
                last_nl as u64,
                ProblemKind::TornTail,
                Reason::TornRecord,
            ));
        }
    }

    /// Whether the history is tamper-evident, given the problems found in it.
    pub(crate) fn integrity<'p>(&self, problems: impl Iterator<Item = &'p Problem>) -> Integrity {
        if self.sealed != Some(true) && self.stray_seal.is_none() {
            return Integrity::Unsealed;
        }
        match problems
            .filter(|p| p.kind == ProblemKind::ChainBroken)
            .map(|p| p.line)
            .min()
        {
            Some(line) => Integrity::Broken { line },
            None => Integrity::Sealed,
        }
    }
}

/// Reads a source piece by piece, then builds the ledger.
pub struct Builder {
    name: String,
    options: LoadOptions,
    records: Records,
}

impl Builder {
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

    /// Indexes what was read. `raw` holds the records' text at the offsets they were read from;
    /// `source_len` is how far the source was read.
    pub fn build(self, raw: RawSource, source_len: u64, progress: Option<&Progress>) -> Ledger {
        if let Some(p) = progress {
            p.events
                .store(self.records.events.len() as u64, Ordering::Relaxed);
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

/// Cuts a JSON array into its elements. Returns the spans (lines 0-based), the number of lines, and
/// problems for text that is not part of any element.
fn split_array(bytes: &[u8]) -> (Vec<Span>, u64, Vec<Problem>) {
    let mut spans = Vec::new();
    let mut faults = Vec::new();
    let mut line = 0u64;
    let mut i = 0;
    let n = bytes.len();
    // Skip a byte-order mark and whitespace up to `[`.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        i = 3;
    }
    let skip_ws = |i: &mut usize, line: &mut u64| {
        while *i < n && bytes[*i].is_ascii_whitespace() {
            if bytes[*i] == b'\n' {
                *line += 1;
            }
            *i += 1;
        }
    };
    skip_ws(&mut i, &mut line);
    debug_assert_eq!(bytes.get(i), Some(&b'['));
    i += 1;
    let mut closed = false;
    loop {
        skip_ws(&mut i, &mut line);
        if i >= n {
            break;
        }
        if bytes[i] == b']' {
            i += 1;
            closed = true;
            break;
        }
        if bytes[i] == b',' {
            i += 1;
            continue;
        }
        // One element: scan to the comma or bracket that ends it at depth 0.
        let start = i;
        let start_line = line;
        let mut depth = 0i32;
        let mut in_string = false;
        while i < n {
            let c = bytes[i];
            if in_string {
                match c {
                    b'\\' => i += 1,
                    b'"' => in_string = false,
                    b'\n' => line += 1,
                    _ => {}
                }
            } else {
                match c {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => depth -= 1,
                    b',' | b']' if depth == 0 => break,
                    b'\n' => line += 1,
                    _ => {}
                }
            }
            i += 1;
        }
        let mut end = i.min(n);
        while end > start && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        spans.push(Span {
            start,
            end,
            line: start_line,
        });
    }
    // Lines here count from 0, like the spans: merging makes them 1-based.
    if !closed {
        faults.push(Problem::line(
            line,
            n as u64,
            ProblemKind::BadJson,
            Reason::ArrayNotClosed,
        ));
    } else {
        skip_ws(&mut i, &mut line);
        if i < n {
            faults.push(Problem::line(
                line,
                i as u64,
                ProblemKind::BadJson,
                Reason::TextAfterArray,
            ));
        }
    }
    // Lines spanned by the whole text.
    let total_lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    (spans, total_lines, faults)
}

#[cfg(test)]
mod pieces_props;

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Ledger {
        load_bytes(
            "test.jsonl",
            text.as_bytes().to_vec(),
            &LoadOptions::default(),
        )
    }

    fn kinds(l: &Ledger) -> Vec<(u64, &'static str)> {
        l.problems()
            .iter()
            .map(|p| (p.line, p.kind.name()))
            .collect()
    }

    #[test]
    fn bad_lines_are_problems_and_loading_goes_on() {
        let text = "{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}\n\
                    not json\n\
                    \n\
                    {\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":\"x\",\"timestamp\":2}\n\
                    {\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":7,\"timestamp\":3}\n";
        let l = load(text);
        assert_eq!(l.len(), 2);
        assert_eq!(kinds(&l), vec![(2, "bad-json"), (4, "bad-amount")]);
        assert_eq!(l.event(1).line, 5);
    }

    #[test]
    fn invalid_utf8_and_long_lines() {
        let mut bytes =
            b"{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"timestamp\":1,\"amount\":1}\n".to_vec();
        bytes.extend_from_slice(b"{\"accountId\":\"\xff\",\"type\":\"DEPOSIT\",\"timestamp\":1}\n");
        let long = format!(
            "{{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"timestamp\":1,\"meta\":\"{}\"}}\n",
            "x".repeat(MAX_LINE)
        );
        bytes.extend_from_slice(long.as_bytes());
        bytes.extend_from_slice(
            b"{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"timestamp\":2,\"amount\":1}\n",
        );
        let l = load_bytes("t", bytes, &LoadOptions::default());
        assert_eq!(l.len(), 2);
        assert_eq!(kinds(&l), vec![(2, "invalid-utf8"), (3, "line-too-long")]);
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let text = "\u{feff}{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}\r\n\
                    {\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":2}\r\n";
        let l = load(text);
        assert_eq!(l.len(), 2);
        assert!(l.problems().is_empty(), "{:?}", l.problems());
    }

    #[test]
    fn a_json_array_gives_each_element_its_line() {
        let text = "[\n  {\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1},\n  \
                    {\"accountId\":\"a\",\n   \"type\":\"WITHDRAW\",\"amount\":2,\"timestamp\":2},\n  \
                    {\"type\":\"DEPOSIT\",\"timestamp\":3},\n  {\"accountId\":\"b\",\"type\":\"DEPOSIT\",\"amount\":\"1.5\",\"timestamp\":4}\n]\n";
        let l = load(text);
        assert_eq!(l.len(), 3);
        let lines: Vec<u64> = (0..l.len()).map(|i| l.event(i).line).collect();
        assert_eq!(lines, vec![2, 3, 6]);
        assert_eq!(kinds(&l), vec![(5, "missing-field")]);
    }

    #[test]
    fn a_cut_off_array_is_reported() {
        let l = load(
            "[{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1},\n{\"accountId\":\"a\"",
        );
        assert_eq!(l.len(), 1);
        assert!(kinds(&l).iter().any(|(_, k)| *k == "bad-json"));
    }

    #[test]
    fn a_json_lines_log_starting_with_an_array_line_is_read_line_by_line() {
        let text = "[\"schema v1\"]\n\
                    {\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}\n\
                    [garbage\n\
                    {\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":7,\"timestamp\":2}\n";
        let l = load(text);
        assert_eq!(l.len(), 2);
        assert_eq!(kinds(&l), vec![(1, "bad-json"), (3, "bad-json")]);
    }

    #[test]
    fn text_after_an_array_is_reported_on_its_own_line() {
        let l = load(
            "[\n{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}\n]\nxyz ]\n",
        );
        assert_eq!(l.len(), 1);
        assert_eq!(kinds(&l), vec![(4, "bad-json")]);
    }

    #[test]
    fn an_unterminated_bad_last_line_is_a_torn_tail() {
        let l = load(
            "{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}\n{\"accountId\":\"a\",\"ty",
        );
        assert_eq!(kinds(&l), vec![(2, "torn-tail")]);
        // A hand-written file whose last line just lacks a newline is fine.
        let l = load("{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}");
        assert!(l.problems().is_empty());
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn a_log_read_from_an_offset_keeps_its_lines_and_chain() {
        let (first, h1) = chain::seal_line(
            r#"{"seq":1,"accountId":"a","type":"DEPOSIT","amount":"5","timestamp":1"#,
            &GENESIS,
        );
        let (second, h2) = chain::seal_line(
            r#"{"seq":2,"accountId":"a","type":"DEPOSIT","amount":"7","timestamp":2"#,
            &h1,
        );
        let (third, _) = chain::seal_line(
            r#"{"seq":3,"accountId":"b","type":"DEPOSIT","amount":"1","timestamp":3"#,
            &h2,
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        std::fs::write(&path, format!("{first}\n{second}\n{third}\n")).unwrap();
        let offset = first.len() as u64 + 1;
        let resume = Resume {
            offset,
            line: 2,
            prev: h1,
            seq: 1,
        };
        let tail = load_file_from(&path, &LoadOptions::default(), resume).unwrap();
        assert_eq!(tail.len(), 2);
        assert_eq!(tail.event(0).line, 2);
        assert_eq!(tail.event(0).offset, offset);
        assert_eq!(tail.raw_text(1), third);
        assert_eq!(tail.integrity(), Integrity::Sealed);
        assert!(tail.problems().is_empty(), "{:?}", tail.problems());
        // A tail that does not chain to the given hash is broken at its first line.
        let wrong = load_file_from(
            &path,
            &LoadOptions::default(),
            Resume { prev: h2, ..resume },
        );
        assert_eq!(wrong.unwrap().integrity(), Integrity::Broken { line: 2 });
    }

    #[test]
    fn records_keep_their_own_seq_from_the_first_chunk_on() {
        let l = load(
            "{\"seq\":1000,\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":1}\n\
             {\"seq\":1002,\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":5,\"timestamp\":2}\n",
        );
        assert_eq!((l.seq_of(0), l.seq_of(1)), (1000, 1002));
    }

    #[test]
    fn a_log_whose_first_seals_were_stripped_is_broken_not_unsealed() {
        let (first, h1) = chain::seal_line(
            r#"{"seq":1,"accountId":"a","type":"DEPOSIT","amount":"5","timestamp":1"#,
            &GENESIS,
        );
        let (second, _) = chain::seal_line(
            r#"{"seq":2,"accountId":"a","type":"DEPOSIT","amount":"7","timestamp":2"#,
            &h1,
        );
        let stripped = first.split(",\"prev\"").next().unwrap().to_string() + "}";
        let l = load(&format!("{stripped}\n{second}\n"));
        assert_eq!(l.integrity(), Integrity::Broken { line: 2 });
        assert_eq!(kinds(&l), vec![(2, "chain-broken")]);
    }

    #[test]
    fn a_seq_that_does_not_follow_breaks_a_sealed_log_wherever_the_chunks_are_cut() {
        let mut text = String::new();
        let mut prev = GENESIS;
        for i in 1..=60u64 {
            // Line 30 repeats seq 29 (and line 31 then does not follow it), line 45 jumps ahead.
            let seq = match i {
                30 => 29,
                45.. => i + 10,
                _ => i,
            };
            let body = format!(
                r#"{{"seq":{seq},"accountId":"a","type":"DEPOSIT","amount":"1","timestamp":{i}"#
            );
            let (line, hash) = chain::seal_line(&body, &prev);
            text.push_str(&line);
            text.push('\n');
            prev = hash;
        }
        for chunk in [1, 100, 1000, 4096, CHUNK] {
            let l = load_bytes_in(
                "t",
                text.clone().into_bytes(),
                &LoadOptions::default(),
                chunk,
            );
            assert_eq!(
                l.integrity(),
                Integrity::Broken { line: 30 },
                "chunk {chunk}"
            );
            let broken: Vec<u64> = l
                .problems()
                .iter()
                .filter(|p| p.kind == ProblemKind::ChainBroken)
                .map(|p| p.line)
                .collect();
            assert_eq!(broken, vec![30, 31, 45], "chunk {chunk}");
            // The recorded order stays the chain's, never re-sorted by seq.
            assert!((0..l.len()).all(|i| l.event(i).line == i as u64 + 1));
        }
    }

    #[test]
    fn a_cancelled_load_stops_within_a_few_lines_of_a_chunk() {
        let text = "x\n".repeat(100 * CANCEL_EVERY as usize);
        let progress = Progress::default();
        progress.cancel.store(true, Ordering::Relaxed);
        let out = parse_line_chunk(
            &Names::default(),
            text.as_bytes(),
            0,
            false,
            Buffers::default(),
            Some(&progress),
        );
        assert!(out.lines <= CANCEL_EVERY, "{} lines parsed", out.lines);
        let mut records = Records::default();
        let done = records.add_lines_in(text.as_bytes(), 0, Some(&progress), CHUNK, &mut |_| {});
        assert!(!done);
        assert!(records.problems.len() as u64 <= CANCEL_EVERY);
    }

    #[test]
    fn chunked_parsing_matches_one_chunk() {
        // Many lines, so that the file spans several chunks, with bad lines everywhere.
        let mut text = String::new();
        for i in 0..200_000u64 {
            if i % 997 == 0 {
                text.push_str("{broken\n");
            } else {
                text.push_str(&format!(
                    "{{\"accountId\":\"acc-{}\",\"type\":\"DEPOSIT\",\"amount\":\"{}.01\",\"timestamp\":{}}}\n",
                    i % 13,
                    i % 100,
                    1_000 + i
                ));
            }
        }
        assert!(text.len() > 2 * CHUNK);
        let whole = load(&text);
        let single = parse_line_chunk(
            &Names::default(),
            text.as_bytes(),
            0,
            false,
            Buffers::default(),
            None,
        );
        assert_eq!(whole.len(), single.events.len());
        assert_eq!(whole.problems().len(), single.problems.len());
        for (p, q) in whole.problems().iter().zip(&single.problems) {
            assert_eq!(p.line, q.line + 1);
        }
        for i in 0..whole.len() {
            assert_eq!(whole.event(i).line, single.events[i].line + 1);
            assert_eq!(whole.event(i).offset, single.events[i].offset);
        }
    }
}
