#!/usr/bin/env python3
"""Checks a rewind evidence bundle from FORMAT.md alone, without rewind: Python's hashlib and
the `cryptography` package's Ed25519. Usage: independent_verifier.py BUNDLE VERIFIER_KEY_FILE.
Prints `ok: N records of ORIGIN (SIZE)` and exits 0, or names what fails and exits 1."""

import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def fail(why):
    print("fails: " + why, file=sys.stderr)
    sys.exit(1)


def b64(text):
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode() != text:
        fail("base64 not canonical")
    return raw


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index, size, leaf, proof):
    # RFC 9162, section 2.1.3.2.
    if index >= size:
        fail("index beyond the tree")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            fail("proof too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        fail("proof too short")
    return r


def main():
    data = open(sys.argv[1], "rb").read()
    bundle = json.loads(data)
    canonical = json.dumps(bundle, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    if canonical.encode() != data:
        fail("not in RFC 8785 form")
    if bundle.get("format") != "rewind-bundle@v1" or bundle.get("kind") != "inclusion":
        fail("not an inclusion bundle")
    name, key_id, key = open(sys.argv[2]).read().strip().split("+", 2)
    raw = b64(key)
    if raw[0] != 1 or len(raw) != 33:
        fail("not an Ed25519 key")
    public = raw[1:]
    if hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4].hex() != key_id:
        fail("key ID")
    note = bundle["checkpoint"].encode()
    split = note.rindex(b"\n\n")
    text, signatures = note[: split + 1], note[split + 2 :].decode()
    verified = False
    for line in signatures.splitlines():
        signer, sig = line[2:].split(" ")
        sig = b64(sig)
        if line.startswith("\u2014 ") and signer == name and sig[:4].hex() == key_id:
            Ed25519PublicKey.from_public_bytes(public).verify(sig[4:], text)
            verified = True
    if not verified:
        fail("not signed by the key")
    origin, size, root = text.decode().split("\n")[:3]
    size, root = int(size), b64(root)
    for entry in bundle["records"]:
        record = entry["record"].encode()
        leaf = hashlib.sha256(b"\x00" + record).digest()
        proof = [b64(p) for p in entry["proof"]]
        if root_from_inclusion(entry["index"], size, leaf, proof) != root:
            fail("record %d is not in the tree" % (entry["index"] + 1))
        # The record's own chain hash: SHA-256 of its bytes up to `,"hash":`.
        at = record.rindex(b',"hash":"')
        if hashlib.sha256(record[:at]).hexdigest() != record[at + 9 : at + 73].decode():
            fail("record %d's hash" % (entry["index"] + 1))
    print("ok: %d records of %s (%d)" % (len(bundle["records"]), origin, size))


main()
