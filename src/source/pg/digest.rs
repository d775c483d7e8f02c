//! Digests of a table.
