//! The state card of an account (its balance and fields as of the cursor, each with the event
//! that set it; what the cursor's event changed highlighted with the old value), with the
//! statement beside it when the screen is wide enough; and the blame of one field.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::statement::Statement;
use super::{fit, fit_padded};
use crate::ledger::Ledger;
use crate::ledger::state::Value;
use crate::tui::state::{State, moment_label};
use crate::tui::theme::Theme;
use crate::tui::view::blame::{Blame, BlameView};
use crate::tui::view::state_card::{Card, CardView, fold_order};

/// From this width of the body the statement stands beside the card.
pub const SIDE_BY_SIDE: u16 = 110;
/// The card's width when the statement stands beside it.
const CARD_WIDTH: u16 = 52;

/// The card view: the card, and the statement beside it when it fits.
pub struct CardScreen<'a> {
    pub state: &'a State,
    pub view: &'a CardView,
    pub theme: Theme,
}

impl Widget for CardScreen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let card = Card::of(self.state, self.view.account);
        let card_area = if area.width >= SIDE_BY_SIDE {
            let [left, right] =
                Layout::horizontal([Constraint::Length(CARD_WIDTH), Constraint::Min(0)])
                    .areas(area);
            Statement {
                state: self.state,
                theme: self.theme,
                account: self.view.account,
                scroll: None,
            }
            .render(right, buf);
            left
        } else {
            area
        };
        StateCard {
            state: self.state,
            card: &card,
            sel: Some(self.view.sel),
            theme: self.theme,
        }
        .render(card_area, buf);
    }
}

/// `2024-03-12 09:41:00 · line 343 · AddressChanged`: an event as the card names it.
pub fn event_label(ledger: &Ledger, i: u32) -> String {
    let e = ledger.event(i as usize);
    format!(
        "{} · {} · {}",
        crate::tui::clock::short(e.ts),
        ledger.place(e.line).phrase(),
        ledger.type_name(e.kind)
    )
}

/// A value as the card shows it: escaped; `(not set)` for none, `""` for an empty text.
pub fn value_text(value: Option<&Value>) -> String {
    match value {
        None => "(not set)".into(),
        Some(v) if v.text().is_empty() => "\"\"".into(),
        Some(v) => v.text().to_string(),
    }
}

/// The card itself.
pub struct StateCard<'a> {
    pub state: &'a State,
    pub card: &'a Card,
    /// The selected field.
    pub sel: Option<usize>,
    pub theme: Theme,
}

impl Widget for StateCard<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (state, card, theme) = (self.state, self.card, self.theme);
        let ledger = &state.ledger;
        let at = &card.state;
        let order = fold_order(state.order).name();
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused())
            .title(Line::from(vec![Span::styled(
                format!(" State of {} ", fit(ledger.account_name(at.account), 36)),
                theme.title(),
            )]));
        let inner = block.inner(area);
        block.render(area, buf);
        let width = inner.width as usize;
        let mut lines: Vec<Line> = vec![Line::from(Span::styled(
            fit(
                &format!("as of {} · {order} order", moment_label(card.moment)),
                width,
            ),
            theme.muted(),
        ))];
        let balance_style = if at.balance.is_negative() {
            theme.negative()
        } else {
            theme.header()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<10} ", "balance"), theme.muted()),
            Span::styled(at.balance.to_string(), balance_style),
        ]));
        let moved = match at.balance_event {
            Some(i) => event_label(ledger, i),
            None if at.exists => "never moved".into(),
            None => "no event of this account yet".into(),
        };
        lines.push(Line::from(Span::styled(
            fit(&format!("  {moved}"), width),
            theme.muted(),
        )));
        lines.push(Line::default());
        if card.rows.is_empty() {
            for text in [
                "No fields as of the cursor.",
                "Fields come from [state.TYPE] rules of the",
                "--types file, and from events that move no",
                "money and end in _CHANGED, _UPDATED or _SET.",
            ] {
                lines.push(Line::from(Span::styled(fit(text, width), theme.muted())));
            }
        }
        // Each field takes two lines (three when the cursor's event changed it).
        let mut starts = Vec::with_capacity(card.rows.len());
        let name_width = card
            .rows
            .iter()
            .map(|r| crate::text::visible_width(&super::visible(&r.name)))
            .max()
            .unwrap_or(0)
            .clamp(6, (width / 3).max(6));
        for (k, row) in card.rows.iter().enumerate() {
            starts.push(lines.len());
            let selected = self.sel == Some(k);
            let marker = if selected { "▶ " } else { "  " };
            let value = value_text(row.value.as_ref());
            let value_width = width.saturating_sub(name_width + 3);
            let value_style = if row.was.is_some() {
                theme.highlight()
            } else {
                Style::default()
            };
            let name_style = if selected {
                theme.selected()
            } else {
                theme.key()
            };
            lines.push(Line::from(vec![
                Span::raw(marker),
                Span::styled(fit_padded(&row.name, name_width), name_style),
                Span::raw(" "),
                Span::styled(fit(&value, value_width), value_style),
            ]));
            let set = match row.set_by {
                Some(i) => event_label(ledger, i),
                None => "unset by the event at the cursor".into(),
            };
            lines.push(Line::from(Span::styled(
                fit(&format!("  {set}"), width),
                theme.muted(),
            )));
            if let Some(was) = &row.was {
                lines.push(Line::from(vec![
                    Span::styled("  was ", theme.warning()),
                    Span::raw(fit(&value_text(was.as_ref()), width.saturating_sub(6))),
                ]));
            }
        }
        if let Some(i) = card.cursor_event
            && card.rows.iter().any(|r| r.was.is_some())
        {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                fit(
                    &format!(
                        "highlighted: changed by {} at the cursor",
                        ledger.place(ledger.event(i as usize).line).phrase()
                    ),
                    width,
                ),
                theme.muted(),
            )));
        }
        for note in &card.notes {
            lines.push(Line::from(Span::styled(
                fit(&format!("note: {}", note.text), width),
                theme.warning(),
            )));
        }
        // Keep the selected field on screen.
        let rows = inner.height as usize;
        let offset = match self.sel.and_then(|k| starts.get(k)) {
            Some(&start) if start + 3 > rows => (start + 3 - rows).min(start),
            _ => 0,
        };
        Paragraph::new(lines)
            .scroll((offset.min(u16::MAX as usize) as u16, 0))
            .render(inner, buf);
    }
}

