#!/usr/bin/env bash
# bench/notify.sh — notification dispatch speed: 20,000 order_confirmed e-mails planned by
# `rastro import`, sent by `rastro worker` (release build) to Postfix's smtp-sink on loopback,
# against Postfix's smtp-source sending the same message (one of ours, captured first) the same
# number of times to the same sink in the same run. Target: rastro >= 50 % of smtp-source.
# Usage: bench/notify.sh [N] (default 20000). Needs postfix (scripts/deps.sh test).
set -euo pipefail
N=${1:-20000}
THREADS=${THREADS:-4}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/rastro
make -s -C "$ROOT" -j2 build/rastro >/dev/null
command -v smtp-sink >/dev/null || PATH=$PATH:/usr/sbin
# the sink listens on loopback, which the worker refuses by default (docs/operations.md,
# "Outgoing connections")
export RASTRO_ALLOW_PRIVATE_URLS=1
W=$(mktemp -d /tmp/rastro-bench-notify.XXXXXX)
chmod 755 "$W"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; sleep 0.3; for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"' EXIT
source "$ROOT/scripts/port.sh" # free_port, below the ephemeral range
ms() { date +%s%N | cut -c1-13; }

# 1. capture one real message of ours (sink dumping to a directory)
P=$(free_port); mkdir -p "$W/dump"; chown nobody "$W/dump" 2>/dev/null || true
smtp-sink -u nobody -d "$W/dump/%H%M%S" 127.0.0.1:$P 64 & PIDS+=($!)
sleep 0.3
settings() { printf '{"public_base_url":"https://rastro.example.com","email":{"smtp_url":"smtp://127.0.0.1:%s","starttls":"none","from":"Tienda Sol <avisos@tienda-sol.example.es>"},"triggers":{"*":["email"]}}' "$1"; }
mkdb() { # mkdb DB COUNT SINKPORT
  "$BIN" merchant create "Tienda Sol" --db "$1" >/dev/null
  settings "$3" > "$W/s.json"
  "$BIN" notify settings --merchant 1 --db "$1" "$W/s.json" >/dev/null
  { echo "order_ref,placed_at,customer_name,customer_email,destination_country"
    for i in $(seq 1 "$2"); do echo "B-$i,2025-11-24T10:00:00+01:00,Cliente $i,c$i@example.com,ES"; done; } > "$W/o.csv"
  "$BIN" import --merchant 1 --db "$1" "$W/o.csv" >/dev/null 2>&1
}
drain() { # drain DB N: run the worker until N rows are sent; prints elapsed ms
  local t0; t0=$(ms)
  "$BIN" worker --db "$1" --threads "$THREADS" --batch 64 --sweep-interval 0 2>"$W/worker.log" & local wp=$!
  while [ "$(sqlite3 "$1" "select count(*) from outbox where state in ('sent','failed')")" -lt "$2" ]; do sleep 0.05; done
  local t1; t1=$(ms)
  kill $wp; wait $wp 2>/dev/null || true
  echo $((t1 - t0))
}
mkdb "$W/one.db" 1 "$P"
drain "$W/one.db" 1 >/dev/null
sleep 0.3
MSG=$(find "$W/dump" -type f | head -1)
[ -n "$MSG" ] || { echo "no message captured"; exit 1; }
# keep headers and body only (smtp-sink dumps the envelope first)
awk 'f{print} /^(Date|Received|X-Rastro|Return-Path): /&&!f{f=1;print}' "$MSG" > "$W/msg.eml"
[ -s "$W/msg.eml" ] || cp "$MSG" "$W/msg.eml"
SIZE=$(wc -c < "$W/msg.eml")
kill "${PIDS[-1]}"

# 2. the counting sink for both runs
P=$(free_port)
smtp-sink -u nobody -c 127.0.0.1:$P 256 > "$W/sink.log" 2>&1 & PIDS+=($!)
sleep 0.3

echo "planning $N notifications with rastro import…"
mkdb "$W/bench.db" "$N" "$P"
Q=$(sqlite3 "$W/bench.db" "select count(*) from outbox where state='queued'")
[ "$Q" = "$N" ] || { echo "expected $N queued rows, got $Q"; exit 1; }
echo "rastro worker ($THREADS threads) → smtp-sink…"
RT=$(drain "$W/bench.db" "$N")
SENT=$(sqlite3 "$W/bench.db" "select count(*) from outbox where state='sent'")
CONN=$(sed -n 's/.* \([0-9]*\) connections$/\1/p' "$W/worker.log" | tail -1)
echo "smtp-source ($THREADS sessions, same message, $SIZE bytes) → smtp-sink…"
t0=$(ms)
smtp-source -s "$THREADS" -m "$N" -F "$W/msg.eml" -f avisos@tienda-sol.example.es -t c1@example.com 127.0.0.1:$P
t1=$(ms)
ST=$((t1 - t0))
python3 - "$N" "$RT" "$ST" "$SENT" "$SIZE" "${CONN:-?}" <<'PY'
import sys
n, rt, st, sent, size, conn = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
r, s = n / (rt / 1000), n / (st / 1000)
print(f"rastro worker: {sent}/{n} sent in {rt/1000:.2f} s = {r:.0f} mails/s ({conn} SMTP connections; message {size} bytes)")
print(f"smtp-source:   {n} sent in {st/1000:.2f} s = {s:.0f} mails/s")
print(f"ratio: {100*r/s:.0f} % of smtp-source (target >= 50 %): {'PASS' if r >= 0.5*s and sent == n else 'FAIL'}")
sys.exit(0 if r >= 0.5 * s and sent == n else 1)
PY
