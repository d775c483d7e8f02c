//! What depends on the order of the events: the rows the filter shows, where the search's matches
//! and the problems stand, and moving the cursor from one of them to the next.

use super::totals::Totals;
use super::{Order, Search, State};
use crate::ledger::search::Query;
use crate::tui::filter::Filter;

impl State {
    /// Searches every field of every event for `text` (an empty text clears the search).
    pub fn run_search(&mut self, text: &str) {
        self.search = Query::new(text).map(|q| {
            let events = self.ledger.search(&q);
            let totals = Totals::of(&self.ledger, events.iter().map(|&i| i as usize));
            Search {
                query: text.to_string(),
                positions: Vec::new(),
                events,
                totals,
            }
        });
        self.refresh_search_positions();
    }

    /// Moves to the next (or previous) match; `inclusive` also accepts the cursor's own event.
    /// Says what happened.
    pub fn next_match(&mut self, forward: bool, inclusive: bool) -> String {
        let Some(search) = &self.search else {
            return "no search: press / to search".into();
        };
        let positions = &search.positions;
        if positions.is_empty() {
            return format!("no event contains “{}”", search.query);
        }
        let here = self.cursor.pos.map(|p| p as i64).unwrap_or(-1);
        let (index, wrapped) = pick(positions, here, forward, inclusive);
        let total = positions.len();
        let pos = positions[index] as usize;
        let query = search.query.clone();
        self.set_pos(pos);
        format!(
            "/{query}: match {} of {total}{}",
            index + 1,
            if wrapped { " (wrapped)" } else { "" }
        )
    }

    /// The next (or previous) problem, in the order the problems pane lists them (by line).
    /// Every problem is a stop: from the problem last stopped at (while the cursor is where that
    /// stop left it), else from the cursor's line. Says whether it wrapped around.
    pub fn next_problem(&self, forward: bool) -> Option<(usize, bool)> {
        let problems = self.ledger.problems();
        let n = problems.len();
        if n == 0 {
            return None;
        }
        if let Some((k, cursor)) = self.problem_stop
            && cursor == self.cursor
            && k < n
        {
            return Some(if forward {
                if k + 1 < n { (k + 1, false) } else { (0, true) }
            } else if k > 0 {
                (k - 1, false)
            } else {
                (n - 1, true)
            });
        }
        let line = self.cursor_event().map_or(0, |i| self.ledger.event(i).line);
        Some(if forward {
            let k = problems.partition_point(|p| p.line <= line);
            if k < n { (k, false) } else { (0, true) }
        } else {
            match problems.partition_point(|p| p.line < line).checked_sub(1) {
                Some(k) => (k, false),
                None => (n - 1, true),
            }
        })
    }

    /// The event a problem is about: its own; for a record that did not become an event, none.
    pub fn problem_event(&self, problem: usize) -> Option<usize> {
        let p = self.ledger.problems().get(problem)?;
        if let Some(i) = p.event() {
            return Some(i as usize);
        }
        // A problem about the record of an event (a broken chain): that event.
        let events = self.ledger.events();
        let first = events.partition_point(|e| e.line < p.line);
        events[first..]
            .iter()
            .take_while(|e| e.line == p.line)
            .position(|e| e.offset == p.at)
            .map(|k| first + k)
    }

    /// Where the cursor goes for a problem: its event, or for a line that is not an event, the
    /// event recorded just before it.
    fn problem_target(&self, problem: usize) -> Option<usize> {
        self.problem_event(problem).or_else(|| {
            let line = self.ledger.problems().get(problem)?.line;
            let events = self.ledger.events();
            events.partition_point(|e| e.line < line).checked_sub(1)
        })
    }

    /// Whether the cursor is still where a stop on an unreadable line left it: that line's
    /// problem.
    pub fn unreadable_line_at_cursor(&self) -> Option<usize> {
        let (k, cursor) = self.problem_stop?;
        (cursor == self.cursor && self.problem_event(k).is_none()).then_some(k)
    }

