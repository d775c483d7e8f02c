#!/bin/sh
# rewind beside what users would pick instead, in one run, on the same generated logs:
#   - `rewind balance FILE --json --no-snapshot` (every account's exact balance);
#   - `rewind history FILE --account ID --json` (the first event's account) (full depth: what the explorer builds);
#   - DuckDB (from PyPI, in a throwaway virtualenv): `read_ndjson` and an exact DECIMAL(38,2)
#     group-by giving the same balances, as a whole process;
#   - lnav (from the system packages): indexing the file headless (`lnav -n -c ':quit'`).
# Each is timed by hyperfine (median of several warm runs); the balances of rewind and DuckDB are
# compared first, so the figures are for the same answer. A tool that is absent is said so and
# skipped; the ratios are printed against rewind's `balance`.
#
# usage: benches/compare.sh [EVENTS...]     (default: 1000000 10000000; logs in $DIR, ~1.4 GB
#                                            for 10,000,000 events)
# BIN=PATH measures that binary instead of building this checkout.
# needs: hyperfine; python3 -m venv (for DuckDB); lnav (apt-get install lnav) optional
set -eu

cd "$(dirname "$0")/.."
DIR=${DIR:-/tmp/rewind-compare}
RUNS=${RUNS:-5}
mkdir -p "$DIR"
# BIN=PATH measures another build (no build then).
if [ -z "${BIN:-}" ]; then
	cargo build --release --quiet
	BIN=$(pwd)/target/release/rewind
fi
[ $# -gt 0 ] || set -- 1000000 10000000

# DuckDB in a virtualenv of its own, made once.
VENV="$DIR/venv"
if [ ! -x "$VENV/bin/python" ]; then
	python3 -m venv "$VENV" && "$VENV/bin/pip" install -q duckdb || echo "DuckDB: could not be installed; skipped"
fi
DUCK=""
if "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
	DUCK="$VENV/bin/python"
	echo "DuckDB $("$DUCK" -c 'import duckdb; print(duckdb.__version__)')"
else
	echo "DuckDB: absent; skipped"
fi
if command -v lnav >/dev/null; then
	echo "$(lnav -V | head -1)"
else
	echo "lnav: absent (apt-get install lnav); skipped"
fi
echo "machine: $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# The same balances as rewind's default types (FORMAT.md, "Event types"): credits, debits, an
# opening amount, transfers out of `accountId` and into `to`. Amounts are read as text and cast to
# DECIMAL(38,2): exact, as rewind's are.
cat >"$DIR/duck.py" <<'EOF'
import sys, duckdb
path = sys.argv[1]
con = duckdb.connect()
rows = con.execute(f"""
WITH e AS (
  SELECT accountId AS a, "to" AS t, upper(type) AS k, CAST(amount AS DECIMAL(38,2)) AS x
  FROM read_ndjson('{path}', columns = {{
    'accountId': 'VARCHAR', 'to': 'VARCHAR', 'type': 'VARCHAR', 'amount': 'VARCHAR'}})
), moves AS (
  SELECT a, CASE
      WHEN k IN ('DEPOSIT','MONEY_DEPOSITED','DEPOSITED','CREDIT','INTEREST_PAID','REFUND',
                 'ACCOUNT_OPENED','ACCOUNT_CREATED') THEN x
      WHEN k IN ('WITHDRAW','WITHDRAWAL','WITHDRAWN','MONEY_WITHDRAWN','BILL_PAID','PAYMENT','FEE',
                 'DEBIT','CHARGE') THEN -x
      WHEN k IN ('TRANSFER','MONEY_TRANSFERRED') AND t IS NOT NULL THEN -x
      ELSE 0 END AS d
  FROM e
  UNION ALL
  SELECT t, x FROM e WHERE k IN ('TRANSFER','MONEY_TRANSFERRED') AND t IS NOT NULL
)
SELECT a, CAST(sum(d) AS DECIMAL(38,2)) FROM moves GROUP BY a ORDER BY a
""").fetchall()
for a, b in rows:
    print(a, b)
EOF

for events in "$@"; do
	accounts=$((events / 100))
	path="$DIR/$events.jsonl"
	[ -s "$path" ] || "$BIN" generate --events "$events" --accounts "$accounts" --seed 1 >"$path"
	echo
	echo "== $events events, $accounts accounts, $(($(stat -c %s "$path") / 1000000)) MB"
	if [ -n "$DUCK" ]; then
		"$BIN" balance "$path" --json --no-snapshot |
			python3 -c 'import json,sys
for a in json.load(sys.stdin)["accounts"]:
    print(a["accountId"], "%.2f" % __import__("decimal").Decimal(a["balance"]))' | sort >"$DIR/rewind.txt"
		"$DUCK" "$DIR/duck.py" "$path" | sort >"$DIR/duck.txt"
		if cmp -s "$DIR/rewind.txt" "$DIR/duck.txt"; then
			echo "balances: rewind and DuckDB agree on all $(wc -l <"$DIR/rewind.txt") accounts"
		else
			echo "balances: rewind and DuckDB DISAGREE:"; diff "$DIR/rewind.txt" "$DIR/duck.txt" | head -5
		fi
	fi
	acct=$(head -1 "$path" | sed 's/.*"accountId":"\([^"]*\)".*/\1/')
	set -- "$BIN balance $path --json --no-snapshot" "$BIN history $path --account $acct --json"
	[ -z "$DUCK" ] || set -- "$@" "$DUCK $DIR/duck.py $path"
	! command -v lnav >/dev/null || set -- "$@" "lnav -n -c ':quit' $path"
	hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$DIR/$events.json" "$@" >/dev/null 2>&1 ||
		hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$DIR/$events.json" "$@"
	python3 - "$DIR/$events.json" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base = results[0]["median"]
for r in results:
    cmd = r["command"]
    name = ("rewind balance" if " balance " in cmd else "rewind history (full depth)" if " history " in cmd
            else "DuckDB exact group-by" if "duck.py" in cmd else "lnav indexing")
    print(f"{name:30} median {r['median']:7.3f} s   {r['median'] / base:5.2f}x rewind balance")
EOF
	set --
done
