//! rewind: a time-travelling explorer for event-sourced ledgers.
//!
//! [`ledger`] is the core (no terminal code); [`cli`] the headless commands; [`tui`] the explorer.

pub mod cli;
pub mod ledger;
pub mod source;
pub mod text;
pub mod tui;
