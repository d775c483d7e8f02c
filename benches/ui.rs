//! What a keystroke costs in the explorer on a large log: the action plus a full render into
//! ratatui's `TestBackend`.
//!
//! `cargo bench --bench ui` (set `REWIND_BENCH_EVENTS` to change the log size; default 1,000,000).

// A benchmark may unwrap: a panic here is a failed run, with its line.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rand_core::{Rng, SeedableRng};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rewind::ledger::generate::{GenerateOptions, generate};
use rewind::ledger::{Ledger, LoadOptions, load_bytes};
use rewind::tui::action::Action;
use rewind::tui::app::App;
use rewind::tui::theme::Theme;
use rewind::tui::ui;

fn events() -> u64 {
    std::env::var("REWIND_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn ledger(events: u64, accounts: u64) -> Ledger {
    let mut bytes = Vec::new();
    generate(
        GenerateOptions {
            events,
            accounts,
            seed: 42,
            sealed: false,
        },
        &mut bytes,
    )
    .unwrap();
    load_bytes("bench.jsonl", with_cities(&bytes), &LoadOptions::default())
}

/// The generated log with a `city` on each `AddressChanged` (which `generate` writes without a
/// field, its bytes fixed for a seed), so that the state cards have a field that changes.
fn with_cities(bytes: &[u8]) -> Vec<u8> {
    const TYPE: &[u8] = br#""type":"AddressChanged""#;
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 500);
    let mut rest = bytes;
    let mut n = 0u64;
    while let Some(at) = memchr::memmem::find(rest, TYPE) {
        out.extend_from_slice(&rest[..at + TYPE.len()]);
        out.extend_from_slice(format!(r#","city":"city-{:03}""#, n % 1000).as_bytes());
        n += 1;
        rest = &rest[at + TYPE.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Runs `step` many times, each followed by a render, and prints the latency percentiles.
fn percentiles(name: &str, app: &mut App, mut step: impl FnMut(&mut App, u64)) {
    let theme = Theme { color: true };
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    let mut times: Vec<Duration> = Vec::new();
    for k in 0..3_000u64 {
        let start = Instant::now();
        step(app, k);
        terminal.draw(|f| ui::draw(f, app, theme)).unwrap();
        times.push(start.elapsed());
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{name}: p50 {:?} · p99 {:?} · max {:?} over {} keystrokes",
        at(0.50),
        at(0.99),
        times[times.len() - 1],
        times.len()
    );
}

fn bench(c: &mut Criterion) {
    let n = events();
    let ledger = ledger(n, (n / 100).max(10));
    let (first, last) = (ledger.first_time().unwrap(), ledger.last_time().unwrap());
    let mut app = App::new(ledger, (160, 48));
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
    let span = (last - first) as u64;

    percentiles("jump to a random moment + render", &mut app, |app, _| {
        app.jump_to_time(first + (rng.next_u64() % span) as i64);
    });
    percentiles("one event forward + render", &mut app, |app, _| {
        app.key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE));
    });
    percentiles(
        "open / close the state card + render",
        &mut app,
        |app, k| {
            if k % 2 == 0 {
                app.main.focus = rewind::tui::view::Pane::Accounts;
                app.update(Action::Open);
            } else {
                app.update(Action::Back);
                app.main.focus = rewind::tui::view::Pane::Events;
            }
        },
    );
    // The card of an account whose fields change (an address change), beside its statement,
    // following the cursor.
    let ledger = &app.state.ledger;
    let moved = (0..ledger.len())
        .find(|&i| ledger.type_name(ledger.event(i).kind) == "AddressChanged")
        .map(|i| ledger.event(i).account)
        .unwrap();
    let sel = ledger
        .accounts_sorted()
        .iter()
        .position(|&a| a == moved)
        .unwrap();
    app.main.focus = rewind::tui::view::Pane::Accounts;
    app.main.account_sel = sel;
    app.update(Action::Open);
    assert!(
        matches!(app.view, rewind::tui::view::View::Card(_)),
        "the state card is open"
    );
    percentiles(
        "jump to a random moment with the state card open + render",
        &mut app,
        |app, _| {
            app.jump_to_time(first + (rng.next_u64() % span) as i64);
        },
    );
    percentiles(
        "one event forward with the state card open + render",
        &mut app,
        |app, _| {
            app.key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE));
        },
    );
    app.update(Action::Back);
    app.main.focus = rewind::tui::view::Pane::Events;

    let theme = Theme { color: true };
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut group = c.benchmark_group(format!("explorer on {n} events"));
    group.bench_function("jump to a random moment + render", |b| {
        b.iter(|| {
            app.jump_to_time(first + (rng.next_u64() % span) as i64);
            terminal.draw(|f| ui::draw(f, &app, theme)).unwrap();
        })
    });
    group.bench_function("step one event + render", |b| {
        b.iter(|| {
            app.update(Action::StepBack);
            terminal.draw(|f| ui::draw(f, &app, theme)).unwrap();
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
