#!/usr/bin/env bash
# Benchmark: `rewind balance` on N Message DB messages (default 1,000,000) read from a PostgreSQL
# server on the same host. Run as root from the repository: `bash benches/pg_balance.sh [N]`.
# It starts a throwaway server (.ci/pg-server) unless REWIND_TEST_PG_URL and
# REWIND_TEST_MESSAGE_DB_TEMPLATE name one, fills a database with N messages in 1,000 account
# streams, and prints the wall time of three runs of the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}

if [ -z "${REWIND_TEST_PG_URL:-}" ]; then
  source .ci/pg-server
fi
cargo build --release --quiet

DB="rewind_bench_$N"
URL="${REWIND_TEST_PG_URL%/*}/$DB"
admin() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 "$REWIND_TEST_PG_URL" "$@"; }
if ! psql -X -qAt "$URL" -c "SELECT 1 FROM message_store.messages LIMIT 1" >/dev/null 2>&1 ||
  [ "$(psql -X -qAt "$URL" -c "SELECT count(*) FROM message_store.messages")" != "$N" ]; then
  admin -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB TEMPLATE $REWIND_TEST_MESSAGE_DB_TEMPLATE"
  # The rows write_message would write, inserted in one statement (a million function calls
  # would take minutes): 1,000 account streams, deposits and withdrawals with exact amounts.
  psql -X -q -v ON_ERROR_STOP=1 "$URL" <<SQL
INSERT INTO message_store.messages (id, stream_name, position, type, data, metadata, time)
SELECT gen_random_uuid(), 'account-' || (i % 1000), i / 1000,
       (ARRAY['Deposited', 'Withdrawn', 'Deposited'])[1 + i % 3],
       jsonb_build_object('accountId', 'acc-' || (i % 1000),
                          'amount', ((i % 10000) / 100.0)::numeric(12, 2)),
       jsonb_build_object('correlationStreamName', 'transfer-' || (i % 77)),
       timestamp '2024-01-01' + i * interval '1 second'
FROM generate_series(1, $N) AS i;
VACUUM ANALYZE message_store.messages;
SQL
fi

times=()
for run in 1 2 3; do
  start=$(date +%s.%N)
  ./target/release/rewind balance "$URL" --preset message-db >/dev/null 2>&1
  end=$(date +%s.%N)
  times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
printf 'rewind balance on %s Message DB messages (server on this host): best %.2f s, median %.2f s (runs: %s)\n' \
  "$N" "$(echo "$sorted" | head -n1)" "$(echo "$sorted" | sed -n 2p)" "${times[*]}"

# The floor: the server sending the very rows rewind asks for (the same binary COPY, in the same
# order) to psql, which throws them away.
floor=()
for run in 1 2 3; do
  start=$(date +%s.%N)
  psql -X -q "$URL" -c "\\copy (SELECT global_position, position, id, stream_name, type, time, data, metadata FROM message_store.messages ORDER BY global_position) TO '/dev/null' (FORMAT binary)"
  end=$(date +%s.%N)
  floor+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')")
done
fsorted=$(printf '%s\n' "${floor[@]}" | sort -n)
printf 'the floor, psql receiving the same binary COPY: best %.2f s, median %.2f s (runs: %s); rewind / floor (medians) %.2f\n' \
  "$(echo "$fsorted" | head -n1)" "$(echo "$fsorted" | sed -n 2p)" "${floor[*]}" \
  "$(awk -v a="$(echo "$sorted" | sed -n 2p)" -v b="$(echo "$fsorted" | sed -n 2p)" 'BEGIN { printf "%.2f", a / b }')"
