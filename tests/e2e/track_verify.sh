#!/usr/bin/env bash
# track_verify.sh — proving who you are on the tracking page without the e-mail or postcode in
# an address: the verification box and the look-up form post them; the full page lives at
# /t/{code}?v=TOKEN (app/track_token.h); an old ?email= link is redirected there. The token
# works for the page, its forms and the JSON API, survives a restart (the installation's key
# is stored), is bound to its order and to the customer's e-mail, and a wrong one counts as a
# failed verification.
source "$(dirname "$0")/../lib/lib.sh"
export RASTRO_LOOKUP_BURST=40 # the wrong proofs below are many; the limit itself is browser.sh's and proxy.sh's
start_server "$T_DIR/v.db"
KEY=$(new_merchant "Tienda Sol")
api POST /v1/orders '{"order_ref":"V-1","placed_at":"2025-11-24T10:00:00+01:00","customer":{"name":"Ana","email":"ana@example.com"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"},"items":[{"sku":"TAZA","name":"Taza grande","quantity":2}]}'
CODE=$(jqr .tracking_code)
api POST /v1/orders '{"order_ref":"V-2","placed_at":"2025-11-24T10:00:00+01:00","customer":{"email":"bea@example.com"},"destination":{"postal_code":"08001","city":"Barcelona","country":"ES"}}'
CODE2=$(jqr .tracking_code)

# page METHOD PATH [DATA]: STATUS, LOC (Location) and $T_DIR/page.html
page() {
  local args=(-s -o "$T_DIR/page.html" -D "$T_DIR/h" -w '%{http_code}' -X "$1")
  [ -n "${3-}" ] && args+=(--data "$3")
  STATUS=$(curl "${args[@]}" "$BASE$2")
  LOC=$(tr -d '\r' < "$T_DIR/h" | sed -n 's/^location: //Ip')
}
full() { grep -q 'Taza grande' "$T_DIR/page.html"; } # the items: only at the full level

