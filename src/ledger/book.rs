//! The loaded log: events in recorded order, interned names, problems, and the indexes that make
//! any moment a search instead of a replay. What builds each index is beside it: the time order
//! ([`super::order`]), duplicates ([`super::duplicates`]), validation and posting
//! ([`super::apply`]), and adding records that arrive later ([`super::extend`]).

use rayon::prelude::*;

use super::event::{AccountId, Effect, LedgerEvent, TypeId, TypeMap, delta_for, flags};
use super::money::Money;
use super::problem::Problem;
use super::raw::{RawSource, SourceBytes};
use super::record::{Fields, parse_record};
use super::recorded::{Integrity, NO_SEQ, Records};

/// How much of the indexes a load builds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Depth {
    /// Everything: each account's postings with running balances, so that any moment is a
    /// binary search (the explorer, `history`, following a growing file).
    #[default]
    Full,
    /// The problems, the time order and each account's state at the end of the log; any other
    /// moment is one replay of the log. For a command that asks one question and exits: less
    /// memory and less time.
    Summary,
}

/// One entry of an account's history: the event and the balance right after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Posting {
    /// The event: its index in recorded order.
    pub event: u32,
    /// The account's balance right after it.
    pub balance: Money,
}

/// The history of one account.
#[derive(Clone, Debug, Default)]
pub struct AccountIndex {
    /// Every event touching the account in time order, with the running balance.
    pub(crate) time: Vec<Posting>,
    /// The same in recorded order, with balances replayed in that order; only for accounts whose
    /// events were recorded out of time order (otherwise `time` serves both).
    pub(crate) recorded: Option<Vec<Posting>>,
    /// Positions in `time` where the account was closed (`true`) or (re)opened (`false`).
    pub(crate) status_changes: Vec<(u32, bool)>,
}

/// An account as a replay in time order leaves it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Running {
    pub(crate) balance: Money,
    /// Events on the account so far.
    pub(crate) events: u32,
    pub(crate) closed: bool,
    pub(crate) last_event: Option<u32>,
}

/// A loaded log with its indexes. Nothing here writes to the source.
pub struct Ledger {
    pub(crate) name: String,
    pub(crate) depth: Depth,
    pub(crate) types_map: TypeMap,
    /// What was read, in recorded order.
    pub(crate) records: Records,
    pub(crate) effects: Vec<Effect>,
    /// All problems (those of the lines and those about events), sorted by line.
    pub(crate) problems: Vec<Problem>,
    pub(crate) integrity: Integrity,
    pub(crate) raw: RawSource,
    pub(crate) source_len: u64,
    /// Event indexes sorted by (timestamp, recorded position).
    pub(crate) time_order: Vec<u32>,
    /// For each event, its position in `time_order` ([`Depth::Full`] only).
    pub(crate) time_rank: Vec<u32>,
    /// Each account's postings ([`Depth::Full`] only).
    pub(crate) account_index: Vec<AccountIndex>,
    /// Each account at the end of the log ([`Depth::Summary`] only).
    pub(crate) ends: Vec<Running>,
    /// Account ids sorted by name.
    pub(crate) sorted_accounts: Vec<AccountId>,
}

impl Ledger {
    pub(crate) fn index(
        name: String,
        types_map: TypeMap,
        depth: Depth,
        records: Records,
        raw: RawSource,
        source_len: u64,
    ) -> Ledger {
        let mut ledger = Ledger {
            name,
            depth,
            types_map,
            records,
            effects: Vec::new(),
            problems: Vec::new(),
            integrity: Integrity::Unsealed,
            raw,
            source_len,
            time_order: Vec::new(),
            time_rank: Vec::new(),
            account_index: Vec::new(),
            ends: Vec::new(),
            sorted_accounts: Vec::new(),
        };
        ledger.reindex();
        ledger
    }

