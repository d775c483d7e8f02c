//! Applying the events to the accounts: what is wrong with an event by itself (an unknown type,
//! a negative amount, a transfer without `to`), then every account replayed in time order: each
//! event posted with the effect of its type (a credit such as DEPOSIT, a debit such as WITHDRAW, a
//! transfer, an open, a close) and the running balance it leaves, and the problems that shows (an
//! overdraft, an event after a close, an amount that cannot be added).

use rayon::prelude::*;

use super::book::{AccountIndex, Depth, Ledger, Posting, Running};
use super::event::{AccountId, Effect, LedgerEvent, NO_ACCOUNT, delta_for};
use super::memory::prefetch;
use super::money::Money;
use super::problem::{Problem, ProblemKind, Reason};

impl Ledger {
    /// Problems about single events, and out-of-order timestamps, in recorded order.
    pub(super) fn event_facts(&self) -> Vec<Problem> {
        const PIECE: usize = 1 << 16;
        let events = &self.records.events;
        events
            .par_chunks(PIECE)
            .enumerate()
            .flat_map_iter(|(k, piece)| {
                let first = k * PIECE;
                let mut problems = Vec::new();
                let mut previous = first.checked_sub(1).map(|i| &events[i]);
                for (j, e) in piece.iter().enumerate() {
                    self.facts_of(first + j, e, previous, &mut problems);
                    previous = Some(e);
                }
                problems
            })
            .collect()
    }

    /// The problems about event `i` by itself, and against the event recorded before it
    /// (`previous`, event `i - 1`).
    pub(super) fn facts_of(
        &self,
        i: usize,
        e: &LedgerEvent,
        previous: Option<&LedgerEvent>,
        problems: &mut Vec<Problem>,
    ) {
        let i = i as u32;
        let effect = self.event_effect(e);
        let mut found =
            |kind, reason| problems.push(Problem::on_event(e.line, e.offset, i, kind, reason));
        if e.is_ambiguous() {
            found(ProblemKind::DuplicateMember, Reason::Event);
        }
        if effect == Effect::Unknown {
            found(ProblemKind::UnknownType, Reason::Event);
        }
        if e.has_amount() && e.amount.is_negative() {
            found(ProblemKind::NegativeAmount, Reason::Event);
        }
        if effect.needs_amount() && !e.has_amount() {
            found(ProblemKind::MissingAmount, Reason::Event);
        } else if effect == Effect::Transfer && e.to == NO_ACCOUNT {
            found(ProblemKind::MissingAmount, Reason::MissingTo);
        }
        if let Some(p) = previous
            && e.ts < p.ts
        {
            let previous = (i - 1).to_le_bytes();
            found(ProblemKind::OutOfOrder, Reason::OutOfOrder { previous });
        }
    }

    /// Replays every account in time order: running balances, overdrafts, events after a close.
    ///
    /// Accounts do not depend on one another, so they are shared out among the threads, each
    /// replaying its own accounts along the whole time order. The problems found are put back in
    /// the order a single pass would find them in.
    /// At [`Depth::Full`] each account's postings are kept; at [`Depth::Summary`] only its state
    /// at the end.
    pub(super) fn replay_accounts(
        &self,
        order: &[u32],
    ) -> (Vec<AccountIndex>, Vec<Running>, Vec<Problem>) {
        let n_accounts = self.records.accounts.len();
        let counts = self.postings_per_account();
        let parts = rayon::current_num_threads().clamp(1, 64);
        // Accounts to parts, the busiest first, each to the part with the fewest postings so far.
        let mut by_size: Vec<u32> = (0..n_accounts as u32).collect();
        by_size.sort_unstable_by_key(|&a| std::cmp::Reverse(counts[a as usize]));
        let mut part_of = vec![0u8; n_accounts];
        let mut load = vec![0u64; parts];
        for a in by_size {
            let p = (0..parts).min_by_key(|&p| load[p]).unwrap_or(0);
            part_of[a as usize] = p as u8;
            load[p] += u64::from(counts[a as usize]);
        }
        let results: Vec<PartReplay> = (0..parts)
            .into_par_iter()
            .map(|p| self.replay_part(order, &part_of, p as u8, &counts))
            .collect();
        let full = self.depth == Depth::Full;
        let mut index: Vec<AccountIndex> = Vec::new();
        let mut ends: Vec<Running> = Vec::new();
        if full {
            index.resize_with(n_accounts, AccountIndex::default);
        } else {
            ends.resize(n_accounts, Running::default());
        }
        let mut found = Vec::new();
        for (accounts, problems) in results {
            for (a, running, account) in accounts {
                if full {
                    index[a as usize] = account;
                } else {
                    ends[a as usize] = running;
                }
            }
            found.extend(problems);
        }
        found.sort_by_key(|(position, slot, _)| (*position, *slot));
        let found = found.into_iter().map(|(_, _, p)| p).collect();
        if !full {
            return (index, ends, found);
        }
        index
            .par_iter_mut()
            .enumerate()
            .filter(|(_, account)| !account.time.is_sorted_by_key(|p| p.event))
            .for_each(|(a, account)| {
                account.recorded = Some(self.replay_recorded(a as AccountId, &account.time));
            });
        (index, ends, found)
    }