# ---- the verification box posts ----
page GET "/t/$CODE?lang=es"
check "the public page's verification box posts to /verify" grep -q "<form method=\"post\" action=\"/t/$CODE/verify?lang=es\"" "$T_DIR/page.html"
check "  and has no e-mail in any link" bash -c "! grep -q 'email=' '$T_DIR/page.html'"
page POST "/t/$CODE/verify?lang=es" "postcode=28+013"
eq "the right postcode: 303" "$STATUS" 303
check "  to the page with a token" bash -c "[[ '$LOC' =~ ^/t/$CODE\\?lang=es\\&v=[0-9a-z]{30}$ ]]"
V=${LOC##*v=}
b32() { local a=0123456789abcdefghjkmnpqrstvwxyz n=$1 s="" i; for i in 1 2 3 4; do s=${a:$((n % 32)):1}$s; n=$((n / 32)); done; printf '%s' "$s"; }
eq "  it expires in 30 days (its first 4 characters)" "${V:0:4}" "$(b32 $(( $(date -u +%s) / 86400 + 30 )))"
LATER=$(b32 $(( $(date -u +%s) / 86400 + 400 )))
KEY= api GET "/v1/track/$CODE?v=$LATER${V:4}"
eq "  a later expiry written over it does not pass" "$(jqr .level)/$(jqr .verification)" "public/failed"
page GET "$LOC"
eq "  which is the full page" "$STATUS/$(full && echo full)" "200/full"
check "  whose forms carry the token" grep -q "action=\"/t/$CODE/updates?lang=es&v=$V\"" "$T_DIR/page.html"
check "  and so does the language switch" grep -q "href=\"/t/$CODE?lang=en&v=$V\"" "$T_DIR/page.html"
check "  and no postcode in an address" bash -c "! grep -q 'postcode=' '$T_DIR/page.html'"
page POST "/t/$CODE/verify?lang=en" "email=ANA%40example.com"
eq "the e-mail (any case): 303 with a token" "$STATUS/${LOC%%v=*}" "303//t/$CODE?lang=en&"
VE=${LOC##*v=}
page POST "/t/$CODE/verify?lang=es" "postcode=99999"
eq "a wrong postcode: 422" "$STATUS" 422
check "  the page says it does not match" grep -q "no coincide con el pedido" "$T_DIR/page.html"
check "  with the box open" grep -q '<details class="verify" open>' "$T_DIR/page.html"
check "  and the public level only" bash -c "! grep -q 'Taza grande' '$T_DIR/page.html'"
page POST "/t/$CODE/verify?lang=en" "email=ana%40exmaple.com%22%3E"
check "a mistyped e-mail: kept in the box to correct it (escaped)" \
  grep -q 'id="v-em"[^>]*value="ana@exmaple.com&quot;&gt;"' "$T_DIR/page.html"
page POST "/t/$CODE/verify?lang=es" ""
eq "nothing filled in: 422 with the message" "$STATUS/$(grep -c 'no coincide con el pedido' "$T_DIR/page.html")" "422/1"
page POST "/t/RX-0000-0000-00000/verify" "postcode=28013"
check "a malformed code: a 4xx page, not a crash" bash -c "[[ '$STATUS' =~ ^4 ]]"

# ---- waiting at a pickup point: which one, and until when (POST /v1/events "pickup") ----
api POST /v1/orders '{"order_ref":"V-PK","placed_at":"2025-11-24T10:00:00+01:00","customer":{"email":"pk@example.com","locale":"es"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
PK=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"V-PK","carrier":"correos","tracking_number":"VPK1"}'
pk_event() { api POST /v1/events "{\"carrier\":\"correos\",\"tracking_number\":\"VPK1\",\"occurred_at\":\"$1\",\"status\":\"available_for_pickup\",\"pickup\":$2}"; }
pk_event 2025-11-26T09:00:00+01:00 '{"name":"Correos","address":"Calle Mayor 12, 28013 Madrid","deadline":"15/12/2025"}'
eq "a pickup deadline that is not YYYY-MM-DD: 422 naming the field and the form" \
  "$STATUS/$(jqr '.error.message|contains("pickup.deadline") and contains("YYYY-MM-DD")')" "422/true"
pk_event 2025-11-26T09:00:00+01:00 '{"deadline":"2025-12-15"}'
eq "a deadline with no name nor address (where?): 422" "$STATUS/$(jqr '.error.code')" "422/invalid_field"
pk_event 2025-11-26T09:00:00+01:00 "{\"name\":\"$(printf 'x%.0s' $(seq 201))\"}"
eq "a name over 200 bytes: 422" "$STATUS/$(jqr '.error.message|contains("pickup.name")')" "422/true"
pk_event 2025-11-26T09:00:00+01:00 '{"name":"Oficina <b>Correos</b> Sol","address":"Calle Mayor 12, 28013 Madrid","deadline":"2025-12-10"}'
eq "a pickup point with name, address and deadline: accepted" "$STATUS/$(jqr '.result')" "201/accepted"
api GET /v1/shipments/correos/VPK1
eq "  the merchant sees where it waits" "$(jqr '.pickup.name')/$(jqr '.pickup.deadline')/$(jqr '.events[-1].pickup.address')" \
  "Oficina <b>Correos</b> Sol/2025-12-10/Calle Mayor 12, 28013 Madrid"
KEY= api GET "/v1/track/$PK"
eq "  the code alone does not show it (the point is near the home)" "$(jqr '[.. | .pickup? // empty] | length')" 0
KEY= api GET "/v1/track/$PK?postcode=28013"
eq "  the verified view does" "$(jqr '.shipments[0].pickup.name')" "Oficina <b>Correos</b> Sol"
page POST "/t/$PK/verify?lang=es" "postcode=28013"
PKV=$LOC
page GET "$PKV"
check "  the page names the point, escaped, with its address" \
  grep -q 'Tu paquete te espera en <strong class="pickup">Oficina &lt;b&gt;Correos&lt;/b&gt; Sol</strong> (<span class="pickup-address">Calle Mayor 12, 28013 Madrid</span>).' "$T_DIR/page.html"
check "  and the last day to collect it" grep -q 'Puedes recogerlo hasta el <strong class="pickup-deadline">miércoles 10 de diciembre' "$T_DIR/page.html"
# the counter asks for the carrier's number (VPK1), not the RX- code the page heads with; and
# what happens after the deadline is not an order to the customer ("después vuelve a la tienda")
check "  with the carrier's tracking number to show at the counter, not the RX- code" \
  grep -q 'miércoles 10 de diciembre</strong> con un documento de identidad y el número de seguimiento <strong class="tracking-number">VPK1</strong>; después volverá a la tienda.' "$T_DIR/page.html"
page GET "${PKV/lang=es/lang=en}"
check "  in English too" bash -c "grep -q 'waiting for you at <strong class=\"pickup\">Oficina' '$T_DIR/page.html' && grep -q 'Collect it by <strong class=\"pickup-deadline\">Wednesday 10 December</strong> with an ID and the tracking number <strong class=\"tracking-number\">VPK1</strong>; after that' '$T_DIR/page.html'"
page GET "/t/$PK?lang=es"
check "  the public page says only \"a pickup point\"" \
  bash -c "grep -q 'te espera en un punto de recogida' '$T_DIR/page.html' && ! grep -q 'Calle Mayor' '$T_DIR/page.html'"
# the updates form speaks as the customer would, in Spain and in Latin America: "Avisarme"
# beside "Dejar de avisarme", not the Peninsular plural "Avisadme"
check "  the updates button says 'Avisarme', not 'Avisadme'" \
  bash -c "grep -q 'value=\"start\">Avisarme</button>' '$T_DIR/page.html' && ! grep -q 'Avisadme' '$T_DIR/page.html'"
check "  and to bring the carrier's number (it does not show it), not \"tu código de seguimiento\"" \
  bash -c "grep -q 'documento de identidad y el número de seguimiento del transportista' '$T_DIR/page.html' && ! grep -q 'tu código de seguimiento' '$T_DIR/page.html'"
# the carrier moves the last day to tomorrow (the customer's, in Madrid): said so, not as a date to work out
pk_event 2025-11-27T10:00:00+01:00 '{"name":"Oficina <b>Correos</b> Sol","address":"Calle Mayor 12, 28013 Madrid","deadline":"'"$(TZ=Europe/Madrid date -d tomorrow +%F)"'"}'
page GET "$PKV"
check "a last day that is tomorrow: 'Puedes recogerlo hasta mañana, …'" grep -q 'Puedes recogerlo hasta <strong class="pickup-deadline">mañana, ' "$T_DIR/page.html"
page GET "${PKV/lang=es/lang=en}"
check "  'Collect it by tomorrow, …'" grep -q 'Collect it by <strong class="pickup-deadline">tomorrow, ' "$T_DIR/page.html"
api POST /v1/events '{"carrier":"correos","tracking_number":"VPK1","occurred_at":"2025-11-27T12:00:00+01:00","status":"delivered","substatus":"to_pickup_point"}'
api GET /v1/shipments/correos/VPK1
eq "  collected: the shipment no longer says where it waits (the event keeps it)" "$(jqr '.pickup')/$(jqr '.events[-2].pickup.name')" "null/Oficina <b>Correos</b> Sol"

# ---- a link cut short or written with a trailing "/" (an SMS app, a copy): a page, never JSON ----
page GET "/t/$CODE/?lang=en&v=$V"
eq "a tracking link with a trailing slash: to the page, keeping the language and the token" "$STATUS $LOC" "303 /t/$CODE?lang=en&v=$V"
page GET "/t/?lang=en"
eq "  a tracking link cut before the code: to the look-up page" "$STATUS $LOC" "303 /track?lang=en"
page GET "/u/"
check "  an unsubscribe link cut before its token: a page saying so, in Spanish, not JSON" \
  bash -c "[ '$STATUS' = 404 ] && grep -q '<h1>Este enlace no está completo</h1>' '$T_DIR/page.html' && ! grep -q '\"error\"' '$T_DIR/page.html'"
page GET "/t/$CODE/x?lang=en"
check "  a tracking link with a stray part: the same page, in English" \
  bash -c "[ '$STATUS' = 404 ] && grep -q '<h1>This link is incomplete</h1>' '$T_DIR/page.html'"

page GET "/t/$CODE?lang=EN"
check "?lang=EN (a link written by hand): the English page" grep -q '<html lang="en">' "$T_DIR/page.html"
page GET "/t/$CODE?email=ana@example.com&lang=EN"
eq "  and an old e-mail link with it keeps English on the token address" "$STATUS/${LOC%%v=*}" "303//t/$CODE?lang=en&"

# ---- old links with the e-mail in them ----
page GET "/t/$CODE?email=ana@example.com&lang=en"
eq "?email= that matches: 303" "$STATUS" 303
eq "  to the token address (no e-mail in it)" "$LOC" "/t/$CODE?lang=en&v=$VE"
page GET "/t/$CODE?email=nadie@example.com"
eq "?email= that does not match: 200, the public page" "$STATUS/$(full || echo public)" "200/public"

# ---- the token ----
page GET "/t/$CODE?v=$V"
eq "the token alone: the full page" "$STATUS/$(full && echo full)" "200/full"
KEY= api GET "/v1/track/$CODE?v=$V"
eq "the JSON API takes it too" "$(jqr .level)" "full"
eq "  the full JSON has no e-mail or phone of the customer (a postcode must not be enough to learn them)" \
   "$(jqr '.customer|has("email") or has("phone")')/$(printf '%s' "$BODY_OUT" | grep -c ana@example.com)" "false/0"
KEY= api GET "/v1/track/$CODE?postcode=28013"
eq "  nor with ?postcode=" "$(jqr .level)/$(jqr '.customer|has("email") or has("phone")')" "full/false"
KEY= api GET "/v1/track/$CODE2?v=$V"
eq "another order's code with it: public, verification failed" "$(jqr .level)/$(jqr .verification)" "public/failed"
BAD=${V:0:29}$([ "${V:29:1}" = 0 ] && echo 1 || echo 0)
KEY= api GET "/v1/track/$CODE?v=$BAD"
eq "one character off: public, verification failed" "$(jqr .level)/$(jqr .verification)" "public/failed"
page GET "/t/$CODE?v=$BAD"
check "  on the page too" bash -c "! grep -q 'Taza grande' '$T_DIR/page.html'"
check "  which says the link expired, not that something typed does not match" \
  bash -c "grep -q 'El enlace a todos los detalles ha caducado' '$T_DIR/page.html' && ! grep -q 'no coincide' '$T_DIR/page.html'"
check "  and whose links, forms and live refresh leave the failed token behind (each would be one more failed look-up)" \
  bash -c "! grep -q 'v=$BAD' '$T_DIR/page.html' && grep -q 'action=\"/t/$CODE/updates?lang=es\"' '$T_DIR/page.html' && grep -q 'data-src=\"/t/$CODE?lang=es\"' '$T_DIR/page.html'"
page GET "/t/$CODE?v=$BAD&lang=en"
check "  in English too" grep -q 'The link to all the details has expired' "$T_DIR/page.html"
page GET "/t/$CODE?postcode=99999&lang=en"
check "a wrong ?postcode=: not carried into the page's links either" \
  bash -c "! grep -q 'postcode=99999' '$T_DIR/page.html' && grep -q 'does not match the order' '$T_DIR/page.html'"

# the forms of the verified page keep the level (the channel choice needs it)
curl -s -o /dev/null -w '%{http_code}' -X POST --data "channel=email&contact=&action=start" \
  -H "Origin: $BASE" "$BASE/t/$CODE/updates?v=$V" > "$T_DIR/st"
eq "get updates with the token and no contact typed: uses the order's e-mail" "$(cat "$T_DIR/st")/$(sqlite3 -readonly "$DB" "select count(*) from notify_contacts where channel='email' and address='ana@example.com'")" "303/1"

# a refused form comes back with what was chosen and typed, to correct it
# a form posted to a mistyped code (one character changed) says it is a typing mistake, as the
# page's own look-up does, not only "check the code"
TYPO="${CODE:0:3}$( [ "${CODE:3:1}" = 7 ] && echo 8 || echo 7)${CODE:4}"
page POST "/t/$TYPO/updates?lang=es" "channel=sms&contact=600+123+456&action=start"
check "a form posted to a mistyped code: 400, saying it is a typing mistake" \
  bash -c "[ '$STATUS' = 400 ] && grep -q 'error de tecleo' '$T_DIR/page.html'"
page POST "/t/$CODE/updates?lang=es" "channel=sms&contact=600+123+456&action=start"
eq "get updates by SMS without the country code: 422" "$STATUS" 422
check "  the SMS channel still chosen and the number still there" \
  bash -c "grep -q 'value=\"sms\" checked' '$T_DIR/page.html' && ! grep -q 'value=\"email\" checked' '$T_DIR/page.html' && grep -q 'id=\"up-c\"[^>]*value=\"600 123 456\"' '$T_DIR/page.html'"
page POST "/t/$CODE/report?lang=en" "type=damaged&message=+++&contact=%3Cana%3E+600"
eq "a report with an empty message: 422" "$STATUS" 422
check "  the kind chosen and the contact typed kept (escaped)" \
  bash -c "grep -q 'value=\"damaged\" selected' '$T_DIR/page.html' && grep -q 'id=\"rp-c\"[^>]*value=\"&lt;ana&gt; 600\"' '$T_DIR/page.html'"
# a contact nobody could be reached on (a mistyped e-mail, a phone without its country code):
# the form again with what was typed and what to fix, in the page's language; nothing stored
incidents_v1() { sqlite3 -readonly "$DB" "select count(*) from incidents i join orders o on o.id=i.order_id where o.order_ref='V-1'"; }
N_V1=$(incidents_v1)
page POST "/t/$CODE/report?lang=en" "type=damaged&message=Broken+box&contact=ana%40gmail%2Ccom"
eq "a report with a mistyped e-mail (ana@gmail,com): 422, nothing stored" "$STATUS/$(incidents_v1)" "422/$N_V1"
check "  says to enter a valid e-mail or a phone with its country code, the form open with what was typed" \
  bash -c "grep -q 'enter a valid e-mail or a phone number with its country code' '$T_DIR/page.html' && grep -q '<details open>' '$T_DIR/page.html' && grep -q 'value=\"damaged\" selected' '$T_DIR/page.html' && grep -q '>Broken box</textarea>' '$T_DIR/page.html' && grep -q 'id=\"rp-c\"[^>]*value=\"ana@gmail,com\"' '$T_DIR/page.html'"
page POST "/t/$CODE/report?lang=es" "type=damaged&message=Caja+rota&contact=600+123+456"
eq "a report with a phone without its country code: 422, nothing stored" "$STATUS/$(incidents_v1)" "422/$N_V1"
check "  in Spanish, naming the prefix to add" grep -q 'un teléfono con su prefijo internacional (+34, +52…)' "$T_DIR/page.html"
page POST "/t/$CODE/report?lang=es" "type=damaged&message=Caja+rota&contact=%2B34+600+123+456"
eq "  with the prefix: reported, the phone kept in E.164" \
  "$STATUS/$(sqlite3 -readonly "$DB" "select contact from incidents i join orders o on o.id=i.order_id where o.order_ref='V-1' order by i.id desc limit 1")" "201/+34600123456"

# the same report sent twice (a double tap, a reload of the confirmation posts it again): one incident
page POST "/t/$CODE2/report?lang=es" "type=damaged&message=La+caja+lleg%C3%B3+rota"
REF1=$(grep -o 'INC-[0-9]*' "$T_DIR/page.html" | head -1)
page POST "/t/$CODE2/report?lang=es" "type=damaged&message=La+caja+lleg%C3%B3+rota"
REF2=$(grep -o 'INC-[0-9]*' "$T_DIR/page.html" | head -1)
eq "a report posted twice: the same reference, one incident" \
  "$STATUS/$REF2/$(sqlite3 -readonly "$DB" "select count(*) from incidents i join orders o on o.id=i.order_id where o.order_ref='V-2'")" "201/$REF1/1"
page POST "/t/$CODE2/report?lang=es" "type=missing_item&message=Falta+un+plato"
eq "  another report of the same order is a new one" "$STATUS/$(sqlite3 -readonly "$DB" "select count(*) from incidents i join orders o on o.id=i.order_id where o.order_ref='V-2'")" "201/2"
# the confirmation promises the answer time the shop set for that problem (its SLA, as the
# message that tells the customer does), not a fixed "2 working days"
check "  the confirmation promises the damaged report's SLA (24 h by default)" \
  grep -q 'te responderá en menos de 24 horas\.' "$T_DIR/page.html"
KEY=$KEY api PUT /v1/support/settings '{"sla_hours":{"wrong_item":4}}'
page POST "/t/$CODE2/report?lang=en" "type=wrong_item&message=Not+what+I+ordered"
check "  the shop's own SLA, in English too" grep -q 'will look into it and answer within 4 hours\.' "$T_DIR/page.html"
# a shop whose support works business hours: the day and time, as its message says
KEY=$KEY api PUT /v1/support/settings '{"business_hours":{"days":["mon","tue","wed","thu","fri"],"start":"09:00","end":"18:00"}}'
page POST "/t/$CODE2/report?lang=es" "type=other&message=Quiero+cambiar+el+portal"
check "  with business hours: the day and the time it will be answered by, naming the zone" \
  grep -Eq 'te responderá antes del (lunes|martes|miércoles|jueves|viernes) [0-9]+ de [a-z]+ a las [0-9]{2}:[0-9]{2} \(hora de [^)]+\)\.' "$T_DIR/page.html"
WHEN=$(grep -oE 'antes del [^.]*' "$T_DIR/page.html" | head -1)
eq "  the same day and time as the message the customer gets" \
  "$(sqlite3 -readonly "$DB" "select count(*) from messages m join incidents i on i.id=m.incident_id where i.type='other' and m.body like '%te responderemos $WHEN.%'")" 1
# a customer abroad (Bogotá, no customer.timezone): the same deadline told in their own time, as
# every other time they read (the SLA still counts the team's business hours in Madrid)
KEY=$KEY api POST /v1/orders '{"order_ref":"V-CO","placed_at":"2025-11-24T10:00:00+01:00","customer":{"email":"co@example.com","locale":"es"},"destination":{"postal_code":"110111","city":"Bogotá","country":"CO"}}'
page POST "/t/$(jqr .tracking_code)/report?lang=es" "type=other&message=Donde+esta+mi+pedido"
CO_DUE=$(sqlite3 -readonly "$DB" "select sla_due_at from incidents i join orders o on o.id=i.order_id where o.order_ref='V-CO'")
check "  an order to Bogotá: the answer time in Colombia's time, named" \
  grep -q "te responderá antes del [^.]* a las $(TZ=America/Bogota date -d "@$CO_DUE" +%H:%M) (hora de Colombia)\." "$T_DIR/page.html"
WHEN=$(grep -oE 'antes del [^.]*' "$T_DIR/page.html" | head -1)
eq "  and the message the customer gets says the same" \
  "$(sqlite3 -readonly "$DB" "select count(*) from messages m join incidents i on i.id=m.incident_id join orders o on o.id=i.order_id where o.order_ref='V-CO' and m.body like '%te responderemos $WHEN.%'")" 1
KEY=$KEY api PUT /v1/support/settings '{"business_hours":null}'

# a long report (the form takes 2000 characters) in Spanish: more than 2000 bytes, none of it lost
KEY=$KEY api POST /v1/orders '{"order_ref":"V-3","placed_at":"2025-11-24T10:00:00+01:00","customer":{"email":"eva@example.com"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
LONG=$(printf '¿Dónde está? Llevo días esperándolo; ¡qué decepción, señor! %.0s' $(seq 1 32))FIN
page POST "/t/$(jqr .tracking_code)/report?lang=es" "type=other&message=$(printf '%s' "$LONG" | jq -sRr @uri)"
eq "a report of ${#LONG} characters ($(printf '%s' "$LONG" | wc -c) bytes): kept whole, to its last word" \
  "$STATUS/$(sqlite3 -readonly "$DB" "select length(message)||' '||substr(message,-3) from incidents where message like '¿Dónde está? Llevo%'")" "201/${#LONG} FIN"

# a cancelled order (no shipment): says so and what to do, not that it waits for a carrier
api POST /v1/orders '{"order_ref":"V-3","placed_at":"2025-11-24T10:00:00+01:00","status":"cancelled","customer":{"email":"eva@example.com"},"destination":{"postal_code":"28013","country":"ES"}}'
CODE3=$(jqr .tracking_code)
for l in es en; do
  page GET "/t/$CODE3?lang=$l"
  check "a cancelled order ($l): no \"carrier picks it up\" nor \"the shop is preparing it\"" \
    bash -c "! grep -Eq 'transportista lo recoja|carrier picks it up|preparando tu pedido|preparing your order' '$T_DIR/page.html'"
done
check "  but what happened and what to do (en)" grep -q 'The shop has cancelled this order: it will not be sent.' "$T_DIR/page.html"
page GET "/t/$CODE3?lang=es"
check "  (es)" grep -q 'La tienda ha cancelado este pedido: no se enviará.' "$T_DIR/page.html"

# ---- the look-up form ----
page POST "/track?lang=es" "order=V-1&email=ana%40example.com"
eq "order number + e-mail: 303 to the token address" "$STATUS/$LOC" "303//t/$CODE?lang=es&v=$VE"
page POST "/track?lang=es" "order=%23v-1&email=ana%40example.com"
eq "  the order number in another case (a phone keyboard's): found too" "$STATUS/$LOC" "303//t/$CODE?lang=es&v=$VE"
# the form is public and searches every shop: its look-up goes by an index, not a scan of orders
check "  the look-up by order number (any case) is served by an index" bash -c \
  "sqlite3 -readonly '$DB' \"EXPLAIN QUERY PLAN SELECT o.tracking_code FROM orders o WHERE lower(o.order_ref) IN (lower('V-1'),'#'||lower('V-1'))\" | grep -q 'SEARCH o USING INDEX orders_by_ref_nocase'"
page POST "/track?lang=es" "order=$(printf '%s' "$CODE" | tr 'A-Z' 'a-z')&email="
eq "  the tracking code typed in the order number's box: 303 to its page" "$STATUS/$LOC" "303//t/$CODE?lang=es"
TYPO=$(printf '%s' "$CODE" | sed 's/.$//')$(case "${CODE: -1}" in A) echo B;; *) echo A;; esac)
page POST "/track?lang=en" "order=$TYPO&email="
check "  a code with a typing mistake in the order number's box, no e-mail: told the code has a typo" \
  bash -c "[ $STATUS = 400 ] && grep -q 'That code has a typing mistake' '$T_DIR/page.html'"
