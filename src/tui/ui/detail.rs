//! The details of the event at the cursor: every field as written, its line, the raw record, and
//! whether the hash chain holds there.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::{field_line, fit, fit_padded};
use crate::ledger::chain::{self, to_hex};
use crate::ledger::record::{members, parse_record};
use crate::ledger::{AccountId, Effect, Integrity, Ledger, ProblemKind};
use crate::text::visible;
use crate::tui::state::State;
use crate::tui::theme::Theme;

pub struct Detail<'a> {
    pub state: &'a State,
    pub theme: Theme,
    pub scroll: usize,
}

/// What the chain says about one record.
#[derive(Debug, PartialEq, Eq)]
pub enum ChainStatus {
    Unsealed,
    /// Hash matches the bytes and `prev` names the record before.
    Holds {
        prev: [u8; 32],
        hash: [u8; 32],
    },
    Broken {
        reason: String,
    },
}

/// What the chain says at event `i`: the loader checked every link in file order (a broken one
/// is a `chain-broken` problem on its line); here the record's own hash is checked again against
/// its bytes as they are now.
pub fn chain_status(ledger: &Ledger, i: usize) -> ChainStatus {
    if ledger.integrity() == Integrity::Unsealed {
        return ChainStatus::Unsealed;
    }
    let e = ledger.event(i);
    if let Some(p) = ledger
        .problems()
        .iter()
        .find(|p| p.line == e.line && p.kind == ProblemKind::ChainBroken)
    {
        return ChainStatus::Broken {
            reason: ledger.message(p),
        };
    }
    let raw = ledger.raw_text(i);
    let Some(seal) = parse_record(&raw).ok().and_then(|f| f.seal) else {
        return ChainStatus::Broken {
            reason: "the record has no `prev`/`hash`".into(),
        };
    };
    if chain::record_hash(raw.as_bytes()) != Some(seal.hash) {
        return ChainStatus::Broken {
            reason: "the hash does not match the record's bytes".into(),
        };
    }
    ChainStatus::Holds {
        prev: seal.prev,
        hash: seal.hash,
    }
}

fn balance_line(
    ledger: &Ledger,
    i: usize,
    account: AccountId,
    theme: Theme,
) -> Option<Line<'static>> {
    let after = ledger.balance_after(i, account)?;
    let delta = ledger.delta(i, account);
    let before = after.checked_sub(delta)?;
    let style = if after.is_negative() {
        theme.negative()
    } else {
        theme.base()
    };
    Some(field_line(
        "balance",
        vec![
            Span::raw(format!("{} ", fit(ledger.account_name(account), 30))),
            Span::raw(format!("{before} → ")),
            Span::styled(after.to_string(), style),
            Span::styled(format!("  ({})", delta.signed_string()), theme.muted()),
        ],
        theme,
    ))
}

