#!/usr/bin/env bash
# promise_service.sh — the promise engine wired into the service (issue 4 items 1-4):
# a merchant's model trained into the store (history file, then its own deliveries), GET
# /v1/promise (good and bad parameters, unknown lane, no model), the promise on every shipment
# and its re-estimates on events with a growing history, the public track view, and the delay
# sweep (promise_breached and stalled, idempotent). Dates are relative to today so that the
# write path (which detects with the real clock) and the sweep (--now) are told apart.
source "$(dirname "$0")/../lib/lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
FIX="$ROOT/tests/data/history-small.csv"
OLIST="$ROOT/../shared/data/olist/history-2017.csv"

start_server "$T_DIR/p.db"
KEY=$(new_merchant "Tienda Promesa")
KEY_B=$(new_merchant "Sin Modelo")

# ---- no model yet ----
KEY=$KEY_B api GET "/v1/promise?origin=ES/MAD&destination=ES/BCN"
eq "no model: 409" "$STATUS" 409
check "  says how to train" bash -c "printf '%s' '$(jqr .error.message)' | grep -q 'rastro promise train --merchant 2'"

# ---- train merchant 1 from the synthetic history into the store ----
out=$("$RASTRO_BIN" promise train --history "$FIX" --merchant 1 --db "$DB" --country ES --out "$T_DIR/m.json" 2>&1)
eq "train --merchant: exit 0" "$?" 0
check "  stores version 1" bash -c "printf '%s' '$out' | grep -q 'model stored for merchant 1 (version 1)'"
check "  --out still writes the file" jq -e '.format == "rastro-promise"' "$T_DIR/m.json"
"$RASTRO_BIN" promise train --history "$FIX" --merchant 99 --db "$DB" >/dev/null 2>&1
eq "train for an unknown merchant fails" "$?" 1

# ---- GET /v1/promise ----
api GET "/v1/promise?origin=ES/MAD&destination=ES/BCN&carrier=seur&service=std&placed_at=2025-03-03T09:00:00%2B01:00"
echo "quote: $BODY_OUT"
eq "GET /v1/promise: 200" "$STATUS" 200
if jq -e '.earliest <= .likely and .likely <= .latest and (.low_confidence|not) and .probability > 0.5' <<<"$BODY_OUT" >/dev/null
then ok "  window is ordered, known lane"; else not_ok "  window is ordered, known lane" "$BODY_OUT"; fi
check "  Spanish text" bash -c "printf '%s' '$(jqr .text.es)' | grep -Eq '^Llega (entre el|el) (lunes|martes|miércoles|jueves|viernes|sábado|domingo) [0-9]+'"
check "  English text" bash -c "printf '%s' '$(jqr .text.en)' | grep -Eq '^Arrives (between|on) (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) [0-9]+'"
eq "  default confidence is the merchant's" "$(jqr .confidence)" 0.9
api GET "/v1/promise?origin=ES/MAD&destination=ES/BCN&carrier=seur&service=std&placed_at=2025-03-03T09:00:00%2B01:00&confidence=0.97"
c97=$(jqr .latest)
api GET "/v1/promise?origin=ES/MAD&destination=ES/BCN&carrier=seur&service=std&placed_at=2025-03-03T09:00:00%2B01:00&confidence=0.6"
check "  higher confidence, later or equal promise" bash -c "[[ ! '$c97' < '$(jqr .latest)' ]]"
api GET "/v1/promise?origin=ES/MAD&destination=ES/LUGO&placed_at=2025-03-03T09:00:00+01:00"
eq "unknown lane: 200 (an unencoded + in placed_at is taken)" "$STATUS" 200
eq "  flagged low confidence" "$(jqr .low_confidence)" true
check "  with a note" bash -c "[ -n '$(jqr .note)' ]"
eq "  and its words for the shopper in Spanish and English" "$(jqr '.note_text.es + " | " + .note_text.en')" \
   "Fecha aproximada: aún tenemos pocas entregas por esta ruta. | An approximate date: we have few past deliveries on this route so far."
