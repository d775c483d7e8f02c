#![no_main]
//! `cargo fuzz run money`: see `rewind::fuzzing::money` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rewind::fuzzing::money(data));
