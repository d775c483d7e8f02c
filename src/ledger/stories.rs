//! Two logs that each hold one investigation, for the README's walkthroughs and for demos:
//! `rewind generate --story dispute` (a support agent's 3,000-event card export, one charge
//! disputed) and `--story incident` (an engineer's 14,000-event sealed ledger in which a payment
//! batch applied 50 bills twice). The same story always gives the same bytes.
//!
//! Around the story, everyday traffic: card payments with their merchant, card and authorisation
//! code, ATM withdrawals, salaries, bills, refunds and fees, each within the account's balance, so
//! that the only problems are the story's.

use std::io::{self, Write};

use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::chain::{GENESIS, seal_line};
use super::time::{MS_PER_DAY, Millis, format_time, parse_time};

/// Which story.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Story {
    /// A card export of 3,000 events; `cust-0417` disputes a charge presented twice.
    Dispute,
    /// A sealed ledger of 14,000 events; the bill batch of 3 June applied 50 bills twice.
    Incident,
}

/// One event before it is written.
struct Event {
    ts: Millis,
    account: String,
    kind: &'static str,
    cents: i64,
    meta: Vec<(&'static str, String)>,
}

const MERCHANTS: [&str; 12] = [
    "Cafe Lumen",
    "Corner Grocer",
    "Streamly",
    "Metro Transit",
    "Bistro 9",
    "PharmaPlus",
    "BookNook",
    "Fuel Stop 24",
    "Hardware Hut",
    "City Gym",
    "Nordlicht Electronics",
    "Parkhaus Mitte",
];
const PAYEES: [&str; 6] = [
    "Stadtwerke Energy",
    "Aqua Water Co",
    "Fibrenet Broadband",
    "Hausverwaltung Rent",
    "Allsure Insurance",
    "Mobilo Telecom",
];
const ATMS: [&str; 3] = ["ATM-0042 Main St", "ATM-0107 Harbour", "ATM-0311 Station"];

struct Teller {
    rng: Pcg64Mcg,
    names: Vec<String>,
    balances: Vec<i64>,
    cards: Vec<String>,
    events: Vec<Event>,
}

impl Teller {
    fn new(seed: u64, names: Vec<String>) -> Teller {
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let cards = names
            .iter()
            .map(|_| format!("**** {:04}", rng.next_u64() % 10_000))
            .collect();
        Teller {
            rng,
            balances: vec![0; names.len()],
            names,
            cards,
            events: Vec::new(),
        }
    }

    fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n.max(1)
    }

    fn code(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        (0..6)
            .map(|_| ALPHABET[self.below(ALPHABET.len() as u64) as usize] as char)
            .collect()
    }

