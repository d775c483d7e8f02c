//! Narrowing the view from what is on screen: the search's matches kept as the filter (less's
//! `&`), and a pivot (`*`) from the event at the cursor to every event that shares one of its
//! values (a merchant, an authorization code, a correlation id, any `meta` key); `*` again takes
//! the event's next value. And what `y` copies.

use super::app::App;
use super::filter::quote;
use crate::ledger::record::members;
use crate::ledger::state::is_own_member;

/// The event's values a pivot can take, as filter terms: every member that is not one of
/// rewind's own, nested objects by path (`meta.authCode:="A7F3"`), then the account and the type.
pub fn pivot_terms(raw: &str, account: &str, kind: &str) -> Vec<String> {
    /// A name a filter term can hold.
    fn plain(k: &str) -> bool {
        !k.is_empty()
            && !k.contains(|c: char| c.is_whitespace() || c == '.' || c == ':' || c == '"')
    }
    // Values as written (`1.50` stays `1.50`), so that the term finds the event it came from;
    // a string's quotes and backslashes escaped.
    fn walk(path: &str, value: &str, out: &mut Vec<String>) {
        let v = value.trim();
        if v.starts_with('{') {
            for (k, inner) in members(v).unwrap_or_default() {
                if plain(&k) {
                    walk(&format!("{path}.{k}"), &inner, out);
                }
            }
        } else if v.starts_with('"') {
            if let Ok(s) = serde_json::from_str::<String>(v)
                && !s.is_empty()
            {
                out.push(format!("{path}:={}", quote(&s)));
            }
        } else if !v.starts_with('[') && v != "null" {
            out.push(format!("{path}:={v}"));
        }
    }
    let mut out = Vec::new();
    let mut top = members(raw).unwrap_or_default();
    top.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, v) in &top {
        // A top-level value is a path of one part: its term needs a `.`, so only nested ones.
        if !is_own_member(k) && plain(k) && v.trim_start().starts_with('{') {
            let mut inner = members(v).unwrap_or_default();
            inner.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, value) in inner {
                if plain(&name) {
                    walk(&format!("{k}.{name}"), &value, &mut out);
                }
            }
        }
    }
    out.push(format!("account:={}", quote(account)));
    out.push(format!("type:{}", quote(kind)));
    out
}

/// The paths of every value of a record, in its order, nested objects by path (`meta`,
/// `meta.authCode`), for `:copy PATH` to complete.
pub fn value_paths(raw: &str) -> Vec<String> {
    fn walk(prefix: &str, text: &str, out: &mut Vec<String>) {
        for (k, inner) in members(text).unwrap_or_default() {
            if k.is_empty() || k.contains(|c: char| c.is_whitespace() || c == '.') {
                continue;
            }
            let path = if prefix.is_empty() {
                k
            } else {
                format!("{prefix}.{k}")
            };
            if out.contains(&path) {
                // A member given twice: one path to complete.
                continue;
            }
            out.push(path.clone());
            if inner.trim_start().starts_with('{') {
                walk(&path, &inner, out);
            }
        }
    }
    let mut out = Vec::new();
    walk("", raw, &mut out);
    out
}

impl App {
    /// `z` / `Z`: the timeline zoomed in four times around the cursor (down to a second a
    /// column), or out four times (back to the whole log); the status line says what a column is
    /// and how many events the cursor's column holds.
    pub(super) fn zoom(&mut self, zoom_in: bool) {
        let width = self.timeline_width();
        let cursor = self.state.cursor.time;
        let changed = self
            .state
            .timeline
            .zoom_by(&self.state.ledger, cursor, width, zoom_in);
        self.refresh_timeline();
        let Some((first, last)) = self.state.timeline.span(&self.state.ledger) else {
            return;
        };
        let column = ((last - first) / width.max(1) as i64).max(1);
        let strip = self.state.strip(width);
        let here = strip
            .as_ref()
            .and_then(|s| s.counts.get(s.cursor).copied())
            .unwrap_or(0);
        let whole = if self.state.timeline.zoom.is_none() {
            " (the whole log)"
        } else {
            ""
        };
        self.status = Some(format!(
            "{}timeline {} – {}{whole} · a column is {} · {here} event{} in the cursor's column",
            if changed { "" } else { "as far as it goes: " },
            crate::tui::clock::short(first),
            crate::tui::clock::short(last),
            span_text(column),
            if here == 1 { "" } else { "s" }
        ));
    }

    /// A zoomed timeline keeps the cursor in its span.
    pub(super) fn keep_zoom_on_cursor(&mut self) {
        let cursor = self.state.cursor.time;
        if self.state.timeline.follow(&self.state.ledger, cursor) {
            self.refresh_timeline();
        }
    }

    /// Puts `text` on the clipboard through the terminal (OSC 52), unless `REWIND_NO_OSC52` is
    /// set; the status line says which, naming `what`.
    pub(super) fn copy(&mut self, what: String, text: String) {
        if std::env::var_os("REWIND_NO_OSC52").is_some() {
            self.status = Some(format!("not copied (REWIND_NO_OSC52 is set): {what}"));
            return;
        }
        self.clipboard = Some(text);
        self.status = Some(format!(
            "copied {what} to the clipboard (through the terminal, OSC 52)"
        ));
    }

