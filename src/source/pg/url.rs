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

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};
use tokio_postgres::config::{ChannelBinding, SslMode};

use super::tls::{Roots, TlsOptions, Verify};
use super::{PgError, PgErrorKind};

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

/// What the URL asks of the TCP connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SocketOptions {
    pub keepalives: bool,
    pub keepalives_idle: Option<Duration>,
    pub keepalives_interval: Option<Duration>,
    pub keepalives_retries: Option<u32>,
    pub tcp_user_timeout: Option<Duration>,
}

impl Default for SocketOptions {
    fn default() -> Self {
        SocketOptions {
            keepalives: true,
            keepalives_idle: None,
            keepalives_interval: None,
            keepalives_retries: None,
            tcp_user_timeout: None,
        }
    }
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

/// The keys a URL's options may use.
const KEYS: &str = "host, port, user, password, dbname, sslmode, sslrootcert, connect_timeout, \
                    application_name, options, keepalives, keepalives_idle, keepalives_interval, \
                    keepalives_retries, tcp_user_timeout, channel_binding";

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

/// Characters shown raw in each part; everything else (non-ASCII included) is shown `%XX`.
const USER: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=');
const HOST: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
const V6: &AsciiSet = &HOST.remove(b':');
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/')
    .remove(b':')
    .remove(b',')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b';');

fn shown(text: &str, set: &'static AsciiSet) -> String {
    utf8_percent_encode(text, set).to_string()
}

/// Percent-decodes `raw`, refusing a `%` that is not followed by two hex digits.
fn decode(raw: &str) -> Result<Vec<u8>, String> {
    let bytes = raw.as_bytes();
    for (i, _) in raw.match_indices('%') {
        let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
        if !(hex(i + 1) && hex(i + 2)) {
            return Err(
                "a `%` that does not start an encoded byte (%XX): write a `%` as %25".into(),
            );
        }
    }
    Ok(percent_decode(bytes).collect())
}

fn decode_text(raw: &str, what: &str) -> Result<String, String> {
    String::from_utf8(decode(raw)?).map_err(|_| format!("the {what} is not UTF-8 once decoded"))
}

/// Seconds, whole or decimal (`10`, `2.5`); `0` is none.
fn seconds(value: &str, key: &str) -> Result<Option<Duration>, String> {
    let ok = !value.is_empty()
        && value.chars().all(|c| c.is_ascii_digit() || c == '.')
        && value.matches('.').count() <= 1
        && value.len() <= 12;
    let secs = value
        .parse::<f64>()
        .ok()
        .filter(|_| ok)
        .ok_or_else(|| format!("{key} is not a number of seconds"))?;
    Ok((secs > 0.0).then(|| Duration::from_secs_f64(secs)))
}

fn one_of<T: Copy>(value: &str, key: &str, choices: &[(&str, T)]) -> Result<T, String> {
    choices
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            format!("{key} is not one of {}", names.join(", "))
        })
}

fn port(raw: &str) -> Result<u16, String> {
    raw.parse::<u16>()
        .ok()
        .filter(|p| *p > 0 && raw.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| "a port is not a number from 1 to 65535".to_string())
}

