//! The timeline: a density strip of events over the log's span, a slider with the cursor, and the
//! first / cursor / last times.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use crate::ledger::time::{between, format_time_short, fraction_of};
use crate::ledger::{Ledger, Millis, Moment};
use crate::tui::app::App;
use crate::tui::theme::Theme;

pub struct Timeline<'a> {
    pub app: &'a App,
    pub theme: Theme,
}

const LEVELS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Events per column over `first..=last`, for `width` columns.
pub fn density(ledger: &Ledger, first: Millis, last: Millis, width: usize) -> Vec<usize> {
    let mut before = 0;
    (1..=width)
        .map(|c| {
            // Column c-1 ends at its edge (the last column at `last` itself).
            let edge = if c == width {
                last
            } else {
                between(first, last, c as i128, width as i128)
            };
            let upto = ledger.count_at(edge);
            let n = upto - before;
            before = upto;
            n
        })
        .collect()
}

/// The column of a time on a slider of `width` columns.
pub fn column_of(time: Millis, first: Millis, last: Millis, width: usize) -> usize {
    if width <= 1 {
        return 0;
    }
    fraction_of(time, first, last, width as i128 - 1) as usize
}

impl Widget for Timeline<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (app, theme) = (self.app, self.theme);
        let ledger = &app.ledger;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(" Timeline ", theme.title()));
        let inner = block.inner(area);
        block.render(area, buf);
        let (Some(first), Some(last)) = (ledger.first_time(), ledger.last_time()) else {
            return;
        };
        let width = inner.width as usize;
        if width == 0 || inner.height == 0 {
            return;
        }
        let computed;
        let counts = if app.density.len() == width {
            &app.density
        } else {
            computed = density(ledger, first, last, width);
            &computed
        };
        let max = counts.iter().copied().max().unwrap_or(0).max(1);
        let strip: String = counts
            .iter()
            .map(|&n| {
                if n == 0 {
                    LEVELS[0]
                } else {
                    LEVELS[(n * 8).div_ceil(max).clamp(1, 8)]
                }
            })
            .collect();
        let cursor_col = column_of(app.cursor.time, first, last, width);
        let row = |k: u16| Rect {
            y: inner.y + k,
            height: 1,
            ..inner
        };
        Line::from(Span::styled(strip, theme.density())).render(row(0), buf);
        if inner.height > 1 {
            // Problems (`!`) and marks (their letters) where they stand in time.
            let mut cells: Vec<Span> = (0..width)
                .map(|c| {
                    if app.problem_columns.get(c).copied().unwrap_or(false) {
                        Span::styled("!", theme.warning())
                    } else {
                        Span::raw(" ")
                    }
                })
                .collect();
            for (&name, &moment) in &app.marks {
                let t = match moment {
                    Moment::Time(t) => Some(t),
                    Moment::Seq(n) => ledger.time_of(Moment::Seq(n)),
                    Moment::End => Some(last),
                };
                if let Some(t) = t {
                    let c = column_of(t, first, last, width);
                    cells[c] = Span::styled(name.to_string(), theme.key());
                }
            }
            Line::from(cells).render(row(1), buf);
        }
        if inner.height > 2 {
            let before_start = app.cursor.time < first;
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
            let left = format_time_short(first);
            let right = format_time_short(last);
            let cursor_label = format_time_short(app.cursor.time);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{LoadOptions, load_bytes};

    #[test]
    fn density_counts_every_event_once() {
        let text: String = [0, 0, 1, 5, 9, 10, 10, 10]
            .iter()
            .map(|t| {
                format!(
                    "{{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":1,\"timestamp\":{t}}}\n"
                )
            })
            .collect();
        let l = load_bytes("t", text.into_bytes(), &LoadOptions::default());
        for width in [1, 2, 3, 5, 10, 11, 40] {
            let d = density(&l, 0, 10, width);
            assert_eq!(d.iter().sum::<usize>(), 8, "width {width}");
        }
        assert_eq!(density(&l, 0, 10, 2), vec![4, 4]);
        assert_eq!(column_of(0, 0, 10, 11), 0);
        assert_eq!(column_of(10, 0, 10, 11), 10);
        assert_eq!(column_of(5, 0, 10, 11), 5);
        assert_eq!(column_of(-5, 0, 10, 11), 0);
        assert_eq!(column_of(3, 3, 3, 11), 0);
    }
}
