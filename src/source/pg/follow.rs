//! Following a database.

/// How a follower waits for positions.
#[derive(Clone, Debug)]
pub struct FollowOptions {}

/// Follows a database.
pub struct Follower {}
