//! What was read from a source so far, in recorded order, before indexing: the events, their
//! names and seqs, the problems of the lines, and where the chain stands.

use super::chain::GENESIS;
use super::event::LedgerEvent;
use super::names::Names;
use super::problem::{Problem, ProblemKind};

/// No `seq` member.
pub(crate) const NO_SEQ: u64 = u64::MAX;

/// The link of the chain a chunk's next record must continue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Link {
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
    pub(crate) const GENESIS: Link = Link::Hash {
        hash: GENESIS,
        seq: None,
    };

    /// The link after a record with this hash and seq.
    pub(crate) fn after(hash: [u8; 32], seq: Option<u64>) -> Link {
        Link::Hash {
            hash,
            seq: seq.map(|s| s.saturating_add(1)),
        }
    }
}

/// Whether the history is tamper-evident.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integrity {
    /// No hashes: everything works, but an edit would go unnoticed.
    Unsealed,
    /// Every record chains to the one before.
    Sealed,
    /// The chain breaks first at this line.
    Broken {
        /// The first line that breaks it, counted from 1.
        line: u64,
    },
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
    pub(super) link: Link,
    /// The last line had no newline (a torn tail, or just a hand-written file).
    pub unterminated_tail: bool,
    /// In a log whose first record is unsealed, the line of the first record that is sealed.
    pub(super) stray_seal: Option<u64>,
    /// What the lines stand for (a topic's messages).
    pub places: super::places::Places,
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
            places: super::places::Places::Lines,
        }
    }
}

impl Records {
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
