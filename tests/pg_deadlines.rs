//! Servers that accept a connection and then stop answering, at each phase of a connection: every
//! command gives up after the URL's deadline with one line naming what it was waiting for, and a
//! query it gave up on is cancelled on the server. The servers are fakes in the test (no database
//! needed): a listener whose queue is full, or one that answers part of the protocol and then says
//! nothing.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::rewind;

/// How far a fake server goes before it stops answering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Until {
    /// It reads the request for TLS and says nothing.
    TlsRequest,
    /// It accepts TLS (`S`) and says nothing more.
    TlsHandshake,
    /// It answers `N` to TLS and says nothing after the log-in message.
    Login,
    /// It asks for a password, reads it, and says nothing.
    Password,
    /// The log-in succeeds, simple statements are answered, and then nothing.
    FirstRow,
}

/// A fake server; `cancels` are the cancel requests it received (process id, secret key).
struct Fake {
    port: u16,
    cancels: Arc<Mutex<Vec<(i32, i32)>>>,
}

const PID: i32 = 4242;
const KEY: i32 = 777_001;

fn read_i32(s: &mut TcpStream) -> Option<i32> {
    let mut b = [0u8; 4];
    s.read_exact(&mut b).ok()?;
    Some(i32::from_be_bytes(b))
}

/// Reads one message of the start of a connection (no type byte): its code and body.
fn read_startup(s: &mut TcpStream) -> Option<(i32, Vec<u8>)> {
    let len = read_i32(s)?;
    let code = read_i32(s)?;
    let mut body = vec![0u8; (len as usize).saturating_sub(8)];
    s.read_exact(&mut body).ok()?;
    Some((code, body))
}

/// Reads one message after the start: its type and body.
fn read_message(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut t = [0u8; 1];
    s.read_exact(&mut t).ok()?;
    let len = read_i32(s)?;
    let mut body = vec![0u8; (len as usize).saturating_sub(4)];
    s.read_exact(&mut body).ok()?;
    Some((t[0], body))
}

fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// Keeps the connection open, reading whatever comes, answering nothing.
fn silent(mut s: TcpStream) {
    let mut sink = [0u8; 4096];
    while matches!(s.read(&mut sink), Ok(n) if n > 0) {}
}

fn serve(mut s: TcpStream, until: Until, cancels: &Mutex<Vec<(i32, i32)>>) {
    let Some((mut code, mut body)) = read_startup(&mut s) else {
        return;
    };
    if code == 80_877_103 {
        // A request for TLS.
        match until {
            Until::TlsRequest => return silent(s),
            Until::TlsHandshake => {
                let _ = s.write_all(b"S");
                return silent(s);
            }
            _ => {
                let _ = s.write_all(b"N");
            }
        }
        let Some(next) = read_startup(&mut s) else {
            return;
        };
        (code, body) = next;
    }
    if code == 80_877_102 {
        // A cancel request: process id and secret key.
        let pid = i32::from_be_bytes(body[0..4].try_into().unwrap());
        let key = i32::from_be_bytes(body[4..8].try_into().unwrap());
        cancels.lock().unwrap().push((pid, key));
        return;
    }
    match until {
        Until::TlsRequest | Until::TlsHandshake | Until::Login => silent(s),
        Until::Password => {
            // AuthenticationCleartextPassword, then the password comes.
            let _ = s.write_all(&message(b'R', &3i32.to_be_bytes()));
            let _ = read_message(&mut s);
            silent(s)
        }
        Until::FirstRow => {
            let mut hello = message(b'R', &0i32.to_be_bytes());
            let mut key = PID.to_be_bytes().to_vec();
            key.extend_from_slice(&KEY.to_be_bytes());
            hello.extend(message(b'K', &key));
            hello.extend(message(b'Z', b"I"));
            let _ = s.write_all(&hello);
            // Statements sent whole (BEGIN …; SET …) are answered; a query is not.
            while let Some((kind, _)) = read_message(&mut s) {
                if kind != b'Q' {
                    return silent(s);
                }
                let mut done = message(b'C', b"SET\0");
                done.extend(message(b'Z', b"T"));
                let _ = s.write_all(&done);
            }
        }
    }
}

fn fake(until: Until) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let cancels = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&cancels);
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(s) = s else { continue };
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || serve(s, until, &seen));
        }
    });
    Fake { port, cancels }
}

