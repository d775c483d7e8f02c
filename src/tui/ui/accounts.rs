//! The accounts pane: every account with its balance as of the cursor.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Span, Text};
use ratatui::widgets::{Cell, Row, Table, Widget};

use super::columns::{Column, allocate, middle, widest};
use super::pane_block;
use crate::text::{group, visible};
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::view::{MainView, Pane};

pub struct Accounts<'a> {
    pub state: &'a State,
    pub main: &'a MainView,
    pub theme: Theme,
}

impl Widget for Accounts<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (state, main, theme) = (self.state, self.main, self.theme);
        let ledger = &state.ledger;
        let focused = main.focus == Pane::Accounts;
        let block = pane_block(
            vec![
                Span::styled(" Accounts ", theme.title()),
                Span::styled(
                    format!("{} ", group(ledger.accounts_sorted().len())),
                    theme.muted(),
                ),
            ],
            focused,
            theme,
        );
        let inner = block.inner(area);
        block.render(area, buf);
        let rows_available = inner.height.saturating_sub(1) as usize;
        let cursor_event = state.cursor_event().map(|i| ledger.event(i));
        let moment = state.moment();
        // Balances are never cut: the last-event time gives way first, then the event count,
        // and names are shortened in the middle only when nothing else is left.
        let visible_accounts = || {
            ledger
                .accounts_sorted()
                .iter()
                .skip(main.account_offset)
                .take(rows_available)
        };
        let balances: Vec<String> = visible_accounts()
            .map(|&a| ledger.account_at(a, moment).balance.to_string())
            .collect();
        let balance_width = widest(balances.iter().map(String::as_str), 7);
        let name_width = widest(visible_accounts().map(|&a| ledger.account_name(a)), 7);
        // The state fields asked for (`:columns`), as of the cursor, for the rows shown.
        let fields: Vec<Vec<String>> = if state.account_columns.is_empty() {
            Vec::new()
        } else {
            visible_accounts()
                .map(|&a| {
                    let fields = state.column_timeline(a, moment).fields_at(moment);
                    state
                        .account_columns
                        .iter()
                        .map(|f| {
                            // `city` names `meta.city` too, when no field is called `city`.
                            let suffix = format!(".{f}");
                            fields
                                .get(f)
                                .or_else(|| {
                                    fields
                                        .iter()
                                        .find(|(name, _)| name.ends_with(&suffix))
                                        .map(|(_, v)| v)
                                })
                                .map_or("—".to_string(), |v| visible(v.value.text()).into_owned())
                        })
                        .collect()
                })
                .collect()
        };
        let mut columns = vec![
            Column::fixed(2),
            Column::flexible(name_width, 6, 2, 1),
            Column::fixed(balance_width),
        ];
        for (k, name) in state.account_columns.iter().enumerate() {
            let width = widest(
                fields
                    .iter()
                    .map(|row| row[k].as_str())
                    .chain([name.as_str()]),
                4,
            );
            columns.push(Column::flexible(width, width.min(6), 1, 1).droppable());
        }
        let first_extra = columns.len();
        columns.push(Column::flexible(5, 4, 1, 0).droppable());
        columns.push(Column::flexible(11, 11, 0, 0).droppable());
        let widths = allocate(inner.width as usize, &columns, 1);
        let name_width = widths[1].unwrap_or(0);
        let field_widths: Vec<Option<usize>> = widths[3..first_extra].to_vec();
        let (show_events, show_last) = (
            widths[first_extra].is_some(),
            widths[first_extra + 1].is_some(),
        );
        let rows: Vec<Row> = ledger
            .accounts_sorted()
            .iter()
            .enumerate()
            .skip(main.account_offset)
            .take(rows_available)
            .map(|(index, &account)| {
                let account_state = ledger.account_at(account, moment);
                let touched = cursor_event.is_some_and(|e| e.account == account || e.to == account);
                let gutter = if !account_state.exists {
                    " "
                } else if touched {
                    "●"
                } else if account_state.closed {
                    "✕"
                } else {
                    " "
                };
                let text = account_state.balance.to_string();
                let (balance, balance_style) = if !account_state.exists {
                    ("—".to_string(), theme.future())
                } else if account_state.balance.is_negative() {
                    (text, theme.negative())
                } else {
                    (text, theme.base())
                };
                let last = match account_state.last_event {
                    Some(i) => short_time(ledger.event(i as usize).ts),
                    None => "not yet".to_string(),
                };
                let row_style = if index == main.account_sel && focused {
                    theme.selected()
                } else if !account_state.exists {
                    theme.future()
                } else {
                    Style::default()
                };
                // The selection's mark beside, never instead of, the account's own.
                let marker = format!(
                    "{}{gutter}",
                    if index == main.account_sel {
                        "▸"
                    } else {
                        " "
                    }
                );
                let mut cells = vec![
                    Cell::from(marker),
                    Cell::from(middle(ledger.account_name(account), name_width)),
                    Cell::from(Text::from(balance).alignment(Alignment::Right))
                        .style(balance_style),
                ];
                let row = index - main.account_offset;
                for (k, width) in field_widths.iter().enumerate() {
                    if let Some(width) = width {
                        let value = fields.get(row).map_or("", |r| r[k].as_str());
                        cells.push(Cell::from(middle(value, *width)));
                    }
                }
                if show_events {
                    cells.push(Cell::from(
                        Text::from(account_state.events.to_string()).alignment(Alignment::Right),
                    ));
                }
                if show_last {
                    cells.push(Cell::from(last));
                }
                Row::new(cells).style(row_style)
            })
            .collect();
        let mut header = vec![
            Cell::from(""),
            Cell::from("ACCOUNT"),
            Cell::from(Text::from("BALANCE").alignment(Alignment::Right)),
        ];
        for (name, width) in state.account_columns.iter().zip(&field_widths) {
            if let Some(width) = width {
                header.push(Cell::from(middle(&name.to_uppercase(), *width)));
            }
        }
        if show_events {
            header.push(Cell::from(Text::from("EVTS").alignment(Alignment::Right)));
        }
        if show_last {
            header.push(Cell::from("LAST"));
        }
        let header = Row::new(header).style(theme.header());
        let constraints: Vec<Constraint> = widths
            .iter()
            .flatten()
            .map(|&w| Constraint::Length(w as u16))
            .collect();
        Table::new(rows, constraints)
            .header(header)
            .render(inner, buf);
    }
}

/// `03-14 15:59` for narrow columns.
fn short_time(ts: i64) -> String {
    let full = crate::tui::clock::full(ts);
    full.get(5..16).map(|s| s.replace('T', " ")).unwrap_or(full)
}
