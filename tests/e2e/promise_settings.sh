#!/usr/bin/env bash
# promise_settings.sh — GET/PUT /v1/promise/settings (docs/promise.md, "API for settings"):
# the defaults; a PUT changes the fields it names and keeps the rest; the quote of GET
# /v1/promise follows the new confidence and closed days at once; every bad input is a 4xx
# naming the field and writes nothing (no partial write); scopes, no key, merchant isolation;
# two concurrent PUTs of different fields both stay; the CLI and the API see the same settings.
source "$(dirname "$0")/../lib/lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
FIX="$ROOT/tests/data/history-small.csv"
S=/v1/promise/settings
jqc() { printf '%s' "$BODY_OUT" | jq -c "$1"; }

start_server "$T_DIR/ps.db"
KEY=$(new_merchant "Tienda Ajustes")
KEY_B=$(new_merchant "Otra Tienda")
KEY_RO=$("$RASTRO_BIN" merchant key 1 --scopes read --db "$DB" | sed -n 's/^api key: //p')

# ---- defaults ----
api GET $S
eq "GET defaults: 200" "$STATUS" 200
eq "  every field, defaults" "$(jqc '[.confidence, .country, .cutoff, .timezone, .closed_days, .open_days]')" \
   '[0.9,null,null,"Europe/Madrid",[],[]]'
eq "  dispatch on Monday to Friday" "$(jqc .dispatch_days)" '["mon","tue","wed","thu","fri"]'

# ---- train merchant 1 as promise_service.sh does (--country ES is stored as its setting) ----
"$RASTRO_BIN" promise train --history "$FIX" --merchant 1 --db "$DB" --country ES >/dev/null 2>&1
eq "train --merchant: exit 0" "$?" 0
api GET $S
eq "  training's --country is a setting" "$(jqr .country)" ES
out=$("$RASTRO_BIN" promise train --history "$FIX" --merchant 1 --db "$DB" --country ESP 2>&1)
eq "train --merchant with a bad --country: exit 2 (the settings' own checks)" "$?" 2
eq "  says what is wanted" "$(printf '%s' "$out" | grep -c -- '--country must be a two-letter')" 1
api GET $S
eq "  nothing stored" "$(jqr .country)" ES
Q="/v1/promise?origin=ES/MAD&destination=ES/BCN&carrier=seur&service=std&placed_at=2025-03-03T09:00:00%2B01:00"
api GET "$Q"
eq "quote before: 200, confidence 0.9" "$STATUS/$(jqr .confidence)" 200/0.9
E1=$(jqr .earliest)
echo "quote before: $BODY_OUT"

# ---- PUT: confidence, cut-off and a closed week (the quote's own) ----
WEEK='["2025-03-09","2025-03-03","2025-03-04","2025-03-05","2025-03-06","2025-03-07","2025-03-08","2025-03-04"]'
api PUT $S "{\"confidence\":0.95,\"cutoff\":\"14:00\",\"closed_days\":$WEEK}"
eq "PUT: 200" "$STATUS" 200
eq "  answers the new settings (days sorted, duplicates folded, country kept)" \
   "$(jqc '[.confidence, .country, .cutoff, .timezone, (.closed_days|length), .closed_days[0], .closed_days[-1], .open_days]')" \
   '[0.95,"ES","14:00","Europe/Madrid",7,"2025-03-03","2025-03-09",[]]'
api GET $S
eq "GET shows them" "$(jqc '[.confidence, .cutoff, (.closed_days|length)]')" '[0.95,"14:00",7]'
api GET "$Q"
echo "quote after: $BODY_OUT"
eq "quote: the merchant's new default confidence" "$(jqr .confidence)" 0.95
check "  earliest day after the closed week (was $E1)" bash -c "[[ '$(jqr .earliest)' > 2025-03-09 ]]"
api GET "$Q&confidence=0.6"
eq "  the confidence parameter still wins" "$(jqr .confidence)" 0.6

