#!/usr/bin/env bash
# stall_cadence.sh — the delay rule `stalled` (issue 4 item 4: "no scan for longer than the
# lane normally goes between scans") with each lane's cadence learnt from the merchant's own
# scans: a lane scanned every 6 hours counts a day of silence as a stall, a lane scanned every
# 60 hours waits 120 hours, a carrier's other services fall back on the carrier's cadence, and a
# lane never seen uses the default (48 h × 2). Dates are relative to today; the sweep runs with
# --now (the server's own sweep is off).
source "$(dirname "$0")/../lib/lib.sh"

SERVE_ARGS="--sweep-interval 0" start_server "$T_DIR/s.db"
KEY=$(new_merchant "Tienda Ritmo")

B=$(date -u -d "$(date -u +%F) -30 days" +%s)   # history: a month ago, midnight UTC
T=$(( $(date -u -d "$(date -u +%F) -10 days" +%s) + 12 * 3600 ))   # last scan of the parcels under test
iso() { date -u -d "@$1" +%FT%TZ; }

# ship REF CARRIER SERVICE NUMBER PLACED: an order with one shipment
ship() {
  api POST /v1/orders "{\"order_ref\":\"$1\",\"placed_at\":\"$(iso "$5")\",\"destination\":{\"region\":\"BCN\",\"country\":\"ES\"}}"
  [ "$STATUS" = 201 ] || not_ok "order $1" "$STATUS $BODY_OUT"
  api POST /v1/shipments "{\"order_ref\":\"$1\",\"carrier\":\"$2\",\"tracking_number\":\"$4\",\"service\":\"$3\",\"origin\":{\"region\":\"MAD\",\"country\":\"ES\"}}"
  [ "$STATUS" = 201 ] || not_ok "shipment $4" "$STATUS $BODY_OUT"
}
# scans CARRIER NUMBER FIRST EVERY N [delivered]: N in-transit scans EVERY seconds apart from
# FIRST (epoch s), then a delivery EVERY later when asked; one batch
scans() {
  local body="[" i t=$3
  for ((i = 0; i < $5; i++)); do
    body+="{\"carrier\":\"$1\",\"tracking_number\":\"$2\",\"occurred_at\":\"$(iso "$t")\",\"status\":\"in_transit\"},"
    t=$((t + $4))
  done
  [ "${6:-}" = delivered ] && body+="{\"carrier\":\"$1\",\"tracking_number\":\"$2\",\"occurred_at\":\"$(iso "$t")\",\"status\":\"delivered\"},"
  api POST /v1/events "${body%,}]"
  [ "$STATUS" = 200 ] && [ "$(jqr '.accepted')" = "$(( $5 + ( ${6:+1} + 0 ) ))" ] || not_ok "scans of $2" "$STATUS $BODY_OUT"
}

# ---- the merchant's history: 4 parcels per lane, 10 gaps each (40 >= 30 needed) ----
for i in 1 2 3 4; do
  ship "F-$i" fastco express "FAST$i" $((B + i * 3600))
  scans fastco "FAST$i" $((B + 86400 + i * 3600)) $((6 * 3600)) 10 delivered
  ship "S-$i" slowco std "SLOW$i" $((B + i * 3600))
  scans slowco "SLOW$i" $((B + 86400 + i * 3600)) $((60 * 3600)) 10 delivered
done
api GET /v1/shipments/slowco/SLOW4
eq "history: the last slow parcel is delivered after 10 scans" "$(jqr .status)/$(jqr '.events|length')" "delivered/11"

# ---- the parcels under test: each quiet since T ----
ship X-F fastco express FASTX $((T - 3 * 86400)); scans fastco FASTX $((T - 86400)) $((12 * 3600)) 3
ship X-O fastco other OTHERX $((T - 3 * 86400)); scans fastco OTHERX $((T - 86400)) $((12 * 3600)) 3
ship X-S slowco std SLOWX $((T - 3 * 86400)); scans slowco SLOWX $((T - 86400)) $((12 * 3600)) 3
ship X-N nuevo std NEWX $((T - 3 * 86400)); scans nuevo NEWX $((T - 86400)) $((12 * 3600)) 3

sweep() { "$RASTRO_BIN" promise sweep --db "$DB" --now "$(iso "$1")" 2>&1; }
stalled() { # CARRIER NUMBER: the stall's details, or "none"
  api GET "/v1/shipments/$1/$2"
  local d; d=$(jqr '[.delays[]|select(.cause=="stalled")][0].details // "none"' | tr -d ' \n')
  printf '%s' "$d"
}
gap_of() { printf '%s' "$1" | jq -r '.normal_gap_hours'; }
limit_of() { printf '%s' "$1" | jq -r '.limit_hours'; }

# 30 h of silence
sweep $((T + 30 * 3600)) >/dev/null
d=$(stalled fastco FASTX)
eq "6-hourly lane, 30 h quiet: stalled" "$(gap_of "$d")/$(limit_of "$d")" "6/24"
d=$(stalled fastco OTHERX)
eq "  the carrier's other service: the carrier's cadence" "$(gap_of "$d")/$(limit_of "$d")" "6/24"
eq "60-hourly lane, 30 h quiet: not stalled" "$(stalled slowco SLOWX)" none
eq "unknown lane, 30 h quiet: not stalled (default 96 h)" "$(stalled nuevo NEWX)" none

# 100 h: past the default, short of the slow lane's 120 h
sweep $((T + 100 * 3600)) >/dev/null
eq "60-hourly lane, 100 h quiet: still not stalled (its normal is 2 × 60 h)" "$(stalled slowco SLOWX)" none
d=$(stalled nuevo NEWX)
eq "unknown lane, 100 h quiet: stalled by the default" "$(gap_of "$d")/$(limit_of "$d")" "null/96"

# 125 h
sweep $((T + 125 * 3600)) >/dev/null
d=$(stalled slowco SLOWX)
eq "60-hourly lane, 125 h quiet: stalled" "$(gap_of "$d")/$(limit_of "$d")" "60/120"
check "  quiet_hours says how long" bash -c "[ '$(printf '%s' "$d" | jq -r .quiet_hours)' -ge 125 ]"

# a new scan ends the silence: the next stall is a new one, counted from that scan
api POST /v1/events "{\"carrier\":\"slowco\",\"tracking_number\":\"SLOWX\",\"occurred_at\":\"$(iso $((T + 126 * 3600)))\",\"status\":\"in_transit\"}"
eq "a scan after the stall is accepted" "$STATUS" 201
out=$(sweep $((T + 130 * 3600)))
api GET /v1/shipments/slowco/SLOWX
eq "  4 h after it: no new stall" "$(jqr '[.delays[]|select(.cause=="stalled")]|length')" 1

check "no request ever answered 5xx" bash -c "! grep -q ' 5[0-9][0-9] ' '$T_DIR/server.log'"
finish
