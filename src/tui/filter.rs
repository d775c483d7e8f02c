//! Filters of the events pane: a view, never an edit. Written as terms such as
//! `account:dana type:withdraw amount:>100 from:2024-03-14 to:-1h`; terms of one kind widen the
//! view (either account), terms of different kinds narrow it (this account *and* that type).

use crate::ledger::event::{Effect, normalize_type};
use crate::ledger::{Ledger, LedgerEvent, Millis, Moment, Money};

#[path = "filter_record.rs"]
mod record;
#[path = "filter_state.rs"]
mod state;

/// The filter of the events pane.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// The filter as typed, shown in the pane's title.
    pub text: String,
    /// Parts of account names (lowercase); an event matches when its account or `to` contains one.
    accounts: Vec<String>,
    /// Whole account ids (`account:=ID`, or quoted): an event matches when its account or `to` is
    /// one of them, exactly.
    exact_accounts: Vec<String>,
    /// Parts of normalized type names.
    types: Vec<String>,
    /// Bounds on the amount as written, each with whether it is inclusive.
    min: Option<(Money, bool)>,
    max: Option<(Money, bool)>,
    from: Option<Millis>,
    to: Option<Millis>,
    /// `state.FIELD:VALUE` terms, and the moment they are read at (the cursor's).
    state: Vec<state::StateTerm>,
    as_of: Option<Moment>,
    /// `PATH:VALUE` terms on the record's members (`meta.merchant:lumen`).
    fields: Vec<record::FieldTerm>,
    /// Free text the record must contain (each word, or each quoted phrase).
    words: Vec<String>,
    /// Parts of problem kinds (`problem:duplicate`), or `any`: the events with such a problem.
    problems: Vec<String>,
}

const HELP: &str = "use account:NAME account:=ID type:NAME amount:>X|<X|X..Y|X from:TIME to:TIME problem:KIND state.FIELD:VALUE meta.KEY:VALUE or free text (quotes for spaces)";

/// How a token was quoted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quoted {
    No,
    /// Its value (`account:"cust-0417"`): an exact value.
    Value,
    /// The whole of it (`"cafe lumen"`, `"status:frozen"`): free text, whatever it holds.
    Whole,
}

/// `"text"` with `"` and `\` escaped, as a filter term and the condition language both read it.
pub fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Splits on whitespace, keeping "quoted parts" together; says of each token how it was quoted.
/// Inside quotes, `\"` is a quote and `\\` a backslash (`meta.note:="say \"hi\""`); any other
/// backslash is itself.
fn tokens(text: &str) -> Result<Vec<(String, Quoted)>, String> {
    let mut out = Vec::new();
    let mut quoted_flags = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut how = Quoted::No;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted && matches!(chars.peek(), Some('"' | '\\')) => {
                current.extend(chars.next());
            }
            '"' => {
                quoted = !quoted;
                if how == Quoted::No {
                    how = if current.is_empty() {
                        Quoted::Whole
                    } else {
                        Quoted::Value
                    };
                }
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                    quoted_flags.push(std::mem::replace(&mut how, Quoted::No));
                }
            }
            c => current.push(c),
        }
    }
    if quoted {
        return Err("a quote is not closed".into());
    }
    if !current.is_empty() {
        out.push(current);
        quoted_flags.push(how);
    }
    // `from:2024-03-14 15:00`: a time of day right after a date belongs to it, quoted or not.
    let mut terms: Vec<(String, Quoted)> = Vec::with_capacity(out.len());
    for (token, was_quoted) in out.into_iter().zip(quoted_flags) {
        let starts_with_digit =
            was_quoted != Quoted::Whole && token.starts_with(|c: char| c.is_ascii_digit());
        match terms.last_mut() {
            Some((last, _))
                if starts_with_digit
                    && (last.starts_with("from:") || last.starts_with("to:"))
                    && !last.contains(' ') =>
            {
                last.push(' ');
                last.push_str(&token);
            }
            _ => terms.push((token, was_quoted)),
        }
    }
    Ok(terms)
}

fn money(text: &str) -> Result<Money, String> {
    Money::parse(text).map_err(|e| format!("amount: {e}"))
}