# ---- absent keys keep their value; lists are replaced whole; null clears ----
api PUT $S '{"open_days":["2025-03-10"]}'
eq "PUT open_days only: 200" "$STATUS" 200
eq "  the rest kept" "$(jqc '[.confidence, .cutoff, (.closed_days|length), .open_days]')" '[0.95,"14:00",7,["2025-03-10"]]'
api PUT $S '{"closed_days":["2025-03-03","2025-03-04","2025-03-05","2025-03-06","2025-03-07"],"cutoff":null,"timezone":"Europe/Madrid"}'
eq "PUT a shorter list, cutoff null, the same timezone: 200" "$STATUS" 200
eq "  list replaced, cut-off cleared" "$(jqc '[(.closed_days|length), .cutoff, .open_days]')" '[5,null,["2025-03-10"]]'

# ---- bad input: a 4xx naming the field, and nothing written ----
api GET $S; BEFORE=$(jqc .)
# bad BODY STATUS TEXT: PUT BODY answers STATUS with TEXT in the message, settings unchanged
bad() {
  api PUT $S "$1"
  local msg; msg=$(jqr .error.message)
  if [ "$STATUS" = "$2" ] && printf '%s' "$msg" | grep -qF -- "$3"; then ok "bad $1: $2 naming $3"
  else not_ok "bad $1: $2 naming $3" "$STATUS $BODY_OUT"; fi
  api GET $S
  eq "  nothing changed" "$(jqc .)" "$BEFORE"
}
bad '{"confidence":0.97,"cutoff":"25:00"}' 422 'cutoff must be a local time "HH:MM"'
bad '{"confidence":2}' 422 'confidence must be a number'
bad '{"confidence":0.5}' 422 'confidence must be a number'
bad '{"confidence":"high"}' 422 'confidence must be a number'
bad '{"country":"Spain","confidence":0.8}' 422 'country must be a two-letter country code'
bad '{"cutoff":"2pm"}' 422 'cutoff must be'
bad '{"closed_days":["2025-03-03","2025-02-30"]}' 422 'closed_days[1] must be a day "YYYY-MM-DD" from 2010 to 2040'
bad '{"closed_days":"2025-12-24"}' 422 'closed_days must be an array'
bad '{"open_days":["2009-12-31"]}' 422 'open_days[0] must be a day'
bad '{"open_days":["2025-03-03"]}' 422 '2025-03-03 is in both closed_days and open_days'
bad '{"closed_days":["2025-03-10"],"confidence":0.8}' 422 'is in both closed_days and open_days'
many=$(for i in $(seq 0 64); do date -u -d "2026-01-01 + $i days" +'"%F"'; done | paste -sd, -)
bad "{\"closed_days\":[$many]}" 422 'closed_days: at most 64 different days'
bad '{"timezone":"Mexico City"}' 422 'timezone must be an IANA time zone such as "Europe/Madrid"'
bad '{"timezone":null,"confidence":0.8}' 422 'timezone must be an IANA time zone'
bad '{"confidance":0.8}' 422 'unknown setting "confidance"'
bad '[{"confidence":0.8}]' 422 'must be a JSON object'
bad '{"confidence":0.8' 400 'malformed JSON'
bad '{"confidence":0.8,"confidence":0.7}' 400 'malformed JSON'
STATUS=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -X PUT -H "Authorization: Bearer $KEY" -H 'Content-Type: text/plain' \
  --data-binary '{"confidence":0.8}' "$BASE$S")
eq "text/plain: 415" "$STATUS" 415
STATUS=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -X PUT -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$BASE$S")
eq "empty body: 400" "$STATUS" 400
api GET $S
eq "  nothing changed" "$(jqc .)" "$BEFORE"
api POST $S '{"confidence":0.8}'
eq "POST: 405" "$STATUS" 405

# ---- who may ----
KEY=$KEY_RO api GET $S
eq "read-scope key: GET 403" "$STATUS" 403
check "  says admin is needed" bash -c "printf '%s' '$(jqr .error.message)' | grep -q admin"
KEY=$KEY_RO api PUT $S '{"confidence":0.8}'
eq "read-scope key: PUT 403" "$STATUS" 403
KEY= api GET $S
eq "no key: GET 401" "$STATUS" 401
KEY= api PUT $S '{"confidence":0.8}'
eq "no key: PUT 401" "$STATUS" 401
KEY=$KEY_RO api GET "$Q"
eq "the read key still quotes, with the setting" "$STATUS/$(jqr .confidence)" 200/0.95
api GET $S
eq "  nothing changed" "$(jqc .)" "$BEFORE"

