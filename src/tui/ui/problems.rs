//! The problems pane: every problem of the log with its line; `Enter` (or `e`/`E` anywhere) moves
//! the cursor to it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Row, Table, Widget};

use super::columns::{Column, allocate, middle, widest};
use super::{fit, pane_block, visible};
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
        let ledger = &state.ledger;
        let shown: Vec<(usize, &crate::ledger::Problem)> = problems
            .iter()
            .enumerate()
            .skip(main.problem_offset)
            .take(rows_available)
            .collect();
        // The account each problem is about (`—` for a line that is not an event).
        let accounts: Vec<String> = shown
            .iter()
            .map(|&(k, _)| match state.problem_event(k) {
                Some(i) => visible(ledger.account_name(ledger.event(i).account)).into_owned(),
                None => "—".to_string(),
            })
            .collect();
        let messages: Vec<String> = {
            let mut explain = ledger.explainer();
            shown.iter().map(|(_, p)| explain.message(p)).collect()
        };
        // The kind column fits the longest kind's name among the problems.
        let kind_width = state.problem_kind_width.max(4);
        let line_width = widest(
            shown
                .iter()
                .map(|(_, p)| ledger.place(p.line).to_string())
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
            4,
        );
        let columns = |account_natural: usize| {
            [
                Column::fixed(1),
                Column::fixed(line_width),
                Column::fixed(kind_width),
                Column::flexible(account_natural, 6, 1, 1),
                Column::flexible(widest(messages.iter().map(String::as_str), 4), 5, 0, 4)
                    .droppable(),
            ]
        };
        let account_natural = widest(accounts.iter().map(String::as_str), 7);
        let mut widths = allocate(inner.width as usize, &columns(account_natural), 1);
        // Rather a long account shortened than no text at all.
        if widths[4].is_none() && account_natural > 10 {
            let shorter = allocate(inner.width as usize, &columns(10), 1);
            if shorter[4].is_some() {
                widths = shorter;
            }
        }
        let (account_width, message_width) = (widths[3].unwrap_or(0), widths[4]);
        let rows: Vec<Row> = shown
            .iter()
            .zip(accounts.iter().zip(&messages))
            .map(|(&(k, p), (account, message))| {
                let selected = k == main.problem_sel;
                let kind_style = match p.kind {
                    ProblemKind::ChainBroken | ProblemKind::TornTail => theme.error(),
                    _ => theme.warning(),
                };
                let mut cells = vec![
                    Cell::from(if selected { "▸" } else { "!" }),
                    Cell::from(
                        Text::from(ledger.place(p.line).to_string()).alignment(Alignment::Right),
                    ),
                    Cell::from(p.kind.name()).style(kind_style),
                    Cell::from(middle(account, account_width)),
                ];
                if let Some(w) = message_width {
                    cells.push(Cell::from(fit(message, w)));
                }
                Row::new(cells).style(if selected && focused {
                    theme.selected()
                } else {
                    Style::default()
                })
            })
            .collect();
        let constraints: Vec<Constraint> = widths
            .iter()
            .flatten()
            .map(|&w| Constraint::Length(w as u16))
            .collect();
        Table::new(rows, constraints)
            .header(
                Row::new(
                    [
                        Cell::from(""),
                        Cell::from(Text::from("LINE").alignment(Alignment::Right)),
                        Cell::from("KIND"),
                        Cell::from("ACCOUNT"),
                        Cell::from("WHAT"),
                    ]
                    .into_iter()
                    .take(if message_width.is_some() { 5 } else { 4 }),
                )
                .style(theme.header()),
            )
            .render(inner, buf);
    }
}
