//! A log written as one JSON array: the array is cut into its elements, which are parsed in
//! groups in parallel.

use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::Progress;
use super::chunk::{CANCEL_EVERY, ChunkOut, ChunkParser, Span};
use crate::ledger::json::read::array_element_end;
use crate::ledger::problem::{Problem, ProblemKind, Reason};
use crate::ledger::record::parse_record;
use crate::ledger::recorded::Records;

impl Records {
    /// Adds a log written as one JSON array: each element is a record, on the line it starts on.
    pub(crate) fn add_array(
        &mut self,
        bytes: &[u8],
        base_offset: u64,
        progress: Option<&Progress>,
        chunk: usize,
    ) {
        let (spans, lines, mut faults) = split_array(bytes);
        for f in &mut faults {
            f.at += base_offset;
        }
        let sealed = {
            let first = spans
                .iter()
                .find_map(|s| std::str::from_utf8(&bytes[s.start..s.end]).ok())
                .unwrap_or("");
            *self
                .sealed
                .get_or_insert_with(|| parse_record(first).is_ok_and(|f| f.seal.is_some()))
        };
        // Elements in groups of about `chunk` bytes, parsed in parallel; lines are counted from
        // the start of the array in every group.
        let mut groups = Vec::new();
        let mut start = 0;
        while start < spans.len() {
            let mut end = start + 1;
            while end < spans.len() && spans[end].end - spans[start].start < chunk {
                end += 1;
            }
            groups.push(&spans[start..end]);
            start = end;
        }
        let text = std::str::from_utf8(bytes).ok();
        let mut outs: Vec<ChunkOut> = groups
            .par_iter()
            .map(|group| {
                let mut parser =
                    ChunkParser::with_text(&self.accounts, bytes, text, base_offset, sealed);
                for (i, span) in group.iter().enumerate() {
                    if (i as u64).is_multiple_of(CANCEL_EVERY)
                        && progress.is_some_and(Progress::cancelled)
                    {
                        break;
                    }
                    parser.record(*span);
                }
                parser.finish(0)
            })
            .collect();
        match outs.last_mut() {
            Some(last) => {
                last.problems.extend(faults);
                last.lines = lines;
            }
            None => {
                let mut parser = ChunkParser::new(&self.accounts, &[], base_offset, sealed);
                parser.out.problems.extend(faults);
                outs.push(parser.finish(lines));
            }
        }
        if let Some(p) = progress {
            p.bytes_done
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            let events: usize = outs.iter().map(|o| o.events.len()).sum();
            p.events.fetch_add(events as u64, Ordering::Relaxed);
        }
        let base = self.lines;
        for mut out in outs {
            self.resolve(&mut out);
            self.merge(out, base);
        }
    }
}

/// Cuts a JSON array into its elements. Returns the spans (lines 0-based), the number of lines, and
/// problems for text that is not part of any element.
fn split_array(bytes: &[u8]) -> (Vec<Span>, u64, Vec<Problem>) {
    let mut spans = Vec::new();
    let mut faults = Vec::new();
    let mut line = 0u64;
    let mut i = 0;
    let n = bytes.len();
    // Skip a byte-order mark and whitespace up to `[`.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        i = 3;
    }
    let skip_ws = |i: &mut usize, line: &mut u64| {
        while *i < n && bytes[*i].is_ascii_whitespace() {
            if bytes[*i] == b'\n' {
                *line += 1;
            }
            *i += 1;
        }
    };
    skip_ws(&mut i, &mut line);
    debug_assert_eq!(bytes.get(i), Some(&b'['));
    i += 1;
    let mut closed = false;
    loop {
        skip_ws(&mut i, &mut line);
        if i >= n {
            break;
        }
        if bytes[i] == b']' {
            i += 1;
            closed = true;
            break;
        }
        if bytes[i] == b',' {
            i += 1;
            continue;
        }
        // One element: to the comma or bracket that ends it.
        let start = i;
        let start_line = line;
        let (element_end, lines) = array_element_end(bytes, start);
        i = element_end;
        line += lines;
        let mut end = i.min(n);
        while end > start && bytes[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        spans.push(Span {
            start,
            end,
            line: start_line,
        });
    }
    // Lines here count from 0, like the spans: merging makes them 1-based.
    if !closed {
        faults.push(Problem::line(
            line,
            n as u64,
            ProblemKind::BadJson,
            Reason::ArrayNotClosed,
        ));
    } else {
        skip_ws(&mut i, &mut line);
        if i < n {
            faults.push(Problem::line(
                line,
                i as u64,
                ProblemKind::BadJson,
                Reason::TextAfterArray,
            ));
        }
    }
    // Lines spanned by the whole text.
    let total_lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    (spans, total_lines, faults)
}