impl Filter {
    /// Reads a filter; times may be relative to `base` (the cursor): `from:-15m`.
    pub fn parse(text: &str, base: Millis) -> Result<Filter, String> {
        let mut f = Filter {
            text: text.trim().to_string(),
            ..Filter::default()
        };
        for (token, how) in tokens(text)? {
            if how == Quoted::Whole {
                f.words.push(token);
                continue;
            }
            let quoted = how == Quoted::Value;
            // A word without a `KEY:` (or a quoted phrase) is free text.
            let key_value = token
                .split_once(':')
                .filter(|(key, _)| !key.is_empty() && !key.contains(char::is_whitespace));
            let Some((key, value)) = key_value else {
                f.words.push(token);
                continue;
            };
            if value.is_empty() {
                return Err(format!("`{token}` has no value"));
            }
            match key {
                "account" | "acc" | "a" => match value.strip_prefix('=') {
                    Some("") => return Err(format!("`{token}` has no account id after =")),
                    Some(id) => f.exact_accounts.push(id.to_string()),
                    None if quoted => f.exact_accounts.push(value.to_string()),
                    None => f.accounts.push(value.to_lowercase()),
                },
                "type" | "t" => f.types.push(normalize_type(value)),
                "amount" | "amt" => {
                    if let Some(v) = value.strip_prefix(">=") {
                        f.min = Some((money(v)?, true));
                    } else if let Some(v) = value.strip_prefix("<=") {
                        f.max = Some((money(v)?, true));
                    } else if let Some(v) = value.strip_prefix('>') {
                        f.min = Some((money(v)?, false));
                    } else if let Some(v) = value.strip_prefix('<') {
                        f.max = Some((money(v)?, false));
                    } else if let Some((lo, hi)) = value.split_once("..") {
                        f.min = Some((money(lo)?, true));
                        f.max = Some((money(hi)?, true));
                    } else {
                        let m = money(value)?;
                        f.min = Some((m, true));
                        f.max = Some((m, true));
                    }
                }
                "problem" | "p" => {
                    use crate::ledger::ProblemKind as K;
                    let kind = value.trim_start_matches('=').to_ascii_lowercase();
                    // Kinds only a line that did not become an event has: never in the pane.
                    const LINES: [K; 7] = [
                        K::BadJson,
                        K::InvalidUtf8,
                        K::LineTooLong,
                        K::MissingField,
                        K::BadField,
                        K::BadAmount,
                        K::BadTime,
                    ];
                    let matching: Vec<K> = K::ALL
                        .into_iter()
                        .filter(|k| k.name().contains(kind.as_str()))
                        .collect();
                    if !kind.is_empty()
                        && !matching.is_empty()
                        && matching
                            .iter()
                            .all(|k| LINES.contains(k) || *k == K::TornTail)
                    {
                        return Err(format!(
                            "`{token}`: a line with that problem is no event, so never in this pane; the problems pane and e/E reach it"
                        ));
                    }
                    if kind.is_empty() || (matching.is_empty() && kind != "any") {
                        let names: Vec<&str> = crate::ledger::ProblemKind::ALL
                            .iter()
                            .map(|k| k.name())
                            .collect();
                        return Err(format!(
                            "`{token}`: problem: takes part of a kind, or any: {}",
                            names.join(", ")
                        ));
                    }
                    f.problems.push(kind);
                }
                "from" => f.from = Some(crate::tui::clock::parse(value, base)?),
                "to" => f.to = Some(crate::tui::clock::parse_end(value, base)?),
                _ if key.starts_with("state.") => f.state.push(state::term(&key[6..], value)?),
                _ if key.contains('.') => f.fields.push(record::field_term(key, value, quoted)?),
                other => return Err(format!("`{other}:` is not a filter; {HELP}")),
            }
        }
        if let (Some((lo, _)), Some((hi, _))) = (f.min, f.max)
            && lo > hi
        {
            return Err(format!("amount: {lo} is above {hi}"));
        }
        if let (Some(a), Some(b)) = (f.from, f.to)
            && a > b
        {
            return Err("from: is after to:".into());
        }
        Ok(f)
    }

    /// The filter resolved against a ledger: which accounts and types pass, looked up once, so
    /// that testing an event is a few array reads.
    pub fn plan(&self, ledger: &Ledger) -> Plan {
        let any_account = !self.accounts.is_empty() || !self.exact_accounts.is_empty();
        let accounts = any_account.then(|| {
            (0..ledger.account_count() as u32)
                .map(|a| {
                    let id = ledger.account_name(a);
                    let name = id.to_lowercase();
                    self.exact_accounts.iter().any(|exact| exact == id)
                        || self
                            .accounts
                            .iter()
                            .any(|part| name.contains(part.as_str()))
                })
                .collect()
        });
        let types = (!self.types.is_empty()).then(|| {
            (0..ledger.type_count())
                .map(|t| {
                    let name = normalize_type(ledger.type_name(t as u16));
                    self.types.iter().any(|part| name.contains(part.as_str()))
                })
                .collect()
        });
        // A `to` names an account only on a transfer.
        let transfers = accounts.as_ref().map(|_| {
            (0..ledger.type_count())
                .map(|t| ledger.effect(t as u16) == Effect::Transfer)
                .collect()
        });
        let state = self.state_accounts(ledger);
        let transfers = transfers.or_else(|| {
            state.as_ref().map(|_| {
                (0..ledger.type_count())
                    .map(|t| ledger.effect(t as u16) == Effect::Transfer)
                    .collect()
            })
        });
        let records = match (self.record_events(ledger), self.problem_events(ledger)) {
            (Some(a), Some(b)) => Some(a.iter().zip(b).map(|(x, y)| *x && y).collect()),
            (a, b) => a.or(b),
        };
        Plan {
            accounts,
            records,
            state,
            transfers,
            types,
            min: self.min,
            max: self.max,
            from: self.from,
            to: self.to,
        }
    }

