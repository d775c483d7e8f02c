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
}

/// Lines longer than this are not parsed (1 MiB).
pub const MAX_LINE: usize = 1 << 20;

impl ProblemKind {
    pub const ALL: [ProblemKind; 19] = [
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

/// One problem: where, what kind, and a one-line reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file line (1-based), or a database row's position.
    pub line: u64,
    pub kind: ProblemKind,
    pub message: String,
    /// The event it is about, as an index in recorded order, when the line became an event.
    pub event: Option<u32>,
}

impl Problem {
    pub fn line(line: u64, kind: ProblemKind, message: impl Into<String>) -> Problem {
        Problem {
            line,
            kind,
            message: message.into(),
            event: None,
        }
    }

    pub fn event(line: u64, event: u32, kind: ProblemKind, message: impl Into<String>) -> Problem {
        Problem {
            line,
            kind,
            message: message.into(),
            event: Some(event),
        }
    }
}
