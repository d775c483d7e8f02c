//! The timeline's model: how many events fall in each column of the log's span, which columns hold
//! a problem or a mark, and where the cursor stands on the slider. The drawing code only draws it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::ledger::time::{between, fraction_of};
use crate::ledger::{Ledger, Millis, Moment};

/// Events per column over `first..=last`, for `width` columns.
pub fn density(ledger: &Ledger, first: Millis, last: Millis, width: usize) -> Vec<usize> {
    // Events before the span (a zoomed timeline) are in no column.
    let mut before = ledger.count_at(first.saturating_sub(1));
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

/// The time a column of a slider of `width` columns over `span` (the log's, unless zoomed)
/// stands for (`None` for an empty log or a slider too narrow to point with).
pub fn time_at_column(
    ledger: &Ledger,
    span: Option<(Millis, Millis)>,
    column: usize,
    width: usize,
) -> Option<Millis> {
    let (first, last) = match span {
        Some(span) => span,
        None => (ledger.first_time()?, ledger.last_time()?),
    };
    if width <= 1 {
        return None;
    }
    let column = column.min(width - 1);
    Some(between(first, last, column as i128, width as i128 - 1))
}

/// The columns counted for the current width, kept between frames (counting a 10 M event log
/// takes a search per column).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Events per column.
    density: Vec<usize>,
    /// Columns holding a problem.
    problems: Vec<bool>,
    /// Columns in which the `w` condition holds.
    when: Vec<bool>,
    /// The span shown when zoomed in (`z`), else the log's.
    pub zoom: Option<(Millis, Millis)>,
    /// How many times it was zoomed in (each a quarter of the span before).
    level: u32,
}

impl Timeline {
    /// Recounts the columns for `width`: the events of the ledger, and the problems at the given
    /// event times.
    pub fn refresh(
        &mut self,
        ledger: &Ledger,
        problem_times: impl Iterator<Item = Millis>,
        width: usize,
    ) {
        let Some((first, last)) = self.span(ledger) else {
            self.density = Vec::new();
            self.problems = Vec::new();
            return;
        };
        self.density = density(ledger, first, last, width);
        let mut columns = vec![false; width];
        // A problem outside a zoomed span is in no column.
        for ts in problem_times.filter(|ts| (first..=last).contains(ts)) {
            if let Some(c) = columns.get_mut(column_of(ts, first, last, width)) {
                *c = true;
            }
        }
        self.problems = columns;
    }

    /// The span shown: the zoomed one, or the log's (`None` for an empty log).
    pub fn span(&self, ledger: &Ledger) -> Option<(Millis, Millis)> {
        self.zoom
            .or_else(|| Some((ledger.first_time()?, ledger.last_time()?)))
    }

    /// Zooms in four times around `cursor` (down to a second a column on `width` columns), or
    /// out four times (back to the whole log); returns whether the span changed.
    pub fn zoom_by(
        &mut self,
        ledger: &Ledger,
        cursor: Millis,
        width: usize,
        zoom_in: bool,
    ) -> bool {
        let (Some(all_first), Some(all_last)) = (ledger.first_time(), ledger.last_time()) else {
            return false;
        };
        // By levels of four, so that zooming out comes back to the whole log exactly.
        let level = if zoom_in {
            self.level + 1
        } else {
            self.level.saturating_sub(1)
        };
        let whole = all_last - all_first;
        let least = (width.max(1) as i64) * 1000;
        let length = whole
            .checked_div(4i64.saturating_pow(level))
            .unwrap_or(0)
            .max(least);
        if level == 0 || length >= whole {
            let changed = self.zoom.is_some();
            self.zoom = None;
            self.level = 0;
            return changed;
        }
        if zoom_in && self.zoom.is_some_and(|(a, b)| b - a == length) {
            return false;
        }
        self.level = level;
        self.zoom = Some(centered(cursor, length, all_first, all_last));
        true
    }

    /// Moves a zoomed span so that it holds `cursor`; returns whether it moved.
    pub fn follow(&mut self, ledger: &Ledger, cursor: Millis) -> bool {
        let (Some((first, last)), Some(all_first), Some(all_last)) =
            (self.zoom, ledger.first_time(), ledger.last_time())
        else {
            return false;
        };
        if (first..=last).contains(&cursor) {
            return false;
        }
        self.zoom = Some(centered(cursor, last - first, all_first, all_last));
        true
    }

    /// The width the columns were counted for.
    pub fn width(&self) -> usize {
        self.density.len()
    }

    /// Marks the columns the `w` condition's intervals span (`(from, to)` times).
    pub fn set_when(&mut self, ledger: &Ledger, spans: &[(Millis, Millis)], width: usize) {
        let mut columns = vec![false; if spans.is_empty() { 0 } else { width }];
        if let Some((first, last)) = self.span(ledger) {
            for &(a, b) in spans.iter().filter(|&&(a, b)| b >= first && a <= last) {
                let (from, to) = (
                    column_of(a, first, last, width),
                    column_of(b, first, last, width),
                );
                for c in columns.iter_mut().take(to + 1).skip(from) {
                    *c = true;
                }
            }
        }
        self.when = columns;
    }

