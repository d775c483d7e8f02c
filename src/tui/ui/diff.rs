//! What changed between two moments: the accounts whose balance moved, then the events between.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::columns::{Column, allocate, middle, middle_pair, widest};
use super::events::amount_text;
use super::{fit, fit_padded};
use crate::ledger::Ledger;
use crate::ledger::diff::Diff;
use crate::text::group;
use crate::tui::state::totals::Totals;
use crate::tui::state::{State, moment_label};
use crate::tui::theme::Theme;

pub struct DiffView<'a> {
    pub state: &'a State,
    pub diff: &'a Diff,
    pub fields: &'a [crate::tui::view::field_diff::FieldChanges],
    pub theme: Theme,
    pub scroll: usize,
}

fn name(c: char) -> String {
    if c == '.' {
        "the cursor".into()
    } else {
        format!("mark {c}")
    }
}

impl Widget for DiffView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (state, theme, diff) = (self.state, self.theme, self.diff);
        let ledger = &state.ledger;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused())
            .title(Line::from(vec![
                Span::styled(" What changed ", theme.title()),
                Span::styled(
                    format!(
                        "from {} ({}) to {} ({}) ",
                        name(diff.from.name),
                        moment_label(diff.from.moment),
                        name(diff.to.name),
                        moment_label(diff.to.moment)
                    ),
                    theme.muted(),
                ),
            ]));
        let width = area.width.saturating_sub(2) as usize;
        let mut lines = vec![Line::from(vec![
            Span::styled(format!("{} ", group(diff.changed())), theme.header()),
            Span::raw(if diff.changed() == 1 {
                "account changed balance, "
            } else {
                "accounts changed balance, "
            }),
            Span::styled(format!("{} ", group(diff.events.len())), theme.header()),
            Span::raw(if diff.events.len() == 1 {
                "event between the two moments"
            } else {
                "events between the two moments"
            }),
        ])];
        let totals = Totals::of(ledger, diff.events.iter().map(|&i| i as usize));
        lines.push(Line::from(vec![
            Span::styled("totals ", theme.muted()),
            Span::raw(totals.summary(ledger)),
        ]));
        lines.push(Line::default());
        // Balances and counts whole; the account gives way first, shortened in the middle.
        let texts: Vec<[String; 4]> = diff
            .rows
            .iter()
            .map(|r| {
                [
                    r.before.to_string(),
                    r.after.to_string(),
                    r.delta.signed_string(),
                    group(r.events),
                ]
            })
            .collect();
        let column = |k: usize, head: &str| widest(texts.iter().map(|t| t[k].as_str()), head.len());
        let names = diff.rows.iter().map(|r| ledger.account_name(r.account));
        let widths = allocate(
            width,
            &[
                Column::flexible(widest(names, 7), 10, 0, 1),
                Column::fixed(column(0, "BEFORE")),
                Column::fixed(column(1, "AFTER")),
                Column::fixed(column(2, "DELTA")),
                Column::fixed(column(3, "EVENTS")),
            ],
            1,
        );
        let w: Vec<usize> = widths.iter().map(|w| w.unwrap_or(0)).collect();
        lines.push(header(
            &[
                ("ACCOUNT", false),
                ("BEFORE", true),
                ("AFTER", true),
                ("DELTA", true),
                ("EVENTS", true),
            ],
            &w,
            theme,
        ));
        for (row, t) in diff.rows.iter().zip(&texts) {
            let delta_style = if row.delta.is_negative() {
                theme.debit()
            } else if row.delta.is_zero() {
                theme.muted()
            } else {
                theme.credit()
            };
            let after_style = if row.after.is_negative() {
                theme.negative()
            } else {
                Style::default()
            };
            lines.push(Line::from(vec![
                Span::raw(format!(
                    "{} ",
                    fit_padded(&middle(ledger.account_name(row.account), w[0]), w[0])
                )),
                Span::raw(format!("{:>b$} ", t[0], b = w[1])),
                Span::styled(format!("{:>c$} ", t[1], c = w[2]), after_style),
                Span::styled(format!("{:>d$} ", t[2], d = w[3]), delta_style),
                Span::raw(format!("{:>e$}", t[3], e = w[4])),
            ]));
        }
        lines.extend(super::field_diff::lines(ledger, self.fields, theme));
        lines.push(Line::default());
        // The events between may be millions: only the rows on screen are made (their columns
        // fitted to those rows), the header first while it is on screen.
        let height = area.height.saturating_sub(2) as usize;
        let head = lines.len();
        let start = self.scroll.saturating_sub(head);
        let end = (self.scroll + height)
            .saturating_sub(head)
            .min(diff.events.len() + 1);
        let mut section = Vec::new();
        if end > start {
            let rows = &diff.events[start.saturating_sub(1)..end.saturating_sub(1)];
            section = event_lines(ledger, rows, width, theme);
            if start > 0 {
                section.remove(0);
            }
        }
        let lines: Vec<Line> = lines
            .into_iter()
            .skip(self.scroll)
            .chain(section)
            .map(|l| {
                // Keep rows on one line each; cut what does not fit.
                let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
                if crate::text::visible_width(&text) > width {
                    Line::from(fit(&text, width))
                } else {
                    l
                }
            })
            .collect();
        Paragraph::new(lines).block(block).render(area, buf);
    }
}