/// One host of the host part, with its port when written: `name[:port]`, `[v6][:port]`, or an
/// encoded Unix socket folder (`%2Frun%2Fpostgresql`).
fn host_and_port(chunk: &str) -> Result<(Host, Option<u16>, String), String> {
    let bad = || {
        "the host part holds a character a host cannot (give a Unix socket's folder encoded, \
         %2Frun%2Fpostgresql, or as ?host=/run/postgresql)"
            .to_string()
    };
    let (host, port_text, shown_host) = if let Some(inner) = chunk.strip_prefix('[') {
        let close = inner.find(']').ok_or_else(bad)?;
        let addr = &inner[..close];
        let after = &inner[close + 1..];
        let port_text = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(bad()),
        };
        if addr.is_empty()
            || !addr
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.' || b == b'%')
        {
            return Err(bad());
        }
        let addr = decode_text(addr, "host")?;
        let shown_host = format!("[{}]", shown(&addr, V6));
        (Host::Tcp(addr), port_text, shown_host)
    } else {
        let (name, port_text) = match chunk.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (chunk, None),
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b))
        {
            return Err(bad());
        }
        let name = decode_text(name, "host")?;
        let shown_host = shown(&name, HOST);
        let host = if name.starts_with('/') {
            Host::Unix(PathBuf::from(name))
        } else {
            if name.contains(|c: char| !(c.is_alphanumeric() || "-._~".contains(c))) {
                return Err(bad());
            }
            Host::Tcp(name)
        };
        (host, port_text, shown_host)
    };
    let port = port_text.map(port).transpose()?;
    Ok((host, port, shown_host))
}

