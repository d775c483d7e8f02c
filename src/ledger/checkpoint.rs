//! Signed checkpoints: the C2SP `tlog-checkpoint` body (origin, tree size, RFC 6962 root) inside a
//! C2SP `signed-note` with Ed25519 signatures, and the key text formats of Go's
//! `golang.org/x/mod/sumdb/note`, so that C2SP tools read what rewind writes and the other way
//! round.
//!
//! - Key ID: the first four bytes, big-endian, of `SHA-256(name || 0x0A || 0x01 || public key)`.
//! - Verifier key: `name+hex8(key ID)+base64(0x01 || public key)`.
//! - Signing key: `PRIVATE+KEY+name+hex8(key ID)+base64(0x01 || seed)`.
//! - Note: the text (ending in a newline), a blank line, then lines
//!   `— name base64(key ID || signature)`; the signature is over the text.
//!
//! Reading is strict: anything outside the formats is an error, never a panic (the fuzz-style
//! tests feed it arbitrary bytes; [`read_signed_checkpoint`] is the entry point a fuzz target
//! calls).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::Signer as _;
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::merkle::Hash;

/// The signature type byte of Ed25519 in C2SP notes.
pub const ED25519: u8 = 0x01;

/// The most signature lines a note may carry (Go's reader stops at 100 too).
pub const MAX_SIGNATURES: usize = 100;

/// The largest note read (a checkpoint with 100 signatures is far below it).
pub const MAX_NOTE_BYTES: usize = 64 * 1024;

/// Why a key text cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    /// A key name that C2SP does not allow.
    #[error(
        "`{0}` is not a key name: it must be non-empty, without spaces, `+` or control characters"
    )]
    BadName(String),
    /// Not the `PRIVATE+KEY+name+id+key` form.
    #[error("not a signing key (PRIVATE+KEY+NAME+ID+KEY)")]
    NotSigningKey,
    /// Not the `name+id+key` form.
    #[error("not a verifier key (NAME+ID+KEY)")]
    NotVerifierKey,
    /// A key of another algorithm than Ed25519.
    #[error("not an Ed25519 key (type byte {0:#04x})")]
    NotEd25519(u8),
    /// The key ID does not belong to the name and key.
    #[error("its key ID {got:08x} is not the one of its name and key ({want:08x})")]
    WrongKeyId {
        /// The ID written in the key.
        got: u32,
        /// The ID its name and key give.
        want: u32,
    },
    /// The bytes are not an Ed25519 public key.
    #[error("the key is not a valid Ed25519 public key")]
    BadPublicKey,
    /// The system gave no random bytes.
    #[error("no random bytes from the system: {0}")]
    Random(String),
}

/// Why a signed note cannot be read or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NoteError {
    /// Too large to be a note.
    #[error("over {MAX_NOTE_BYTES} bytes, too large for a signed note")]
    TooLarge,
    /// Not UTF-8, or a control character other than a newline.
    #[error("not a signed note: it must be UTF-8 without control characters other than newlines")]
    BadText,
    /// No blank line before the signatures, or no signature, or no final newline.
    #[error("not a signed note: the text must be followed by a blank line and signature lines")]
    NoSignatures,
    /// A signature line that is not `— name base64`.
    #[error("signature line {0} is not `— NAME SIGNATURE`")]
    BadSignatureLine(usize),
    /// More signature lines than [`MAX_SIGNATURES`].
    #[error("more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    /// A signature of a key given does not verify: the note was changed or forged.
    #[error("the signature of {name} does not verify: the checkpoint was altered or forged")]
    InvalidSignature {
        /// The key's name.
        name: String,
    },
    /// No signature of any key given.
    #[error("not signed by {wanted}{}", signed_by(.found))]
    NotSigned {
        /// The keys given, by name.
        wanted: String,
        /// The signatures present, as `name+id`.
        found: Vec<String>,
    },
}

