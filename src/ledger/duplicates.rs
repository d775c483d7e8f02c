//! Events that say the same thing twice: an id an earlier event already used, a `seq` another
//! event carries.

use rayon::prelude::*;

use super::book::Ledger;
use super::memory::huge_pages;
use super::problem::{Problem, ProblemKind, Reason};

impl Ledger {
    /// Events whose id an earlier event already used.
    pub(super) fn duplicate_ids(&self) -> Vec<Problem> {
        equal_hashes(&self.records.id_hashes)
            .iter()
            .flat_map(|group| self.duplicates_in(group))
            .collect()
    }

    /// The duplicates among events whose ids have the same hash (ascending): the hash says they
    /// may be the same, the ids themselves decide (a hash collision is not a duplicate).
    fn duplicates_in(&self, group: &[u32]) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut first_by_id: Vec<(String, u32)> = Vec::new();
        for &i in group {
            let Some(id) = self.event_id(i as usize) else {
                continue;
            };
            match first_by_id.iter().find(|(seen, _)| *seen == id) {
                Some(&(_, first)) => {
                    let e = &self.records.events[i as usize];
                    problems.push(Problem::on_event(
                        e.line,
                        e.offset,
                        i,
                        ProblemKind::DuplicateId,
                        Reason::DuplicateId {
                            first: first.to_le_bytes(),
                        },
                    ));
                }
                None => first_by_id.push((id, i)),
            }
        }
        problems
    }

    pub(super) fn duplicate_seqs(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let seqs = &self.records.seqs;
        if seqs.is_empty() {
            return problems;
        }
        // An event without a `seq` among events with one goes by its position in the log, which
        // may be another event's seq.
        let mut pairs: Vec<(u64, u32)> = (0..seqs.len())
            .map(|i| (self.seq_of(i), i as u32))
            .collect();
        // Logs with a `seq` nearly always have it increasing: then the pairs are already sorted.
        if !pairs.is_sorted() {
            pairs.par_sort_unstable();
        }
        for w in pairs.windows(2) {
            if w[0].0 == w[1].0 {
                let (first, second) = (w[0].1, w[1].1);
                let e = &self.records.events[second as usize];
                problems.push(Problem::on_event(
                    e.line,
                    e.offset,
                    second,
                    ProblemKind::DuplicateSeq,
                    Reason::DuplicateSeq {
                        first: first.to_le_bytes(),
                    },
                ));
            }
        }
        problems
    }

    /// Duplicate ids among the events from `first` on, against every event before them: the
    /// earlier events are looked at only by their id hashes, in one pass.
    pub(super) fn new_duplicate_ids(&self, first: usize) -> Vec<Problem> {
        let hashes = &self.records.id_hashes;
        let mut new: Vec<(u64, u32)> = (first..hashes.len())
            .filter(|&i| hashes[i] != 0)
            .map(|i| (hashes[i], i as u32))
            .collect();
        if new.is_empty() {
            return Vec::new();
        }
        new.sort_unstable();
        // A cheap filter on the top bits before the exact look-up.
        let mut filter = 0u64;
        for &(h, _) in &new {
            filter |= 1 << (h >> 58);
        }
        let mut earlier: Vec<(u64, u32)> = hashes[..first]
            .par_iter()
            .enumerate()
            .filter(|(_, h)| {
                filter & (1 << (**h >> 58)) != 0
                    && **h != 0
                    && new.binary_search_by_key(*h, |&(x, _)| x).is_ok()
            })
            .map(|(i, h)| (*h, i as u32))
            .collect();
        earlier.extend(new.iter().copied());
        earlier.sort_unstable();
        // The groups of equal hashes that hold a new event, as a full pass sees them.
        let mut problems = Vec::new();
        let mut start = 0;
        while start < earlier.len() {
            let mut end = start + 1;
            while end < earlier.len() && earlier[end].0 == earlier[start].0 {
                end += 1;
            }
            if end - start > 1 && earlier[end - 1].1 as usize >= first {
                let group: Vec<u32> = earlier[start..end].iter().map(|p| p.1).collect();
                problems.extend(
                    self.duplicates_in(&group)
                        .into_iter()
                        .filter(|p| p.event().is_some_and(|i| i as usize >= first)),
                );
            }
            start = end;
        }
        problems
    }
}

