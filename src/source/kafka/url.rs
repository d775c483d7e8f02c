//! Kafka addresses, read once. The client is configured from what was read here, and the address
//! is shown only as what was read with the password replaced: a [`KafkaUrl`] has no way to print
//! its password. Where the text cannot be read, no part of it is shown.
//!
//! ```text
//! kafka://[user[:password]@]host[:port][,host[:port]…]/TOPIC[?key=value[&key=value…]]
//! ```
//!
//! - The broker list ends at the first `/`; the user part is what comes before its last `@`, and
//!   the user ends at its first `:`. `%XX` is the byte XX in the user, the password, the topic and
//!   option values; a `%` not followed by two hex digits is refused.
//! - Options: `sasl=plain|scram-sha-256|scram-sha-512` (default `plain` when a user is given),
//!   `tls=on|off` (default `off`), `ca=PATH` (PEM roots the broker's certificate must chain to;
//!   the system's roots otherwise), `timeout=SECONDS` (every wait for a broker; 10 by default),
//!   `user=` and `password=` (instead of the user part).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::percent_decode_str;

/// How long any one wait for a broker lasts unless the URL says `timeout=`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether a source names a Kafka topic rather than a file.
pub fn is_url(source: &str) -> bool {
    source
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("kafka://"))
}

/// How a user logs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mechanism {
    /// SASL PLAIN (the password goes to the broker as it is: use it over TLS).
    Plain,
    /// SASL SCRAM-SHA-256.
    ScramSha256,
    /// SASL SCRAM-SHA-512.
    ScramSha512,
}

/// A user and the way they log in. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    /// The user's name.
    pub user: String,
    pub(super) password: String,
    /// The SASL mechanism.
    pub mechanism: Mechanism,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Login({}, ***, {:?})", self.user, self.mechanism)
    }
}

/// A topic's address, read. `Display` and `Debug` both show it with its password as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct KafkaUrl {
    shown: String,
    /// The bootstrap brokers, `host:port` each.
    pub brokers: Vec<String>,
    /// The topic.
    pub topic: String,
    /// How to log in, when a user is given.
    pub login: Option<Login>,
    /// Whether to speak TLS, and the roots the broker's certificate must chain to (`None`: the
    /// system's).
    pub tls: Option<Option<PathBuf>>,
    /// The longest any one wait for a broker lasts.
    pub timeout: Duration,
}

impl fmt::Display for KafkaUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for KafkaUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Why a Kafka address cannot be read: one sentence that holds no part of the text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("kafka://…: {0}")]
pub struct UrlError(String);

fn bad(message: impl Into<String>) -> UrlError {
    UrlError(message.into())
}

fn decode(text: &str, what: &str) -> Result<String, UrlError> {
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return Err(bad(format!(
                "a `%` in the {what} must be followed by two hex digits (`%25` is a `%`)"
            )));
        }
    }
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| bad(format!("the {what} is not UTF-8 once decoded")))
}

