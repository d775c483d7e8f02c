#![no_main]
//! `cargo fuzz run snapshot`: see `rewind::fuzzing::snapshot` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rewind::fuzzing::snapshot(data));
