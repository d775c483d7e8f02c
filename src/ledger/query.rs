//! Queries "as of" a moment. Every answer is a binary search in the indexes built at load; nothing
//! here replays the log from the start.

use super::book::{Depth, Ledger, Posting, Running};
use super::event::{AccountId, Effect, NO_ACCOUNT};
use super::money::Money;
use super::time::Millis;

/// A moment of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    /// After every event.
    End,
    /// Every event whose timestamp is `<=` this time (inclusive, to the millisecond), wherever it
    /// stands in the log.
    Time(Millis),
    /// The first N events in recorded order.
    Seq(u64),
}

/// An account as of a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountState {
    pub account: AccountId,
    pub balance: Money,
    /// Events on the account included at the moment.
    pub events: usize,
    /// Whether the account has any event at or before the moment.
    pub exists: bool,
    /// Whether its last open/close event so far closed it.
    pub closed: bool,
    /// The last event included, if any.
    pub last_event: Option<u32>,
}

impl Ledger {
    /// Event indexes in time order (by timestamp, then recorded position).
    pub fn time_order(&self) -> &[u32] {
        &self.time_order
    }

    /// The position of event `i` in time order ([`Depth::Full`] only).
    pub fn time_rank(&self, i: usize) -> usize {
        self.need_full("time_rank");
        self.time_rank[i] as usize
    }

    /// How much of the indexes this ledger holds.
    pub fn depth(&self) -> Depth {
        self.depth
    }

    fn need_full(&self, what: &str) {
        assert!(
            self.depth == Depth::Full,
            "{what} needs a ledger loaded with Depth::Full"
        );
    }

    pub fn first_time(&self) -> Option<Millis> {
        self.time_order
            .first()
            .map(|&i| self.records.events[i as usize].ts)
    }

    pub fn last_time(&self) -> Option<Millis> {
        self.time_order
            .last()
            .map(|&i| self.records.events[i as usize].ts)
    }

    /// How many events have a timestamp `<= t`.
    pub fn count_at(&self, t: Millis) -> usize {
        self.time_order
            .partition_point(|&i| self.records.events[i as usize].ts <= t)
    }

    /// How many events a moment includes.
    pub fn included(&self, moment: Moment) -> usize {
        match moment {
            Moment::End => self.len(),
            Moment::Time(t) => self.count_at(t),
            Moment::Seq(n) => usize::try_from(n).unwrap_or(usize::MAX).min(self.len()),
        }
    }

    /// The time a moment stands for: the time asked for, or the latest timestamp included.
    pub fn time_of(&self, moment: Moment) -> Option<Millis> {
        match moment {
            Moment::Time(t) => Some(t),
            Moment::End => self.last_time(),
            Moment::Seq(_) => {
                let n = self.included(moment);
                self.records.events[..n].iter().map(|e| e.ts).max()
            }
        }
    }

    /// Every event touching the account, in time order, with the balance after each
    /// ([`Depth::Full`] only).
    pub fn postings(&self, account: AccountId) -> &[Posting] {
        self.need_full("postings");
        &self.account_index[account as usize].time
    }

    /// The same in recorded order, balances replayed in that order ([`Depth::Full`] only).
    pub fn postings_recorded(&self, account: AccountId) -> &[Posting] {
        self.need_full("postings_recorded");
        let index = &self.account_index[account as usize];
        index.recorded.as_deref().unwrap_or(&index.time)
    }

    /// The account as of a moment: a binary search at [`Depth::Full`], one replay of the log at
    /// [`Depth::Summary`] (except at the end).
    pub fn account_at(&self, account: AccountId, moment: Moment) -> AccountState {
        if self.depth == Depth::Summary {
            let running = match moment {
                Moment::End => self.ends[account as usize],
                _ => self.replayed(moment)[account as usize],
            };
            return state(account, running);
        }
        let index = &self.account_index[account as usize];
        let (list, k) = match moment {
            Moment::End => (&index.time, index.time.len()),
            Moment::Time(t) => (
                &index.time,
                index
                    .time
                    .partition_point(|p| self.records.events[p.event as usize].ts <= t),
            ),
            Moment::Seq(n) => {
                let list = index.recorded.as_ref().unwrap_or(&index.time);
                let n = u32::try_from(n).unwrap_or(u32::MAX);
                (list, list.partition_point(|p| p.event < n))
            }
        };
        let closed = if std::ptr::eq(list, &index.time) {
            index
                .status_changes
                .iter()
                .take_while(|(pos, _)| (*pos as usize) < k)
                .last()
                .is_some_and(|(_, closed)| *closed)
        } else {
            // Recorded order of an account with late events: replay its open/close events.
            list[..k].iter().fold(false, |closed, p| {
                let e = &self.records.events[p.event as usize];
                match self.event_effect(e) {
                    Effect::Close if e.account == account => true,
                    Effect::Open if e.account == account => false,
                    _ => closed,
                }
            })
        };
        AccountState {
            account,
            balance: if k == 0 {
                Money::ZERO
            } else {
                list[k - 1].balance
            },
            events: k,
            exists: k > 0,
            closed,
            last_event: k.checked_sub(1).map(|j| list[j].event),
        }
    }

