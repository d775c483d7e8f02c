//! Why a database could not be read or written, in one line that never shows a password.

use tokio_postgres::error::SqlState;

/// What went wrong, broadly: callers map every kind to "could not do it" except a refused append.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PgErrorKind {
    /// The URL or the options do not describe a source.
    Usage,
    /// The server could not be reached.
    Connect,
    /// The server did not answer in time.
    Timeout,
    /// The server refused the login.
    Login,
    /// The database, table, column or function the source reads is not there.
    Schema,
    /// The server refused a statement for another reason.
    Query,
    /// An append was refused because the stream is not at the expected version.
    Conflict,
    /// A read was stopped by its caller.
    Cancelled,
}

/// An error reading from or writing to a PostgreSQL event store.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{url}: {message}")]
pub struct PgError {
    /// What went wrong, broadly.
    pub kind: PgErrorKind,
    /// The URL with its password masked.
    pub url: String,
    /// One line, without the URL.
    pub message: String,
}

/// What was being done when a client error happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Opening a connection (reaching the server, TLS, logging in).
    Connect,
    /// Reading rows.
    Read,
    /// Writing (an append).
    Write,
}

impl PgError {
    /// An error of `kind` for the database shown as `url`; every run of white space in the
    /// message becomes one space, so that it is one line.
    pub fn new(kind: PgErrorKind, url: &str, message: impl Into<String>) -> PgError {
        PgError {
            kind,
            url: url.to_string(),
            message: one_line(&message.into()),
        }
    }

    #[allow(non_upper_case_globals)]
    pub(crate) fn from_client(url: &str, stage: Stage, e: &tokio_postgres::Error) -> PgError {
        if let Some(db) = e.as_db_error() {
            let code = db.code();
            let (kind, message) = if *code == SqlState::INVALID_PASSWORD
                || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
            {
                (
                    PgErrorKind::Login,
                    format!("the server refused the login: {}", db.message()),
                )
            } else if [
                SqlState::INVALID_CATALOG_NAME,
                SqlState::UNDEFINED_TABLE,
                SqlState::UNDEFINED_COLUMN,
                SqlState::INVALID_SCHEMA_NAME,
                SqlState::UNDEFINED_FUNCTION,
            ]
            .contains(code)
            {
                (PgErrorKind::Schema, db.message().to_string())
            } else {
                let verb = match stage {
                    Stage::Connect => "the server refused the connection",
                    Stage::Read => "the server refused the read",
                    Stage::Write => "the server refused the write",
                };
                let mut message = format!("{verb}: {}", db.message());
                if let Some(hint) = db.hint() {
                    message.push_str(&format!(" ({hint})"));
                }
                (PgErrorKind::Query, message)
            };
            return PgError::new(kind, url, message);
        }
        let mut message = match stage {
            Stage::Connect => "cannot connect".to_string(),
            Stage::Read => "the read failed".to_string(),
            Stage::Write => "the write failed".to_string(),
        };
        message.push_str(&format!(": {e}"));
        let mut source = std::error::Error::source(e);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        if message.contains("timeout") || message.contains("timed out") {
            message.push_str(" (is the server up and reachable?)");
        }
        PgError::new(PgErrorKind::Connect, url, message)
    }

    /// Removes a secret from the message.
    pub(crate) fn redact(&mut self, secret: Option<&[u8]>) {
        self.message = super::url::redact(&self.message, secret);
    }

    /// Adds what the source expected, after a missing table or column.
    pub(crate) fn with_hint(mut self, hint: &str) -> PgError {
        if self.kind == PgErrorKind::Schema {
            self.message = format!("{} ({hint})", self.message);
        }
        self
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
