//! PostgreSQL connection URLs, read once. The connection is made from what was read here (the
//! client library is never handed the text), and the URL is shown only as what was read, with the
//! password replaced: a [`PgUrl`] has no way to print its password, and the text it was read from
//! is not kept. Where the text cannot be read, no part of it is shown.
//!
//! The grammar, stricter than libpq's so that no text reads two ways:
//!
//! ```text
//! postgres[ql]://[user[:password]@][host[:port][,host[:port]…]][/database][?key=value[&key=value…]]
//! ```
//!
//! - The host part ends at the first `/` or `?`; the user part is what comes before the host
//!   part's last `@`, and the user ends at its first `:`. So a password may hold `@`, `:` and every
//!   other printable character except `/`, `?` and `%` raw.
//! - An `@` after the host part is refused: it is either a password's `@` after a `/` or `?` that
//!   ended the host part too early, or an `@` in an option that would be read as the end of a user
//!   part by other readers (`%40` is an `@` anywhere).
//! - `%XX` is the byte XX everywhere (in option keys too); a `%` not followed by two hex digits is
//!   refused.
mod grammar;
mod options;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::{PgError, PgErrorKind};
use grammar::read;
pub(crate) use options::SocketOptions;
pub use options::{Roots, TlsOptions, Verify};

/// How long any one wait for the server lasts (connecting, TLS, authenticating, each answer to a
/// query) unless the URL says `connect_timeout=`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether a source names a PostgreSQL database rather than a file.
pub fn is_url(source: &str) -> bool {
    let lower = source.get(..13).unwrap_or(source).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// A password. It has no `Display`, and its `Debug` is `***`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(Vec<u8>);

impl Secret {
    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where a server listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// A host name or an IP address.
    Tcp(String),
    /// The folder holding the server's Unix socket.
    Unix(PathBuf),
}

/// One server to try, in the order the URL names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub host: Host,
    pub port: u16,
}

/// A connection URL, read. `Display` and `Debug` both show it with its password as `***`.
#[derive(Clone)]
pub struct PgUrl {
    /// What is shown: the URL as read, its password replaced.
    shown: String,
    /// User, password, database, `options`, `application_name`, `sslmode`, `channel_binding`:
    /// what the client library takes from it when it logs in (hosts and ports are in `targets`).
    config: tokio_postgres::Config,
    targets: Vec<Target>,
    tls: TlsOptions,
    socket: SocketOptions,
    timeout: Option<Duration>,
    secret: Option<Secret>,
}

impl fmt::Display for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl PgUrl {
    /// Reads `postgres://user[:password]@host[:port]/db[?options]` (see the module for the
    /// grammar). Without a password in the URL, `PGPASSWORD` is used when set. An error shows no
    /// part of the text.
    pub fn parse(text: &str) -> Result<PgUrl, PgError> {
        let scheme_end = text.find("://").filter(|_| is_url(text));
        let scheme = scheme_end.map_or("postgres", |i| &text[..i]);
        let refuse = |message: String| {
            PgError::new(
                PgErrorKind::Usage,
                &format!("{scheme}://…"),
                format!("not a valid PostgreSQL URL: {message}"),
            )
        };
        let Some(scheme_end) = scheme_end else {
            return Err(refuse(
                "it does not start with postgres:// or postgresql://".into(),
            ));
        };
        let mut url = read(scheme, &text[scheme_end + 3..]).map_err(refuse)?;
        if url.secret.is_none()
            && let Some(pw) = std::env::var_os("PGPASSWORD")
        {
            let pw = Secret(pw.as_encoded_bytes().to_vec());
            url.config.password(pw.expose());
            url.secret = Some(pw);
        }
        Ok(url)
    }

    /// The URL as shown: the name a ledger read from it carries.
    pub fn display(&self) -> &str {
        &self.shown
    }

    /// The user the URL names (`None`: the client's default, the name of the user running rewind).
    pub fn user(&self) -> Option<&str> {
        self.config.get_user()
    }

    /// The servers to try, in order.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// How long any one wait for the server lasts (`None`: `connect_timeout=0`, for ever).
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    pub(crate) fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    pub(crate) fn tls(&self) -> &TlsOptions {
        &self.tls
    }

    pub(crate) fn socket(&self) -> &SocketOptions {
        &self.socket
    }

    pub(crate) fn secret(&self) -> Option<&[u8]> {
        self.secret.as_ref().map(Secret::expose)
    }

    /// Whether the URL holds a password (`PGPASSWORD` aside) — for tests of what is shown.
    #[cfg(test)]
    fn password_bytes(&self) -> Option<Vec<u8>> {
        self.config.get_password().map(<[u8]>::to_vec)
    }
}

/// Replaces every occurrence of `secret` in `text` (passwords shorter than three characters are
/// left alone: they would turn up in unrelated words). Nothing rewind builds holds a password;
/// this cleans what a server or a library might echo.
pub(crate) fn redact(text: &str, secret: Option<&[u8]>) -> String {
    match secret.and_then(|s| std::str::from_utf8(s).ok()) {
        Some(s) if s.len() >= 3 && text.contains(s) => text.replace(s, "***"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests;