page POST "/track?lang=es" "order=$TYPO&email="
check "  (es)" bash -c "[ $STATUS = 400 ] && grep -q 'Ese código tiene un error de tecleo' '$T_DIR/page.html'"
page POST "/track?lang=es" "order=RX-0000-0000-00000&email=ana%40example.com"
eq "  a well-formed code of no order there: still an order number (not found)" "$STATUS" 404
check "  the order number and the e-mail typed are both kept, to correct them" \
  grep -q 'id="f-e"[^>]*value="ana@example.com"' "$T_DIR/page.html"
# a code pasted from an e-mail or a PDF: typographic dashes, a no-break space, a line break
PASTED=$(printf '%s' "$CODE" | sed 's/-/%E2%80%93/; s/-/%C2%A0/; s/-/%E2%80%91/')
page POST "/track?lang=en" "code=$PASTED%0D%0A"
eq "a pasted code with en dashes and a no-break space: 303 to its page" "$STATUS/$LOC" "303//t/$CODE?lang=en"
KEY= api GET "/v1/track/$PASTED"
eq "  and the JSON API takes it too" "$STATUS/$(jqr .tracking_code)" "200/$CODE"

KEY= api GET /v1/openapi.json
printf '%s' "$BODY_OUT" > "$T_DIR/openapi.json"
check "openapi describes the verification box and the v parameter" \
  jq -e '.paths["/t/{tracking_code}/verify"].post and ([.paths["/t/{tracking_code}"].get.parameters[].name] | index("v")) and ([.paths["/v1/track/{tracking_code}"].get.parameters[].name] | index("v"))' "$T_DIR/openapi.json"

