#!/bin/sh
# End-to-end figures for the README's Performance table, through the real binary:
#   - `rewind balance FILE --json --no-snapshot` on 1,000,000 and 10,000,000 generated events
#     (hyperfine medians, warm page cache);
#   - the peak resident memory of the same commands (`/usr/bin/time -v`), beside the budget of
#     the file's size plus 64 bytes per event;
#   - `rewind generate` of 10,000,000 events into a file.
#
# usage: benches/e2e.sh [DIR]     DIR holds the generated logs (default /tmp/rewind-bench, ~3 GB)
# needs: hyperfine, GNU time (/usr/bin/time)
set -eu

DIR=${1:-/tmp/rewind-bench}
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$(pwd)/target/release/rewind
mkdir -p "$DIR"

log() { # events accounts -> path (generated once)
	path="$DIR/$1.jsonl"
	[ -s "$path" ] || "$BIN" generate --events "$1" --accounts "$2" >"$path"
	echo "$path"
}

echo "machine: $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for spec in "1000000 10000" "10000000 100000"; do
	set -- $spec
	path=$(log "$1" "$2")
	bytes=$(stat -c %s "$path")
	echo
	echo "== balance on $1 events, $2 accounts ($((bytes / 1000000)) MB)"
	hyperfine --style basic --warmup 2 --runs "$([ "$1" -gt 1000000 ] && echo 5 || echo 15)" \
		--prepare "cat $path > /dev/null" \
		--export-json "$DIR/balance-$1.json" \
		"$BIN balance $path --json --no-snapshot" 2>/dev/null | grep -E "Time|Range"
	median=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%.3f' % r['median'])" "$DIR/balance-$1.json")
	echo "median: ${median} s"
	peak=$(/usr/bin/time -v "$BIN" balance "$path" --json --no-snapshot 2>&1 >/dev/null |
		sed -n 's/.*Maximum resident set size (kbytes): //p')
	budget=$(((bytes + 64 * $1) / 1024))
	echo "peak resident memory: $((peak / 1024)) MiB (budget: file + 64 B/event = $((budget / 1024)) MiB)"
done

echo
echo "== generate 10,000,000 events into a file"
hyperfine --style basic --runs 3 \
	"$BIN generate --events 10000000 --accounts 100000 > $DIR/generated.jsonl" 2>/dev/null | grep -E "Time|Range"
rm -f "$DIR/generated.jsonl"
