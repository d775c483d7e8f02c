//! The socket to a server, opened by rewind itself (TCP with the URL's keepalives, or a Unix
//! socket), and the log-in over it, each step saying which phase the wait is in.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio::task::JoinHandle;
use tokio_postgres::Client;
use tokio_postgres::tls::{MakeTlsConnect, NoTls, TlsConnect};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::super::url::{Host, PgUrl, SocketOptions, Target};
use super::wait::{Phase, Watch};

/// A socket to a server: TCP, or a Unix socket.
pub(super) enum Socket {
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
pub(super) enum Addr {
    Tcp(std::net::SocketAddr),
    Unix(PathBuf),
}

pub(super) async fn open_addr(addr: &Addr, options: &SocketOptions) -> io::Result<Socket> {
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
pub(super) struct CancelTarget {
    pub(super) addr: Addr,
    pub(super) hostname: Option<String>,
    pub(super) tls: Option<MakeRustlsConnect>,
    pub(super) socket: SocketOptions,
}

/// Why one attempt to connect failed.
pub(super) enum Refused {
    Io(io::Error),
    Client(tokio_postgres::Error),
}

pub(super) async fn connect_to(
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
