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
    TornTail {
        /// The log's path, as the message shows it.
        name: String,
        /// The torn last line, counted from 1.
        line: u64,
    },
    /// The file holds only blank lines.
    #[error("{name}: the file holds only blank lines, it is not a sealed log")]
    OnlyBlank {
        /// The log's path, as the message shows it.
        name: String,
    },
    /// Blank lines follow the last record; nothing is appended after them.
    #[error(
        "{name}:{line}: the log ends with a blank line, which rewind never writes; nothing is \
         appended after it"
    )]
    TrailingBlank {
        /// The log's path, as the message shows it.
        name: String,
        /// The first blank line after the last record, counted from 1.
        line: u64,
    },
    /// The last record cannot be the head of a sealed log.
    #[error("{name}:{line}: {problem}")]
    BadHead {
        /// The log's path, as the message shows it.
        name: String,
        /// The last record's line, counted from 1.
        line: u64,
        /// What is wrong with the last record.
        problem: HeadProblem,
    },
    /// The record would be longer than a line may be; nothing was written.
    #[error(
        "{name}: the record would be {bytes} bytes, over the 1 MiB a line may hold; nothing was \
         written"
    )]
    TooLong {
        /// The log's path, as the message shows it.
        name: String,
        /// The length the record would have, in bytes (without its newline).
        bytes: usize,
    },
    /// A head was expected at a seq other than 0, and the log does not exist.
    #[error(
        "{name}: the head was expected at seq {expected}, but the log does not exist yet (its \
         head is at seq 0)"
    )]
    NoLog {
        /// The log's path, as the message shows it.
        name: String,
        /// The seq the head was expected at.
        expected: u64,
    },
    /// The path is a symbolic link to nothing; a log is never created through a link.
    #[error(
        "{name}: a symbolic link to a file that does not exist; append never creates a log \
         through a link"
    )]
    DanglingLink {
        /// The log's path, as the message shows it.
        name: String,
    },
    /// The event id is in the log with other content; nothing was written.
    #[error(
        "{name}:{line}: event id `{}` is already in the log with other content; nothing was \
         written",
        crate::text::escape_control(.id)
    )]
    IdTaken {
        /// The log's path, as the message shows it.
        name: String,
        /// The line of the record that holds the id, counted from 1.
        line: u64,
        /// The event id asked for.
        id: String,
    },
    /// The head is not at the seq the append expected; nothing was written.
    #[error(
        "{name}: the head was expected at seq {expected}, but it is at seq {} (head {head}); \
         nothing was written",
        .head.seq
    )]
    HeadMoved {
        /// The log's path, as the message shows it.
        name: String,
        /// The seq the head was expected at.
        expected: u64,
        /// The head the log has: its seq and hash.
        head: Digest256,
    },
    /// The head carries the largest seq there is; nothing was written.
    #[error(
        "{name}: the head is at seq {seq}, the largest seq a record may carry ({}): no record \
         can follow it; nothing was written",
        record::MAX_SEQ
    )]
    SeqsExhausted {
        /// The log's path, as the message shows it.
        name: String,
        /// The head's seq.
        seq: u64,
    },
    /// The record built would not read back as the event; nothing was written.
    #[error(
        "{name}: the record would not read back as the event asked for ({why}); nothing was \
         written"
    )]
    WouldNotReadBack {
        /// The log's path, as the message shows it.
        name: String,
        /// How the record differs from the event.
        why: ReadBack,
    },
    /// `repair` works on logs only; nothing was changed.
    #[error("{name}: not a log: {why} (repair works on JSON Lines logs); nothing was changed")]
    NotALog {
        /// The log's path, as the message shows it.
        name: String,
        /// What the file is instead (a JSON array, no line that reads as a record).
        why: &'static str,
    },
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file's path, as the message shows it.
        path: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// The record was written but could not be made durable: it is not acknowledged.
    #[error("{name}: the record (event id {id}) was written{failure}")]
    NotDurable {
        /// The log's path, as the message shows it.
        name: String,
        /// The event id of the record written.
        id: String,
        /// Which sync failed.
        failure: Durability,
    },
    /// A failed write could not be taken back: the log may end with a torn line.
    #[error(
        "{name}: the write failed ({why}) and could not be taken back ({undo}): the log may end \
         with a torn line"
    )]
    TornWrite {
        /// The log's path, as the message shows it.
        name: String,
        /// How the write failed (an error, or how many of the bytes were written).
        why: String,
        /// Why the log could not be cut back to its length before the write.
        undo: io::Error,
    },
}

/// Why the last record of a file cannot be the head a record is appended after.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeadProblem {
    /// The last line is over 1 MiB, longer than any record may be.
    #[error("the last line is over 1 MiB: it is not a record")]
    TooLong,
    /// The last line is not UTF-8.
    #[error("the last line is not UTF-8: it is not a record")]
    NotUtf8,
    /// The last line does not read as a record; holds why.
    #[error("the last line is not a record ({0})")]
    NotRecord(String),
    /// The last record has no `prev`/`hash`: the log is not sealed.
    #[error("the log is not sealed (its last record has no `prev`/`hash`)")]
    NotSealed,
    /// The last record's hash does not match its bytes.
    #[error("the last record's hash does not match its bytes (it was altered)")]
    Altered,
    /// The last record has no `seq`, so the next one cannot be numbered.
    #[error("the last record has no `seq`, so the next one cannot be numbered")]
    NoSeq,
    /// A blank line stands between the last record and the one before it.
    #[error("a blank line stands before the last record, which rewind never writes")]
    BlankBefore,
    /// The line before the last record is not a sealed record with a seq.
    #[error("the line before the last record is not a sealed record with a seq")]
    PreviousUnsealed,
    /// The last record's `prev` is not the hash of the record before it.
    #[error(
        "the last record's `prev` is not the hash of the record before it (the log was altered)"
    )]
    PrevMismatch,
    /// The last record's seq does not follow the seq of the record before it.
    #[error(
        "the last record is seq {seq}, but the record before it is seq {before}: the seqs of a \
         sealed log go up by one (the log was altered)"
    )]
    SeqGap {
        /// The last record's seq.
        seq: u64,
        /// The seq of the record before it.
        before: u64,
    },
    /// The only record is seq 0, which is the empty log's seq.
    #[error(
        "the only record is seq 0, but the seqs of a sealed log start from 1 (seq 0 is the empty \
         log)"
    )]
    SeqZero,
}

/// Why a record built for an event would not read back as that event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadBack {
    /// The record does not read back at all; holds why.
    #[error("{0}")]
    Unreadable(String),
    /// The record gives a member twice.
    #[error("a member is given twice")]
    Repeated,
    /// The record reads back as another event (a field differs).
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
