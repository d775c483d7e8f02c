//! A fake PostgreSQL server for tests: it speaks the start of the protocol and then stops
//! answering at a chosen point, and records the cancel requests it receives.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// How far a fake server goes before it stops answering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
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
pub struct Fake {
    pub port: u16,
    pub cancels: Arc<Mutex<Vec<(i32, i32)>>>,
    /// Queries left unanswered so far.
    pub unanswered: Arc<std::sync::atomic::AtomicUsize>,
}

pub const PID: i32 = 4242;
pub const KEY: i32 = 777_001;

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

fn serve(
    mut s: TcpStream,
    until: Until,
    slow_answer: bool,
    cancels: &Mutex<Vec<(i32, i32)>>,
    unanswered: &std::sync::atomic::AtomicUsize,
) {
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
                if slow_answer {
                    std::thread::sleep(SLOW);
                }
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
        cancels
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((pid, key));
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
                    unanswered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    return silent(s);
                }
                let mut done = message(b'C', b"SET\0");
                done.extend(message(b'Z', b"T"));
                let _ = s.write_all(&done);
            }
        }
    }
}

impl Fake {
    /// The cancel requests received, once at least one came (a request is written by a process
    /// that may end before this server has read it); empty after a generous wait.
    pub fn cancels(&self) -> Vec<(i32, i32)> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let seen = self
                .cancels
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            if !seen.is_empty() || std::time::Instant::now() > deadline {
                return seen;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// Waits until a query is left unanswered.
    pub fn wait_for_a_query(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while self.unanswered.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            assert!(std::time::Instant::now() < deadline, "no query came");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    pub fn forget_cancels(&self) {
        self.cancels
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// How long a slow server takes to answer a request for TLS.
pub const SLOW: std::time::Duration = std::time::Duration::from_secs(1);

pub fn fake(until: Until) -> Fake {
    fake_with(until, false)
}

/// A fake whose answer to a request for TLS comes after [`SLOW`] on every connection but the
/// first: a cancel request (on a connection of its own) takes that long to send.
pub fn fake_slow_to_cancel(until: Until) -> Fake {
    fake_with(until, true)
}

fn fake_with(until: Until, slow_after_the_first: bool) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let cancels = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&cancels);
    let unanswered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = Arc::clone(&unanswered);
    std::thread::spawn(move || {
        for (n, s) in listener.incoming().enumerate() {
            let Ok(s) = s else { continue };
            let (seen, count) = (Arc::clone(&seen), Arc::clone(&count));
            let slow = slow_after_the_first && n > 0;
            std::thread::spawn(move || serve(s, until, slow, &seen, &count));
        }
    });
    Fake {
        port,
        cancels,
        unanswered,
    }
}
