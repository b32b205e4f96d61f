#!/usr/bin/env bash
# Browser tests of the tracking page (issue 6): Debian chromium driven by playwright-core with
# axe-core (tests/browser/, npm ci there; never `npx playwright install`). This script starts
# the real server, seeds a merchant with hostile names, two orders and events, runs
# tests/browser/track.test.js (which prints ok/not ok lines), counts them, and checks what the
# browser stored (contacts and opt-outs, incidents) in the database. Screenshots go to
# $RASTRO_TEST_OUT/screenshots/ (tests/out/ under tests/run.sh).
source "$(dirname "$0")/../lib/lib.sh"
browser_ready || { ok "browser tests skipped"; finish; exit; }

export RASTRO_LOOKUP_BURST=6 RASTRO_LOOKUP_PER_MIN=6
export RASTRO_VAPID_PUBLIC_KEY=BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM
DB=$T_DIR/browser.db
# no delay sweep: its first run, a minute in, would open "no scan for 7 days" incidents for these
# 2025 parcels, and a customer's "not arrived" report would then be a note of one (one problem)
SERVE_ARGS="--sweep-interval 0" start_server "$DB"
KEY=$(new_merchant 'Tienda <script>alert("m")</script> Sol')
api PUT /v1/branding '{"display_name":"Sol & Luna <script>alert(1)</script>","primary_color":"#0a5c7a","accent_color":"#0b6e4f"}'
eq "PUT /v1/branding answers 200" "$STATUS" 200
api PUT /v1/branding '{"primary_color":"red"}'
eq "a colour that is not #rrggbb is refused" "$STATUS" 422
PROMO='{"text":{"es":"-10 % en tu próxima compra con el código VUELVE","en":"10% off your next order with code VUELVE"},"link":"https://example.com/promo","starts_at":"2020-01-01T00:00:00Z","ends_at":"2099-01-01T00:00:00Z"}'
api PUT /v1/promotion "$PROMO"
eq "PUT /v1/promotion answers 200" "$STATUS" 200
api PUT /v1/promotion '{"text":{"es":"x"},"link":"javascript:alert(1)"}'
eq "a javascript: link is refused" "$STATUS" 422
api GET /v1/faq
eq "GET /v1/faq before any PUT is empty" "$BODY_OUT" "{}"

api POST /v1/orders '{"order_ref":"1001","placed_at":"2025-11-24T10:00:00+01:00","customer":{"name":"Ana","email":"ana@example.com","phone":"+34600111222","locale":"es"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"},"items":[{"sku":"TAZA","name":"Taza <b>grande</b>","quantity":2},{"sku":"PLATO","name":"Plato","quantity":1}]}'
CODE=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"1001","carrier":"seur","tracking_number":"SEUR123"}'
api POST /v1/events '[{"carrier":"seur","tracking_number":"SEUR123","occurred_at":"2025-11-24T18:00:00+01:00","status":"info_received","location":{"city":"Valencia"}},
 {"carrier":"seur","tracking_number":"SEUR123","occurred_at":"2025-11-25T07:30:00+01:00","status":"in_transit","message":"<script>alert(\"ev\")</script> Llegada a plataforma","location":{"city":"Madrid <img src=x onerror=alert(3)>"}}]'
eq "seed events accepted" "$(jqr .accepted)" 2
api POST /v1/orders '{"order_ref":"1002","placed_at":"2025-11-20T10:00:00+01:00","customer":{"email":"bea@example.com"},"destination":{"postal_code":"08001","city":"Barcelona","country":"ES"}}'
CODE2=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"1002","carrier":"correos","tracking_number":"PQ1"}'
api POST /v1/events '[{"carrier":"correos","tracking_number":"PQ1","occurred_at":"2025-11-21T09:00:00+01:00","status":"in_transit","location":{"city":"Zaragoza"}},
 {"carrier":"correos","tracking_number":"PQ1","occurred_at":"2025-11-22T12:00:00+01:00","status":"exception","substatus":"customs_hold","location":{"city":"Madrid"}}]'

