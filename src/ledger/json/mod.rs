//! JSON by hand, in two places only: [`read`] walks JSON text without building it (the fast path
//! of loading), [`write`] writes it straight into the bytes of a record. Both are held to
//! serde_json by their property tests: what `read` takes, serde_json reads the same way; what
//! `write` writes, serde_json parses to the value it was given.

pub mod read;
pub mod write;