for bad in "destination=ES/BCN|origin" "origin=ES/MAD|destination" "origin=ESP/MAD&destination=ES/BCN|origin" \
           "origin=ES/MAD&destination=X-|destination" "origin=ES/MAD&destination=ES/BCN&placed_at=yesterday|placed_at" \
           "origin=ES/MAD&destination=ES/BCN&placed_at=9999-12-31T10:00:00Z|placed_at" \
           "origin=ES/MAD&destination=ES/BCN&placed_at=1990-01-01T10:00:00Z|placed_at" \
           "origin=ES/MAD&destination=ES/BCN&confidence=2|confidence" "origin=ES/MAD&destination=ES/BCN&confidence=abc|confidence"; do
  q=${bad%|*}; p=${bad#*|}
  api GET "/v1/promise?$q"
  if [ "$STATUS" = 400 ] && printf '%s' "$(jqr .error.message)" | grep -q "^$p"; then ok "bad $q: 400 naming $p"
  else not_ok "bad $q: 400 naming $p" "$STATUS $BODY_OUT"; fi
done
# a misspelled parameter is refused, not ignored: ?destinaton= quoted the lane of destination= alone
api GET "/v1/promise?origin=ES/MAD&destination=ES/BCN&destinaton=ES/LUGO"
eq "?destinaton= (misspelled): 400 invalid_parameter naming it" \
  "$STATUS $(jqr .error.code) $(jqr '.error.message|startswith("\"destinaton\" is not a parameter of GET /v1/promise")')" \
  "400 invalid_parameter true"
check "  the message lists the parameters it takes" bash -c "printf '%s' '$(jqr .error.message)' | grep -q 'destination_postcode'"
api GET "/v1/promise?origin=ES/MAD&destination=ES/BCN&_=1701000000000"
eq "?_=1701000000000 (a cache-buster): 200, a quote" "$STATUS $(jqr '.likely|type')" "200 string"
# the query's confidence has the range of the merchant's setting (0.5 < c <= 0.99), and says so
api GET "/v1/promise?origin=ES/MAD&destination=ES/BCN&confidence=0.999"
eq "confidence=0.999: 400 as the setting refuses it" "$STATUS" 400
if jqr .error.message | grep -q '^confidence must be a number greater than 0.5 and at most 0.99'; then ok "  the message says the range"
else not_ok "  the message says the range" "$BODY_OUT"; fi
api GET "/v1/promise?origin=ES/MAD&destination=ES/BCN&confidence=0.99"
eq "confidence=0.99 (the setting's maximum): 200" "$STATUS" 200
# a checkout with several shipping methods: one window per option, in order, each the same as
# its own single quote
QO="origin=ES/MAD&destination=ES/BCN&placed_at=2025-03-03T09:00:00%2B01:00"
api GET "/v1/promise?$QO&carrier=seur&service=std"
single=$(jq -c '[.earliest,.likely,.latest]' <<<"$BODY_OUT")
api GET "/v1/promise?$QO&options=seur:std,ups:express,seur"
echo "options: $BODY_OUT"
eq "options: 200 with three windows in order" "$STATUS/$(jqr '[.options[]|.carrier+":"+(.service//"")]|join(",")')" "200/seur:std,ups:express,seur:"
eq "  the first is the single quote for the same lane" "$(jq -c '.options[0]|[.earliest,.likely,.latest]' <<<"$BODY_OUT")" "$single"
eq "  an unknown carrier: low confidence, with its note and texts" \
   "$(jqr '.options[1]|(.low_confidence|tostring)+"/"+(.note!=null|tostring)+"/"+(.text.es|startswith("Llega")|tostring)')" "true/true/true"
eq "  shared fields once" "$(jqr '[.placed_at,.timezone,(.model_version|tostring),(.confidence|tostring)]|join(" ")')" \
   "2025-03-03T09:00:00+01:00 Europe/Madrid 1 0.9"