# ---- merchant isolation ----
KEY=$KEY_B api GET $S
eq "merchant 2 sees its own defaults" "$(jqc '[.confidence, .country, .closed_days]')" '[0.9,null,[]]'
KEY=$KEY_B api PUT $S '{"confidence":0.7,"closed_days":["2025-12-26"]}'
eq "merchant 2 PUT: 200" "$STATUS/$(jqr .confidence)" 200/0.7
api GET $S
eq "  merchant 1 unchanged" "$(jqc .)" "$BEFORE"

# ---- two PUTs at once, different fields: both stay (read, change and write in one job) ----
for i in 1 2 3 4 5; do
  c=0.8$i; h=1$i:30
  api PUT $S '{"confidence":0.9,"cutoff":null}'
  curl -s -o /dev/null -X PUT -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    --data-binary "{\"confidence\":$c}" "$BASE$S" &
  p1=$!
  curl -s -o /dev/null -X PUT -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    --data-binary "{\"cutoff\":\"$h\"}" "$BASE$S" &
  p2=$!
  wait $p1 $p2
  api GET $S
  eq "concurrent PUTs $i: both fields kept" "$(jqc '[.confidence, .cutoff, (.closed_days|length)]')" "[$c,\"$h\",5]"
done

# ---- the CLI and the API see the same settings ----
out=$("$RASTRO_BIN" promise settings --merchant 1 --db "$DB" 2>&1)
echo "$out"
eq "CLI shows what the API set" "$out" \
   "merchant 1: confidence 0.85, country ES, cut-off 15:30, time zone Europe/Madrid, 5 closed and 1 opened days, dispatch on mon,tue,wed,thu,fri"
"$RASTRO_BIN" promise settings --merchant 1 --db "$DB" --open 2025-03-05 --close 2025-03-10,2025-03-11 --cutoff 9:00 >/dev/null 2>&1
eq "CLI --open a closed day, --close an opened one: exit 0" "$?" 0
api GET $S
eq "  the API sees it: the day moves list, the cut-off is HH:MM" \
   "$(jqc '[.closed_days, .open_days, .cutoff]')" \
   '[["2025-03-03","2025-03-04","2025-03-06","2025-03-07","2025-03-10","2025-03-11"],["2025-03-05"],"09:00"]'
out=$("$RASTRO_BIN" promise settings --merchant 1 --db "$DB" --cutoff 25:00 2>&1)
eq "CLI --cutoff 25:00: exit 2" "$?" 2
check "  with the API's message" bash -c "printf '%s' '$out' | grep -q -- '--cutoff must be a local time \"HH:MM\"'"
out=$("$RASTRO_BIN" promise settings --merchant 1 --db "$DB" --close 2025-03-12 --open 2025-03-12 2>&1)
eq "CLI: the same day closed and opened: exit 2" "$?" 2
check "  says so" bash -c "printf '%s' '$out' | grep -q '2025-03-12 is in both --close and --open'"
"$RASTRO_BIN" promise settings --merchant 1 --db "$DB" --country "" >/dev/null 2>&1
api GET $S
eq "CLI --country \"\": back to the destination's" "$(jqr .country)" null

