//! How soon the explorer answers: the real binary in a pseudo-terminal on a generated log, the
//! screen read back through a terminal emulator. Prints the medians over several starts of
//! - the first frame (the loading screen, or the explorer itself), and
//! - the explorer ready for keys (its header shows the whole log).
//!
//! `cargo bench --bench startup` (set `REWIND_BENCH_EVENTS` to change the log size; default
//! 1,000,000).

// A benchmark may unwrap: a panic here is a failed run, with its line.
#![allow(clippy::unwrap_used)]

use std::io::{BufWriter, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rewind::ledger::generate::{GenerateOptions, generate};
use rewind::ledger::{LoadOptions, load_file};
use rewind::text::group;
use rewind::tui::app::App;
use rewind::tui::theme::Theme;
use rewind::tui::ui;

const RUNS: usize = 9;

fn events() -> u64 {
    std::env::var("REWIND_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// One start: (first frame, ready), measured from the spawn.
fn start(path: &str, ready_text: &str) -> (Duration, Duration) {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 48,
            cols: 160,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_rewind"));
    cmd.arg(path);
    cmd.env("TERM", "xterm-256color");
    let begin = Instant::now();
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut writer = pty.master.take_writer().unwrap();
    let screen = Arc::new(Mutex::new(vt100::Parser::new(
        std::num::NonZeroU16::new(48).unwrap(),
        std::num::NonZeroU16::new(160).unwrap(),
        0,
    )));
    let first = Arc::new(Mutex::new(None::<Duration>));
    let sink = Arc::clone(&screen);
    let first_seen = Arc::clone(&first);
    let pump = std::thread::spawn(move || {
        let _master = pty.master;
        let mut buf = [0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut parser = sink.lock().unwrap();
            parser.process(&buf[..n]);
            let mut f = first_seen.lock().unwrap();
            if f.is_none() && parser.screen().contents().contains("rewind") {
                *f = Some(begin.elapsed());
            }
        }
    });
    let deadline = begin + Duration::from_secs(120);
    let ready = loop {
        if screen
            .lock()
            .unwrap()
            .screen()
            .contents()
            .contains(ready_text)
        {
            break begin.elapsed();
        }
        assert!(Instant::now() < deadline, "the explorer never got ready");
        std::thread::sleep(Duration::from_micros(500));
    };
    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();
    child.wait().unwrap();
    drop(writer);
    let _ = pump.join();
    let first = first.lock().unwrap().unwrap_or(ready);
    (first, ready)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that does not name this bench skips it.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filter.is_empty() && !filter.iter().any(|f| "startup".contains(f.as_str())) {
        return;
    }
    let n = events();
    let accounts = (n / 100).max(1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("startup.jsonl");
    let out = BufWriter::with_capacity(8 << 20, std::fs::File::create(&path).unwrap());
    generate(
        GenerateOptions {
            events: n,
            accounts,
            seed: 42,
            sealed: false,
        },
        out,
    )
    .unwrap();
    let path = path.to_str().unwrap().to_string();
    let ready_text = format!("{} accounts", group(accounts));
    // One start to warm the page cache and the binary.
    start(&path, &ready_text);
    let (firsts, readies): (Vec<_>, Vec<_>) = (0..RUNS).map(|_| start(&path, &ready_text)).unzip();
    println!(
        "explorer on {} events: first frame {:?} · ready for keys {:?} (medians of {RUNS} starts)",
        group(n),
        median(firsts),
        median(readies)
    );
    // Where the time to readiness goes, in the library: the load, then the explorer's state and
    // its first full frame.
    let (mut loads, mut states, mut frames) = (Vec::new(), Vec::new(), Vec::new());
    let mut follows = Vec::new();
    for _ in 0..RUNS {
        let begin = Instant::now();
        let ledger = load_file(path.as_ref(), &LoadOptions::default(), None).unwrap();
        loads.push(begin.elapsed());
        let begin = Instant::now();
        let follower = rewind::ledger::follow::FileFollower::new(path.as_ref(), &ledger).unwrap();
        follows.push(begin.elapsed());
        drop(follower);
        let begin = Instant::now();
        let app = App::new(ledger, (160, 48));
        states.push(begin.elapsed());
        let begin = Instant::now();
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
        terminal
            .draw(|f| ui::draw(f, &app, Theme { color: true }))
            .unwrap();
        frames.push(begin.elapsed());
    }
    println!(
        "  of which: load {:?} · following set up {:?} · explorer state {:?} · first frame {:?} (medians)",
        median(loads),
        median(follows),
        median(states),
        median(frames)
    );
}
