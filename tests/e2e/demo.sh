#!/usr/bin/env bash
# End-to-end: what `make run` shows a newcomer works. `rastro demo` fills a database (twice: a
# second run adds nothing but a new key and a new agent password), prints tracking links that
# open, an API key that reads orders, and a console login that lets the agent in and shows the
# demo conversations (a bot answer, an incident, a hand-over); every shipment has its promised
# window from the demo's promise model.
source "$(dirname "$0")/../lib/lib.sh"
export RASTRO_ARGON2_MEMORY_KIB=1024 RASTRO_ARGON2_ITERATIONS=1
DB=$T_DIR/demo.db
"$RASTRO_BIN" demo --db "$DB" >/dev/null 2>&1
check "a first demo run succeeds" test -s "$DB"
n1=$(sqlite3 "$DB" "select (select count(*) from orders)||'/'||(select count(*) from events)||'/'||(select count(*) from messages)||'/'||(select count(*) from incidents)")
start_server "$DB"
OUT=$("$RASTRO_BIN" demo --db "$DB" --base-url "$BASE" 2>/dev/null)
n2=$(sqlite3 "$DB" "select (select count(*) from orders)||'/'||(select count(*) from events)||'/'||(select count(*) from messages)||'/'||(select count(*) from incidents)")
eq "a second run records nothing twice (orders/events/messages/incidents)" "$n2" "$n1"
eq "seven demo orders" "${n1%%/*}" 7
KEY=$(printf '%s\n' "$OUT" | sed -n 's/^  API key: *//p')
api GET /v1/orders/SOL-1002
eq "the printed API key reads an order" "$STATUS $(jq -r .status "$T_DIR/resp")" "200 out_for_delivery"
URL=$(printf '%s\n' "$OUT" | grep -o "$BASE/t/RX-[A-Z0-9-]*" | head -1)
eq "a printed tracking link opens" "$(curl -s -o /dev/null -w '%{http_code}' "$URL")" 200
# promises: the demo's model (learnt from its synthetic history) dates every shipment
check "the demo has a promise model (the server's sweeper may have learnt the delivered ones since)" \
   test "$(sqlite3 "$DB" "select count(*) from promise_models where source in ('demo','online')")" = 1
api GET /v1/orders/SOL-1003
if jq -e --arg t "$(date +%F)" '.shipments[0].promise | .latest >= $t and .low_confidence == false and .final == false' \
     "$T_DIR/resp" >/dev/null; then ok "a parcel in transit carries its window, not in the past"
else not_ok "a parcel in transit carries its window" "$(jq -c .shipments[0].promise "$T_DIR/resp")"; fi
# the carrier revised SOL-1003 past the shop's promise: the promise follows it, and its page says so
api GET /v1/shipments/mrw/MRW0603112233
eq "a demo parcel's carrier estimate is later than the shop's promise: the promise follows it" \
   "$(jq -r '(.promise.latest == .carrier_estimate.to)|tostring' "$T_DIR/resp")/$(jq -r '.promise_history[-1].reason' "$T_DIR/resp")" \
   "true/carrier_estimate"
CODE=$(sqlite3 "$DB" "select tracking_code from orders where order_ref='SOL-1003'")
check "  its tracking page says the date changed" bash -c "curl -s '$BASE/t/$CODE' | grep -q 'Hemos cambiado la fecha'"
api GET /v1/orders/SOL-1007
eq "the demo's parcel at a pickup point says which and until when" \
   "$(jq -r '[.shipments[]|select(.pickup)][0].pickup|"\(.name)/\(.deadline)"' "$T_DIR/resp")" \
   "SEUR Pickup Estanco Indautxu/$(date -u -d '+7 days' +%F)"
