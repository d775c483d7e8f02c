//! A deterministic synthetic log, realistic enough to explore and big enough to measure: accounts
//! opened before use, a mix of event types with transfers, busy days and quiet nights with bursts,
//! and a small rate of anomalies (overdrafts, duplicated ids, late events, unknown types).
//!
//! The same seed always gives the same bytes.

use std::io::{self, Write};

use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use sha2::{Digest, Sha256};

use super::chain::GENESIS;
use super::time::{MS_PER_HOUR, write_time};

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct GenerateOptions {
    pub events: u64,
    pub accounts: u64,
    pub seed: u64,
    /// Write a hash-chained log (with `seq`, `prev` and `hash`).
    pub sealed: bool,
}

/// The most accounts a log may be generated with: the generator keeps each account's balance in
/// memory (9 bytes each, 90 MB at most).
pub const MAX_ACCOUNTS: u64 = 10_000_000;

/// The most events a log may be generated with: time moves on by at most 4 s per event, and 10
/// billion events (some 1.5 TB of log) end before the year 3300, well within the times a log
/// can hold.
pub const MAX_EVENTS: u64 = 10_000_000_000;

/// A size the generator cannot honour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// No accounts, or more than [`MAX_ACCOUNTS`].
    #[error(
        "{0} accounts: give 1 to {max} accounts (each account's balance is kept in memory)",
        max = crate::text::group(MAX_ACCOUNTS)
    )]
    Accounts(u64),
    /// More than [`MAX_EVENTS`] events.
    #[error("{0} events: give at most {max} events", max = crate::text::group(MAX_EVENTS))]
    Events(u64),
}

impl GenerateOptions {
    /// Refuses sizes the generator cannot honour, before anything is allocated or written.
    pub fn check(&self) -> Result<(), SizeError> {
        if self.accounts == 0 || self.accounts > MAX_ACCOUNTS {
            return Err(SizeError::Accounts(self.accounts));
        }
        if self.events > MAX_EVENTS {
            return Err(SizeError::Events(self.events));
        }
        Ok(())
    }
}

/// 2024-03-01T00:00:00Z, where every generated log starts.
const START: i64 = 1_709_251_200_000;

/// Generates the log into `out`. Writes in large pieces; `out` need not be buffered. Sizes
/// [`GenerateOptions::check`] refuses are an [`io::ErrorKind::InvalidInput`] error.
pub fn generate<W: Write>(options: GenerateOptions, out: W) -> io::Result<()> {
    options
        .check()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    Generator::new(options).run(out)
}

struct Generator {
    options: GenerateOptions,
    rng: Pcg64Mcg,
    /// Balances in cents, to keep most accounts solvent (and to overdraw on purpose).
    balances: Vec<i64>,
    opened: Vec<bool>,
    now: i64,
    seq: u64,
    prev: [u8; 32],
    last_id: u64,
    width: usize,
}

impl Generator {
    fn new(options: GenerateOptions) -> Generator {
        let accounts = options.accounts.max(1) as usize;
        Generator {
            options,
            rng: Pcg64Mcg::seed_from_u64(options.seed),
            balances: vec![0; accounts],
            opened: vec![false; accounts],
            now: START,
            seq: 0,
            prev: GENESIS,
            last_id: 0,
            width: (accounts as f64).log10().floor() as usize + 1,
        }
    }

    fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n.max(1)
    }

    fn chance(&mut self, per_million: u64) -> bool {
        self.below(1_000_000) < per_million
    }

    /// Time moves on: busy by day, quiet at night, with the odd burst.
    fn advance(&mut self) {
        let hour = (self.now.rem_euclid(24 * MS_PER_HOUR)) / MS_PER_HOUR;
        let mean_gap_ms: u64 = match hour {
            0..=5 => 2_000,
            6..=8 | 20..=23 => 400,
            _ => 120,
        };
        let gap = if self.chance(20_000) {
            0 // a burst: several events in the same millisecond
        } else {
            self.below(2 * mean_gap_ms) + 1
        };
        self.now += gap as i64;
    }

    fn run<W: Write>(mut self, mut out: W) -> io::Result<()> {
        let mut buf: Vec<u8> = Vec::with_capacity(8 << 20);
        let mut written = 0u64;
        while written < self.options.events {
            self.advance();
            let account = self.below(self.options.accounts.max(1)) as usize;
            if !self.opened[account] {
                self.opened[account] = true;
                let opening = (self.below(500_000) + 1_000) as i64;
                self.balances[account] += opening;
                self.record(
                    &mut buf,
                    account,
                    "ACCOUNT_OPENED",
                    Some(opening),
                    None,
                    self.now,
                );
                written += 1;
                continue;
            }
            let roll = self.below(1000);
            let mut ts = self.now;
            if self.chance(100) {
                // A late event: recorded now, stamped minutes ago.
                ts -= (self.below(30) as i64 + 1) * 60_000;
            }
            let balance = self.balances[account];
            match roll {
                0..=299 => {
                    let cents = (self.below(200_000) + 100) as i64;
                    self.balances[account] += cents;
                    self.record(&mut buf, account, "DEPOSIT", Some(cents), None, ts);
                }
                300..=649 => {
                    // Mostly within the balance; now and then an overdraft.
                    let cap = if self.chance(300) {
                        balance.max(0) + 50_000
                    } else {
                        balance / 3
                    };
                    let cents = (self.below(cap.max(100) as u64) + 1) as i64;
                    self.balances[account] -= cents;
                    let kind = if roll < 500 { "PAYMENT" } else { "WITHDRAW" };
                    self.record(&mut buf, account, kind, Some(cents), None, ts);
                }
                650..=799 => {
                    let to = self.below(self.options.accounts.max(1)) as usize;
                    if to == account || !self.opened[to] {
                        let cents = (self.below(5_000) + 100) as i64;
                        self.balances[account] += cents;
                        self.record(&mut buf, account, "REFUND", Some(cents), None, ts);
                    } else {
                        let cents = (self.below((balance / 4).max(100) as u64) + 1) as i64;
                        self.balances[account] -= cents;
                        self.balances[to] += cents;
                        self.record(&mut buf, account, "TRANSFER", Some(cents), Some(to), ts);
                    }
                }
                800..=899 => {
                    let cents = (self.below((balance / 5).max(100) as u64) + 1) as i64;
                    self.balances[account] -= cents;
                    self.record(&mut buf, account, "BILL_PAID", Some(cents), None, ts);
                }
                900..=959 => {
                    let cents = (self.below(500) + 1) as i64;
                    self.balances[account] -= cents;
                    self.record(&mut buf, account, "FEE", Some(cents), None, ts);
                }
                960..=998 => {
                    let cents = (self.below(300) + 1) as i64;
                    self.balances[account] += cents;
                    self.record(&mut buf, account, "INTEREST_PAID", Some(cents), None, ts);
                }
                _ => {
                    // A change of state that moves no money (no field: it sets nothing).
                    self.record(&mut buf, account, "AddressChanged", None, None, ts);
                }
            }
            written += 1;
            if buf.len() > (7 << 20) {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        out.write_all(&buf)?;
        out.flush()
    }

    /// Writes one record, with its newline, at the end of `line`.
    fn record(
        &mut self,
        line: &mut Vec<u8>,
        account: usize,
        kind: &str,
        cents: Option<i64>,
        to: Option<usize>,
        ts: i64,
    ) {
        let start = line.len();
        line.push(b'{');
        if self.options.sealed {
            self.seq += 1;
            line.extend_from_slice(b"\"seq\":");
            line.extend_from_slice(itoa::Buffer::new().format(self.seq).as_bytes());
            line.push(b',');
        }
        // A duplicated id now and then: the same event delivered twice.
        let duplicate = self.last_id > 0 && self.rng.next_u64() % 1_000_000 < 100;
        let id = if duplicate {
            self.last_id
        } else {
            self.rng.next_u64() | 1
        };
        self.last_id = id;
        line.extend_from_slice(b"\"eventId\":\"");
        push_hex(line, id);
        line.extend_from_slice(b"\",\"accountId\":\"acc-");
        push_padded(line, account as u64, self.width);
        line.extend_from_slice(b"\",\"type\":\"");
        line.extend_from_slice(kind.as_bytes());
        line.push(b'"');
        if let Some(cents) = cents {
            line.extend_from_slice(b",\"amount\":\"");
            line.extend_from_slice(itoa::Buffer::new().format(cents / 100).as_bytes());
            line.push(b'.');
            push_padded(line, (cents % 100) as u64, 2);
            line.push(b'"');
        }
        if let Some(to) = to {
            line.extend_from_slice(b",\"to\":\"acc-");
            push_padded(line, to as u64, self.width);
            line.push(b'"');
        }
        line.extend_from_slice(b",\"timestamp\":\"");
        write_time(ts, line);
        line.push(b'"');
        if self.options.sealed {
            line.extend_from_slice(b",\"prev\":\"");
            push_hex_bytes(line, &self.prev);
            line.push(b'"');
            let hash: [u8; 32] = Sha256::digest(&line[start..]).into();
            line.extend_from_slice(b",\"hash\":\"");
            push_hex_bytes(line, &hash);
            line.push(b'"');
            self.prev = hash;
        }
        line.extend_from_slice(b"}\n");
    }
}

fn push_hex_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(HEX[(b >> 4) as usize]);
        out.push(HEX[(b & 15) as usize]);
    }
}