/// A listener that never accepts, its queue full: a connect to it gets no answer at all.
fn full_listener() -> (TcpListener, u16, Vec<TcpStream>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // SAFETY: listen(2) on the listener's own socket, to shrink its queue to the minimum.
    assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0);
    let mut queued = Vec::new();
    for _ in 0..8 {
        match TcpStream::connect_timeout(
            &listener.local_addr().unwrap(),
            Duration::from_millis(300),
        ) {
            Ok(s) => queued.push(s),
            Err(_) => break,
        }
    }
    (listener, port, queued)
}

/// Runs rewind (killed if it were to hang past a generous limit), expects exit 2 and one line.
fn gives_up(args: &[&str]) -> String {
    let out = rewind()
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("rewind runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(out.stdout.is_empty());
    err
}

fn expect_line(port: u16, query: &str, doing: &str) -> String {
    format!(
        "rewind: postgres://u:***@127.0.0.1:{port}/db?{query}: no answer from the server within \
         1 s while {doing}\n"
    )
}

#[test]
fn a_server_that_never_answers_the_connect() {
    let (_listener, port, _queued) = full_listener();
    let query = "connect_timeout=1";
    let url = format!("postgres://u:pw-1@127.0.0.1:{port}/db?{query}");
    let err = gives_up(&["balance", &url, "--preset", "message-db"]);
    assert_eq!(err, expect_line(port, query, "connecting"));
}

#[test]
fn a_server_silent_during_tls() {
    for (until, mode) in [
        (Until::TlsRequest, "prefer"),
        (Until::TlsRequest, "require"),
        (Until::TlsHandshake, "require"),
    ] {
        let server = fake(until);
        let query = format!("connect_timeout=1&sslmode={mode}");
        let url = format!("postgres://u:pw-1@127.0.0.1:{}/db?{query}", server.port);
        let err = gives_up(&["check", &url, "--preset", "message-db"]);
        assert_eq!(
            err,
            expect_line(server.port, &query, "negotiating TLS"),
            "{until:?}"
        );
    }
}

#[test]
fn a_server_silent_while_authenticating() {
    for (until, query) in [
        (Until::Login, "connect_timeout=1"),
        (Until::Login, "sslmode=disable&connect_timeout=1"),
        (Until::Password, "connect_timeout=1"),
    ] {
        let server = fake(until);
        let url = format!("postgres://u:pw-1@127.0.0.1:{}/db?{query}", server.port);
        for command in [
            vec!["balance", &url, "--preset", "message-db"],
            vec!["verify", &url, "--preset", "message-db"],
            vec![
                "append",
                &url,
                "--preset",
                "message-db",
                "--account",
                "a",
                "--type",
                "Deposited",
                "--amount",
                "1",
            ],
        ] {
            let err = gives_up(&command);
            assert_eq!(
                err,
                expect_line(server.port, query, "authenticating"),
                "{until:?} {command:?}"
            );
        }
    }
}

#[test]
fn a_server_silent_after_the_login_and_the_query_is_cancelled_on_it() {
    let server = fake(Until::FirstRow);
    let query = "sslmode=disable&connect_timeout=1";
    let url = format!("postgres://u:pw-1@127.0.0.1:{}/db?{query}", server.port);
    for command in [
        vec!["balance", &url, "--preset", "message-db"],
        vec!["verify", &url, "--preset", "message-db"],
        vec![
            "check",
            &url,
            "--query",
            "SELECT 1 AS seq, 'a' AS account, 'DEPOSIT' AS type, now() AS ts",
        ],
    ] {
        server.cancels.lock().unwrap().clear();
        let err = gives_up(&command);
        assert_eq!(
            err,
            expect_line(server.port, query, "waiting for the first row"),
            "{command:?}"
        );
        // The command sent its cancel request before it ended.
        assert_eq!(*server.cancels.lock().unwrap(), vec![(PID, KEY)], "{command:?}");
    }
}

#[test]
fn an_append_to_a_silent_server_says_what_it_waited_for() {
    let server = fake(Until::FirstRow);
    let query = "sslmode=disable&connect_timeout=1";
    let url = format!("postgres://u:pw-1@127.0.0.1:{}/db?{query}", server.port);
    let err = gives_up(&[
        "append",
        &url,
        "--preset",
        "message-db",
        "--account",
        "a",
        "--type",
        "Deposited",
        "--amount",
        "1",
    ]);
    assert_eq!(err, expect_line(server.port, query, "writing"));
    assert_eq!(*server.cancels.lock().unwrap(), vec![(PID, KEY)]);
}
