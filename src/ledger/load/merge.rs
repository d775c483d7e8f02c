//! Merging parsed chunks into the records, in order: line numbers, interned names and the chain
//! links between chunks are fixed up, so the result is that of one sequential pass.

use super::chunk::{Buffers, ChunkOut, LOCAL, chain_problem, seq_fault};
use crate::ledger::chain::GENESIS;
use crate::ledger::event::NO_ACCOUNT;
use crate::ledger::problem::{Problem, ProblemKind, Reason, chain_fault};
use crate::ledger::recorded::{Link, NO_SEQ, Records};

impl Records {
    /// Merges resolved chunks of lines, in order; gives back their emptied lists.
    pub(super) fn merge_all(&mut self, chunks: Vec<ChunkOut>, expected: usize) -> Vec<Buffers> {
        let events: usize = chunks.iter().map(|c| c.events.len()).sum();
        if self.events.capacity() < self.events.len() + events {
            let want = expected.max(self.events.len() + events);
            self.events.reserve_exact(want - self.events.len());
            self.id_hashes.reserve_exact(want - self.id_hashes.len());
            crate::ledger::memory::huge_pages(&self.events);
            crate::ledger::memory::huge_pages(&self.id_hashes);
        }
        chunks
            .into_iter()
            .map(|chunk| {
                let base = self.lines;
                self.merge(chunk, base)
            })
            .collect()
    }

    /// Numbers the chunk's own accounts and types in the log, in order of first appearance.
    pub(super) fn resolve(&mut self, chunk: &mut ChunkOut) {
        chunk.account_map = chunk
            .accounts
            .iter()
            .map(|(n, h)| self.accounts.intern_hashed(n, h))
            .collect();
        chunk.type_map = chunk
            .types
            .iter()
            .map(|(n, h)| self.types.intern_hashed(n, h))
            .collect();
    }

    /// Merges a parsed chunk whose lines are counted from `base`; gives back its emptied lists.
    pub(super) fn merge(&mut self, mut chunk: ChunkOut, base: u64) -> Buffers {
        debug_assert_eq!(chunk.account_map.len(), chunk.accounts.len(), "resolved");
        let (account_map, type_map) = (&chunk.account_map, &chunk.type_map);
        if let Some(mut head) = chunk.head {
            let mut expected = None;
            match self.link {
                Link::Hash { hash, seq } => {
                    if hash != head.prev {
                        head.faults |= if seq.is_none() && hash == GENESIS {
                            chain_fault::CUT
                        } else {
                            chain_fault::PREV
                        };
                    }
                    head.faults |= seq_fault(head.seq, seq);
                    expected = seq;
                }
                Link::Unknown if head.seq.is_none() => head.faults |= chain_fault::NO_SEQ,
                Link::Open | Link::Unknown => {}
            }
            if head.faults != 0 {
                self.problems.push(chain_problem(
                    base + head.line + 1,
                    head.at,
                    head.faults,
                    head.seq,
                    expected,
                ));
            }
        }
        match chunk.tail {
            Link::Open => {}
            tail => self.link = tail,
        }
        if let Some((line, at)) = chunk.stray_seal
            && self.stray_seal.is_none()
            && !self.places.are_messages()
        {
            // Stripping the seal from the first records must not turn a sealed log into an
            // unsealed one that nobody questions.
            self.stray_seal = Some(base + line + 1);
            self.problems.push(Problem::line(
                base + line + 1,
                at,
                ProblemKind::ChainBroken,
                Reason::StraySeal,
            ));
        }
        // Either no record so far had a `seq` (the list is empty), or the list has one per event.
        let keep_seqs = !chunk.seqs.is_empty() || !self.seqs.is_empty();
        if keep_seqs && self.seqs.len() < self.events.len() {
            self.seqs.resize(self.events.len(), NO_SEQ);
        }
        for (i, mut event) in chunk.events.drain(..).enumerate() {
            event.line += base + 1;
            let global = |a: u32| {
                if a & LOCAL != 0 {
                    account_map[(a & !LOCAL) as usize]
                } else {
                    a
                }
            };
            event.account = global(event.account);
            if event.to != NO_ACCOUNT {
                event.to = global(event.to);
            }
            let Ok(kind) = u16::try_from(type_map[event.kind as usize]) else {
                self.problems.push(Problem::line(
                    event.line,
                    event.offset,
                    ProblemKind::BadField,
                    Reason::TooManyTypes,
                ));
                continue;
            };
            event.kind = kind;
            if keep_seqs {
                self.seqs.push(chunk.seqs.get(i).copied().unwrap_or(NO_SEQ));
            }
            self.id_hashes.push(chunk.id_hashes[i]);
            self.events.push(event);
        }
        for p in &mut chunk.problems {
            p.line += base + 1;
        }
        if self.problems.is_empty() {
            // Moved, not copied (a chunk of bad lines holds a million problems).
            self.problems = std::mem::take(&mut chunk.problems);
        } else {
            self.problems.append(&mut chunk.problems);
        }
        self.lines += chunk.lines;
        chunk.id_hashes.clear();
        Buffers {
            events: chunk.events,
            id_hashes: chunk.id_hashes,
        }
    }
}