# the carrier by the name customers know, not its slug
curl -s "$BASE/t/$CODE?lang=es" > "$T_DIR/carrier.html"
check "the carrier is shown as SEUR, not its slug seur" grep -q '<p class="carrier">Transportista: SEUR</p>' "$T_DIR/carrier.html"
api POST /v1/orders '{"order_ref":"1003","placed_at":"2025-11-24T10:00:00+01:00","customer":{"email":"eva@example.com"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
CODE3=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"1003","carrier":"dhl_express","tracking_number":"DHL1"}'
api POST /v1/shipments '{"order_ref":"1003","carrier":"Mensajeria Perez","tracking_number":"MP1"}'
curl -s "$BASE/t/$CODE3?lang=en" > "$T_DIR/carrier.html"
check "  each parcel's too (DHL Express; an unknown slug with spaces and a capital)" \
  bash -c "grep -q 'Parcel 1/2 · DHL Express</h3>' '$T_DIR/carrier.html' && grep -q 'Parcel 2/2 · Mensajeria perez</h3>' '$T_DIR/carrier.html'"

# "arriving today" only while it is today: a scan from days ago the carrier has not followed up
ofd() { # ofd REF WHEN: an order out for delivery since WHEN; prints its code
  api POST /v1/orders "{\"order_ref\":\"$1\",\"placed_at\":\"2025-11-24T10:00:00+01:00\",\"customer\":{\"email\":\"o@example.com\"},\"destination\":{\"postal_code\":\"28013\",\"city\":\"Madrid\",\"country\":\"ES\"}}"
  local code; code=$(jqr .tracking_code)
  api POST /v1/shipments "{\"order_ref\":\"$1\",\"carrier\":\"seur\",\"tracking_number\":\"OFD$1\"}"
  api POST /v1/events "[{\"carrier\":\"seur\",\"tracking_number\":\"OFD$1\",\"occurred_at\":\"$2\",\"status\":\"out_for_delivery\"}]"
  printf '%s' "$code"
}
OLD=$(ofd 1004 "$(date -u -d '-3 days' +%FT%TZ)")
curl -s "$BASE/t/$OLD?lang=en" > "$T_DIR/ofd.html"
check "out for delivery three days ago: no \"arriving today\" (headline, title, timeline)" \
  bash -c "grep -q '<h1 id=\"headline\">Out for delivery</h1>' '$T_DIR/ofd.html' && grep -q '<title>Out for delivery · ' '$T_DIR/ofd.html' && ! grep -q 'arriving today' '$T_DIR/ofd.html'"
NEW=$(ofd 1005 "$(date -u -d '-5 seconds' +%FT%TZ)")
curl -s "$BASE/t/$NEW?lang=es" > "$T_DIR/ofd.html"
check "  out for delivery today: \"llega hoy\"" grep -q '<h1 id="headline">En reparto: llega hoy</h1>' "$T_DIR/ofd.html"
api POST /v1/events "[{\"carrier\":\"seur\",\"tracking_number\":\"OFD1004\",\"occurred_at\":\"$(date -u -d '-2 days' +%FT%TZ)\",\"status\":\"attempt_failed\",\"substatus\":\"recipient_absent\"},{\"carrier\":\"seur\",\"tracking_number\":\"OFD1004\",\"occurred_at\":\"$(date -u -d '-5 seconds' +%FT%TZ)\",\"status\":\"out_for_delivery\"}]"
curl -s "$BASE/t/$OLD?lang=en" > "$T_DIR/ofd.html"
check "  out again today after a failed attempt (its first scan days ago): \"arriving today\"" \
  grep -q '<h1 id="headline">Out for delivery: arriving today</h1>' "$T_DIR/ofd.html"