# ---- "get updates" with the code alone: the customer's consent moves only with their own address ----
# (the code is on labels, screenshots and forwarded messages: whoever has it must not silence
# the customer's messages, nor restart ones they stopped, for every order of theirs)
optouts() { sqlite3 -readonly "$DB" "select count(*) from notify_optouts n join orders o on o.customer_id=n.customer_id where o.order_ref='V-2' and n.channel='$1'"; }
page POST "/t/$CODE2/updates?lang=en" "channel=email&contact=mallory%40example.com&action=stop"
eq "a stop with the code and someone else's e-mail: done, but no opt-out of the customer" "$STATUS/$(optouts email)" "303/0"
page POST "/t/$CODE2/updates?lang=en" "channel=sms&contact=%2B44+7700+900123&action=stop"
eq "  nor with a phone that is not theirs" "$STATUS/$(optouts sms)" "303/0"
page POST "/t/$CODE2/updates?lang=en" "channel=email&contact=+Bea%40Example.com+&action=stop"
eq "  with the customer's own e-mail (any case): their opt-out" "$STATUS/$(optouts email)" "303/1"
contacts() { sqlite3 -readonly "$DB" "select group_concat(c.channel||' '||c.address) from notify_contacts c join orders o on o.id=c.order_id where o.order_ref='V-2'"; }
page POST "/t/$CODE2/updates?lang=en" "channel=email&contact=mallory%40example.com&action=start"
eq "a start with the code and someone else's e-mail: 409, the customer's messages stay theirs" "$STATUS/$(optouts email)/$(contacts)" "409/1/"
check "  the page says why and what to do" grep -qF 'This order already sends updates to the person who bought it. If it is your order, open' "$T_DIR/page.html"
check "  and keeps what was typed" grep -q 'id="up-c"[^>]*value="mallory@example.com"' "$T_DIR/page.html"
page POST "/t/$CODE2/updates?lang=es" "channel=sms&contact=%2B44+7700+900123&action=start"
eq "  nor another channel that would become the preferred one (es)" "$STATUS/$(contacts)/$(grep -c 'Este pedido ya envía avisos a quien lo compró' "$T_DIR/page.html")" "409//1"
# her address's own opt-out as an erasure would have kept it (docs/privacy.md): the key of "merchant:address"
MV=$(sqlite3 -readonly "$DB" "select merchant_id from orders where order_ref='V-2'")
sqlite3 "$DB" "insert into notify_suppressed(merchant_id,channel,addr_key,source,created_at) values ($MV,'email','$(printf '%s' "$MV:bea@example.com" | sha256sum | cut -c1-64)','email_one_click',0)"
page POST "/t/$CODE2/updates?lang=en" "channel=email&contact=+Bea%40Example.com+&action=start"
eq "the customer's own e-mail with the code: a start lifts their opt-out" "$STATUS/$(optouts email)/$(contacts)" "303/0/email bea@example.com"
eq "  and the opt-out kept for her address, so a customer record made later with it is not opted out" \
   "$(sqlite3 -readonly "$DB" "select count(*) from notify_suppressed")" 0
