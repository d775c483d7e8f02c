//! Reading a URL's text by the grammar of [`super`]: what it names, and what is shown of it.

use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};
use tokio_postgres::config::{ChannelBinding, SslMode};

use super::{
    DEFAULT_TIMEOUT, Host, PgUrl, Roots, Secret, SocketOptions, Target, TlsOptions, Verify,
};

/// The keys a URL's options may use.
const KEYS: &str = "host, port, user, password, dbname, sslmode, sslrootcert, connect_timeout, \
                    application_name, options, keepalives, keepalives_idle, keepalives_interval, \
                    keepalives_retries, tcp_user_timeout, channel_binding";

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

pub(super) fn read(scheme: &str, rest: &str) -> Result<PgUrl, String> {
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
