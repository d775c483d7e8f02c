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

/// Bytes of a name kept beside its number: a name this long or shorter is compared without
/// following a pointer to its text.
const HEAD: usize = 16;

/// What is kept of each name for finding it fast: its length and first bytes, zero-padded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    len: u32,
    head: [u8; HEAD],
}

impl Key {
    #[inline]
    fn of(name: &[u8]) -> Key {
        let mut head = [0u8; HEAD];
        let n = name.len().min(HEAD);
        head[..n].copy_from_slice(&name[..n]);
        Key {
            len: name.len() as u32,
            head,
        }
    }
}

/// An open-addressing table from names to their numbers (numbered in order of first insertion).
///
/// The slots are small (the high half of the hash and the number), and the keys are kept densely
/// by number, so that the table of a log with tens of thousands of accounts stays in a core's
/// cache.
#[derive(Clone, Debug)]
struct Table<S> {
    names: Vec<S>,
    keys: Vec<Key>,
    hashes: Vec<u64>,
    /// Each slot: the high half of the hash and the number plus one; 0 is an empty slot.
    slots: Vec<u64>,
}

impl<S> Default for Table<S> {
    fn default() -> Self {
        Table {
            names: Vec::new(),
            keys: Vec::new(),
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
        let key = Key::of(name.as_bytes());
        let tag = hash >> 32;
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                return None;
            }
            if slot >> 32 == tag {
                let id = (slot as u32).wrapping_sub(1);
                if self.keys[id as usize] == key
                    && (name.len() <= HEAD || self.names[id as usize].as_ref() == name)
                {
                    return Some(id);
                }
            }
            at = (at + 1) & mask;
        }
    }

    /// Adds a name known not to be in the table.
    fn insert_new(&mut self, name: S, hash: u64) -> u32 {
        if (self.names.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let id = self.names.len() as u32;
        self.keys.push(Key::of(name.as_ref().as_bytes()));
        self.names.push(name);
        self.hashes.push(hash);
        self.place(hash, id);
        id
    }

    fn place(&mut self, hash: u64, id: u32) {
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        while self.slots[at] != 0 {
            at = (at + 1) & mask;
        }
        self.slots[at] = (hash >> 32) << 32 | u64::from(id + 1);
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(16);
        self.slots = vec![0; size];
        for id in 0..self.hashes.len() {
            self.place(self.hashes[id], id as u32);
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
