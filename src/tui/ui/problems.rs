//! The problems pane: every problem of the log with its line; `Enter` (or `e`/`E` anywhere) moves
//! the cursor to it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Row, Table, Widget};

use super::{fit, pane_block};
use crate::ledger::ProblemKind;
use crate::text::group;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::view::{MainView, Pane};

pub struct Problems<'a> {
    pub state: &'a State,
    pub main: &'a MainView,
    pub theme: Theme,
}

impl Widget for Problems<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (state, main, theme) = (self.state, self.main, self.theme);
        let problems = state.ledger.problems();
        let focused = main.focus == Pane::Problems;
        let count_style = if problems.is_empty() {
            theme.muted()
        } else {
            theme.warning()
        };
        let block = pane_block(
            vec![
                Span::styled(" Problems ", theme.title()),
                Span::styled(format!("{} ", group(problems.len())), count_style),
            ],
            focused,
            theme,
        );
        let inner = block.inner(area);
        block.render(area, buf);
        if problems.is_empty() {
            Line::from(Span::styled("none", theme.muted())).render(inner, buf);
            return;
        }
        let rows_available = inner.height.saturating_sub(1) as usize;
        // The kind column fits the longest kind's name among the problems.
        let kind_width = problems
            .iter()
            .map(|p| p.kind.name().len())
            .max()
            .unwrap_or(0)
            .max(15) as u16;
        let message_width = inner.width.saturating_sub(2 + 7 + kind_width + 3) as usize;
        let rows: Vec<Row> = problems
            .iter()
            .enumerate()
            .skip(main.problem_offset)
            .take(rows_available)
            .map(|(k, p)| {
                let selected = k == main.problem_sel;
                let kind_style = match p.kind {
                    ProblemKind::ChainBroken | ProblemKind::TornTail => theme.error(),
                    _ => theme.warning(),
                };
                Row::new(vec![
                    Cell::from(if selected { "▸" } else { "!" }),
                    Cell::from(Text::from(p.line.to_string()).alignment(Alignment::Right)),
                    Cell::from(p.kind.name()).style(kind_style),
                    Cell::from(fit(&state.ledger.message(p), message_width)),
                ])
                .style(if selected && focused {
                    theme.selected()
                } else {
                    Style::default()
                })
            })
            .collect();
        Table::new(
            rows,
            [
                Constraint::Length(1),
                Constraint::Length(7),
                Constraint::Length(kind_width),
                Constraint::Fill(1),
            ],
        )
        .header(
            Row::new(vec![
                Cell::from(""),
                Cell::from(Text::from("LINE").alignment(Alignment::Right)),
                Cell::from("KIND"),
                Cell::from("WHAT"),
            ])
            .style(theme.header()),
        )
        .render(inner, buf);
    }
}
