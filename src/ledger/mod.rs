//! The core of rewind: reading a log, replaying it to any moment, checking its chain.
//!
//! Nothing in here knows about terminals; the command line and the explorer both ask these types.

pub mod bundle;
pub mod chain;
pub mod checkpoint;
pub mod condition;
pub mod event;
mod explain;
pub mod files;
pub mod follow;
pub mod generate;
mod index;
pub mod load;
pub mod log_tree;
mod lookalike;
mod memory;
pub mod merkle;
pub mod money;
mod names;
pub mod problem;
pub mod record;
pub mod remembered;
pub mod replay;
pub mod search;
pub mod snapshot;
pub mod state;
pub mod store;
pub mod time;

pub use event::{AccountId, Effect, LedgerEvent, TypeMap};
pub use explain::Explainer;
pub use index::{Integrity, Ledger, Posting, RawSource, SourceBytes};
pub use load::{
    Builder, Depth, LoadError, LoadOptions, Progress, RecordSpan, Resume, load_bytes, load_file,
    load_file_from,
};
pub use money::Money;
pub use problem::{Problem, ProblemKind};
pub use replay::{AccountState, Moment};
pub use time::Millis;
