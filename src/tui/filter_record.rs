//! Terms of the events pane's filter that read the record itself: a member by path
//! (`meta.merchant:lumen`, `meta.authCode:=A7F3`, `data.address.city:elm`; any path whose first
//! part is a member of the record) and free text (`lumen`, `"cafe lumen"`: the record contains it,
//! ignoring case). A path's value matches when it contains the text, ignoring case, or equals it
//! exactly after `=`. Every record term must hold (free words narrow, as in a search engine);
//! terms on one path widen (either value).

use rayon::prelude::*;

use super::Filter;
use crate::ledger::Ledger;
use crate::ledger::search::Query;
use crate::ledger::state::{Found, Path, lookup};

/// A `PATH:VALUE` term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldTerm {
    pub path: Path,
    /// Lowercase, for a part; as given, for an exact value.
    pub value: String,
    pub exact: bool,
}

/// Reads `PATH:VALUE` (`path` has a `.`, and is not a `state.` term).
pub fn field_term(path: &str, value: &str, quoted: bool) -> Result<FieldTerm, String> {
    let path = Path::parse(path)?;
    Ok(match value.strip_prefix('=') {
        Some("") => return Err(format!("`{}:=` has no value", path.text())),
        Some(exact) => FieldTerm {
            path,
            value: exact.to_string(),
            exact: true,
        },
        None if quoted => FieldTerm {
            path,
            value: value.to_string(),
            exact: true,
        },
        None => FieldTerm {
            path,
            value: value.to_lowercase(),
            exact: false,
        },
    })
}

impl FieldTerm {
    fn holds(&self, raw: &str) -> bool {
        match lookup(raw, &self.path) {
            Found::Value(v) if self.exact => v.text() == self.value,
            Found::Value(v) => v.text().to_lowercase().contains(&self.value),
            Found::Absent => false,
        }
    }
}

impl Filter {
    /// Which events (by index in recorded order) pass the record terms; `None` without any.
    pub(super) fn record_events(&self, ledger: &Ledger) -> Option<Vec<bool>> {
        if self.fields.is_empty() && self.words.is_empty() {
            return None;
        }
        let mut pass = vec![true; ledger.len()];
        for word in &self.words {
            let mut hit = vec![false; ledger.len()];
            if let Some(query) = Query::new(word) {
                for i in ledger.search(&query) {
                    hit[i as usize] = true;
                }
            }
            pass.iter_mut().zip(hit).for_each(|(p, h)| *p &= h);
        }
        if !self.fields.is_empty() {
            let mut paths: Vec<&str> = self.fields.iter().map(|t| t.path.text()).collect();
            paths.sort_unstable();
            paths.dedup();
            pass.par_iter_mut().enumerate().for_each(|(i, p)| {
                if !*p {
                    return;
                }
                let raw = ledger.raw_text(i);
                *p = paths.iter().all(|path| {
                    self.fields
                        .iter()
                        .filter(|t| t.path.text() == *path)
                        .any(|t| t.holds(&raw))
                });
            });
        }
        Some(pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{LoadOptions, load_bytes};

    const LOG: &str = r#"{"accountId":"a","type":"PAYMENT","amount":"5","timestamp":1,"meta":{"merchant":"Cafe Lumen","authCode":"A7F3"}}
{"accountId":"b","type":"PAYMENT","amount":"7","timestamp":2,"meta":{"merchant":"Streamly","authCode":"A7F3"}}
{"accountId":"c","type":"DEPOSIT","amount":"9","timestamp":3,"data":{"address":{"city":"Elm Park"}}}
"#;

    fn pass(text: &str) -> Vec<usize> {
        let l = load_bytes("t", LOG.as_bytes().to_vec(), &LoadOptions::default());
        let f = Filter::parse(text, 0).unwrap();
        let plan = f.plan(&l);
        (0..l.len())
            .filter(|&i| plan.matches(i, l.event(i)))
            .collect()
    }

    #[test]
    fn members_by_path_and_free_text_select_records() {
        assert_eq!(pass("meta.merchant:lumen"), [0]);
        assert_eq!(pass("meta.merchant:=Streamly"), [1]);
        assert_eq!(pass("meta.merchant:=streamly"), Vec::<usize>::new());
        assert_eq!(pass("meta.authCode:\"A7F3\""), [0, 1]);
        assert_eq!(pass("meta.merchant:lumen meta.merchant:stream"), [0, 1]);
        assert_eq!(pass("meta.merchant:lumen meta.authCode:a7"), [0]);
        assert_eq!(pass("data.address.city:elm"), [2]);
        assert_eq!(pass("meta.nothing:x"), Vec::<usize>::new());
        // Free text: every word, anywhere in the record; a quoted phrase whole.
        assert_eq!(pass("a7f3"), [0, 1]);
        assert_eq!(pass("a7f3 cafe"), [0]);
        assert_eq!(pass("\"cafe lumen\""), [0]);
        assert_eq!(pass("\"lumen cafe\""), Vec::<usize>::new());
        assert_eq!(pass("a7f3 type:payment account:b"), [1]);
        // Quoted whole, a text is free text whatever it holds; a time after from: stays apart.
        assert_eq!(pass("\"Streamly\""), [1]);
        assert_eq!(pass("\"authCode:\""), Vec::<usize>::new());
        assert!(
            Filter::parse("acount:\"b\"", 0).is_err(),
            "a misspelt key is still an error"
        );
        assert_eq!(pass("from:1 \"9\""), [2]);
    }
}
