//! The event model: what an event is, and what each event type does to a balance.

use std::collections::HashMap;
use std::path::Path;

use super::money::Money;
use super::time::Millis;

/// What an event type does to balances.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `+amount` on the account.
    Credit,
    /// `-amount` on the account.
    Debit,
    /// Opens the account; credits an opening amount when one is given.
    Open,
    /// Closes the account: no effect, later events on it are a problem.
    Close,
    /// `-amount` on the account, `+amount` on `to`.
    Transfer,
    /// A type the team declared as having no effect on balances (no problem is reported).
    Ignore,
    /// A type nobody declared: no effect, and an `unknown-type` problem.
    Unknown,
}

impl Effect {
    /// The effect's lower-case name (`credit`, …, `unknown`), as a mapping file's keys spell it.
    pub fn name(self) -> &'static str {
        match self {
            Effect::Credit => "credit",
            Effect::Debit => "debit",
            Effect::Open => "open",
            Effect::Close => "close",
            Effect::Transfer => "transfer",
            Effect::Ignore => "ignore",
            Effect::Unknown => "unknown",
        }
    }

    /// Whether an event of this effect needs an amount to mean anything.
    pub fn needs_amount(self) -> bool {
        matches!(self, Effect::Credit | Effect::Debit | Effect::Transfer)
    }
}

/// An account, a type or any other repeated string, stored once; events hold the index.
pub type AccountId = u32;
/// An event type, stored once; events hold the index.
pub type TypeId = u16;

/// No account (an event that is not a transfer has no `to`).
pub const NO_ACCOUNT: AccountId = AccountId::MAX;

/// Bits of [`LedgerEvent::flags`].
pub mod flags {
    /// The event has an `amount`.
    pub const HAS_AMOUNT: u8 = 1;
    /// The event carries an event id.
    pub const HAS_ID: u8 = 2;
    /// The record carries `prev`/`hash` members (it is part of a sealed log).
    pub const SEALED: u8 = 4;
    /// There is a problem about this very event.
    pub const PROBLEM: u8 = 8;
    /// The record gives a member name more than once: readers disagree on what it says, so it
    /// has no effect at all (no money moves, no account opens or closes).
    pub const REPEATED: u8 = 16;
}

/// One event of the log, compact: strings are interned, the raw text stays in the source and is
/// found again by `offset` and `len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerEvent {
    /// UTC milliseconds.
    pub ts: Millis,
    /// The amount as written (zero when absent, see [`flags::HAS_AMOUNT`]).
    pub amount: Money,
    /// Byte offset of the raw record in the source.
    pub offset: u64,
    /// Where the event is: the file line (1-based), or a database row's position.
    pub line: u64,
    /// Length of the raw record in bytes.
    pub len: u32,
    /// The account the event is on.
    pub account: AccountId,
    /// The destination of a transfer, or [`NO_ACCOUNT`].
    pub to: AccountId,
    /// The event's type, as written (see [`TypeMap`] for what it does).
    pub kind: TypeId,
    /// Facts about the record: the bits of [`flags`].
    pub flags: u8,
}

impl LedgerEvent {
    /// Whether the record gives an `amount` (see [`flags::HAS_AMOUNT`]).
    pub fn has_amount(&self) -> bool {
        self.flags & flags::HAS_AMOUNT != 0
    }

    /// The destination of a transfer; `None` for an event without `to`.
    pub fn to_account(&self) -> Option<AccountId> {
        (self.to != NO_ACCOUNT).then_some(self.to)
    }

    /// Whether the record gives a member more than once (see [`flags::REPEATED`]).
    pub fn is_ambiguous(&self) -> bool {
        self.flags & flags::REPEATED != 0
    }
}

/// The change an event of `effect` makes to the balance of `account`: `None` when it does not
/// touch that account or moves no money.
pub fn delta_for(event: &LedgerEvent, effect: Effect, account: AccountId) -> Option<Money> {
    if !event.has_amount() || event.is_ambiguous() {
        return None;
    }
    match effect {
        Effect::Credit | Effect::Open if event.account == account => Some(event.amount),
        Effect::Debit if event.account == account => Some(-event.amount),
        Effect::Transfer if event.to == NO_ACCOUNT => None,
        Effect::Transfer if event.account == account && event.to == account => Some(Money::ZERO),
        Effect::Transfer if event.account == account => Some(-event.amount),
        Effect::Transfer if event.to == account => Some(event.amount),
        _ => None,
    }
}

