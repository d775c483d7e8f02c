//! An event to be written, and the one check every writer holds it to before anything is written.
//!
//! Pure: no I/O. A log file and a database get the same event, checked by the same rules, refused
//! with the same [`Invalid`] (worded by the front-end).

use std::collections::HashSet;
use std::fmt;

use super::event::{Effect, TypeMap};
use super::money::Money;
use super::time::{Millis, format_time, parse_time};

/// One event to append, before a store gives it its place (a seq and a hash in a log, a position
/// in a database).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewEvent {
    /// The event id; a fresh UUID when `None`.
    pub id: Option<String>,
    /// The account the event is on.
    pub account: String,
    /// The event type as written (`DEPOSIT`, …); the [`TypeMap`] says what it does.
    pub kind: String,
    /// The amount the event moves, positive; `None` where the type needs none (an open, a close).
    pub amount: Option<Money>,
    /// The destination account of a transfer; `None` for every other type.
    pub to: Option<String>,
    /// The event's time; the time of the write when `None`.
    pub at: Option<Millis>,
    /// Free-form details (`meta` in a log, `metadata` in a database), each key once.
    pub meta: Vec<(String, String)>,
}

impl NewEvent {
    /// Writes the event's members, as every writer of a whole event writes them (a log's record
    /// after its `seq`, a topic's message): id, account, type, amount, to, time, meta.
    pub fn write_members(&self, id: &str, ts: Millis, out: &mut Vec<u8>) {
        use super::json::write::{key, push_str};
        key(out, "eventId");
        push_str(out, id);
        key(out, "accountId");
        push_str(out, &self.account);
        key(out, "type");
        push_str(out, &self.kind);
        if let Some(amount) = self.amount {
            key(out, "amount");
            push_str(out, &amount.to_string());
        }
        if let Some(to) = &self.to {
            key(out, "to");
            push_str(out, to);
        }
        key(out, "timestamp");
        push_str(out, &format_time(ts));
        if !self.meta.is_empty() {
            key(out, "meta");
            out.push(b'{');
            for (k, v) in &self.meta {
                key(out, k);
                push_str(out, v);
            }
            out.push(b'}');
        }
    }
}

/// The part of an event a name was given for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// The account an event is on.
    Account,
    /// The event type.
    Type,
    /// The event id.
    Id,
    /// The destination account of a transfer.
    To,
    /// A key of the event's meta.
    MetaKey,
}

impl Field {
    /// The field's name in a sentence.
    pub fn name(self) -> &'static str {
        match self {
            Field::Account => "account",
            Field::Type => "type",
            Field::Id => "event id",
            Field::To => "destination account",
            Field::MetaKey => "meta key",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an event may not be written. Nothing was written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// A name is empty or only white space.
    #[error("the {field} is empty")]
    Empty {
        /// Which name is empty.
        field: Field,
    },
    /// A name holds a character that a screen would not show as written.
    #[error(
        "the {field} `{}` contains {}: a name may not hold control, bidirectional, invisible or \
         unassigned characters",
        crate::text::visible(.text),
        crate::text::describe(*.found)
    )]
    BadName {
        /// Which name it is.
        field: Field,
        /// The name as given.
        text: String,
        /// The first character that may not be in a name.
        found: char,
    },
    /// A meta value holds a control, bidirectional control or line separator.
    #[error(
        "meta {key}: the value contains {}, which is not written",
        crate::text::describe(*.found)
    )]
    BadValue {
        /// The meta key whose value it is.
        key: String,
        /// The first character that may not be in a value.
        found: char,
    },
    /// A meta key is given twice.
    #[error("meta {key} is given twice")]
    MetaTwice {
        /// The key given twice.
        key: String,
    },
    /// A zero or negative amount (the type says which way money goes).
    #[error("amount {amount}: an amount must be positive (the type says which way it goes)")]
    NotPositive {
        /// The amount given.
        amount: Money,
    },
    /// A type nobody declared: the event would move no money.
    #[error("type {kind}: unknown event type, it would move no money")]
    UnknownType {
        /// The event type given.
        kind: String,
    },
    /// A credit, debit or transfer without an amount.
    #[error("type {kind}: a {} needs an amount", .effect.name())]
    NeedsAmount {
        /// The event type given.
        kind: String,
        /// What the type does to balances.
        effect: Effect,
    },
    /// An amount on a type that closes an account.
    #[error("type {kind}: closing an account moves no money, so an amount is not allowed")]
    AmountOnClose {
        /// The event type given.
        kind: String,
    },
    /// A transfer without a destination.
    #[error("type {kind}: a transfer needs a destination account")]
    NeedsTo {
        /// The event type given.
        kind: String,
    },
    /// A transfer to the account it comes from.
    #[error("destination {to}: a transfer to the same account moves nothing")]
    ToSelf {
        /// The destination account, the same as the event's account.
        to: String,
    },
    /// A destination on a type that is not a transfer.
    #[error("a destination account is only for transfers, and `{kind}` is a {}", .effect.name())]
    ToOnNonTransfer {
        /// The event type given.
        kind: String,
        /// What the type does to balances.
        effect: Effect,
    },
    /// A time that cannot be written and read back to the same millisecond.
    #[error("time {at} ms is outside the times a log can hold")]
    TimeOutOfRange {
        /// The time given, in milliseconds since 1970-01-01 UTC.
        at: Millis,
    },
}