fn signed_by(found: &[String]) -> String {
    if found.is_empty() {
        String::new()
    } else {
        format!(" (it is signed by {})", found.join(", "))
    }
}

/// Why a checkpoint cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckpointError {
    /// The signed note around it.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// Fewer than three lines, or an empty line in the body.
    #[error("not a checkpoint: it needs an origin, a tree size and a root hash, one a line")]
    Short,
    /// The origin line is empty.
    #[error("not a checkpoint: the origin line is empty")]
    NoOrigin,
    /// The size is not a decimal without leading zeros.
    #[error("not a checkpoint: `{0}` is not a tree size")]
    BadSize(String),
    /// The root is not the base64 of 32 bytes.
    #[error("not a checkpoint: `{0}` is not a base64 SHA-256 root hash")]
    BadRoot(String),
}

/// Whether `name` may be a key name (C2SP signed-note): non-empty, no Unicode space, no `+`; and,
/// as the note forbids them anyway, no control character.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// The key ID of an Ed25519 public key under `name`.
pub fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ED25519]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// An Ed25519 signing key with its name.
#[derive(Clone)]
pub struct SigningKey {
    name: String,
    id: u32,
    key: ed25519_dalek::SigningKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}+{:08x})", self.name, self.id)
    }
}

impl SigningKey {
    /// A fresh key from the system's random bytes.
    pub fn generate(name: &str) -> Result<SigningKey, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        SigningKey::from_seed(name, &seed)
    }

    /// The key of an Ed25519 seed (RFC 8032's 32-byte private key).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<SigningKey, KeyError> {
        if !valid_name(name) {
            return Err(KeyError::BadName(name.to_string()));
        }
        let key = ed25519_dalek::SigningKey::from_bytes(seed);
        let id = key_id(name, key.verifying_key().as_bytes());
        Ok(SigningKey {
            name: name.to_string(),
            id,
            key,
        })
    }

    /// Reads `PRIVATE+KEY+name+id+base64(0x01 || seed)` (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<SigningKey, KeyError> {
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(KeyError::NotSigningKey)?;
        let (name, id, key) = split_key(rest).ok_or(KeyError::NotSigningKey)?;
        if !valid_name(name) {
            return Err(KeyError::BadName(name.to_string()));
        }
        let seed: [u8; 32] = ed25519_key(&key)?.ok_or(KeyError::NotSigningKey)?;
        let parsed = SigningKey::from_seed(name, &seed)?;
        if parsed.id != id {
            return Err(KeyError::WrongKeyId {
                got: id,
                want: parsed.id,
            });
        }
        Ok(parsed)
    }

    /// The key's text, as Go's `note.GenerateKey` writes it.
    pub fn to_text(&self) -> String {
        let mut key = vec![ED25519];
        key.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id,
            STANDARD.encode(key)
        )
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key's ID.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The matching verifier key.
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// Signs a note text (which must end with a newline and be a valid note text): the whole
    /// signed note.
    pub fn sign_note(&self, text: &str) -> String {
        debug_assert!(text.ends_with('\n'));
        let signature = self.key.sign(text.as_bytes());
        let mut sig = self.id.to_be_bytes().to_vec();
        sig.extend_from_slice(&signature.to_bytes());
        format!("{text}\n— {} {}\n", self.name, STANDARD.encode(sig))
    }
}

/// `name+id+key` → its parts, the ID as a number and the key decoded.
fn split_key(text: &str) -> Option<(&str, u32, Vec<u8>)> {
    let (name, rest) = text.split_once('+')?;
    let (id, key) = rest.split_once('+')?;
    if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let id = u32::from_str_radix(id, 16).ok()?;
    let key = STANDARD.decode(key).ok()?;
    Some((name, id, key))
}

/// The 32 bytes of an Ed25519 key after its type byte; `Ok(None)` for another length.
fn ed25519_key(key: &[u8]) -> Result<Option<[u8; 32]>, KeyError> {
    match key.split_first() {
        Some((&ED25519, rest)) => Ok(rest.try_into().ok()),
        Some((&other, _)) => Err(KeyError::NotEd25519(other)),
        None => Ok(None),
    }
}