page POST "/t/$CODE2/updates?lang=en" "channel=email&contact=eve%40example.com&action=stop"
eq "  and a stop with another address leaves that subscription" "$STATUS/$(contacts)" "303/email bea@example.com"
page POST "/t/$CODE2/updates?lang=en" "channel=email&contact=bea%40example.com&action=stop"
eq "  which its own address stops" "$(contacts)/$(optouts email)" "/1"

# ---- the key is the installation's: a restart keeps tokens valid ----
stop_server
start_server "$DB"
page GET "/t/$CODE?v=$V"
eq "after a restart the token still opens the full page" "$STATUS/$(full && echo full)" "200/full"
eq "one key stored" "$(sqlite3 -readonly "$DB" "select count(*)||'/'||length(value) from install_secrets where name='track_token'")" "1/32"

# ---- bound to the e-mail: a corrected e-mail ends it ----
api POST /v1/orders '{"order_ref":"V-1","placed_at":"2025-11-24T10:00:00+01:00","customer":{"name":"Ana","email":"ana.perez@example.com"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
KEY= api GET "/v1/track/$CODE?v=$VE"
if [ "$(sqlite3 -readonly "$DB" "select c.email from customers c join orders o on o.customer_id=c.id where o.order_ref='V-1'")" = "ana.perez@example.com" ]; then
  eq "the token for the old e-mail no longer opens the order" "$(jqr .level)" "public"
  KEY= api GET "/v1/track/$CODE?v=$V"
  eq "  the postcode's token still does" "$(jqr .level)" "full"
