//! What every view of the explorer shares: the ledger, the time cursor and the order it moves in,
//! the filter, the search, where the problems stand, the marks, and the timeline's model. Views
//! read it to draw and to decide; the cursor moves only through the methods here
//! (`cursor.rs`), and what depends on the order is recomputed by `positions.rs`.

mod cursor;
mod positions;
pub mod timeline;
pub mod totals;
pub mod when;

use std::collections::BTreeMap;

use self::timeline::{Strip, Timeline};
use super::filter::Filter;
use crate::ledger::{AccountId, Ledger, Millis, Moment, Money, Posting};

/// The time cursor.
///
/// In time order the state shown is "as of `time`" (inclusive) and `pos` is the last event at or
/// before it in time order (`None` before the first event). In recorded order the state is "as of
/// seq `pos + 1`" and `time` is that event's timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub time: Millis,
    pub pos: Option<usize>,
}

/// How the events are ordered on screen and what a step means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// By timestamp: where each event belongs in time (the default).
    Time,
    /// As recorded in the log (by seq): where each event was written.
    Recorded,
}

/// The current search and its matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search {
    pub query: String,
    /// Matching events, indexes in recorded order, ascending.
    pub events: Vec<u32>,
    /// Their count and sum.
    pub totals: totals::Totals,
    /// The same as positions in the current order, ascending.
    pub positions: Vec<u32>,
}

/// The field timelines of the accounts pane's columns: the ledger's length they were built for,
/// and each by (account, in recorded order).
pub type ColumnTimelines = (
    usize,
    std::collections::HashMap<(u32, bool), std::rc::Rc<crate::ledger::state::Timeline>>,
);

/// The explorer's shared state.
pub struct State {
    pub ledger: Ledger,
    pub cursor: Cursor,
    pub order: Order,
    pub filter: Option<Filter>,
    /// Positions (in the current order) that pass the filter, when there is one.
    pub visible: Option<Vec<u32>>,
    /// The count and sum of the events the filter shows.
    pub filter_totals: Option<totals::Totals>,
    pub search: Option<Search>,
    /// Each problem's position in the current order, sorted: `(position, problem index)`.
    pub problem_positions: Vec<(u32, u32)>,
    /// The longest name of a problem kind in the log (the problems pane's kind column), found
    /// once per load rather than over every problem at every frame.
    pub problem_kind_width: usize,
    pub marks: BTreeMap<char, Moment>,
    /// State fields the accounts pane shows as columns (`:columns`).
    pub account_columns: Vec<String>,
    /// Each shown account's field timeline, by account and order, for the ledger of that many
    /// events: built once, so that a frame asks only for the fields at the moment.
    pub column_timelines: std::cell::RefCell<ColumnTimelines>,
    /// Notes on events, by line (`:note`).
    pub notes: BTreeMap<u64, String>,
    /// The problem `e`/`E` (or the problems pane) last stopped at, and where that left the
    /// cursor: the next stop is the problem after it while the cursor has not moved.
    pub problem_stop: Option<(usize, Cursor)>,
    /// The timeline's columns, counted for the current width.
    pub timeline: Timeline,
    /// The `w` condition and where it holds.
    pub when: Option<when::When>,
    /// What `n`/`N` step through.
    pub find: when::Find,
}

impl State {
    /// The state of a ledger before the cursor is placed (see [`State::go_last`]).
    pub fn new(ledger: Ledger) -> State {
        State {
            ledger,
            cursor: Cursor { time: 0, pos: None },
            order: Order::Time,
            filter: None,
            visible: None,
            filter_totals: None,
            search: None,
            problem_positions: Vec::new(),
            problem_kind_width: 0,
            marks: BTreeMap::new(),
            account_columns: Vec::new(),
            column_timelines: Default::default(),
            notes: BTreeMap::new(),
            problem_stop: None,
            timeline: Timeline::default(),
            when: None,
            find: when::Find::default(),
        }
    }

    /// The event at a position of the current order (its index in recorded order).
    pub fn event_at(&self, pos: usize) -> usize {
        match self.order {
            Order::Time => self.ledger.time_order()[pos] as usize,
            Order::Recorded => pos,
        }
    }

    /// The position of an event in the current order.
    pub fn pos_of(&self, event: usize) -> usize {
        match self.order {
            Order::Time => self.ledger.time_rank(event),
            Order::Recorded => event,
        }
    }

    /// The event selected by the cursor (its index in recorded order).
    pub fn cursor_event(&self) -> Option<usize> {
        self.cursor.pos.map(|p| self.event_at(p))
    }

    /// The moment the state is shown as of.
    pub fn moment(&self) -> Moment {
        match self.order {
            Order::Time => Moment::Time(self.cursor.time),
            Order::Recorded => Moment::Seq(self.cursor.pos.map_or(0, |p| p as u64 + 1)),
        }
    }

    /// Whether the event at a position is after the cursor ("in the future").
    pub fn is_future(&self, pos: usize) -> bool {
        match self.order {
            Order::Time => self.ledger.event(self.event_at(pos)).ts > self.cursor.time,
            Order::Recorded => self.cursor.pos.is_none_or(|c| pos > c),
        }
    }

