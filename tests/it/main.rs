//! The integration tests, as one binary (it links once, not once a file): one module per area.

mod common;
mod fakepg;
mod pgdb;

mod app;
mod cli_read;
mod evidence;
mod format_spec;
mod hostile_text;
mod integrity;
mod interrupt;
mod investigate;
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
mod store;
mod store_processes;
mod writers;
