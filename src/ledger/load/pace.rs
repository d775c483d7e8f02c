//! The pace of a load, as whoever shows its [`Progress`] sees it: which phase it is in (reading
//! the bytes, then indexing what was read) and about how long is left.
//!
//! The time left is an estimate from the pace so far: while reading, the bytes still to read at
//! the rate read so far, plus the indexing to come, taken as a share of the reading time; while
//! indexing, that share less the time already spent on it. The shares were measured on a
//! generated log of 10,000,000 events (1.33 GB, two cores): reading took 2.0–2.2 s, then
//! indexing 1.1–1.3 s for one answer (summary depth) and 2.0 s for the explorer and `history`
//! (full depth). Estimates are floating point: they are never money, and only ever shown rounded.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::Progress;
use crate::ledger::Depth;

/// Where a load is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading and parsing the source's bytes.
    Reading,
    /// Every byte is read: building the time order, the balances and the problems.
    Indexing,
}

/// What an observer of a load has seen of it so far.
#[derive(Clone, Debug)]
pub struct Pace {
    start: Instant,
    /// How long the reading took, once it is seen to have ended.
    read_in: Option<Duration>,
    /// Indexing time as a share of the reading time.
    share: f64,
}

impl Pace {
    /// Starts watching a load of this depth (now).
    pub fn new(depth: Depth) -> Pace {
        Pace {
            start: Instant::now(),
            read_in: None,
            share: match depth {
                Depth::Full => 0.95,
                Depth::Summary => 0.6,
            },
        }
    }

    /// The phase the load is in, noting when the reading is seen to end (call it often: the
    /// estimate of the indexing starts from that moment).
    pub fn phase(&mut self, progress: &Progress) -> Phase {
        if progress.read.load(Ordering::Relaxed) {
            self.read_in.get_or_insert_with(|| self.start.elapsed());
            Phase::Indexing
        } else {
            Phase::Reading
        }
    }

    /// About how long is left at `elapsed` (see the module's notes); `None` before the first
    /// piece is read.
    fn time_left_at(&mut self, progress: &Progress, elapsed: Duration) -> Option<Duration> {
        let phase = self.phase(progress);
        let total = progress.bytes_total.load(Ordering::Relaxed) as f64;
        let done = progress.bytes_done.load(Ordering::Relaxed) as f64;
        let seconds = match (phase, self.read_in) {
            (Phase::Indexing, Some(read_in)) => {
                let indexing = read_in.as_secs_f64() * self.share;
                // `read_in` may be noted a moment after `elapsed` was taken.
                (indexing - elapsed.saturating_sub(read_in).as_secs_f64()).max(0.0)
            }
            // Nothing read yet, or more than the estimated total (a database's or a topic's).
            _ if done <= 0.0 || total <= 0.0 || done >= total => return None,
            _ => {
                let reading = elapsed.as_secs_f64() * total / done;
                (reading - elapsed.as_secs_f64()).max(0.0) + reading * self.share
            }
        };
        Duration::try_from_secs_f64(seconds).ok()
    }

    /// `reading · about 4 s left`, `indexing · about 1 s left`, or `indexing · finishing`.
    pub fn said(&mut self, progress: &Progress) -> String {
        let elapsed = self.start.elapsed();
        self.said_at(progress, elapsed)
    }

    fn said_at(&mut self, progress: &Progress, elapsed: Duration) -> String {
        let left = self.time_left_at(progress, elapsed);
        let phase = match self.phase(progress) {
            Phase::Reading => "reading",
            Phase::Indexing => "indexing",
        };
        match left {
            None => phase.to_string(),
            Some(d) if d < Duration::from_millis(500) => format!("{phase} · finishing"),
            Some(d) if d < Duration::from_secs(90) => {
                format!("{phase} · about {} s left", d.as_secs_f64().round() as u64)
            }
            Some(d) => format!("{phase} · about {} min left", d.as_secs().div_ceil(60)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(total: u64, done: u64) -> Progress {
        let p = Progress::default();
        p.bytes_total.store(total, Ordering::Relaxed);
        p.bytes_done.store(done, Ordering::Relaxed);
        p
    }

    fn read(total: u64) -> Progress {
        let p = progress(total, total);
        p.read.store(true, Ordering::Relaxed);
        p
    }

    #[test]
    fn the_time_left_follows_the_pace_of_reading_then_of_indexing() {
        let mut pace = Pace::new(Depth::Summary);
        assert_eq!(
            pace.said_at(&progress(1000, 0), Duration::from_secs(1)),
            "reading"
        );
        // A quarter read in 1 s: 3 s of reading left, then 0.6 × 4 s of indexing.
        let p = progress(1000, 250);
        let left = pace.time_left_at(&p, Duration::from_secs(1)).unwrap();
        assert!((left.as_secs_f64() - 5.4).abs() < 1e-9, "{left:?}");
        assert_eq!(
            pace.said_at(&p, Duration::from_secs(1)),
            "reading · about 5 s left"
        );
        // All the bytes counted, but the load has not said it is done reading: no guess.
        let p = progress(1000, 1000);
        assert_eq!(pace.phase(&p), Phase::Reading);
        assert_eq!(pace.said_at(&p, Duration::from_secs(4)), "reading");
        // Read in 4 s: indexing, 2.4 s from then.
        let p = read(1000);
        assert_eq!(pace.phase(&p), Phase::Indexing);
        pace.read_in = Some(Duration::from_secs(4));
        assert_eq!(
            pace.said_at(&p, Duration::from_secs(5)),
            "indexing · about 1 s left"
        );
        assert_eq!(
            pace.said_at(&p, Duration::from_secs(9)),
            "indexing · finishing"
        );
        // Long loads in minutes.
        let mut pace = Pace::new(Depth::Full);
        let said = pace.said_at(&progress(1000, 10), Duration::from_secs(10));
        assert_eq!(said, "reading · about 33 min left");
    }

    #[test]
    fn the_end_of_reading_seen_after_the_clock_was_read_is_no_panic() {
        let mut pace = Pace::new(Depth::Full);
        let p = read(1000);
        // The reading is noted as ending now, later than the moment given.
        let said = pace.said_at(&p, Duration::ZERO);
        assert!(said.starts_with("indexing"), "{said}");
    }

    #[test]
    fn an_unknown_total_has_no_estimate() {
        let mut pace = Pace::new(Depth::Full);
        assert_eq!(
            pace.time_left_at(&progress(0, 0), Duration::from_secs(3)),
            None
        );
    }
}
