//! One connection to a server, every wait of which has a deadline and can be stopped.
//!
//! The client library's blocking wrapper waits for ever once a socket is open (its
//! `connect_timeout` covers the TCP connect alone), and a blocked call cannot be interrupted from
//! another thread. So rewind drives the asynchronous client on a runtime of its own, opens the
//! socket itself, and bounds each wait separately: connecting (the name lookup and the TCP or Unix
//! socket connect), negotiating TLS, authenticating, and each answer to a query. A wait that
//! passes its deadline, or that is stopped ([`Stop`]: Ctrl-C, `q` in the explorer), ends within
//! [`TICK`]; a query the server may still be running is then cancelled on the server with the
//! connection's cancel key, and the session refuses any further use.
mod socket;
mod wait;

use std::fmt;
use std::future::{Future, poll_fn};
use std::io::{self, BufRead, Read};
use std::pin::Pin;

use bytes::{Buf, Bytes};
use futures_util::Stream as _;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{MakeTlsConnect, NoTls};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, CopyOutStream, Row, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::url::{DEFAULT_TIMEOUT, PgUrl};
use super::{PgError, PgErrorKind, Stage, tls};
use socket::{CancelTarget, Refused, Socket, connect_to, open_addr};
use wait::{Lapse, Watch, bounded};
pub use wait::{Phase, Stop, TICK};

impl PgUrl {
    /// Connects, trying each host in turn, each phase of each attempt within the URL's deadline.
    pub fn connect(&self) -> Result<Session, PgError> {
        Session::open(self, &Stop::default())
    }
}

/// A connection to a server. Every call waits at most the URL's deadline for each answer, and
/// ends early when its [`Stop`] is set; after a call that ended so, the session is unusable.
pub struct Session {
    client: Client,
    link: Link,
}

/// Everything of a session but its client: the runtime that drives the connection, and what a
/// wait needs.
struct Link {
    runtime: Option<Runtime>,
    connection: JoinHandle<()>,
    cancel: CancelTarget,
    url: PgUrl,
    stop: Stop,
    /// Why the session can no longer be used.
    broken: Option<PgError>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Session({})", self.link.url)
    }
}

impl Session {
    /// Connects to the first host of `url` that answers; `stop` ends any wait early.
    pub(crate) fn open(url: &PgUrl, stop: &Stop) -> Result<Session, PgError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                PgError::new(
                    PgErrorKind::Connect,
                    url.display(),
                    format!("cannot start the client: {e}"),
                )
            })?;
        let tls = match url.config().get_ssl_mode() {
            SslMode::Disable => None,
            _ => Some(
                tls::connector(url.tls())
                    .map_err(|m| PgError::new(PgErrorKind::Usage, url.display(), m))?,
            ),
        };
        let mut last = None;
        for target in url.targets() {
            let watch = Watch::moving(Phase::Connecting);
            let attempt = connect_to(url, target, tls.clone(), watch.clone());
            match runtime.block_on(bounded(attempt, &watch, url.timeout(), Some(stop))) {
                Ok(Ok((client, connection, cancel))) => {
                    let link = Link {
                        runtime: Some(runtime),
                        connection,
                        cancel,
                        url: url.clone(),
                        stop: stop.clone(),
                        broken: None,
                    };
                    return Ok(Session { client, link });
                }
                Ok(Err(Refused::Client(e))) => last = Some(url.client_error(Stage::Connect, &e)),
                Ok(Err(Refused::Io(e))) => {
                    let mut e = PgError::new(
                        PgErrorKind::Connect,
                        url.display(),
                        format!("cannot connect: {e}"),
                    );
                    e.redact(url.secret());
                    last = Some(e);
                }
                Err(lapse @ Lapse::Stopped(_)) => {
                    runtime.shutdown_background();
                    return Err(url.lapse_error(lapse));
                }
                Err(lapse) => last = Some(url.lapse_error(lapse)),
            }
        }
        runtime.shutdown_background();
        Err(last.expect("a URL names at least one host"))
    }

    /// The URL the session was opened with.
    pub fn url(&self) -> &PgUrl {
        &self.link.url
    }

    /// Runs statements (the simple protocol: one round trip, no parameters).
    pub fn batch_execute(&mut self, sql: &str, phase: Phase) -> Result<(), PgError> {
        let client = &self.client;
        self.link.wait(client, phase, client.batch_execute(sql))
    }

    /// One row of a query.
    pub fn query_one(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        phase: Phase,
    ) -> Result<Row, PgError> {
        let client = &self.client;
        self.link.wait(client, phase, client.query_one(sql, params))
    }

    /// Prepares a statement (its columns are then known).
    pub fn prepare(&mut self, sql: &str, phase: Phase) -> Result<Statement, PgError> {
        let client = &self.client;
        self.link.wait(client, phase, client.prepare(sql))
    }

    /// Starts a `COPY … TO STDOUT` and reads it: the first answer is waited for as `FirstRow`,
    /// the others as `Rows`.
    pub fn copy_out(&mut self, sql: &str) -> Result<CopyReader<'_>, PgError> {
        let client = &self.client;
        let stream = self
            .link
            .wait(client, Phase::FirstRow, client.copy_out(sql))?;
        Ok(CopyReader {
            session: self,
            stream: Box::pin(stream),
            chunk: Bytes::new(),
            phase: Phase::FirstRow,
        })
    }
}

