//! The order of the events: by `seq` where every record carries one, and in time (stable, so that
//! events at the same time keep their recorded order), with each event's rank in it.

use rayon::prelude::*;

use super::book::{Depth, Ledger};
use super::event::LedgerEvent;
use super::memory::huge_pages;
use super::recorded::NO_SEQ;

impl Ledger {
    /// When every record carries a `seq`, the recorded order is the order of `seq` — except in a
    /// sealed log, whose order is the chain's: there each seq must follow the one before (a
    /// record that breaks that breaks the chain), and no record moves.
    pub(super) fn order_by_seq(&mut self) {
        // A topic's messages are in the order the topic gives them (their own `seq` members,
        // written by producers, do not reorder them).
        if self.records.sealed == Some(true)
            || self.records.places.are_messages()
            || self.records.seqs.is_empty()
            || self.records.seqs.contains(&NO_SEQ)
            || self.records.seqs.is_sorted()
        {
            return;
        }
        let mut perm: Vec<u32> = (0..self.records.events.len() as u32).collect();
        perm.sort_by_key(|&i| self.records.seqs[i as usize]);
        self.records.events = perm
            .iter()
            .map(|&i| self.records.events[i as usize])
            .collect();
        self.records.id_hashes = perm
            .iter()
            .map(|&i| self.records.id_hashes[i as usize])
            .collect();
        self.records.seqs = perm
            .iter()
            .map(|&i| self.records.seqs[i as usize])
            .collect();
    }

    /// Event indexes sorted by (timestamp, recorded position), and each event's rank in that order.
    pub(super) fn order_in_time(&self) -> (Vec<u32>, Vec<u32>) {
        let events = &self.records.events;
        let n = events.len();
        // Most events come in time order: those that do not go back before the latest time so far
        // stay where they are (they are sorted already); the few late ones are sorted and each is
        // put before the first of the others that comes after it.
        let late = late_events(events);
        let key = |i: u32| (events[i as usize].ts, i);
        if late.is_empty() {
            let mut order: Vec<u32> = Vec::with_capacity(n);
            huge_pages(&order);
            order.par_extend((0..n as u32).into_par_iter());
            let rank = if self.depth == Depth::Full {
                order.clone()
            } else {
                Vec::new()
            };
            return (order, rank);
        }
        if late.len() > n / 64 {
            // A log in no particular order: sort it all (stable: events with the same time keep
            // their recorded order).
            drop(late);
            let mut order: Vec<u32> = Vec::with_capacity(n);
            huge_pages(&order);
            order.par_extend((0..n as u32).into_par_iter());
            order.par_sort_by_key(|&i| events[i as usize].ts);
            return self.with_ranks(order);
        }
        // The late events by position (as found), and by time (stable: events with the same time
        // keep their recorded order).
        let positions = late;
        let mut late = positions.clone();
        late.par_sort_by_key(|&i| events[i as usize].ts);
        let is_late = |i: u32| positions.binary_search(&i).is_ok();
        // The first event at or after position `i` that is not late (or `n`).
        let next_in_order = |mut i: u32| {
            while i < n as u32 && is_late(i) {
                i += 1;
            }
            i
        };
        // Where a late event goes: before the first event that is not late and comes after it in
        // time order (their keys grow with their positions), found by a binary search.
        let first_after = |k: (i64, u32)| -> u32 {
            let (mut lo, mut hi) = (0u32, n as u32);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let j = next_in_order(mid);
                if j == n as u32 || key(j) > k {
                    hi = mid;
                } else {
                    lo = j + 1;
                }
            }
            next_in_order(lo)
        };
        // Ascending, since the late events are sorted by key.
        let places: Vec<u32> = late.iter().map(|&l| first_after(key(l))).collect();
        let mut order = Vec::with_capacity(n);
        huge_pages(&order);
        // The events that are not late, run by run between two late positions or two places,
        // with the late events put in at their places.
        let (mut next_late, mut next_skip) = (0, 0);
        let mut i = 0u32;
        while i < n as u32 {
            while next_late < late.len() && places[next_late] <= i {
                order.push(late[next_late]);
                next_late += 1;
            }
            if positions.get(next_skip) == Some(&i) {
                next_skip += 1;
                i += 1;
                continue;
            }
            let end = [positions.get(next_skip), places.get(next_late)]
                .into_iter()
                .flatten()
                .copied()
                .fold(n as u32, u32::min);
            order.extend(i..end);
            i = end;
        }
        order.extend_from_slice(&late[next_late..]);
        self.with_ranks(order)
    }

    /// The time order with each event's rank in it ([`Depth::Full`] only).
    fn with_ranks(&self, order: Vec<u32>) -> (Vec<u32>, Vec<u32>) {
        if self.depth != Depth::Full {
            return (order, Vec::new());
        }
        let n = order.len();
        let mut rank = Vec::with_capacity(n);
        huge_pages(&rank);
        rank.resize(n, 0u32);
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        (order, rank)
    }
}

