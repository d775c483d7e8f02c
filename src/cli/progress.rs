//! Loading a log for a headless command: progress on stderr while a large file loads, and Ctrl-C.
//!
//! The progress line (bytes and events) appears only when stderr is a terminal and the load takes
//! more than a moment; it is rewritten in place and erased when the load ends, so that what the
//! command prints afterwards starts on a clean line. Scripts and pipes never see it.
//!
//! A first Ctrl-C stops the load between two pieces of the file and the command exits with status
//! 130; a second one ends the process at once.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::{Failure, open_failure};
use crate::ledger::{Ledger, LoadError, LoadOptions, Pace, Progress};
use crate::source::{OpenError, Source};
use crate::text::{escape_control, group};

/// How long a load runs before its progress is shown.
const QUIET_FOR: Duration = Duration::from_millis(500);
/// How often the progress line is rewritten.
const EVERY: Duration = Duration::from_millis(100);
/// The exit status of a command interrupted by Ctrl-C (128 + SIGINT).
pub const INTERRUPTED: u8 = 130;

/// How long a load told to stop by Ctrl-C is given to end before the command exits without it
/// (a file still being indexed is not waited for).
const STOP_GRACE: Duration = Duration::from_millis(150);

/// Loads a source, showing progress on stderr when it is a terminal.
pub fn load_reporting(source: &Source, options: &LoadOptions) -> Result<Ledger, Failure> {
    if source.is_instant() {
        return source.load(options, None).map_err(open_failure);
    }
    let progress = Arc::new(Progress::default());
    let interrupted = Arc::new(AtomicBool::new(false));
    watch_interrupts(&interrupted);
    let done = Arc::new(AtomicBool::new(false));
    let worker = {
        let (progress, done) = (Arc::clone(&progress), Arc::clone(&done));
        let (source, options) = (source.clone(), options.clone());
        thread::spawn(move || {
            let result = source.load(&options, Some(&progress));
            done.store(true, Ordering::Relaxed);
            result
        })
    };
    let path = source.name();
    let name = escape_control(&path).into_owned();
    let show = std::io::stderr().is_terminal();
    let grace = (!source.waits_for_stop()).then_some(STOP_GRACE);
    let mut pace = Pace::new(options.depth);
    report(
        &name,
        &progress,
        &mut pace,
        &interrupted,
        &done,
        show,
        grace,
    );
    let interrupted_failure = || Failure {
        code: INTERRUPTED,
        message: format!("{path}: the load was interrupted"),
    };
    if !done.load(Ordering::Relaxed) {
        // Interrupted, and the load did not end in time: it is left behind.
        return Err(interrupted_failure());
    }
    let result = worker
        .join()
        .map_err(|_| Failure::usage(format!("{path}: the load failed unexpectedly")))?;
    match result {
        Ok(_) | Err(OpenError::Load(LoadError::Cancelled { .. }))
            if interrupted.load(Ordering::Relaxed) =>
        {
            Err(interrupted_failure())
        }
        Ok(ledger) => Ok(ledger),
        Err(e) => Err(open_failure(e)),
    }
}

/// Makes Ctrl-C set `flag` instead of ending the process, unless the flag is already set.
pub(crate) fn watch_interrupts(flag: &Arc<AtomicBool>) {
    #[cfg(unix)]
    {
        use signal_hook::consts::SIGINT;
        // The order matters: a signal that finds the flag set ends the process, then the flag is set.
        let _ = signal_hook::flag::register_conditional_default(SIGINT, Arc::clone(flag));
        let _ = signal_hook::flag::register(SIGINT, Arc::clone(flag));
    }
    #[cfg(not(unix))]
    let _ = flag;
}