impl KafkaUrl {
    /// Reads an address.
    pub fn parse(text: &str) -> Result<KafkaUrl, UrlError> {
        if !is_url(text) {
            return Err(bad("a Kafka address begins with kafka://"));
        }
        let rest = &text[8..];
        let (authority, path) = rest
            .split_once('/')
            .ok_or_else(|| bad("name the topic: kafka://HOST:PORT/TOPIC"))?;
        let (path, query) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        let (userinfo, hosts) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let mut user = None;
        let mut password = None;
        if let Some(info) = userinfo {
            let (u, p) = match info.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (info, None),
            };
            if u.is_empty() {
                return Err(bad("the user is missing before the `:`"));
            }
            user = Some(decode(u, "user")?);
            password = p.map(|p| decode(p, "password")).transpose()?;
        }
        let mut brokers = Vec::new();
        for host in hosts.split(',') {
            if host.is_empty() {
                return Err(bad("a broker is missing in the list (HOST:PORT,HOST:PORT)"));
            }
            if host.contains(['@', '?', '#', ' ']) {
                return Err(bad("a broker is HOST or HOST:PORT"));
            }
            let port_of = |text: &str| -> Result<u16, UrlError> {
                text.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0 && text.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| bad("a broker's port is a number from 1 to 65535"))
            };
            // An IPv6 address only in brackets, so that its colons are never read as a port's.
            let (name, port) = if let Some(inside) = host.strip_prefix('[') {
                let (address, rest) = inside
                    .split_once(']')
                    .ok_or_else(|| bad("an IPv6 broker is [ADDRESS] or [ADDRESS]:PORT"))?;
                if address.parse::<std::net::Ipv6Addr>().is_err() {
                    return Err(bad("an IPv6 broker is [ADDRESS] or [ADDRESS]:PORT"));
                }
                let port = match rest {
                    "" => 9092,
                    _ => port_of(
                        rest.strip_prefix(':')
                            .ok_or_else(|| bad("an IPv6 broker is [ADDRESS] or [ADDRESS]:PORT"))?,
                    )?,
                };
                (&host[..address.len() + 2], port)
            } else {
                if host.contains([']', '[']) || host.matches(':').count() > 1 {
                    return Err(bad("an IPv6 broker is written in brackets: [ADDRESS]:PORT"));
                }
                match host.split_once(':') {
                    Some((name, port)) => (name, port_of(port)?),
                    None => (host, 9092),
                }
            };
            if name.is_empty() {
                return Err(bad("a broker's host is missing"));
            }
            brokers.push(format!("{name}:{port}"));
        }
        if path.contains('/') {
            return Err(bad("the topic is the one name after the brokers"));
        }
        let topic = decode(path, "topic")?;
        if topic.is_empty() {
            return Err(bad("name the topic: kafka://HOST:PORT/TOPIC"));
        }
        if topic.len() > 249
            || !topic
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(bad(
                "a topic's name is up to 249 of the characters a-z A-Z 0-9 . _ -",
            ));
        }
        let mut mechanism = None;
        let mut tls = None;
        let mut ca = None;
        let mut timeout = DEFAULT_TIMEOUT;
        let mut shown_options = Vec::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| bad("an option is KEY=VALUE"))?;
            let key = decode(key, "option's name")?;
            if key == "password" {
                if password.is_some() {
                    return Err(bad("the password is given twice"));
                }
                password = Some(decode(value, "password")?);
                shown_options.push("password=***".to_string());
                continue;
            }
            let value = decode(value, "option's value")?;
            match key.as_str() {
                "user" if user.is_some() => return Err(bad("the user is given twice")),
                "user" => user = Some(value.clone()),
                "sasl" => {
                    mechanism = Some(match value.to_ascii_lowercase().as_str() {
                        "plain" => Mechanism::Plain,
                        "scram-sha-256" => Mechanism::ScramSha256,
                        "scram-sha-512" => Mechanism::ScramSha512,
                        _ => {
                            return Err(bad("sasl= is plain, scram-sha-256 or scram-sha-512"));
                        }
                    })
                }
                "tls" => {
                    tls = Some(match value.as_str() {
                        "on" | "true" | "1" | "yes" => true,
                        "off" | "false" | "0" | "no" => false,
                        _ => return Err(bad("tls= is on or off")),
                    })
                }
                "ca" => ca = Some(PathBuf::from(&value)),
                "timeout" => {
                    let seconds: f64 = value
                        .parse()
                        .ok()
                        .filter(|s: &f64| s.is_finite() && *s >= 0.001 && *s <= 86_400.0)
                        .ok_or_else(|| bad("timeout= is a number of seconds, 0.001 to 86400"))?;
                    timeout = Duration::from_secs_f64(seconds);
                }
                _ => {
                    return Err(bad(
                        "the options are sasl=, tls=, ca=, timeout=, user= and password=",
                    ));
                }
            }
            shown_options.push(format!("{key}={value}"));
        }
        if ca.is_some() && tls == Some(false) {
            return Err(bad("ca= is for tls=on"));
        }
        // Whether the address says anything of TLS (`tls=off` included).
        let tls_said = tls.is_some() || ca.is_some();
        let tls = match (tls, ca) {
            (Some(true), ca) | (None, ca @ Some(_)) => Some(ca),
            _ => None,
        };
        if user.as_deref() == Some("") || password.as_deref() == Some("") {
            return Err(bad("an empty user or password"));
        }
        // SASL PLAIN sends the password as it is: only over TLS, unless the address says
        // `tls=off` itself (a broker on a private network, a test).
        if password.is_some() && matches!(mechanism, None | Some(Mechanism::Plain)) && !tls_said {
            return Err(bad(
                "SASL PLAIN sends the password in the clear: add tls=on (or tls=off to send it \
                 anyway), or use sasl=scram-sha-256 or scram-sha-512",
            ));
        }
        let login = match (user, password, mechanism) {
            (Some(user), Some(password), m) => Some(Login {
                user,
                password,
                mechanism: m.unwrap_or(Mechanism::Plain),
            }),
            (None, Some(_), _) => return Err(bad("a password needs a user")),
            (Some(_), None, _) => return Err(bad("a user needs a password")),
            (None, None, Some(_)) => return Err(bad("sasl= needs a user and a password")),
            (None, None, None) => None,
        };
        let mut shown = String::from("kafka://");
        if let Some(login) = &login
            && userinfo.is_some()
        {
            shown.push_str(&login.user);
            shown.push_str(":***@");
        }
        shown.push_str(&brokers.join(","));
        shown.push('/');
        shown.push_str(&topic);
        if !shown_options.is_empty() {
            shown.push('?');
            shown.push_str(&shown_options.join("&"));
        }
        Ok(KafkaUrl {
            shown,
            brokers,
            topic,
            login,
            tls,
            timeout,
        })
    }

    /// The password, for what must remove it from a message; `None` without one.
    pub(super) fn secret(&self) -> Option<&str> {
        self.login
            .as_ref()
            .map(|l| l.password.as_str())
            .filter(|p| !p.is_empty())
    }

    /// The same topic on the same brokers, with another name (for tests that copy a topic).
    pub fn with_topic(&self, topic: &str) -> Result<KafkaUrl, UrlError> {
        let mut url = self.clone();
        if topic.is_empty()
            || !topic
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(bad("a topic's name is the characters a-z A-Z 0-9 . _ -"));
        }
        let old = format!("/{}", self.topic);
        url.shown = self.shown.replacen(&old, &format!("/{topic}"), 1);
        url.topic = topic.to_string();
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_reads_its_brokers_topic_and_login_and_shows_no_password() {
        let url =
            KafkaUrl::parse("kafka://ann:p%40ss:w@h1:9093,h2/ledger.events?sasl=scram-sha-512")
                .unwrap();
        assert_eq!(url.brokers, ["h1:9093", "h2:9092"]);
        assert_eq!(url.topic, "ledger.events");
        let login = url.login.clone().unwrap();
        assert_eq!(
            (login.user.as_str(), login.password.as_str()),
            ("ann", "p@ss:w")
        );
        assert_eq!(login.mechanism, Mechanism::ScramSha512);
        let shown = url.to_string();
        assert_eq!(
            shown,
            "kafka://ann:***@h1:9093,h2:9092/ledger.events?sasl=scram-sha-512"
        );
        assert!(!format!("{url:?} {login:?}").contains("p@ss"));
        let url =
            KafkaUrl::parse("kafka://h:1/t?user=bo&password=s3cr%26t&timeout=2.5&tls=off").unwrap();
        assert_eq!(url.login.as_ref().unwrap().password, "s3cr&t");
        assert_eq!(url.timeout, Duration::from_millis(2500));
        assert_eq!(
            url.to_string(),
            "kafka://h:1/t?user=bo&password=***&timeout=2.5&tls=off"
        );
        let url = KafkaUrl::parse("kafka://[::1]:9093,[fe80::1]/t").unwrap();
        assert_eq!(url.brokers, ["[::1]:9093", "[fe80::1]:9092"]);
        assert_eq!(url.tls, None);
        let url = KafkaUrl::parse("kafka://h/t?ca=/etc/ca.pem").unwrap();
        assert_eq!(url.tls, Some(Some(PathBuf::from("/etc/ca.pem"))));
        assert_eq!(url.secret(), None);
    }

    #[test]
    fn a_bad_address_is_refused_without_showing_any_of_it() {
        for text in [
            "kafka://h:1",
            "kafka://h:1/",
            "kafka://h:port/t",
            "kafka://h:1/a/b",
            "kafka://h:1,/t",
            "kafka://ann@h/t",
            "kafka://:hunter2@h/t",
            "kafka://h/t?password=hunter2",
            "kafka://ann:hunter2@h/t?sasl=md5",
            "kafka://ann:hunter2@h/t?what=1",
            "kafka://ann:hun%zzter2@h/t",
            "kafka://h/t?tls=off&ca=x",
            "kafka://h/t%20x",
            // SASL PLAIN without TLS, unless tls=off says so.
            "kafka://ann:hunter2@h/t",
            "kafka://h/t?user=ann&password=hunter2&sasl=plain",
            // IPv6 only in brackets; ports are digits.
            "kafka://fe80::1/t",
            "kafka://[::1/t",
            "kafka://[nothex]:1/t",
            "kafka://a]:5/t",
            "kafka://h:+9092/t",
            "kafka://h:0/t",
            // Credentials given twice, or empty.
            "kafka://ann:hunter2@h/t?user=bob&sasl=scram-sha-256",
            "kafka://ann:hunter2@h/t?password=x&sasl=scram-sha-256",
            "kafka://h/t?user=&password=hunter2&sasl=scram-sha-256",
            "kafka://ann:@h/t?sasl=scram-sha-256",
            "kafka://h/t?timeout=1e-12",
        ] {
            let e = KafkaUrl::parse(text).unwrap_err().to_string();
            assert!(e.starts_with("kafka://…: "), "{text}: {e}");
            assert!(!e.contains("hunter") && !e.contains("ann"), "{text}: {e}");
        }
        assert!(is_url("KAFKA://h/t") && !is_url("kafka.jsonl"));
    }
}