/// An Ed25519 verifier key with its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    id: u32,
    key: ed25519_dalek::VerifyingKey,
}

impl VerifierKey {
    /// Reads `name+id+base64(0x01 || public key)` (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<VerifierKey, KeyError> {
        let text = text.trim();
        if text.starts_with("PRIVATE+KEY+") {
            return Err(KeyError::NotVerifierKey);
        }
        let (name, id, key) = split_key(text).ok_or(KeyError::NotVerifierKey)?;
        if !valid_name(name) {
            return Err(KeyError::BadName(name.to_string()));
        }
        let public = ed25519_key(&key)?.ok_or(KeyError::NotVerifierKey)?;
        let want = key_id(name, &public);
        if want != id {
            return Err(KeyError::WrongKeyId { got: id, want });
        }
        let key =
            ed25519_dalek::VerifyingKey::from_bytes(&public).map_err(|_| KeyError::BadPublicKey)?;
        Ok(VerifierKey {
            name: name.to_string(),
            id,
            key,
        })
    }

    /// The key's text.
    pub fn to_text(&self) -> String {
        let mut key = vec![ED25519];
        key.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, STANDARD.encode(key))
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key's ID.
    pub fn id(&self) -> u32 {
        self.id
    }

    fn verify(&self, text: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
            return false;
        };
        self.key.verify_strict(text, &sig).is_ok()
    }
}

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The signer's key name.
    pub name: String,
    /// The signer's key ID.
    pub id: u32,
    /// The signature after the key ID.
    pub signature: Vec<u8>,
}

/// A signed note, read but not yet verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The text, with its final newline.
    pub text: String,
    /// The signature lines in order.
    pub signatures: Vec<NoteSignature>,
}

/// Reads the structure of a signed note (C2SP signed-note; the same checks as Go's `note.Open`).
pub fn parse_note(bytes: &[u8]) -> Result<Note, NoteError> {
    if bytes.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| NoteError::BadText)?;
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::BadText);
    }
    let split = text.rfind("\n\n").ok_or(NoteError::NoSignatures)?;
    let (body, sigs) = (&text[..split + 1], &text[split + 2..]);
    if sigs.is_empty() || !sigs.ends_with('\n') {
        return Err(NoteError::NoSignatures);
    }
    let mut signatures = Vec::new();
    for (i, line) in sigs[..sigs.len() - 1].split('\n').enumerate() {
        if signatures.len() == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let bad = || NoteError::BadSignatureLine(i + 1);
        let rest = line.strip_prefix("— ").ok_or_else(bad)?;
        let (name, b64) = rest.split_once(' ').ok_or_else(bad)?;
        if !valid_name(name) || b64.is_empty() {
            return Err(bad());
        }
        let raw = STANDARD.decode(b64).map_err(|_| bad())?;
        if raw.len() < 5 {
            return Err(bad());
        }
        signatures.push(NoteSignature {
            name: name.to_string(),
            id: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
            signature: raw[4..].to_vec(),
        });
    }
    Ok(Note {
        text: body.to_string(),
        signatures,
    })
}

impl Note {
    /// Checks the signatures of the keys given (by name and ID; others are ignored as C2SP says):
    /// every one of them must verify, and at least one must be there. The names of the keys that
    /// signed.
    pub fn verify(&self, keys: &[VerifierKey]) -> Result<Vec<String>, NoteError> {
        let mut signed = Vec::new();
        for sig in &self.signatures {
            let Some(key) = keys.iter().find(|k| k.name == sig.name && k.id == sig.id) else {
                continue;
            };
            if !key.verify(self.text.as_bytes(), &sig.signature) {
                return Err(NoteError::InvalidSignature {
                    name: key.name.clone(),
                });
            }
            if !signed.contains(&key.name) {
                signed.push(key.name.clone());
            }
        }
        if signed.is_empty() {
            return Err(NoteError::NotSigned {
                wanted: keys
                    .iter()
                    .map(|k| format!("{}+{:08x}", k.name, k.id))
                    .collect::<Vec<_>>()
                    .join(" or "),
                found: self
                    .signatures
                    .iter()
                    .map(|s| format!("{}+{:08x}", s.name, s.id))
                    .collect(),
            });
        }
        Ok(signed)
    }
}

