//! Column widths by priority. Amounts, balances and times are never cut; when a pane is too
//! narrow for every column at its natural width, columns give way in their order of sacrifice
//! (each shrinks to its least width, then, if it may, disappears), and ids are shortened in the
//! middle (`cust-…0417`) only when nothing else is left to give. Spare width goes to the columns
//! that grow (ids, types, a description).

use unicode_segmentation::UnicodeSegmentation;

use super::visible;
use crate::text::visible_width;

/// How one column behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// The width that shows every value whole.
    pub natural: usize,
    /// The least width it shrinks to (`natural` for a column that is never cut).
    pub min: usize,
    /// Whether it disappears once shrunk to `min` and still too wide.
    pub droppable: bool,
    /// Columns with a lower number give way first.
    pub sacrifice: u8,
    /// Its share of the spare width (0: none).
    pub grow: u16,
}

impl Column {
    /// A column never cut nor dropped (amounts, balances, times).
    pub const fn fixed(width: usize) -> Column {
        Column {
            natural: width,
            min: width,
            droppable: false,
            sacrifice: u8::MAX,
            grow: 0,
        }
    }

    /// A column of ids or names: shrinks to `min`, takes `grow` shares of the spare width.
    pub const fn flexible(natural: usize, min: usize, sacrifice: u8, grow: u16) -> Column {
        Column {
            natural,
            min: if min < natural { min } else { natural },
            droppable: false,
            sacrifice,
            grow,
        }
    }

    /// The same column, dropped when it cannot have its least width.
    pub const fn droppable(self) -> Column {
        Column {
            droppable: true,
            ..self
        }
    }
}

/// The width of each column in `total` columns of screen with `spacing` between neighbours;
/// `None` for a column dropped.
pub fn allocate(total: usize, columns: &[Column], spacing: usize) -> Vec<Option<usize>> {
    let mut widths: Vec<Option<usize>> = columns.iter().map(|c| Some(c.natural)).collect();
    let need = |w: &[Option<usize>]| {
        let shown: Vec<usize> = w.iter().flatten().copied().collect();
        shown.iter().sum::<usize>() + spacing * shown.len().saturating_sub(1)
    };
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|&k| (columns[k].sacrifice, std::cmp::Reverse(k)));
    for k in order {
        let over = need(&widths).saturating_sub(total);
        if over == 0 {
            break;
        }
        let c = columns[k];
        let Some(w) = widths[k] else { continue };
        let shrunk = w.saturating_sub(over).max(c.min);
        widths[k] = Some(shrunk);
        if need(&widths) > total && c.droppable {
            widths[k] = None;
        }
    }
    let mut spare = total.saturating_sub(need(&widths));
    let growers: Vec<usize> = (0..columns.len())
        .filter(|&k| columns[k].grow > 0 && widths[k].is_some())
        .collect();
    let shares: usize = growers.iter().map(|&k| columns[k].grow as usize).sum();
    let whole = spare;
    for (n, &k) in growers.iter().enumerate() {
        let add = if n + 1 == growers.len() {
            spare
        } else {
            (whole * columns[k].grow as usize)
                .checked_div(shares)
                .unwrap_or(0)
        };
        spare -= add;
        if let Some(w) = widths[k].as_mut() {
            *w += add;
        }
    }
    widths
}

/// Text from outside made safe to draw and, when wider than `width` columns, shortened in the
/// middle: its start, `…`, and its end, which is kept the longer (ids tend to differ there).
pub fn middle(text: &str, width: usize) -> String {
    let text = visible(text);
    if visible_width(&text) <= width {
        return text.into_owned();
    }
    if width == 0 {
        return String::new();
    }
    let clusters: Vec<&str> = text.graphemes(true).collect();
    let head_room = (width - 1) / 2;
    let tail_room = width - 1 - head_room;
    let mut head = String::new();
    let mut used = 0;
    for c in &clusters {
        let w = visible_width(c);
        if used + w > head_room {
            break;
        }
        head.push_str(c);
        used += w;
    }
    let mut tail: Vec<&str> = Vec::new();
    let mut used = 0;
    for c in clusters.iter().rev() {
        let w = visible_width(c);
        if used + w > tail_room {
            break;
        }
        tail.push(c);
        used += w;
    }
    tail.reverse();
    format!("{head}…{}", tail.concat())
}

/// `from → to`, each name shortened in the middle as needed to fit `width` together.
pub fn middle_pair(from: &str, to: &str, width: usize) -> String {
    let (a, b) = (visible(from), visible(to));
    let whole = visible_width(&a) + 3 + visible_width(&b);
    if whole <= width {
        return format!("{a} → {b}");
    }
    let room = width.saturating_sub(3);
    let b_room = (room / 2).max(room.saturating_sub(visible_width(&a)));
    let a_room = room.saturating_sub(b_room);
    format!("{} → {}", middle(from, a_room), middle(to, b_room))
}

/// The widest of some texts as drawn, at least `floor`.
pub fn widest<'a>(texts: impl IntoIterator<Item = &'a str>, floor: usize) -> usize {
    texts
        .into_iter()
        .map(|t| visible_width(&visible(t)))
        .max()
        .unwrap_or(0)
        .max(floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_shortened_in_the_middle_keeping_their_end() {
        assert_eq!(middle("cust-0417", 9), "cust-0417");
        assert_eq!(middle("cust-00000417", 10), "cust…00417");
        assert_eq!(middle("cust-0417", 8), "cus…0417");
        assert_eq!(middle("cust-04170", 8), "cus…4170");
        assert_ne!(middle("cust-0417", 6), middle("cust-04170", 6));
        assert_eq!(middle("日本語テキスト", 7), "日…ト");
        assert_eq!(middle("x\u{1b}yz", 3), "x…z");
        assert_eq!(middle("abc", 0), "");
        assert_eq!(middle_pair("alice", "bob", 20), "alice → bob");
        assert_eq!(
            middle_pair("cust-0417", "cust-04170", 17),
            "cus…417 → cus…170"
        );
        assert_eq!(middle_pair("bob", "cust-04170", 14), "bob → cus…4170");
    }

    #[test]
    fn columns_give_way_in_order_and_numbers_never() {
        let cols = [
            Column::fixed(19),
            Column::flexible(12, 6, 2, 2),
            Column::flexible(10, 6, 1, 1),
            Column::fixed(22),
            Column::flexible(30, 10, 0, 3).droppable(),
        ];
        // Room for all: the spare width goes to the growers by share.
        let w = allocate(110, &cols, 1);
        assert_eq!(w.iter().flatten().sum::<usize>() + 4, 110);
        assert_eq!(&w[..4], &[Some(19), Some(16), Some(12), Some(22)]);
        // Narrower: the description shrinks, then goes; then types, then ids.
        let w = allocate(80, &cols, 1);
        assert_eq!(w, [Some(19), Some(12), Some(10), Some(22), Some(13)]);
        let w = allocate(60, &cols, 1);
        assert_eq!(w, [Some(19), Some(10), Some(6), Some(22), None]);
        // Too narrow for even the numbers: they keep their width all the same.
        let w = allocate(40, &cols, 1);
        assert_eq!(w, [Some(19), Some(6), Some(6), Some(22), None]);
    }
}