    /// How many postings each account will have (an event on it, or a transfer to it).
    fn postings_per_account(&self) -> Vec<u32> {
        let n_accounts = self.records.accounts.len();
        self.records
            .events
            .par_chunks(1 << 16)
            .fold(
                || vec![0u32; n_accounts],
                |mut counts, piece| {
                    for e in piece {
                        let [a, to] = self.touched(e);
                        counts[a as usize] += 1;
                        if to != NO_ACCOUNT {
                            counts[to as usize] += 1;
                        }
                    }
                    counts
                },
            )
            .reduce(
                || vec![0u32; n_accounts],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                    a
                },
            )
    }

    /// The accounts an event has a posting on: its account, and the other side of a transfer
    /// (or [`NO_ACCOUNT`]).
    #[inline]
    pub(crate) fn touched(&self, e: &LedgerEvent) -> [AccountId; 2] {
        let effect = self.event_effect(e);
        if effect == Effect::Transfer && e.to != NO_ACCOUNT && e.to != e.account {
            [e.account, e.to]
        } else {
            [e.account, NO_ACCOUNT]
        }
    }

    /// The replay of the accounts of one part: their indexes, and the problems found, each with
    /// its position in time order and which side of the event it is about.
    fn replay_part(&self, order: &[u32], part_of: &[u8], part: u8, counts: &[u32]) -> PartReplay {
        let n_accounts = self.records.accounts.len();
        let full = self.depth == Depth::Full;
        let mut index: Vec<AccountIndex> = Vec::new();
        if full {
            index.resize_with(n_accounts, AccountIndex::default);
            for (a, account) in index.iter_mut().enumerate() {
                if part_of[a] == part {
                    account.time = Vec::with_capacity(counts[a] as usize);
                }
            }
        }
        let mut running = vec![Running::default(); n_accounts];
        let mut problems = Vec::new();
        // With many accounts their states are spread over megabytes: those of the event a few
        // steps further on are fetched while this one is replayed.
        const AHEAD: usize = 16;
        for (position, &i) in order.iter().enumerate() {
            if let Some(&j) = order.get(position + AHEAD) {
                let ahead = &self.records.events[j as usize];
                for a in [ahead.account, ahead.to] {
                    if part_of.get(a as usize) == Some(&part) {
                        prefetch(&running[a as usize]);
                        if let Some(account) = index.get(a as usize) {
                            prefetch(account);
                        }
                    }
                }
            }
            let e = &self.records.events[i as usize];
            let touched = self.touched(e);
            if part_of[touched[0] as usize] != part
                && (touched[1] == NO_ACCOUNT || part_of[touched[1] as usize] != part)
            {
                continue;
            }
            for (slot, account) in touched.into_iter().enumerate() {
                if account == NO_ACCOUNT || part_of[account as usize] != part {
                    continue;
                }
                let a = account as usize;
                self.post(
                    i,
                    account,
                    &mut running[a],
                    index.get_mut(a),
                    &mut |problem| problems.push((position as u32, slot as u8, problem)),
                );
            }
        }
        let mut index = index.into_iter();
        let mine = running
            .into_iter()
            .enumerate()
            .map(|(a, running)| (a, running, index.next().unwrap_or_default()))
            .filter(|(a, _, _)| part_of[*a] == part)
            .map(|(a, running, account)| (a as u32, running, account))
            .collect();
        (mine, problems)
    }

    /// Event `i` on `account`, the next in time order: its posting with the running balance, the
    /// account's status, and the problems it shows (an event after a close, an overdraft, an
    /// amount that cannot be added).
    ///
    /// `index` receives the posting when the account's postings are kept.
    pub(crate) fn post(
        &self,
        i: u32,
        account: AccountId,
        running: &mut Running,
        mut index: Option<&mut AccountIndex>,
        found: &mut dyn FnMut(Problem),
    ) {
        let e = &self.records.events[i as usize];
        let effect = self.event_effect(e);
        let side = u8::from(account != e.account);
        let mut problem =
            |kind, reason| found(Problem::on_event(e.line, e.offset, i, kind, reason));
        if running.closed && effect != Effect::Open {
            problem(ProblemKind::AfterClose, Reason::AfterClose { side });
        }
        let position = running.events;
        match effect {
            Effect::Close if account == e.account => {
                running.closed = true;
                if let Some(index) = index.as_deref_mut() {
                    index.status_changes.push((position, true));
                }
            }
            Effect::Open if account == e.account && running.closed => {
                running.closed = false;
                if let Some(index) = index.as_deref_mut() {
                    index.status_changes.push((position, false));
                }
            }
            _ => {}
        }
        let balance = &mut running.balance;
        if let Some(delta) = delta_for(e, effect, account) {
            match balance.checked_add(delta) {
                Some(next) => {
                    if next.is_negative() && !balance.is_negative() {
                        let before = balance.as_decimal().serialize();
                        problem(ProblemKind::Overdraft, Reason::Overdraft { side, before });
                    }
                    *balance = next;
                }
                None => problem(ProblemKind::Overflow, Reason::Overflow { side }),
            }
        }
        running.events += 1;
        running.last_event = Some(i);
        if let Some(index) = index {
            index.time.push(Posting {
                event: i,
                balance: running.balance,
            });
        }
    }

    /// An account's postings in recorded order, with balances replayed in that order.
    fn replay_recorded(&self, account: AccountId, time: &[Posting]) -> Vec<Posting> {
        let mut events: Vec<u32> = time.iter().map(|p| p.event).collect();
        events.sort_unstable();
        let mut balance = Money::ZERO;
        events
            .into_iter()
            .map(|i| {
                let e = &self.records.events[i as usize];
                if let Some(d) = delta_for(e, self.event_effect(e), account)
                    && let Some(next) = balance.checked_add(d)
                {
                    balance = next;
                }
                Posting { event: i, balance }
            })
            .collect()
    }
}

/// What replaying some of the accounts gives: each account's index, and the problems found, each
/// with its position in time order and the side of the event it is about (0: its account, 1: the
/// other side of a transfer).
type PartReplay = (Vec<(u32, Running, AccountIndex)>, Vec<(u32, u8, Problem)>);