    fn push(
        &mut self,
        ts: Millis,
        k: usize,
        kind: &'static str,
        cents: i64,
        meta: Vec<(&'static str, String)>,
    ) {
        let delta = match kind {
            "ACCOUNT_OPENED" | "DEPOSIT" | "REFUND" | "INTEREST_PAID" => cents,
            _ => -cents,
        };
        self.balances[k] += delta;
        self.events.push(Event {
            ts,
            account: self.names[k].clone(),
            kind,
            cents,
            meta,
        });
    }

    /// Opens every account in the hour after `start`.
    fn open_all(&mut self, start: Millis) {
        for k in 0..self.names.len() {
            let cents = 50_000 + self.below(250_000) as i64;
            let ts = start + (k as i64) * 3_600_000 / self.names.len() as i64;
            self.push(
                ts,
                k,
                "ACCOUNT_OPENED",
                cents,
                vec![("channel", "online".into())],
            );
        }
    }

    /// One everyday event on a random account within a minute after `ts`, within its balance.
    fn everyday(&mut self, ts: Millis) {
        let ts = ts + self.below(60_000) as i64;
        let k = self.below(self.names.len() as u64) as usize;
        let balance = self.balances[k];
        let roll = self.below(100);
        if balance < 20_000 || roll < 12 {
            let cents = 150_000 + self.below(200_000) as i64;
            return self.push(
                ts,
                k,
                "DEPOSIT",
                cents,
                vec![("payer", "Employer payroll".into())],
            );
        }
        let spend = |t: &mut Teller, most: i64| 100 + t.below(most.min(balance / 4) as u64) as i64;
        match roll {
            12..=66 => {
                let merchant = MERCHANTS[self.below(MERCHANTS.len() as u64 - 1) as usize];
                let cents = spend(self, 12_000);
                let meta = vec![
                    ("merchant", merchant.to_string()),
                    ("card", self.cards[k].clone()),
                    ("authCode", self.code()),
                ];
                self.push(ts, k, "PAYMENT", cents, meta);
            }
            67..=76 => {
                let atm = ATMS[self.below(ATMS.len() as u64) as usize];
                let cents = (1 + self.below(8) as i64) * 2_000;
                let meta = vec![("atm", atm.to_string()), ("authCode", self.code())];
                if cents < balance / 2 {
                    self.push(ts, k, "WITHDRAW", cents, meta);
                } else {
                    let meta = vec![("payer", "Transfer in".into())];
                    self.push(ts, k, "DEPOSIT", 50_000, meta);
                }
            }
            77..=86 => {
                let payee = PAYEES[self.below(PAYEES.len() as u64) as usize];
                let cents = spend(self, 30_000);
                let meta = vec![
                    ("payee", payee.to_string()),
                    ("reference", format!("INV-{}", 10_000 + self.below(90_000))),
                ];
                self.push(ts, k, "BILL_PAID", cents, meta);
            }
            87..=92 => {
                let merchant = MERCHANTS[self.below(MERCHANTS.len() as u64 - 1) as usize];
                let cents = 100 + self.below(4_000) as i64;
                self.push(
                    ts,
                    k,
                    "REFUND",
                    cents,
                    vec![("merchant", merchant.to_string())],
                );
            }
            93..=96 => {
                let cents = 100 + self.below(900) as i64;
                self.push(ts, k, "FEE", cents, vec![("reason", "card fee".into())]);
            }
            _ => {
                let cents = 1 + self.below(500) as i64;
                self.push(
                    ts,
                    k,
                    "INTEREST_PAID",
                    cents,
                    vec![("period", "monthly".into())],
                );
            }
        }
    }
}

fn at(text: &str) -> Millis {
    parse_time(text).unwrap_or_default()
}

/// The dispute: a card export of exactly 3,000 events over May 2024. `cust-0417` paid Nordlicht
/// Electronics 249.99 at 15:59:03 on 14 May; the terminal timed out and presented the same
/// authorisation (`N7F3Q2`) again 38 s later under a new id. `cust-04170`, an id that differs
/// only by its last digit, bought there for the same amount that afternoon: a real purchase.
fn dispute() -> Vec<Event> {
    let mut names: Vec<String> = (400..460).map(|n| format!("cust-{n:04}")).collect();
    names.push("cust-04170".into());
    let mut t = Teller::new(417, names);
    t.open_all(at("2024-05-01T08:00:00Z"));
    let (start, end) = (at("2024-05-01T09:00:00Z"), at("2024-05-31T21:00:00Z"));
    let story = 3;
    let total = 3_000 - t.events.len() - story;
    for n in 0..total {
        t.everyday(start + (end - start) * n as i64 / total as i64);
    }
    let k = |name: &str| t.names.iter().position(|n| n == name).unwrap_or(0);
    let (dana, lookalike) = (k("cust-0417"), k("cust-04170"));
    let card = |k: usize| t.cards[k].clone();
    let charge = |code: &str, k: usize, note: Option<&str>| {
        let mut meta = vec![
            ("merchant", "Nordlicht Electronics".to_string()),
            ("card", card(k)),
            ("authCode", code.to_string()),
            (
                "terminal",
                if k == dana { "T-2231" } else { "T-2207" }.to_string(),
            ),
        ];
        if let Some(note) = note {
            meta.push(("note", note.to_string()));
        }
        meta
    };
    let first = charge("N7F3Q2", dana, None);
    let again = charge("N7F3Q2", dana, Some("terminal retry after timeout"));
    let other = charge("K2M8W1", lookalike, None);
    t.push(at("2024-05-14T15:59:03Z"), dana, "PAYMENT", 24_999, first);
    t.push(at("2024-05-14T15:59:41Z"), dana, "PAYMENT", 24_999, again);
    t.push(
        at("2024-05-14T16:12:20Z"),
        lookalike,
        "PAYMENT",
        24_999,
        other,
    );
    t.events
}

/// The incident: a sealed ledger of exactly 14,000 events over the first week of June 2024.
/// Every night at 02:00 a batch pays 150 bills; on 3 June the batch `BATCH-0603` lost its
/// acknowledgements and sent 50 of them again, each 8 to 40 s after the first, under new ids.
fn incident() -> Vec<Event> {
    let names: Vec<String> = (1..=400).map(|n| format!("acct-{n:04}")).collect();
    let mut t = Teller::new(603, names);
    t.open_all(at("2024-06-01T00:00:00Z"));
    let days = 7;
    let batch = 150;
    let repeated = 50;
    let everyday = 14_000 - t.events.len() - days * batch - repeated;
    let (start, end) = (at("2024-06-01T06:00:00Z"), at("2024-06-07T23:00:00Z"));
    let mut n = 0;
    for day in 0..days {
        let night = at("2024-06-01T02:00:00Z") + day as i64 * MS_PER_DAY;
        let name = format!("BATCH-06{:02}", day + 1);
        // The day's traffic up to this night's batch.
        while n < everyday && start + (end - start) * n as i64 / everyday as i64 <= night {
            t.everyday(start + (end - start) * n as i64 / everyday as i64);
            n += 1;
        }
        // Each account at most once a night, and only with the money for it.
        let mut accounts: Vec<usize> = (0..t.names.len()).collect();
        for i in (1..accounts.len()).rev() {
            let j = t.below(i as u64 + 1) as usize;
            accounts.swap(i, j);
        }
        let twice: Vec<usize> = if day == 2 {
            (0..batch).step_by(3).take(repeated).collect()
        } else {
            Vec::new()
        };
        for (slot, &k) in accounts.iter().take(batch).enumerate() {
            let ts = night + slot as i64 * 3_000 + t.below(1_000) as i64;
            let payee = PAYEES[t.below(PAYEES.len() as u64) as usize];
            let cents = 2_000 + t.below((t.balances[k] / 5).clamp(1_000, 40_000) as u64) as i64;
            let reference = format!("INV-{}", 10_000 + t.below(90_000));
            let meta = |attempt: u32| {
                vec![
                    ("batch", name.clone()),
                    ("payee", payee.to_string()),
                    ("reference", reference.clone()),
                    ("attempt", attempt.to_string()),
                ]
            };
            t.push(ts, k, "BILL_PAID", cents, meta(1));
            if twice.contains(&slot) {
                let again = ts + 8_000 + t.below(32_000) as i64;
                t.push(again, k, "BILL_PAID", cents, meta(2));
            }
        }
    }
    while n < everyday {
        t.everyday(start + (end - start) * n as i64 / everyday as i64);
        n += 1;
    }
    t.events
}

/// Writes the story's log: its events in time order, one JSON object a line (sealed for the
/// incident, as a ledger of record is).
pub fn write_story<W: Write>(story: Story, mut out: W) -> io::Result<()> {
    let (mut events, sealed, prefix) = match story {
        Story::Dispute => (dispute(), false, "ev"),
        Story::Incident => (incident(), true, "tx"),
    };
    events.sort_by_key(|e| e.ts);
    let mut prev = GENESIS;
    let mut buf = String::with_capacity(events.len() * 400);
    for (n, e) in events.iter().enumerate() {
        let seq = n + 1;
        let mut body = String::with_capacity(300);
        body.push('{');
        if sealed {
            body.push_str(&format!("\"seq\":{seq},"));
        }
        let meta: Vec<String> = e
            .meta
            .iter()
            .map(|(k, v)| format!("\"{k}\":{}", serde_json::Value::from(v.as_str())))
            .collect();
        body.push_str(&format!(
            "\"eventId\":\"{prefix}-{seq:06}\",\"accountId\":\"{}\",\"type\":\"{}\",\"amount\":\"{}.{:02}\",\"timestamp\":\"{}\",\"meta\":{{{}}}",
            e.account,
            e.kind,
            e.cents / 100,
            e.cents % 100,
            format_time(e.ts),
            meta.join(",")
        ));
        if sealed {
            let (line, hash) = seal_line(&body, &prev);
            prev = hash;
            buf.push_str(&line);
        } else {
            body.push('}');
            buf.push_str(&body);
        }
        buf.push('\n');
    }
    out.write_all(buf.as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{LoadOptions, ProblemKind, load_bytes};

    fn load(story: Story) -> crate::ledger::Ledger {
        let mut bytes = Vec::new();
        write_story(story, &mut bytes).unwrap();
        load_bytes("story.jsonl", bytes, &LoadOptions::default())
    }

    #[test]
    fn the_dispute_holds_one_problem_the_charge_presented_twice() {
        let l = load(Story::Dispute);
        assert_eq!(l.len(), 3_000);
        let kinds: Vec<ProblemKind> = l.problems().iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [ProblemKind::PossibleDuplicate], "{kinds:?}");
        let e = l.event(l.problems()[0].event().unwrap() as usize);
        assert_eq!(l.account_name(e.account), "cust-0417");
        assert_eq!(format_time(e.ts), "2024-05-14T15:59:41.000Z");
    }

    #[test]
    fn the_incident_holds_the_fifty_bills_applied_twice_and_verifies() {
        let l = load(Story::Incident);
        assert_eq!(l.len(), 14_000);
        assert_eq!(l.integrity(), crate::ledger::Integrity::Sealed);
        let duplicates = l
            .problems()
            .iter()
            .filter(|p| p.kind == ProblemKind::PossibleDuplicate)
            .count();
        assert_eq!(duplicates, 50);
        let others: Vec<ProblemKind> = l
            .problems()
            .iter()
            .map(|p| p.kind)
            .filter(|&k| k != ProblemKind::PossibleDuplicate)
            .collect();
        assert!(others.is_empty(), "{others:?}");
    }

    #[test]
    fn a_story_gives_the_same_bytes_every_time() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write_story(Story::Incident, &mut a).unwrap();
        write_story(Story::Incident, &mut b).unwrap();
        assert_eq!(a, b);
    }
}
