//! Waits with a deadline that can be stopped: the phase a wait is in, how long it may last, and
//! the error a wait that ended without an answer becomes.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::task::Poll;
use std::time::Duration;

use super::super::url::PgUrl;
use super::super::{PgError, PgErrorKind, Stage};

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

    pub(super) fn stage(self) -> Stage {
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
pub(super) enum Watch {
    Fixed(Phase),
    Moving(Arc<AtomicU32>),
}

impl Watch {
    pub(super) fn fixed(phase: Phase) -> Watch {
        Watch::Fixed(phase)
    }

    pub(super) fn moving(phase: Phase) -> Watch {
        Watch::Moving(Arc::new(AtomicU32::new(phase as u32)))
    }

    pub(super) fn set(&self, phase: Phase) {
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
pub(super) enum Lapse {
    Timeout(Phase, Duration),
    Stopped(Phase),
}

/// Runs `fut` until it ends, the phase it is in has lasted `timeout`, or `stop` is set.
pub(super) async fn bounded<F: Future>(
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
    /// A client error as one line, cleaned of the password.
    pub(crate) fn client_error(&self, stage: Stage, e: &tokio_postgres::Error) -> PgError {
        let mut e = PgError::from_client(self.display(), stage, e);
        e.redact(self.secret());
        e
    }

    pub(super) fn lapse_error(&self, lapse: Lapse) -> PgError {
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
                match phase {
                    // The server may have committed before it heard of the interruption.
                    Phase::Committing => {
                        "the write was interrupted while committing (it may have been \
                         committed: look before writing it again)"
                    }
                    _ => match phase.stage() {
                        Stage::Connect => "the connection was interrupted",
                        Stage::Read => "the read was interrupted",
                        Stage::Write => "the write was interrupted",
                    },
                },
            ),
        }
    }
}
