//! Keys, notes and checkpoints: round trips, the Go library's texts, and every way a text is
//! refused.

use super::*;
use proptest::prelude::*;

// ----- vectors of golang.org/x/mod/sumdb/note, note_test.go (BSD licence) -----
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

// ----- C2SP signed-note.md's example -----
const FOO_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const FOO_NOTE: &str = "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

#[test]
fn signing_goes_byte_for_byte_as_in_go() {
    let key = SigningKey::parse(PETER_SKEY).unwrap();
    assert_eq!(key.to_text(), PETER_SKEY);
    assert_eq!(key.verifier().to_text(), PETER_VKEY);
    assert_eq!(key.id(), 0xc74f20a3);
    assert_eq!(key.sign_note(TEXT), format!("{TEXT}\n{PETER_SIG}"));
}

#[test]
fn notes_of_go_and_of_the_c2sp_spec_verify() {
    let peter = VerifierKey::parse(PETER_VKEY).unwrap();
    let enoch = VerifierKey::parse(ENOCH_VKEY).unwrap();
    let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    let note = parse_note(both.as_bytes()).unwrap();
    assert_eq!(note.text, TEXT);
    assert_eq!(
        note.verify(std::slice::from_ref(&peter)).unwrap(),
        vec!["PeterNeumann"]
    );
    assert_eq!(
        note.verify(&[peter.clone(), enoch.clone()]).unwrap(),
        vec!["PeterNeumann", "EnochRoot"]
    );
    assert!(matches!(note.verify(&[]), Err(NoteError::NotSigned { .. })));
    let foo = VerifierKey::parse(FOO_VKEY).unwrap();
    let note = parse_note(FOO_NOTE.as_bytes()).unwrap();
    assert_eq!(note.verify(&[foo]).unwrap(), vec!["example.com/foo"]);
    // A signature of a known key that does not verify rejects the note.
    let bad = format!("{TEXT}\n{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
    assert_eq!(
        parse_note(bad.as_bytes()).unwrap().verify(&[peter]),
        Err(NoteError::InvalidSignature {
            name: "PeterNeumann".into()
        })
    );
}

#[test]
fn malformed_notes_are_refused_as_go_refuses_them() {
    let bad = [
        TEXT.to_string(),
        format!("{TEXT}\n"),
        format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
        format!("\x01{TEXT}\n{PETER_SIG}"),
        format!(
            "{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        ),
        format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
        format!("{TEXT}\n{}", PETER_SIG.repeat(101)),
    ];
    for msg in &bad {
        assert!(parse_note(msg.as_bytes()).is_err(), "{msg:?}");
    }
    let mut invalid = format!("{TEXT}\n{PETER_SIG}").into_bytes();
    invalid.insert(0, 0xff);
    assert_eq!(parse_note(&invalid), Err(NoteError::BadText));
}

#[test]
fn mangled_keys_are_refused_as_go_refuses_them() {
    // Every proper substring and every one-byte increment of a valid key (note_test.go's
    // TestNewVerifier / TestNewSigner).
    for (key, parse) in [
        (
            PETER_VKEY,
            (|t: &str| VerifierKey::parse(t).is_ok()) as fn(&str) -> bool,
        ),
        (PETER_SKEY, |t: &str| SigningKey::parse(t).is_ok()),
    ] {
        assert!(parse(key));
        let b = key.as_bytes();
        for i in 0..=b.len() {
            for j in i + 1..=b.len() {
                if (i, j) != (0, b.len()) {
                    let sub = std::str::from_utf8(&b[i..j]).unwrap();
                    assert!(!parse(sub), "{sub}");
                }
            }
        }
        for i in 0..b.len() {
            let mut m = b.to_vec();
            m[i] = m[i].wrapping_add(1);
            if let Ok(text) = std::str::from_utf8(&m) {
                assert!(!parse(text), "{text}");
            }
        }
    }
    // Wrong length and unknown algorithm, with adjusted key IDs.
    assert!(
        VerifierKey::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
        .is_err()
    );
    assert!(matches!(
        VerifierKey::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(KeyError::NotEd25519(_))
    ));
    assert!(VerifierKey::parse(PETER_SKEY).is_err());
    assert!(SigningKey::parse(PETER_VKEY).is_err());
}

#[test]
fn key_names_follow_c2sp() {
    for good in ["ops-2024", "example.com/log42", "bank-prod"] {
        assert!(valid_name(good));
    }
    for bad in ["", "a b", "a+b", "a\u{2003}b", "a\tb", "a\u{7}"] {
        assert!(!valid_name(bad), "{bad:?}");
        assert!(SigningKey::from_seed(bad, &[7; 32]).is_err());
    }
}

fn sample_checkpoint() -> (SigningKey, Checkpoint, String) {
    let key = SigningKey::from_seed("ops-2024", &[42; 32]).unwrap();
    let cp = Checkpoint {
        origin: "bank-prod".into(),
        size: 797,
        root: [9; 32],
        extensions: vec![],
    };
    let signed = cp.sign(&key);
    (key, cp, signed)
}

#[test]
fn a_checkpoint_round_trips_and_names_its_signer() {
    let (key, cp, signed) = sample_checkpoint();
    assert!(signed.starts_with("bank-prod\n797\nCQkJ"), "{signed}");
    assert!(signed.contains("\n\n— ops-2024 "));
    let (read, signers) = verify_signed_checkpoint(signed.as_bytes(), &[key.verifier()]).unwrap();
    assert_eq!(read.checkpoint, cp);
    assert_eq!(signers, vec!["ops-2024"]);
    let other = SigningKey::from_seed("ops-2024", &[43; 32]).unwrap();
    assert!(matches!(
        verify_signed_checkpoint(signed.as_bytes(), &[other.verifier()]),
        Err(CheckpointError::Note(NoteError::NotSigned { .. }))
    ));
}

#[test]
fn checkpoint_bodies_are_read_strictly() {
    let root = STANDARD.encode([1u8; 32]);
    let ok = format!("o\n5\n{root}\n");
    assert!(Checkpoint::parse_body(&ok).is_ok());
    let ext = format!("o\n5\n{root}\next one\n");
    assert_eq!(
        Checkpoint::parse_body(&ext).unwrap().extensions,
        vec!["ext one"]
    );
    for bad in [
        format!("o\n5\n{root}"),
        format!("o\n05\n{root}\n"),
        format!("o\n+5\n{root}\n"),
        format!("o\n-5\n{root}\n"),
        format!("o\n 5\n{root}\n"),
        format!("o\n18446744073709551616\n{root}\n"),
        format!("\n5\n{root}\n"),
        format!("o\n5\n{}\n", STANDARD.encode([1u8; 31])),
        format!("o\n5\n{}\n", &root[..root.len() - 1]),
        format!("o\n5\n{root}\n\n"),
        "o\n5\n".to_string(),
    ] {
        assert!(Checkpoint::parse_body(&bad).is_err(), "{bad:?}");
    }
    // Base64 with non-zero padding bits is not the canonical encoding of any hash.
    // (`AQE=` ends the root of 32 bytes of 1; `AQF=` differs only in the two unused bits.)
    let mut loose = root.clone().into_bytes();
    let at = loose.len() - 2;
    assert_eq!(loose[at], b'E');
    loose[at] = b'F';
    let loose = String::from_utf8(loose).unwrap();
    assert!(Checkpoint::parse_body(&format!("o\n5\n{loose}\n")).is_err());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_checkpoint_reader(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let (key, _, _) = sample_checkpoint();
        let _ = verify_signed_checkpoint(&bytes, &[key.verifier()]);
        let _ = VerifierKey::parse(&String::from_utf8_lossy(&bytes));
        let _ = SigningKey::parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn a_one_byte_edit_of_a_signed_checkpoint_never_verifies(at in 0usize..1000, byte in any::<u8>()) {
        let (key, cp, signed) = sample_checkpoint();
        let mut bytes = signed.into_bytes();
        let at = at % bytes.len();
        prop_assume!(bytes[at] != byte);
        bytes[at] = byte;
        if let Ok((read, _)) = verify_signed_checkpoint(&bytes, &[key.verifier()]) {
            prop_assert!(false, "an edited checkpoint verified: {:?} vs {:?}", read.checkpoint, cp);
        }
    }
}