fn read(scheme: &str, rest: &str) -> Result<PgUrl, String> {
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(host_end);
    if tail.contains('@') {
        return Err(
            "an `@` after the host part: in a password, write `/`, `?` and `%` as %2F, %3F and \
             %25; anywhere after the host, write `@` as %40"
                .into(),
        );
    }
    let mut out = String::from(scheme);
    out.push_str("://");

    let mut config = tokio_postgres::Config::new();
    let mut secret: Option<Secret> = None;
    let mut user_given = false;

    let host_list = match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let (user, password) = match userinfo.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (userinfo, None),
            };
            let user = decode_text(user, "user")?;
            out.push_str(&shown(&user, USER));
            if !user.is_empty() {
                config.user(&user);
                user_given = true;
            }
            if let Some(p) = password {
                let p = Secret(decode(p)?);
                config.password(p.expose());
                secret = Some(p);
                out.push_str(":***");
            }
            out.push('@');
            &authority[at + 1..]
        }
        None => authority,
    };

    let mut hosts: Vec<(Host, Option<u16>)> = Vec::new();
    if !host_list.is_empty() {
        let mut shown_hosts = Vec::new();
        for chunk in host_list.split(',') {
            let (host, port, text) = host_and_port(chunk)?;
            shown_hosts.push(match port {
                Some(p) => format!("{text}:{p}"),
                None => text,
            });
            hosts.push((host, port));
        }
        out.push_str(&shown_hosts.join(","));
    }

    let (path, query) = match tail.find('?') {
        Some(q) => (&tail[..q], Some(&tail[q + 1..])),
        None => (tail, None),
    };
    let mut dbname_given = false;
    if let Some(db) = path.strip_prefix('/') {
        let db = decode_text(db, "database name")?;
        if !db.is_empty() {
            out.push('/');
            out.push_str(&shown(&db, VALUE));
            config.dbname(&db);
            dbname_given = true;
        }
    }

    let mut tls = TlsOptions {
        verify: Verify::Nothing,
        roots: None,
        require: false,
    };
    let mut socket = SocketOptions::default();
    let mut timeout = Some(DEFAULT_TIMEOUT);
    let mut option_ports: Option<Vec<u16>> = None;
    let mut application_name = false;
    let mut seen: Vec<&'static str> = Vec::new();
    let mut shown_options = Vec::new();
    for (n, pair) in query.into_iter().flat_map(|q| q.split('&')).enumerate() {
        let n = n + 1;
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("option {n} has no `=` (options are ?key=value&key=value)"))?;
        let key = decode_text(key, "option's name")?;
        let key: &'static str = KEYS
            .split(", ")
            .find(|k| *k == key)
            .ok_or_else(|| format!("option {n} is not one rewind reads (it reads {KEYS})"))?;
        if seen.contains(&key) {
            return Err(format!("{key} is given twice"));
        }
        seen.push(key);
        if key == "password" {
            if secret.is_some() {
                return Err("the password is given twice".into());
            }
            let p = Secret(decode(value)?);
            config.password(p.expose());
            secret = Some(p);
            shown_options.push("password=***".to_string());
            continue;
        }
        let value = decode_text(value, key)?;
        shown_options.push(format!("{key}={}", shown(&value, VALUE)));
        match key {
            "user" if user_given => return Err("the user is given twice".into()),
            "user" => {
                config.user(&value);
            }
            "dbname" if dbname_given => return Err("the database is given twice".into()),
            "dbname" => {
                config.dbname(&value);
            }
            "host" if !hosts.is_empty() => return Err("the host is given twice".into()),
            "host" => {
                for h in value.split(',') {
                    if h.starts_with('/') {
                        hosts.push((Host::Unix(PathBuf::from(h)), None));
                    } else {
                        let (host, port, _) = host_and_port(h)?;
                        if port.is_some() {
                            return Err("a host= names no port: give port= on its own".into());
                        }
                        hosts.push((host, None));
                    }
                }
            }
            "port" => {
                let ports = value.split(',').map(port).collect::<Result<Vec<_>, _>>()?;
                option_ports = Some(ports);
            }
            "sslmode" => {
                let (mode, verify) = one_of(
                    &value,
                    key,
                    &[
                        ("disable", (SslMode::Disable, Verify::Nothing)),
                        ("prefer", (SslMode::Prefer, Verify::Nothing)),
                        ("require", (SslMode::Require, Verify::Nothing)),
                        ("verify-ca", (SslMode::Require, Verify::Chain)),
                        ("verify-full", (SslMode::Require, Verify::Full)),
                    ],
                )?;
                config.ssl_mode(mode);
                tls.verify = verify;
                tls.require = value == "require";
            }
            "sslrootcert" => {
                tls.roots = Some(if value == "system" {
                    Roots::System
                } else {
                    Roots::File(PathBuf::from(value))
                });
            }
            "connect_timeout" => timeout = seconds(&value, key)?,
            "application_name" => {
                config.application_name(&value);
                application_name = true;
            }
            "options" => {
                config.options(&value);
            }
            "keepalives" => {
                socket.keepalives = one_of(&value, key, &[("0", false), ("1", true)])?;
            }
            "keepalives_idle" => socket.keepalives_idle = seconds(&value, key)?,
            "keepalives_interval" => socket.keepalives_interval = seconds(&value, key)?,
            "keepalives_retries" => {
                socket.keepalives_retries = Some(
                    value
                        .parse()
                        .map_err(|_| format!("{key} is not a whole number"))?,
                );
            }
            "tcp_user_timeout" => socket.tcp_user_timeout = seconds(&value, key)?,
            "channel_binding" => {
                config.channel_binding(one_of(
                    &value,
                    key,
                    &[
                        ("disable", ChannelBinding::Disable),
                        ("prefer", ChannelBinding::Prefer),
                        ("require", ChannelBinding::Require),
                    ],
                )?);
            }
            _ => unreachable!("every key of KEYS is read"),
        }
    }
    if !shown_options.is_empty() {
        out.push('?');
        out.push_str(&shown_options.join("&"));
    }

    if hosts.is_empty() {
        return Err(
            "it names no host (postgres://user@host/database, or ?host=/run/postgresql for a \
             Unix socket)"
                .into(),
        );
    }
    if let Some(ports) = option_ports {
        if hosts.iter().any(|(_, p)| p.is_some()) {
            return Err("the port is given twice".into());
        }
        match ports.len() {
            1 => hosts.iter_mut().for_each(|(_, p)| *p = Some(ports[0])),
            n if n == hosts.len() => {
                for ((_, p), port) in hosts.iter_mut().zip(ports) {
                    *p = Some(port);
                }
            }
            _ => return Err("give one port, or one for each host".into()),
        }
    }
    if !application_name {
        config.application_name("rewind");
    }
    let targets = hosts
        .into_iter()
        .map(|(host, port)| Target {
            host,
            port: port.unwrap_or(5432),
        })
        .collect();
    Ok(PgUrl {
        shown: out,
        config,
        targets,
        tls,
        socket,
        timeout,
        secret,
    })
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
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> PgUrl {
        PgUrl::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn refused(text: &str) -> String {
        match PgUrl::parse(text) {
            Ok(url) => panic!("{text} was read as {url}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn urls_are_recognised() {
        assert!(is_url("postgres://localhost/db"));
        assert!(is_url("PostgreSQL://localhost/db"));
        assert!(!is_url("postgres.jsonl"));
        assert!(!is_url("./postgres://x"));
    }

    #[test]
    fn what_is_shown_is_what_was_read_without_the_password() {
        let cases = [
            (
                "postgres://ann:s3cr%40t@db.example:5433/ledger",
                "postgres://ann:***@db.example:5433/ledger",
            ),
            (
                "postgresql://ann:p@ss@host/db?sslmode=disable",
                "postgresql://ann:***@host/db?sslmode=disable",
            ),
            (
                "postgres://host/db?user=ann&password=hunter22",
                "postgres://host/db?user=ann&password=***",
            ),
            ("postgres://ann@host/db", "postgres://ann@host/db"),
            (
                "postgres://u:se#cr:et!1@127.0.0.1:1/db",
                "postgres://u:***@127.0.0.1:1/db",
            ),
            ("postgres://host", "postgres://host"),
            (
                "postgres://ann@h/db?password=hunter22&sslrootcert=/home/me%40corp/ca.pem",
                "postgres://ann@h/db?password=***&sslrootcert=/home/me%40corp/ca.pem",
            ),
            (
                "postgres://ann:p@ss@h/db?application_name=a%40b",
                "postgres://ann:***@h/db?application_name=a%40b",
            ),
            // A percent-encoded key is the key it decodes to.
            (
                "postgres://u@h/db?sslmode=disable&pass%77ord=SECRET",
                "postgres://u@h/db?sslmode=disable&password=***",
            ),
            (
                "postgres://u@[::1]:5433,h2/db",
                "postgres://u@[::1]:5433,h2/db",
            ),
            (
                "postgres://u@%2Frun%2Fpostgresql/db",
                "postgres://u@%2Frun%2Fpostgresql/db",
            ),
            // Invisible and control characters are shown encoded.
            (
                "postgres://u%E2%80%AE@h/d%0Ab",
                "postgres://u%E2%80%AE@h/d%0Ab",
            ),
        ];
        for (text, want) in cases {
            let url = parse(text);
            assert_eq!(url.to_string(), want, "{text}");
            assert_eq!(format!("{url:?}"), want, "{text}");
            // What is shown reads back as the same connection, password aside.
            let again = parse(want);
            assert_eq!(again.to_string(), want);
            assert_eq!(again.targets(), url.targets());
            assert_eq!(again.user(), url.user());
        }
    }

    #[test]
    fn the_connection_uses_what_was_read() {
        let url = parse("postgres://u:hunt@er=22@host:6000/db?connect_timeout=2.5&sslmode=require");
        assert_eq!(url.user(), Some("u"));
        assert_eq!(url.password_bytes().as_deref(), Some(&b"hunt@er=22"[..]));
        assert_eq!(
            url.targets(),
            &[Target {
                host: Host::Tcp("host".into()),
                port: 6000
            }]
        );
        assert_eq!(url.config().get_dbname(), Some("db"));
        assert_eq!(url.timeout(), Some(Duration::from_millis(2500)));
        assert_eq!(url.config().get_ssl_mode(), SslMode::Require);
        assert!(url.tls().require);

        let url = parse("postgres://u@h/db?sslmode=disable&pass%77ord=SE%26CRET");
        assert_eq!(url.password_bytes().as_deref(), Some(&b"SE&CRET"[..]));
        let url = parse("postgres:///db?host=/run/postgresql&port=5433&user=ann");
        assert_eq!(
            url.targets(),
            &[Target {
                host: Host::Unix("/run/postgresql".into()),
                port: 5433
            }]
        );
        assert_eq!(url.user(), Some("ann"));
        assert_eq!(parse("postgres://h/db?connect_timeout=0").timeout(), None);
        assert_eq!(parse("postgres://h/db").timeout(), Some(DEFAULT_TIMEOUT));
        assert_eq!(
            parse("postgres://h/db").config().get_application_name(),
            Some("rewind")
        );
    }

    #[test]
    fn tls_modes_and_roots_are_read() {
        let url = parse("postgres://u:p@w@h/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem");
        assert_eq!(url.tls().verify, Verify::Full);
        assert_eq!(
            url.tls().roots,
            Some(Roots::File(PathBuf::from("/tmp/ca.pem")))
        );
        assert_eq!(url.config().get_ssl_mode(), SslMode::Require);
        let url = parse("postgres://h/db?sslrootcert=system&sslmode=verify-ca");
        assert_eq!(
            (url.tls().verify, url.tls().roots.clone()),
            (Verify::Chain, Some(Roots::System))
        );
        let url = parse("postgres://u@h/db?sslmode=verify-ca&sslrootcert=/home/me%40corp/ca.pem");
        assert_eq!(
            url.tls().roots,
            Some(Roots::File(PathBuf::from("/home/me@corp/ca.pem")))
        );
        assert_eq!(
            parse("postgres://h/db").config().get_ssl_mode(),
            SslMode::Prefer
        );
    }

    /// URLs another reader takes one way and the writer may have meant another are refused, and the
    /// refusal shows no part of them.
    #[test]
    fn ambiguous_urls_are_refused_without_showing_them() {
        for (text, secret) in [
            // A password with a raw `?`: the host part ends inside it.
            ("postgres://u:hunt?er=22@host/db", "hunt?er=22"),
            ("postgres://u:p@ss?w=rd#1@host/db", "ss?w=rd#1"),
            (
                "postgres://u:12?application_name=x@host/db",
                "application_name=x",
            ),
            ("postgres://u:12/er@host/db", "12/er"),
            ("postgres://host:5432?password=xq@zzq", "zzq"),
            ("postgres://host?password=a@b", "password=a"),
            (
                "postgres://u@h/db?sslrootcert=/home/me@corp/ca.pem",
                "me@corp",
            ),
            ("postgres://u:100%sure@h/db", "100%sure"),
            ("postgres://u:pw@host:notaport/db", "notaport"),
            ("postgres://u:pw@ho st/db", "ho st"),
            ("postgres://u@h/db?pasword=hunter22", "hunter22"),
            ("postgres://u@h/db?password=a&password=hunter22", "hunter22"),
            ("postgres://u:hunter22@h/db?password=other-pw", "other-pw"),
            ("postgres://u@h/db?sslmode=hunter22", "hunter22"),
            ("postgres://u:hunter22@/db", "hunter22"),
        ] {
            let e = refused(text);
            assert!(
                e.starts_with("postgres://…: not a valid PostgreSQL URL: "),
                "{e}"
            );
            assert!(!e.contains(secret), "{text}: {e}");
            assert!(!e.contains("hunter22") && !e.contains("pw@"), "{text}: {e}");
        }
        assert!(refused("postgres://u:a?b@h/db").contains("%3F"));
        assert!(refused("postgres://u:100%sure@h/db").contains("%25"));
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact("user ann hunter22 failed", Some(b"hunter22")),
            "user ann *** failed"
        );
        assert_eq!(redact("a b", Some(b"a")), "a b");
    }

    /// Percent-encodes every byte of `text` that is in `raw_not_allowed`, or every byte.
    fn encode(text: &[u8], all: bool, raw_not_allowed: &[u8]) -> String {
        let mut out = String::new();
        for &b in text {
            if all || raw_not_allowed.contains(&b) {
                out.push_str(&format!("%{b:02X}"));
            } else {
                out.push(b as char);
            }
        }
        out
    }

    /// How a test writes a password into a URL.
    #[derive(Clone, Copy, Debug)]
    enum Form {
        /// In the user part, with only `/`, `?` and `%` encoded.
        User,
        /// In the user part, every byte encoded.
        UserEncoded,
        /// As `?password=`, with `&`, `#`, `@` and `%` encoded.
        Option,
        /// As `?pass%77ord=`, every byte of the value encoded.
        OptionEncoded,
        /// In the user part, typed raw however it reads.
        UserRaw,
        /// As `?password=`, typed raw however it reads.
        OptionRaw,
    }

    /// A URL holding `password` in the given form.
    fn url_with(password: &str, form: Form, user: &str, host: &str) -> String {
        let pw = password.as_bytes();
        match form {
            Form::User => format!("postgres://{user}:{}@{host}/db", encode(pw, false, b"/?%")),
            Form::UserEncoded => format!("postgres://{user}:{}@{host}/db", encode(pw, true, b"")),
            Form::UserRaw => format!("postgres://{user}:{password}@{host}/db"),
            Form::Option => format!(
                "postgres://{user}@{host}/db?sslmode=disable&password={}",
                encode(pw, false, b"&#@%")
            ),
            Form::OptionEncoded => format!(
                "postgres://{host}/db?user={user}&pass%77ord={}&sslmode=disable",
                encode(pw, true, b"")
            ),
            Form::OptionRaw => {
                format!("postgres://{user}@{host}/db?password={password}&sslmode=disable")
            }
        }
    }

    fn form() -> impl Strategy<Value = Form> {
        prop_oneof![
            Just(Form::User),
            Just(Form::UserEncoded),
            Just(Form::Option),
            Just(Form::OptionEncoded),
            Just(Form::UserRaw),
            Just(Form::OptionRaw),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the password and however it is written: a URL that is read names the user
        /// and the password it was written with (unless written raw, where it may read otherwise)
        /// and never shows the password; a URL that is refused shows nothing of it.
        #[test]
        fn no_password_is_shown(password in "[ -~]{8,24}", form in form()) {
            let text = url_with(&password, form, "ann", "127.0.0.1:5432");
            match PgUrl::parse(&text) {
                Ok(url) => {
                    let shown = url.to_string();
                    prop_assert!(!shown.contains(&password), "{text} shown as {shown}");
                    let debug = format!("{url:?}");
                    prop_assert!(!debug.contains(&password), "{}", debug);
                    if !matches!(form, Form::UserRaw | Form::OptionRaw) {
                        prop_assert_eq!(url.user(), Some("ann"));
                        prop_assert_eq!(url.password_bytes(), Some(password.as_bytes().to_vec()));
                        prop_assert_eq!(url.targets().len(), 1);
                    }
                    // What is shown reads back as the same servers and user.
                    let again = PgUrl::parse(&shown).unwrap();
                    prop_assert_eq!(again.targets(), url.targets());
                    prop_assert_eq!(again.user(), url.user());
                }
                Err(e) => {
                    prop_assert!(
                        matches!(form, Form::UserRaw | Form::OptionRaw),
                        "{} refused: {}", text, e
                    );
                    let e = e.to_string();
                    prop_assert!(!e.contains(&password), "{}", e);
                }
            }
        }

        /// A raw password whose only special characters are those a user part may hold raw is
        /// read whole.
        #[test]
        fn raw_passwords_without_slash_question_or_percent_are_read_whole(
            password in "[ -$&-.0->@-~]{1,24}"
        ) {
            let url = PgUrl::parse(&url_with(&password, Form::UserRaw, "ann", "h")).unwrap();
            prop_assert_eq!(url.password_bytes(), Some(password.as_bytes().to_vec()));
            prop_assert_eq!(url.user(), Some("ann"));
        }
    }
}
