//! PostgreSQL connection URLs: recognising them, and showing them without their password.

use std::str::FromStr;
use std::time::Duration;

use super::PgError;
use super::tls::{self, TlsOptions};

/// How long to wait for a server before giving up, unless the URL says `connect_timeout=`.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether a source names a PostgreSQL database rather than a file.
pub fn is_url(source: &str) -> bool {
    let lower = source.get(..13).unwrap_or(source).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// A parsed connection URL. Its password is never shown: [`PgUrl::display`] masks it, and every
/// error message built from a server or client error is cleaned of it.
#[derive(Clone)]
pub struct PgUrl {
    config: postgres::Config,
    tls: TlsOptions,
    shown: String,
    password: Option<Vec<u8>>,
}

impl std::fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl PgUrl {
    /// Parses `postgres://user[:password]@host[:port]/db[?options]`. Without a password in the URL,
    /// `PGPASSWORD` is used when set.
    pub fn parse(url: &str) -> Result<PgUrl, PgError> {
        let shown = mask(url);
        let (url, tls) = tls::split(url);
        let mut config = postgres::Config::from_str(&url).map_err(|_| {
            PgError::new(
                super::PgErrorKind::Usage,
                &shown,
                "not a valid PostgreSQL URL (postgres://user[:password]@host[:port]/database)",
            )
        })?;
        if config.get_password().is_none()
            && let Some(pw) = std::env::var_os("PGPASSWORD")
        {
            config.password(pw.as_encoded_bytes());
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("rewind");
        }
        let password = config.get_password().map(<[u8]>::to_vec);
        Ok(PgUrl {
            config,
            tls,
            shown,
            password,
        })
    }

    /// The URL with its password replaced by `***`: the name a ledger read from it carries.
    pub fn display(&self) -> &str {
        &self.shown
    }

    /// Connects (TCP, with TLS as `sslmode` asks, or a Unix socket), within the connect timeout.
    pub fn connect(&self) -> Result<postgres::Client, PgError> {
        let connected = match self.config.get_ssl_mode() {
            postgres::config::SslMode::Disable => self.config.connect(postgres::NoTls),
            _ => {
                let tls = tls::connector(&self.tls).map_err(|message| {
                    PgError::new(super::PgErrorKind::Usage, &self.shown, message)
                })?;
                self.config.connect(tls)
            }
        };
        connected.map_err(|e| self.error(super::Stage::Connect, &e))
    }

    /// Turns a client error into a one-line error, with the password cleaned out.
    pub(crate) fn error(&self, stage: super::Stage, e: &postgres::Error) -> PgError {
        let mut e = PgError::from_client(self.display(), stage, e);
        e.redact(self.password.as_deref());
        e
    }

    pub(crate) fn password(&self) -> Option<&[u8]> {
        self.password.as_deref()
    }
}

/// Where the user part of what follows `scheme://` ends: at its last `@` that is not inside a
/// query value, so that a password typed raw with `?`, `/`, `#` or `@` in it is taken whole, and
/// an `@` in an option (`sslrootcert=/home/me@corp/ca.pem`) is not taken for the end of a user.
pub(crate) fn userinfo_end(rest: &str) -> Option<usize> {
    rest.match_indices('@').map(|(at, _)| at).rev().find(|&at| {
        let before = &rest[..at];
        before.rfind('?').is_none_or(|q| !before[q..].contains('='))
    })
}

/// The URL with the password of its user part and any `password=` option masked (see
/// [`userinfo_end`] for where the user part ends).
pub fn mask(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let (head, rest) = url.split_at(scheme_end);
    let mut out = String::from(head);
    let after_user = match userinfo_end(rest) {
        Some(at) => {
            let userinfo = &rest[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..colon]);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            &rest[at..]
        }
        None => rest,
    };
    let query_at = after_user.find('?').unwrap_or(after_user.len());
    let (host_and_path, query) = after_user.split_at(query_at);
    out.push_str(host_and_path);
    if !query.is_empty() {
        let masked: Vec<String> = query[1..]
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&masked.join("&"));
    }
    out
}

/// Replaces every occurrence of `secret` in `text` (passwords shorter than three characters are
/// left alone: they would turn up in unrelated words).
pub(crate) fn redact(text: &str, secret: Option<&[u8]>) -> String {
    match secret.and_then(|s| std::str::from_utf8(s).ok()) {
        Some(s) if s.len() >= 3 && text.contains(s) => text.replace(s, "***"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_recognised() {
        assert!(is_url("postgres://localhost/db"));
        assert!(is_url("PostgreSQL://localhost/db"));
        assert!(!is_url("postgres.jsonl"));
        assert!(!is_url("./postgres://x"));
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            mask("postgres://ann:s3cr%40t@db.example:5433/ledger"),
            "postgres://ann:***@db.example:5433/ledger"
        );
        assert_eq!(
            mask("postgresql://ann:p@ss@host/db?sslmode=disable"),
            "postgresql://ann:***@host/db?sslmode=disable"
        );
        assert_eq!(
            mask("postgres://host/db?user=ann&password=hunter22"),
            "postgres://host/db?user=ann&password=***"
        );
        assert_eq!(mask("postgres://ann@host/db"), "postgres://ann@host/db");
        // Characters a URL would have encoded, typed raw in a password.
        assert_eq!(
            mask("postgres://u:se?cr/et#1@127.0.0.1:1/db"),
            "postgres://u:***@127.0.0.1:1/db"
        );
        assert_eq!(mask("postgres://host"), "postgres://host");
        // An `@` in an option is not the end of a user part.
        assert_eq!(
            mask("postgres://ann@h/db?password=hunter22&sslrootcert=/home/me@corp/ca.pem"),
            "postgres://ann@h/db?password=***&sslrootcert=/home/me@corp/ca.pem"
        );
        assert_eq!(
            mask("postgres://ann:p@ss@h/db?application_name=a@b"),
            "postgres://ann:***@h/db?application_name=a@b"
        );
    }

    #[test]
    fn a_parsed_url_shows_no_password() {
        let url = PgUrl::parse("postgres://ann:hunter22@127.0.0.1:5432/ledger").unwrap();
        assert_eq!(url.display(), "postgres://ann:***@127.0.0.1:5432/ledger");
        assert!(!format!("{url:?}").contains("hunter22"));
        let e = PgUrl::parse("postgres://ann:hunter22@host:notaport/db").unwrap_err();
        assert!(!e.to_string().contains("hunter22"), "{e}");
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact("user ann hunter22 failed", Some(b"hunter22")),
            "user ann *** failed"
        );
        assert_eq!(redact("a b", Some(b"a")), "a b");
    }
}
