//! `state.FIELD:VALUE` terms of the events pane's filter: the events of the accounts whose state,
//! as of the cursor when the filter was set, has that value (`state.status:frozen`); a comparison
//! may lead the value (`state.limit:>1000`, `state.address:~elm`, `state.status:!=open`,
//! `state.balance:<0`). Each term is read as a comparison of the one condition language.
//! Terms on one field widen (either value), terms on different fields narrow (both).

use super::Filter;
use super::quote;
use crate::ledger::condition::Condition;
use crate::ledger::state::{View, state_at};
use crate::ledger::{Ledger, Moment};

/// One `state.FIELD:VALUE` term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateTerm {
    pub field: String,
    pub condition: Condition,
}

/// Reads the term `state.FIELD:VALUE` (`field` is what follows `state.`).
pub fn term(field: &str, value: &str) -> Result<StateTerm, String> {
    if field.trim().is_empty() {
        return Err("`state.` needs a field: state.status:frozen".into());
    }
    let (op, value) = ["<=", ">=", "!=", "<", ">", "~", "="]
        .iter()
        .find_map(|op| value.strip_prefix(op).map(|rest| (*op, rest)))
        .unwrap_or(("=", value));
    if value.is_empty() {
        return Err(format!("`state.{field}:{op}` has no value"));
    }
    let subject = if field == "balance" {
        field.to_string()
    } else {
        quote(field)
    };
    let condition = Condition::parse(&format!("{subject} {op} {}", quote(value)))
        .map_err(|e| format!("state.{field}: {}", e.message))?;
    Ok(StateTerm {
        field: field.to_string(),
        condition,
    })
}

impl Filter {
    /// The filter with its `state.` terms read as of `moment` (the cursor's).
    pub fn as_of(mut self, moment: Moment) -> Filter {
        self.as_of = Some(moment);
        self
    }

    /// Which accounts pass the `state.` terms (`None` without any).
    pub(super) fn state_accounts(&self, ledger: &Ledger) -> Option<Vec<bool>> {
        if self.state.is_empty() {
            return None;
        }
        let moment = self.as_of.unwrap_or(Moment::End);
        let plans: Vec<(&str, _)> = self
            .state
            .iter()
            .map(|t| (t.field.as_str(), t.condition.plan(ledger)))
            .collect();
        let mut fields: Vec<&str> = plans.iter().map(|(f, _)| *f).collect();
        fields.sort_unstable();
        fields.dedup();
        Some(
            (0..ledger.account_count() as u32)
                .map(|a| {
                    let at = state_at(ledger, a, moment);
                    if !at.exists {
                        return false;
                    }
                    let view = View {
                        balance: at.balance,
                        fields: &at.fields,
                    };
                    fields.iter().all(|field| {
                        plans
                            .iter()
                            .filter(|(f, _)| f == field)
                            .any(|(_, plan)| plan.holds(None, &view))
                    })
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{LoadOptions, load_bytes, time::parse_time};

    const LOG: &str = r#"{"accountId":"ann","type":"StatusSet","status":"frozen","timestamp":"2024-03-01T10:00:00Z"}
{"accountId":"bob","type":"StatusSet","status":"open","limit":"1500.00","timestamp":"2024-03-01T10:00:00Z"}
{"accountId":"ann","type":"DEPOSIT","amount":"10","timestamp":"2024-03-01T11:00:00Z"}
{"accountId":"bob","type":"MoneyTransferred","amount":"20","to":"ann","timestamp":"2024-03-01T12:00:00Z"}
{"accountId":"ann","type":"StatusSet","status":"open","timestamp":"2024-03-02T10:00:00Z"}
{"accountId":"cy","type":"AddressChanged","address":"Say \"hi\" \\ Elm","timestamp":"2024-03-02T11:00:00Z"}
"#;

    fn pass(text: &str, at: &str) -> Vec<usize> {
        let l = load_bytes("t", LOG.as_bytes().to_vec(), &LoadOptions::default());
        let t = parse_time(at).unwrap();
        let f = Filter::parse(text, t).unwrap().as_of(Moment::Time(t));
        let plan = f.plan(&l);
        (0..l.len())
            .filter(|&i| plan.matches(i, l.event(i)))
            .collect()
    }

    #[test]
    fn state_terms_read_the_state_as_of_the_cursor() {
        let noon = "2024-03-01T12:00:00Z";
        let end = "2024-03-03T00:00:00Z";
        assert_eq!(
            pass("state.status:frozen", noon),
            [0, 2, 3, 4],
            "a transfer to ann too"
        );
        assert_eq!(pass("state.status:frozen", end), Vec::<usize>::new());
        assert_eq!(pass("state.status:open", end), [0, 1, 2, 3, 4]);
        assert_eq!(
            pass("state.status:FROZEN", noon),
            Vec::<usize>::new(),
            "= is exact"
        );
        assert_eq!(
            pass("state.status:~FRO", noon),
            [0, 2, 3, 4],
            "~ is any case"
        );
        assert_eq!(pass("state.status:!=frozen", noon), [1, 3]);
        assert_eq!(pass("state.limit:>=1500", noon), [1, 3]);
        assert_eq!(
            pass("state.limit:1500", noon),
            [1, 3],
            "numbers compare by value"
        );
        assert_eq!(pass("state.limit:<1000", noon), Vec::<usize>::new());
        assert_eq!(pass("state.balance:<0", noon), [1, 3]);
        assert_eq!(
            pass("state.address:\"~\\ elm\"", end),
            [5],
            "spaces and a backslash"
        );
        // A quote in a value is a quote (the filter's own quotes cannot hold one).
        let t = term("address", "Say \"hi\" \\ Elm").unwrap();
        let l = load_bytes("t", LOG.as_bytes().to_vec(), &LoadOptions::default());
        let at = state_at(&l, 2, Moment::End);
        let view = View {
            balance: at.balance,
            fields: &at.fields,
        };
        assert!(t.condition.plan(&l).holds(None, &view));
        // One field widens, two fields narrow, other kinds narrow.
        assert_eq!(
            pass("state.status:frozen state.status:open", noon),
            [0, 1, 2, 3, 4]
        );
        assert_eq!(pass("state.status:open state.limit:1500", noon), [1, 3]);
        assert_eq!(pass("state.status:frozen type:deposit", noon), [2]);
    }

    #[test]
    fn bad_state_terms_say_why() {
        for (text, part) in [
            ("state.:x", "needs a field"),
            ("state.status:>", "no value"),
            ("state.balance:abc", "a balance is a number"),
            ("state.balance:~1", "`~` is for texts"),
        ] {
            let e = Filter::parse(text, 0).unwrap_err();
            assert!(e.contains(part), "{text}: {e}");
        }
    }
}