/// Reads a type name the way FORMAT.md's "Event types" does: case-insensitive, with `-`, spaces and
/// camel-case word boundaries read as `_`. `MoneyDeposited`, `money-deposited` and
/// `MONEY_DEPOSITED` all become `MONEY_DEPOSITED`.
pub fn normalize_type(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c == '-' || c == '_' || c == '.' || c.is_whitespace() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_uppercase() && i > 0 && !out.ends_with('_') {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            // fooBar -> FOO_BAR, HTTPRequest -> HTTP_REQUEST, Account2Opened -> ACCOUNT2_OPENED
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_uppercase());
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// The table from (normalized) type names to effects: FORMAT.md's defaults plus a team's own.
#[derive(Clone, Debug)]
pub struct TypeMap {
    effects: HashMap<String, Effect>,
    /// The state rules and checks of the file (`[state.X]`, `[[check]]`).
    rules: std::sync::Arc<super::state::Rules>,
    /// How near-duplicates are looked for (`[duplicates]`).
    duplicates: super::near_duplicates::Duplicates,
}

const DEFAULTS: &[(Effect, &[&str])] = &[
    (
        Effect::Credit,
        &[
            "DEPOSIT",
            "MONEY_DEPOSITED",
            "DEPOSITED",
            "CREDIT",
            "INTEREST_PAID",
            "REFUND",
        ],
    ),
    (
        Effect::Debit,
        &[
            "WITHDRAW",
            "WITHDRAWAL",
            "WITHDRAWN",
            "MONEY_WITHDRAWN",
            "BILL_PAID",
            "PAYMENT",
            "FEE",
            "DEBIT",
            "CHARGE",
        ],
    ),
    (Effect::Open, &["ACCOUNT_OPENED", "ACCOUNT_CREATED"]),
    (Effect::Close, &["ACCOUNT_CLOSED"]),
    (Effect::Transfer, &["TRANSFER", "MONEY_TRANSFERRED"]),
];

/// Why a type mapping file was refused.
#[derive(Debug, thiserror::Error)]
pub enum TypeMapError {
    /// The mapping file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The mapping file's path, as the message shows it.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The mapping file is not TOML, or not a mapping rewind understands.
    #[error("{path}:{line}: {message}")]
    Syntax {
        /// The mapping file's path, as the message shows it.
        path: String,
        /// The line the error is on, counted from 1.
        line: usize,
        /// What is wrong, as a sentence.
        message: String,
    },
}

impl Default for TypeMap {
    fn default() -> Self {
        let mut effects = HashMap::new();
        for (effect, names) in DEFAULTS {
            for name in *names {
                effects.insert((*name).to_string(), *effect);
            }
        }
        TypeMap {
            effects,
            rules: Default::default(),
            duplicates: Default::default(),
        }
    }
}

impl TypeMap {
    /// The effect of a type name as found in a log. A type no table knows that changes state
    /// (by a `[state.X]` rule, or by the default rule for `*_CHANGED`, `*_UPDATED`, `*_SET`)
    /// moves no money and is no problem: [`Effect::Ignore`].
    pub fn effect(&self, raw_name: &str) -> Effect {
        let normal = normalize_type(raw_name);
        match self.effects.get(&normal) {
            Some(effect) => *effect,
            None if self.rules.handles(&normal) => Effect::Ignore,
            None => Effect::Unknown,
        }
    }

    /// The state rules and checks of the mapping file.
    pub fn rules(&self) -> &super::state::Rules {
        &self.rules
    }

    /// How near-duplicates are looked for (the `[duplicates]` table of the mapping file).
    pub fn duplicates(&self) -> &super::near_duplicates::Duplicates {
        &self.duplicates
    }

    /// Adds (or overrides) the effect of a type name.
    pub fn insert(&mut self, name: &str, effect: Effect) {
        self.effects.insert(normalize_type(name), effect);
    }

    /// The defaults plus the names of a TOML mapping file (see `assets/types.toml`).
    pub fn from_toml_file(path: &Path) -> Result<TypeMap, TypeMapError> {
        let text = std::fs::read_to_string(path).map_err(|source| TypeMapError::Read {
            path: path.display().to_string(),
            source,
        })?;
        TypeMap::from_toml_str(&text).map_err(|(line, message)| TypeMapError::Syntax {
            path: path.display().to_string(),
            line,
            message,
        })
    }

    /// Parses a mapping: top-level keys `credit`, `debit`, `open`, `close`, `transfer` and
    /// `ignore`, each an array of type names. Errors carry the 1-based line.
    pub fn from_toml_str(text: &str) -> Result<TypeMap, (usize, String)> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e.span().map(|s| line_of(s.start)).unwrap_or(1);
            (line, e.message().to_string())
        })?;
        let mut map = TypeMap {
            rules: std::sync::Arc::new(super::state::Rules::from_toml(text, &mut table)?),
            duplicates: super::near_duplicates::Duplicates::from_toml(text, &mut table)?,
            ..TypeMap::default()
        };
        // The effect each name got in this file, to refuse a name given two effects.
        let mut given: std::collections::HashMap<String, (&str, Effect)> =
            std::collections::HashMap::new();
        // The line that defines `key` (not a comment that mentions it).
        let find_line = |key: &str| {
            text.lines()
                .position(|line| {
                    let t = line.trim_start();
                    t.strip_prefix(key)
                        .is_some_and(|rest| rest.trim_start().starts_with('='))
                })
                .map_or(1, |i| i + 1)
        };
        for (key, value) in &table {
            let effect = match key.as_str() {
                "credit" => Effect::Credit,
                "debit" => Effect::Debit,
                "open" => Effect::Open,
                "close" => Effect::Close,
                "transfer" => Effect::Transfer,
                "ignore" => Effect::Ignore,
                other => {
                    return Err((
                        find_line(other),
                        format!(
                            "unknown effect `{other}` (use credit, debit, open, close, transfer or ignore)"
                        ),
                    ));
                }
            };
            let names = value.as_array().ok_or_else(|| {
                (
                    find_line(key),
                    format!("`{key}` must be an array of type names"),
                )
            })?;
            for name in names {
                let name = name.as_str().ok_or_else(|| {
                    (find_line(key), format!("`{key}` must contain only strings"))
                })?;
                let normal = normalize_type(name);
                if normal.is_empty() {
                    return Err((find_line(key), format!("`{key}` has an empty type name")));
                }
                if let Some((other, before)) = given.insert(normal.clone(), (key.as_str(), effect))
                    && before != effect
                {
                    return Err((
                        find_line(key),
                        format!(
                            "`{name}` is under both `{other}` and `{key}` (type names are compared \
                             as {normal}): give it one effect"
                        ),
                    ));
                }
                map.insert(name, effect);
            }
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_normalize_as_the_spec_says() {
        for (raw, norm) in [
            ("MoneyDeposited", "MONEY_DEPOSITED"),
            ("money-deposited", "MONEY_DEPOSITED"),
            ("MONEY_DEPOSITED", "MONEY_DEPOSITED"),
            ("money deposited", "MONEY_DEPOSITED"),
            ("moneyDeposited", "MONEY_DEPOSITED"),
            ("Deposit", "DEPOSIT"),
            ("HTTPRequestSent", "HTTP_REQUEST_SENT"),
            ("Account2Opened", "ACCOUNT2_OPENED"),
            ("  bill--paid ", "BILL_PAID"),
            ("withdraw", "WITHDRAW"),
        ] {
            assert_eq!(normalize_type(raw), norm, "{raw}");
        }
    }

    #[test]
    fn defaults_cover_the_spec_table() {
        let map = TypeMap::default();
        assert_eq!(map.effect("DEPOSIT"), Effect::Credit);
        assert_eq!(map.effect("InterestPaid"), Effect::Credit);
        assert_eq!(map.effect("refund"), Effect::Credit);
        assert_eq!(map.effect("WITHDRAW"), Effect::Debit);
        assert_eq!(map.effect("bill-paid"), Effect::Debit);
        assert_eq!(map.effect("MoneyWithdrawn"), Effect::Debit);
        assert_eq!(map.effect("Charge"), Effect::Debit);
        assert_eq!(map.effect("AccountOpened"), Effect::Open);
        assert_eq!(map.effect("account_created"), Effect::Open);
        assert_eq!(map.effect("AccountClosed"), Effect::Close);
        assert_eq!(map.effect("MoneyTransferred"), Effect::Transfer);
        assert_eq!(map.effect("transfer"), Effect::Transfer);
        assert_eq!(
            map.effect("AddressChanged"),
            Effect::Ignore,
            "a change of state"
        );
        assert_eq!(map.effect("AddressMoved"), Effect::Unknown);
    }

    #[test]
    fn a_mapping_file_adds_names() {
        let map = TypeMap::from_toml_str(
            "# salary\ncredit = [\"SalaryPaid\"]\ndebit = [\"card-purchase\"]\nignore = [\"EmailChanged\"]\n",
        )
        .unwrap();
        assert_eq!(map.effect("SALARY_PAID"), Effect::Credit);
        assert_eq!(map.effect("CardPurchase"), Effect::Debit);
        assert_eq!(map.effect("emailChanged"), Effect::Ignore);
        assert_eq!(map.effect("DEPOSIT"), Effect::Credit, "defaults stay");
    }

    #[test]
    fn the_bundled_sample_mapping_parses() {
        let map = TypeMap::from_toml_str(include_str!("../../assets/types.toml")).unwrap();
        assert_ne!(map.effect("SalaryPaid"), Effect::Unknown);
    }

    #[test]
    fn a_bad_mapping_names_its_line() {
        let (line, message) =
            TypeMap::from_toml_str("credit = [\"A\"]\nspend = [\"B\"]\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(message.contains("spend"), "{message}");
        let (line, _) = TypeMap::from_toml_str("credit = [\"A\"]\n\ndebit = \"B\"\n").unwrap_err();
        assert_eq!(line, 3);
        let (line, _) =
            TypeMap::from_toml_str("# debit = [] is allowed\ncredit = [\"A\"]\ndebit = \"B\"\n")
                .unwrap_err();
        assert_eq!(line, 3, "a comment that names the key is not its line");
        let (line, _) = TypeMap::from_toml_str("credit = [\"A\"\ndebit = [").unwrap_err();
        assert!(line >= 1);
        // One name, two effects (the table's keys come in no particular order).
        let (line, message) =
            TypeMap::from_toml_str("credit = [\"Foo\"]\ndebit = [\"foo\"]\n").unwrap_err();
        assert!((1..=2).contains(&line));
        assert!(
            message.contains("under both `credit` and `debit`"),
            "{message}"
        );
        // The same effect twice is no conflict.
        assert!(TypeMap::from_toml_str("credit = [\"Foo\", \"FOO\"]\n").is_ok());
    }

    #[test]
    fn deltas_follow_the_effects() {
        let m = |s: &str| Money::parse(s).unwrap();
        let ev = |account, to, amount: Option<Money>| LedgerEvent {
            ts: 0,
            amount: amount.unwrap_or(Money::ZERO),
            offset: 0,
            line: 1,
            len: 0,
            account,
            to,
            kind: 0,
            flags: if amount.is_some() {
                flags::HAS_AMOUNT
            } else {
                0
            },
        };
        let e = ev(1, NO_ACCOUNT, Some(m("5")));
        assert_eq!(delta_for(&e, Effect::Credit, 1), Some(m("5")));
        assert_eq!(delta_for(&e, Effect::Debit, 1), Some(m("-5")));
        assert_eq!(delta_for(&e, Effect::Open, 1), Some(m("5")));
        assert_eq!(delta_for(&e, Effect::Close, 1), None);
        assert_eq!(delta_for(&e, Effect::Unknown, 1), None);
        assert_eq!(delta_for(&e, Effect::Credit, 2), None);
        assert_eq!(
            delta_for(&e, Effect::Transfer, 1),
            None,
            "transfer without to"
        );
        let t = ev(1, 2, Some(m("5")));
        assert_eq!(delta_for(&t, Effect::Transfer, 1), Some(m("-5")));
        assert_eq!(delta_for(&t, Effect::Transfer, 2), Some(m("5")));
        let none = ev(1, NO_ACCOUNT, None);
        assert_eq!(delta_for(&none, Effect::Credit, 1), None);
    }
}