else
  ok "the order's e-mail is not changed by a re-post (nothing to check)"
fi

# ---- the timeline names the month: events across a month's end are not ambiguous ----
api POST /v1/shipments '{"order_ref":"V-2","carrier":"seur","tracking_number":"TLM1"}'
api POST /v1/events '[{"carrier":"seur","tracking_number":"TLM1","occurred_at":"2025-10-31T18:00:00+01:00","status":"in_transit"},{"carrier":"seur","tracking_number":"TLM1","occurred_at":"2025-11-02T09:15:00+01:00","status":"in_transit"}]'
page GET "/t/$CODE2?lang=es"
check "the timeline says the month (es)" bash -c "grep -qF 'viernes 31 de octubre, 18:00' '$T_DIR/page.html' && grep -qF 'domingo 2 de noviembre, 09:15' '$T_DIR/page.html'"
check "  and so does the carrier's latest news" grep -qF 'Última noticia del transportista: domingo 2 de noviembre, 09:15.' "$T_DIR/page.html"
page GET "/t/$CODE2?lang=en"
check "the timeline says the month (en)" bash -c "grep -qF 'Friday 31 October, 18:00' '$T_DIR/page.html' && grep -qF 'Sunday 2 November, 09:15' '$T_DIR/page.html'"
# ---- the page's language and date format: the visitor's choice, else the customer's locale ----
api POST /v1/orders '{"order_ref":"V-US","placed_at":"2025-11-24T10:00:00+01:00","customer":{"email":"jo@example.com","locale":"en-US"},"destination":{"postal_code":"10001","city":"New York","country":"US"}}'
CODE3=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"V-US","carrier":"ups","tracking_number":"TLUS1"}'
api POST /v1/events '{"carrier":"ups","tracking_number":"TLUS1","occurred_at":"2025-11-02T15:15:00+01:00","status":"in_transit"}'
al() { curl -s -o "$T_DIR/page.html" ${1:+-H "Accept-Language: $1"} "$BASE/t/$CODE3${2-}"; }
al ""
check "an en-US customer's order, no Accept-Language: English, as their e-mails (not the shop's Spanish)" grep -q '<html lang="en">' "$T_DIR/page.html"
PM3=$'3:15\xe2\x80\xafPM' # ICU writes a narrow no-break space before AM/PM
check "  with the dates as in the US: month first, 12-hour clock" grep -qF "Latest news from the carrier: Sunday, November 2, $PM3." "$T_DIR/page.html"
al "fr-FR,fr;q=0.9,pt;q=0.8"
check "  a French browser (neither es nor en): the customer's English too" grep -q '<html lang="en">' "$T_DIR/page.html"
al "es-MX,es;q=0.9"
check "  a browser in Spanish (es-MX): Spanish, 24-hour" grep -qF 'Última noticia del transportista: domingo 2 de noviembre, 15:15.' "$T_DIR/page.html"
al "en-GB,en;q=0.9"
check "  en-GB: day first, 24-hour" grep -qF 'Latest news from the carrier: Sunday 2 November, 15:15.' "$T_DIR/page.html"
al "fr-CH, en;q=0.5, es;q=0.8"
check "  Accept-Language is read by its q values (es 0.8 over en 0.5)" grep -q '<html lang="es">' "$T_DIR/page.html"
al "de-DE,en;q=0"
check "  and q=0 is a refusal" grep -q '<html lang="en">' "$T_DIR/page.html"
curl -s -o "$T_DIR/page.html" -H "Accept-Language: en-US,en;q=0.9" "$BASE/t/$CODE2?lang=en"
check "  the page's own ?lang=en (live refresh, language switch) keeps an en-US browser's region" \
  grep -qF "Latest news from the carrier: Sunday, November 2, 9:15"$'\xe2\x80\xaf'"AM." "$T_DIR/page.html"
