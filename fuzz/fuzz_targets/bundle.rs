#![no_main]
//! `cargo fuzz run bundle`: see `rewind::fuzzing::bundle` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rewind::fuzzing::bundle(data));
