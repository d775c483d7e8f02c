//! The terminal: set up and restore, the input loop, loading in the background with progress.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyCode, KeyEventKind, KeyModifiers,
};
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph};
use ratatui::{DefaultTerminal, Frame};

use super::app::{App, Follow};
use super::evidence::Expectation;
use super::theme::Theme;
use super::ui;
use super::ui::layout::centered;
use crate::ledger::{Depth, Ledger, LoadOptions, Pace, Progress};
use crate::source::evidence::ReadError;
use crate::source::{self, FollowError, Follower, OpenError, Source};

/// How long the loop waits for input before it looks around (a growing file, for instance).
const TICK: Duration = Duration::from_millis(250);
/// How long a load told to stop is given to end (a database read sends its cancel request to the
/// server then) before the explorer quits without it.
const STOP_GRACE: Duration = Duration::from_millis(150);

/// Why the explorer could not show a log (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The log could not be opened or read.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// A verifier key or a checkpoint to check the log against could not be read.
    #[error(transparent)]
    Evidence(ReadError),
    /// What to expect is neither a digest nor a checkpoint file.
    #[error("--expect: {0}, nor a checkpoint file")]
    Expect(String),
    /// The terminal could not be set up.
    #[error("cannot set up the terminal: {0}")]
    Setup(std::io::Error),
    /// The terminal could not be drawn on or read from.
    #[error("terminal: {0}")]
    Terminal(std::io::Error),
}

impl Error {
    /// The exit status it means: the request could not be done.
    pub fn code(&self) -> u8 {
        2
    }
}

/// The exit status of the explorer (0 once the user quits), or why it could not run.
pub type Outcome = Result<u8, Error>;

/// Opens the explorer on a source, read with `load`; `options` say where the heads seen are
/// remembered, `expected` what the log must still hold.
pub fn run(
    source: Source,
    load: LoadOptions,
    options: &source::Options,
    expected: &Expectation,
) -> Outcome {
    // A file that cannot be read is said plainly, before the terminal is touched.
    source.check()?;
    let theme = Theme::from_env();
    let mut terminal = ratatui::try_init().map_err(Error::Setup)?;
    // The mouse is a bonus: a terminal that refuses it still gets the explorer.
    let mouse = crossterm::execute!(std::io::stdout(), EnableMouseCapture).is_ok();
    let mut stopping = None;
    let outcome = session(
        &mut terminal,
        &source,
        load,
        theme,
        options,
        expected,
        &mut stopping,
    );
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    // A database read the user quit is still asking the server to cancel its query (within the
    // URL's deadline): the screen is already closed, and rewind ends once the request is sent, so
    // that the query does not run on there. A Ctrl-C now ends rewind at once.
    if let Some(load) = stopping {
        let _ = load.join();
    }
    outcome
}

/// Asks the terminal to put `text` on the clipboard (OSC 52; terminals that do not know it ignore
/// it).
fn copy_to_clipboard(text: &str) {
    use base64::Engine;
    use std::io::Write;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}

/// A read told to stop, still ending.
type Stopping = std::thread::JoinHandle<Result<Ledger, OpenError>>;

/// The explorer on a source: read in the background while the screen shows progress (the bundled
/// sample is read at once), checked against what is expected of its history, then followed for
/// events added since. A read the user quits that must be waited for is left in `stopping`, to be
/// waited for once the terminal is restored.
fn session(
    terminal: &mut DefaultTerminal,
    source: &Source,
    load: LoadOptions,
    theme: Theme,
    options: &source::Options,
    expected: &Expectation,
    stopping: &mut Option<Stopping>,
) -> Outcome {
    let ledger = if source.is_instant() {
        source.load(&load, None)?
    } else {
        match load_with_progress(terminal, source, load.clone(), theme, stopping)? {
            Some(ledger) => ledger,
            None => return Ok(0),
        }
    };
    let size = terminal.size().map_err(Error::Terminal)?;
    let mut app = App::new(ledger, (size.width, size.height));
    app.can_reload = !source.is_instant() && !matches!(source, Source::Stdin);
    let mut resume = expected.resume.as_ref();
    loop {
        let (evidence, mut follower) = watch(source, &mut app, options, expected)?;
        if let Some(evidence) = evidence {
            app.evidence = evidence;
        }
        if let Some(inv) = resume.take()
            && let Err(e) = app.resume(inv)
        {
            app.status = Some(format!("the investigation could not be resumed: {e}"));
        }
        // Bad news about the history is also said whole on the message line.
        if let Some((note, true)) = &app.evidence.note {
            app.status = Some(note.clone());
        }
        if !event_loop(terminal, &mut app, theme, &mut follower)? {
            return Ok(0);
        }
        // `R`: the log read again, the investigation kept. A read that fails or is stopped
        // leaves the view as it was.
        drop(follower);
        let mut stopped = None;
        match load_with_progress(terminal, source, load.clone(), theme, &mut stopped) {
            Ok(Some(ledger)) => app.reloaded(ledger),
            Ok(None) => app.status = Some("not read again: stopped".into()),
            Err(e) => app.status = Some(format!("not read again: {e}")),
        }
        if stopped.is_some() {
            *stopping = stopped;
        }
    }
}

