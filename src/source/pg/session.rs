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

use std::fmt;
use std::future::{Future, poll_fn};
use std::io::{self, BufRead, Read};
use std::path::PathBuf;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use futures_util::Stream as _;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{MakeTlsConnect, NoTls, TlsConnect};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, CopyOutStream, Row, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::url::{DEFAULT_TIMEOUT, Host, PgUrl, SocketOptions, Target};
use super::{PgError, PgErrorKind, Stage, tls};

/// How often a wait looks at its [`Stop`].
pub const TICK: Duration = Duration::from_millis(20);

/// Asks every wait of the sessions that share it to end (and their queries to be cancelled on the
/// server). Clones share one flag.
#[derive(Clone, Debug, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    pub fn stop(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The flag itself, for a signal handler to set.
    pub fn flag(&self) -> &Arc<AtomicBool> {
        &self.0
    }
}

/// What a wait for the server is for; an error names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    Connecting = 0,
    Tls = 1,
    Authenticating = 2,
    FirstRow = 3,
    Rows = 4,
    Writing = 5,
    Committing = 6,
}

impl Phase {
    fn from_u8(n: u8) -> Phase {
        [
            Phase::Connecting,
            Phase::Tls,
            Phase::Authenticating,
            Phase::FirstRow,
            Phase::Rows,
            Phase::Writing,
            Phase::Committing,
        ][usize::from(n).min(6)]
    }

    /// What rewind was doing, as the end of "no answer … while ___".
    pub fn doing(self) -> &'static str {
        match self {
            Phase::Connecting => "connecting",
            Phase::Tls => "negotiating TLS",
            Phase::Authenticating => "authenticating",
            Phase::FirstRow => "waiting for the first row",
            Phase::Rows => "reading rows",
            Phase::Writing => "writing",
            Phase::Committing => {
                "committing (the write may have been committed: look before writing it again)"
            }
        }
    }

    fn stage(self) -> Stage {
        match self {
            Phase::Connecting | Phase::Tls | Phase::Authenticating => Stage::Connect,
            Phase::FirstRow | Phase::Rows => Stage::Read,
            Phase::Writing | Phase::Committing => Stage::Write,
        }
    }
}

/// The phase a wait is in, and how many times it changed: each change starts a new deadline. A
/// query's wait stays in one phase; a connection's moves through several.
#[derive(Clone, Debug)]
enum Watch {
    Fixed(Phase),
    Moving(Arc<AtomicU32>),
}

impl Watch {
    fn fixed(phase: Phase) -> Watch {
        Watch::Fixed(phase)
    }

    fn moving(phase: Phase) -> Watch {
        Watch::Moving(Arc::new(AtomicU32::new(phase as u32)))
    }

    fn set(&self, phase: Phase) {
        if let Watch::Moving(now) = self {
            let _ = now.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |now| {
                Some(((now >> 8).wrapping_add(1) << 8) | phase as u32)
            });
        }
    }

    fn get(&self) -> u32 {
        match self {
            Watch::Fixed(phase) => *phase as u32,
            Watch::Moving(now) => now.load(Ordering::Relaxed),
        }
    }
}

/// Why a wait ended without an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lapse {
    Timeout(Phase, Duration),
    Stopped(Phase),
}

/// Runs `fut` until it ends, the phase it is in has lasted `timeout`, or `stop` is set.
async fn bounded<F: Future>(
    fut: F,
    watch: &Watch,
    timeout: Option<Duration>,
    stop: Option<&Stop>,
) -> Result<F::Output, Lapse> {
    let mut fut = pin!(fut);
    let mut seen = watch.get();
    let mut deadline = timeout.map(|t| Box::pin(tokio::time::sleep(t)));
    let mut tick = tokio::time::interval(TICK);
    poll_fn(|cx| {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(out));
        }
        let now = watch.get();
        let phase = Phase::from_u8(now as u8);
        if stop.is_some_and(Stop::is_stopped) {
            return Poll::Ready(Err(Lapse::Stopped(phase)));
        }
        if let (Some(sleep), Some(t)) = (deadline.as_mut(), timeout) {
            if now != seen {
                seen = now;
                sleep.as_mut().reset(tokio::time::Instant::now() + t);
            }
            if sleep.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(Lapse::Timeout(phase, t)));
            }
        }
        if stop.is_some() {
            while tick.poll_tick(cx).is_ready() {}
        }
        Poll::Pending
    })
    .await
}

/// Seconds as a person writes them: `10 s`, `0.5 s`.
fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

impl PgUrl {
    /// Connects, trying each host in turn, each phase of each attempt within the URL's deadline.
    pub fn connect(&self) -> Result<Session, PgError> {
        Session::open(self, &Stop::default())
    }

    /// A client error as one line, cleaned of the password.
    pub(crate) fn client_error(&self, stage: Stage, e: &tokio_postgres::Error) -> PgError {
        let mut e = PgError::from_client(self.display(), stage, e);
        e.redact(self.secret());
        e
    }

    fn lapse_error(&self, lapse: Lapse) -> PgError {
        match lapse {
            Lapse::Timeout(phase, t) => PgError::new(
                PgErrorKind::Timeout,
                self.display(),
                format!(
                    "no answer from the server within {} while {}",
                    seconds(t),
                    phase.doing()
                ),
            ),
            Lapse::Stopped(phase) => PgError::new(
                PgErrorKind::Cancelled,
                self.display(),
                match phase.stage() {
                    Stage::Connect => "the connection was interrupted",
                    Stage::Read => "the read was interrupted",
                    Stage::Write => "the write was interrupted",
                },
            ),
        }
    }
}