impl Widget for Detail<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (state, theme) = (self.state, self.theme);
        let ledger = &state.ledger;
        let Some(i) = state.cursor_event() else {
            Paragraph::new("No event at the cursor (before the first event).").render(area, buf);
            return;
        };
        let e = ledger.event(i);
        let pos = state.cursor.pos.unwrap_or(0);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused())
            .title(Line::from(vec![
                Span::styled(" Event ", theme.title()),
                Span::styled(
                    format!(
                        "{} · seq {} · {} of {} in time order ",
                        ledger.place(e.line).phrase(),
                        ledger.seq_of(i),
                        pos + 1,
                        ledger.len()
                    ),
                    theme.muted(),
                ),
            ]));
        let effect = ledger.event_effect(e);
        let note = self.state.notes.get(&e.line).map(|text| {
            field_line(
                "note",
                vec![Span::styled(visible(text).into_owned(), theme.warning())],
                theme,
            )
        });
        let mut lines: Vec<Line> = note.into_iter().collect();
        lines.extend([
            field_line(
                "time",
                vec![Span::raw(crate::tui::clock::full(e.ts))],
                theme,
            ),
            field_line(
                "account",
                vec![Span::raw(
                    visible(ledger.account_name(e.account)).into_owned(),
                )],
                theme,
            ),
            field_line(
                "type",
                vec![
                    Span::raw(visible(ledger.type_name(e.kind)).into_owned()),
                    Span::styled(format!("  ({})", effect.name()), theme.muted()),
                ],
                theme,
            ),
            field_line(
                "amount",
                vec![Span::raw(if e.has_amount() {
                    e.amount.to_string()
                } else {
                    "—".to_string()
                })],
                theme,
            ),
        ]);
        if let Some(to) = e.to_account() {
            lines.push(field_line(
                "to",
                vec![Span::raw(visible(ledger.account_name(to)).into_owned())],
                theme,
            ));
        }
        lines.extend(balance_line(ledger, i, e.account, theme));
        if effect == Effect::Transfer
            && let Some(to) = e.to_account()
            && to != e.account
        {
            lines.extend(balance_line(ledger, i, to, theme));
        }
        lines.push(Line::default());
        let problems: Vec<_> = ledger
            .problems()
            .iter()
            .filter(|p| p.line == e.line)
            .collect();
        if problems.is_empty() {
            lines.push(field_line(
                "problems",
                vec![Span::styled("none", theme.muted())],
                theme,
            ));
        }
        for p in problems {
            lines.push(field_line(
                "problem",
                vec![
                    Span::styled(format!("! {} ", p.kind), theme.warning()),
                    Span::raw(visible(&ledger.message(p)).into_owned()),
                ],
                theme,
            ));
        }
        match chain_status(ledger, i) {
            ChainStatus::Unsealed => lines.push(field_line(
                "chain",
                vec![Span::styled("unsealed log: no hash chain", theme.muted())],
                theme,
            )),
            ChainStatus::Holds { prev, hash } => {
                lines.push(field_line(
                    "chain",
                    vec![Span::styled(
                        "✓ verified: the hash matches the record's bytes and `prev` names the record before",
                        theme.ok(),
                    )],
                    theme,
                ));
                lines.push(field_line("prev", vec![Span::raw(to_hex(&prev))], theme));
                lines.push(field_line("hash", vec![Span::raw(to_hex(&hash))], theme));
            }
            ChainStatus::Broken { reason } => lines.push(field_line(
                "chain",
                vec![Span::styled(
                    format!("✗ BROKEN here: {}", visible(&reason)),
                    theme.error(),
                )],
                theme,
            )),
        }
        lines.push(Line::default());
        let raw = ledger.raw_text(i);
        lines.push(Line::from(Span::styled(
            "Fields as written in the log",
            theme.header(),
        )));
        match members(&raw) {
            Ok(members) => {
                for (key, value) in members {
                    member_lines(&key, &value, 1, theme, &mut lines);
                }
            }
            Err(e) => lines.push(Line::from(Span::styled(e, theme.error()))),
        }
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            format!("Raw {}", ledger.place(e.line).phrase()),
            theme.header(),
        )));
        lines.push(Line::from(visible(&raw).into_owned()));
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((self.scroll.min(u16::MAX as usize) as u16, 0))
            .render(area, buf);
    }
}

/// A member as lines: its name and value, or for an object (`meta`, `data`) its name and then
/// each of its members on a line of its own, indented (four levels at most; deeper objects are
/// shown as written).
fn member_lines(
    key: &str,
    value: &str,
    depth: usize,
    theme: Theme,
    lines: &mut Vec<Line<'static>>,
) {
    let indent = "  ".repeat(depth);
    let width = 16usize.saturating_sub(2 * depth).max(6);
    let nested = value
        .trim_start()
        .starts_with('{')
        .then(|| members(value).ok())
        .flatten()
        .filter(|m| !m.is_empty() && depth < 4);
    match nested {
        Some(inner) => {
            lines.push(Line::from(Span::styled(
                format!("{indent}{}", visible(key)),
                theme.key(),
            )));
            for (k, v) in inner {
                member_lines(&k, &v, depth + 1, theme, lines);
            }
        }
        None => lines.push(Line::from(vec![
            Span::styled(format!("{indent}{} ", fit_padded(key, width)), theme.key()),
            Span::raw(visible(value).into_owned()),
        ])),
    }
}
