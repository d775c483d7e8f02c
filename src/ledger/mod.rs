#![warn(missing_docs)]
//! The core of rewind: reading a log, replaying it to any moment, checking its chain.
//!
//! Nothing in here knows about terminals; the command line and the explorer both ask these types.

mod apply;
mod book;
pub mod bundle;
pub mod cells;
pub mod chain;
pub mod checkpoint;
pub mod condition;
pub mod diff;
mod duplicates;
pub mod event;
mod explain;
mod extend;
pub mod files;
pub mod follow;
pub mod generate;
pub mod json;
pub mod load;
pub mod log_tree;
mod lookalike;
mod memory;
pub mod merkle;
pub mod money;
mod names;
pub mod near_duplicates;
pub mod new_event;
mod order;
pub mod places;
pub mod problem;
pub mod query;
mod raw;
pub mod record;
mod recorded;
pub mod remembered;
pub mod seal;
pub mod search;
pub mod snapshot;
pub mod state;
pub mod statement;
pub mod store;
pub mod stories;
pub mod time;
pub mod verify;

pub use book::{Depth, Ledger, Posting};
pub use event::{AccountId, Effect, LedgerEvent, TypeMap};
pub use explain::Explainer;
pub use load::{
    Builder, LoadError, LoadOptions, Pace, Phase, Progress, RecordSpan, Resume, load_bytes,
    load_file, load_file_from,
};
pub use money::Money;
pub use places::{MessagePlace, Place, Places};
pub use problem::{Problem, ProblemKind};
pub use query::{AccountState, Moment};
pub use raw::{RawSource, SourceBytes};
pub use recorded::Integrity;
pub use time::Millis;