    /// What the timeline shows on `width` columns with the cursor at `cursor` (`None` for an
    /// empty log).
    pub fn strip<'a>(
        &'a self,
        ledger: &Ledger,
        marks: &BTreeMap<char, Moment>,
        cursor: Millis,
        width: usize,
    ) -> Option<Strip<'a>> {
        let (first, last) = self.span(ledger)?;
        let counts = if self.density.len() == width {
            Cow::Borrowed(self.density.as_slice())
        } else {
            Cow::Owned(density(ledger, first, last, width))
        };
        let marks = marks
            .iter()
            .filter_map(|(&name, &moment)| {
                let t = match moment {
                    Moment::Time(t) => Some(t),
                    Moment::Seq(n) => ledger.time_of(Moment::Seq(n)),
                    Moment::End => ledger.last_time(),
                }?;
                (first..=last)
                    .contains(&t)
                    .then(|| (column_of(t, first, last, width), name))
            })
            .collect();
        Some(Strip {
            first,
            last,
            counts,
            problems: &self.problems,
            when: &self.when,
            marks,
            cursor: column_of(cursor, first, last, width),
            cursor_time: cursor,
        })
    }
}

/// A span of `length` centred on `at`, kept within the log's span where it can be.
fn centered(at: Millis, length: i64, first: Millis, last: Millis) -> (Millis, Millis) {
    let start = (at - length / 2).clamp(first, (last - length).max(first));
    (start, start + length)
}

/// The timeline for one width, ready to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Strip<'a> {
    /// The log's first and last times.
    pub first: Millis,
    pub last: Millis,
    /// Events per column.
    pub counts: Cow<'a, [usize]>,
    /// Columns holding a problem (as counted for the current width).
    pub problems: &'a [bool],
    /// Columns in which the `w` condition holds (as counted for the current width).
    pub when: &'a [bool],
    /// Each mark's column and letter, in letter order (a later letter draws over an earlier one).
    pub marks: Vec<(usize, char)>,
    /// The cursor's column, and its time.
    pub cursor: usize,
    pub cursor_time: Millis,
}

impl Strip<'_> {
    /// Whether the cursor stands before the first event (nothing has happened yet).
    pub fn before_start(&self) -> bool {
        self.cursor_time < self.first
    }

    /// Whether the `w` condition holds in a column.
    pub fn when_at(&self, column: usize) -> bool {
        self.when.get(column).copied().unwrap_or(false)
    }

    /// Whether a column holds a problem.
    pub fn problem_at(&self, column: usize) -> bool {
        self.problems.get(column).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{LoadOptions, load_bytes};

    fn ledger_at(times: &[i64]) -> Ledger {
        let text: String = times
            .iter()
            .map(|t| {
                format!(
                    "{{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":1,\"timestamp\":{t}}}\n"
                )
            })
            .collect();
        load_bytes("t", text.into_bytes(), &LoadOptions::default())
    }

    #[test]
    fn density_counts_every_event_once() {
        let l = ledger_at(&[0, 0, 1, 5, 9, 10, 10, 10]);
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

    #[test]
    fn the_strip_places_problems_marks_and_the_cursor() {
        let l = ledger_at(&[0, 5, 10]);
        let mut timeline = Timeline::default();
        timeline.refresh(&l, [5].into_iter(), 11);
        let marks = BTreeMap::from([('a', Moment::Time(0)), ('b', Moment::End)]);
        let strip = timeline.strip(&l, &marks, 5, 11).unwrap();
        assert_eq!(strip.counts.as_ref(), &[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
        assert!(strip.problem_at(5) && !strip.problem_at(4) && !strip.problem_at(99));
        assert_eq!(strip.marks, vec![(0, 'a'), (10, 'b')]);
        assert_eq!(strip.cursor, 5);
        assert!(!strip.before_start());
        // Another width is counted afresh; before the first event the cursor says so.
        let strip = timeline.strip(&l, &marks, -1, 3).unwrap();
        assert_eq!(strip.counts.iter().sum::<usize>(), 3);
        assert!(strip.before_start());
        assert_eq!(time_at_column(&l, None, 99, 11), Some(10));
        assert_eq!(time_at_column(&l, None, 0, 1), None);
        assert!(timeline.strip(&ledger_at(&[]), &marks, 0, 11).is_none());
    }

    #[test]
    fn zooming_in_counts_only_the_span_shown_and_follows_the_cursor() {
        let times: Vec<i64> = (0..100).map(|k| k * 60_000).collect();
        let l = ledger_at(&times);
        let mut timeline = Timeline::default();
        assert!(timeline.zoom_by(&l, 50 * 60_000, 10, true));
        let (first, last) = timeline.zoom.unwrap();
        assert!(first <= 50 * 60_000 && 50 * 60_000 <= last && last - first < 99 * 60_000 / 3);
        timeline.refresh(&l, std::iter::empty(), 10);
        let strip = timeline
            .strip(&l, &BTreeMap::new(), 50 * 60_000, 10)
            .unwrap();
        let shown = times.iter().filter(|t| (first..=last).contains(t)).count();
        assert_eq!(strip.counts.iter().sum::<usize>(), shown);
        assert_eq!((strip.first, strip.last), (first, last));
        // The cursor leaves the span: the span follows it.
        assert!(timeline.follow(&l, 90 * 60_000));
        let (first, last) = timeline.zoom.unwrap();
        assert!((first..=last).contains(&(90 * 60_000)));
        assert_eq!(time_at_column(&l, timeline.zoom, 0, 10), Some(first));
        // Down to a second a column at most; out again to the whole log.
        for _ in 0..20 {
            timeline.zoom_by(&l, 90 * 60_000, 10, true);
        }
        let (first, last) = timeline.zoom.unwrap();
        assert_eq!(last - first, 10_000);
        while timeline.zoom_by(&l, 0, 10, false) {}
        assert_eq!(timeline.zoom, None);
    }
}