    /// Which events (by index in recorded order) have a problem of a kind the `problem:` terms
    /// name; `None` without any.
    fn problem_events(&self, ledger: &Ledger) -> Option<Vec<bool>> {
        if self.problems.is_empty() {
            return None;
        }
        let mut pass = vec![false; ledger.len()];
        for p in ledger.problems() {
            let name = p.kind.name();
            if let Some(i) = p.event()
                && self
                    .problems
                    .iter()
                    .any(|k| k == "any" || name.contains(k.as_str()))
            {
                pass[i as usize] = true;
            }
        }
        Some(pass)
    }

    /// Whether an event passes (for one event; use [`Filter::plan`] for many).
    pub fn matches(&self, ledger: &Ledger, i: usize) -> bool {
        self.plan(ledger).matches(i, ledger.event(i))
    }
}

/// A [`Filter`] resolved against one ledger.
pub struct Plan {
    accounts: Option<Vec<bool>>,
    /// The events (by index in recorded order) that pass the record terms.
    records: Option<Vec<bool>>,
    /// The accounts that pass the `state.` terms.
    state: Option<Vec<bool>>,
    /// Which types are transfers (with `accounts` or `state` only).
    transfers: Option<Vec<bool>>,
    types: Option<Vec<bool>>,
    min: Option<(Money, bool)>,
    max: Option<(Money, bool)>,
    from: Option<Millis>,
    to: Option<Millis>,
}