for bad in "options=|options" "options=seur:std:x|options" "options=seur,,correos|options" "options=seur&carrier=seur|options replaces" \
           "options=a,b,c,d,e,f,g,h,i,j,k|options: at most 10"; do
  q=${bad%|*}; want=${bad#*|}
  api GET "/v1/promise?$QO&$q"
  if [ "$STATUS" = 400 ] && printf '%s' "$(jqr .error.message)" | grep -q "^$want"; then ok "bad $q: 400"
  else not_ok "bad $q: 400 starting with '$want'" "$STATUS $BODY_OUT"; fi
done
KEY= api GET "/v1/promise?origin=ES/MAD&destination=ES/BCN"
eq "no key: 401" "$STATUS" 401
# the carrier is matched as shipments store it: a checkout saying "Correos Express" finds the
# lane correos_express (a merchant whose deliveries went by that carrier); a history file
# naming it so teaches that lane too
KEY_C=$(new_merchant "Tienda Correos Express")
sed 's/,seur,std,/,Correos Express,std,/' "$FIX" >"$T_DIR/cex.csv"
"$RASTRO_BIN" promise train --history "$T_DIR/cex.csv" --merchant 3 --db "$DB" --country ES >/dev/null 2>&1
eq "train merchant 3 (a file saying \"Correos Express\"): exit 0" "$?" 0
KEY=$KEY_C api GET "/v1/promise?$QO&carrier=correos_express&service=std"
cex=$(jq -c '[.earliest,.likely,.latest,.low_confidence]' <<<"$BODY_OUT")
eq "  the slug: a known lane" "$(jqr .low_confidence)" false
for c in "Correos%20Express" "correos-express" "CORREOS_EXPRESS"; do
  KEY=$KEY_C api GET "/v1/promise?$QO&carrier=$c&service=std"
  eq "  carrier=$c: the same known lane" "$STATUS $(jq -c '[.earliest,.likely,.latest,.low_confidence]' <<<"$BODY_OUT")" "200 $cex"
done
KEY=$KEY_C api GET "/v1/promise?$QO&options=Correos%20Express:std,seur"
eq "  options=Correos Express:std: the same known lane, the carrier as given" \
   "$STATUS $(jq -c '.options[0]|[.earliest,.likely,.latest,.low_confidence]' <<<"$BODY_OUT") $(jqr '.options[0].carrier')" "200 $cex Correos Express"
KEY=$KEY_C api GET "/v1/promise?$QO&carrier=Correos%20Express%20(24h)"
if [ "$STATUS" = 400 ] && jqr .error.message | grep -q "^carrier must be"; then ok "  a carrier no shipment can have: 400 naming carrier"
else not_ok "  a carrier no shipment can have: 400 naming carrier" "$STATUS $BODY_OUT"; fi
KEY=$KEY_C api GET "/v1/promise?$QO&options=seur,Correos%20Express%20(24h)"
if [ "$STATUS" = 400 ] && jqr .error.message | grep -q "^options: option 2: carrier must be"; then ok "  the same in options: 400 naming the option"
else not_ok "  the same in options: 400 naming the option" "$STATUS $BODY_OUT"; fi

# ---- a shipment gets its promise ----
D0=$(date -u -d '+30 days' +%F)   # placed (in the future: the real clock sees no breach)
D1=$(date -u -d '+31 days' +%F)
D3=$(date -u -d '+33 days' +%F)
D4=$(date -u -d '+34 days' +%F)
D5=$(date -u -d '+35 days' +%F)
api POST /v1/orders "{\"order_ref\":\"P-1\",\"placed_at\":\"${D0}T09:00:00+01:00\",\"destination\":{\"region\":\"BCN\",\"country\":\"ES\",\"postal_code\":\"08001\"},\"customer\":{\"email\":\"c@example.com\"}}"
CODE=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"P-1","carrier":"seur","tracking_number":"S-1","service":"std","origin":{"region":"MAD","country":"ES"}}'
eq "shipment: 201" "$STATUS" 201
echo "promise: $(jq -c .promise <<<"$BODY_OUT")"
if jq -e --arg d "$D0" '.promise.earliest >= $d and .promise.earliest <= .promise.likely and .promise.likely <= .promise.latest and .promise.confidence == 0.9' <<<"$BODY_OUT" >/dev/null
then ok "  promise on the new shipment"; else not_ok "  promise on the new shipment" "$(jqr -c .promise)"; fi
eq "  history starts with created" "$(jqr '[.promise_history[].reason]|join(",")')" created
eq "  told = first window" "$(jqr '.promise.told_latest == .promise.latest')" true
L0=$(jqr .promise.latest)
ev() { printf '{"carrier":"seur","tracking_number":"%s","occurred_at":"%sT%s+01:00","status":"%s"%s}' "$1" "$2" "$3" "$4" "${5:-}"; }
hist_len() { api GET /v1/shipments/seur/S-1; jqr '.promise_history|length'; }

