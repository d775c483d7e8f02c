//! Where a log is read from: a file (see [`crate::ledger::load_file`]) or a PostgreSQL event
//! store ([`pg`]). Both end in the same [`crate::ledger::Ledger`].

pub mod pg;