impl Plan {
    /// Whether event `i` (its index in recorded order), `e`, passes.
    pub fn matches(&self, i: usize, e: &LedgerEvent) -> bool {
        if let Some(records) = &self.records
            && !records.get(i).copied().unwrap_or(false)
        {
            return false;
        }
        if let Some(accounts) = &self.accounts {
            let hit = |a: u32| accounts.get(a as usize).copied().unwrap_or(false);
            let transfer = self
                .transfers
                .as_ref()
                .is_some_and(|t| t.get(e.kind as usize).copied().unwrap_or(false));
            if !(hit(e.account) || (transfer && e.to_account().is_some_and(hit))) {
                return false;
            }
        }
        if let Some(state) = &self.state {
            let hit = |a: u32| state.get(a as usize).copied().unwrap_or(false);
            let transfer = self
                .transfers
                .as_ref()
                .is_some_and(|t| t.get(e.kind as usize).copied().unwrap_or(false));
            if !(hit(e.account) || (transfer && e.to_account().is_some_and(hit))) {
                return false;
            }
        }
        if let Some(types) = &self.types
            && !types.get(e.kind as usize).copied().unwrap_or(false)
        {
            return false;
        }
        if self.min.is_some() || self.max.is_some() {
            if !e.has_amount() {
                return false;
            }
            let a = e.amount;
            let above = |(m, inclusive): (Money, bool)| if inclusive { a >= m } else { a > m };
            let below = |(m, inclusive): (Money, bool)| if inclusive { a <= m } else { a < m };
            if !self.min.is_none_or(above) || !self.max.is_none_or(below) {
                return false;
            }
        }
        if self.from.is_some_and(|t| e.ts < t) || self.to.is_some_and(|t| e.ts > t) {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{LoadOptions, load_bytes, time::parse_time};

    const LOG: &str = r#"{"accountId":"cust-dana","type":"WITHDRAW","amount":"400.00","timestamp":"2024-03-14T15:59:03Z"}
{"accountId":"cust-dana","type":"WITHDRAW","amount":"400.00","timestamp":"2024-03-14T16:00:02Z"}
{"accountId":"cust-bob","type":"MoneyTransferred","amount":"750","to":"cust-carol","timestamp":"2024-03-10T18:30:05Z"}
{"accountId":"cust-ivan","type":"BillPaid","amount":"1240.00","timestamp":"2024-03-08T10:15:42Z"}
{"accountId":"cust-kofi","type":"AddressChanged","to":"ghost","timestamp":"2024-03-12T09:41:00Z"}
"#;

    fn pass(text: &str) -> Vec<usize> {
        let l = load_bytes("t", LOG.as_bytes().to_vec(), &LoadOptions::default());
        let base = parse_time("2024-03-14T16:00:00Z").unwrap();
        let f = Filter::parse(text, base).unwrap();
        (0..l.len()).filter(|&i| f.matches(&l, i)).collect()
    }

    #[test]
    fn problem_terms_keep_the_events_with_such_a_problem() {
        let log = r#"{"eventId":"1","accountId":"a","type":"DEPOSIT","amount":"500","timestamp":"2024-03-14T15:00:00Z"}
{"eventId":"2","accountId":"a","type":"WITHDRAW","amount":"400","timestamp":"2024-03-14T15:59:03Z"}
{"eventId":"3","accountId":"a","type":"WITHDRAW","amount":"400","timestamp":"2024-03-14T16:00:02Z"}
{"eventId":"4","accountId":"b","type":"DEPOSIT","amount":"5","timestamp":"2024-03-14T17:00:00Z"}
"#;
        let l = load_bytes("t", log.as_bytes().to_vec(), &LoadOptions::default());
        let pass = |text: &str| {
            let plan = Filter::parse(text, 0).unwrap().plan(&l);
            (0..l.len())
                .filter(|&i| plan.matches(i, l.event(i)))
                .collect::<Vec<_>>()
        };
        // The second withdrawal repeats the first 59 s later: a possible duplicate, and an
        // overdraft.
        assert_eq!(pass("problem:possible-duplicate"), vec![2]);
        assert_eq!(pass("problem:DUP"), vec![2]);
        assert_eq!(pass("p:overdraft"), vec![2]);
        assert_eq!(pass("problem:dup account:b"), Vec::<usize>::new());
        assert_eq!(pass("problem:dup problem:overdraft"), vec![2]);
        assert_eq!(pass("problem:any"), vec![2]);
        assert_eq!(pass("problem:any type:deposit"), Vec::<usize>::new());
        let e = Filter::parse("problem:dupe", 0).unwrap_err();
        assert!(e.contains("possible-duplicate"), "{e}");
        assert!(Filter::parse("problem:", 0).is_err());
        let e = Filter::parse("problem:bad-json", 0).unwrap_err();
        assert!(e.contains("never in this pane"), "{e}");
        assert!(
            Filter::parse("problem:bad", 0).is_err(),
            "bad-json, bad-field, …: lines only"
        );
    }

    #[test]
    fn terms_narrow_and_widen() {
        assert_eq!(pass(""), vec![0, 1, 2, 3, 4]);
        assert_eq!(pass("account:dana"), vec![0, 1]);
        assert_eq!(
            pass("account:CAROL"),
            vec![2],
            "the destination of a transfer counts"
        );
        assert_eq!(
            pass("account:ghost"),
            Vec::<usize>::new(),
            "a `to` on an event that is not a transfer names no account"
        );
        assert_eq!(pass("account:dana account:ivan"), vec![0, 1, 3]);
        // Exact ids: `=` or quotes; a part is not enough, and case counts.
        assert_eq!(pass("account:=cust-dana"), vec![0, 1]);
        assert_eq!(pass("account:=dana"), Vec::<usize>::new());
        assert_eq!(pass("account:=CUST-DANA"), Vec::<usize>::new());
        assert_eq!(pass("account:\"cust-carol\""), vec![2]);
        assert_eq!(pass("account:\"carol\""), Vec::<usize>::new());
        assert_eq!(pass("account:=cust-ivan account:dana"), vec![0, 1, 3]);
        assert_eq!(pass("type:withdraw"), vec![0, 1]);
        assert_eq!(pass("type:bill-paid"), vec![3], "type names are normalized");
        assert_eq!(pass("account:dana type:bill"), Vec::<usize>::new());
        assert_eq!(pass("amount:>400"), vec![2, 3]);
        assert_eq!(pass("amount:>=400"), vec![0, 1, 2, 3]);
        assert_eq!(pass("amount:<750"), vec![0, 1]);
        assert_eq!(pass("amount:400..750"), vec![0, 1, 2]);
        assert_eq!(
            pass("amount:1240"),
            vec![3],
            "exact decimals compare by value"
        );
        assert_eq!(pass("from:2024-03-12 to:\"2024-03-14 16:00\""), vec![0, 4]);
        assert_eq!(pass("from:2024-03-12 to:2024-03-14 16:00"), vec![0, 4]);
        assert_eq!(pass("from:2024-03-14 15:59:03 account:dana"), vec![0, 1]);
        assert_eq!(pass("from:-1h"), vec![0, 1], "relative to the cursor");
    }

    #[test]
    fn bad_filters_say_why() {
        for (text, part) in [
            ("color:red", "not a filter"),
            ("amount:ten", "amount"),
            ("amount:9..1", "above"),
            ("from:soon", "not a time"),
            ("account:", "no value"),
            ("account:\"dana", "quote"),
            ("from:2024-03-15 to:2024-03-14", "after"),
        ] {
            let e = Filter::parse(text, 0).unwrap_err();
            assert!(e.contains(part), "{text}: {e}");
        }
    }
}
