//! The terminal: set up and restore, the input loop, loading in the background with progress.

use std::fs::File;
use std::path::{Path, PathBuf};
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
use super::theme::Theme;
use super::ui;
use super::ui::layout::centered;
use crate::cli::{self, Failure, Outcome, SourceOptions};
use crate::ledger::follow::{FileFollower, Follower};
use crate::ledger::{Ledger, LoadError, LoadOptions, Progress, load_file};
use crate::source::pg::{Background, FollowOptions, PgErrorKind, PgFollower, PgSource};

/// How long the loop waits for input before it looks around (a growing file, for instance).
const TICK: Duration = Duration::from_millis(250);
/// How long a load told to stop is given to end (a database read sends its cancel request to the
/// server then) before the explorer quits without it.
const STOP_GRACE: Duration = Duration::from_millis(150);

/// Opens the explorer on a log (the bundled sample when `file` is `None`).
pub fn run(file: Option<&str>, options: &SourceOptions) -> Outcome {
    let load_options = cli::load_options(options)?;
    let database = match file {
        Some(source) => cli::pg_source(source, options)?,
        None => None,
    };
    // A file that cannot be read is said plainly, before the terminal is touched.
    if let Some(path) = file
        && database.is_none()
    {
        check_readable(Path::new(path))?;
    }
    let theme = Theme::from_env();
    let mut terminal = ratatui::try_init()
        .map_err(|e| Failure::usage(format!("cannot set up the terminal: {e}")))?;
    // The mouse is a bonus: a terminal that refuses it still gets the explorer.
    let mouse = crossterm::execute!(std::io::stdout(), EnableMouseCapture).is_ok();
    let outcome = match database {
        Some(db) => session_database(&mut terminal, db, load_options, theme),
        None => session(&mut terminal, file, load_options, theme),
    };
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    outcome
}

