//! Totals of a set of events: how many, and the sum of what each moved on its own account (the
//! amount the events pane shows), in all and per type, in exact money.

use crate::ledger::event::TypeId;
use crate::ledger::{Ledger, Money};

/// The count and sum of some events, per type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub count: usize,
    /// `None` when the sum leaves the range of exact decimals.
    pub net: Option<Money>,
    /// Per type, in the order the types first appear.
    pub by_type: Vec<TypeTotal>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeTotal {
    pub kind: TypeId,
    pub count: usize,
    pub sum: Option<Money>,
}

impl Totals {
    /// The totals of `events` (indexes in recorded order).
    pub fn of(ledger: &Ledger, events: impl IntoIterator<Item = usize>) -> Totals {
        let mut t = Totals {
            net: Some(Money::ZERO),
            ..Totals::default()
        };
        for i in events {
            let e = ledger.event(i);
            let delta = ledger.delta(i, e.account);
            t.count += 1;
            t.net = t.net.and_then(|n| n.checked_add(delta));
            match t.by_type.iter_mut().find(|k| k.kind == e.kind) {
                Some(k) => {
                    k.count += 1;
                    k.sum = k.sum.and_then(|s| s.checked_add(delta));
                }
                None => t.by_type.push(TypeTotal {
                    kind: e.kind,
                    count: 1,
                    sum: Some(delta),
                }),
            }
        }
        t
    }

    /// `Σ -800.00`: the net, short.
    pub fn net_text(&self) -> String {
        format!("Σ {}", money_text(self.net))
    }

    /// `2 events, net -800.00 — WITHDRAW 2: -800.00 · DEPOSIT 1: +5.00`.
    pub fn summary(&self, ledger: &Ledger) -> String {
        let kinds: Vec<String> = self
            .by_type
            .iter()
            .map(|k| {
                format!(
                    "{} {}: {}",
                    crate::text::visible(ledger.type_name(k.kind)),
                    k.count,
                    money_text(k.sum)
                )
            })
            .collect();
        let head = format!(
            "{}, net {}",
            crate::text::count(self.count, "event"),
            money_text(self.net)
        );
        if kinds.is_empty() {
            head
        } else {
            format!("{head} — {}", kinds.join(" · "))
        }
    }
}

fn money_text(m: Option<Money>) -> String {
    match m {
        Some(m) if m.is_zero() => "0".into(),
        Some(m) => m.signed_string(),
        None => "beyond the range of exact decimals".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::Totals;
    use crate::ledger::{LoadOptions, load_bytes};

    #[test]
    fn totals_count_and_sum_exactly_per_type() {
        let log = [
            r#"{"accountId":"a","type":"DEPOSIT","amount":"0.10","timestamp":1}"#,
            r#"{"accountId":"a","type":"DEPOSIT","amount":"0.20","timestamp":2}"#,
            r#"{"accountId":"a","type":"WITHDRAW","amount":"0.05","timestamp":3}"#,
            r#"{"accountId":"a","type":"NOTE","timestamp":4}"#,
        ]
        .join("\n");
        let l = load_bytes("t", log.into_bytes(), &LoadOptions::default());
        let t = Totals::of(&l, 0..l.len());
        assert_eq!(t.count, 4);
        assert_eq!(t.net.map(|m| m.to_string()).as_deref(), Some("0.25"));
        assert_eq!(
            t.summary(&l),
            "4 events, net +0.25 — DEPOSIT 2: +0.30 · WITHDRAW 1: -0.05 · NOTE 1: 0"
        );
        assert_eq!(Totals::of(&l, []).summary(&l), "0 events, net 0");
    }
}
