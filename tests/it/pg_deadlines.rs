//! Servers that accept a connection and then stop answering, at each phase of a connection: every
//! command gives up after the URL's deadline with one line naming what it was waiting for, and a
//! query it gave up on is cancelled on the server. The servers are fakes in the test (no database
//! needed): a listener whose queue is full, or one that answers part of the protocol and then says
//! nothing.

use crate::common;
use crate::fakepg;

use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::Duration;

use common::rewind;
use fakepg::{KEY, PID, Until, fake};

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
        server.forget_cancels();
        let err = gives_up(&command);
        assert_eq!(
            err,
            expect_line(server.port, query, "waiting for the first row"),
            "{command:?}"
        );
        // The command sent its cancel request before it ended.
        assert_eq!(server.cancels(), vec![(PID, KEY)], "{command:?}");
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
    assert_eq!(server.cancels(), vec![(PID, KEY)]);
}
