//! What a URL asks of the connection beyond what the client library reads itself: how much of the
//! server's certificate TLS checks, against which roots, and the TCP socket's settings.

use std::path::PathBuf;
use std::time::Duration;

/// How much of the server's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verify {
    /// Nothing (`prefer`, `require`): the connection is encrypted, the server not authenticated.
    Nothing,
    /// The chain up to a trusted root (`verify-ca`).
    Chain,
    /// The chain and the host name (`verify-full`).
    Full,
}

/// Where the trusted roots come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Roots {
    /// A PEM file of certificates.
    File(PathBuf),
    /// The system's store.
    System,
}

/// What a URL asks of TLS beyond what the client library reads itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsOptions {
    pub verify: Verify,
    pub roots: Option<Roots>,
    /// `sslmode=require` was asked for.
    pub require: bool,
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
