#![no_main]
//! `cargo fuzz run loader`: see `rewind::fuzzing::loader` for what it checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| rewind::fuzzing::loader(data));