# delivered: when the last parcel came (not the last one listed), and where it was left (the
# customer who was out reads "Delivered" and asks where it is)
api POST /v1/orders '{"order_ref":"1006","placed_at":"2025-11-24T10:00:00+01:00","customer":{"email":"d@example.com"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
CODE6=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"1006","carrier":"seur","tracking_number":"DLV1"}'
api POST /v1/shipments '{"order_ref":"1006","carrier":"seur","tracking_number":"DLV2"}'
api POST /v1/events '[{"carrier":"seur","tracking_number":"DLV1","occurred_at":"2025-11-26T19:00:00+01:00","status":"delivered","substatus":"to_neighbour"},
 {"carrier":"seur","tracking_number":"DLV2","occurred_at":"2025-11-25T10:00:00+01:00","status":"delivered","substatus":"signed"}]'
curl -s "$BASE/t/$CODE6?lang=es" > "$T_DIR/dlv.html"
check "two parcels delivered: the headline gives the later delivery" \
  grep -q '<h1 id="headline">Entregado el miércoles 26 de noviembre a las 19:00</h1>' "$T_DIR/dlv.html"
check "  and says where it was left" grep -q '<p class="sub">Lo recogió un vecino. Última noticia' "$T_DIR/dlv.html"
curl -s "$BASE/t/$CODE6?lang=en" > "$T_DIR/dlv.html"
check "  in English too" grep -q '<p class="sub">A neighbour took it in. Latest news' "$T_DIR/dlv.html"

# two parcels, the second held at customs: the box says so and what to do (pay duties), not a
# generic "problem with your shipment" because the first one is on its way
api POST /v1/orders '{"order_ref":"1008","placed_at":"2025-11-24T10:00:00+01:00","customer":{"email":"c@example.com"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
CODE8=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"1008","carrier":"seur","tracking_number":"CUS1"}'
api POST /v1/shipments '{"order_ref":"1008","carrier":"dhl_express","tracking_number":"CUS2"}'
api POST /v1/events '[{"carrier":"seur","tracking_number":"CUS1","occurred_at":"2025-11-25T09:00:00+01:00","status":"in_transit"},
 {"carrier":"dhl_express","tracking_number":"CUS2","occurred_at":"2025-11-25T12:00:00+01:00","status":"exception","substatus":"customs_hold"}]'
curl -s "$BASE/t/$CODE8?lang=es" > "$T_DIR/cus.html"
check "two parcels, one held at customs: what happened is the customs hold" \
  grep -q '<h2 id="alert-h">Qué ha pasado</h2><p>Tu paquete está retenido en la aduana.</p>' "$T_DIR/cus.html"
curl -s "$BASE/t/$CODE8?lang=en" > "$T_DIR/cus.html"
check "  and what to do, in English too" grep -q '<p>Duties or documents may be needed; follow the carrier&#39;s instructions.</p>' "$T_DIR/cus.html"

# one parcel delivered, the other back at the shop: the order as a whole is "returning", but the
# headline says it is part of it, not "Returning to the sender" as if nothing came
api POST /v1/orders '{"order_ref":"1009","placed_at":"2025-11-24T10:00:00+01:00","customer":{"email":"r@example.com"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
CODE9=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"1009","carrier":"seur","tracking_number":"RET1"}'
api POST /v1/shipments '{"order_ref":"1009","carrier":"seur","tracking_number":"RET2"}'
api POST /v1/events '[{"carrier":"seur","tracking_number":"RET1","occurred_at":"2025-11-25T09:00:00+01:00","status":"delivered"},
 {"carrier":"seur","tracking_number":"RET2","occurred_at":"2025-11-26T12:00:00+01:00","status":"returned"}]'
curl -s "$BASE/t/$CODE9?lang=es" > "$T_DIR/ret.html"
check "one parcel delivered, one returned: \"part of your order is back\" (headline and title)" \
  bash -c "grep -q '<h1 id=\"headline\">Parte de tu pedido ha vuelto a la tienda</h1>' '$T_DIR/ret.html' && grep -q '<title>Parte de tu pedido ha vuelto a la tienda · ' '$T_DIR/ret.html'"