    /// Moves the cursor to a problem's event (or, for a line that is not an event, to the event
    /// recorded just before it) and says what the problem is, and which of its event's (or
    /// line's) problems it is when there are several.
    pub fn jump_to_problem(&mut self, problem: usize) -> Option<String> {
        let problems = self.ledger.problems();
        let p = problems.get(problem)?;
        let (line, kind, message) = (p.line, p.kind, self.ledger.message(p));
        let event = self.problem_event(problem);
        let same: Vec<usize> = (0..problems.len())
            .filter(|&k| {
                problems[k].line == line
                    && match event {
                        Some(_) => self.problem_event(k) == event,
                        None => problems[k].event().is_none() && problems[k].at == p.at,
                    }
            })
            .collect();
        if let Some(i) = self.problem_target(problem) {
            self.set_pos(self.pos_of(i));
        }
        self.problem_stop = Some((problem, self.cursor));
        let which = match same.iter().position(|&k| k == problem) {
            Some(at) if same.len() > 1 => format!(
                "problem {} of {} on this {}: ",
                at + 1,
                same.len(),
                if event.is_some() { "event" } else { "line" }
            ),
            _ => String::new(),
        };
        let unreadable = if event.is_none() {
            " (not an event: Enter shows the line)"
        } else {
            ""
        };
        Some(format!("{which}line {line}: {kind}: {message}{unreadable}"))
    }

    /// Sets (or clears) the filter; says how many events it shows.
    pub fn set_filter(&mut self, filter: Option<Filter>) -> Option<String> {
        self.filter = filter;
        self.refresh_positions();
        self.visible
            .as_ref()
            .map(|v| format!("filter shows {} of {} events", v.len(), self.ledger.len()))
    }

    /// Recomputes what depends on the order (filter rows, search and problem positions).
    pub fn refresh_positions(&mut self) {
        self.visible = self.filter.as_ref().map(|f| {
            let plan = f.plan(&self.ledger);
            (0..self.ledger.len())
                .filter(|&pos| {
                    let i = self.event_at(pos);
                    plan.matches(i, self.ledger.event(i))
                })
                .map(|p| p as u32)
                .collect()
        });
        self.filter_totals = self.visible.as_ref().map(|v| {
            Totals::of(
                &self.ledger,
                v.iter().map(|&pos| self.event_at(pos as usize)),
            )
        });
        self.refresh_search_positions();
        let mut positions: Vec<(u32, u32)> = (0..self.ledger.problems().len())
            .filter_map(|k| Some((self.pos_of(self.problem_target(k)?) as u32, k as u32)))
            .collect();
        positions.sort_unstable();
        self.problem_positions = positions;
        self.problem_kind_width = self
            .ledger
            .problems()
            .iter()
            .map(|p| p.kind.name().len())
            .max()
            .unwrap_or(0);
        self.refresh_when();
    }

    fn refresh_search_positions(&mut self) {
        let order = self.order;
        let ledger = &self.ledger;
        if let Some(s) = self.search.as_mut() {
            let mut positions: Vec<u32> = s
                .events
                .iter()
                .map(|&i| match order {
                    Order::Time => ledger.time_rank(i as usize) as u32,
                    Order::Recorded => i,
                })
                .collect();
            positions.sort_unstable();
            s.positions = positions;
        }
    }
}

/// The next (or previous) entry of a sorted list relative to `here`, wrapping around; says whether
/// it wrapped.
pub(super) fn pick(sorted: &[u32], here: i64, forward: bool, inclusive: bool) -> (usize, bool) {
    if forward {
        let k = sorted.partition_point(|&p| {
            let p = i64::from(p);
            if inclusive { p < here } else { p <= here }
        });
        if k < sorted.len() {
            (k, false)
        } else {
            (0, true)
        }
    } else {
        let k = sorted.partition_point(|&p| i64::from(p) < here);
        match k.checked_sub(1) {
            Some(k) => (k, false),
            None => (sorted.len() - 1, true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pick;

    #[test]
    fn pick_wraps_around_both_ways() {
        let sorted = [2, 5, 9];
        assert_eq!(pick(&sorted, 5, true, false), (2, false));
        assert_eq!(pick(&sorted, 5, true, true), (1, false));
        assert_eq!(pick(&sorted, 9, true, false), (0, true));
        assert_eq!(pick(&sorted, 5, false, false), (0, false));
        assert_eq!(pick(&sorted, 2, false, false), (2, true));
        assert_eq!(pick(&sorted, -1, true, false), (0, false));
    }
}