# ---- a country with no shipped holiday calendar: kept (the shop may list its holidays), but said ----
api PUT $S '{"country":"fr"}'
eq "PUT country FR (no shipped calendar): 200, stored" "$STATUS $(jqr .country)" "200 FR"
eq "  with a warning naming the field" "$(jqc '[.warnings[]|.code,.field]')" '["no_holiday_calendar","country"]'
check "  saying what it means, which ship and what to do" bash -c "printf '%s' \"\$1\" | grep -q 'no public holidays ship for \"FR\" (the calendars are ES, MX, CO, AR, CL, PE, BR, US): its promises count weekends only; list its holidays in closed_days'" _ "$(jqr '.warnings[0].message')"
api GET $S
eq "  GET says it too" "$(jqr '.warnings[0].code')" no_holiday_calendar
api PUT $S "$BODY_OUT"
eq "  the document read and sent back (warnings and all) is accepted" "$STATUS $(jqr .country)" "200 FR"
out=$("$RASTRO_BIN" promise settings --merchant 1 --db "$DB" --country PT 2>&1 >/dev/null)
eq "CLI --country PT: exit 0, the warning on stderr" "$?/$(printf '%s' "$out" | grep -c 'warning: no public holidays ship for "PT"')" "0/1"
api PUT $S '{"country":"es"}'
eq "PUT country ES (shipped): no warnings" "$STATUS $(jqr .country) $(jqr '.warnings|length')" "200 ES 0"
out=$("$RASTRO_BIN" promise settings --merchant 1 --db "$DB" --country "" 2>&1 >/dev/null)
eq "CLI --country \"\" (the destination's): no warning" "$out" ""

# ---- the days the shop dispatches: a shop that works on Saturdays ----
QS="/v1/promise?origin=ES/MAD&destination=ES/BCN&carrier=seur&service=std&placed_at=2025-04-0"
api GET "${QS}5T08:00:00%2B02:00"; SAT_BEFORE=$(jqc '[.earliest,.likely,.latest]')
api GET "${QS}6T08:00:00%2B02:00"; SUN_BEFORE=$(jqc '[.earliest,.likely,.latest]')
echo "Saturday 08:00, Monday to Friday: $SAT_BEFORE"
api PUT $S '{"dispatch_days":["mon","tue","wed","thu","fri","SAT","sat"]}'
eq "PUT dispatch_days with Saturday: 200, in week order, duplicates folded" "$STATUS $(jqc .dispatch_days)" \
   '200 ["mon","tue","wed","thu","fri","sat"]'
api GET $S
eq "  GET shows them, the rest kept" "$(jqc '[.dispatch_days[-1], .cutoff, (.closed_days|length)]')" '["sat","09:00",6]'
api GET "${QS}5T08:00:00%2B02:00"
echo "Saturday 08:00, Monday to Saturday: $(jqc '[.earliest,.likely,.latest]')"
check "  an order on Saturday before the cut-off is packed on Saturday: likely earlier ($(jqr .likely) < $(jq -r '.[1]' <<<"$SAT_BEFORE"))" \
  bash -c "[[ '$(jqr .likely)' < '$(jq -r '.[1]' <<<"$SAT_BEFORE")' ]]"
api GET "${QS}6T08:00:00%2B02:00"
eq "  Sunday still counts from Monday" "$(jqc '[.earliest,.likely,.latest]')" "$SUN_BEFORE"
api GET $S; BEFORE=$(jqc .)
bad '{"dispatch_days":[]}' 422 'dispatch_days must name at least one weekday'
bad '{"dispatch_days":["mon","sábado"]}' 422 'dispatch_days[1] must name weekdays mon, tue, wed, thu, fri, sat or sun'
bad '{"dispatch_days":"mon,tue","confidence":0.8}' 422 'dispatch_days must be an array of weekdays'
out=$("$RASTRO_BIN" promise settings --merchant 1 --db "$DB" --dispatch-days mon,tue,wed,thu,fri,sat,sun 2>&1)
eq "CLI --dispatch-days every day: exit 0, said" "$?/$(printf '%s' "$out" | grep -c 'dispatch on mon,tue,wed,thu,fri,sat,sun$')" "0/1"
api GET $S
eq "  the API sees it" "$(jqc '.dispatch_days|length')" 7
out=$("$RASTRO_BIN" promise settings --merchant 1 --db "$DB" --dispatch-days mon,lunes 2>&1)
eq "CLI --dispatch-days mon,lunes: exit 2" "$?/$(printf '%s' "$out" | grep -c -- '--dispatch-days must name weekdays mon, tue')" "2/1"
out=$("$RASTRO_BIN" promise settings --merchant 1 --db "$DB" --dispatch-days "" 2>&1)
eq "CLI --dispatch-days \"\": exit 2" "$?/$(printf '%s' "$out" | grep -c -- '--dispatch-days must name at least one weekday')" "2/1"
api PUT $S '{"dispatch_days":["mon","tue","wed","thu","fri"]}'
api GET "${QS}5T08:00:00%2B02:00"
eq "back to Monday to Friday: the Saturday quote as before" "$(jqc '[.earliest,.likely,.latest]')" "$SAT_BEFORE"

