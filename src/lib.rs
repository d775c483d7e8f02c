//! rewind: a time-travelling explorer for event-sourced ledgers.
//!
//! [`ledger`] is the core (no terminal code); [`cli`] the headless commands; [`tui`] the explorer.

// Output goes through `cli::output`, which reports a failed write (a full disk) instead of
// panicking as `println!` does.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod ledger;
pub mod source;
pub mod text;
pub mod tui;

/// The checks of the fuzz targets in `fuzz/`: each takes the fuzzer's bytes and panics when rewind
/// disagrees with its reference. `cargo test` runs them on every saved input.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
