//! Bundles written, read back, verified, and refused after any edit.

use super::*;
use crate::ledger::checkpoint::SigningKey;
use crate::ledger::merkle::Tree;
use proptest::prelude::*;

/// A small sealed log, its leaves, a key and a checkpoint of its first `size` records.
struct Fixture {
    lines: Vec<String>,
    tree: Tree,
    key: SigningKey,
}

impl Fixture {
    fn new(n: usize) -> Fixture {
        let mut prev = chain::GENESIS;
        let mut lines = Vec::new();
        for i in 1..=n {
            let body = format!(
                r#"{{"seq":{i},"accountId":"acc-{}","type":"DEPOSIT","amount":"{i}.00","timestamp":"2024-03-01T12:00:{:02}.000Z""#,
                i % 3,
                i % 60
            );
            let (line, hash) = chain::seal_line(&body, &prev);
            prev = hash;
            lines.push(line);
        }
        let hashes: Vec<Hash> = lines
            .iter()
            .map(|l| merkle::leaf_hash(l.as_bytes()))
            .collect();
        Fixture {
            lines,
            tree: Tree::from_leaf_hashes(hashes),
            key: SigningKey::from_seed("ops-2024", &[1; 32]).unwrap(),
        }
    }

    fn leaf(&self) -> impl Fn(u64) -> Hash + '_ {
        |i| merkle::leaf_hash(self.lines[i as usize].as_bytes())
    }

    fn checkpoint(&self, size: u64) -> String {
        Checkpoint {
            origin: "bank-prod".into(),
            size,
            root: self.tree.root_at(size, &self.leaf()).unwrap(),
            extensions: vec![],
        }
        .sign(&self.key)
    }

    fn inclusion(&self, size: u64, indexes: &[u64]) -> String {
        let records = indexes
            .iter()
            .map(|&i| {
                (
                    i,
                    self.lines[i as usize].clone(),
                    self.tree.inclusion_proof(i, size, &self.leaf()).unwrap(),
                )
            })
            .collect();
        Bundle::inclusion(&self.checkpoint(size), records).to_text()
    }

    fn consistency(&self, old: u64, new: u64) -> String {
        let proof = self.tree.consistency_proof(old, new, &self.leaf()).unwrap();
        Bundle::consistency(&self.checkpoint(old), &self.checkpoint(new), &proof).to_text()
    }

    fn keys(&self) -> Vec<VerifierKey> {
        vec![self.key.verifier()]
    }
}

#[test]
fn bundles_are_written_in_rfc_8785_form() {
    let b = Bundle::inclusion(
        "cp\u{1}\"é",
        vec![(3, "{\"a\":\"\\u00e9/\"}".into(), vec![[0; 32]])],
    );
    assert_eq!(
        b.to_text(),
        "{\"checkpoint\":\"cp\\u0001\\\"é\",\"format\":\"rewind-bundle@v1\",\"kind\":\"inclusion\",\
         \"records\":[{\"index\":3,\"proof\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"],\
         \"record\":\"{\\\"a\\\":\\\"\\\\u00e9/\\\"}\"}]}\n"
    );
    let c = Bundle::consistency("o", "n", &[]);
    assert_eq!(
        c.to_text(),
        "{\"format\":\"rewind-bundle@v1\",\"kind\":\"consistency\",\"new\":\"n\",\"old\":\"o\",\"proof\":[]}\n"
    );
    assert_eq!(Bundle::parse(c.to_text().as_bytes()), Ok(c));
}