    /// Every account as of a moment, sorted by account name.
    pub fn balances_at(&self, moment: Moment) -> Vec<AccountState> {
        if self.depth == Depth::Summary {
            let replayed;
            let states = match moment {
                Moment::End => &self.ends,
                _ => {
                    replayed = self.replayed(moment);
                    &replayed
                }
            };
            return self
                .sorted_accounts
                .iter()
                .map(|&a| state(a, states[a as usize]))
                .collect();
        }
        self.sorted_accounts
            .iter()
            .map(|&a| self.account_at(a, moment))
            .collect()
    }

    /// Every account as of a moment, by replaying the events the moment includes: those up to
    /// the time in time order, or the first N in recorded order. The same steps as the replay
    /// that finds the problems, so the same balances as the postings of [`Depth::Full`].
    fn replayed(&self, moment: Moment) -> Vec<Running> {
        let mut running = vec![Running::default(); self.account_count()];
        let mut replay = |i: u32| {
            for account in self.touched(&self.records.events[i as usize]) {
                if account != NO_ACCOUNT {
                    self.post(
                        i,
                        account,
                        &mut running[account as usize],
                        None,
                        &mut |_| {},
                    );
                }
            }
        };
        match moment {
            Moment::End => self.time_order.iter().for_each(|&i| replay(i)),
            Moment::Time(t) => self.time_order[..self.count_at(t)]
                .iter()
                .for_each(|&i| replay(i)),
            Moment::Seq(_) => (0..self.included(moment) as u32).for_each(replay),
        }
        running
    }

    /// The balance of `account` right after event `i`, replaying in time order
    /// ([`Depth::Full`] only).
    pub fn balance_after(&self, i: usize, account: AccountId) -> Option<Money> {
        self.need_full("balance_after");
        let list = &self.account_index[account as usize].time;
        let rank = self.time_rank[i];
        let pos = list.partition_point(|p| self.time_rank[p.event as usize] < rank);
        list.get(pos)
            .filter(|p| p.event as usize == i)
            .map(|p| p.balance)
    }

    /// The balance of `account` right after event `i`, replaying in recorded order
    /// ([`Depth::Full`] only).
    pub fn balance_after_recorded(&self, i: usize, account: AccountId) -> Option<Money> {
        let list = self.postings_recorded(account);
        let pos = list.partition_point(|p| (p.event as usize) < i);
        list.get(pos)
            .filter(|p| p.event as usize == i)
            .map(|p| p.balance)
    }
}

/// The state of an account from its replay.
fn state(account: AccountId, running: Running) -> AccountState {
    AccountState {
        account,
        balance: running.balance,
        events: running.events as usize,
        exists: running.events > 0,
        closed: running.closed,
        last_event: running.last_event,
    }
}

#[cfg(test)]
mod tests {
    use crate::ledger::{LoadOptions, load_bytes};

    use super::*;

    fn ledger(text: &str) -> Ledger {
        load_bytes("t.jsonl", text.as_bytes().to_vec(), &LoadOptions::default())
    }

    const LOG: &str = r#"{"accountId":"a","type":"DEPOSIT","amount":"100.00","timestamp":"2024-03-01T10:00:00Z"}
{"accountId":"a","type":"WITHDRAW","amount":"30","timestamp":"2024-03-01T11:00:00Z"}
{"accountId":"b","type":"DEPOSIT","amount":"5","timestamp":"2024-03-01T12:00:00Z"}
{"accountId":"a","type":"TRANSFER","amount":"20","to":"b","timestamp":"2024-03-01T12:00:00Z"}
{"accountId":"a","type":"DEPOSIT","amount":"1","timestamp":"2024-03-01T10:30:00Z"}
"#;

    fn t(s: &str) -> Millis {
        crate::ledger::time::parse_time(s).unwrap()
    }

    fn bal(l: &Ledger, name: &str, m: Moment) -> String {
        l.account_at(l.find_account(name).unwrap(), m)
            .balance
            .to_string()
    }

    #[test]
    fn as_of_time_is_inclusive_to_the_millisecond() {
        let l = ledger(LOG);
        assert_eq!(
            bal(&l, "a", Moment::Time(t("2024-03-01T10:00:00Z") - 1)),
            "0"
        );
        assert_eq!(
            bal(&l, "a", Moment::Time(t("2024-03-01T10:00:00Z"))),
            "100.00"
        );
        // The late event (recorded last, stamped 10:30) counts as of 10:30.
        assert_eq!(
            bal(&l, "a", Moment::Time(t("2024-03-01T10:30:00Z"))),
            "101.00"
        );
        assert_eq!(
            bal(&l, "a", Moment::Time(t("2024-03-01T11:00:00Z"))),
            "71.00"
        );
        assert_eq!(
            bal(&l, "a", Moment::Time(t("2024-03-01T12:00:00Z"))),
            "51.00"
        );
        assert_eq!(bal(&l, "b", Moment::Time(t("2024-03-01T12:00:00Z"))), "25");
        assert_eq!(l.included(Moment::Time(t("2024-03-01T11:59:59.999Z"))), 3);
        assert_eq!(l.included(Moment::Time(t("2024-03-01T12:00:00Z"))), 5);
    }