/// The evidence about a ledger (for a source whose records carry a chain), and its follower.
type Watched = (Option<crate::tui::app::Evidence>, Option<Box<dyn Follower>>);

/// The evidence about the ledger the app holds, and its follower (the follow state set on the
/// app).
fn watch(
    source: &Source,
    app: &mut App,
    options: &source::Options,
    expected: &Expectation,
) -> Result<Watched, Error> {
    let ledger = &app.state.ledger;
    let evidence = if source.is_chained() {
        Some(super::evidence::assess(
            ledger,
            source.remembered_as(),
            options,
            expected,
        )?)
    } else {
        None
    };
    let follower = match source.follow(ledger, TICK) {
        Ok(f) => {
            app.follow = Follow::On { added: 0 };
            Some(f)
        }
        Err(e @ (FollowError::NoNewline | FollowError::Pg(_))) => {
            app.status = Some(e.to_string());
            app.follow = Follow::Off;
            None
        }
        Err(FollowError::Fixed | FollowError::File(_)) => {
            app.follow = Follow::Off;
            None
        }
    };
    Ok((evidence, follower))
}

/// How a wait for a load ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Waited {
    /// The load's thread ended: join it for its result.
    Done,
    /// The user quit: the load was told to stop, and is not waited for.
    Quit,
}