/// The body of a checkpoint: which log, how many leaves, which root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity.
    pub origin: String,
    /// The number of leaves.
    pub size: u64,
    /// The RFC 6962 root of those leaves.
    pub root: Hash,
    /// Extension lines (opaque; rewind writes none).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: origin, size, base64 root and any extension lines, each ending in a newline.
    pub fn body(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        );
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// Reads a note text as a checkpoint body (C2SP tlog-checkpoint).
    pub fn parse_body(text: &str) -> Result<Checkpoint, CheckpointError> {
        let lines: Vec<&str> = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::Short)?
            .split('\n')
            .collect();
        if lines.len() < 3 {
            return Err(CheckpointError::Short);
        }
        if lines.iter().skip(1).any(|l| l.is_empty()) {
            return Err(CheckpointError::Short);
        }
        if lines[0].is_empty() {
            return Err(CheckpointError::NoOrigin);
        }
        let size_text = lines[1];
        let size = size_text
            .parse::<u64>()
            .ok()
            .filter(|_| {
                size_text.bytes().all(|b| b.is_ascii_digit())
                    && (size_text == "0" || !size_text.starts_with('0'))
            })
            .ok_or_else(|| CheckpointError::BadSize(size_text.to_string()))?;
        let root = STANDARD
            .decode(lines[2])
            .ok()
            .and_then(|r| <[u8; 32]>::try_from(r).ok())
            .ok_or_else(|| CheckpointError::BadRoot(lines[2].to_string()))?;
        Ok(Checkpoint {
            origin: lines[0].to_string(),
            size,
            root,
            extensions: lines[3..].iter().map(|l| l.to_string()).collect(),
        })
    }

    /// The signed checkpoint: the body in a note signed by `key`.
    pub fn sign(&self, key: &SigningKey) -> String {
        key.sign_note(&self.body())
    }
}

/// A checkpoint read from its signed note, signatures not yet checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The body.
    pub checkpoint: Checkpoint,
    /// The note (text and signatures).
    pub note: Note,
    /// The note exactly as read.
    pub text: String,
}

impl SignedCheckpoint {
    /// Checks the signatures of the keys given; the names of the keys that signed.
    pub fn verify(&self, keys: &[VerifierKey]) -> Result<Vec<String>, NoteError> {
        self.note.verify(keys)
    }
}

/// Reads a signed checkpoint (its structure; [`SignedCheckpoint::verify`] checks signatures).
pub fn read_signed_checkpoint(bytes: &[u8]) -> Result<SignedCheckpoint, CheckpointError> {
    let note = parse_note(bytes)?;
    let checkpoint = Checkpoint::parse_body(&note.text)?;
    Ok(SignedCheckpoint {
        checkpoint,
        note,
        text: String::from_utf8(bytes.to_vec()).map_err(|_| NoteError::BadText)?,
    })
}

/// Reads a checkpoint and checks its signatures against `keys`: the checkpoint and the names of
/// the keys that signed it. What a fuzz target of the checkpoint reader calls.
pub fn verify_signed_checkpoint(
    bytes: &[u8],
    keys: &[VerifierKey],
) -> Result<(SignedCheckpoint, Vec<String>), CheckpointError> {
    let cp = read_signed_checkpoint(bytes)?;
    let signers = cp.verify(keys)?;
    Ok((cp, signers))
}

#[cfg(test)]
mod tests;
