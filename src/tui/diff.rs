//! What changed between two moments (see [`crate::ledger::diff`]).

pub use crate::ledger::diff::{Diff, DiffRow, Point};
