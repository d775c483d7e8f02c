//! Where events are in a database, and how one row becomes one record.
//!
//! Every row is rendered as one JSON object with FORMAT.md's canonical member names ("Members and
//! their aliases"), so that the very same parser, problems and replay engine read it. Values from a
//! JSON document in the row (an amount, an account) are copied as their raw JSON text: an amount
//! stored as a JSON number keeps its exact digits, never passing through binary floating point.

mod eventsourcing;
mod json;
mod members;
mod message_db;
mod query;

use std::fmt::Write as _;

use super::copy::Tuple;
use crate::ledger::record::ALIASES;
use eventsourcing::render_eventsourcing;
pub(crate) use members::top_members;
use message_db::render_message_db;
use query::render_query;

/// Which store's schema a database follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Message DB: `message_store.messages`.
    MessageDb,
    /// The Python `eventsourcing` library's stored events table (JSON in `state`).
    Eventsourcing { table: String },
    /// Any SELECT whose columns use the canonical names (a `data` JSON column is read too).
    Query { sql: String },
}

/// Which rows to read: all, or those after a position plus some positions below it.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub after: Option<u64>,
    pub also: Vec<u64>,
}

impl Filter {
    fn clause(&self, column: &str) -> String {
        let Some(after) = self.after else {
            return String::new();
        };
        let mut out = format!(" WHERE {column} > {after}");
        if !self.also.is_empty() {
            let list: Vec<String> = self.also.iter().map(u64::to_string).collect();
            let _ = write!(
                out,
                " OR {column} = ANY('{{{}}}'::bigint[])",
                list.join(",")
            );
        }
        out
    }
}