# ---- a shop in Mexico: its own time zone, so its 14:00 cut-off is 14:00 in Mexico City ----
QM="/v1/promise?origin=MX/CMX&destination=MX/JAL&placed_at=2025-11-05T13"
api GET "$QM:59:00-06:00"
MX_BEFORE=$(jqr .earliest)
api PUT $S '{"timezone":"America/Mexico_City","cutoff":"14:00","country":"MX"}'
eq "PUT timezone America/Mexico_City: 200" "$STATUS/$(jqr .timezone)/$(jqr .cutoff)" "200/America/Mexico_City/14:00"
api GET $S
eq "  GET shows it" "$(jqr .timezone)" America/Mexico_City
api GET "$QM:59:00-06:00"
eq "  the quote is in the shop's zone" "$STATUS/$(jqr .timezone)" "200/America/Mexico_City"
E1359=$(jqr .earliest)
api GET "$QM:00:00-06:00"
eq "  13:00 local is before the cut-off too" "$(jqr .earliest)" "$E1359"
api GET "${QM%T13}T14:00:00-06:00"
E1400=$(jqr .earliest)
check "  14:00 local counts from the next business day ($E1359 < $E1400)" bash -c "[[ '$E1359' < '$E1400' ]]"
check "  13:59 Mexico City is no longer after Madrid's cut-off (was $MX_BEFORE)" bash -c "[[ '$E1359' < '$MX_BEFORE' ]]"
# in summer too: Mexico has had no summer time since 2022 (the system's tz data, newer than ICU's)
api GET "/v1/promise?origin=MX/CMX&destination=MX/JAL&placed_at=2026-07-01T13:59:00-06:00"
J1359=$(jqr .earliest)
api GET "/v1/promise?origin=MX/CMX&destination=MX/JAL&placed_at=2026-07-01T14:00:00-06:00"
check "  July 2026: 13:59 is before the cut-off, 14:00 after ($J1359 < $(jqr .earliest))" bash -c "[[ '$J1359' < '$(jqr .earliest)' ]]"
out=$("$RASTRO_BIN" promise settings --merchant 1 --db "$DB" --timezone Mexico 2>&1)
eq "CLI --timezone Mexico: exit 2" "$?" 2
eq "  says what is wanted" "$(printf '%s' "$out" | grep -c -- '--timezone must be an IANA time zone')" 1
out=$("$RASTRO_BIN" promise settings --merchant 1 --db "$DB" --timezone America/Bogota 2>&1)
eq "CLI --timezone America/Bogota: exit 0" "$?/$(printf '%s' "$out" | grep -c 'time zone America/Bogota')" "0/1"
api GET $S
eq "  the API sees it" "$(jqr .timezone)" America/Bogota

# ---- described and measured ----
KEY= api GET /v1/openapi.json
printf '%s' "$BODY_OUT" > "$T_DIR/openapi.json"
check "openapi describes GET and PUT $S" jq -e --arg p "$S" '.paths[$p].get and .paths[$p].put' "$T_DIR/openapi.json"
metrics=$(curl -s "$BASE/metrics")
check "metrics count PUT $S by code" bash -c "printf '%s' '$metrics' | grep -q 'rastro_http_requests_total{route=\"PUT /v1/promise/settings\",code=\"422\"}'"
check "  and the last route of the table too" bash -c "printf '%s' '$metrics' | grep -q 'route=\"other\",code=\"405\"'"

stop_server
check "no request ever answered 5xx" bash -c "! grep -q ' 5[0-9][0-9] ' '$T_DIR/server.log'"
check "server log has no sanitizer report" bash -c "! grep -q -e 'runtime error' -e 'Sanitizer' '$T_DIR/server.log'"
finish
