//! The jump list (vim's): where the cursor was before each jump — a search, a problem, a mark, a
//! typed time, a `:` command — to go back (`Ctrl-o`) and forward (`Ctrl-i`) through.

use crate::ledger::Millis;

/// A place of the cursor: its time, and the event it was on (an index in recorded order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub time: Millis,
    pub event: Option<usize>,
}

/// Places jumped from, oldest first, and where in them `Ctrl-o`/`Ctrl-i` stand.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JumpList {
    places: Vec<Place>,
    /// `places.len()` when not going through the list.
    at: usize,
}

/// The most places kept.
const KEPT: usize = 100;

impl JumpList {
    /// A jump is about to leave `here`: remember it (and forget the places ahead of where the list
    /// was being gone through).
    pub fn record(&mut self, here: Place) {
        self.places.truncate(self.at);
        if self.places.last() != Some(&here) {
            self.places.push(here);
        }
        if self.places.len() > KEPT {
            self.places.remove(0);
        }
        self.at = self.places.len();
    }

    /// The place before, from `here`; `None` at the oldest.
    pub fn back(&mut self, here: Place) -> Option<Place> {
        if self.at == self.places.len() {
            if self.places.last() != Some(&here) {
                self.places.push(here);
            }
            self.at = self.places.len() - 1;
        }
        let at = self.at.checked_sub(1)?;
        self.at = at;
        Some(self.places[at])
    }

    /// The place after; `None` at the newest.
    pub fn forward(&mut self) -> Option<Place> {
        if self.at + 1 >= self.places.len() {
            return None;
        }
        self.at += 1;
        Some(self.places[self.at])
    }

    /// The place the last jump left, for `''`: swapped with `here`.
    pub fn toggle(&mut self, here: Place) -> Option<Place> {
        let last = *self.places.last()?;
        self.at = self.places.len();
        self.record(here);
        Some(last)
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: i64) -> Place {
        Place {
            time: t,
            event: Some(t as usize),
        }
    }

    #[test]
    fn back_and_forward_through_every_jump() {
        let mut j = JumpList::default();
        assert_eq!(j.back(p(0)), None);
        j.record(p(1)); // jumped from 1 to 2
        j.record(p(2)); // from 2 to 3
        assert_eq!(j.back(p(3)), Some(p(2)));
        assert_eq!(j.back(p(2)), Some(p(1)));
        assert_eq!(j.back(p(1)), None, "the oldest");
        assert_eq!(j.forward(), Some(p(2)));
        assert_eq!(
            j.forward(),
            Some(p(3)),
            "back where the first Ctrl-o was pressed"
        );
        assert_eq!(j.forward(), None);
        // A new jump from the middle forgets what was ahead.
        j.back(p(3));
        j.back(p(2));
        j.record(p(1));
        assert_eq!(j.forward(), None);
        assert_eq!(j.back(p(9)), Some(p(1)));
    }

    #[test]
    fn two_quotes_go_back_and_forth() {
        let mut j = JumpList::default();
        assert_eq!(j.toggle(p(5)), None);
        j.record(p(1));
        assert_eq!(j.toggle(p(7)), Some(p(1)));
        assert_eq!(j.toggle(p(1)), Some(p(7)));
    }
}
