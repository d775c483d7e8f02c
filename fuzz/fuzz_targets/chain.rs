#![no_main]
//! `cargo fuzz run chain`: see `rewind::fuzzing::chain` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rewind::fuzzing::chain(data));
