//! The integration tests, as one binary (it links once, not once a file): one module per area.
//!
//! Tests that need a PostgreSQL server are `#[ignore = "needs PostgreSQL"]`: a plain `cargo test`
//! lists them as ignored, and `cargo test --test it -- --ignored` runs them (they fail without a
//! server); `.ci/run` starts one and runs both. proptest keeps the cases that once failed in
//! `tests/proptest-regressions/MODULE.txt` and runs them first.

// A test may unwrap: a panic here is a failed run, with its line.
#![allow(clippy::unwrap_used)]

mod common;
mod fakepg;
mod pgdb;

mod app;
mod cli_read;
mod completions;
mod evidence;
mod flags;
mod format_spec;
mod hostile_text;
mod integrity;
mod interrupt;
mod investigate;
mod kafka;
mod kafka_secrets;
mod pg_deadlines;
mod pg_follow;
mod pg_read;
mod pg_secrets;
mod pg_tls;
mod pg_verify_append;
mod pty;
mod readme;
mod render;
mod replay_props;
mod snapshot_cli;
mod snapshot_props;
mod state;
mod state_card;
mod state_when;
mod store;
mod store_processes;
mod writers;