/// A name (account, type, id, meta key) is not empty and holds no control, bidirectional,
/// invisible or unassigned character: what is written is what any screen shows.
pub fn check_name(field: Field, text: &str) -> Result<(), Invalid> {
    if text.trim().is_empty() {
        return Err(Invalid::Empty { field });
    }
    match crate::text::forbidden_in_name(text) {
        Some(found) => Err(Invalid::BadName {
            field,
            text: text.to_string(),
            found,
        }),
        None => Ok(()),
    }
}

/// A meta value holds no control, bidirectional control or line separator, so the record printed
/// back is exactly the bytes written.
pub fn check_value(key: &str, text: &str) -> Result<(), Invalid> {
    match crate::text::forbidden_in_value(text) {
        Some(found) => Err(Invalid::BadValue {
            key: key.to_string(),
            found,
        }),
        None => Ok(()),
    }
}

/// A time that can be written as `2024-03-01T12:00:00.000Z` and read back to the same millisecond.
pub fn check_time(at: Millis) -> Result<(), Invalid> {
    match parse_time(&format_time(at)) {
        Ok(back) if back == at => Ok(()),
        _ => Err(Invalid::TimeOutOfRange { at }),
    }
}

impl NewEvent {
    /// Checks everything that does not depend on the store: non-empty names without control
    /// characters, each meta key once, a positive amount where the type needs one, `to` exactly
    /// for transfers, a known type, a time that can be written and read back.
    pub fn validate(&self, types: &TypeMap) -> Result<(), Invalid> {
        check_name(Field::Account, &self.account)?;
        check_name(Field::Type, &self.kind)?;
        if let Some(id) = &self.id {
            check_name(Field::Id, id)?;
        }
        if let Some(to) = &self.to {
            check_name(Field::To, to)?;
        }
        let mut keys = HashSet::new();
        for (k, v) in &self.meta {
            check_name(Field::MetaKey, k)?;
            check_value(k, v)?;
            if !keys.insert(k.as_str()) {
                return Err(Invalid::MetaTwice { key: k.clone() });
            }
        }
        if let Some(amount) = self.amount
            && !amount.is_positive()
        {
            return Err(Invalid::NotPositive { amount });
        }
        let kind = || self.kind.clone();
        let effect = types.effect(&self.kind);
        match effect {
            Effect::Unknown => return Err(Invalid::UnknownType { kind: kind() }),
            e if e.needs_amount() && self.amount.is_none() => {
                return Err(Invalid::NeedsAmount {
                    kind: kind(),
                    effect: e,
                });
            }
            Effect::Close if self.amount.is_some() => {
                return Err(Invalid::AmountOnClose { kind: kind() });
            }
            _ => {}
        }
        match (&self.to, effect) {
            (None, Effect::Transfer) => return Err(Invalid::NeedsTo { kind: kind() }),
            (Some(to), Effect::Transfer) if *to == self.account => {
                return Err(Invalid::ToSelf { to: to.clone() });
            }
            (Some(_), e) if e != Effect::Transfer => {
                return Err(Invalid::ToOnNonTransfer {
                    kind: kind(),
                    effect: e,
                });
            }
            _ => {}
        }
        if let Some(at) = self.at {
            check_time(at)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> NewEvent {
        NewEvent {
            id: Some("e-1".into()),
            account: "acc-1".into(),
            kind: "DEPOSIT".into(),
            amount: Some(Money::parse("100.00").unwrap()),
            to: None,
            at: Some(1_709_294_400_000),
            meta: vec![("note".into(), "first".into())],
        }
    }

    #[test]
    fn each_refusal_is_its_own_variant_and_words_no_flag() {
        let types = TypeMap::default();
        assert_eq!(event().validate(&types), Ok(()));
        let money = |t: &str| Money::parse(t).unwrap();
        type Change = Box<dyn Fn(&mut NewEvent)>;
        let cases: Vec<(Change, Invalid)> = vec![
            (
                Box::new(|e| e.account = " ".into()),
                Invalid::Empty {
                    field: Field::Account,
                },
            ),
            (
                Box::new(|e| e.id = Some("a\u{202e}b".into())),
                Invalid::BadName {
                    field: Field::Id,
                    text: "a\u{202e}b".into(),
                    found: '\u{202e}',
                },
            ),
            (
                Box::new(|e| e.meta = vec![("k".into(), "a\nb".into())]),
                Invalid::BadValue {
                    key: "k".into(),
                    found: '\n',
                },
            ),
            (
                Box::new(|e| e.meta.push(("note".into(), "again".into()))),
                Invalid::MetaTwice { key: "note".into() },
            ),
            (
                Box::new(move |e| e.amount = Some(money("-5"))),
                Invalid::NotPositive {
                    amount: money("-5"),
                },
            ),
            (
                Box::new(|e| e.kind = "Launched".into()),
                Invalid::UnknownType {
                    kind: "Launched".into(),
                },
            ),
            (
                Box::new(|e| e.amount = None),
                Invalid::NeedsAmount {
                    kind: "DEPOSIT".into(),
                    effect: Effect::Credit,
                },
            ),
            (
                Box::new(|e| e.kind = "AccountClosed".into()),
                Invalid::AmountOnClose {
                    kind: "AccountClosed".into(),
                },
            ),
            (
                Box::new(|e| e.kind = "Transferred".into()),
                Invalid::UnknownType {
                    kind: "Transferred".into(),
                },
            ),
            (
                Box::new(|e| e.kind = "MoneyTransferred".into()),
                Invalid::NeedsTo {
                    kind: "MoneyTransferred".into(),
                },
            ),
            (
                Box::new(|e| {
                    e.kind = "TRANSFER".into();
                    e.to = Some("acc-1".into());
                }),
                Invalid::ToSelf { to: "acc-1".into() },
            ),
            (
                Box::new(|e| e.to = Some("acc-2".into())),
                Invalid::ToOnNonTransfer {
                    kind: "DEPOSIT".into(),
                    effect: Effect::Credit,
                },
            ),
            (
                Box::new(|e| e.at = Some(i64::MIN)),
                Invalid::TimeOutOfRange { at: i64::MIN },
            ),
        ];
        for (change, want) in cases {
            let mut e = event();
            change(&mut e);
            let got = e.validate(&types).unwrap_err();
            let text = got.to_string();
            assert_eq!(got, want, "{text}");
            assert!(!text.contains("--") && !text.contains('\n'), "{text:?}");
            assert!(!text.contains('\u{202e}'), "{text:?}");
        }
    }

    #[test]
    fn a_declared_type_is_checked_by_its_effect() {
        let mut types = TypeMap::default();
        let mut e = event();
        e.kind = "Launched".into();
        e.amount = None;
        types.insert("Launched", Effect::Ignore);
        assert_eq!(e.validate(&types), Ok(()));
        types.insert("Launched", Effect::Debit);
        assert!(matches!(
            e.validate(&types),
            Err(Invalid::NeedsAmount {
                effect: Effect::Debit,
                ..
            })
        ));
    }
}
