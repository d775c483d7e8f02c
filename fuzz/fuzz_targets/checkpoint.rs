#![no_main]
//! `cargo fuzz run checkpoint`: see `rewind::fuzzing::checkpoint` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rewind::fuzzing::checkpoint(data));