/// A table's header line: each label in its column's width (`true`: aligned right, over numbers),
/// one space between columns.
fn header(labels: &[(&str, bool)], widths: &[usize], theme: Theme) -> Line<'static> {
    let cells: Vec<String> = labels
        .iter()
        .zip(widths)
        .map(|(&(label, right), &w)| {
            if right {
                format!("{label:>w$}")
            } else {
                format!("{label:<w$}")
            }
        })
        .collect();
    Line::from(Span::styled(cells.join(" "), theme.header()))
}

/// The events between the two moments: times, amounts and lines whole; the accounts and the
/// type give way first (the accounts shortened in the middle).
fn event_lines(ledger: &Ledger, events: &[u32], width: usize, theme: Theme) -> Vec<Line<'static>> {
    struct Row {
        time: String,
        from: String,
        to: Option<String>,
        kind: String,
        amount: String,
        line: String,
    }
    let rows: Vec<Row> = events
        .iter()
        .map(|&i| {
            let i = i as usize;
            let e = ledger.event(i);
            Row {
                time: crate::tui::clock::short(e.ts),
                from: ledger.account_name(e.account).to_string(),
                to: ledger
                    .transfer_to(e)
                    .map(|to| ledger.account_name(to).to_string()),
                kind: ledger.type_name(e.kind).to_string(),
                amount: amount_text(ledger, i).0,
                line: ledger.place(e.line).to_string(),
            }
        })
        .collect();
    let account_natural = rows
        .iter()
        .map(|r| match &r.to {
            Some(to) => widest([r.from.as_str()], 0) + 3 + widest([to.as_str()], 0),
            None => widest([r.from.as_str()], 0),
        })
        .max()
        .unwrap_or(0)
        .max(7);
    let widths = allocate(
        width,
        &[
            Column::fixed(widest(rows.iter().map(|r| r.time.as_str()), 4)),
            Column::flexible(account_natural, 10, 0, 2),
            Column::flexible(widest(rows.iter().map(|r| r.kind.as_str()), 4), 6, 1, 1),
            Column::fixed(widest(rows.iter().map(|r| r.amount.as_str()), 6)),
            Column::fixed(widest(rows.iter().map(|r| r.line.as_str()), 4)),
        ],
        1,
    );
    let w: Vec<usize> = widths.iter().map(|w| w.unwrap_or(0)).collect();
    let mut out = vec![header(
        &[
            ("TIME", false),
            ("ACCOUNT", false),
            ("TYPE", false),
            ("AMOUNT", true),
            ("LINE", true),
        ],
        &w,
        theme,
    )];
    for r in rows {
        let account = match &r.to {
            Some(to) => middle_pair(&r.from, to, w[1]),
            None => middle(&r.from, w[1]),
        };
        out.push(Line::from(vec![
            Span::raw(format!("{:<a$} ", r.time, a = w[0])),
            Span::raw(format!("{} ", fit_padded(&account, w[1]))),
            Span::raw(format!("{} ", fit_padded(&r.kind, w[2]))),
            Span::raw(format!("{:>d$} ", r.amount, d = w[3])),
            Span::styled(format!("{:>e$}", r.line, e = w[4]), theme.muted()),
        ]));
    }
    out
}