#[test]
fn an_inclusion_bundle_verifies_and_says_what_it_proves() {
    let f = Fixture::new(20);
    let text = f.inclusion(20, &[2, 3]);
    assert!(
        text.starts_with(r#"{"checkpoint":"bank-prod\n20\n"#),
        "{text}"
    );
    assert!(text.ends_with("}\n") && !text[..text.len() - 1].contains('\n'));
    match verify_bundle(text.as_bytes(), &f.keys(), Some("bank-prod")).unwrap() {
        Proven::Inclusion {
            checkpoint,
            signers,
            records,
        } => {
            assert_eq!(checkpoint.size, 20);
            assert_eq!(signers, vec!["ops-2024"]);
            assert_eq!(records.len(), 2);
            assert_eq!(records[0].number, 3);
            assert_eq!(records[1].record, f.lines[3]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_bundle_reveals_no_other_record() {
    let f = Fixture::new(20);
    let text = f.inclusion(20, &[2, 3]);
    for (i, line) in f.lines.iter().enumerate() {
        let hash = &line[line.len() - 66..line.len() - 2];
        let escaped = serde_json::to_string(line).unwrap();
        let inner = &escaped[1..escaped.len() - 1];
        // A record's own hash is the `prev` of the next: that much of record 5 shows in
        // record 4 (as in the log). Nothing of any other record does.
        let shown = text.contains(inner);
        assert_eq!(shown, i == 2 || i == 3, "record {}", i + 1);
        if !(1..=3).contains(&i) {
            assert!(!text.contains(hash), "record {}'s hash shows", i + 1);
        }
    }
}

#[test]
fn each_bad_bundle_is_refused_with_its_reason() {
    let f = Fixture::new(20);
    let good = f.inclusion(20, &[2, 3]);
    let keys = f.keys();
    let verify = |t: &str| verify_bundle(t.as_bytes(), &keys, None);
    assert!(verify(&good).is_ok());
    // Another key.
    let other = SigningKey::from_seed("ops-2024", &[2; 32]).unwrap();
    assert!(matches!(
        verify_bundle(good.as_bytes(), &[other.verifier()], None),
        Err(BundleError::Verify(VerifyError::Signature { .. }))
    ));
    // Another origin expected.
    assert!(matches!(
        verify_bundle(good.as_bytes(), &keys, Some("bank-test")),
        Err(BundleError::Verify(VerifyError::Origin { .. }))
    ));
    // Truncated, not JSON, whitespace added, a member repeated or unknown.
    assert!(matches!(
        verify(&good[..good.len() / 2]),
        Err(BundleError::Read(ReadError::NotABundle(_)))
    ));
    assert!(matches!(
        verify(&good.replacen(",\"format\"", ", \"format\"", 1)),
        Err(BundleError::Read(ReadError::NotCanonical))
    ));
    assert!(matches!(
        verify(&good.replacen("}\n", "}", 1)),
        Err(BundleError::Read(ReadError::NotCanonical))
    ));
    let twice = good.replacen(
        r#","format":"rewind-bundle@v1""#,
        r#","format":"rewind-bundle@v1","format":"rewind-bundle@v1""#,
        1,
    );
    assert!(matches!(verify(&twice), Err(BundleError::Read(_))));
    let unknown = good.replacen(r#","kind""#, r#","extra":1,"kind""#, 1);
    assert!(matches!(verify(&unknown), Err(BundleError::Read(_))));
    // A proof for another size: the records of a 20-record bundle under a 19-record checkpoint.
    let other_size = good.replacen(
        &serde_json::to_string(&f.checkpoint(20)).unwrap(),
        &serde_json::to_string(&f.checkpoint(19)).unwrap(),
        1,
    );
    assert!(matches!(
        verify(&other_size),
        Err(BundleError::Verify(VerifyError::Inclusion {
            number: 3,
            ..
        }))
    ));
    // Records out of order, or beyond the tree.
    let backwards = f.inclusion(20, &[3, 2]);
    assert_eq!(
        verify(&backwards),
        Err(BundleError::Verify(VerifyError::Order))
    );
    let beyond = good.replacen(r#"{"index":3,"#, r#"{"index":25,"#, 1);
    assert_eq!(
        verify(&beyond),
        Err(BundleError::Verify(VerifyError::OutOfTree {
            number: 26,
            size: 20
        }))
    );
}

#[test]
fn a_consistency_bundle_verifies_and_a_forked_one_does_not() {
    let f = Fixture::new(20);
    let keys = f.keys();
    for (old, new) in [(1, 20), (7, 20), (16, 20), (20, 20), (0, 5)] {
        let text = if old == 0 {
            Bundle::consistency(&f.checkpoint(0), &f.checkpoint(new), &[]).to_text()
        } else {
            f.consistency(old, new)
        };
        match verify_bundle(text.as_bytes(), &keys, None).unwrap() {
            Proven::Consistency { old: o, new: n, .. } => {
                assert_eq!((o.size, n.size), (old, new));
            }
            other => panic!("{other:?}"),
        }
    }
    // A log rewritten at record 3 and re-signed: its 7-record tree is no prefix of this one.
    let mut forked = Fixture::new(20);
    forked.lines[2] = forked.lines[2].replace("\"3.00\"", "\"300.00\"");
    let hashes: Vec<Hash> = forked
        .lines
        .iter()
        .map(|l| merkle::leaf_hash(l.as_bytes()))
        .collect();
    forked.tree = Tree::from_leaf_hashes(hashes);
    let proof = f.tree.consistency_proof(7, 20, &f.leaf()).unwrap();
    let text = Bundle::consistency(&forked.checkpoint(7), &f.checkpoint(20), &proof).to_text();
    assert!(matches!(
        verify_bundle(text.as_bytes(), &keys, None),
        Err(BundleError::Verify(VerifyError::Consistency { .. }))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic_the_bundle_reader(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let f = Fixture::new(3);
        let _ = verify_bundle(&bytes, &f.keys(), None);
    }

    #[test]
    fn arbitrary_json_never_panics_the_bundle_reader(
        index in any::<u64>(),
        proof in proptest::collection::vec("[A-Za-z0-9+/=]{0,48}", 0..70),
        record in ".{0,80}",
        checkpoint in ".{0,200}",
    ) {
        let f = Fixture::new(3);
        let b = Bundle::Inclusion {
            checkpoint,
            format: FORMAT.into(),
            records: vec![BundleRecord { index, proof, record }],
        };
        let _ = verify_bundle(b.to_text().as_bytes(), &f.keys(), None);
    }

    #[test]
    fn a_one_byte_edit_of_a_bundle_never_verifies(at in any::<usize>(), byte in any::<u8>(), consistency in any::<bool>()) {
        let f = Fixture::new(9);
        let text = if consistency { f.consistency(5, 9) } else { f.inclusion(9, &[4, 5, 8]) };
        let mut bytes = text.into_bytes();
        let at = at % bytes.len();
        prop_assume!(bytes[at] != byte);
        bytes[at] = byte;
        prop_assert!(verify_bundle(&bytes, &f.keys(), None).is_err());
    }
}