api POST /v1/events "$(ev S-1 "$D1" 10:00:00 in_transit)"
api GET /v1/shipments/seur/S-1
echo "after hand-over: $(jq -c "[.promise, [.promise_history[].reason]]" <<<"$BODY_OUT")"
H1=$(jqr '.promise_history|length')
check "  hand-over: history grows only when the window changes" bash -c "[ $H1 -ge 1 ] && [ $H1 -le 2 ]"
if [ "$H1" = 2 ]; then eq "  hand-over reason" "$(jqr '.promise_history[1].reason')" handed_over; fi
api POST /v1/events "$(ev S-1 "$D3" 08:00:00 out_for_delivery)"
api GET /v1/shipments/seur/S-1
eq "out for delivery: window is that day" "$(jqr '.promise.earliest + "/" + .promise.latest')" "$D3/$D3"
H2=$(jqr '.promise_history|length')
eq "  history row out_for_delivery" "$(jqr '.promise_history[-1].reason')" out_for_delivery
api POST /v1/events "$(ev S-1 "$D3" 15:00:00 exception ',"substatus":"address_issue"')"
api GET /v1/shipments/seur/S-1
echo "after exception: $(jq -c .promise <<<"$BODY_OUT")"
check "exception: window widened past that day" bash -c "[[ '$(jqr .promise.latest)' > '$D3' ]]"
eq "  flagged low confidence" "$(jqr .promise.low_confidence)" true
eq "  history grew" "$(jqr '.promise_history|length')" $((H2 + 1))
eq "  exception and slip (past the told day) recorded on the event" "$(jqr "[.delays[].cause]|sort|join(\",\")")" exception,promise_slipped
api POST /v1/events "$(ev S-1 "$D4" 12:00:00 delivered)"
api GET /v1/shipments/seur/S-1
eq "delivered: final window = delivery day" "$(jqr '.promise.earliest + "/" + .promise.latest + "/" + (.promise.final|tostring)')" "$D4/$D4/true"
eq "  history ends with delivered" "$(jqr '.promise_history[-1].reason')" delivered
eq "  told window kept" "$(jqr .promise.told_latest)" "$L0"
N3=$(jqr '.promise_history|length')
api POST /v1/events "$(ev S-1 "$D4" 13:00:00 delivered ',"message":"again"')"
api GET /v1/shipments/seur/S-1
eq "  a second delivered scan adds no history" "$(jqr '.promise_history|length')" "$N3"
api GET /v1/orders/P-1
eq "order JSON carries the promise" "$(jqr '.shipments[0].promise.latest')" "$D4"
KEY= api GET "/v1/track/$CODE"
eq "public track: promised window, dates only" "$(jqr ".shipments[0].promise|keys|join(\",\")")" "earliest,latest"
eq "  no history in public" "$(jqr '.shipments[0].promise_history')" null

# ---- the sweep ----
api POST /v1/shipments '{"order_ref":"P-1","carrier":"seur","tracking_number":"S-2","service":"std","origin":{"region":"MAD","country":"ES"}}'
api POST /v1/events "$(ev S-2 "$D1" 10:00:00 in_transit)"
api GET /v1/shipments/seur/S-2
eq "in transit, on time: no delay yet" "$(jqr '.delays|length')" 0
SWEEP_AT=$(date -u -d '+400 days' +%FT%TZ)
out=$("$RASTRO_BIN" promise sweep --db "$DB" --now "$SWEEP_AT" 2>&1)
echo "$out"
eq "sweep: 3 new delays" "$(printf '%s' "$out" | sed -n 's/.*new delays: \([0-9]*\).*/\1/p')" 3
api GET /v1/shipments/seur/S-2
eq "  promise_breached, stalled, and the slip of the overdue re-estimate" "$(jqr '[.delays[].cause]|sort|join(",")')" "promise_breached,promise_slipped,stalled"
eq "  the overdue window is re-estimated from the sweep day" "$(jqr '.promise_history[-1].reason')/$(jqr '.promise.earliest')" "overdue/$(TZ=Europe/Madrid date -d "$SWEEP_AT" +%F)" # the merchant's day (after 23:00 UTC it is tomorrow there)
check "  breach details say how late" bash -c "[ '$(jqr '.delays[]|select(.cause=="promise_breached")|.details.days_late')' -gt 300 ]"
out=$("$RASTRO_BIN" promise sweep --db "$DB" --now "$(date -u -d '+401 days' +%FT%TZ)" 2>&1)
eq "sweep again: nothing new (idempotent)" "$(printf '%s' "$out" | sed -n 's/.*new delays: \([0-9]*\).*/\1/p')" 0
"$RASTRO_BIN" promise sweep --db "$DB" --now yesterday >/dev/null 2>&1
eq "sweep --now bad: exit 2" "$?" 2

