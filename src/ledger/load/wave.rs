//! The wave pipeline: a run of lines cut into chunks, parsed in parallel a wave at a time, each
//! wave merged while the next one is parsed.

use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::chunk::{Buffers, ChunkOut, parse_line_chunk};
use super::{CHUNK, Progress};
use crate::ledger::names::Names;
use crate::ledger::recorded::Records;

/// Chunks parsed at once per thread. A wave of chunks is merged while the next one is parsed,
/// and its text is then released: at most two waves of the file are resident at a time.
const WAVE_PER_THREAD: usize = 4;

/// Where to cut `bytes` into pieces of about `chunk` bytes, each ending just after a newline (or at
/// the end): the first cut is 0, the last `bytes.len()`.
fn line_cuts(bytes: &[u8], chunk: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    let mut at = chunk;
    while at < bytes.len() {
        match memchr::memchr(b'\n', &bytes[at - 1..]) {
            Some(i) if at + i < bytes.len() => {
                cuts.push(at + i);
                at += i + chunk;
            }
            _ => break,
        }
    }
    cuts.push(bytes.len());
    cuts
}

impl Records {
    /// Adds a run of whole lines (the last one may lack its newline), parsed in parallel.
    pub(crate) fn add_lines(&mut self, bytes: &[u8], base_offset: u64) {
        self.add_lines_in(bytes, base_offset, None, CHUNK, &mut |_| {});
    }

    /// Adds a run of whole lines cut into chunks of about `chunk` bytes, parsed in parallel a wave
    /// at a time; each wave is merged while the next one is parsed, then `release` is told that
    /// its bytes are no longer needed. Returns `false` when the load was cancelled (some lines are
    /// then not read).
    pub(crate) fn add_lines_in(
        &mut self,
        bytes: &[u8],
        base_offset: u64,
        progress: Option<&Progress>,
        chunk: usize,
        release: &mut (dyn FnMut(std::ops::Range<usize>) + Send),
    ) -> bool {
        if bytes.is_empty() {
            return true;
        }
        let sealed = self.sealed(bytes);
        let cuts = line_cuts(bytes, chunk.max(1));
        let wave = rayon::current_num_threads().max(1) * WAVE_PER_THREAD;
        let pool: std::sync::Mutex<Vec<Buffers>> = Default::default();
        let parse = |pieces: &[usize], known: &Names| -> Vec<ChunkOut<'_>> {
            pieces
                .par_windows(2)
                .map(|w| {
                    let piece = &bytes[w[0]..w[1]];
                    let buffers = pool
                        .lock()
                        .ok()
                        .and_then(|mut p| p.pop())
                        .unwrap_or_default();
                    let out = parse_line_chunk(
                        known,
                        piece,
                        base_offset + w[0] as u64,
                        sealed,
                        buffers,
                        progress,
                    );
                    if let Some(p) = progress {
                        p.bytes_done
                            .fetch_add((w[1] - w[0]) as u64, Ordering::Relaxed);
                        p.events
                            .fetch_add(out.events.len() as u64, Ordering::Relaxed);
                    }
                    out
                })
                .collect()
        };
        let mut pending: Option<(Vec<ChunkOut>, std::ops::Range<usize>)> = None;
        let mut at = 0;
        while at + 1 < cuts.len() {
            if progress.is_some_and(Progress::cancelled) {
                return false;
            }
            let next = (at + wave).min(cuts.len() - 1);
            let pieces = &cuts[at..=next];
            let range = cuts[at]..cuts[next];
            // The accounts the wave before brought are known before this wave is parsed; its
            // events are merged while this one is parsed.
            if let Some((chunks, _)) = pending.as_mut() {
                chunks.iter_mut().for_each(|c| self.resolve(c));
            }
            let known = std::mem::take(&mut self.accounts);
            let parsed = match pending.take() {
                None => parse(pieces, &known),
                Some((chunks, done)) => {
                    let (_, parsed) = rayon::join(
                        || {
                            // The whole text holds about as many events per byte as this wave.
                            let seen: usize = chunks.iter().map(|c| c.events.len()).sum();
                            let expected = (seen as f64 * bytes.len() as f64
                                / (done.end - done.start).max(1) as f64
                                * 1.02) as usize;
                            let spent = self.merge_all(chunks, expected);
                            if let Ok(mut p) = pool.lock() {
                                p.extend(spent);
                            }
                            release(done);
                        },
                        || parse(pieces, &known),
                    );
                    parsed
                }
            };
            self.accounts = known;
            pending = Some((parsed, range));
            at = next;
        }
        if progress.is_some_and(Progress::cancelled) {
            return false;
        }
        if let Some((mut chunks, done)) = pending {
            chunks.iter_mut().for_each(|c| self.resolve(c));
            self.merge_all(chunks, 0);
            release(done);
        }
        true
    }
}