al "es-ES" "?lang=en-us"
check "  ?lang=en-us wins, with its region" grep -qF "Sunday, November 2, $PM3" "$T_DIR/page.html"
# ---- times in the customer's zone when the order gives one ----
api POST /v1/orders '{"order_ref":"V-MX","placed_at":"2025-10-30T10:00:00+01:00","customer":{"email":"mx@example.com","locale":"es-MX","timezone":"America/Mexico_City"},"destination":{"postal_code":"06600","city":"Ciudad de México","country":"MX"}}'
CODE4=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"V-MX","carrier":"dhl","tracking_number":"TLMX1"}'
api POST /v1/events '{"carrier":"dhl","tracking_number":"TLMX1","occurred_at":"2025-11-02T01:00:00+01:00","status":"in_transit"}'
page GET "/t/$CODE4"
check "a customer in Mexico City of a shop in Madrid: the scan at 18:00 their Saturday, not 01:00 Sunday" \
  grep -qF 'Última noticia del transportista: sábado 1 de noviembre, 18:00.' "$T_DIR/page.html"
KEY= api GET "/v1/track/$CODE4"
eq "  the public JSON gives the zone to tell times in (as the locale), not the person" "$(jqr .timezone)/$(jqr 'has("customer")')" "America/Mexico_City/false"
page GET "/t/$CODE3"
check "  an order without one: the shop's zone" grep -qF 'Sunday, November 2, 3:15' "$T_DIR/page.html"
# without customer.timezone, abroad: the destination country's zone when it has only one
# (docs/notifications.md#the-customers-time-zone); the same scan, 00:00 UTC, is 19:00 in Bogotá
api POST /v1/orders '{"order_ref":"V-CO","placed_at":"2025-10-30T10:00:00+01:00","customer":{"email":"co@example.com"},"destination":{"postal_code":"110111","city":"Bogotá","country":"CO"}}'
CODE_CO=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"V-CO","carrier":"dhl","tracking_number":"TLCO1"}'
api POST /v1/events '{"carrier":"dhl","tracking_number":"TLCO1","occurred_at":"2025-11-02T01:00:00+01:00","status":"in_transit"}'
page GET "/t/$CODE_CO"
check "a Madrid shop's order to Colombia without customer.timezone: Bogotá's 19:00 Saturday, not Madrid's 01:00 Sunday" \
  grep -qF 'Última noticia del transportista: sábado 1 de noviembre, 19:00.' "$T_DIR/page.html"
KEY= api GET "/v1/track/$CODE_CO"
eq "  the public JSON reports that zone" "$(jqr .timezone)" America/Bogota
KEY= api GET "/v1/track/$CODE_CO?email=co@example.com"
eq "  and the verified one too" "$(jqr .timezone)/$(jqr .customer.timezone)" "America/Bogota/null"
# Mexico has several zones and no region data tells them apart: the shop's
api POST /v1/orders '{"order_ref":"V-MX2","placed_at":"2025-10-30T10:00:00+01:00","customer":{"email":"mx2@example.com"},"destination":{"postal_code":"44100","city":"Guadalajara","region":"JAL","country":"MX"}}'
CODE_MX2=$(jqr .tracking_code)
KEY= api GET "/v1/track/$CODE_MX2"
eq "an order to Mexico (several zones) without customer.timezone: the shop's zone" "$(jqr .timezone)" Europe/Madrid
# the shop's zone for customers is the notification settings' timezone when set, as for messages
api PUT /v1/notifications/settings '{"timezone":"Atlantic/Canary"}'
eq "notification settings with a timezone: 200" "$STATUS" 200
KEY= api GET "/v1/track/$CODE_MX2"
eq "  the page's zone follows it (messages and page agree)" "$(jqr .timezone)" Atlantic/Canary
KEY= api GET "/v1/track/$CODE4"
eq "  the customer's own zone still wins" "$(jqr .timezone)" America/Mexico_City
api PUT /v1/notifications/settings '{}'
# ---- the FAQ: the shop's own, in the language it wrote it in, before the built-in one ----
api PUT /v1/faq '{"es":[{"q":"¿Enviáis a Canarias?","a":"Sí, en 5 días laborables, sin aduana para ti."}]}'
eq "a FAQ in Spanish only is saved" "$STATUS" 200
page GET "/t/$CODE?lang=en"
check "  the English page shows the shop's own questions, not the built-in ones" \
  bash -c "grep -q 'Enviáis a Canarias' '$T_DIR/page.html' && ! grep -q 'What if I am not at home' '$T_DIR/page.html'"
