//! An account's balance over time as a column chart, with the cursor marked. Values are placed
//! with exact decimal arithmetic (no floating point anywhere near money).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::fit_number;
use crate::ledger::time::between;
use crate::ledger::{AccountId, Ledger, Millis, Moment, Money};
use crate::tui::state::timeline::column_of;
use crate::tui::theme::Theme;

pub struct BalanceChart<'a> {
    pub ledger: &'a Ledger,
    pub account: AccountId,
    pub cursor: Millis,
    pub theme: Theme,
}

/// The balance at the end of each of `width` equal slices of `from..=to`.
pub fn samples(
    ledger: &Ledger,
    account: AccountId,
    from: Millis,
    to: Millis,
    width: usize,
) -> Vec<(Millis, Money)> {
    (0..width)
        .map(|c| {
            let t = if c + 1 == width {
                to
            } else {
                between(from, to, c as i128 + 1, width as i128)
            };
            (t, ledger.account_at(account, Moment::Time(t)).balance)
        })
        .collect()
}

/// The row (0 = bottom) of `value` on a scale from `min` to `max` over `rows` rows.
fn row_of(value: Decimal, min: Decimal, max: Decimal, rows: u16) -> u16 {
    if max <= min || rows <= 1 {
        return 0;
    }
    // Quarters first, so that neither difference can overflow, then the fraction of the range
    // (at most 1) times the rows: no step can leave the range of a decimal.
    let four = Decimal::from(4);
    let fraction = (value / four - min / four) / (max / four - min / four);
    let scaled = fraction * Decimal::from(rows - 1);
    scaled
        .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_u16()
        .unwrap_or(0)
        .min(rows - 1)
}

impl Widget for BalanceChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let postings = self.ledger.postings(self.account);
        let (Some(first), Some(last)) = (
            postings
                .first()
                .map(|p| self.ledger.event(p.event as usize).ts),
            self.ledger.last_time(),
        ) else {
            return;
        };
        if area.height < 3 || area.width < 20 {
            return;
        }
        let label_width: u16 = 14;
        let plot = Rect {
            x: area.x + label_width,
            y: area.y,
            width: area.width - label_width,
            height: area.height - 1,
        };
        let values = samples(self.ledger, self.account, first, last, plot.width as usize);
        let min = values
            .iter()
            .map(|(_, v)| v.as_decimal())
            .fold(Decimal::ZERO, Decimal::min);
        let max = values
            .iter()
            .map(|(_, v)| v.as_decimal())
            .fold(Decimal::ZERO, Decimal::max);
        let zero = row_of(Decimal::ZERO, min, max, plot.height);
        let cursor_col = column_of(self.cursor, first, last, plot.width as usize) as u16;
        for (c, (t, v)) in values.iter().enumerate() {
            let x = plot.x + c as u16;
            let r = row_of(v.as_decimal(), min, max, plot.height);
            let future = *t > self.cursor;
            let (glyph, style) = match (future, v.is_negative()) {
                (true, _) => ("░", theme.future()),
                (false, true) => ("█", theme.debit()),
                (false, false) => ("█", theme.credit()),
            };
            let (lo, hi) = if r >= zero { (zero, r) } else { (r, zero) };
            for row in lo..=hi {
                let y = plot.y + plot.height - 1 - row;
                buf[(x, y)].set_symbol(glyph).set_style(style);
            }
        }
        // The cursor: a vertical rule where no bar is drawn.
        if self.cursor >= first {
            let x = plot.x + cursor_col.min(plot.width - 1);
            for y in plot.y..plot.y + plot.height {
                let cell = &mut buf[(x, y)];
                if cell.symbol() == " " {
                    cell.set_symbol("│").set_style(theme.slider_cursor());
                } else {
                    cell.set_style(cell.style().patch(theme.slider_cursor()));
                }
            }
        }
        let label = |buf: &mut Buffer, y: u16, text: String, style: Style| {
            buf.set_stringn(
                area.x,
                y,
                format!("{:>13} ", fit_number(&text, 13)),
                label_width as usize,
                style,
            );
        };
        label(
            buf,
            plot.y,
            Money::from_decimal(max).to_string(),
            theme.muted(),
        );
        label(
            buf,
            plot.y + plot.height - 1 - zero,
            "0".to_string(),
            theme.muted(),
        );
        if min < Decimal::ZERO {
            label(
                buf,
                plot.y + plot.height - 1,
                Money::from_decimal(min).to_string(),
                theme.negative(),
            );
        }
        let bottom = area.y + area.height - 1;
        let left = crate::tui::clock::short(first);
        let right = crate::tui::clock::short(last);
        buf.set_stringn(plot.x, bottom, &left, plot.width as usize, theme.muted());
        if plot.width as usize > left.len() + right.len() + 1 {
            buf.set_string(
                plot.x + plot.width - right.len() as u16,
                bottom,
                &right,
                theme.muted(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_placed_exactly() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(row_of(d("0"), d("0"), d("100"), 11), 0);
        assert_eq!(row_of(d("100"), d("0"), d("100"), 11), 10);
        assert_eq!(row_of(d("50"), d("0"), d("100"), 11), 5);
        assert_eq!(row_of(d("-50"), d("-100"), d("100"), 11), 3);
        assert_eq!(row_of(d("7"), d("7"), d("7"), 11), 0);
        // Balances at the limits of a decimal.
        let max = Decimal::MAX;
        assert_eq!(row_of(max, Decimal::ZERO, max, 40), 39);
        assert_eq!(row_of(Decimal::ZERO, Decimal::MIN, max, 40), 20);
        assert_eq!(row_of(Decimal::MIN, Decimal::MIN, max, 40), 0);
    }
}
