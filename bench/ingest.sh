#!/usr/bin/env bash
# ingest.sh — write speed of the tracking core (issue 2), as ratios against references measured
# in the same run on the same machine:
#   A. nginx answering 204 to the same POST /v1/events requests (the HTTP floor),
#   B. bench/sqlite_ref.c inserting the same event rows into Rastro's own schema with Rastro's
#      pragmas (WAL, synchronous=FULL) in 1,000-row transactions (the storage ceiling).
# Rastro (release build) runs on a fresh SQLite file (a new one for each phase, like the
# reference) with 1 merchant and 1,000 orders of one shipment each. wrk sends new events only (bench/events.lua), keep-alive:
#   (a) one event per POST at 64 connections: target >= 70% of min(A req/s, B rows/s);
#   (b) 1,000 events per POST: target >= 70% of B rows/s.
# After each run the events in the database are counted: every 2xx must be there (the server is
# killed with SIGKILL before the last count, so nothing is flushed on a clean exit).
# Env: BENCH_DURATION (s per run, default 10), BENCH_CONNS (64), BENCH_BATCH_CONNS (4).
source "$(dirname "$0")/lib.sh"
CONNS=${BENCH_CONNS:-64}
BATCH_CONNS=${BENCH_BATCH_CONNS:-4}
SHIPMENTS=1000
export BENCH_SHIPMENTS=$SHIPMENTS
b_prepare

echo "ingest bench: $(nproc) cores, wrk ${THREADS} threads, ${DURATION}s per run, temp dir $B_DIR"
MIGRATIONS=$(ls src/store/sql/*.sqlite.sql | sort)

# ---- reference B: plain SQLite ----
cc -O2 -o "$B_DIR/sqlite_ref" bench/sqlite_ref.c -lsqlite3
# shellcheck disable=SC2086
ref_line=$("$B_DIR/sqlite_ref" "$B_DIR/ref.db" "$DURATION" 1000 "$SHIPMENTS" $MIGRATIONS)
REF_ROWS=$(sed 's/.*rows_per_s=\([0-9]*\).*/\1/' <<<"$ref_line")
echo "  sqlite_ref: $ref_line"

# ---- Rastro: fresh database, merchant, orders and shipments ----
# Each phase starts from a fresh database, as the reference does: the batch phase must not pay
# for the events the single phase left behind (larger indexes) when sqlite_ref does not.
{
  echo "order_ref,placed_at,destination_city,destination_country,carrier,tracking_number"
  for i in $(seq 1 $SHIPMENTS); do echo "B$i,2025-01-01T10:00:00Z,Madrid,ES,correos,BENCH$i"; done
} >"$B_DIR/shipments.csv"
fresh_db() { # DB: merchant 1 with SHIPMENTS orders of one shipment each; sets BENCH_KEY
  rm -f "$1" "$1-wal" "$1-shm"
  BENCH_KEY=$("$RASTRO" merchant create "Bench shop" --db "$1" 2>/dev/null | sed -n 's/^api key: //p')
  export BENCH_KEY
  "$RASTRO" import --merchant 1 --db "$1" "$B_DIR/shipments.csv" >/dev/null 2>&1
}
DB=$B_DIR/rastro.db
fresh_db "$DB"
schema() { sqlite3 "$1" "SELECT sql FROM sqlite_master WHERE tbl_name='events' ORDER BY name"; }
if [ "$(schema "$DB")" = "$(schema "$B_DIR/ref.db")" ]; then
  echo "  schema check: the reference's events table and indexes are Rastro's"
else
  echo "  schema check FAILED: sqlite_ref's events table differs from Rastro's" >&2
  exit 1
fi
count_events() { sqlite3 "$DB" "SELECT count(*) FROM events"; }

# ---- reference A: nginx, 204 to the same requests ----
b_start_nginx '    location = /v1/events { return 204; }
    location = / { return 204; }'
BENCH_WANT=204 b_wrk nginx-post "$CONNS" "$N_BASE/v1/events" bench/events.lua
NGINX_RPS=$W_RPS
b_kill "$N_PID"
echo "  nginx: $NGINX_RPS req/s (204), p99 $W_P99 ms"

# ---- (a) single-event POSTs ----
b_start_rastro "$DB"
before=$(count_events)
b_wrk rastro-single "$CONNS" "$R_BASE/v1/events" bench/events.lua
SINGLE_RPS=$W_RPS SINGLE_P99=$W_P99 SINGLE_BAD=$W_BAD
after=$(count_events)
new=$((after - before))
echo "  rastro single: $SINGLE_RPS req/s, p50 $W_P50 ms, p99 $W_P99 ms, $W_GOOD x 201, $W_BAD other, $W_SOCKERR socket errors"
echo "    events in the database: $new new; answered 201: $W_GOOD (at most $CONNS were in flight when wrk stopped)"
SINGLE_OK=1
{ [ "$new" -ge "$W_GOOD" ] && [ "$new" -le $((W_GOOD + CONNS)) ] && [ "$W_BAD" -eq 0 ]; } || SINGLE_OK=0

# ---- (b) 1,000-event batches, on a fresh database ----
b_kill "$R_PID" KILL
DB=$B_DIR/rastro-batch.db
fresh_db "$DB"
b_start_rastro "$DB"
before=$(count_events)
BENCH_T0=1800000000 BENCH_BATCH=1000 b_wrk rastro-batch "$BATCH_CONNS" "$R_BASE/v1/events" bench/events.lua
BATCH_EPS=$(awk -v g="$W_GOOD" -v s="$W_SECONDS" 'BEGIN { printf "%.0f", g * 1000 / s }')
b_kill "$R_PID" KILL   # no clean shutdown: what is counted next was committed before the answer
after=$(count_events)
new=$((after - before))
echo "  rastro batch: $W_GOOD batches in ${W_SECONDS}s = $BATCH_EPS events/s, p99 $W_P99 ms, $W_GOOD x 200 all accepted, $W_BAD other"
echo "    events in the database after SIGKILL: $new new; acknowledged: $((W_GOOD * 1000))"
BATCH_OK=1
{ [ "$new" -ge $((W_GOOD * 1000)) ] && [ "$new" -le $(((W_GOOD + BATCH_CONNS) * 1000)) ] && [ "$W_BAD" -eq 0 ]; } || BATCH_OK=0

# ---- summary ----
LOWER=$NGINX_RPS
[ "$REF_ROWS" -lt "$LOWER" ] && LOWER=$REF_ROWS
echo
echo "ingest summary (references measured in this run):"
echo "  reference A nginx 204:           $NGINX_RPS req/s"
echo "  reference B sqlite_ref:          $REF_ROWS rows/s (1,000-row transactions, WAL, synchronous=FULL)"
b_verdict "single-event POST /v1/events ($CONNS conns)" "$SINGLE_RPS" "$LOWER" 0.70 "req/s"
b_verdict "1,000-event batch POST ($BATCH_CONNS conns)" "$BATCH_EPS" "$REF_ROWS" 0.70 "events/s"
if [ $SINGLE_OK -eq 1 ] && [ $BATCH_OK -eq 1 ]; then
  echo "  every 2xx is in the database:                PASS"
else
  echo "  every 2xx is in the database:                FAIL (see the counts above)"
  B_MISS=$((B_MISS + 1))
fi
[ "$B_MISS" -eq 0 ] && echo "ingest: all targets met" || echo "ingest: $B_MISS target(s) missed"
# A speed MISS is a figure to read, not a failure; a lost acknowledged write is a failure.
[ $SINGLE_OK -eq 1 ] && [ $BATCH_OK -eq 1 ]
