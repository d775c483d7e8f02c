#!/usr/bin/env python3
"""Checks the hash chain of a rewind log, its head digest and its snapshots' binding from
FORMAT.md alone ("The log", "The hash chain", "Digests", "Snapshots"), without rewind: Python's
standard library only.

Usage: chain_verifier.py LOG [--snapshot FILE]...

Prints one JSON object: {"records": N, "integrity": "sealed"|"broken"|"unsealed"|"empty",
"head": "SEQ:HASH" or null, "brokenAt": LINE or null, "reason": TEXT or null,
"tornTail": LINE or null, "snapshots": [{"path": FILE, "bound": true|false, "reason": TEXT}]}.
Exits 0 when the log is an intact sealed (or empty) log with no torn last line and every snapshot
given is bound to it, 1 otherwise, 2 when the log is not a JSON Lines file it can read."""

import hashlib
import json
import re
import sys

ZEROS = "0" * 64
MAX_LINE = 1 << 20
MAX_SEQ = (1 << 63) - 1
EARLIEST = -62167219200000
LATEST = 253402300799999
WHITESPACE = b" \t\n\f\r"

# "Members and their aliases": each meaning's names, in order of precedence.
ALIASES = {
    "account": ["accountId", "account", "account_id"],
    "type": ["type", "eventType", "event_type"],
    "amount": ["amount"],
    "time": ["timestamp", "time", "ts", "createdAt", "created_at"],
    "id": ["eventId", "id", "event_id"],
    "to": ["to", "toAccountId", "to_account"],
    "seq": ["seq"],
    "prev": ["prev"],
    "hash": ["hash"],
}
EFFECTS = {"credit", "debit", "open", "close", "transfer", "ignore", "unknown"}


class Number(str):
    """A JSON number, kept as the text it is written with."""


class NotARecord(Exception):
    pass


def reject_constant(name):
    raise ValueError("not JSON: " + name)


def parse_object(text):
    """The members of one JSON object, in order, each value decoded except numbers."""
    pairs = json.loads(
        text,
        object_pairs_hook=lambda p: p,
        parse_int=Number,
        parse_float=Number,
        parse_constant=reject_constant,
    )
    if not isinstance(pairs, list):
        raise NotARecord("not a JSON object")
    return pairs


def pick(pairs, meaning):
    """The value of a meaning: the first name in the row that has a non-null value ("null counts
    as absent"); of a name given twice, its first value."""
    first = {}
    for name, value in pairs:
        first.setdefault(name, value)
    for name in ALIASES[meaning]:
        if name in first and first[name] is not None:
            return first[name]
    return None


def blank(text):
    return text.strip() == ""


def read_time(value):
    """"Times": epoch milliseconds, or None when the value is not a time."""
    if isinstance(value, Number):
        if not re.fullmatch(r"-?[0-9]+", value):
            return None
        ms = int(value)
    elif isinstance(value, str):
        ms = read_time_text(value.strip())
    else:
        return None
    if ms is None or not EARLIEST <= ms <= LATEST:
        return None
    return ms


def days(year, month, day):
    """Days since 1970-01-01 of a proleptic Gregorian date, or None when there is no such date."""
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    lengths = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not 1 <= month <= 12 or not 1 <= day <= lengths[month - 1]:
        return None
    y = year - 1 if month <= 2 else year
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def read_time_text(text):
    m = re.fullmatch(
        r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2})"
        r"(?::([0-9]{2})(?:\.([0-9]+))?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?",
        text,
    )
    if m:
        year, month, day, hour, minute = (int(g) for g in m.groups()[:5])
        second = int(m.group(6) or 0)
        millis = int(((m.group(7) or "") + "000")[:3])
        offset = 0
        zone = m.group(8)
        if zone and zone not in "Zz":
            oh, om = int(zone[1:3]), int(zone[4:6])
            if oh > 23 or om > 59:
                return None
            offset = (oh * 60 + om) * (1 if zone[0] == "+" else -1)
        d = days(year, month, day)
        if d is None or hour > 23 or minute > 59 or second > 59:
            return None
        return ((d * 24 + hour) * 60 + minute - offset) * 60000 + second * 1000 + millis
    if re.fullmatch(r"[0-9]+", text):
        return int(text)
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text)
    if m:
        d = days(*(int(g) for g in m.groups()))
        return None if d is None else d * 86400000
    return None


