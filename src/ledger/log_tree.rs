//! The Merkle tree of a loaded sealed log. Its leaves are the log's records in the order of the
//! file, each the bytes of its line without the line end (and without a byte-order mark on the
//! first line): exactly the bytes whose prefix the record's `hash` covers, and the whole record as
//! written (`FORMAT.md`, "Merkle leaves").

use super::book::Ledger;
use super::merkle::{self, DEFAULT_BASE, Hash, ProofError, Tree};
use super::raw::SourceBytes;

/// A loaded log's records as the leaves of an RFC 6962 tree, with the tree's upper levels.
pub struct LogTree<'a> {
    ledger: &'a Ledger,
    bytes: SourceBytes<'a>,
    /// The event of each leaf, where the events are not in the order of the file.
    order: Option<Vec<u32>>,
    tree: Tree,
}

impl<'a> LogTree<'a> {
    /// Hashes every record of `ledger` (in parallel) into the tree's upper levels.
    pub fn new(ledger: &'a Ledger) -> std::io::Result<LogTree<'a>> {
        let bytes = ledger.source_bytes()?;
        let events = ledger.events();
        let order = if events.windows(2).all(|w| w[0].offset < w[1].offset) {
            None
        } else {
            let mut order: Vec<u32> = (0..events.len() as u32).collect();
            order.sort_by_key(|&i| events[i as usize].offset);
            Some(order)
        };
        let mut log = LogTree {
            ledger,
            bytes,
            order,
            tree: Tree::from_leaf_hashes(Vec::new()),
        };
        let tree = {
            let log = &log;
            Tree::build(events.len() as u64, DEFAULT_BASE, |i| log.leaf_hash(i))
        };
        log.tree = tree;
        Ok(log)
    }

    /// The number of leaves (records).
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// The event (index in the ledger) of leaf `leaf`.
    pub fn event_of(&self, leaf: u64) -> usize {
        match &self.order {
            None => leaf as usize,
            Some(order) => order[leaf as usize] as usize,
        }
    }

    /// The leaf of event `event`.
    pub fn leaf_of(&self, event: usize) -> u64 {
        match &self.order {
            None => event as u64,
            Some(order) => order
                .iter()
                .position(|&e| e as usize == event)
                .expect("every event is a leaf") as u64,
        }
    }

    /// The bytes of leaf `leaf`: its record as written.
    pub fn record(&self, leaf: u64) -> &[u8] {
        let e = self.ledger.event(self.event_of(leaf));
        let start = e.offset as usize;
        self.bytes
            .get(start..start + e.len as usize)
            .expect("the source holds every record it was read with")
    }

    /// The hash of leaf `leaf`.
    pub fn leaf_hash(&self, leaf: u64) -> Hash {
        merkle::leaf_hash(self.record(leaf))
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        self.tree.root(&|i| self.leaf_hash(i))
    }

    /// The root of the tree of the first `size` records.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        self.tree.root_at(size, &|i| self.leaf_hash(i))
    }

    /// The inclusion proof of leaf `leaf` in the tree of the first `size` records.
    pub fn inclusion_proof(&self, leaf: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        self.tree
            .inclusion_proof(leaf, size, &|i| self.leaf_hash(i))
    }

    /// The consistency proof from the first `old` records to the first `new`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        self.tree
            .consistency_proof(old, new, &|i| self.leaf_hash(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{LoadOptions, chain, load_bytes};

    #[test]
    fn the_leaves_are_the_records_as_written_without_line_ends() {
        let (a, h) = chain::seal_line(
            r#"{"seq":1,"accountId":"a","type":"DEPOSIT","amount":"1","timestamp":1"#,
            &chain::GENESIS,
        );
        let (b, _) = chain::seal_line(
            r#"{"seq":2,"accountId":"a","type":"DEPOSIT","amount":"2","timestamp":2"#,
            &h,
        );
        let text = format!("\u{feff}{a}\r\n{b}\n");
        let ledger = load_bytes("t", text.into_bytes(), &LoadOptions::default());
        assert!(ledger.problems().is_empty(), "{:?}", ledger.problems());
        let tree = LogTree::new(&ledger).unwrap();
        assert_eq!(tree.size(), 2);
        assert_eq!(tree.record(0), a.as_bytes());
        assert_eq!(tree.record(1), b.as_bytes());
        let want = merkle::node_hash(
            &merkle::leaf_hash(a.as_bytes()),
            &merkle::leaf_hash(b.as_bytes()),
        );
        assert_eq!(tree.root(), want);
        assert_eq!(tree.root_at(1).unwrap(), merkle::leaf_hash(a.as_bytes()));
    }

    /// The root of the bundled sample, computed apart from rewind by a script written from RFC
    /// 6962's definition (Python's hashlib over the file's lines without their newlines).
    #[test]
    fn the_root_of_the_sample_is_the_one_an_outside_implementation_computes() {
        let ledger = load_bytes(
            "sample",
            include_bytes!("../../assets/sample.jsonl").to_vec(),
            &LoadOptions::default(),
        );
        let tree = LogTree::new(&ledger).unwrap();
        assert_eq!(tree.size(), 799);
        assert_eq!(chain::to_hex(&tree.root()), SAMPLE_ROOT);
    }

    const SAMPLE_ROOT: &str = "9c3c5dde903b68886c21caa3ab6213ea3213ff07052358d7d04a97eded692514";
}
