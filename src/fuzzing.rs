//! The checks behind the fuzz targets (`fuzz/fuzz_targets/*.rs`), one function per target. Each
//! takes arbitrary bytes and panics when rewind disagrees with an independent reference or breaks
//! a promise of the README; the unit tests (`fuzzing/tests.rs`) run every saved input of
//! `fuzz/corpus/<target>/` and `fuzz/artifacts/<target>/` through them, so a bug a fuzzer found
//! stays fixed.
//!
//! | target | what it holds rewind to |
//! |---|---|
//! | `scanner` | the fast record scanner against serde_json (same members, valid JSON objects only) |
//! | `money` | amounts against exact big-integer arithmetic |
//! | `time` | times against chrono's parsers, and the formatter against the parser |
//! | `loader` | a log loaded in chunks of any size against one pass; a JSON array laid out two ways |
//! | `chain` | `verify` on a sealed log under tampering: what it lets pass is what the chain proves |
//! | `snapshot` | the snapshot reader on damaged snapshots: refused, or bound and exact |
//! | `url` | PostgreSQL URLs: what is shown never depends on the password |
//! | `checkpoint` | signed checkpoints, damaged: refused, or the sample's own tree under its key |
//! | `bundle` | evidence bundles, damaged: refused, or only the sample's records, byte for byte |

mod evidence;
mod logs;
mod pg_url;
#[cfg(test)]
mod tests;
mod values;

pub use evidence::{bundle, checkpoint};
pub use logs::{chain, loader, snapshot, snapshot_log_lines};
pub use pg_url::url;
pub use values::{check_money, check_time, money, scanner, time};