/// The positions (ascending) of the events that go back before the latest time recorded before
/// them. Pieces of the list are scanned on all cores, each from the latest time of the pieces
/// before it.
fn late_events(events: &[LedgerEvent]) -> Vec<u32> {
    late_events_in(events, 1 << 16)
}

/// [`late_events`] with pieces of `piece` events.
fn late_events_in(events: &[LedgerEvent], piece: usize) -> Vec<u32> {
    let latest: Vec<i64> = events
        .par_chunks(piece)
        .map(|piece| piece.iter().map(|e| e.ts).max().unwrap_or(i64::MIN))
        .collect();
    let mut before = Vec::with_capacity(latest.len());
    let mut so_far = i64::MIN;
    for t in latest {
        before.push(so_far);
        so_far = so_far.max(t);
    }
    events
        .par_chunks(piece)
        .zip(before)
        .enumerate()
        .flat_map_iter(|(k, (events, mut latest))| {
            let mut late = Vec::new();
            for (j, e) in events.iter().enumerate() {
                if e.ts >= latest {
                    latest = e.ts;
                } else {
                    late.push((k * piece + j) as u32);
                }
            }
            late
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::late_events_in;

    /// A log of events at `times`, at both depths, is ordered as a stable sort by time.
    fn assert_time_order(times: &[i64]) -> Result<(), TestCaseError> {
        for depth in [crate::ledger::Depth::Full, crate::ledger::Depth::Summary] {
            let text: String = times
                .iter()
                .map(|t| {
                    format!(
                        "{{\"accountId\":\"a\",\"type\":\"DEPOSIT\",\"amount\":1,\"timestamp\":{t}}}\n"
                    )
                })
                .collect();
            let options = crate::ledger::LoadOptions {
                depth,
                ..Default::default()
            };
            let l = crate::ledger::load_bytes("t", text.into_bytes(), &options);
            let mut expected: Vec<u32> = (0..times.len() as u32).collect();
            expected.sort_by_key(|&i| times[i as usize]);
            prop_assert_eq!(l.time_order(), &expected[..]);
            if depth == crate::ledger::Depth::Full {
                for (r, &i) in expected.iter().enumerate() {
                    prop_assert_eq!(l.time_rank(i as usize), r);
                }
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn the_time_order_is_a_stable_sort_by_time(
            times in prop::collection::vec(0i64..60, 0..400),
            forward in any::<bool>(),
        ) {
            // Mostly forward with a few late events, or anything at all.
            let times: Vec<i64> = if forward {
                times.iter().enumerate().map(|(i, t)| if t % 9 == 0 { t * 3 } else { i as i64 * 2 }).collect()
            } else {
                times
            };
            assert_time_order(&times)?;
        }
    }

    proptest! {
        #[test]
        fn late_events_found_piece_by_piece_are_those_one_pass_finds(
            times in prop::collection::vec(-5i64..60, 0..300),
            piece in 1usize..40,
        ) {
            let events: Vec<crate::ledger::LedgerEvent> = times
                .iter()
                .map(|&ts| crate::ledger::LedgerEvent {
                    ts,
                    amount: crate::ledger::Money::ZERO,
                    offset: 0,
                    line: 0,
                    len: 0,
                    account: 0,
                    to: 0,
                    kind: 0,
                    flags: 0,
                })
                .collect();
            let mut expected = Vec::new();
            let mut latest = i64::MIN;
            for (i, &t) in times.iter().enumerate() {
                if t >= latest {
                    latest = t;
                } else {
                    expected.push(i as u32);
                }
            }
            prop_assert_eq!(late_events_in(&events, piece), expected);
        }

        #[test]
        fn the_time_order_with_a_few_late_events_is_a_stable_sort_by_time(
            late in prop::collection::vec((0usize..2000, 0i64..4000), 0..20),
            ties in any::<bool>(),
        ) {
            // Events in time order (in pairs of equal times, or not) with a few that go back:
            // fewer than one in 64, so that they are put in place rather than all sorted.
            let mut times: Vec<i64> = (0..2000i64).map(|i| if ties { i / 2 * 2 } else { i * 2 }).collect();
            for &(at, t) in &late {
                times[at] = t;
            }
            assert_time_order(&times)?;
        }
    }
}