/// Groups of positions in `hashes` that hold the same non-zero hash (each group ascending, the
/// groups in order of hash), found without sorting the whole list: the hashes are shared out into
/// buckets by their top bits, in parallel; each bucket finds its repeated values with a small
/// table of its own; a last pass picks the positions of those few values.
fn equal_hashes(hashes: &[u64]) -> Vec<Vec<u32>> {
    let n = hashes.len();
    if n < 2 {
        return Vec::new();
    }
    let bits = (usize::BITS - (n / 1024).leading_zeros()).clamp(1, 16);
    let buckets = 1usize << bits;
    let bucket = |h: u64| (h >> (64 - bits)) as usize;
    let block = (n / (rayon::current_num_threads() * 4)).max(1 << 16);
    // Per block: how many hashes fall in each bucket, and where each bucket starts in the block's
    // region of the scratch list.
    let counts: Vec<Vec<u32>> = hashes
        .par_chunks(block)
        .map(|piece| {
            let mut c = vec![0u32; buckets];
            for &h in piece.iter().filter(|h| **h != 0) {
                c[bucket(h)] += 1;
            }
            c
        })
        .collect();
    let mut region_start = Vec::with_capacity(counts.len());
    let mut starts: Vec<Vec<usize>> = Vec::with_capacity(counts.len());
    let mut total = 0usize;
    for c in &counts {
        region_start.push(total);
        let mut at = Vec::with_capacity(buckets);
        for &x in c {
            at.push(total);
            total += x as usize;
        }
        starts.push(at);
    }
    let mut scratch: Vec<u64> = Vec::with_capacity(total);
    huge_pages(&scratch);
    scratch.resize(total, 0);
    let mut regions = Vec::with_capacity(counts.len());
    let mut rest = scratch.as_mut_slice();
    for k in 0..counts.len() {
        let end = region_start.get(k + 1).copied().unwrap_or(total);
        let (region, tail) = rest.split_at_mut(end - region_start[k]);
        regions.push(region);
        rest = tail;
    }
    regions
        .into_par_iter()
        .zip(hashes.par_chunks(block))
        .zip(&starts)
        .zip(&region_start)
        .for_each(|(((region, piece), starts), &base)| {
            let mut at: Vec<usize> = starts.iter().map(|s| s - base).collect();
            for &h in piece.iter().filter(|h| **h != 0) {
                let b = bucket(h);
                region[at[b]] = h;
                at[b] += 1;
            }
        });
    // The values met more than once, bucket by bucket.
    let scratch = &scratch;
    let mut repeated: Vec<u64> = (0..buckets)
        .into_par_iter()
        .with_min_len(64)
        .map_init(Vec::new, |table: &mut Vec<u64>, b| {
            let len: usize = counts.iter().map(|c| c[b] as usize).sum();
            let size = (len * 2).next_power_of_two().max(16);
            table.clear();
            table.resize(size, 0);
            let mask = size - 1;
            let mut found = Vec::new();
            for (k, c) in counts.iter().enumerate() {
                for &h in &scratch[starts[k][b]..starts[k][b] + c[b] as usize] {
                    let mut at = h as usize & mask;
                    loop {
                        match table[at] {
                            0 => {
                                table[at] = h;
                                break;
                            }
                            v if v == h => {
                                found.push(h);
                                break;
                            }
                            _ => at = (at + 1) & mask,
                        }
                    }
                }
            }
            found
        })
        .flatten_iter()
        .collect();
    if repeated.is_empty() {
        return Vec::new();
    }
    repeated.par_sort_unstable();
    repeated.dedup();
    // Where those values are: a filter on some bits, then the exact look-up.
    let mut filter = vec![0u64; 1024];
    let slot = |h: u64| ((h >> 16) & 0xFFFF) as usize;
    for &h in &repeated {
        filter[slot(h) / 64] |= 1 << (slot(h) % 64);
    }
    let mut pairs: Vec<(u64, u32)> = hashes
        .par_iter()
        .enumerate()
        .filter(|(_, h)| {
            filter[slot(**h) / 64] & (1 << (slot(**h) % 64)) != 0
                && **h != 0
                && repeated.binary_search(h).is_ok()
        })
        .map(|(i, h)| (*h, i as u32))
        .collect();
    pairs.par_sort_unstable();
    pairs
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| group.iter().map(|p| p.1).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::equal_hashes;

    /// The groups the plain way: positions by hash, in order of hash.
    fn reference(hashes: &[u64]) -> Vec<Vec<u32>> {
        let mut by_hash: std::collections::BTreeMap<u64, Vec<u32>> = Default::default();
        for (i, &h) in hashes.iter().enumerate() {
            if h != 0 {
                by_hash.entry(h).or_default().push(i as u32);
            }
        }
        by_hash.into_values().filter(|g| g.len() > 1).collect()
    }

    proptest! {
        #[test]
        fn equal_hashes_are_grouped_as_the_plain_way_groups_them(
            small in prop::collection::vec(0u64..40, 0..3000),
            spread in any::<u64>(),
        ) {
            // Few distinct values spread over the whole range (so that every bucket is used),
            // with zeros (no id) among them.
            let hashes: Vec<u64> = small
                .iter()
                .map(|&v| if v == 0 { 0 } else { v.wrapping_mul(spread | 1).rotate_left(v as u32) | 1 })
                .collect();
            prop_assert_eq!(equal_hashes(&hashes), reference(&hashes));
        }
    }

    #[test]
    fn a_large_list_with_a_few_repeats() {
        let mut hashes: Vec<u64> = (1..200_000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        hashes[150_000] = hashes[3];
        hashes[199_000] = hashes[3];
        hashes[70_000] = hashes[69_999];
        assert_eq!(equal_hashes(&hashes), reference(&hashes));
        assert_eq!(equal_hashes(&hashes).len(), 2);
    }
}
