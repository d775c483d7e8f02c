#!/bin/sh
# Peak resident memory of the commands that read a log of nothing but problems, and of `repair`
# on a huge torn line, through the real binary (README, Performance):
#   - `rewind balance` and `rewind check --json` on 10,000,000 bad lines (`x`, a 20 MB file);
#   - `rewind repair` of a sealed log whose torn last line is 1 GiB.
#
# usage: benches/problems_memory.sh [DIR] [BIN]   DIR holds the files (default /tmp/rewind-problems,
#        ~1.1 GB while it runs); BIN is the binary to measure (default: a release build of this tree)
# needs: GNU time (/usr/bin/time)
set -eu

DIR=${1:-/tmp/rewind-problems}
cd "$(dirname "$0")/.."
if [ -n "${2:-}" ]; then
	BIN=$2
else
	cargo build --release --quiet
	BIN=$(pwd)/target/release/rewind
fi
mkdir -p "$DIR"

peak() { # command... -> peak resident memory in MiB
	/usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p' |
		awk '{ printf "%d", $1 / 1024 }'
}

echo "machine: $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
bad="$DIR/bad.jsonl"
[ -s "$bad" ] || yes x | head -n 10000000 >"$bad"
echo "== 10,000,000 bad lines ($(($(stat -c %s "$bad") / 1000000)) MB)"
echo "balance:      $(peak "$BIN" balance "$bad") MiB"
echo "check --json: $(peak "$BIN" check "$bad" --json) MiB"
echo "check:        $(peak "$BIN" check "$bad") MiB"

torn="$DIR/torn.jsonl"
rm -f "$torn" "$torn.torn"
"$BIN" append "$torn" --account a --type DEPOSIT --amount 1 >/dev/null
head -c 1073741824 /dev/zero | tr '\0' 'x' >>"$torn"
echo "== repair of a 1 GiB torn line"
echo "repair:       $(peak "$BIN" repair "$torn") MiB"
rm -f "$torn" "$torn.torn"