    /// Recomputes everything derived from the events: the effect of each type, the problems about
    /// events, the time order and every account's running balances.
    ///
    /// The steps that do not depend on one another run side by side, and each one on all cores;
    /// problems are then put in the one order a sequential pass would give (by line and kind, and
    /// in the order they were found).
    pub(crate) fn reindex(&mut self) {
        self.order_by_seq();
        self.effects = (0..self.records.types.len() as u32)
            .map(|t| self.types_map.effect(self.records.types.get(t)))
            .collect();
        self.records
            .events
            .par_iter_mut()
            .with_min_len(1 << 14)
            .for_each(|e| e.flags &= !flags::PROBLEM);
        let this = &*self;
        let ((order, ((accounts, ends, replayed), near)), (facts, (ids, (seqs, sorted)))) =
            rayon::join(
                || {
                    let order = this.order_in_time();
                    let replayed = rayon::join(
                        || this.replay_accounts(&order.0),
                        || this.near_duplicates(&order.0, 0),
                    );
                    (order, replayed)
                },
                || {
                    rayon::join(
                        || this.event_facts(),
                        || {
                            rayon::join(
                                || this.duplicate_ids(),
                                || rayon::join(|| this.duplicate_seqs(), || this.sort_accounts()),
                            )
                        },
                    )
                },
            );
        // The problems of the lines stay (they are moved here from the records once indexed, and
        // only those of lines read since are still there); those about events are found again.
        let mut problems = std::mem::take(&mut self.problems);
        problems.retain(|p| p.event().is_none());
        if problems.is_empty() {
            // Moved, not copied: a log of bad lines may hold millions.
            problems = std::mem::take(&mut self.records.problems);
        } else {
            problems.append(&mut self.records.problems);
        }
        self.integrity = self.records.integrity(problems.iter());
        problems.extend(facts);
        problems.extend(ids);
        problems.extend(seqs);
        problems.extend(replayed);
        problems.extend(self.lookalike_accounts(None));
        problems.extend(near);
        for p in &problems {
            if let Some(i) = p.event() {
                self.records.events[i as usize].flags |= flags::PROBLEM;
            }
        }
        if !problems.is_sorted_by_key(Problem::order) {
            problems.par_sort_by_key(Problem::order);
        }
        self.problems = problems;
        (self.time_order, self.time_rank) = order;
        self.account_index = accounts;
        self.ends = ends;
        self.sorted_accounts = sorted;
        self.drop_untouched_accounts();
        super::state::add_check_problems(self, 0);
    }

    /// Leaves out of the account list the names no event touches: a `to` on an event that is not
    /// a transfer names no account. (They keep their number, which nothing lists.)
    pub(super) fn drop_untouched_accounts(&mut self) {
        let full = self.depth == Depth::Full;
        let (index, ends) = (&self.account_index, &self.ends);
        self.sorted_accounts.retain(|&a| {
            if full {
                !index[a as usize].time.is_empty()
            } else {
                ends[a as usize].events > 0
            }
        });
    }

    pub(super) fn sort_accounts(&self) -> Vec<AccountId> {
        let names = &self.records.accounts;
        let mut sorted: Vec<AccountId> = (0..names.len() as u32).collect();
        sorted.par_sort_unstable_by(|a, b| names.get(*a).cmp(names.get(*b)));
        sorted
    }

    // ----- simple accessors -----

    /// The name the log was opened by (a path or a URL without password).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The place line `line` stands for in the source: the line itself, or a topic's
    /// `PARTITION:OFFSET`.
    pub fn place(&self, line: u64) -> super::places::Place {
        self.records.places.place(line)
    }

    /// The line that stands for a topic's message, when the ledger holds it.
    pub fn line_of(&self, message: super::places::MessagePlace) -> Option<u64> {
        match &self.records.places {
            super::places::Places::Messages(places) => places
                .iter()
                .position(|m| *m == message)
                .map(|i| i as u64 + 1),
            super::places::Places::Lines => None,
        }
    }

    /// How many messages of a topic the ledger holds (0 for a source whose records are lines).
    pub fn message_count(&self) -> usize {
        match &self.records.places {
            super::places::Places::Messages(places) => places.len(),
            super::places::Places::Lines => 0,
        }
    }

    /// Adds the places of lines that arrived after the load (a topic's new messages), in order.
    pub fn extend_places(&mut self, more: &[super::places::MessagePlace]) {
        if let super::places::Places::Messages(places) = &mut self.records.places {
            places.extend_from_slice(more);
        }
    }

    /// How many events were read.
    pub fn len(&self) -> usize {
        self.records.events.len()
    }

    /// Whether no event was read.
    pub fn is_empty(&self) -> bool {
        self.records.events.is_empty()
    }

    /// The `i`-th event in recorded order.
    pub fn event(&self, i: usize) -> &LedgerEvent {
        &self.records.events[i]
    }

    /// Every event, in recorded order.
    pub fn events(&self) -> &[LedgerEvent] {
        &self.records.events
    }