impl Link {
    /// Waits for `fut` within the deadline. A client error becomes one line; a deadline passed
    /// or a stop cancels what the server runs and breaks the session.
    fn wait<T>(
        &mut self,
        client: &Client,
        phase: Phase,
        fut: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, PgError> {
        if let Some(e) = &self.broken {
            return Err(e.clone());
        }
        let runtime = self.runtime.as_ref().expect("a runtime until dropped");
        let watch = Watch::fixed(phase);
        match runtime.block_on(bounded(fut, &watch, self.url.timeout(), Some(&self.stop))) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.url.client_error(phase.stage(), &e)),
            Err(lapse) => {
                self.cancel_on_server(client);
                let e = self.url.lapse_error(lapse);
                self.broken = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Asks the server to cancel what it runs for this session, on a connection of its own
    /// (within the deadline; the server does not say whether it did).
    fn cancel_on_server(&self, client: &Client) {
        let Some(runtime) = self.runtime.as_ref() else {
            return;
        };
        let token = client.cancel_token();
        let target = &self.cancel;
        let request = async {
            let socket = open_addr(&target.addr, &target.socket)
                .await
                .map_err(|e| e.to_string())?;
            match target.tls.clone() {
                None => token.cancel_query_raw(socket, NoTls).await,
                Some(mut make) => {
                    let Ok(connector) =
                        <MakeRustlsConnect as MakeTlsConnect<Socket>>::make_tls_connect(
                            &mut make,
                            target.hostname.as_deref().unwrap_or(""),
                        );
                    token.cancel_query_raw(socket, connector).await
                }
            }
            .map_err(|e| e.to_string())
        };
        let watch = Watch::fixed(Phase::Connecting);
        let limit = self.url.timeout().unwrap_or(DEFAULT_TIMEOUT);
        let _ = runtime.block_on(bounded(request, &watch, Some(limit), None));
    }
}

impl Drop for Link {
    /// The connection is closed; nothing waits for a server that stopped answering.
    fn drop(&mut self) {
        self.connection.abort();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The bytes of a `COPY … TO STDOUT`, as they come. An error is an [`io::Error`] holding the
/// [`PgError`] (see [`CopyReader::error`]).
pub struct CopyReader<'s> {
    session: &'s mut Session,
    stream: Pin<Box<CopyOutStream>>,
    chunk: Bytes,
    phase: Phase,
}

impl CopyReader<'_> {
    /// The one-line error an I/O error of this reader holds, if it holds one.
    pub fn error(e: &io::Error) -> Option<&PgError> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<PgError>())
    }
}

impl BufRead for CopyReader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.chunk.is_empty() {
            let stream = &mut self.stream;
            let next = async move {
                poll_fn(|cx| stream.as_mut().poll_next(cx))
                    .await
                    .transpose()
            };
            let Session { client, link } = &mut *self.session;
            match link.wait(client, self.phase, next) {
                Ok(Some(bytes)) => {
                    self.chunk = bytes;
                    self.phase = Phase::Rows;
                }
                Ok(None) => break,
                Err(e) => return Err(io::Error::other(e)),
            }
        }
        Ok(&self.chunk)
    }

    fn consume(&mut self, amount: usize) {
        self.chunk.advance(amount);
    }
}

impl Read for CopyReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn an_interrupted_commit_says_the_write_may_be_there() {
        let url = PgUrl::parse("postgres://u:pw-1@h/db").unwrap();
        let e = url.lapse_error(Lapse::Stopped(Phase::Committing));
        assert_eq!(e.kind, PgErrorKind::Cancelled);
        assert_eq!(
            e.to_string(),
            "postgres://u:***@h/db: the write was interrupted while committing (it may have been \
             committed: look before writing it again)"
        );
        let e = url.lapse_error(Lapse::Stopped(Phase::Writing));
        assert_eq!(
            e.to_string(),
            "postgres://u:***@h/db: the write was interrupted"
        );
        let e = url.lapse_error(Lapse::Timeout(Phase::Committing, Duration::from_secs(2)));
        assert!(e.to_string().contains("may have been committed"), "{e}");
    }
}
