#!/usr/bin/env bash
# bench/page.sh — GET /t/{code} (server-rendered tracking page, release build) against nginx
# serving a static file of the same size (nginx on every core), in the same run, with wrk (64
# connections). Rastro serves the page from its short-lived render cache (http/page_cache.h)
# after the first request, as it would for a customer refreshing the page.
# Targets: Rastro ≥ 40 % of nginx's requests/s, p99 < 15 ms. Prints both and the ratio.
# Usage: bench/page.sh [SECONDS] (default 10). Needs build/rastro, wrk, nginx.
set -u
cd "$(dirname "$0")/.."
SECS=${1:-10}
BIN=${RASTRO_BENCH_BIN:-build/rastro}
for t in wrk nginx curl jq; do command -v $t >/dev/null || { echo "skipped: $t not installed"; exit 0; }; done
[ -x "$BIN" ] || { echo "build $BIN first (make build/rastro)"; exit 1; }
D=$(mktemp -d /tmp/rastro-bench-page.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$D"' EXIT
source scripts/port.sh # free_port, below the ephemeral range

P1=$(free_port); BASE=http://127.0.0.1:$P1
"$BIN" serve --db "$D/bench.db" --listen 127.0.0.1:$P1 --base-url "$BASE" > "$D/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null && break; sleep 0.1; done
KEY=$("$BIN" merchant create "Tienda Bench" --db "$D/bench.db" | sed -n 's/^api key: //p')
H=(-H "Authorization: Bearer $KEY" -H 'Content-Type: application/json')
CODE=$(curl -s "${H[@]}" --data '{"order_ref":"B-1","placed_at":"2025-11-24T10:00:00+01:00","customer":{"email":"b@example.com"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"},"items":[{"sku":"T","name":"Taza","quantity":1}]}' "$BASE/v1/orders" | jq -r .tracking_code)
curl -s "${H[@]}" --data '{"order_ref":"B-1","carrier":"seur","tracking_number":"B1"}' "$BASE/v1/shipments" >/dev/null
ev='['; for i in 1 2 3 4 5 6; do ev+="{\"carrier\":\"seur\",\"tracking_number\":\"B1\",\"occurred_at\":\"2025-11-2${i}T09:00:00+01:00\",\"status\":\"in_transit\",\"location\":{\"city\":\"City $i\"}},"; done
curl -s "${H[@]}" --data "${ev%,}]" "$BASE/v1/events" >/dev/null
curl -s "$BASE/t/$CODE" > "$D/page.html"
SIZE=$(stat -c %s "$D/page.html")

P2=$(free_port)
mkdir -p "$D/www" "$D/ng"
cp "$D/page.html" "$D/www/page.html"
cat > "$D/ng/nginx.conf" <<NG
worker_processes auto;
pid $D/ng/nginx.pid;
error_log $D/ng/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $D/ng; proxy_temp_path $D/ng; fastcgi_temp_path $D/ng; uwsgi_temp_path $D/ng; scgi_temp_path $D/ng;
  server { listen 127.0.0.1:$P2; root $D/www; location / { default_type text/html; } }
}
NG
nginx -c "$D/ng/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$P2/page.html" >/dev/null && break; sleep 0.1; done

run() { # URL → "req/s p99_ms"
  wrk -t2 -c64 -d"${SECS}s" --latency "$1" > "$D/wrk.txt" 2>&1
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$D/wrk.txt")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$D/wrk.txt")
  echo "$rps $p99"
}
read -r NG_RPS NG_P99 < <(run "http://127.0.0.1:$P2/page.html")
read -r RS_RPS RS_P99 < <(run "$BASE/t/$CODE")
RATIO=$(awk -v a="$RS_RPS" -v b="$NG_RPS" 'BEGIN {printf "%.1f", 100*a/b}')
echo "page size: $SIZE bytes; wrk 2 threads, 64 connections, ${SECS}s each, $(nproc) cores"
printf 'nginx static file : %10.0f req/s  p99 %6.2f ms\n' "$NG_RPS" "$NG_P99"
printf 'rastro /t/{code}  : %10.0f req/s  p99 %6.2f ms\n' "$RS_RPS" "$RS_P99"
echo "ratio: ${RATIO}% of nginx (target >= 40%), p99 target < 15 ms"
awk -v r="$RATIO" -v p="$RS_P99" 'BEGIN {exit !(r >= 40 && p < 15)}' && echo "bench: PASS" || echo "bench: BELOW TARGET"
