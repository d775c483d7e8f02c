//! Problems: everything in a log that is wrong or suspicious, each with the line it is on.
//!
//! Loading never drops anything silently: a line that cannot become an event is a problem, and so
//! is every suspicious fact about a valid event.

use std::fmt;

/// The kinds of problem, with the stable names `rewind check --json` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// The line is not JSON, or not a JSON object.
    BadJson,
    /// The line is not valid UTF-8.
    InvalidUtf8,
    /// The line is longer than [`MAX_LINE`] bytes.
    LineTooLong,
    /// The account, the type or the time is missing.
    MissingField,
    /// A member has the wrong JSON type (an object as account, a negative seq…).
    BadField,
    /// The amount is not an exact decimal.
    BadAmount,
    /// The time is not in a form rewind reads.
    BadTime,
    /// The record gives a member name more than once: the event has no effect.
    DuplicateMember,
    /// The type is in no effect table: the event moves no money.
    UnknownType,
    /// The amount is below zero.
    NegativeAmount,
    /// The timestamp is earlier than the one of the event recorded before it.
    OutOfOrder,
    /// The event id was already used by an earlier event.
    DuplicateId,
    /// Two events carry the same `seq`.
    DuplicateSeq,
    /// An event on an account after it was closed.
    AfterClose,
    /// The event takes a balance below zero.
    Overdraft,
    /// A credit, debit or transfer without an amount, or a transfer without `to`.
    MissingAmount,
    /// The hash chain does not hold at this record.
    ChainBroken,
    /// The last line has no newline at its end: an interrupted write.
    TornTail,
    /// A balance would leave the range of exact decimals.
    Overflow,
    /// An account whose id differs from an earlier account's only by invisible characters,
    /// Unicode normalisation or case (see `ledger::lookalike`).
    LookalikeAccount,
    /// A `[[check]]` of the mapping file holds at the event.
    Check,
}

/// Lines longer than this are not parsed (1 MiB).
pub const MAX_LINE: usize = 1 << 20;

impl ProblemKind {
    pub const ALL: [ProblemKind; 21] = [
        ProblemKind::BadJson,
        ProblemKind::InvalidUtf8,
        ProblemKind::LineTooLong,
        ProblemKind::MissingField,
        ProblemKind::BadField,
        ProblemKind::BadAmount,
        ProblemKind::BadTime,
        ProblemKind::DuplicateMember,
        ProblemKind::UnknownType,
        ProblemKind::NegativeAmount,
        ProblemKind::OutOfOrder,
        ProblemKind::DuplicateId,
        ProblemKind::DuplicateSeq,
        ProblemKind::AfterClose,
        ProblemKind::Overdraft,
        ProblemKind::MissingAmount,
        ProblemKind::ChainBroken,
        ProblemKind::TornTail,
        ProblemKind::Overflow,
        ProblemKind::LookalikeAccount,
        ProblemKind::Check,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::BadJson => "bad-json",
            ProblemKind::InvalidUtf8 => "invalid-utf8",
            ProblemKind::LineTooLong => "line-too-long",
            ProblemKind::MissingField => "missing-field",
            ProblemKind::BadField => "bad-field",
            ProblemKind::BadAmount => "bad-amount",
            ProblemKind::BadTime => "bad-time",
            ProblemKind::DuplicateMember => "duplicate-member",
            ProblemKind::UnknownType => "unknown-type",
            ProblemKind::NegativeAmount => "negative-amount",
            ProblemKind::OutOfOrder => "out-of-order",
            ProblemKind::DuplicateId => "duplicate-id",
            ProblemKind::DuplicateSeq => "duplicate-seq",
            ProblemKind::AfterClose => "after-close",
            ProblemKind::Overdraft => "overdraft",
            ProblemKind::MissingAmount => "missing-amount",
            ProblemKind::ChainBroken => "chain-broken",
            ProblemKind::TornTail => "torn-tail",
            ProblemKind::Overflow => "overflow",
            ProblemKind::LookalikeAccount => "lookalike-account",
            ProblemKind::Check => "check",
        }
    }

    /// Whether the line could not become an event at all.
    pub fn is_bad_line(self) -> bool {
        matches!(
            self,
            ProblemKind::BadJson
                | ProblemKind::InvalidUtf8
                | ProblemKind::LineTooLong
                | ProblemKind::MissingField
                | ProblemKind::BadField
                | ProblemKind::BadAmount
                | ProblemKind::BadTime
        )
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One problem: where, what kind, and why — kept as the parts of the reason (a few bytes), its
/// one-line text built only when it is shown ([`Ledger::message`]): a log of ten million bad
/// lines holds ten million problems.
///
/// [`Ledger::message`]: super::Ledger::message
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file line (1-based), or a database row's position.
    pub line: u64,
    /// Where in the source the record (or text) it is about starts. Problems are listed by line,
    /// then by this, then by kind: on a line holding several records (a JSON array), each
    /// record's problems come together, in the order of the records.
    pub at: u64,
    pub kind: ProblemKind,
    /// The event it is about (an index in recorded order), or [`NO_EVENT`].
    event: u32,
    pub(crate) reason: Reason,
}

/// [`Problem::event`] of a line that did not become an event.
const NO_EVENT: u32 = u32::MAX;

