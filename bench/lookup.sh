#!/usr/bin/env bash
# lookup.sh — read speed of the public tracking API (issue 2), as a ratio against nginx serving
# the very same bytes from a file, measured in the same run on the same machine.
# Rastro (release build) runs on a fresh SQLite file holding one order with a shipment and a
# timeline of 12 events; GET /v1/track/{code} at 64 keep-alive connections with wrk --latency.
# Targets: >= 50% of nginx req/s, and p99 latency < 10 ms.
# Env: BENCH_DURATION (s per run, default 10), BENCH_CONNS (64).
source "$(dirname "$0")/lib.sh"
CONNS=${BENCH_CONNS:-64}
b_prepare
echo "lookup bench: $(nproc) cores, wrk ${THREADS} threads, ${DURATION}s per run, temp dir $B_DIR"

DB=$B_DIR/rastro.db
KEY=$("$RASTRO" merchant create "Bench shop" --db "$DB" 2>/dev/null | sed -n 's/^api key: //p')
b_start_rastro "$DB"
post() {
  curl -fsS -X POST -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary "$2" "$R_BASE$1"
}
CODE=$(post /v1/orders '{"order_ref":"L-1","placed_at":"2025-11-24T10:00:00+01:00",
  "customer":{"name":"Ana García","email":"ana@example.com","locale":"es"},
  "destination":{"postal_code":"28013","city":"Madrid","region":"Madrid","country":"ES"},
  "items":[{"sku":"TAZA","name":"Taza","quantity":2}]}' | jq -r .tracking_code)
post /v1/shipments '{"order_ref":"L-1","carrier":"correos","tracking_number":"PQ4A1B2LOOKUP","service":"express"}' >/dev/null
events=""
for i in $(seq 10 21); do
  events+="{\"carrier\":\"correos\",\"tracking_number\":\"PQ4A1B2LOOKUP\",\"occurred_at\":\"2025-11-25T$i:00:00+01:00\",\"status\":\"in_transit\",\"message\":\"Scan $i\",\"location\":{\"city\":\"Madrid\",\"country\":\"ES\"}},"
done
post /v1/events "[${events%,}]" >/dev/null
URL_PATH=/v1/track/$CODE
curl -fsS "$R_BASE$URL_PATH" -o "$B_DIR/track.json"
BYTES=$(wc -c <"$B_DIR/track.json")
echo "  body: $BYTES bytes of JSON ($(jq '.shipments[0].events|length' "$B_DIR/track.json") events on the timeline)"

# ---- Rastro ----
b_wrk rastro-track "$CONNS" "$R_BASE$URL_PATH" bench/get.lua --latency
R_RPS=$W_RPS R_P99=$W_P99 R_P50=$W_P50 R_BAD=$W_BAD
echo "  rastro: $R_RPS req/s, p50 $R_P50 ms, p99 $R_P99 ms, $R_BAD non-200"
b_kill "$R_PID"

# ---- reference: nginx, the same bytes from a file ----
b_start_nginx "    location = / { return 204; }
    location /v1/track/ { default_type application/json; etag off; rewrite ^ /track.json break; }"
cp "$B_DIR/track.json" "$B_DIR/nginx/www/track.json"
NB=$(curl -fsS "$N_BASE$URL_PATH" | wc -c)
[ "$NB" -eq "$BYTES" ] || { echo "bench: nginx serves $NB bytes, not $BYTES" >&2; exit 1; }
b_wrk nginx-track "$CONNS" "$N_BASE$URL_PATH" bench/get.lua --latency
N_RPS=$W_RPS
echo "  nginx: $N_RPS req/s, p50 $W_P50 ms, p99 $W_P99 ms"
b_kill "$N_PID"

echo
echo "lookup summary (reference measured in this run):"
echo "  reference nginx, same $BYTES bytes:  $N_RPS req/s"
b_verdict "GET /v1/track/{code} ($CONNS conns)" "$R_RPS" "$N_RPS" 0.50 "req/s"
if awk -v p="$R_P99" 'BEGIN { exit !(p < 10) }'; then v=PASS; else v=MISS; B_MISS=$((B_MISS + 1)); fi
printf '  %-44s %10s ms       (target < 10 ms)  %s\n' "GET /v1/track/{code} p99 latency" "$R_P99" "$v"
[ "$R_BAD" -eq 0 ] || { echo "  $R_BAD answers were not 200: FAIL"; B_MISS=$((B_MISS + 1)); }
[ "$B_MISS" -eq 0 ] && echo "lookup: all targets met" || echo "lookup: $B_MISS target(s) missed"
exit 0
