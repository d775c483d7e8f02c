#![no_main]
//! `cargo fuzz run scanner`: see `rewind::fuzzing::scanner` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rewind::fuzzing::scanner(data));
