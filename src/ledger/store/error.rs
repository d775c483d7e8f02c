//! Why a write was refused or failed.

use std::io;
use std::path::Path;

use crate::ledger::chain::Digest256;
use crate::ledger::new_event::Invalid;
use crate::ledger::record;

/// Why a write was refused or failed. The message names the file (and the line where there is
/// one); what to do about it is the front-end's to say.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The event may not be written; nothing was written.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The last line has no newline (an interrupted write); nothing is appended after it.
    #[error(
        "{name}:{line}: the last line is incomplete (no newline at its end: an interrupted \
         write); nothing is appended after it"
    )]
    TornTail { name: String, line: u64 },
    /// The file holds only blank lines.
    #[error("{name}: the file holds only blank lines, it is not a sealed log")]
    OnlyBlank { name: String },
    /// Blank lines follow the last record; nothing is appended after them.
    #[error(
        "{name}:{line}: the log ends with a blank line, which rewind never writes; nothing is \
         appended after it"
    )]
    TrailingBlank { name: String, line: u64 },
    /// The last record cannot be the head of a sealed log.
    #[error("{name}:{line}: {problem}")]
    BadHead {
        name: String,
        line: u64,
        problem: HeadProblem,
    },
    /// The record would be longer than a line may be; nothing was written.
    #[error(
        "{name}: the record would be {bytes} bytes, over the 1 MiB a line may hold; nothing was \
         written"
    )]
    TooLong { name: String, bytes: usize },
    /// A head was expected at a seq other than 0, and the log does not exist.
    #[error(
        "{name}: the head was expected at seq {expected}, but the log does not exist yet (its \
         head is at seq 0)"
    )]
    NoLog { name: String, expected: u64 },
    /// The path is a symbolic link to nothing; a log is never created through a link.
    #[error(
        "{name}: a symbolic link to a file that does not exist; append never creates a log \
         through a link"
    )]
    DanglingLink { name: String },
    /// The event id is in the log with other content; nothing was written.
    #[error(
        "{name}:{line}: event id `{}` is already in the log with other content; nothing was \
         written",
        crate::text::escape_control(.id)
    )]
    IdTaken { name: String, line: u64, id: String },
    /// The head is not at the seq the append expected; nothing was written.
    #[error(
        "{name}: the head was expected at seq {expected}, but it is at seq {} (head {head}); \
         nothing was written",
        .head.seq
    )]
    HeadMoved {
        name: String,
        expected: u64,
        head: Digest256,
    },
    /// The head carries the largest seq there is; nothing was written.
    #[error(
        "{name}: the head is at seq {seq}, the largest seq a record may carry ({}): no record \
         can follow it; nothing was written",
        record::MAX_SEQ
    )]
    SeqsExhausted { name: String, seq: u64 },
    /// The record built would not read back as the event; nothing was written.
    #[error(
        "{name}: the record would not read back as the event asked for ({why}); nothing was \
         written"
    )]
    WouldNotReadBack { name: String, why: ReadBack },
    /// `repair` works on logs only; nothing was changed.
    #[error("{name}: not a log: {why} (repair works on JSON Lines logs); nothing was changed")]
    NotALog { name: String, why: &'static str },
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    /// The record was written but could not be made durable: it is not acknowledged.
    #[error("{name}: the record (event id {id}) was written{failure}")]
    NotDurable {
        name: String,
        id: String,
        failure: Durability,
    },
    /// A failed write could not be taken back: the log may end with a torn line.
    #[error(
        "{name}: the write failed ({why}) and could not be taken back ({undo}): the log may end \
         with a torn line"
    )]
    TornWrite {
        name: String,
        why: String,
        undo: io::Error,
    },
}

/// Why the last record of a file cannot be the head a record is appended after.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeadProblem {
    #[error("the last line is over 1 MiB: it is not a record")]
    TooLong,
    #[error("the last line is not UTF-8: it is not a record")]
    NotUtf8,
    #[error("the last line is not a record ({0})")]
    NotRecord(String),
    #[error("the log is not sealed (its last record has no `prev`/`hash`)")]
    NotSealed,
    #[error("the last record's hash does not match its bytes (it was altered)")]
    Altered,
    #[error("the last record has no `seq`, so the next one cannot be numbered")]
    NoSeq,
    #[error("a blank line stands before the last record, which rewind never writes")]
    BlankBefore,
    #[error("the line before the last record is not a sealed record with a seq")]
    PreviousUnsealed,
    #[error(
        "the last record's `prev` is not the hash of the record before it (the log was altered)"
    )]
    PrevMismatch,
    #[error(
        "the last record is seq {seq}, but the record before it is seq {before}: the seqs of a \
         sealed log go up by one (the log was altered)"
    )]
    SeqGap { seq: u64, before: u64 },
    #[error(
        "the only record is seq 0, but the seqs of a sealed log start from 1 (seq 0 is the empty \
         log)"
    )]
    SeqZero,
}

/// Why a record built for an event would not read back as that event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadBack {
    #[error("{0}")]
    Unreadable(String),
    #[error("a member is given twice")]
    Repeated,
    #[error("its fields differ")]
    Differs,
}

/// Why a written record is not durable.
#[derive(Debug, thiserror::Error)]
pub enum Durability {
    /// `fsync` failed: the kernel no longer says whether the data reached the disk.
    #[error(" but fsync failed ({0}): it is not acknowledged and may not survive a crash")]
    Fsync(io::Error),
    /// The first record's folder entry could not be synced.
    #[error(", but the folder could not be synced ({0}): it is not acknowledged")]
    Folder(io::Error),
}

pub(super) fn io_error(path: &Path) -> impl Fn(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}
