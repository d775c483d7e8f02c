#![no_main]
//! `cargo fuzz run url`: see `rewind::fuzzing::url` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rewind::fuzzing::url(data));
