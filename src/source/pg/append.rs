//! Appends through a store's own write API.
