//! What every view of the explorer shares: the time cursor and the timeline's model.

pub mod timeline;
