//! What depends on the order of the events: the rows the filter shows, where the search's matches
//! and the problems stand, and moving the cursor from one of them to the next.

use super::{Order, Search, State};
use crate::ledger::search::Query;
use crate::tui::filter::Filter;

impl State {
    /// Searches every field of every event for `text` (an empty text clears the search).
    pub fn run_search(&mut self, text: &str) {
        self.search = Query::new(text).map(|q| {
            let events = self.ledger.search(&q);
            Search {
                query: text.to_string(),
                positions: Vec::new(),
                events,
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

    /// The next (or previous) problem from the cursor, and whether the search wrapped around.
    pub fn next_problem(&self, forward: bool) -> Option<(usize, bool)> {
        if self.problem_positions.is_empty() {
            return None;
        }
        let positions: Vec<u32> = self.problem_positions.iter().map(|(p, _)| *p).collect();
        let here = self.cursor.pos.map(|p| p as i64).unwrap_or(-1);
        let (index, wrapped) = pick(&positions, here, forward, false);
        Some((self.problem_positions[index].1 as usize, wrapped))
    }

    /// Moves the cursor to a problem's event (or, for a line that is not an event, to the event
    /// recorded just before it) and says what the problem is.
    pub fn jump_to_problem(&mut self, problem: usize) -> Option<String> {
        let p = self.ledger.problems().get(problem)?;
        let (line, kind, message) = (p.line, p.kind, self.ledger.message(p));
        if let Some(&(pos, _)) = self
            .problem_positions
            .iter()
            .find(|(_, k)| *k as usize == problem)
            && !self.ledger.is_empty()
        {
            self.set_pos(pos as usize);
        }
        Some(format!("line {line}: {kind}: {message}"))
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
                .filter(|&pos| plan.matches(self.ledger.event(self.event_at(pos))))
                .map(|p| p as u32)
                .collect()
        });
        self.refresh_search_positions();
        let events = self.ledger.events();
        let mut positions: Vec<(u32, u32)> = self
            .ledger
            .problems()
            .iter()
            .enumerate()
            .filter_map(|(k, p)| {
                let event = match p.event() {
                    Some(i) => i as usize,
                    // A line that is not an event: the event recorded just before it.
                    None => events.partition_point(|e| e.line < p.line).checked_sub(1)?,
                };
                Some((self.pos_of(event) as u32, k as u32))
            })
            .collect();
        positions.sort_unstable();
        self.problem_positions = positions;
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
