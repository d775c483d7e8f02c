#![no_main]
//! `cargo fuzz run time`: see `rewind::fuzzing::time` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rewind::fuzzing::time(data));