/// Quotes a possibly schema-qualified name (`schema.table`) as SQL identifiers.
pub fn quote_name(name: &str) -> String {
    name.split('.')
        .map(|part| format!("\"{}\"", part.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(".")
}

impl Layout {
    /// The table whose planner statistics estimate the number of rows (for progress).
    pub fn table(&self) -> Option<String> {
        match self {
            Layout::MessageDb => Some("message_store.messages".to_string()),
            Layout::Eventsourcing { table } => Some(quote_name(table)),
            Layout::Query { .. } => None,
        }
    }

    /// What the source reads, for messages.
    pub fn describe(&self) -> String {
        match self {
            Layout::MessageDb => "message_store.messages".to_string(),
            Layout::Eventsourcing { table } => table.clone(),
            Layout::Query { .. } => "the query".to_string(),
        }
    }

    /// What a database must have for this layout (shown after a missing table or column).
    pub fn expects(&self) -> String {
        match self {
            Layout::MessageDb => {
                "the message-db preset reads message_store.messages(global_position, \
                 position, id, stream_name, type, time, data, metadata)"
                    .to_string()
            }
            Layout::Eventsourcing { table } => format!(
                "the eventsourcing preset reads {table}(notification_id, originator_id, \
                 originator_version, topic, state)"
            ),
            Layout::Query { .. } => {
                "--query must be a SELECT whose columns use the canonical names".to_string()
            }
        }
    }

    /// The column (or expression) that orders the rows: the position a problem's line is.
    fn position(&self) -> &'static str {
        match self {
            Layout::MessageDb => "global_position",
            Layout::Eventsourcing { .. } => "notification_id",
            Layout::Query { .. } => "q.seq",
        }
    }

    /// The SELECT whose rows [`Layout::render`] reads (as binary COPY). A whole table is read in
    /// its physical order (for these append-only tables, the order of position, and cheaper for
    /// the server than walking the index); the ledger orders rows by position in any case. Rows
    /// after a position are read in order.
    pub fn select(&self, filter: &Filter) -> String {
        let pos = self.position();
        let order = |column: &str| {
            if filter.after.is_some() {
                format!(" ORDER BY {column}")
            } else {
                String::new()
            }
        };
        match self {
            Layout::MessageDb => format!(
                "SELECT global_position, position, id, stream_name, type, time, data, metadata \
                 FROM message_store.messages{}{}",
                filter.clause(pos),
                order("global_position")
            ),
            Layout::Eventsourcing { table } => format!(
                "SELECT notification_id, originator_id::text, originator_version, topic, state \
                 FROM {}{}{}",
                quote_name(table),
                filter.clause(pos),
                order("notification_id")
            ),
            Layout::Query { sql } => {
                let order = if filter.after.is_some() {
                    " ORDER BY q.seq"
                } else {
                    ""
                };
                format!(
                    "SELECT row_to_json(q)::text FROM ({}) AS q{}{order}",
                    trim_sql(sql),
                    filter.clause(pos)
                )
            }
        }
    }

    /// For `--query`: a statement whose result columns are the query's (prepared, never run).
    pub(crate) fn columns_probe(&self) -> Option<String> {
        match self {
            Layout::Query { sql } => Some(format!("SELECT * FROM ({}) AS q", trim_sql(sql))),
            _ => None,
        }
    }

    /// For `--query`: what its columns lack to make events, or `None`. Without a `data` column,
    /// the account, the type and the time each need a column under one of their names.
    pub fn missing_columns(&self, columns: &[&str]) -> Option<String> {
        if !matches!(self, Layout::Query { .. }) || columns.contains(&"data") {
            return None;
        }
        let missing: Vec<String> = ALIASES
            .iter()
            .filter(|(c, _)| matches!(*c, "accountId" | "type" | "timestamp"))
            .filter(|(_, names)| !names.iter().any(|n| columns.contains(n)))
            .map(|(c, names)| format!("{c} ({})", names.join("/")))
            .collect();
        if missing.is_empty() {
            return None;
        }
        Some(format!(
            "--query gives no column for {} and no `data` column to read them from (its columns: {})",
            missing.join(", "),
            if columns.is_empty() {
                "none".to_string()
            } else {
                columns.join(", ")
            }
        ))
    }

    /// The SELECT whose rows a digest covers: every column as text, in a form that does not depend
    /// on session settings (see the README, "PostgreSQL event stores").
    pub fn digest_select(&self) -> String {
        match self {
            Layout::MessageDb => "SELECT global_position::text, position::text, id::text, \
                 stream_name, type, to_char(time, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), data::text, \
                 metadata::text FROM message_store.messages ORDER BY global_position"
                .to_string(),
            Layout::Eventsourcing { table } => format!(
                "SELECT notification_id::text, originator_id::text, originator_version::text, \
                 topic, state FROM {} ORDER BY notification_id",
                quote_name(table)
            ),
            Layout::Query { sql } => {
                format!("SELECT row_to_json(q)::text FROM ({}) AS q", trim_sql(sql))
            }
        }
    }

    /// The position of a digest row (its first field), or `None` when the layout has none.
    pub fn digest_position(&self, t: &Tuple) -> Option<u64> {
        match self {
            Layout::Query { .. } => t
                .text(0)
                .and_then(|row| top_members(row, &["seq"]))
                .and_then(|m| m[0].and_then(|v| v.get().parse().ok())),
            _ => t.text(0).and_then(|s| s.parse().ok()),
        }
    }

    /// Renders one row as a JSON object at the end of `out`; returns the row's position (its
    /// problems' line), `ordinal` (1-based) when it has none.
    pub fn render(&self, t: &Tuple, ordinal: u64, out: &mut Vec<u8>) -> u64 {
        match self {
            Layout::MessageDb => render_message_db(t, ordinal, out),
            Layout::Eventsourcing { .. } => render_eventsourcing(t, ordinal, out),
            Layout::Query { .. } => render_query(t, ordinal, out),
        }
    }
}

/// A user's SQL without a trailing semicolon.
fn trim_sql(sql: &str) -> &str {
    sql.trim().trim_end_matches(';').trim_end()
}

#[cfg(test)]
mod tests;