def amount_fits(text):
    """"Amounts": the grammar, and whether the value is m × 10^-s with 0 <= s <= 28, |m| < 2^96."""
    m = re.fullmatch(r"[+-]?([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?", text)
    if not m:
        return False
    whole, frac, exp = m.group(1), m.group(2) or "", int(m.group(3) or 0)
    digits = (whole + frac).lstrip("0")
    if not digits:
        return True  # zero, whatever its exponent
    trailing = len(digits) - len(digits.rstrip("0"))
    core = int(digits.rstrip("0"))
    power = trailing - len(frac) + exp  # the value is core × 10^power
    scale = max(0, -power)
    if scale > 28 or power > 28:
        return False
    return core * 10 ** (power + scale) < 1 << 96


def record(text):
    """The fields of a record ("Values"), or NotARecord."""
    try:
        pairs = parse_object(text)
    except (ValueError, RecursionError) as e:
        raise NotARecord(str(e))
    account = pick(pairs, "account")
    if not (isinstance(account, Number) or (isinstance(account, str) and not blank(account))):
        raise NotARecord("no account")
    kind = pick(pairs, "type")
    if isinstance(kind, Number) or not isinstance(kind, str) or blank(kind):
        raise NotARecord("no type")
    ts = read_time(pick(pairs, "time"))
    if ts is None:
        raise NotARecord("no time")
    amount = pick(pairs, "amount")
    if amount is not None and not (isinstance(amount, str) and amount_fits(amount)):
        raise NotARecord("bad amount")
    for meaning in ("id", "to"):
        value = pick(pairs, meaning)
        if value is not None and not isinstance(value, str):
            raise NotARecord("bad " + meaning)
    seq = pick(pairs, "seq")
    if seq is not None:
        ok = re.fullmatch(r"[0-9]+" if isinstance(seq, Number) else r"\+?[0-9]+", seq) if isinstance(seq, str) else None
        if not ok or int(seq) > MAX_SEQ:
            raise NotARecord("bad seq")
        seq = int(seq)
    prev, hash_ = pick(pairs, "prev"), pick(pairs, "hash")
    if (prev is None) != (hash_ is None):
        raise NotARecord("prev without hash, or hash without prev")
    hex64 = re.compile(r"[0-9a-f]{64}")
    if prev is not None and not (
        isinstance(prev, str) and isinstance(hash_, str) and hex64.fullmatch(prev) and hex64.fullmatch(hash_)
    ):
        raise NotARecord("prev and hash must be 64 lowercase hex digits")
    return {"seq": seq, "ts": ts, "prev": prev, "hash": hash_}


def hashed_part(line):
    """"The bytes a hash covers": all but the last 75 bytes, when they are `,"hash":"`, 64 bytes
    and `"}`."""
    if len(line) <= 75 or not line.endswith(b'"}') or line[-75:-66] != b',"hash":"':
        return None
    return line[:-75]


def lines_of(data):
    """"Framing": (line number, bytes without line end, whether a newline ends it, offset after
    it)."""
    out = []
    start = 0
    number = 0
    while start < len(data):
        end = data.find(b"\n", start)
        ended = end >= 0
        if not ended:
            end = len(data)
        line = data[start:end]
        number += 1
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if line.endswith(b"\r"):
            line = line[:-1]
        out.append((number, line, ended, end + 1))
        start = end + 1
    return out


def try_record(line):
    if len(line) > MAX_LINE:
        return None
    try:
        return record(line.decode("utf-8"))
    except (UnicodeDecodeError, NotARecord):
        return None