    /// Every problem (of the lines and about events), sorted by line.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Whether the history is sealed, unsealed or broken (and where).
    pub fn integrity(&self) -> Integrity {
        self.integrity
    }

    /// Lines in the source (records, bad lines and blank lines).
    pub fn line_count(&self) -> u64 {
        self.records.lines
    }

    /// Bytes of the source that were read.
    pub fn source_len(&self) -> u64 {
        self.source_len
    }

    /// How many distinct accounts the events name.
    pub fn account_count(&self) -> usize {
        self.records.accounts.len()
    }

    /// The name of an account, as the log writes it.
    pub fn account_name(&self, account: AccountId) -> &str {
        self.records.accounts.get(account)
    }

    /// The account with this name, if any event names it.
    pub fn find_account(&self, name: &str) -> Option<AccountId> {
        self.records.accounts.find(name)
    }

    /// The counterparty of a transfer; `None` for any other event (a `to` on an event of another
    /// kind moves nothing to anyone).
    pub fn transfer_to(&self, e: &LedgerEvent) -> Option<AccountId> {
        match self.event_effect(e) {
            Effect::Transfer => e.to_account(),
            _ => None,
        }
    }

    /// Every account some event touches, sorted by name.
    pub fn accounts_sorted(&self) -> &[AccountId] {
        &self.sorted_accounts
    }

    /// Distinct event type names in the log.
    pub fn type_count(&self) -> usize {
        self.records.types.len()
    }

    /// The name of an event type, as the log writes it.
    pub fn type_name(&self, kind: TypeId) -> &str {
        self.records.types.get(u32::from(kind))
    }

    /// What events of this type do to balances (under the type mapping the log was read with).
    pub fn effect(&self, kind: TypeId) -> Effect {
        self.effects[kind as usize]
    }

    /// What an event does: the effect of its type, or none at all for a record that gives a
    /// member more than once (readers disagree on what it says).
    #[inline]
    pub fn event_effect(&self, e: &LedgerEvent) -> Effect {
        if e.is_ambiguous() {
            Effect::Ignore
        } else {
            self.effects[e.kind as usize]
        }
    }

    /// The event's position in the log: its own `seq` member, or its 1-based place in recorded order.
    pub fn seq_of(&self, i: usize) -> u64 {
        match self.records.seqs.get(i) {
            Some(&s) if s != NO_SEQ => s,
            _ => i as u64 + 1,
        }
    }

    /// The raw text of the `i`-th event as it stands in the source.
    pub fn raw(&self, i: usize) -> std::io::Result<Vec<u8>> {
        let e = &self.records.events[i];
        self.raw.read(e.offset, e.len)
    }

    /// Every byte of the source: the text held in memory, or the file mapped read-only (the
    /// offsets of the events index it).
    pub fn source_bytes(&self) -> std::io::Result<SourceBytes<'_>> {
        match &self.raw {
            RawSource::Memory(bytes) => Ok(SourceBytes::Memory(bytes)),
            RawSource::File(file) => {
                if file.metadata()?.len() < self.source_len {
                    return Err(std::io::Error::other(
                        "the file is shorter than when it was read",
                    ));
                }
                // SAFETY: the map is read-only; rewind never writes the log it reads, and a
                // writer that truncates it under us is caught by the check above or by the
                // hashes of what is read.
                let map = unsafe { memmap2::Mmap::map(file) }?;
                Ok(SourceBytes::File(map))
            }
        }
    }

    /// The raw record as text (lossy only if the source changed under us).
    pub fn raw_text(&self, i: usize) -> String {
        match self.raw(i) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => format!("<the record cannot be read again: {e}>"),
        }
    }

    /// The event's id, read back from its record.
    pub fn event_id(&self, i: usize) -> Option<String> {
        if self.records.events[i].flags & flags::HAS_ID == 0 {
            return None;
        }
        let text = self.raw_text(i);
        parse_record(&text)
            .ok()
            .and_then(|f: Fields| f.id.map(|id| id.into_owned()))
    }

    /// The change the `i`-th event makes to `account` (zero when it moves no money there).
    pub fn delta(&self, i: usize, account: AccountId) -> Money {
        let e = &self.records.events[i];
        delta_for(e, self.event_effect(e), account).unwrap_or(Money::ZERO)
    }

    /// Where the source ended when it was read, and whether its last line lacked a newline.
    pub fn tail_state(&self) -> (u64, bool) {
        (self.source_len, self.records.unterminated_tail)
    }
}