# ---- the sweep thread of `rastro serve` ----
P12=$(date -u -d '-12 days' +%F); P10=$(date -u -d '-10 days' +%F)
api POST /v1/orders "{\"order_ref\":\"P-3\",\"placed_at\":\"${P12}T09:00:00+01:00\",\"destination\":{\"region\":\"BCN\",\"country\":\"ES\"}}"
api POST /v1/shipments '{"order_ref":"P-3","carrier":"seur","tracking_number":"S-3","service":"std","origin":{"region":"MAD","country":"ES"}}'
api POST /v1/events "$(ev S-3 "$P10" 10:00:00 in_transit)"
api GET /v1/shipments/seur/S-3
eq "an old parcel: the event path finds no stall (a scan just came)" "$(jqr '[.delays[].cause]|index("stalled")')" null
stop_server
PORT=$(free_port); BASE=http://127.0.0.1:$PORT
"$RASTRO_BIN" serve --db "$DB" --listen 127.0.0.1:$PORT --base-url "$BASE" --sweep-interval 1 >> "$T_DIR/server.log" 2>&1 &
SERVER_PID=$!; T_PIDS+=("$SERVER_PID")
for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
for _ in $(seq 1 50); do
  api GET /v1/shipments/seur/S-3
  [ "$(jqr '[.delays[].cause]|index("stalled")')" != null ] && break
  sleep 0.2
done
check "serve --sweep-interval 1: the thread records the stall" bash -c "[ '$(jqr '[.delays[].cause]|index("stalled")')' != null ]"

# ---- retrain from the store: the server reloads (the next version) ----
# (the sweeper may already have learnt the delivered parcel online: docs/promise.md)
api GET "/v1/promise?origin=ES/MAD&destination=ES/BCN&carrier=seur&service=std"
V0=$(jqr .model_version)
out=$("$RASTRO_BIN" promise train --merchant 1 --from-store --replace --db "$DB" 2>&1)
echo "$out"
check "train --from-store: version $((V0 + 1))" bash -c "printf '%s' '$out' | grep -q 'version $((V0 + 1))'"
api GET "/v1/promise?origin=ES/MAD&destination=ES/BCN&carrier=seur&service=std"
eq "  the server uses the new model" "$(jqr .model_version)" $((V0 + 1))
"$RASTRO_BIN" promise train --merchant 2 --from-store --db "$DB" >/dev/null 2>&1
eq "  a merchant without deliveries: exit 1" "$?" 1

# ---- settings: closed days and the confidence move the promise ----
Q="/v1/promise?origin=ES/MAD&destination=ES/BCN&carrier=seur&service=std&placed_at=2025-03-03T09:00:00%2B01:00"
api GET "$Q"; E1=$(jqr .earliest)
out=$("$RASTRO_BIN" promise settings --merchant 1 --db "$DB" --close 2025-03-03,2025-03-04,2025-03-05,2025-03-06 --confidence 0.95 2>&1)
echo "$out"
api GET "$Q"
check "closed days push the window later" bash -c "[[ '$(jqr .earliest)' > '$E1' ]]"
eq "  the merchant's confidence is the default" "$(jqr .confidence)" 0.95
"$RASTRO_BIN" promise settings --merchant 1 --db "$DB" --close 2025-02-30 >/dev/null 2>&1
eq "settings: a bad day is refused (exit 2)" "$?" 2

# ---- a real history, when present ----
if [ -f "$OLIST" ]; then
  t0=$(date +%s.%N)
  out=$("$RASTRO_BIN" promise train --history "$OLIST" --merchant 2 --db "$DB" 2>/dev/null)
  t1=$(date +%s.%N)
  echo "$out" | tail -3
  printf 'olist train+store: %.2f s (ASan)\n' "$(echo "$t1 - $t0" | bc)"
  check "olist: stored for merchant 2" bash -c "printf '%s' '$out' | grep -q 'model stored for merchant 2'"
  KEY=$KEY_B api GET "/v1/promise?origin=BR/SP&destination=BR/RJ&placed_at=2017-11-06T10:00:00-02:00"
  echo "olist quote: $BODY_OUT"
  if jq -e '.earliest <= .latest and (.low_confidence|not)' <<<"$BODY_OUT" >/dev/null
  then ok "olist: SP->RJ quote"; else not_ok "olist: SP->RJ quote" "$BODY_OUT"; fi
else
  ok "skipped: ../shared/data/olist/history-2017.csv not present"
fi

check "no request ever answered 5xx" bash -c "! grep -q ' 5[0-9][0-9] ' '$T_DIR/server.log'"
finish