/// Runs beside the load until `done`, or `grace` after an interrupt (a source that must be
/// waited for has none): passes an interrupt on to the load, and draws the progress line when
/// `show`.
fn report(
    name: &str,
    progress: &Progress,
    pace: &mut Pace,
    interrupted: &AtomicBool,
    done: &AtomicBool,
    show: bool,
    grace: Option<Duration>,
) {
    let start = Instant::now();
    let mut drawn = false;
    let mut last_draw = start;
    let mut stderr = std::io::stderr();
    let mut stopping: Option<Instant> = None;
    while !done.load(Ordering::Relaxed) {
        thread::sleep(Duration::from_millis(5));
        pace.phase(progress);
        if interrupted.load(Ordering::Relaxed) {
            progress.cancel.store(true, Ordering::Relaxed);
            let since = *stopping.get_or_insert_with(Instant::now);
            if grace.is_some_and(|g| since.elapsed() >= g) {
                break;
            }
        }
        if show && start.elapsed() >= QUIET_FOR && (!drawn || last_draw.elapsed() >= EVERY) {
            let _ = write!(stderr, "\r\x1b[2K{}", line(name, progress, pace));
            let _ = stderr.flush();
            drawn = true;
            last_draw = Instant::now();
        }
    }
    if drawn {
        let _ = write!(stderr, "\r\x1b[2K");
        let _ = stderr.flush();
    }
}

/// The progress line: `rewind: loading FILE · 512 of 1,366 MB · 3,812,000 events · reading ·
/// about 4 s left`, then `indexing` once every byte is read.
fn line(name: &str, progress: &Progress, pace: &mut Pace) -> String {
    let total = progress.bytes_total.load(Ordering::Relaxed);
    let done = progress.bytes_done.load(Ordering::Relaxed).min(total);
    let events = progress.events.load(Ordering::Relaxed);
    let name = shorten(name, 40);
    let said = pace.said(progress);
    if progress.read.load(Ordering::Relaxed) {
        format!("rewind: {name} · {} events · {said}", group(events))
    } else {
        format!(
            "rewind: loading {name} · {} of {} MB · {} events · {said}",
            group(done / 1_000_000),
            group(total / 1_000_000),
            group(events)
        )
    }
}

/// The end of a long name, so that the line fits on one row of a terminal.
fn shorten(name: &str, max: usize) -> String {
    let count = name.chars().count();
    if count <= max {
        return name.to_string();
    }
    let tail: String = name.chars().skip(count - (max - 1)).collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_bytes_and_events_then_indexing() {
        let p = Progress::default();
        p.bytes_total.store(1_366_000_000, Ordering::Relaxed);
        p.bytes_done.store(512_400_000, Ordering::Relaxed);
        p.events.store(3_812_000, Ordering::Relaxed);
        let mut pace = Pace::new(crate::ledger::Depth::Summary);
        let said = line("big.jsonl", &p, &mut pace);
        assert!(
            said.starts_with(
                "rewind: loading big.jsonl · 512 of 1,366 MB · 3,812,000 events · reading · "
            ),
            "{said}"
        );
        // (The time left itself is tested with given times in `ledger::load::pace`.)
        p.bytes_done.store(1_366_000_000, Ordering::Relaxed);
        p.read.store(true, Ordering::Relaxed);
        p.events.store(10_000_000, Ordering::Relaxed);
        let said = line("big.jsonl", &p, &mut pace);
        assert!(
            said.starts_with("rewind: big.jsonl · 10,000,000 events · indexing"),
            "{said}"
        );
        let long = format!("/var/log/{}/ledger.jsonl", "x".repeat(60));
        assert!(line(&long, &p, &mut pace).contains("…"));
        assert_eq!(shorten(&long, 40).chars().count(), 40);
    }

    #[test]
    fn nothing_is_drawn_when_stderr_is_not_a_terminal() {
        // The reporter never writes when told not to show, however long the load runs; this only
        // checks that it stops when the load is done and passes an interrupt on.
        let p = Progress::default();
        let interrupted = AtomicBool::new(true);
        let done = AtomicBool::new(false);
        thread::scope(|s| {
            s.spawn(|| {
                let mut pace = Pace::new(crate::ledger::Depth::Full);
                report(
                    "x",
                    &p,
                    &mut pace,
                    &interrupted,
                    &done,
                    false,
                    Some(STOP_GRACE),
                )
            });
            while !p.cancelled() {
                thread::sleep(Duration::from_millis(5));
            }
            done.store(true, Ordering::Relaxed);
        });
        assert!(p.cancelled());
    }
}
