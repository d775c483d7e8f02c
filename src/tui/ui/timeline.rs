//! The timeline: a density strip of events over the log's span, a slider with the cursor, and the
//! first / cursor / last times.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use crate::tui::state::timeline::Strip;
use crate::tui::theme::Theme;

/// Draws a [`Strip`]; an empty log (no strip) draws the frame alone.
pub struct Timeline<'a> {
    pub strip: Option<Strip<'a>>,
    pub theme: Theme,
}

const LEVELS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

impl Widget for Timeline<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(" Timeline ", theme.title()));
        let inner = block.inner(area);
        block.render(area, buf);
        let Some(strip) = self.strip else {
            return;
        };
        let width = inner.width as usize;
        if width == 0 || inner.height == 0 {
            return;
        }
        let counts = &strip.counts;
        let max = counts.iter().copied().max().unwrap_or(0).max(1);
        let strip_text: String = counts
            .iter()
            .map(|&n| {
                if n == 0 {
                    LEVELS[0]
                } else {
                    LEVELS[(n * 8).div_ceil(max).clamp(1, 8)]
                }
            })
            .collect();
        let cursor_col = strip.cursor;
        let row = |k: u16| Rect {
            y: inner.y + k,
            height: 1,
            ..inner
        };
        Line::from(Span::styled(strip_text, theme.density())).render(row(0), buf);
        if inner.height > 1 {
            // Problems (`!`) and marks (their letters) where they stand in time.
            let mut cells: Vec<Span> = (0..width)
                .map(|c| {
                    if strip.problem_at(c) {
                        Span::styled("!", theme.warning())
                    } else if strip.when_at(c) {
                        Span::styled("▔", theme.key())
                    } else {
                        Span::raw(" ")
                    }
                })
                .collect();
            for &(c, name) in &strip.marks {
                cells[c] = Span::styled(name.to_string(), theme.key());
            }
            Line::from(cells).render(row(1), buf);
        }
        if inner.height > 2 {
            let before_start = strip.before_start();
            let past: String = "━".repeat(if before_start { 0 } else { cursor_col });
            let future: String = "─".repeat(width.saturating_sub(cursor_col + 1));
            Line::from(vec![
                Span::styled(past, theme.slider_past()),
                Span::styled(if before_start { "◇" } else { "◆" }, theme.slider_cursor()),
                Span::styled(future, theme.muted()),
            ])
            .render(row(2), buf);
        }
        if inner.height > 3 {
            let left = crate::tui::clock::short(strip.first);
            let right = crate::tui::clock::short(strip.last);
            let cursor_label = crate::tui::clock::short(strip.cursor_time);
            let mid = format!("▲ {cursor_label}");
            let mut line = vec![' '; width];
            let mut put = |text: &str, at: usize| {
                for (k, c) in text.chars().enumerate() {
                    if let Some(slot) = line.get_mut(at + k) {
                        *slot = c;
                    }
                }
            };
            put(&left, 0);
            put(&right, width.saturating_sub(right.chars().count()));
            let mid_len = mid.chars().count();
            // Under the cursor when it fits between the end labels; otherwise as near as it can.
            let lo = left.chars().count() + 1;
            let hi = width.saturating_sub(right.chars().count() + 1 + mid_len);
            // At either end the end label already says the cursor's time.
            if lo <= hi && cursor_label != left && cursor_label != right {
                put(&mid, cursor_col.clamp(lo, hi));
            }
            let text: String = line.into_iter().collect();
            Line::from(Span::styled(text, theme.muted())).render(row(3), buf);
        }
    }
}
