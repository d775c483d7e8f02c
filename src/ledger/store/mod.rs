//! The only writer of a log: lock, torn-tail check, head, append, fsync — and `repair`.
//!
//! An append takes an exclusive lock on the log (other writers wait; readers never lock, so they
//! never wait), reads the head from the end of the file without replaying it, writes the whole
//! sealed record and its newline with one `write`, then `fsync`s. Only then is the record
//! acknowledged. A record is never glued onto a torn last line, and nothing here ever truncates a
//! complete record.
//!
//! [`append`] writes one event after the head of the log ([`read_head`]); [`repair`] moves a torn
//! tail aside. Their errors are [`StoreError`]s.

mod append;
mod error;
mod head;
mod repair;

pub use append::{Appended, Expect, append};
pub use error::{Durability, HeadProblem, ReadBack, StoreError};
pub(crate) use head::line_before;
pub use head::{Head, read_head};
pub use repair::{Repaired, repair, torn_path};

#[cfg(test)]
mod tests;