/// Shows the progress of a load until its thread ends. A key that quits (`q`, `Esc`, `Ctrl-C`)
/// tells the load to stop and ends the wait within [`STOP_GRACE`], whatever the load is doing (a
/// server that does not answer, a file still being indexed): the thread is left to end on its own.
fn wait_for<T>(
    terminal: &mut DefaultTerminal,
    worker: &std::thread::JoinHandle<T>,
    name: &str,
    progress: &Progress,
    depth: Depth,
    theme: Theme,
) -> Result<Waited, Error> {
    // The progress is redrawn every 50 ms; the end of the load is noticed within 5 ms.
    let mut pace = Pace::new(depth);
    let mut drawn: Option<Instant> = None;
    let mut quit: Option<Instant> = None;
    while !worker.is_finished() {
        pace.phase(progress);
        if let Some(at) = quit {
            if at.elapsed() >= STOP_GRACE {
                return Ok(Waited::Quit);
            }
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        if drawn.is_none_or(|at| at.elapsed() >= Duration::from_millis(50)) {
            draw_loading(terminal, name, progress, &mut pace, theme)?;
            drawn = Some(Instant::now());
        }
        if event::poll(Duration::from_millis(5)).map_err(terminal_error)?
            && let Event::Key(key) = event::read().map_err(terminal_error)?
            && key.kind == KeyEventKind::Press
        {
            let ctrl_c =
                key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
            if ctrl_c || matches!(key.code, KeyCode::Char('q') | KeyCode::Esc) {
                progress.cancel.store(true, Ordering::Relaxed);
                quit = Some(Instant::now());
            }
        }
    }
    Ok(if quit.is_some() {
        Waited::Quit
    } else {
        Waited::Done
    })
}

/// Loads in a background thread while the screen shows progress. `None` when the user quit (a
/// read that must be waited for is then left in `stopping`).
fn load_with_progress(
    terminal: &mut DefaultTerminal,
    source: &Source,
    options: LoadOptions,
    theme: Theme,
    stopping: &mut Option<Stopping>,
) -> Result<Option<Ledger>, Error> {
    let progress = Arc::new(Progress::default());
    let depth = options.depth;
    let worker = {
        let progress = Arc::clone(&progress);
        let source = source.clone();
        std::thread::spawn(move || source.load(&options, Some(&progress)))
    };
    let name = source.name();
    if wait_for(terminal, &worker, &name, &progress, depth, theme)? == Waited::Quit {
        if source.waits_for_stop() {
            *stopping = Some(worker);
        }
        return Ok(None);
    }
    match worker.join() {
        Ok(Ok(ledger)) => Ok(Some(ledger)),
        Ok(Err(e)) if e.is_interrupted() => Ok(None),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Err(OpenError::Failed { name }.into()),
    }
}

fn terminal_error(e: std::io::Error) -> Error {
    Error::Terminal(e)
}

fn draw_loading(
    terminal: &mut DefaultTerminal,
    name: &str,
    progress: &Progress,
    pace: &mut Pace,
    theme: Theme,
) -> Result<(), Error> {
    let said = pace.said(progress);
    terminal
        .draw(|frame| loading_screen(frame, name, progress, &said, theme))
        .map(|_| ())
        .map_err(terminal_error)
}

/// The loading screen: the source's name (a database's URL as read, without its password), the
/// progress with its phase and the time left (`pace`, from [`Pace::said`]), and how to stop.
pub fn loading_screen(
    frame: &mut Frame,
    name: &str,
    progress: &Progress,
    pace: &str,
    theme: Theme,
) {
    let total = progress.bytes_total.load(Ordering::Relaxed);
    let done = progress.bytes_done.load(Ordering::Relaxed).min(total);
    let events = progress.events.load(Ordering::Relaxed);
    let area = centered(frame.area(), 72, 7);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused())
        .title(Span::styled(" rewind · loading ", theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [what, bar, help] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(ui::fit(name, inner.width as usize)),
            Line::from(Span::styled(
                format!(
                    "{} of {} MB · {} events · {pace}",
                    crate::text::group(done / 1_000_000),
                    crate::text::group(total / 1_000_000),
                    crate::text::group(events)
                ),
                theme.muted(),
            )),
        ]),
        what,
    );
    let ratio = if total == 0 {
        0.0
    } else {
        done as f64 / total as f64
    };
    frame.render_widget(
        Gauge::default()
            .gauge_style(theme.slider_past())
            .ratio(ratio),
        bar,
    );
    frame.render_widget(
        Paragraph::new(Span::styled("q, Esc or Ctrl-C to stop", theme.muted())),
        help,
    );
}

/// Reads input and redraws until the user quits (`false`) or asks to read the log again
/// (`true`). Every key waiting in the input queue is applied before the next frame is drawn, so a
/// burst of keys costs one redraw. Between keys, the source is polled for new events.
fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    theme: Theme,
    follower: &mut Option<Box<dyn Follower>>,
) -> Result<bool, Error> {
    let mut last_poll = Instant::now();
    loop {
        terminal
            .draw(|frame| ui::draw(frame, app, theme))
            .map_err(terminal_error)?;
        if app.quit {
            return Ok(false);
        }
        if app.take_reload() {
            return Ok(true);
        }
        if event::poll(TICK).map_err(terminal_error)? {
            loop {
                match event::read().map_err(terminal_error)? {
                    Event::Key(key) if key.kind != KeyEventKind::Release => app.key(key),
                    Event::Mouse(mouse) => app.mouse(mouse),
                    Event::Resize(width, height) => app.resize(width, height),
                    _ => {}
                }
                if app.quit || !event::poll(Duration::ZERO).map_err(terminal_error)? {
                    break;
                }
            }
        }
        if let Some(text) = app.clipboard.take() {
            copy_to_clipboard(&text);
        }
        if let Some(f) = follower.as_mut()
            && last_poll.elapsed() >= TICK
        {
            last_poll = Instant::now();
            if !app.poll_source(f.as_mut()) {
                *follower = None;
            }
        }
    }
}
