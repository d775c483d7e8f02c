//! The explorer.

use crate::cli::{Outcome, SourceOptions};

/// Opens the explorer on a log (the bundled sample when `file` is `None`).
pub fn run(file: Option<&str>, options: &SourceOptions) -> Outcome {
    let ledger = crate::cli::open(file, options)?;
    println!("{}: {} events", ledger.name(), ledger.len());
    Ok(0)
}