fn push_hex(out: &mut Vec<u8>, v: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        out.push(HEX[((v >> (shift * 4)) & 15) as usize]);
    }
}

fn push_padded(out: &mut Vec<u8>, v: u64, width: usize) {
    let mut b = itoa::Buffer::new();
    let digits = b.format(v).as_bytes();
    for _ in digits.len()..width {
        out.push(b'0');
    }
    out.extend_from_slice(digits);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Integrity, LoadOptions, ProblemKind, load_bytes};

    fn bytes(options: GenerateOptions) -> Vec<u8> {
        let mut out = Vec::new();
        generate(options, &mut out).unwrap();
        out
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes() {
        let o = GenerateOptions {
            events: 5_000,
            accounts: 50,
            seed: 7,
            sealed: false,
        };
        assert_eq!(bytes(o), bytes(o));
        assert_ne!(bytes(o), bytes(GenerateOptions { seed: 8, ..o }));
    }

    #[test]
    fn the_bytes_of_a_seed_do_not_change_from_one_version_to_the_next() {
        let digest =
            |o: GenerateOptions| crate::ledger::chain::to_hex(&Sha256::digest(bytes(o)).into());
        let o = GenerateOptions {
            events: 5_000,
            accounts: 50,
            seed: 7,
            sealed: false,
        };
        assert_eq!(
            digest(o),
            "87c899be9116c58b28d2db086eddfa1435a80e8c909de4efed7eccbc13565c2b"
        );
        let sealed = GenerateOptions {
            events: 2_000,
            accounts: 20,
            sealed: true,
            ..o
        };
        assert_eq!(
            digest(sealed),
            "038073ae8c0fc643dbb38a39a5c18947896da3630540eebcdbebd2472b60a38b"
        );
    }

    #[test]
    fn a_generated_log_loads_with_the_expected_shape() {
        let o = GenerateOptions {
            events: 200_000,
            accounts: 300,
            seed: 1,
            sealed: false,
        };
        let l = load_bytes("gen", bytes(o), &LoadOptions::default());
        assert_eq!(l.len(), 200_000);
        assert_eq!(l.account_count(), 300);
        let count = |k: ProblemKind| l.problems().iter().filter(|p| p.kind == k).count();
        // Rare anomalies of each kind, and no line that fails to parse.
        for kind in [
            ProblemKind::OutOfOrder,
            ProblemKind::DuplicateId,
            ProblemKind::Overdraft,
        ] {
            let n = count(kind);
            assert!(n > 0 && n < 2_000, "{kind}: {n}");
        }
        assert!(l.problems().iter().all(|p| !p.kind.is_bad_line()));
        assert_eq!(l.integrity(), Integrity::Unsealed);
        // The rare `AddressChanged` is a change of state (the default rule), no unknown type.
        let changes = (0..l.len())
            .filter(|&i| l.type_name(l.event(i).kind) == "AddressChanged")
            .count();
        assert!(changes > 0 && changes < 2_000, "{changes}");
        assert_eq!(count(ProblemKind::UnknownType), 0);
    }

    #[test]
    fn sizes_that_cannot_be_honoured_are_refused_before_anything_is_allocated() {
        let o = GenerateOptions {
            events: 10,
            accounts: 10,
            seed: 1,
            sealed: false,
        };
        for bad in [
            GenerateOptions { accounts: 0, ..o },
            GenerateOptions {
                accounts: 100_000_000_000,
                ..o
            },
            GenerateOptions {
                accounts: u64::MAX,
                ..o
            },
            GenerateOptions {
                events: u64::MAX,
                ..o
            },
        ] {
            let mut out = Vec::new();
            let err = generate(bad, &mut out).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
            assert!(out.is_empty());
        }
        let edge = GenerateOptions {
            accounts: MAX_ACCOUNTS,
            events: 3,
            ..o
        };
        assert!(edge.check().is_ok());
    }

    #[test]
    fn a_sealed_log_verifies() {
        let o = GenerateOptions {
            events: 20_000,
            accounts: 40,
            seed: 3,
            sealed: true,
        };
        let l = load_bytes("gen", bytes(o), &LoadOptions::default());
        assert_eq!(l.integrity(), Integrity::Sealed);
        assert_eq!(l.seq_of(19_999), 20_000);
    }
}