/// What a problem's text is made of. Payloads are byte arrays so that the whole problem stays
/// small (40 bytes); everything else the text says is read from the ledger when it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// A record that cannot become an event: why is read again from its `len` bytes at `at`
    /// (the very check the loader made; see [`super::load::diagnose`]).
    Record {
        len: [u8; 4],
    },
    /// A line over [`MAX_LINE`] bytes.
    TooLong {
        len: [u8; 8],
    },
    /// The last record of a sealed log has no newline.
    TornRecord,
    /// A blank line in a sealed log.
    BlankInSealed,
    /// The chain breaks at a line that is not a valid record.
    NotARecord,
    /// A record without `prev`/`hash` in a sealed log.
    NoSeal,
    /// A sealed record that does not chain: [`chain_fault`] bits, with the record's seq and the
    /// seq of the record before for [`chain_fault::SEQ_JUMP`].
    Chain {
        faults: u8,
        seq: [u8; 8],
        before: [u8; 8],
    },
    /// A sealed record in a log whose first record is not.
    StraySeal,
    /// More event types than an event can name.
    TooManyTypes,
    ArrayNotClosed,
    TextAfterArray,
    /// Said from the event alone (an unknown type, a negative amount, a missing amount, a member
    /// given twice).
    Event,
    /// A transfer without `to`.
    MissingTo,
    /// Recorded after the event `previous`, whose time is later.
    OutOfOrder {
        previous: [u8; 4],
    },
    /// The id, or the seq, of event `first`.
    DuplicateId {
        first: [u8; 4],
    },
    DuplicateSeq {
        first: [u8; 4],
    },
    /// `side` 0 is the event's account, 1 the other side of a transfer.
    AfterClose {
        side: u8,
    },
    Overdraft {
        side: u8,
        before: [u8; 16],
    },
    Overflow {
        side: u8,
    },
    /// Account `account` looks like account `original`, whose first event is `first`.
    Lookalike {
        account: [u8; 4],
        original: [u8; 4],
        first: [u8; 4],
    },
    /// The `[[check]]` of this number in the mapping file.
    Check {
        check: [u8; 2],
    },
}

/// The bits of [`Reason::Chain`], in the order their texts are joined.
pub(crate) mod chain_fault {
    /// `prev` and `hash` are not the last two members.
    pub const NOT_LAST: u8 = 1;
    /// The hash does not match the record's bytes.
    pub const ALTERED: u8 = 2;
    /// `prev` is not the hash of the record before.
    pub const PREV: u8 = 4;
    /// The first record's `prev` is not the genesis.
    pub const CUT: u8 = 8;
    /// No `seq`.
    pub const NO_SEQ: u8 = 16;
    /// Seq 0 on the first record.
    pub const SEQ_ZERO: u8 = 32;
    /// A seq that is not the one before plus one.
    pub const SEQ_JUMP: u8 = 64;

    /// Each bit's text.
    pub const TEXTS: [(u8, &str); 4] = [
        (NOT_LAST, "`prev` and `hash` must be the last two members"),
        (
            ALTERED,
            "the hash does not match the record's bytes (the record was altered)",
        ),
        (
            PREV,
            "`prev` is not the hash of the record before (a record was inserted, removed or moved)",
        ),
        (
            CUT,
            "the first record's `prev` is not 64 zeros (the start of the log was cut off)",
        ),
    ];
}

impl Problem {
    /// A problem about a line (or a record) that is not about an event's meaning.
    pub(crate) fn line(line: u64, at: u64, kind: ProblemKind, reason: Reason) -> Problem {
        Problem {
            line,
            at,
            kind,
            event: NO_EVENT,
            reason,
        }
    }

    /// A problem about event `event`, whose record starts at `at`.
    pub(crate) fn on_event(
        line: u64,
        at: u64,
        event: u32,
        kind: ProblemKind,
        reason: Reason,
    ) -> Problem {
        Problem {
            line,
            at,
            kind,
            event,
            reason,
        }
    }

    /// The event it is about, as an index in recorded order, when the line became an event.
    pub fn event(&self) -> Option<u32> {
        (self.event != NO_EVENT).then_some(self.event)
    }

    /// The order problems are listed in.
    pub(crate) fn order(&self) -> (u64, u64, ProblemKind) {
        (self.line, self.at, self.kind)
    }
}

impl super::Ledger {
    /// The kinds of the problems about event `i` (an index in recorded order), in the order they
    /// are listed; none for most events, found by the line they are on.
    pub fn problem_kinds(&self, i: usize) -> Vec<ProblemKind> {
        let e = self.event(i);
        if e.flags & super::event::flags::PROBLEM == 0 {
            return Vec::new();
        }
        let problems = self.problems();
        let start = problems.partition_point(|p| p.line < e.line);
        problems[start..]
            .iter()
            .take_while(|p| p.line == e.line)
            .filter(|p| p.event() == Some(i as u32))
            .map(|p| p.kind)
            .collect()
    }

    /// The names of [`problem_kinds`](Self::problem_kinds), as rows of statements and exports
    /// carry them.
    pub fn problem_names(&self, i: usize) -> Vec<&'static str> {
        self.problem_kinds(i)
            .into_iter()
            .map(ProblemKind::name)
            .collect()
    }
}
