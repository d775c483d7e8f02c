//! Why a topic could not be read or written, in one line that never shows a password.

/// What went wrong, broadly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KafkaErrorKind {
    /// The address or the options do not describe a topic.
    Usage,
    /// No broker could be reached, or one broke the connection.
    Connect,
    /// A broker did not answer in time.
    Timeout,
    /// The broker refused the login, or the user may not read or write the topic.
    Login,
    /// The topic is not on the brokers.
    NoTopic,
    /// A broker refused a request for another reason, or answered what cannot be read.
    Broker,
    /// A read was stopped by its caller.
    Cancelled,
    /// The partition no longer holds the offset asked for (truncated, or made again).
    OffsetOutOfRange,
}

/// An error reading from or writing to a Kafka topic.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{url}: {message}")]
pub struct KafkaError {
    /// What went wrong, broadly.
    pub kind: KafkaErrorKind,
    /// The address with its password masked.
    pub url: String,
    /// One line, without the address.
    pub message: String,
}

impl KafkaError {
    /// An error of `kind` for the topic shown as `url`, on one line, with `secret` (a password)
    /// removed from it wherever it appears.
    pub fn new(
        kind: KafkaErrorKind,
        url: &str,
        message: impl Into<String>,
        secret: Option<&str>,
    ) -> KafkaError {
        let mut message = message.into();
        // The secret first: a password with runs of spaces is found as it was given.
        if let Some(secret) = secret.filter(|s| !s.is_empty()) {
            message = message.replace(secret, "***");
        }
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        KafkaError {
            kind,
            url: url.to_string(),
            message,
        }
    }

    /// The client's error, worded for a person: what was being done, and why it failed.
    pub(super) fn from_client(
        url: &str,
        doing: &str,
        e: &rskafka::client::error::Error,
        secret: Option<&str>,
    ) -> KafkaError {
        use rskafka::client::error::{Error, ProtocolError};
        let text = e.to_string();
        let (kind, message) = match e {
            Error::ServerError { protocol_error, .. } => match protocol_error {
                ProtocolError::OffsetOutOfRange => (
                    KafkaErrorKind::OffsetOutOfRange,
                    format!("{doing}: the partition no longer holds that offset"),
                ),
                ProtocolError::UnknownTopicOrPartition => (
                    KafkaErrorKind::NoTopic,
                    format!("{doing}: the topic is not on the brokers"),
                ),
                ProtocolError::TopicAuthorizationFailed
                | ProtocolError::ClusterAuthorizationFailed
                | ProtocolError::GroupAuthorizationFailed
                | ProtocolError::SaslAuthenticationFailed => (
                    KafkaErrorKind::Login,
                    format!("{doing}: the broker refused: {protocol_error}"),
                ),
                _ => (
                    KafkaErrorKind::Broker,
                    format!("{doing}: the broker refused: {protocol_error}"),
                ),
            },
            Error::Connection(c) => {
                let sasl = matches!(c, rskafka::ConnectionError::SaslFailed(_));
                let text = c.to_string();
                if sasl || text.contains("Sasl") || text.contains("SASL") {
                    (
                        KafkaErrorKind::Login,
                        format!("{doing}: the broker refused the login ({text})"),
                    )
                } else {
                    (
                        KafkaErrorKind::Connect,
                        format!("{doing}: cannot reach a broker ({text})"),
                    )
                }
            }
            _ if text.contains("Sasl") || text.contains("SASL") => (
                KafkaErrorKind::Login,
                format!("{doing}: the broker refused the login ({text})"),
            ),
            _ => (KafkaErrorKind::Broker, format!("{doing}: {text}")),
        };
        KafkaError::new(kind, url, message, secret)
    }
}