check "  marked as Spanish, and saying so in English" \
  bash -c "grep -q '<div lang=\"es\"><details><summary>¿Enviáis a Canarias?' '$T_DIR/page.html' && grep -q 'The shop wrote its frequently asked questions in Spanish only.' '$T_DIR/page.html'"
page GET "/t/$CODE?lang=es"
check "  the Spanish page shows them as they are, without the note" \
  bash -c "grep -q '<details><summary>¿Enviáis a Canarias?' '$T_DIR/page.html' && ! grep -q 'solo en' '$T_DIR/page.html'"
api PUT /v1/faq '{"es":[{"q":"¿Enviáis a Canarias?","a":"Sí."}],"en":[{"q":"Do you ship to the Canary Islands?","a":"Yes."}]}'
page GET "/t/$CODE?lang=en"
check "  written in both: each page its own language" \
  bash -c "grep -q 'Do you ship to the Canary Islands' '$T_DIR/page.html' && ! grep -q 'Enviáis' '$T_DIR/page.html' && ! grep -q 'lang=\"es\"><details' '$T_DIR/page.html'"
api PUT /v1/faq '{}'
page GET "/t/$CODE?lang=en"
check "  none written: the built-in questions" grep -q 'What if I am not at home?' "$T_DIR/page.html"
# ---- a promotion whose window is empty would never show: refused ----
api PUT /v1/promotion '{"text":{"es":"Envío gratis"},"starts_at":"2030-01-01T00:00:00+01:00","ends_at":"2029-12-31T00:00:00+01:00"}'
eq "a promotion that ends before it starts: 422 saying so" "$STATUS $(jqr .error.code) $(jqr '.error.message|test("must be after starts_at")')" "422 invalid_time true"
api PUT /v1/promotion '{"text":{"es":"Envío gratis"},"starts_at":"2030-01-01T00:00:00+01:00","ends_at":"2029-12-31T23:00:00Z"}'
eq "  one that ends the instant it starts (another offset): 422" "$STATUS" 422
api PUT /v1/promotion '{"text":{"es":"Envío gratis"},"starts_at":"2030-01-01T00:00:00+01:00","ends_at":"2030-01-08T00:00:00+01:00"}'
eq "  a week: 200" "$STATUS" 200
# ---- Web Push: the endpoint a visitor sends is where the worker will POST: public https only ----
push_sub() { # ENDPOINT: the status of subscribing it to V-2
  curl -s -o "$T_DIR/push.json" -w '%{http_code}' -H 'Content-Type: application/json' -H "Origin: $BASE" \
    --data '{"action":"start","subscription":{"endpoint":"'"$1"'","keys":{"p256dh":"BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM","auth":"tBHItJI5svbpez7KI4CCXg"}}}' \
    "$BASE/t/$CODE2/push"
}
eq "a push service's endpoint is accepted" "$(push_sub https://fcm.googleapis.com/fcm/send/abc)" 201
bad=""
for ep in https://127.0.0.1/x https://localhost:8443/x https://LOCALHOST./x https://a.localhost/x https://10.1.2.3/x \
  https://169.254.169.254/latest/meta-data/ https://192.168.1.1/x https://172.16.0.9/x https://100.64.0.1/x \
  "https://[::1]/x" "https://[fd00::1]/x" "https://[fe80::1%25eth0]/x" "https://[::ffff:127.0.0.1]/x" https://0.0.0.0/x \
  https://2130706433/x https://127.1/x https://0x7f.0.0.1/x https://push.example@127.0.0.1/x; do
  st=$(push_sub "$ep"); [ "$st" = 422 ] || bad="$bad $ep=$st"
done
eq "  one on loopback, a private network, link-local (cloud metadata) or written as a number: 422" "$bad" ""
eq "  and it says what it wants" "$(jq -r .error.message "$T_DIR/push.json")" \
  'send {"subscription": PushSubscription.toJSON()} with an https endpoint on a public host and keys p256dh, auth'
eq "  none was stored" "$(sqlite3 -readonly "$DB" "select group_concat(endpoint) from push_subscriptions")" "https://fcm.googleapis.com/fcm/send/abc"

# ---- the timeline: "arriving today" only on the newest scan ----
# an out-for-delivery scan of today followed by a failed attempt of today is past news: its row
# says "Out for delivery" (docs/tracking-page.md: "a past event in the timeline")
api POST /v1/orders '{"order_ref":"V-OFD","placed_at":"2025-11-24T10:00:00+01:00","customer":{"email":"ofd@example.com"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
OFD=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"V-OFD","carrier":"seur","tracking_number":"VOFD1"}'
api POST /v1/events "[{\"carrier\":\"seur\",\"tracking_number\":\"VOFD1\",\"occurred_at\":\"$(date -u -d '-20 seconds' +%FT%TZ)\",\"status\":\"out_for_delivery\"}]"
page GET "/t/$OFD?lang=en"
check "out for delivery today: its timeline row says \"arriving today\"" \
  grep -q '<li class="last"><strong>Out for delivery: arriving today</strong>' "$T_DIR/page.html"
api POST /v1/events "[{\"carrier\":\"seur\",\"tracking_number\":\"VOFD1\",\"occurred_at\":\"$(date -u -d '-10 seconds' +%FT%TZ)\",\"status\":\"attempt_failed\",\"substatus\":\"recipient_absent\"}]"
page GET "/t/$OFD?lang=en"
check "  then a failed attempt today: the row is past news, \"Out for delivery\" without \"arriving today\"" \
  bash -c "grep -q '<li><strong>Out for delivery</strong>' '$T_DIR/page.html' && ! grep -q 'arriving today' '$T_DIR/page.html'"
page GET "/t/$OFD?lang=es"
check "  in Spanish too (\"En reparto\", no \"llega hoy\")" \
  bash -c "grep -q '<li><strong>En reparto</strong>' '$T_DIR/page.html' && ! grep -q 'llega hoy' '$T_DIR/page.html'"
finish
