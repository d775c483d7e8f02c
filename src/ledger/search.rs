//! Searching the whole log: every record as written (account, type, id, amounts, meta, any other
//! member), case-insensitively.

use regex::bytes::{Regex, RegexBuilder};

use super::book::Ledger;
use super::raw::RawSource;

/// Pieces of a file read at once while searching.
const READ: u64 = 8 << 20;

/// A compiled search for a piece of text.
pub struct Query {
    regex: Regex,
}

impl Query {
    /// Matches `text` literally, ignoring case. `None` for an empty text.
    pub fn new(text: &str) -> Option<Query> {
        if text.is_empty() {
            return None;
        }
        let regex = RegexBuilder::new(&regex::escape(text))
            .case_insensitive(true)
            .build()
            .ok()?;
        Some(Query { regex })
    }

    /// Whether `text` (the bytes of a record) contains the searched text, ignoring case.
    pub fn is_match(&self, text: &[u8]) -> bool {
        self.regex.is_match(text)
    }

    /// Where the text occurs in `haystack` (byte ranges), for highlighting.
    pub fn ranges(&self, haystack: &str) -> Vec<(usize, usize)> {
        self.regex
            .find_iter(haystack.as_bytes())
            .map(|m| (m.start(), m.end()))
            .collect()
    }
}

impl Ledger {
    /// Every event whose record contains the query, as indexes in recorded order (ascending).
    pub fn search(&self, query: &Query) -> Vec<u32> {
        let events = &self.records.events;
        let mut found = Vec::new();
        // Records are searched in runs of consecutive events, one read per run.
        let mut start = 0;
        while start < events.len() {
            let first = events[start].offset;
            let mut end = start;
            let mut last_end = first;
            while end < events.len() {
                let e = &events[end];
                // A run is contiguous in the source and not too long.
                if e.offset < last_end || e.offset + u64::from(e.len) - first > READ && end > start
                {
                    break;
                }
                last_end = e.offset + u64::from(e.len);
                end += 1;
            }
            let bytes = match &self.raw {
                RawSource::Memory(all) => {
                    let a = first as usize;
                    all.get(a..last_end as usize)
                        .map(std::borrow::Cow::Borrowed)
                }
                RawSource::File(_) => self
                    .raw
                    .read(first, (last_end - first) as u32)
                    .ok()
                    .map(std::borrow::Cow::Owned),
            };
            if let Some(bytes) = bytes {
                let mut k = start;
                for m in query.regex.find_iter(&bytes) {
                    let at = first + m.start() as u64;
                    // The event whose record holds this offset.
                    while k < end && events[k].offset + u64::from(events[k].len) <= at {
                        k += 1;
                    }
                    if k < end
                        && events[k].offset <= at
                        && at + (m.end() - m.start()) as u64
                            <= events[k].offset + u64::from(events[k].len)
                        && found.last() != Some(&(k as u32))
                    {
                        found.push(k as u32);
                    }
                }
            }
            start = end;
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{LoadOptions, load_bytes};

    const LOG: &str = r#"{"accountId":"alice","type":"DEPOSIT","amount":"100.00","timestamp":1,"meta":{"note":"Salary March"}}
not an event
{"accountId":"bob","type":"WITHDRAW","amount":"42.50","timestamp":2,"eventId":"evt-XYZ"}
{"accountId":"alice","type":"TRANSFER","amount":"7","to":"bob","timestamp":3}
"#;

    fn found(l: &Ledger, q: &str) -> Vec<u32> {
        l.search(&Query::new(q).unwrap())
    }

    #[test]
    fn searches_every_member_ignoring_case() {
        let l = load_bytes("t", LOG.as_bytes().to_vec(), &LoadOptions::default());
        assert_eq!(found(&l, "alice"), vec![0, 2]);
        assert_eq!(found(&l, "BOB"), vec![1, 2]);
        assert_eq!(found(&l, "salary"), vec![0]);
        assert_eq!(found(&l, "evt-xyz"), vec![1]);
        assert_eq!(found(&l, "42.5"), vec![1]);
        assert_eq!(
            found(&l, "not an event"),
            Vec::<u32>::new(),
            "bad lines are not events"
        );
        assert_eq!(found(&l, "a.b"), Vec::<u32>::new(), "the text is literal");
        assert!(Query::new("").is_none());
    }

    #[test]
    fn file_sources_are_searched_in_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.jsonl");
        let mut text = String::new();
        for i in 0..120_000 {
            text.push_str(&format!(
                "{{\"accountId\":\"acc-{}\",\"type\":\"DEPOSIT\",\"amount\":\"1\",\"timestamp\":{i}}}\n",
                i % 1000
            ));
        }
        std::fs::write(&path, &text).unwrap();
        let l = crate::ledger::load_file(&path, &LoadOptions::default(), None).unwrap();
        let hits = found(&l, "acc-7}");
        assert!(hits.is_empty());
        let hits = found(&l, "\"acc-999\"");
        assert_eq!(hits.len(), 120);
        assert!(hits.iter().all(|&i| i % 1000 == 999));
    }
}