    /// `y`: the head digest of an intact sealed log.
    pub(super) fn copy_digest(&mut self) {
        match &self.evidence.head {
            Some(head) => {
                let head = head.clone();
                self.copy(format!("the head digest {head}"), head);
            }
            None => {
                self.status =
                    Some("no head digest: the log is not an intact sealed log".to_string());
            }
        }
    }

    /// `y` in the details: the event's record as written.
    pub(super) fn copy_record(&mut self) {
        let Some(i) = self.state.cursor_event() else {
            self.status = Some("no event at the cursor".into());
            return;
        };
        let ledger = &self.state.ledger;
        let what = format!(
            "the record of {}",
            ledger.place(ledger.event(i).line).phrase()
        );
        let raw = ledger.raw_text(i);
        self.copy(what, raw);
    }

    /// `Y` in the details: the command line, holding `copy `, for the path of a value.
    pub(super) fn open_copy_value(&mut self) {
        let prompt = super::view::Prompt::new(super::view::PromptKind::Command, "copy ".into());
        self.prompt = Some(prompt);
    }

    /// `:copy PATH`: the value at PATH of the event at the cursor (a string's text, anything
    /// else as written); `:copy` alone, the record.
    pub(super) fn copy_value(&mut self, path: Option<&str>) -> Result<String, String> {
        let Some(path) = path else {
            self.copy_record();
            return Ok(self.status.take().unwrap_or_default());
        };
        let i = self
            .state
            .cursor_event()
            .ok_or("no event at the cursor to copy from")?;
        let parsed = crate::ledger::state::Path::parse(path)?;
        let ledger = &self.state.ledger;
        let raw = ledger.raw_text(i);
        let place = ledger.place(ledger.event(i).line).phrase();
        if ledger.event(i).is_ambiguous() {
            // Readers disagree on which of the two values a repeated member holds.
            return Err(format!(
                "{place} gives a member more than once, so no value of it is certain: `:copy` alone copies the record"
            ));
        }
        match crate::ledger::state::lookup(&raw, &parsed) {
            crate::ledger::state::Found::Value(v) => {
                let what = format!("{} of {place}", crate::text::visible(path));
                self.copy(what, v.text().to_string());
                Ok(self.status.take().unwrap_or_default())
            }
            crate::ledger::state::Found::Absent => Err(format!(
                "{place} has no value at `{}` (Tab completes its paths)",
                crate::text::visible(path)
            )),
        }
    }

    /// less's `&`: the search's matches become the filter, its text a quoted phrase among the
    /// filter's terms (so that `F` clears both, and `f` shows what the view holds).
    pub(super) fn search_to_filter(&mut self) {
        let Some(query) = self.state.search.as_ref().map(|s| s.query.clone()) else {
            self.status = Some("no search: / searches, then & keeps only its matches".into());
            return;
        };
        let phrase = quote(&query);
        let text = match &self.state.filter {
            Some(f) if !f.text.is_empty() => format!("{} {phrase}", f.text),
            _ => phrase,
        };
        self.submit_filter(&text);
    }

    /// `*`: the filter becomes "the events sharing this value of the event at the cursor"; `*`
    /// again on the same event takes its next value.
    pub(super) fn pivot(&mut self) {
        let Some(i) = self.state.cursor_event() else {
            self.status = Some("no event at the cursor to pivot from".into());
            return;
        };
        let ledger = &self.state.ledger;
        let e = ledger.event(i);
        let terms = pivot_terms(
            &ledger.raw_text(i),
            ledger.account_name(e.account),
            ledger.type_name(e.kind),
        );
        let k = match self.pivot {
            Some((event, k)) if event == i => (k + 1) % terms.len(),
            _ => 0,
        };
        self.pivot = Some((i, k));
        let term = terms[k].clone();
        self.submit_filter(&term);
        let shown = self.state.visible.as_ref().map_or(0, Vec::len);
        self.status = Some(format!(
            "pivot {}/{}: {term} · {shown} event{} · * again: the next value · F clears",
            k + 1,
            terms.len(),
            if shown == 1 { "" } else { "s" }
        ));
    }
}

/// `1 s`, `30 s`, `5 min`, `2 h`, `3 d`: a column's span, rounded.
fn span_text(ms: i64) -> String {
    let s = ms / 1000;
    match s {
        0 => format!("{ms} ms"),
        1..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        7200..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_text_escapes_quotes_and_backslashes() {
        assert_eq!(quote(r#"say "hi" \ ok"#), r#""say \"hi\" \\ ok""#);
    }

    #[test]
    fn a_pivot_offers_every_nested_value_then_the_account_and_type() {
        let raw = r#"{"accountId":"a b","type":"PAYMENT","amount":"5","timestamp":1,"note":"x","meta":{"merchant":"Cafe \"Lumen\"","authCode":"A7F3","n":1.50,"deep":{"k":"v"},"empty":""}}"#;
        assert_eq!(
            pivot_terms(raw, "a b", "PAYMENT"),
            [
                r#"meta.authCode:="A7F3""#,
                r#"meta.deep.k:="v""#,
                r#"meta.merchant:="Cafe \"Lumen\"""#,
                "meta.n:=1.50",
                r#"account:="a b""#,
                r#"type:"PAYMENT""#,
            ]
        );
    }
}
