//! The bottom line: the most useful keys for where the user is, or the prompt being typed, or a
//! message.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::key_spans;
use crate::text::visible;
use crate::tui::app::{App, Follow};
use crate::tui::keymap;
use crate::tui::theme::Theme;
use crate::tui::view::{Pending, PromptKind, View};
use ratatui::style::Modifier;

pub struct Hints<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

impl Widget for Hints<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (app, theme) = (self.app, self.theme);
        if let Follow::Stopped { reason } = &app.follow {
            Line::from(Span::styled(
                format!(
                    " ✗ {} — reopen the log to see it as it is now",
                    visible(reason)
                ),
                theme.error(),
            ))
            .render(area, buf);
            return;
        }
        if let Some(prompt) = &app.prompt {
            let (label, example) = match prompt.kind {
                PromptKind::Jump => (
                    " jump to time: ",
                    "  e.g. 2024-03-14 15:59 · -15m · +2h · -1d · Enter jump · Esc cancel",
                ),
                PromptKind::Search => (" /", "  any text of any field · Enter keeps · Esc cancels"),
                PromptKind::Command => (
                    " :",
                    "  1497 · line N · seq N · account ID · time T · Tab completes · ↑ recalls",
                ),
                PromptKind::FindAccount => (
                    " find account: ",
                    "  part of an id (the start first) · the selection follows · Enter keeps · Esc goes back",
                ),
                PromptKind::Export => (
                    " export to: ",
                    "  Enter writes the CSV, and the JSON beside it · Esc cancels",
                ),
                PromptKind::When => (
                    " when: ",
                    "  balance < 0 · status = frozen · address ~ \"Elm\" · type:withdraw amount:>5000 · empty clears",
                ),
                PromptKind::Filter => (
                    " filter: ",
                    "  account:NAME type:NAME amount:>100|<5|10..20 from:TIME to:TIME state.F:V meta.K:V text · empty clears",
                ),
            };
            // A line longer than the screen shows its end, where the typing is.
            let input = visible(&prompt.input);
            let room = (area.width as usize).saturating_sub(label.chars().count() + 2);
            let shown = if crate::text::visible_width(&input) > room {
                let chars: Vec<char> = input.chars().collect();
                let tail: String = chars[chars.len().saturating_sub(room.saturating_sub(1))..]
                    .iter()
                    .collect();
                format!("…{tail}")
            } else {
                input.into_owned()
            };
            let mut spans = vec![
                Span::styled(label, theme.key()),
                Span::raw(shown),
                Span::styled("▏", theme.slider_cursor()),
            ];
            match &prompt.error {
                Some(error) => spans.push(Span::styled(format!("  {error}"), theme.error())),
                None => {
                    if prompt.kind == PromptKind::Search
                        && let Some(search) = &app.state.search
                    {
                        spans.push(Span::styled(
                            format!("  {} matches", search.events.len()),
                            theme.key(),
                        ));
                    }
                    spans.push(Span::styled(example, theme.muted()));
                }
            }
            Line::from(spans).render(area, buf);
            return;
        }
        if let Some(pending) = app.pending {
            let text = match pending {
                Pending::SetMark => " mark: type a letter (a–z) to name this moment",
                Pending::JumpMark => " go to mark: type its letter",
                Pending::DiffFrom => " diff from mark: type its letter",
                Pending::DiffTo(_) => " diff to: another mark's letter, or . for the cursor",
            };
            Line::from(Span::styled(text, theme.key())).render(area, buf);
            return;
        }
        if let Some(status) = &app.status {
            Line::from(Span::styled(
                format!(" {}", visible(status)),
                theme.warning(),
            ))
            .render(area, buf);
            return;
        }
        // As many hints as fit, always ending with help and quit.
        let all = keymap::hints(app.context());
        let (tail, head): (Vec<_>, Vec<_>) = all
            .into_iter()
            .partition(|(_, what)| matches!(*what, "help" | "quit"));
        let width = |pairs: &[(String, &str)]| -> usize {
            pairs
                .iter()
                .map(|(k, w)| k.chars().count() + w.chars().count() + 4)
                .sum::<usize>()
                + 1
        };
        let mut shown: Vec<(String, &str)> = Vec::new();
        for pair in head {
            let mut trial = shown.clone();
            trial.push(pair);
            if width(&trial) + width(&tail) + 12 > area.width as usize {
                break;
            }
            shown = trial;
        }
        shown.extend(tail);
        // Where the keys go: the focused pane, or the view on screen.
        let place = match &app.view {
            View::Main => app.main.focus_name(),
            View::Detail(_) => "details",
            View::Line(_) => "line",
            View::Statement(_) => "statement",
            View::Diff(_) => "diff",
            View::Card(_) => "state",
            View::Blame(_) => "blame",
        };
        let mut spans = vec![
            Span::styled(
                format!(" {place} "),
                theme.title().add_modifier(Modifier::REVERSED),
            ),
            Span::raw(" "),
        ];
        spans.extend(key_spans(&shown, theme));
        Line::from(spans).render(area, buf);
    }
}