fn check_readable(path: &Path) -> Result<(), Failure> {
    let name = path.display();
    let file = File::open(path).map_err(|e| Failure::usage(format!("{name}: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| Failure::usage(format!("{name}: {e}")))?;
    if meta.is_dir() {
        return Err(Failure::usage(format!(
            "{name}: is a directory, not a log file"
        )));
    }
    Ok(())
}

fn session(
    terminal: &mut DefaultTerminal,
    file: Option<&str>,
    load_options: LoadOptions,
    theme: Theme,
) -> Outcome {
    let ledger = match file {
        None => cli::open_with(None, &load_options)?,
        Some(path) => match load_with_progress(terminal, PathBuf::from(path), load_options, theme)?
        {
            Some(ledger) => ledger,
            None => return Ok(0),
        },
    };
    let size = terminal
        .size()
        .map_err(|e| Failure::usage(format!("terminal: {e}")))?;
    // A file is followed as it grows; the bundled sample is not a file.
    let follower = file.and_then(|path| FileFollower::new(Path::new(path), &ledger).ok());
    let mut app = App::new(ledger, (size.width, size.height));
    let mut follower: Option<Box<dyn Follower>> = match follower {
        Some(f) if !f.stopped() => {
            app.follow = Follow::On { added: 0 };
            Some(Box::new(f))
        }
        Some(_) => {
            app.status = Some(
                "the last line has no newline, so the log is not followed for new events".into(),
            );
            None
        }
        None => None,
    };
    event_loop(terminal, &mut app, theme, &mut follower)
}

/// The explorer on a PostgreSQL event store: read in the background while the screen shows
/// progress, then followed for rows committed since.
fn session_database(
    terminal: &mut DefaultTerminal,
    db: PgSource,
    load_options: LoadOptions,
    theme: Theme,
) -> Outcome {
    let progress = Arc::new(Progress::default());
    let worker = {
        let progress = Arc::clone(&progress);
        let db = db.clone();
        std::thread::spawn(move || db.load(&load_options, Some(&progress)))
    };
    let name = db.name().to_string();
    if wait_for(terminal, &worker, &name, &progress, theme)? == Waited::Quit {
        return Ok(0);
    }
    let ledger = match worker.join() {
        Ok(Ok(ledger)) => ledger,
        Ok(Err(e)) if e.kind == PgErrorKind::Cancelled => return Ok(0),
        Ok(Err(e)) => return Err(Failure::usage(e.to_string())),
        Err(_) => {
            return Err(Failure::usage(format!(
                "{name}: the load failed unexpectedly"
            )));
        }
    };
    let size = terminal
        .size()
        .map_err(|e| Failure::usage(format!("terminal: {e}")))?;
    let follower = PgFollower::new(&db, &ledger, FollowOptions::default());
    let mut app = App::new(ledger, (size.width, size.height));
    let mut follower: Option<Box<dyn Follower>> = match follower {
        Ok(f) => {
            app.follow = Follow::On { added: 0 };
            // Reads run beside the keys: a slow server never holds up the screen.
            Some(Box::new(Background::spawn(f, TICK)))
        }
        Err(e) => {
            app.status = Some(format!("not following new rows: {}", e.message));
            None
        }
    };
    event_loop(terminal, &mut app, theme, &mut follower)
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
    theme: Theme,
) -> Result<Waited, Failure> {
    // The progress is redrawn every 50 ms; the end of the load is noticed within 5 ms.
    let mut drawn: Option<Instant> = None;
    let mut quit: Option<Instant> = None;
    while !worker.is_finished() {
        if let Some(at) = quit {
            if at.elapsed() >= STOP_GRACE {
                return Ok(Waited::Quit);
            }
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        if drawn.is_none_or(|at| at.elapsed() >= Duration::from_millis(50)) {
            draw_loading(terminal, name, progress, theme)?;
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

/// Loads in a background thread while the screen shows progress. `None` when the user quit.
fn load_with_progress(
    terminal: &mut DefaultTerminal,
    path: PathBuf,
    options: LoadOptions,
    theme: Theme,
) -> Result<Option<Ledger>, Failure> {
    let progress = Arc::new(Progress::default());
    let worker = {
        let progress = Arc::clone(&progress);
        let path = path.clone();
        std::thread::spawn(move || load_file(&path, &options, Some(&progress)))
    };
    let name = path.display().to_string();
    if wait_for(terminal, &worker, &name, &progress, theme)? == Waited::Quit {
        return Ok(None);
    }
    match worker.join() {
        Ok(Ok(ledger)) => Ok(Some(ledger)),
        Ok(Err(LoadError::Cancelled { .. })) => Ok(None),
        Ok(Err(e)) => Err(Failure::usage(e.to_string())),
        Err(_) => Err(Failure::usage(format!(
            "{name}: the load failed unexpectedly"
        ))),
    }
}

fn terminal_error(e: std::io::Error) -> Failure {
    Failure::usage(format!("terminal: {e}"))
}

fn draw_loading(
    terminal: &mut DefaultTerminal,
    name: &str,
    progress: &Progress,
    theme: Theme,
) -> Result<(), Failure> {
    terminal
        .draw(|frame| loading_screen(frame, name, progress, theme))
        .map(|_| ())
        .map_err(terminal_error)
}

/// The loading screen: the source's name (a database's URL as read, without its password), the
/// progress, and how to stop.
pub fn loading_screen(frame: &mut Frame, name: &str, progress: &Progress, theme: Theme) {
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
                    "{} of {} MB · {} events",
                    done / 1_000_000,
                    total / 1_000_000,
                    ui::group(events)
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

/// Reads input and redraws until the user quits. Every key waiting in the input queue is applied
/// before the next frame is drawn, so a burst of keys costs one redraw. Between keys, the source is
/// polled for new events.
fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    theme: Theme,
    follower: &mut Option<Box<dyn Follower>>,
) -> Outcome {
    let mut last_poll = Instant::now();
    loop {
        terminal
            .draw(|frame| ui::draw(frame, app, theme))
            .map_err(terminal_error)?;
        if app.quit {
            return Ok(0);
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
