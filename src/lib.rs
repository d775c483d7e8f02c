//! rewind: a time-travelling explorer for event-sourced ledgers.

pub mod ledger;