api GET /v1/orders/SOL-1004
eq "DHL's lane from New York is not in the shop's history: low confidence" "$(jq -r '.shipments[0].promise.low_confidence' "$T_DIR/resp")" true
api GET /v1/orders/SOL-1001
eq "a delivered parcel's window is final" "$(jq -r '.shipments[0].promise.final' "$T_DIR/resp")" true
Q=$(printf '%s\n' "$OUT" | grep -o "'$BASE/v1/promise[^']*'" | tr -d "'")
echo "quote: $Q"
api GET "${Q#"$BASE"}"
eq "the printed checkout quote answers" "$STATUS/$(jq -r '.text.es | startswith("Llega")' "$T_DIR/resp")" 200/true
QKEY=$(printf '%s\n' "$OUT" | sed -n 's/^  Widget key: *\(rk_[a-z0-9_]*\).*/\1/p')
STATUS=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $QKEY" -H "Origin: null" "$BASE${Q#"$BASE"}")
eq "the printed widget key quotes from a page opened from a file (scripts/demo-shop.html)" \
   "$STATUS/$(jq -r '.text.es | startswith("Llega")' "$T_DIR/resp")" 200/true
KEY=$QKEY api GET /v1/orders/SOL-1002
eq "  and reads no order" "$STATUS" 403
URL3=$(printf '%s\n' "$OUT" | grep SOL-1003 | grep -o "$BASE/t/RX-[A-Z0-9-]*")
check "the tracking page of the parcel in transit says when it arrives" bash -c "curl -s '$URL3' | grep -qi 'llega entre el\\|llega el'"
PW=$(printf '%s\n' "$OUT" | sed -n 's/.*password \([a-z0-9]*\)$/\1/p')
eq "an agent password is printed" "${#PW}" 20

JAR=$T_DIR/jar
page() { local m=$1 p=$2 d=${3-}; shift 3 2>/dev/null || shift $#
  local args=(-s -b "$JAR" -c "$JAR" -o "$T_DIR/page.html" -w '%{http_code}' -X "$m")
  [ -n "$d" ] && args+=(--data "$d")
  STATUS=$(curl "${args[@]}" "$@" "$BASE$p"); HTML=$(cat "$T_DIR/page.html"); }
page GET /console/login
LT=$(printf '%s' "$HTML" | grep -o 'name="login_token" value="[^"]*' | sed 's/.*value="//')
page POST /console/login "login_token=$LT&email=agente%40tienda-sol.example&password=$PW" -H "Origin: $BASE"
eq "the printed password logs the demo agent in" "$STATUS" 303
page GET "/console?q=unassigned"
eq "the console opens" "$STATUS" 200
check "the hand-over (Emma asked for a person) waits in the unassigned queue" grep -q "Emma Wilson" "$T_DIR/page.html"
check "  the queue says a hand-over in the agent's Spanish, not the note's code" \
   bash -c "grep -q 'Traspaso a una persona' '$T_DIR/page.html' && ! grep -qi 'handed over\|: problem\b' '$T_DIR/page.html'"
sqlite3 "$DB" "select body from messages where author='bot'" > "$T_DIR/bot.txt"
check "the bot answered the demo customer with the real status" grep -qi "reparto" "$T_DIR/bot.txt"
eq "the 'no me ha llegado' message opened an incident" "$(sqlite3 "$DB" "select count(*) from incidents where origin='webchat'")" 1

# "its page and messages say where and until when": a preview of SOL-1007's pickup message is
# about the parcel at the pickup point (its second), not the delivered one with a made-up point
api POST /v1/notifications/preview '{"order_ref":"SOL-1007","trigger":"available_for_pickup","channel":"sms","locale":"es"}'
eq "the preview of SOL-1007's pickup message names the real point, nothing made up" \
   "$STATUS/$(jq -r '(.body|contains("SEUR Pickup Estanco Indautxu"))' "$T_DIR/resp")/$(jq -c .sample "$T_DIR/resp")" "200/true/[]"
PV=$("$RASTRO_BIN" notify preview --db "$DB" --merchant 1 --order SOL-1007 --trigger pickup_reminder --channel email --locale en)
check "  rastro notify preview of its reminder too, with SEUR's tracking number" \
   bash -c 'grep -q "at SEUR Pickup Estanco Indautxu" <<<"$1" && grep -q "Tracking number (SEUR)" <<<"$1" && ! grep -q "made up" <<<"$1"' _ "$PV"
PV=$("$RASTRO_BIN" notify preview --db "$DB" --merchant 1 --order SOL-1002 --trigger available_for_pickup --channel sms)
check "  a preview with values the order lacks says which are made up" \
   grep -q "^made up (the order has none yet): pickup_point, pickup_address, pickup_deadline, pickup_deadline_text$" <<<"$PV"

# README's "More commands": the binary it names is there, and it lists the commands
RB=$(grep -o '`build/rastro --help`' "$(dirname "$0")/../../README.md" | head -1 | tr -d '`')
check "README says where the binary is, and its --help lists the commands" \
   bash -c "cd '$(dirname "$0")/../..' && [ -n '$RB' ] && $RB | grep -q '^  import '"

# README's tour, copied as written (with the printed key, on this server's port), works on the demo
mkdir -p "$T_DIR/tour"
awk '/^## A tour/ {t = 1} t && /^```sh/ {b = 1; next} b && /^```/ {exit} b' "$(dirname "$0")/../../README.md" \
  | grep -v '^KEY=' | sed "s|localhost:8080|127.0.0.1:$PORT|g" > "$T_DIR/tour.sh"
check "README has a tour to run" grep -q '/v1/incidents' "$T_DIR/tour.sh"
(cd "$T_DIR/tour" && KEY=$KEY bash -e -o pipefail "$T_DIR/tour.sh") > "$T_DIR/tour.out" 2>&1
check "the tour runs to its end" test "$(tail -1 "$T_DIR/tour.out")" = 0
check "  its tracking lookups answer the new order" grep -q '"name": "Ana"' "$T_DIR/tour.out"
eq "  it resolves the incident it opened, not one of the demo's" \
  "$(sqlite3 "$DB" "select i.state from incidents i join orders o on o.id = i.order_id where o.order_ref = '1042'")/$(sqlite3 "$DB" "select state from incidents where origin = 'webchat'")" \
  "resolved/open"
finish
