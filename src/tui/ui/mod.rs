//! Drawing: a pure function of the app state. Nothing here changes the state or does I/O beyond
//! reading a record's text back from the log for the details view.

mod accounts;
mod chart;
pub mod columns;
mod detail;
mod diff;
pub mod events;
mod field_diff;
mod header;
mod help;
pub use help::help_lines;
mod hints;
pub mod layout;
mod line;
mod problems;
mod state_card;
mod statement;
pub mod timeline;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};
use unicode_segmentation::UnicodeSegmentation;

use super::app::App;
use super::theme::Theme;
use super::view::View;
use crate::text::{visible, visible_width};

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App, theme: Theme) {
    let area = frame.area();
    render(app, theme, area, frame.buffer_mut());
}

/// Renders the screen into a buffer (the terminal's, or a test's).
pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let areas = layout::areas(area, app.main.focus == crate::tui::view::Pane::Problems);
    if areas.too_small {
        let message = format!(
            "window too small: {}×{}, rewind needs at least {}×{}",
            area.width,
            area.height,
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT
        );
        Paragraph::new(message)
            .style(theme.warning())
            .wrap(Wrap { trim: true })
            .render(area, buf);
        return;
    }
    header::Header { app, theme }.render(areas.header, buf);
    let (state, main) = (&app.state, &app.main);
    match &app.view {
        View::Main => {
            accounts::Accounts { state, main, theme }.render(areas.accounts, buf);
            problems::Problems { state, main, theme }.render(areas.problems, buf);
            events::Events { state, main, theme }.render(areas.events, buf);
        }
        View::Diff(view) => diff::DiffView {
            state,
            diff: &view.diff,
            fields: &view.fields,
            theme,
            scroll: view.scroll,
        }
        .render(areas.body, buf),
        View::Detail(view) => detail::Detail {
            state,
            theme,
            scroll: view.scroll,
        }
        .render(areas.body, buf),
        View::Line(view) => line::UnreadableLine { view, theme }.render(areas.body, buf),
        View::Card(view) => state_card::CardScreen { state, view, theme }.render(areas.body, buf),
        View::Blame(view) => state_card::BlameScreen { state, view, theme }.render(areas.body, buf),
        View::Statement(view) => statement::Statement {
            state,
            theme,
            account: view.account,
            scroll: view.scroll,
        }
        .render(areas.body, buf),
    }
    let strip = state.strip(areas.timeline.width.saturating_sub(2) as usize);
    timeline::Timeline { strip, theme }.render(areas.timeline, buf);
    hints::Hints { app, theme }.render(areas.hints, buf);
    if let Some(help) = app.help {
        help::Help {
            theme,
            scroll: help.scroll,
        }
        .render(area, buf);
    }
}

/// The bordered frame of a pane. The focused pane stands out with and without colour: a thick
/// border, bright, and its title reversed.
pub fn pane_block(title: Vec<Span<'static>>, focused: bool, theme: Theme) -> Block<'static> {
    let block = Block::default().borders(Borders::ALL);
    if !focused {
        return block.border_style(theme.border()).title(Line::from(title));
    }
    let mut title = title;
    if let Some(first) = title.first_mut() {
        *first = Span::styled(
            first.content.clone(),
            first.style.add_modifier(ratatui::style::Modifier::REVERSED),
        );
    }
    block
        .border_type(ratatui::widgets::BorderType::Thick)
        .border_style(theme.border_focused())
        .title(Line::from(title))
}

/// Text from outside made safe to draw ([`visible`]: no control, nothing whose width the terminal
/// may count otherwise) and cut to `width` columns with an ellipsis. Every widget draws ids, types,
/// meta, raw lines, paths and messages through this or through [`visible`].
pub fn fit(text: &str, width: usize) -> String {
    let text = visible(text);
    if visible_width(&text) <= width {
        return text.into_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for cluster in text.graphemes(true) {
        let w = visible_width(cluster);
        if used + w + 1 > width {
            break;
        }
        out.push_str(cluster);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// [`fit`], then padded with spaces to `width` columns (a `{:<N}` format pads by characters, not
/// by columns).
pub fn fit_padded(text: &str, width: usize) -> String {
    let mut out = fit(text, width);
    let used = visible_width(&out);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// A number for a column of `width`: whole when it fits, else its leading digits and `…`, so that
/// a cut value can never pass for a smaller one.
pub fn fit_number(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `key label` pairs as styled spans: `←/→ step · t jump`.
pub fn key_spans(pairs: &[(String, &str)], theme: Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (i, (keys, what)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.muted()));
        }
        spans.push(Span::styled(keys.clone(), theme.key()));
        spans.push(Span::raw(format!(" {what}")));
    }
    spans
}

/// A line of label and value, for the details views.
pub fn field_line(label: &str, value: Vec<Span<'static>>, theme: Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{label:<10} "), theme.muted())];
    spans.extend(value);
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_that_do_not_fit_keep_their_leading_digits() {
        assert_eq!(fit_number("-187.60", 10), "-187.60");
        assert_eq!(fit_number("1234576897322711530005.19", 10), "123457689…");
    }

    #[test]
    fn fit_cuts_and_escapes() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("a long account name", 8), "a long …");
        assert_eq!(fit("x\u{1b}[2J", 10), "x\\e[2J");
        assert_eq!(fit("日本語テキスト", 7), "日本語…");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(fit_padded("日本", 6), "日本  ");
        assert_eq!(fit_padded("a\u{200b}", 10), "a\\u{200b} ");
        // Cut between clusters, never inside one, and after escaping.
        assert_eq!(
            fit("e\u{301}e\u{301}e\u{301}", 3),
            "e\u{301}e\u{301}e\u{301}"
        );
        assert_eq!(fit("e\u{301}e\u{301}e\u{301}", 2), "e\u{301}…");
        assert_eq!(fit("a\u{200b}b", 5), "a\\u{…");
        assert_eq!(fit("👨\u{200d}👩", 20), "👨\\u{200d}👩");
    }
}