    #[test]
    fn as_of_seq_follows_the_recorded_order() {
        let l = ledger(LOG);
        assert_eq!(bal(&l, "a", Moment::Seq(2)), "70.00");
        assert_eq!(bal(&l, "a", Moment::Seq(4)), "50.00");
        assert_eq!(bal(&l, "a", Moment::Seq(5)), "51.00");
        assert_eq!(bal(&l, "a", Moment::Seq(99)), "51.00");
        assert_eq!(bal(&l, "b", Moment::Seq(2)), "0");
        assert!(
            !l.account_at(l.find_account("b").unwrap(), Moment::Seq(2))
                .exists
        );
    }

    #[test]
    fn running_balances_in_both_orders() {
        let l = ledger(LOG);
        let a = l.find_account("a").unwrap();
        // The late deposit (event 4) comes after 10:00 in time, and last in recorded order.
        assert_eq!(l.balance_after(4, a).unwrap().to_string(), "101.00");
        assert_eq!(l.balance_after_recorded(4, a).unwrap().to_string(), "51.00");
        assert_eq!(l.balance_after(1, a).unwrap().to_string(), "71.00");
        assert_eq!(l.balance_after(2, a), None, "event 2 is on b");
    }

    #[test]
    fn accounts_before_their_first_event_do_not_exist_yet() {
        let l = ledger(LOG);
        let states = l.balances_at(Moment::Time(t("2024-03-01T11:00:00Z")));
        let names: Vec<_> = states.iter().map(|s| l.account_name(s.account)).collect();
        assert_eq!(names, vec!["a", "b"]);
        assert!(states[0].exists);
        assert!(!states[1].exists);
        assert_eq!(states[1].balance, Money::ZERO);
        assert_eq!(states[0].events, 3);
    }

    #[test]
    fn closing_shows_in_the_state() {
        let l = ledger(
            r#"{"accountId":"a","type":"AccountOpened","amount":10,"timestamp":1}
{"accountId":"a","type":"AccountClosed","timestamp":2}
{"accountId":"a","type":"DEPOSIT","amount":1,"timestamp":3}
"#,
        );
        let a = l.find_account("a").unwrap();
        assert!(!l.account_at(a, Moment::Time(1)).closed);
        assert!(l.account_at(a, Moment::Time(2)).closed);
        assert_eq!(l.account_at(a, Moment::Time(1)).balance.to_string(), "10");
        assert_eq!(l.problems().len(), 1);
        assert_eq!(l.problems()[0].kind.name(), "after-close");
    }

    #[test]
    fn extending_gives_what_loading_everything_gives() {
        let (first, rest) = LOG.split_at(LOG.match_indices('\n').nth(1).unwrap().0 + 1);
        let mut grown = ledger(first);
        grown.extend_lines(rest.as_bytes(), first.len() as u64);
        let whole = ledger(LOG);
        assert_eq!(grown.len(), whole.len());
        assert_eq!(grown.problems(), whole.problems());
        for m in [
            Moment::End,
            Moment::Seq(3),
            Moment::Time(t("2024-03-01T10:30:00Z")),
        ] {
            assert_eq!(grown.balances_at(m), whole.balances_at(m));
        }
        assert_eq!(grown.event(4).line, 5);
    }

    #[test]
    fn records_keep_the_line_numbers_they_are_given() {
        use crate::ledger::{Builder, LoadOptions, RawSource, RecordSpan};
        let rows = [
            (
                7u64,
                r#"{"accountId":"a","type":"DEPOSIT","amount":5,"timestamp":1}"#,
            ),
            (9, r#"{"accountId":"a","type":"NOPE","timestamp":2}"#),
        ];
        let mut text = Vec::new();
        let mut spans = Vec::new();
        for (line, row) in rows {
            spans.push(RecordSpan {
                start: text.len(),
                end: text.len() + row.len(),
                line,
            });
            text.extend_from_slice(row.as_bytes());
        }
        let mut b = Builder::new("db".into(), LoadOptions::default());
        b.add_records(&text, 0, &spans, None);
        let mut l = b.build(RawSource::Memory(text.clone()), text.len() as u64, None);
        assert_eq!(l.event(0).line, 7);
        assert_eq!(l.problems()[0].line, 9);
        let more = br#"{"accountId":"a","type":"WITHDRAW","amount":2,"timestamp":3}"#;
        l.extend_records(
            more,
            &[RecordSpan {
                start: 0,
                end: more.len(),
                line: 12,
            }],
        );
        assert_eq!(l.event(2).line, 12);
        assert_eq!(l.raw_text(2).as_bytes(), more);
        let a = l.find_account("a").unwrap();
        assert_eq!(l.account_at(a, Moment::End).balance.to_string(), "3");
    }
}