/// The blame of one field.
pub struct BlameScreen<'a> {
    pub state: &'a State,
    pub view: &'a BlameView,
    pub theme: Theme,
}

impl Widget for BlameScreen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (state, view, theme) = (self.state, self.view, self.theme);
        let ledger = &state.ledger;
        let blame = Blame::of(state, view.card.account, &view.field);
        let order = fold_order(state.order).name();
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused())
            .title(Line::from(vec![
                Span::styled(
                    format!(
                        " Blame of {} · {} ",
                        fit(&view.field, 30),
                        fit(ledger.account_name(view.card.account), 30)
                    ),
                    theme.title(),
                ),
                Span::styled(
                    format!(
                        "{} in {order} order · Enter moves the cursor there ",
                        crate::text::count(blame.rows.len(), "change")
                    ),
                    theme.muted(),
                ),
            ]));
        let inner = block.inner(area);
        block.render(area, buf);
        let width = inner.width as usize;
        let [head, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        Line::from(Span::styled(
            fit_padded(
                &format!("  {:<19}  {:>8}  {:<18}  OLD → NEW", "TIME", "LINE", "TYPE"),
                width,
            ),
            theme.header(),
        ))
        .render(head, buf);
        let mut lines = Vec::new();
        if blame.rows.is_empty() {
            lines.push(Line::from(Span::styled(
                "  no event changed this field",
                theme.muted(),
            )));
        }
        let selected = view.selected(&blame);
        let change_width = width.saturating_sub(53);
        for (k, row) in blame.rows.iter().enumerate() {
            let e = ledger.event(row.event as usize);
            let now = blame.current == Some(k);
            let change = format!(
                "{} → {}",
                value_text(row.old.as_ref()),
                value_text(row.new.as_ref())
            );
            let style = if selected == Some(k) {
                theme.selected()
            } else if Some(k) > blame.current {
                theme.future()
            } else {
                Style::default()
            };
            lines.push(
                Line::from(vec![
                    Span::raw(if now { "▶ " } else { "  " }),
                    Span::raw(format!(
                        "{:<19}  {:>8}  ",
                        crate::tui::clock::short(e.ts),
                        ledger.place(e.line)
                    )),
                    Span::raw(format!("{}  ", fit_padded(ledger.type_name(e.kind), 18))),
                    Span::raw(fit(&change, change_width)),
                ])
                .style(style),
            );
        }
        let rows = list.height as usize;
        let offset = match selected {
            Some(k) if k + 1 > rows => k + 1 - rows,
            _ => 0,
        };
        Paragraph::new(lines)
            .scroll((offset.min(u16::MAX as usize) as u16, 0))
            .render(list, buf);
    }
}
