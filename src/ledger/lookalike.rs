//! Accounts that look alike: two ids a person cannot tell apart on a screen or in a ticket.
//!
//! Two account ids *look alike* when they differ and become equal once each is brought to one
//! form, step by step:
//!
//! 1. invisible characters taken out: format characters (zero-width space and joiners, the soft
//!    hyphen, bidirectional controls, the byte-order mark…), the other default-ignorable code
//!    points (variation selectors…), and white space at either end;
//! 2. Unicode normalisation NFC (`é` written as one character or as `e` and a combining accent);
//! 3. compatibility normalisation NFKC (full-width `ｃｕｓｔ`, ligatures such as `ﬁ`, a non-breaking
//!    space…);
//! 4. case (lower case, then NFKC again): `CUST-1` and `cust-1` are one id to most people and many
//!    systems, so two of them in one log are a mistake to report, not two customers.
//!
//! Each account that looks like one seen before it (by its first event in recorded order) is a
//! `lookalike-account` problem on that first event, naming both ids (escaped, so the difference
//! shows) and what they differ by. Characters of different scripts that look the same (a Cyrillic
//! `с` for a Latin `c`) are not matched: Unicode's confusable skeletons also equate `rn` with `m`
//! and `1` with `l`, which a terminal's fixed-width font tells apart, and would flag honest ids.

use std::borrow::Cow;
use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::{IsNormalized, is_nfc_quick, is_nfkc_quick};

use super::book::Ledger;
use super::event::{AccountId, NO_ACCOUNT};
use super::problem::{Problem, ProblemKind, Reason};
use crate::text::{is_default_ignorable, is_invisible, visible};

/// One step of the module's rule: a name brought one step nearer its form.
type Step = fn(&str) -> Cow<'_, str>;

/// The steps of the module's rule, in order, with what they take away.
const STEPS: [(&str, Step); 4] = [
    ("invisible characters", strip),
    ("Unicode normalisation (NFC)", nfc),
    ("compatibility forms (NFKC)", nfkc),
    ("case", fold_case),
];

/// Step 1: the text without invisible characters and without white space at its ends.
fn strip(text: &str) -> Cow<'_, str> {
    let trimmed = text.trim();
    if !trimmed
        .chars()
        .any(|c| is_invisible(c) || is_default_ignorable(c))
    {
        return Cow::Borrowed(trimmed);
    }
    let kept: String = trimmed
        .chars()
        .filter(|&c| !is_invisible(c) && !is_default_ignorable(c))
        .collect();
    Cow::Owned(kept.trim().to_string())
}

fn nfc(text: &str) -> Cow<'_, str> {
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

fn nfkc(text: &str) -> Cow<'_, str> {
    if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfkc().collect())
    }
}

fn fold_case(text: &str) -> Cow<'_, str> {
    if text
        .chars()
        .all(|c| c.to_lowercase().eq(std::iter::once(c)))
    {
        return Cow::Borrowed(text);
    }
    let lower = text.to_lowercase();
    Cow::Owned(nfkc(&lower).into_owned())
}

/// The one form a name is brought to; two names look alike when their forms are equal.
pub(crate) fn form(name: &str) -> Cow<'_, str> {
    // Most ids are ASCII: only the ends and the case can change.
    if name.is_ascii() {
        let trimmed = name.trim_ascii();
        return if trimmed.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(trimmed.to_ascii_lowercase())
        } else {
            Cow::Borrowed(trimmed)
        };
    }
    let mut text = Cow::Borrowed(name);
    for (_, step) in STEPS {
        let changed = {
            let next = step(&text);
            (next != text).then(|| next.into_owned())
        };
        if let Some(changed) = changed {
            text = Cow::Owned(changed);
        }
    }
    text
}

/// What two names that look alike differ by: the steps that brought them together.
pub(crate) fn differences(a: &str, b: &str) -> Vec<&'static str> {
    let (mut a, mut b) = (a.to_string(), b.to_string());
    let mut found = Vec::new();
    for (what, step) in STEPS {
        if a == b {
            break;
        }
        let (next_a, next_b) = (step(&a).into_owned(), step(&b).into_owned());
        if next_a != a || next_b != b {
            found.push(what);
        }
        (a, b) = (next_a, next_b);
    }
    found
}

