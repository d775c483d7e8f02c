//! The timeline's model: how many events fall in each column of the log's span, which columns hold
//! a problem or a mark, and where the cursor stands on the slider. The drawing code only draws it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::ledger::time::{between, fraction_of};
use crate::ledger::{Ledger, Millis, Moment};

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

/// The time a column of a slider of `width` columns stands for (`None` for an empty log or a
/// slider too narrow to point with).
pub fn time_at_column(ledger: &Ledger, column: usize, width: usize) -> Option<Millis> {
    let (first, last) = (ledger.first_time()?, ledger.last_time()?);
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
        let (Some(first), Some(last)) = (ledger.first_time(), ledger.last_time()) else {
            self.density = Vec::new();
            self.problems = Vec::new();
            return;
        };
        self.density = density(ledger, first, last, width);
        let mut columns = vec![false; width];
        for ts in problem_times {
            if let Some(c) = columns.get_mut(column_of(ts, first, last, width)) {
                *c = true;
            }
        }
        self.problems = columns;
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
        let (first, last) = (ledger.first_time()?, ledger.last_time()?);
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
                    Moment::End => Some(last),
                }?;
                Some((column_of(t, first, last, width), name))
            })
            .collect();
        Some(Strip {
            first,
            last,
            counts,
            problems: &self.problems,
            marks,
            cursor: column_of(cursor, first, last, width),
            cursor_time: cursor,
        })
    }
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
        assert_eq!(time_at_column(&l, 99, 11), Some(10));
        assert_eq!(time_at_column(&l, 0, 1), None);
        assert!(timeline.strip(&ledger_at(&[]), &marks, 0, 11).is_none());
    }
}
