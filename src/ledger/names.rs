//! Tables of strings stored once (account ids, type names): events hold a number instead.
//!
//! Each name's 64-bit hash is computed once, when a chunk of the log meets it, and travels with it
//! when the chunk's table is merged into the log's, so a merge never hashes or compares a name
//! twice for nothing.

use std::borrow::Cow;
use std::sync::Arc;

use xxhash_rust::xxh3::xxh3_64;

/// The hash names are found by.
#[inline]
pub(crate) fn name_hash(name: &str) -> u64 {
    xxh3_64(name.as_bytes())
}

/// Bytes of a name kept in its slot: a name this long or shorter is compared without leaving
/// the slot.
const HEAD: usize = 16;

/// One place of the table: the name's hash, its number plus one (0: empty), its length and its
/// first bytes, zero-padded. Half a cache line: a look-up reads one line, which can be fetched
/// ahead of time (see [`Names::prefetch`]).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(32))]
struct Slot {
    hash: u64,
    id_plus_one: u32,
    len: u32,
    head: [u8; HEAD],
}

/// The first bytes of a name, zero-padded.
#[inline]
fn head_of(name: &[u8]) -> [u8; HEAD] {
    let mut head = [0u8; HEAD];
    let n = name.len().min(HEAD);
    head[..n].copy_from_slice(&name[..n]);
    head
}

/// An open-addressing table from names to their numbers (numbered in order of first insertion).
#[derive(Clone, Debug)]
struct Table<S> {
    names: Vec<S>,
    hashes: Vec<u64>,
    slots: Vec<Slot>,
}

impl<S> Default for Table<S> {
    fn default() -> Self {
        Table {
            names: Vec::new(),
            hashes: Vec::new(),
            slots: Vec::new(),
        }
    }
}

impl<S: AsRef<str>> Table<S> {
    #[inline]
    fn find(&self, name: &str, hash: u64) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let bytes = name.as_bytes();
        let head = head_of(bytes);
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let slot = &self.slots[at];
            if slot.id_plus_one == 0 {
                return None;
            }
            if slot.hash == hash && slot.len as usize == bytes.len() && slot.head == head {
                let id = slot.id_plus_one - 1;
                if bytes.len() <= HEAD || self.names[id as usize].as_ref() == name {
                    return Some(id);
                }
            }
            at = (at + 1) & mask;
        }
    }

    /// Starts fetching the slot where a look-up of `hash` begins.
    #[inline]
    fn prefetch(&self, hash: u64) {
        if self.slots.is_empty() {
            return;
        }
        super::memory::prefetch(&self.slots[hash as usize & (self.slots.len() - 1)]);
    }

    /// Adds a name known not to be in the table.
    fn insert_new(&mut self, name: S, hash: u64) -> u32 {
        if (self.names.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let id = self.names.len() as u32;
        let bytes = name.as_ref().as_bytes();
        self.place(Slot {
            hash,
            id_plus_one: id + 1,
            len: bytes.len() as u32,
            head: head_of(bytes),
        });
        self.names.push(name);
        self.hashes.push(hash);
        id
    }

    fn place(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut at = slot.hash as usize & mask;
        while self.slots[at].id_plus_one != 0 {
            at = (at + 1) & mask;
        }
        self.slots[at] = slot;
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); size]);
        for slot in old {
            if slot.id_plus_one != 0 {
                self.place(slot);
            }
        }
    }
}

/// The names of a whole log.
#[derive(Clone, Debug, Default)]
pub struct Names {
    table: Table<Arc<str>>,
}

impl Names {
    /// Interns a name whose [`name_hash`] is known.
    pub(crate) fn intern_hashed(&mut self, name: &str, hash: u64) -> u32 {
        match self.table.find(name, hash) {
            Some(id) => id,
            None => self.table.insert_new(Arc::from(name), hash),
        }
    }

    pub fn get(&self, id: u32) -> &str {
        &self.table.names[id as usize]
    }

    pub fn find(&self, name: &str) -> Option<u32> {
        self.table.find(name, name_hash(name))
    }

    /// Starts fetching what a look-up of a name with this hash reads, so that the look-up, done
    /// a little later, finds it in the cache.
    #[inline]
    pub(crate) fn prefetch(&self, hash: u64) {
        self.table.prefetch(hash);
    }

    /// [`Names::find`] for a name whose [`name_hash`] is known.
    #[inline]
    pub(crate) fn find_hashed(&self, name: &str, hash: u64) -> Option<u32> {
        self.table.find(name, hash)
    }

    pub fn len(&self) -> usize {
        self.table.names.len()
    }
}

/// The names met in one chunk of a log, borrowing from its text where they can.
#[derive(Debug, Default)]
pub(crate) struct LocalNames<'a> {
    table: Table<Cow<'a, str>>,
}

impl<'a> LocalNames<'a> {
    #[inline]
    pub(crate) fn intern(&mut self, name: Cow<'a, str>) -> u32 {
        let hash = name_hash(&name);
        self.intern_hashed(name, hash)
    }

    /// Interns a name whose [`name_hash`] is known.
    #[inline]
    pub(crate) fn intern_hashed(&mut self, name: Cow<'a, str>, hash: u64) -> u32 {
        match self.table.find(&name, hash) {
            Some(id) => id,
            None => self.table.insert_new(name, hash),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.table.names.len()
    }

    /// Every name with its hash, in order of first appearance.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.table
            .names
            .iter()
            .map(AsRef::as_ref)
            .zip(self.table.hashes.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_numbered_in_order_of_first_appearance() {
        let mut names = Names::default();
        let words: Vec<String> = (0..5_000)
            .map(|i| format!("acc-{:05}", i * 7 % 5_000))
            .collect();
        for w in &words {
            names.intern_hashed(w, name_hash(w));
        }
        // Long names, beyond what a slot holds.
        let long = "a-very-long-account-name-that-does-not-fit";
        let long_id = names.intern_hashed(long, name_hash(long));
        assert_eq!(names.find(long), Some(long_id));
        assert_eq!(names.find(&long.replace("fit", "fix")), None);
        for w in &words {
            names.intern_hashed(w, name_hash(w));
        }
        assert_eq!(names.len(), 5_001);
        for (i, w) in words.iter().enumerate() {
            assert_eq!(names.find(w), Some(i as u32));
            assert_eq!(names.get(i as u32), w);
        }
        assert_eq!(names.find("nope"), None);
        let mut local = LocalNames::default();
        assert_eq!(local.intern(Cow::Borrowed("b")), 0);
        assert_eq!(local.intern(Cow::Borrowed("a")), 1);
        assert_eq!(local.intern(Cow::Owned("b".to_string())), 0);
        let seen: Vec<&str> = local.iter().map(|(n, _)| n).collect();
        assert_eq!(seen, vec!["b", "a"]);
    }
}
