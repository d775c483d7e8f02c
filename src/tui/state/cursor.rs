//! Moving the time cursor: by listed events, to a time, to a moment, by hours and days, to either
//! end; and switching the order it moves in.

use super::{Cursor, Order, State};
use crate::ledger::{Millis, Moment};

impl State {
    /// Puts the cursor on a position of the current order (clamped to the log).
    pub fn set_pos(&mut self, pos: usize) {
        let n = self.ledger.len();
        if n == 0 {
            return;
        }
        let pos = pos.min(n - 1);
        self.cursor = Cursor {
            time: self.ledger.event(self.event_at(pos)).ts,
            pos: Some(pos),
        };
    }

    /// Moves the cursor by `delta` of the listed events (all, or those the filter shows).
    pub fn step(&mut self, delta: i64) {
        let listed = self.listed();
        if listed == 0 {
            return;
        }
        let row = match self.cursor.pos {
            None if delta > 0 => (delta - 1).min(listed as i64 - 1) as usize,
            None => return,
            Some(pos) => {
                let row = self.cursor_row();
                let on_row = self.listed_pos(row) == pos;
                // Off the list (hidden by the filter): the first step lands on the row before.
                let delta = if !on_row && delta > 0 {
                    delta - 1
                } else {
                    delta
                };
                let before_first = !on_row && self.listed_pos(row) > pos;
                if before_first && delta <= 0 {
                    return;
                }
                let row = if before_first {
                    row as i64 - 1
                } else {
                    row as i64
                };
                (row + delta).clamp(0, listed as i64 - 1) as usize
            }
        };
        self.set_pos(self.listed_pos(row));
    }

    /// Moves the cursor to a moment: the state as of `time`.
    pub fn jump_to_time(&mut self, time: Millis) {
        let last = self.ledger.count_at(time).checked_sub(1);
        match self.order {
            Order::Time => self.cursor = Cursor { time, pos: last },
            Order::Recorded => match last {
                Some(p) => self.set_pos(self.ledger.time_order()[p] as usize),
                None => self.cursor = Cursor { time, pos: None },
            },
        }
    }

    /// Moves the cursor to a moment of either order (a mark).
    pub fn go_to_moment(&mut self, moment: Moment) {
        match moment {
            Moment::Time(t) => self.jump_to_time(t),
            Moment::End => self.go_last(),
            Moment::Seq(n) => {
                let n = self.ledger.included(Moment::Seq(n));
                if n == 0 {
                    let t = self.ledger.first_time().unwrap_or(0).saturating_sub(1);
                    self.cursor = Cursor { time: t, pos: None };
                } else {
                    let event = n - 1;
                    self.set_pos(self.pos_of(event));
                }
            }
        }
    }

    /// Moves the cursor's time by `delta`, kept within the log's span (or just before it).
    pub fn shift_time(&mut self, delta: Millis) {
        let (Some(first), Some(last)) = (self.ledger.first_time(), self.ledger.last_time()) else {
            return;
        };
        let target = self
            .cursor
            .time
            .saturating_add(delta)
            .clamp(first.saturating_sub(1), last);
        self.jump_to_time(target);
    }

    pub fn go_first(&mut self) {
        if self.listed() > 0 {
            self.set_pos(self.listed_pos(0));
        }
    }

    pub fn go_last(&mut self) {
        let n = self.listed();
        if n > 0 {
            self.set_pos(self.listed_pos(n - 1));
        }
    }

    /// Switches between time order and recorded order, keeping the cursor on its event.
    pub fn toggle_order(&mut self) {
        let event = self.cursor_event();
        self.order = match self.order {
            Order::Time => Order::Recorded,
            Order::Recorded => Order::Time,
        };
        match event {
            Some(i) => self.set_pos(self.pos_of(i)),
            None => self.cursor.pos = None,
        }
        self.refresh_positions();
    }
}