def verify(data):
    lines = lines_of(data)
    fields = [try_record(line) for _, line, _, _ in lines]
    records = sum(1 for f in fields if f is not None)
    first = next((f for f, (_, line, _, _) in zip(fields[:1000], lines) if f is not None), None)
    sealed = first is not None and first["hash"] is not None
    report = {"records": records, "integrity": None, "head": None, "brokenAt": None, "reason": None,
              "tornTail": None, "ends": {}}

    def broken(number, why):
        report.update(integrity="broken", brokenAt=number, reason=why)
        return report

    last = lines[-1] if lines else None
    if last and not last[2] and last[1].strip(WHITESPACE):
        report["tornTail"] = last[0]
    if not sealed:
        for (number, _, _, _), f in zip(lines, fields):
            if f is not None and f["hash"] is not None:
                return broken(number, "a sealed record in an unsealed log")
        report["integrity"] = "empty" if records == 0 else "unsealed"
        if records == 0:
            report["head"] = "0:" + ZEROS
        return report
    prev, prev_seq, head = ZEROS, None, None
    for (number, line, ended, after), f in zip(lines, fields):
        if not line.strip(WHITESPACE):
            return broken(number, "a blank line")
        if f is None:
            if number == report["tornTail"]:
                break
            return broken(number, "not a record")
        if f["hash"] is None:
            return broken(number, "no prev and hash")
        part = hashed_part(line)
        if part is None:
            return broken(number, "prev and hash are not the last two members")
        if hashlib.sha256(part).hexdigest() != f["hash"]:
            return broken(number, "the hash does not match the record's bytes")
        if f["prev"] != prev:
            return broken(number, "prev is not the hash of the record before")
        if f["seq"] is None:
            return broken(number, "no seq")
        if prev_seq is None and f["seq"] == 0:
            return broken(number, "the first seq is 0")
        if prev_seq is not None and f["seq"] != prev_seq + 1:
            return broken(number, "the seq does not follow")
        prev, prev_seq = f["hash"], f["seq"]
        head = "%d:%s" % (prev_seq, prev)
        if ended:
            report["ends"][after] = (number, f, line)
    report["integrity"] = "sealed"
    report["head"] = head
    return report


def check_snapshot(path, data, report):
    """"Snapshots": the fields, and the binding to the log."""
    snapshot = json.loads(open(path, "rb").read())
    if snapshot.get("format") != "rewind-snapshot/1":
        return "unknown format"
    offset = snapshot["offset"]
    if len(data) < offset:
        return "the log is shorter than the snapshot's offset"
    if offset not in report["ends"]:
        return "no record of the intact chain ends at byte %d" % offset
    number, f, line = report["ends"][offset]
    if f["seq"] != snapshot["seq"] or f["hash"] != snapshot["hash"] or number != snapshot["line"]:
        return "the record ending at the offset is not the one the snapshot names"
    if hashlib.sha256(hashed_part(line)).hexdigest() != snapshot["hash"]:
        return "the record's bytes do not hash to the snapshot's hash"
    before = [try_record(l) for n, l, _, _ in lines_of(data[:offset])]
    before = [b for b in before if b is not None]
    if len(before) != snapshot["records"]:
        return "records is not the number of records up to the offset"
    if max(b["ts"] for b in before) != snapshot["maxTimestampMs"]:
        return "maxTimestampMs is not the latest time of those records"
    if not set(snapshot["types"].values()) <= EFFECTS:
        return "an effect that is not one"
    ids = [a["accountId"] for a in snapshot["accounts"]]
    if ids != sorted(ids, key=lambda s: s.encode()) or len(set(ids)) != len(ids):
        return "the accounts are not sorted by id, each once"
    for a in snapshot["accounts"]:
        if not (amount_fits(a["balance"]) and amount_fits(a["turnover"])):
            return "an amount that is not one"
    return None


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    path, snapshots = args[0], []
    rest = args[1:]
    while rest:
        if rest[0] != "--snapshot" or len(rest) < 2:
            print("usage: chain_verifier.py LOG [--snapshot FILE]...", file=sys.stderr)
            sys.exit(2)
        snapshots.append(rest[1])
        rest = rest[2:]
    data = open(path, "rb").read()
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if body.lstrip(WHITESPACE).startswith(b"["):
        print("%s: a JSON array; this verifier reads JSON Lines logs" % path, file=sys.stderr)
        sys.exit(2)
    report = verify(data)
    report["snapshots"] = []
    for s in snapshots:
        why = check_snapshot(s, data, report) if report["integrity"] == "sealed" else "the log is not intact"
        report["snapshots"].append({"path": s, "bound": why is None, "reason": why})
    del report["ends"]
    print(json.dumps(report))
    ok = (
        report["integrity"] in ("sealed", "empty")
        and report["tornTail"] is None
        and all(s["bound"] for s in report["snapshots"])
    )
    sys.exit(0 if ok else 1)


main()