/// A name with every character but printable ASCII as `\u{hex}`: `cafe\u{301}`.
fn spell(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c == ' ' || c.is_ascii_graphic() {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    out
}

impl Ledger {
    /// The `lookalike-account` problems of the log; with `from`, only those on events from that
    /// index on (the problems of events before it are known already).
    pub(crate) fn lookalike_accounts(&self, from: Option<usize>) -> Vec<Problem> {
        let names = &self.records.accounts;
        // Two different names with one form: one of them at least is not its own form.
        let mut groups: HashMap<String, Vec<AccountId>> = HashMap::new();
        for id in 0..names.len() as AccountId {
            let name = names.get(id);
            let key = form(name);
            if key != name {
                groups.entry(key.into_owned()).or_default().push(id);
            }
        }
        if groups.is_empty() {
            return Vec::new();
        }
        for (key, ids) in groups.iter_mut() {
            if let Some(same) = names.find(key) {
                ids.push(same);
            }
        }
        groups.retain(|_, ids| ids.len() > 1);
        if groups.is_empty() {
            return Vec::new();
        }
        // The first event of each account of a group, in recorded order (a name no event posts to
        // is no account).
        let mut first: HashMap<AccountId, usize> = groups
            .values()
            .flatten()
            .map(|&id| (id, usize::MAX))
            .collect();
        let mut missing = first.len();
        for (i, e) in self.records.events.iter().enumerate() {
            for account in self.touched(e) {
                if account != NO_ACCOUNT
                    && let Some(at) = first.get_mut(&account)
                    && *at == usize::MAX
                {
                    *at = i;
                    missing -= 1;
                }
            }
            if missing == 0 {
                break;
            }
        }
        let mut problems = Vec::new();
        for ids in groups.values() {
            let mut members: Vec<(usize, AccountId)> = ids
                .iter()
                .map(|&id| (first[&id], id))
                .filter(|&(at, _)| at != usize::MAX)
                .collect();
            members.sort_unstable();
            let Some(&(first_at, original)) = members.first() else {
                continue;
            };
            for &(at, id) in &members[1..] {
                if from.is_some_and(|from| at < from) {
                    continue;
                }
                let e = &self.records.events[at];
                problems.push(Problem::on_event(
                    e.line,
                    e.offset,
                    at as u32,
                    ProblemKind::LookalikeAccount,
                    Reason::Lookalike {
                        account: id.to_le_bytes(),
                        original: original.to_le_bytes(),
                        first: (first_at as u32).to_le_bytes(),
                    },
                ));
            }
        }
        // One order whatever the map's: by event, then by the names.
        let names_of = |p: &Problem| match p.reason {
            Reason::Lookalike {
                account, original, ..
            } => (
                names.get(u32::from_le_bytes(account)),
                names.get(u32::from_le_bytes(original)),
            ),
            _ => ("", ""),
        };
        problems.sort_by(|p, q| (p.event(), names_of(p)).cmp(&(q.event(), names_of(q))));
        problems
    }

    /// The text of a `lookalike-account` problem: `account` looks like `original`, whose first
    /// event is `first`.
    pub(crate) fn lookalike_text(
        &self,
        account: AccountId,
        original: AccountId,
        first: usize,
    ) -> String {
        let names = &self.records.accounts;
        let (name, other) = (names.get(account), names.get(original));
        let by = differences(name, other);
        // Normalisation leaves both looking the same even escaped: spell them out.
        let spelled = if by.iter().any(|d| d.contains("NFC") || d.contains("NFKC")) {
            format!(" (written {} and {})", spell(name), spell(other))
        } else {
            String::new()
        };
        format!(
            "account `{}` looks like `{}` (line {}): they differ only by {}{spelled}",
            visible(name),
            visible(other),
            self.records.events[first].line,
            by.join(" and ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_only_look_different_share_a_form() {
        let alike = [
            ("cust-1", "cust-1\u{200b}"),
            ("cust-1", "cu\u{ad}st-1"),
            ("cust-1", "\u{feff}cust-1"),
            ("cust-1", "cust-1 "),
            ("cust-1", "cust\u{2060}-1\u{200d}"),
            ("cust-1", "\u{202e}cust-1"),
            ("café", "cafe\u{301}"),
            ("cust-1", "ｃｕｓｔ－１"),
            ("ﬁsh", "fish"),
            ("cust-1", "CUST-1"),
            ("Åsa", "A\u{30a}SA"),
        ];
        for (a, b) in alike {
            assert_eq!(form(a), form(b), "{a:?} {b:?}");
        }
        for (a, b) in [
            ("cust-1", "cust-2"),
            ("cust-1", "cust-l"),
            ("cust 1", "cust  1"),
            ("сust-1", "cust-1"),
        ] {
            assert_ne!(form(a), form(b), "{a:?} {b:?}");
        }
        assert_eq!(form("  cust-1\u{200b} "), "cust-1");
        assert!(matches!(form("cust-1"), Cow::Borrowed(_)));
        assert!(matches!(form("日本-😀"), Cow::Borrowed(_)));
    }

    fn log(names: &[&str], first_ts: u64) -> String {
        names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                format!(
                    "{{\"accountId\":{},\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":{}}}\n",
                    serde_json::to_string(name).unwrap(),
                    first_ts + i as u64
                )
            })
            .collect()
    }

    fn lookalikes(ledger: &Ledger) -> Vec<(u64, String)> {
        ledger
            .problems()
            .iter()
            .filter(|p| p.kind == ProblemKind::LookalikeAccount)
            .map(|p| (p.line, ledger.message(p)))
            .collect()
    }

    #[test]
    fn each_lookalike_is_reported_on_its_first_event_naming_the_earlier_account() {
        use crate::ledger::{LoadOptions, load_bytes};
        let text = log(
            &[
                "cust-1",
                "cust-2",
                "cust-1\u{200b}",
                "cust-1",
                "CUST-1",
                "café",
                "cafe\u{301}",
                "cust-1\u{200b}",
            ],
            1,
        );
        let ledger = load_bytes("t.jsonl", text.into_bytes(), &LoadOptions::default());
        assert_eq!(
            lookalikes(&ledger),
            vec![
                (
                    3,
                    "account `cust-1\\u{200b}` looks like `cust-1` (line 1): they differ only by \
                     invisible characters"
                        .to_string()
                ),
                (
                    5,
                    "account `CUST-1` looks like `cust-1` (line 1): they differ only by case"
                        .to_string()
                ),
                (
                    7,
                    "account `cafe\u{301}` looks like `café` (line 6): they differ only by Unicode \
                     normalisation (NFC) (written cafe\\u{301} and caf\\u{e9})"
                        .to_string()
                ),
            ]
        );
        let p = ledger
            .problems()
            .iter()
            .find(|p| p.kind == ProblemKind::LookalikeAccount)
            .unwrap();
        assert_eq!(p.event(), Some(2));
        assert_eq!(p.kind.name(), "lookalike-account");
        // A clean log has none, and costs no pass over the events.
        let clean = load_bytes(
            "c.jsonl",
            log(&["cust-1", "cust-2", "日本"], 1).into_bytes(),
            &LoadOptions::default(),
        );
        assert!(clean.problems().is_empty(), "{:?}", clean.problems());
    }

    #[test]
    fn a_lookalike_that_arrives_while_following_is_found_as_a_full_load_finds_it() {
        use crate::ledger::extend::Reindexed;
        use crate::ledger::{LoadOptions, load_bytes};
        let first = log(&["cust-1", "ｃｕｓｔ－１", "cust-2"], 1);
        let more = log(&["CUST-2", "cust-3", "cust-3\u{feff}"], 10);
        let mut ledger = load_bytes(
            "t.jsonl",
            first.clone().into_bytes(),
            &LoadOptions::default(),
        );
        let how = ledger.extend_lines_how(more.as_bytes(), first.len() as u64);
        assert_eq!(how, Reindexed::New);
        let whole = load_bytes(
            "t.jsonl",
            format!("{first}{more}").into_bytes(),
            &LoadOptions::default(),
        );
        assert_eq!(lookalikes(&ledger).len(), 3, "{:?}", lookalikes(&ledger));
        assert_eq!(lookalikes(&ledger), lookalikes(&whole));
        assert_eq!(ledger.problems(), whole.problems());
    }

    #[test]
    fn the_message_says_what_the_names_differ_by() {
        assert_eq!(
            differences("cust-1", "cust-1\u{200b}"),
            vec!["invisible characters"]
        );
        assert_eq!(
            differences("café", "cafe\u{301}"),
            vec!["Unicode normalisation (NFC)"]
        );
        assert_eq!(
            differences("cust-1", "ｃｕｓｔ－１"),
            vec!["compatibility forms (NFKC)"]
        );
        assert_eq!(
            differences("cust-1", "CUST-1\u{200b}"),
            vec!["invisible characters", "case"]
        );
    }
}