/// A socket to a server: TCP, or a Unix socket.
enum Socket {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Socket::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Socket::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_flush(cx),
            Socket::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Socket::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// Where a connection went, to open another one there (a cancel request).
#[derive(Clone, Debug)]
enum Addr {
    Tcp(std::net::SocketAddr),
    Unix(PathBuf),
}

async fn open_addr(addr: &Addr, options: &SocketOptions) -> io::Result<Socket> {
    match addr {
        Addr::Tcp(a) => {
            let stream = TcpStream::connect(a).await?;
            stream.set_nodelay(true)?;
            let sock = socket2::SockRef::from(&stream);
            if options.keepalives {
                let mut keepalive = socket2::TcpKeepalive::new()
                    .with_time(options.keepalives_idle.unwrap_or(Duration::from_secs(7200)));
                if let Some(i) = options.keepalives_interval {
                    keepalive = keepalive.with_interval(i);
                }
                if let Some(r) = options.keepalives_retries {
                    keepalive = keepalive.with_retries(r);
                }
                sock.set_tcp_keepalive(&keepalive)?;
            }
            #[cfg(target_os = "linux")]
            if let Some(t) = options.tcp_user_timeout {
                sock.set_tcp_user_timeout(Some(t))?;
            }
            Ok(Socket::Tcp(stream))
        }
        Addr::Unix(path) => Ok(Socket::Unix(UnixStream::connect(path).await?)),
    }
}

/// Opens a socket to one host (each of its addresses in turn).
async fn open(target: &Target, options: &SocketOptions) -> io::Result<(Socket, Addr)> {
    match &target.host {
        Host::Unix(dir) => {
            let addr = Addr::Unix(dir.join(format!(".s.PGSQL.{}", target.port)));
            Ok((open_addr(&addr, options).await?, addr))
        }
        Host::Tcp(name) => {
            let mut last = None;
            for a in tokio::net::lookup_host((name.as_str(), target.port)).await? {
                let addr = Addr::Tcp(a);
                match open_addr(&addr, options).await {
                    Ok(socket) => return Ok((socket, addr)),
                    Err(e) => last = Some(e),
                }
            }
            Err(last.unwrap_or_else(|| io::Error::other("the host name has no address")))
        }
    }
}

/// The socket during the log-in: the first byte the server sends answers the request for TLS
/// (`S`: the handshake starts; anything else: no TLS, the log-in goes on in plain text).
struct Watched {
    socket: Socket,
    watch: Watch,
    /// The next byte read answers a request for TLS.
    awaiting_answer: bool,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.socket).poll_read(cx, buf);
        if this.awaiting_answer && buf.filled().len() > before {
            this.awaiting_answer = false;
            this.watch.set(if buf.filled()[before] == b'S' {
                Phase::Tls
            } else {
                Phase::Authenticating
            });
        }
        read
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().socket).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().socket).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().socket).poll_shutdown(cx)
    }
}

/// A TLS connector that says when its handshake is done (the log-in starts then).
struct Staged<T> {
    inner: T,
    watch: Watch,
}

struct StagedHandshake<F> {
    inner: Pin<Box<F>>,
    watch: Watch,
}

impl<F: Future> Future for StagedHandshake<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let out = this.inner.as_mut().poll(cx);
        if out.is_ready() {
            this.watch.set(Phase::Authenticating);
        }
        out
    }
}

impl<S, T: TlsConnect<S>> TlsConnect<S> for Staged<T> {
    type Stream = T::Stream;
    type Error = T::Error;
    type Future = StagedHandshake<T::Future>;

    fn connect(self, stream: S) -> Self::Future {
        StagedHandshake {
            inner: Box::pin(self.inner.connect(stream)),
            watch: self.watch,
        }
    }
}

/// What a cancel request needs: where the session's server is, and how to speak to it.
struct CancelTarget {
    addr: Addr,
    hostname: Option<String>,
    tls: Option<MakeRustlsConnect>,
    socket: SocketOptions,
}

/// Why one attempt to connect failed.
enum Refused {
    Io(io::Error),
    Client(tokio_postgres::Error),
}

async fn connect_to(
    url: &PgUrl,
    target: &Target,
    tls: Option<MakeRustlsConnect>,
    watch: Watch,
) -> Result<(Client, JoinHandle<()>, CancelTarget), Refused> {
    let (socket, addr) = open(target, url.socket()).await.map_err(Refused::Io)?;
    let hostname = match &target.host {
        Host::Tcp(name) => Some(name.clone()),
        Host::Unix(_) => None,
    };
    watch.set(if tls.is_some() {
        Phase::Tls
    } else {
        Phase::Authenticating
    });
    let stream = Watched {
        socket,
        watch: watch.clone(),
        awaiting_answer: tls.is_some(),
    };
    let (client, connection) = match tls.clone() {
        None => {
            let (client, connection) = url
                .config()
                .connect_raw(stream, NoTls)
                .await
                .map_err(Refused::Client)?;
            (client, tokio::spawn(async move { drop(connection.await) }))
        }
        Some(mut make) => {
            let Ok(connector) = <MakeRustlsConnect as MakeTlsConnect<Watched>>::make_tls_connect(
                &mut make,
                hostname.as_deref().unwrap_or(""),
            );
            let staged = Staged {
                inner: connector,
                watch,
            };
            let (client, connection) = url
                .config()
                .connect_raw(stream, staged)
                .await
                .map_err(Refused::Client)?;
            (client, tokio::spawn(async move { drop(connection.await) }))
        }
    };
    let cancel = CancelTarget {
        addr,
        hostname,
        tls,
        socket: url.socket().clone(),
    };
    Ok((client, connection, cancel))
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