    /// The account's balance right after an event, replaying in the current order.
    pub fn balance_after(&self, event: usize, account: AccountId) -> Option<Money> {
        match self.order {
            Order::Time => self.ledger.balance_after(event, account),
            Order::Recorded => self.ledger.balance_after_recorded(event, account),
        }
    }

    /// An account's postings in the current order and how many of them the cursor includes.
    pub fn statement_rows(&self, account: AccountId) -> (&[Posting], usize) {
        match self.order {
            Order::Time => {
                let list = self.ledger.postings(account);
                let k = list.partition_point(|p| {
                    self.ledger.event(p.event as usize).ts <= self.cursor.time
                });
                (list, k)
            }
            Order::Recorded => {
                let list = self.ledger.postings_recorded(account);
                let n = self.cursor.pos.map_or(0, |p| p + 1);
                (list, list.partition_point(|p| (p.event as usize) < n))
            }
        }
    }

    /// The events of an account's statement up to the cursor, as an export writes them.
    pub fn statement_events(&self, account: AccountId) -> Vec<usize> {
        match self.moment() {
            Moment::Seq(n) => self
                .ledger
                .postings_recorded(account)
                .iter()
                .take_while(|p| u64::from(p.event) < n)
                .map(|p| p.event as usize)
                .collect(),
            Moment::Time(t) => self
                .ledger
                .postings(account)
                .iter()
                .filter(|p| self.ledger.event(p.event as usize).ts <= t)
                .map(|p| p.event as usize)
                .collect(),
            Moment::End => self
                .ledger
                .postings(account)
                .iter()
                .map(|p| p.event as usize)
                .collect(),
        }
    }

    /// Rows of the events pane: all positions, or those that pass the filter.
    pub fn listed(&self) -> usize {
        match &self.visible {
            Some(v) => v.len(),
            None => self.ledger.len(),
        }
    }

    /// The position shown at row `k` of the events pane.
    pub fn listed_pos(&self, k: usize) -> usize {
        match &self.visible {
            Some(v) => v[k] as usize,
            None => k,
        }
    }

    /// The row of the events pane at or just before the cursor.
    pub fn cursor_row(&self) -> usize {
        let Some(pos) = self.cursor.pos else { return 0 };
        match &self.visible {
            Some(v) => v.partition_point(|&p| p as usize <= pos).saturating_sub(1),
            None => pos,
        }
    }

    /// The field timeline of `account` in the moment's order (kept between frames).
    pub fn column_timeline(
        &self,
        account: AccountId,
        moment: Moment,
    ) -> std::rc::Rc<crate::ledger::state::Timeline> {
        use crate::ledger::state::{Order as FoldOrder, Timeline};
        let order = FoldOrder::of(moment);
        let mut cache = self.column_timelines.borrow_mut();
        if cache.0 != self.ledger.len() {
            *cache = (self.ledger.len(), Default::default());
        }
        let key = (account, order == FoldOrder::Recorded);
        std::rc::Rc::clone(
            cache
                .1
                .entry(key)
                .or_insert_with(|| std::rc::Rc::new(Timeline::build(&self.ledger, account, order))),
        )
    }

    /// Whether an event matches the current search.
    pub fn is_match(&self, event: usize) -> bool {
        self.search
            .as_ref()
            .is_some_and(|s| s.events.binary_search(&(event as u32)).is_ok())
    }

    /// Whether the cursor is on the last event (so that new events should carry it along).
    pub fn at_end(&self) -> bool {
        let n = self.ledger.len();
        n == 0 || self.cursor.pos == Some(n - 1)
    }

    /// The event read from a line (or row position).
    pub fn event_on_line(&self, line: u64) -> Option<usize> {
        let events = self.ledger.events();
        let i = events.partition_point(|e| e.line < line);
        if events.get(i).is_some_and(|e| e.line == line) {
            return Some(i);
        }
        // Recorded order is not line order (events sorted by their own seq).
        events.iter().position(|e| e.line == line)
    }

    /// Recounts the timeline's columns and problem marks for `width` columns.
    pub fn refresh_timeline(&mut self, width: usize) {
        let mut timeline = std::mem::take(&mut self.timeline);
        let times = self
            .problem_positions
            .iter()
            .map(|&(pos, _)| self.ledger.event(self.event_at(pos as usize)).ts);
        timeline.refresh(&self.ledger, times, width);
        timeline.set_when(&self.ledger, &self.when_spans(), width);
        self.timeline = timeline;
    }

    /// The timeline on `width` columns, ready to draw.
    pub fn strip(&self, width: usize) -> Option<Strip<'_>> {
        self.timeline
            .strip(&self.ledger, &self.marks, self.cursor.time, width)
    }
}

/// `2024-03-14T15:59:00.000Z`, or `seq 402` for a moment of the recorded order.
pub fn moment_label(moment: Moment) -> String {
    match moment {
        Moment::Time(t) => crate::tui::clock::full(t),
        Moment::Seq(n) => format!("seq {n}"),
        Moment::End => "the end".into(),
    }
}