curl -s "$BASE/t/$CODE9?lang=en" > "$T_DIR/ret.html"
check "  in English too" grep -q '<h1 id="headline">Part of your order is back at the shop</h1>' "$T_DIR/ret.html"

# a promotion written in one language only is shown in the other too, marked with its language
api PUT /v1/promotion '{"text":{"es":"Envío gratis en tu próximo pedido"},"starts_at":"2020-01-01T00:00:00Z"}'
curl -s "$BASE/t/$CODE2?lang=en" > "$T_DIR/promo.html"
check "a Spanish-only promotion on the English page carries lang=\"es\" (read with a Spanish voice)" \
  grep -q '<p lang="es">Envío gratis en tu próximo pedido</p>' "$T_DIR/promo.html"
curl -s "$BASE/t/$CODE2?lang=es" > "$T_DIR/promo.html"
check "  and none on the Spanish page" grep -q '<aside class="promo" aria-label="Promoción"><p>Envío gratis' "$T_DIR/promo.html"
api PUT /v1/promotion "$PROMO"

# the live stream told again after a reconnection (its 10 minutes ended, the phone slept, the
# network dropped): each message's id is what the page shows, and the browser sends it back
curl -s -N --max-time 1 "$BASE/t/$OLD/stream" > "$T_DIR/sse.txt"
SEEN=$(sed -n 's/^id: //p' "$T_DIR/sse.txt" | head -1)
check "the stream's first message carries an id (sent back as Last-Event-ID on reconnection)" test -n "$SEEN"
curl -s -N --max-time 1 -H "Last-Event-ID: $SEEN" "$BASE/t/$OLD/stream" > "$T_DIR/sse.txt"
check "  back with nothing changed: no update" bash -c "! grep -q '^event: update' '$T_DIR/sse.txt'"
api POST /v1/events "[{\"carrier\":\"seur\",\"tracking_number\":\"OFD1004\",\"occurred_at\":\"$(date -u +%FT%TZ)\",\"status\":\"delivered\"}]"
curl -s -N --max-time 1 -H "Last-Event-ID: $SEEN" "$BASE/t/$OLD/stream" > "$T_DIR/sse.txt"
check "  back after a change made while it was away: the update at once" grep -q '^data: {"status":"delivered"}' "$T_DIR/sse.txt"

# an order for the browser's stream that is refused and comes back
api POST /v1/orders '{"order_ref":"1007","placed_at":"2025-11-24T10:00:00+01:00","customer":{"email":"s@example.com"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
CODE7=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"1007","carrier":"seur","tracking_number":"SSE7"}'
api POST /v1/events '[{"carrier":"seur","tracking_number":"SSE7","occurred_at":"2025-11-25T09:00:00+01:00","status":"in_transit"}]'

export BASE KEY CODE CODE2 CODE7
run_browser_test track.test.js

# what the browser left in the database
q() { sqlite3 -readonly "$DB" "$1"; }
eq "no-JS updates form stored the customer's e-mail as the contact the planner reads, not someone else's" "$(q "select group_concat(channel||' '||address) from notify_contacts where channel='email'")" "email ana@example.com"
eq "stop updates: an SMS opt-out of the order's customer, no SMS contact left" "$(q "select count(*) from notify_optouts n join orders o on o.customer_id=n.customer_id where n.channel='sms' and n.source='tracking_page'")/$(q "select count(*) from notify_contacts where channel='sms' and address='+34600111222'")" "1/0"
eq "push subscription stored" "$(q "select count(*) from push_subscriptions where endpoint like 'https://push.example.net/%' and revoked_at is null")" "1"
eq "verified visitor set the customer's preferred channel" "$(q "select preferred_channel from customers where email='ana@example.com'")" "whatsapp"
finish
