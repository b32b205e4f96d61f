#!/usr/bin/env bash
# End-to-end: inbound webhooks (issue 3) over HTTP against the real binary (ASan+UBSan build).
# For each provider — EasyPost, Shippo, AfterShip, 17TRACK, Shopify, WooCommerce, the generic
# mapped webhook — payloads from tests/fixtures/ are signed here with openssl and posted to
# /hooks/{provider}/{hook_id}: correct signature → applied (state checked through the API),
# wrong or missing signature → 401 and nothing written, re-delivery → duplicate, late scans,
# returns, unknown topics, truncated JSON, times without offsets, missing tracking numbers,
# carrier detection, the inbound log and replay. When ../shared/fixtures is present its provider
# examples are posted byte-for-byte with the exact headers of SIGNATURES.md.
source "$(dirname "$0")/../lib/lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
SHARED=$(cd "$(dirname "$0")/../.." && pwd)/../shared/fixtures
source "$(dirname "$0")/../lib/recorder.sh"

DB=$T_DIR/hooks.db
start_server "$DB"
KEY_A=$(new_merchant "Tienda Sol")
KEY_B=$(new_merchant "Otra Tienda")
KEY_RO=$("$RASTRO_BIN" merchant key 1 --scopes read --db "$DB" | sed -n 's/^api key: //p')
KEY=$KEY_A

b64() { openssl dgst -sha256 -hmac "$1" -binary "$2" | base64 -w0; }
hexmac() { openssl dgst -sha256 -hmac "$1" "$2" | sed 's/^.*= //'; }
# jqf FILTER: jq -e on the last answer (true/false exit status)
jqf() { printf '%s' "$BODY_OUT" | jq -e "$1" >/dev/null; }
# post URL FILE [curl args…]: posts FILE byte-for-byte; sets STATUS and BODY_OUT
post() {
  local url=$1 file=$2; shift 2
  STATUS=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$@" \
    --data-binary @"$file" "$url")
  BODY_OUT=$(cat "$T_DIR/resp")
}
counts() { jqr '"\(.orders.created)/\(.shipments.created)/\(.events.accepted)/\(.events.duplicate)/\(.events.rejected)"'; }
n_inbound() { KEY=$KEY_A api GET "/v1/inbound?limit=500"; jqr '.deliveries|length'; }

# ---- configuration ----
declare -A HOOK
for p in easypost shippo aftership 17track shopify woocommerce; do
  api PUT /v1/integrations/$p "{\"secret\":\"$p-secret-e2e\"}"
  eq "PUT /v1/integrations/$p: 201" "$STATUS" 201
  HOOK[$p]=$(jqr .webhook_url)
done
check "webhook URL is /hooks/{provider}/{32 hex}" bash -c "[[ '${HOOK[shopify]}' =~ ^$BASE/hooks/shopify/[0-9a-f]{32}$ ]]"
check "hook ids differ per integration" bash -c "[ '${HOOK[shopify]##*/}' != '${HOOK[easypost]##*/}' ]"
api PUT /v1/integrations/shippo '{"secret":"shippo-secret-e2e"}'
eq "PUT again: 200 updated, same URL" "$STATUS/$(jqr .result)/$(jqr .webhook_url)" "200/updated/${HOOK[shippo]}"
api PUT /v1/integrations/generic '{"secret":"generic-secret-e2e"}'
eq "generic without a mapping: 422" "$STATUS/$(jqr .error.code)" "422/missing_field"
api PUT /v1/integrations/generic '{"secret":"generic-secret-e2e","mapping":{"tracking_number":"no-slash","occurred_at":"/t"}}'
eq "a mapping with a bad pointer: 422" "$STATUS/$(jqr .error.code)" "422/invalid_mapping"
api PUT /v1/integrations/generic "{\"secret\":\"generic-secret-e2e\",\"mapping\":$(cat "$FIX/hooks/generic-mapping.json")}"
eq "generic with a mapping: 201" "$STATUS" 201
HOOK[generic]=$(jqr .webhook_url)
api PUT /v1/integrations/fedex '{"secret":"12345678"}'
eq "unknown provider: 404" "$STATUS" 404
api PUT /v1/integrations/shopify '{"secret":"short"}'
eq "short secret: 422" "$STATUS/$(jqr .error.code)" "422/invalid_secret"
KEY=$KEY_RO api PUT /v1/integrations/shopify '{"secret":"12345678910"}'
eq "a read key cannot configure: 403" "$STATUS" 403
api GET /v1/integrations
eq "GET /v1/integrations lists seven" "$(jqr '.integrations|length')" 7
check "  and never a secret" bash -c "! printf '%s' '$BODY_OUT' | grep -q 'secret-e2e'"
KEY=$KEY_B api GET /v1/integrations
eq "another merchant sees none" "$(jqr '.integrations|length')" 0
out=$("$RASTRO_BIN" merchant hook aftership --merchant 2 --secret cli-secret-e2e --db "$DB" 2>/dev/null)
check "CLI: rastro merchant hook prints the webhook path" bash -c "printf '%s' '$out' | grep -q '^webhook path: /hooks/aftership/[0-9a-f]\{32\}$'"
KEY=$KEY_B api GET /v1/integrations
eq "  and the integration is there" "$(jqr '.integrations[0].provider')" aftership
# the example of README.md and docs/api/webhooks.md works as written (on a database of its own)
"$RASTRO_BIN" merchant create "Tienda Sol" --db "$T_DIR/example.db" >/dev/null 2>&1
for doc in README.md docs/api/webhooks.md; do
  ex=$(grep -o 'rastro merchant hook shopify --merchant 1 --secret [^`[]*' "$(dirname "$0")/../../$doc" | head -1)
  ex=${ex% }; read -r -a words <<<"${ex#rastro }"
  out=$("$RASTRO_BIN" "${words[@]}" --db "$T_DIR/example.db" 2>&1); rc=$?
  if [ -n "$ex" ] && [ $rc -eq 0 ] && printf '%s' "$out" | grep -q '^webhook path: /hooks/shopify/'; then ok "the $doc example '$ex' works as written"
  else not_ok "the $doc example '$ex' works as written" "rc=$rc: $out"; fi
done
"$RASTRO_BIN" merchant hook generic --merchant 2 --secret cli-secret-e2e --db "$DB" >/dev/null 2>&1
eq "CLI: generic without --mapping fails" "$?" 1

# ---- Shopify ----
F=$FIX/shopify-orders-create-es.json
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: orders/create" -H "X-Shopify-Event-Id: ev-1"
eq "Shopify without a signature: 401" "$STATUS/$(jqr .error.code)" "401/invalid_signature"
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: orders/create" -H "X-Shopify-Hmac-Sha256: $(b64 wrong-secret "$F")"
eq "Shopify with a wrong signature: 401" "$STATUS" 401
api GET /v1/orders/%232087
eq "  nothing written" "$STATUS" 404
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: orders/create" -H "X-Shopify-Event-Id: ev-1" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$F")"
eq "Shopify orders/create: 200 applied" "$STATUS/$(jqr .result)/$(jqr .orders.created)" "200/applied/1"
api GET /v1/orders/%232087
eq "  the order exists with its customer" "$STATUS/$(jqr .customer.email)/$(jqr .destination.city)" "200/ines.calvo@example.es/València"
eq "  items" "$(jqr '[.items[]|.quantity]|join(",")')" "3,1"
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: orders/create" -H "X-Shopify-Event-Id: ev-1" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$F")"
eq "Shopify re-delivery: duplicate" "$STATUS/$(jqr .result)" "200/duplicate"
F=$T_DIR/shopify-wholesale.json
jq -c '.name="#2090" | .id=820982911946160000 | .line_items=[range(205) as $i | {id:(20000+$i), name:"Caja \($i)", sku:"SKU-\($i)", quantity:1}]' \
  "$FIX/shopify-orders-create-es.json" > "$F"
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: orders/create" -H "X-Shopify-Event-Id: ev-big" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$F")"
eq "Shopify order with 205 line items: created, not refused" "$STATUS/$(jqr .result)/$(jqr .orders.created)" "200/applied/1"
check "  a note says only the first 200 items are kept" jqf '.notes[0]|test("205 items, only the first 200")'
api GET /v1/orders/%232090
eq "  the order has its first 200 items" "$STATUS/$(jqr '.items|length')/$(jqr '.items[0].sku')" "200/200/SKU-0"
F=$FIX/shopify-fulfillment-create.json
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: fulfillments/create" -H "X-Shopify-Webhook-Id: wh-2" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$F")"
eq "Shopify fulfillment: 2 shipments, 2 events" "$(jqr .result)/$(counts)" "applied/0/2/2/0/0"
api GET /v1/shipments/correos_express/PK43BG0440123450128002P
eq "  shipment attached to #2087, attempt failed" "$(jqr .order_ref)/$(jqr .status)/$(jqr .action_required)" "#2087/attempt_failed/true"
F=$T_DIR/shopify-fulfillment-touched.json
jq -c '.updated_at="2025-12-04T09:00:00+01:00"' "$FIX/shopify-fulfillment-create.json" > "$F"
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: fulfillments/update" -H "X-Shopify-Event-Id: ev-2b" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$F")"
eq "fulfillments/update repeating the shipment_status at a later updated_at: no new event" "$STATUS/$(jqr .events.accepted)/$(jqr .events.duplicate)" "200/0/2"
api GET /v1/shipments/correos_express/PK43BG0440123450128002P
eq "  the customer's timeline has it once" "$(jqr '[.events[]|select(.source=="shopify")]|length')" 1
F=$FIX/shopify-orders-updated.json
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: orders/updated" -H "X-Shopify-Event-Id: ev-3" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$F")"
eq "Shopify orders/updated: order updated, SEUR shipment" "$(jqr .result)/$(jqr .orders.updated)/$(jqr .shipments.created)" "applied/1/1"
eq "  an unsupported locale is dropped with a note, not the order" "$(jqr '.notes[0]|test("customer.locale")')" true
api GET /v1/orders/%232087
eq "  the order is cancelled" "$(jqr .status)" cancelled
F=$FIX/shopify-orders-create-es.json
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: orders/create" -H "X-Shopify-Event-Id: ev-late" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$F")"
eq "orders/create delivered after the cancellation (no order guaranteed): 200, with a note" \
   "$STATUS/$(jqr '.notes[0]|test("stays cancelled")')" "200/true"
api GET /v1/orders/%232087
eq "  Shopify cannot reopen a cancelled order: it stays cancelled" "$(jqr .status)" cancelled
jq -c '.' "$FIX/shopify-fulfillment-create.json" > /dev/null
F=$T_DIR/shopify-delete.json; printf '{"id":5830012345678}' > "$F"
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: orders/delete" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$F")"
eq "Shopify unknown topic: recorded rejection" "$STATUS/$(jqr .result)/$(jqr .error.code)" "200/rejected/invalid_payload"
check "  the reason names the topic" bash -c "printf '%s' '$(jqr .error.message)' | grep -q 'orders/delete'"
F=$FIX/shopify-fulfillment-create.json
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: orders/updated" -H "X-Shopify-Event-Id: ev-wrong-topic" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$F")"
eq "a fulfillment under the topic orders/updated: recorded rejection naming the topic" \
   "$STATUS/$(jqr .result)/$(jqr '.error.message|test("not an order.*X-Shopify-Topic")')" "200/rejected/true"
api GET /v1/orders/%232087.1
eq "  no order \"#2087.1\" made of the fulfillment" "$STATUS" 404
# fulfilled without a tracking number (local delivery, pickup in store): nothing to track, and
# not a rejection in the merchant's log
F=$T_DIR/shopify-local.json
jq -c '.id=4409876543277 | .name="#2087.7" | .tracking_company=null | .tracking_number=null | .tracking_numbers=[] | .tracking_url=null | .shipment_status=null' "$FIX/shopify-fulfillment-create.json" > "$F"
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: fulfillments/create" -H "X-Shopify-Event-Id: ev-local" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$F")"
eq "a fulfillment without a tracking number (local delivery): 200, nothing applied, not rejected" \
   "$STATUS/$(jqr .result)/$(jqr '.notes[0]|test("4409876543277 \\(#2087.7\\) names no tracking number")')" "200/duplicate/true"
# a fulfillment without tracking_company: the carrier comes from the number's format
F=$T_DIR/shopify-nocarrier.json
jq -c '.id=4409876543299 | .name="#2087.2" | del(.tracking_company) | .tracking_number="1Z999AA10123456784" | .tracking_numbers=["1Z999AA10123456784","ZZ12345"] | .shipment_status="in_transit"' "$FIX/shopify-fulfillment-create.json" > "$F"
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: fulfillments/create" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$F")"
eq "no carrier: the confident guess is used" "$(jqr .result)/$(jqr .shipments.created)/$(jqr '.carrier_suggestions[0].carrier')" "applied/1/ups"
eq "  an inconclusive number is rejected" "$(jqr .shipments.rejected)/$(jqr '[.rejections[].code]|unique|join(",")')" "1/carrier_unknown"
api GET /v1/shipments/ups/1Z999AA10123456784
eq "  UPS shipment on #2087, in transit" "$(jqr .order_ref)/$(jqr .status)" "#2087/in_transit"
# tracking company "Other" (the merchant picked Other and typed no name): the number's format
# decides when it can, else the shipment is kept under "other", which the customer never reads
F=$T_DIR/shopify-other.json
jq -c '.id=4409876543300 | .name="#2087.3" | .tracking_company="Other" | .tracking_number="1Z999AA10987654328" | .tracking_numbers=["1Z999AA10987654328","LOCAL-778899"] | .shipment_status="in_transit"' "$FIX/shopify-fulfillment-create.json" > "$F"
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: fulfillments/create" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$F")"
eq "tracking company \"Other\": both shipments kept, the recognisable number under its carrier" \
   "$(jqr .result)/$(jqr .shipments.created)/$(jqr .shipments.rejected)/$(jqr '[.carrier_suggestions[].carrier]|join(",")')" "applied/2/0/ups"
eq "  the note says the other one is kept under carrier other" "$(jqr '[.notes[]|select(startswith("LOCAL-778899: the source names no carrier company"))]|length')" 1
api GET /v1/shipments/other/LOCAL-778899
eq "  it is on #2087 under carrier other" "$STATUS/$(jqr .order_ref)" "200/#2087"
CODE2087=$(api GET '/v1/orders/%232087' >/dev/null; jqr .tracking_code)
curl -s "$BASE/t/$CODE2087?lang=en" > "$T_DIR/p2087.html"
check "  the tracking page does not call the carrier \"Other\"" bash -c "! grep -q 'Other' '$T_DIR/p2087.html' && grep -q 'Parcel [0-9]/[0-9]</h3>' '$T_DIR/p2087.html'"
# a fulfillment for an order Rastro does not know: recorded rejection, then replay once it exists
F=$T_DIR/shopify-unknown-order.json
jq -c '.id=1 | .order_id=99 | .name="#3001.1" | .tracking_number="CEX3001" | .tracking_numbers=["CEX3001"]' "$FIX/shopify-fulfillment-create.json" > "$F"
post "${HOOK[shopify]}" "$F" -H "X-Shopify-Topic: fulfillments/create" -H "X-Shopify-Event-Id: ev-3001" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$F")"
eq "fulfillment for an unknown order: rejected, 200" "$STATUS/$(jqr .result)/$(jqr '.rejections[0].code')" "200/rejected/unknown_order"
check "  the reason says the order has not arrived yet and to replay, not to POST /v1/orders" \
  jqf '.rejections[0].message|test("has not arrived") and test("/replay") and (test("POST /v1/orders")|not)'
check "  and says it is replayed automatically when the order is created" jqf '.rejections[0].message|test("replayed automatically")'
eq "  the rejection names the order it waits for" "$(jqr '.rejections[0].order_ref')" "#3001"
REPLAY_ID=$(jqr .inbound_id)
api POST /v1/inbound/$REPLAY_ID/replay
eq "replayed by hand before the order exists: rejected again" "$STATUS/$(jqr .result)/$(jqr '.rejections[0].code')" "422/rejected/unknown_order"
REPLAY_ID2=$(jqr .inbound_id)
N0=$(n_inbound)
api POST /v1/orders '{"order_ref":"#3001","placed_at":"2025-12-01T10:00:00+01:00"}'
eq "POST /v1/orders of the order it waited for: created" "$STATUS" 201
api GET /v1/orders/%233001
eq "  the waiting fulfillment was replayed with it: its shipment is on the order" \
   "$(jqr '[.shipments[].tracking_number]|join(",")')" "CEX3001"
api GET /v1/inbound/$REPLAY_ID
AUTO_ID=$(jqr .replayed.inbound_id)
eq "  the rejected line stays rejected and says it was replayed, after what" \
   "$(jqr .result)/$(jqr .replayed.result)/$(jqr .replayed.after)" "rejected/applied/POST /v1/orders"
api GET /v1/inbound/$AUTO_ID
eq "  the replay is a new line: applied, replay_of, with a note" \
   "$(jqr .result)/$(jqr .replay_of)/$(jqr .topic)/$(jqr .shipments.created)/$(jqr '[.notes[]|select(test("replayed automatically"))]|length')" \
   "applied/$REPLAY_ID/fulfillments/create/1/1"
api GET /v1/inbound/$REPLAY_ID2
eq "  the same delivery rejected twice is replayed once: both lines point at the one replay" \
   "$(jqr .result)/$(jqr .replayed.inbound_id)" "rejected/$AUTO_ID"
eq "  one line more in the log" "$(n_inbound)" $((N0 + 1))
api POST /v1/inbound/$REPLAY_ID/replay
eq "a replay by hand afterwards: duplicate" "$STATUS/$(jqr .result)" "200/duplicate"
# ---- a cancelled or re-tracked Shopify fulfillment cancels its shipment ----
SHOP() { post "${HOOK[shopify]}" "$1" -H "X-Shopify-Topic: $2" -H "X-Shopify-Event-Id: $3" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$1")"; }
O=$T_DIR/shopify-2090.json
jq -c '.id=5830012349090 | .name="#2090" | .updated_at="2025-12-01T21:14:07+01:00"' "$FIX/shopify-orders-create-es.json" > "$O"
SHOP "$O" orders/create ev-2090-1
F=$T_DIR/shopify-2090-f1.json
jq -c '.id=4409876549001 | .order_id=5830012349090 | .name="#2090.1" | .tracking_number="PK43BG0440123450129001P" | .tracking_numbers=["PK43BG0440123450129001P"] | .shipment_status="in_transit"' "$FIX/shopify-fulfillment-create.json" > "$F"
SHOP "$F" fulfillments/create ev-2090-2
eq "#2090: fulfillment with its shipment in transit" "$(jqr .result)/$(jqr .shipments.created)" "applied/1"
api GET /v1/orders/%232090
eq "  the order is in transit" "$(jqr .status)" in_transit
CODE_2090=$(jqr .tracking_code)
F=$T_DIR/shopify-2090-f2.json
jq -c '.updated_at="2025-12-04T10:00:00+01:00" | .tracking_number="PK43BG0440123450129002P" | .tracking_numbers=["PK43BG0440123450129002P"]' "$T_DIR/shopify-2090-f1.json" > "$F"
SHOP "$F" fulfillments/update ev-2090-3
eq "fulfillments/update with another tracking number: the new shipment, the old one cancelled" \
   "$(jqr .result)/$(jqr .shipments.created)/$(jqr '[.notes[]|select(test("PK43BG0440123450129001P cancelled"))]|length')" "applied/1/1"
api GET /v1/shipments/correos_express/PK43BG0440123450129001P
eq "  the old shipment stays in the merchant's history, cancelled" "$STATUS/$(jqr '.cancelled_at!=null')" "200/true"
api GET /v1/orders/%232090
eq "  the merchant sees both, one cancelled" "$(jqr '.shipments|length')/$(jqr '[.shipments[]|select(.cancelled_at==null)]|length')" "2/1"
api GET /v1/track/$CODE_2090
eq "  the customer sees only the new one" "$STATUS/$(jqr '.shipments|length')" "200/1"
F=$T_DIR/shopify-2090-f3.json
jq -c '.updated_at="2025-12-04T11:00:00+01:00" | .status="cancelled"' "$T_DIR/shopify-2090-f2.json" > "$F"
SHOP "$F" fulfillments/update ev-2090-4
eq "fulfillments/update status cancelled: the shipment is cancelled, no event" \
   "$(jqr .result)/$(jqr .shipments.updated)/$(jqr .events.accepted)" "applied/1/0"
api GET /v1/orders/%232090
eq "  no live shipment: the order no longer derives a status from them" \
   "$(jqr .status)/$(jqr '[.shipments[]|select(.cancelled_at==null)]|length')" "placed/0"
SHOP "$T_DIR/shopify-2090-f2.json" fulfillments/update ev-2090-3-late
api GET /v1/shipments/correos_express/PK43BG0440123450129002P
eq "  an older fulfillment update delivered late does not bring it back" "$(jqr '.cancelled_at!=null')" true
api GET /v1/track/$CODE_2090
eq "  the customer sees no shipment" "$(jqr '.shipments|length')" 0
# re-tracked, then the older create delivered late (Shopify does not order its deliveries)
O91=$T_DIR/shopify-2091.json
jq -c '.id=5830012349091 | .name="#2091" | .updated_at="2025-12-01T21:14:07+01:00"' "$FIX/shopify-orders-create-es.json" > "$O91"
SHOP "$O91" orders/create ev-2091-1
F91=$T_DIR/shopify-2091-new.json
jq -c '.id=4409876549101 | .order_id=5830012349091 | .name="#2091.1" | .updated_at="2025-12-04T10:00:00+01:00" | .tracking_number="PK43BG0440123450139002P" | .tracking_numbers=["PK43BG0440123450139002P"] | .shipment_status="in_transit"' "$FIX/shopify-fulfillment-create.json" > "$F91"
SHOP "$F91" fulfillments/update ev-2091-2
F91=$T_DIR/shopify-2091-old.json
jq -c '.updated_at="2025-12-02T10:00:00+01:00" | .tracking_number="PK43BG0440123450139001P" | .tracking_numbers=["PK43BG0440123450139001P"]' "$T_DIR/shopify-2091-new.json" > "$F91"
SHOP "$F91" fulfillments/create ev-2091-3
eq "an older fulfillments/create after a newer re-track: its number is kept as history, cancelled, and says why" \
   "$(jqr .result)/$(jqr '[.notes[]|select(test("PK43BG0440123450139001P cancelled: this is an older state"))]|length')" "applied/1"
api GET /v1/orders/%232091
eq "  the newer number stays the live one" \
   "$(jqr '[.shipments[]|select(.cancelled_at==null)|.tracking_number]|join(",")')" "PK43BG0440123450139002P"
SHOP "$T_DIR/shopify-2091-old.json" fulfillments/create ev-2091-3-again
api GET /v1/orders/%232091
eq "  delivered once more, the older state still changes nothing" \
   "$(jqr '[.shipments[]|select(.cancelled_at==null)|.tracking_number]|join(",")')" "PK43BG0440123450139002P"
# the merchant's API: DELETE cancels, POST again reinstates
api DELETE /v1/shipments/correos_express/NOSUCH1
eq "DELETE of an unknown shipment: 404" "$STATUS/$(jqr .error.code)" "404/shipment_not_found"
api POST /v1/shipments '{"order_ref":"#2090","carrier":"correos_express","tracking_number":"PK43BG0440123450129003P"}'
api POST /v1/events '{"carrier":"correos_express","tracking_number":"PK43BG0440123450129003P","occurred_at":"2025-12-04T12:00:00+01:00","status":"out_for_delivery"}'
api GET /v1/orders/%232090
eq "API shipment out for delivery" "$(jqr .status)" out_for_delivery
api DELETE /v1/shipments/Correos_Express/pk43bg0440123450129003p
eq "DELETE /v1/shipments/{carrier}/{number}: 200 cancelled" "$STATUS/$(jqr .result)/$(jqr '.cancelled_at!=null')" "200/cancelled/true"
api DELETE /v1/shipments/correos_express/PK43BG0440123450129003P
eq "  again: unchanged" "$STATUS/$(jqr .result)" "200/unchanged"
api GET /v1/orders/%232090
eq "  the order's status no longer comes from it" "$(jqr .status)" placed
api POST /v1/shipments '{"order_ref":"#2090","carrier":"correos_express","tracking_number":"PK43BG0440123450129003P"}'
eq "POST /v1/shipments of a cancelled shipment reinstates it" "$STATUS/$(jqr .result)/$(jqr .cancelled_at)" "200/updated/null"
api GET /v1/orders/%232090
eq "  the order is out for delivery again" "$(jqr .status)" out_for_delivery
# ---- an older orders/updated delivered late does not overwrite newer data ----
O2=$T_DIR/shopify-2090-upd.json
jq -c '.updated_at="2025-12-02T10:00:00+01:00" | .line_items[0].quantity=5 | .email="nuevo@example.es"' "$O" > "$O2"
SHOP "$O2" orders/updated ev-2090-5
eq "#2090 orders/updated: updated" "$(jqr .result)/$(jqr .orders.updated)" "applied/1"
O3=$T_DIR/shopify-2090-old.json
jq -c '.updated_at="2025-12-01T22:00:00+01:00"' "$O" > "$O3"
SHOP "$O3" orders/updated ev-2090-6
eq "an orders/updated older than the one applied: ignored, with a note" \
   "$STATUS/$(jqr .orders.updated)/$(jqr '[.notes[]|select(test("newer"))]|length')" "200/0/1"
api GET /v1/orders/%232090
eq "  the newer items and e-mail stay" "$(jqr '.items[0].quantity')/$(jqr .customer.email)" "5/nuevo@example.es"
SHOP "$O2" orders/paid ev-2090-7
SHOP "$O3" orders/updated ev-2090-8
api GET /v1/orders/%232090
eq "  also after an unchanged update with the newer time" "$(jqr '.items[0].quantity')" 5
api POST /v1/inbound/$REPLAY_ID/replay
eq "replaying again: duplicate" "$(jqr .result)" duplicate

# ---- WooCommerce ----
STATUS=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data 'webhook_id=12' "${HOOK[woocommerce]}")
eq "WooCommerce activation ping: 200" "$STATUS/$(jq -r .result "$T_DIR/resp")" "200/ping"
F=$FIX/woocommerce-order-created.json
post "${HOOK[woocommerce]}" "$F" -H "X-WC-Webhook-Topic: order.created" -H "X-WC-Webhook-Delivery-ID: d-1" -H "X-WC-Webhook-Signature: $(b64 wrong "$F")"
eq "WooCommerce wrong signature: 401" "$STATUS" 401
post "${HOOK[woocommerce]}" "$F" -H "X-WC-Webhook-Topic: order.created" -H "X-WC-Webhook-Delivery-ID: d-1" -H "X-WC-Webhook-Signature: $(b64 woocommerce-secret-e2e "$F")"
eq "WooCommerce order.created: order + 3 shipments" "$(jqr .result)/$(counts)" "applied/1/3/0/0/0"
api GET /v1/orders/9120
eq "  order processing, billing address used" "$(jqr .status)/$(jqr .destination.city)/$(jqr '.shipments|length')" "processing/Bilbao/3"
post "${HOOK[woocommerce]}" "$F" -H "X-WC-Webhook-Topic: order.created" -H "X-WC-Webhook-Delivery-ID: d-1" -H "X-WC-Webhook-Signature: $(b64 woocommerce-secret-e2e "$F")"
eq "WooCommerce re-delivery: duplicate" "$(jqr .result)" duplicate
post "${HOOK[woocommerce]}" "$F" -H "X-WC-Webhook-Topic: order.updated" -H "X-WC-Webhook-Delivery-ID: d-2" -H "X-WC-Webhook-Signature: $(b64 woocommerce-secret-e2e "$F")"
eq "the same order again under a new delivery id changes nothing" "$(jqr .result)/$(jqr .orders.unchanged)" "duplicate/1"
# a gateway checkout (PayPal, Redsys) creates the order "pending" before the customer pays
WP=$T_DIR/woo-pending.json; WPAID=$T_DIR/woo-paid.json
jq -c '.id=9130 | .number="9130" | .status="pending" | .meta_data=[]' "$F" > "$WP"
jq -c '.id=9130 | .number="9130" | .status="processing" | .meta_data=[] | .date_modified_gmt="2025-07-15T08:05:00"' "$F" > "$WPAID"
post "${HOOK[woocommerce]}" "$WP" -H "X-WC-Webhook-Topic: order.created" -H "X-WC-Webhook-Delivery-ID: d-p1" -H "X-WC-Webhook-Signature: $(b64 woocommerce-secret-e2e "$WP")"
eq "WooCommerce order awaiting payment (pending): not created, a note says why" \
  "$STATUS/$(jqr .result)/$(jqr .orders.created)/$(jqr '.notes[0]|test("awaiting payment")')" "200/duplicate/0/true"
api GET /v1/orders/9130
eq "  no order, so no order_confirmed for a customer who may never pay" "$STATUS" 404
post "${HOOK[woocommerce]}" "$WPAID" -H "X-WC-Webhook-Topic: order.updated" -H "X-WC-Webhook-Delivery-ID: d-p2" -H "X-WC-Webhook-Signature: $(b64 woocommerce-secret-e2e "$WPAID")"
eq "  paid (processing): created" "$(jqr .result)/$(jqr .orders.created)" "applied/1"
post "${HOOK[woocommerce]}" "$WP" -H "X-WC-Webhook-Topic: order.updated" -H "X-WC-Webhook-Delivery-ID: d-p3" -H "X-WC-Webhook-Signature: $(b64 woocommerce-secret-e2e "$WP")"
eq "  a pending update of an order that exists is applied as usual (here older: ignored)" "$(jqr .orders.created)/$(jqr '.notes[0]|test("newer")')" "0/true"
W2=$T_DIR/woo-newer.json; W1=$T_DIR/woo-older.json
jq -c '.date_modified_gmt="2025-07-16T09:00:00" | .billing.email="bego.nuevo@example.es"' "$F" > "$W2"
jq -c '.date_modified_gmt="2025-07-15T09:00:00" | .billing.email="bego.viejo@example.es"' "$F" > "$W1"
post "${HOOK[woocommerce]}" "$W2" -H "X-WC-Webhook-Topic: order.updated" -H "X-WC-Webhook-Delivery-ID: d-3" -H "X-WC-Webhook-Signature: $(b64 woocommerce-secret-e2e "$W2")"
post "${HOOK[woocommerce]}" "$W1" -H "X-WC-Webhook-Topic: order.updated" -H "X-WC-Webhook-Delivery-ID: d-4" -H "X-WC-Webhook-Signature: $(b64 woocommerce-secret-e2e "$W1")"
eq "WooCommerce order.updated older than the one applied (date_modified_gmt): ignored" "$(jqr .orders.updated)/$(jqr '.notes|length')" "0/1"
api GET /v1/orders/9120
eq "  the newer e-mail stays" "$(jqr .customer.email)" "bego.nuevo@example.es"
F=$FIX/woocommerce-order-labels.json
post "${HOOK[woocommerce]}" "$F" -H "X-WC-Webhook-Signature: $(b64 woocommerce-secret-e2e "$F")"
eq "WooCommerce labels: Royal Mail + USPS" "$(jqr .result)/$(jqr .shipments.created)" "applied/2"
# the merchant fixes a mistyped number in Shipment Tracking (deletes the item, adds the right
# one): the next order.updated names only the new number, and the wrong one must not stay live
WT1=$T_DIR/woo-9140-1.json; WT2=$T_DIR/woo-9140-2.json
jq -c '.id=9140 | .number="9140" | .meta_data=[{"id":1,"key":"_wc_shipment_tracking_items","value":[{"tracking_provider":"correos-express","custom_tracking_provider":"","custom_tracking_link":"","tracking_number":"PK43BG0440123450149001P","date_shipped":"1752537600","tracking_id":"e1"}]}]' "$FIX/woocommerce-order-created.json" > "$WT1"
jq -c '.date_modified_gmt="2025-07-15T11:30:00" | .meta_data[0].value=[{"tracking_provider":"correos-express","custom_tracking_provider":"","custom_tracking_link":"","tracking_number":"PK43BG0440123450149002P","date_shipped":"1752537600","tracking_id":"e2"}]' "$WT1" > "$WT2"
post "${HOOK[woocommerce]}" "$WT1" -H "X-WC-Webhook-Topic: order.updated" -H "X-WC-Webhook-Delivery-ID: d-9140-1" -H "X-WC-Webhook-Signature: $(b64 woocommerce-secret-e2e "$WT1")"
eq "WooCommerce #9140 with one Shipment Tracking number" "$(jqr .result)/$(jqr .shipments.created)" "applied/1"
post "${HOOK[woocommerce]}" "$WT2" -H "X-WC-Webhook-Topic: order.updated" -H "X-WC-Webhook-Delivery-ID: d-9140-2" -H "X-WC-Webhook-Signature: $(b64 woocommerce-secret-e2e "$WT2")"
eq "  the number replaced: the new shipment, the old one cancelled with a note" \
   "$(jqr .shipments.created)/$(jqr .shipments.updated)/$(jqr '[.notes[]|select(test("PK43BG0440123450149001P cancelled: woocommerce order 9140"))]|length')" "1/1/1"
api GET /v1/orders/9140
eq "  the order has one live parcel, the corrected one" \
   "$(jqr '[.shipments[]|select(.cancelled_at==null)|.tracking_number]|join(",")')" "PK43BG0440123450149002P"
post "${HOOK[woocommerce]}" "$WT1" -H "X-WC-Webhook-Topic: order.updated" -H "X-WC-Webhook-Delivery-ID: d-9140-1-late" -H "X-WC-Webhook-Signature: $(b64 woocommerce-secret-e2e "$WT1")"
api GET /v1/orders/9140
eq "  the older order.updated retried late does not bring the wrong number back" \
   "$(jqr '[.shipments[]|select(.cancelled_at==null)|.tracking_number]|join(",")')" "PK43BG0440123450149002P"

# ---- EasyPost ----
api POST /v1/orders '{"order_ref":"EP-1","placed_at":"2025-11-30T10:00:00Z","destination":{"city":"Austin","country":"US"}}'
api POST /v1/shipments '{"order_ref":"EP-1","carrier":"ups","tracking_number":"1Z999AA10123456785"}'
eq "POST /v1/shipments: a UPS number failing its check digit is kept, without suggestions" "$(jqr .carrier)/$(jqr '.carrier_suggestions|length')" "ups/0"
api POST /v1/shipments '{"order_ref":"EP-1","carrier":"correos","tracking_number":"1ZY2Y1230300014556"}'
eq "a stated carrier that does not fit the number: kept, with suggestions" "$(jqr .carrier)/$(jqr '.carrier_suggestions[0].carrier')" "correos/ups"
F=$FIX/easypost-delivered-late-scan.json
post "${HOOK[easypost]}" "$F" -H "X-Hmac-Signature: hmac-sha256-hex=$(hexmac easypost-secret-e2e "$F")"
eq "EasyPost delivered then late scan: 5 events" "$STATUS/$(jqr .result)/$(counts)" "200/applied/0/0/5/0/0"
api GET /v1/shipments/ups/1Z999AA10123456784
eq "  the late scan keeps delivered" "$(jqr .status)/$(jqr '.events|length')" "delivered/6"
post "${HOOK[easypost]}" "$F" -H "X-Hmac-Signature: hmac-sha256-hex=$(hexmac easypost-secret-e2e "$F")"
eq "EasyPost re-delivery (same evt_ id): duplicate" "$(jqr .result)" duplicate
post "${HOOK[easypost]}" "$F" -H "X-Hmac-Signature: hmac-sha256-hex=$(hexmac easypost-secret-e2e "$F" | tr 0-9a-f 1-9a-f0)"
eq "EasyPost wrong signature: 401" "$STATUS" 401
api POST /v1/shipments '{"order_ref":"EP-1","carrier":"fedex","tracking_number":"794612345678"}'
F=$FIX/easypost-return-failure.json
post "${HOOK[easypost]}" "$F" -H "X-Hmac-Signature: hmac-sha256-hex=$(hexmac easypost-secret-e2e "$F")"
eq "EasyPost return to sender; an unknown status is rejected with its reason" "$(jqr .result)/$(jqr .events.accepted)/$(jqr '.rejections[0].code')" "applied/2/unknown_status"
api GET /v1/shipments/fedex/794612345678
eq "  shipment returning" "$(jqr .status)/$(jqr .substatus)" "returning/to_sender"
F=$FIX/easypost-tracker-created.json
post "${HOOK[easypost]}" "$F" -H "X-Hmac-Signature: hmac-sha256-hex=$(hexmac easypost-secret-e2e "$F")"
eq "EasyPost tracker for a shipment Rastro does not know: rejected" "$(jqr .result)/$(jqr '.rejections[0].code')" "rejected/unknown_shipment"
# EasyPost posts every Event of the account to every webhook URL (no per-event choice)
F=$T_DIR/easypost-batch.json
printf '%s' '{"id":"evt_batch_e2e","object":"Event","mode":"production","description":"batch.created","result":{"id":"batch_1","object":"Batch","state":"created"}}' > "$F"
post "${HOOK[easypost]}" "$F" -H "X-Hmac-Signature: hmac-sha256-hex=$(hexmac easypost-secret-e2e "$F")"
eq "EasyPost batch.created: 200, nothing to apply and not a rejection" "$STATUS/$(jqr .result)/$(counts)" "200/duplicate/0/0/0/0/0"
check "  a note says there was nothing for Rastro in it" jqf '.notes[0]|test("easypost batch.created has no order, shipment or event")'
KEY=$KEY_A api GET "/v1/inbound?limit=1"
eq "  the inbound log names the event" "$(jqr '.deliveries[0].topic')/$(jqr '.deliveries[0].result')" "batch.created/duplicate"

# ---- Shippo ----
shippo_sig() { local t=$1 f=$2; printf 't=%s,v1=%s' "$t" "$( { printf '%s.' "$t"; cat "$f"; } | openssl dgst -sha256 -hmac shippo-secret-e2e | sed 's/^.*= //')"; }
api POST /v1/shipments '{"order_ref":"EP-1","carrier":"dhl_express","tracking_number":"1234567890"}'
F=$FIX/shippo-address-issue.json
NOW=$(date +%s)
post "${HOOK[shippo]}" "$F" -H "Shippo-Auth-Signature: $(shippo_sig $((NOW - 3600)) "$F")"
eq "Shippo with an hour-old signature: 401" "$STATUS" 401
check "  the reason says the signature is right but an hour old, not that the secret is wrong" \
  jqf '.error.message|test("signed right but its t=[0-9]+ is 360[0-9] s behind")'
post "${HOOK[shippo]}" "$F" -H "Shippo-Auth-Signature: $(shippo_sig "$NOW" "$F")"
eq "Shippo signed now: applied (out of order history)" "$(jqr .result)/$(jqr .events.accepted)" "applied/3"
api GET /v1/shipments/dhl_express/1234567890
eq "  newest event wins: exception/address_issue, action required" "$(jqr .status)/$(jqr .substatus)/$(jqr .action_required)" "exception/address_issue/true"
post "${HOOK[shippo]}" "$F" -H "Shippo-Auth-Signature: $(shippo_sig $((NOW + 1)) "$F")"
eq "Shippo re-delivery with a new timestamp: duplicate (no event id: body hash)" "$(jqr .result)" duplicate
api POST /v1/shipments '{"order_ref":"EP-1","carrier":"shippo","tracking_number":"SHIPPO_RETURNED"}'
F=$FIX/shippo-unknown-returned.json
post "${HOOK[shippo]}?token=wrong-token" "$F"
eq "Shippo ?token= wrong: 401" "$STATUS" 401
check "  the reason names the URL token, not a missing header" \
  jqf '.error.message|startswith("the token in the webhook URL (?token=) does not match")'
KEY=$KEY_A api GET "/v1/inbound?status=rejected"
eq "/v1/inbound?status= (for ?result=): 400 invalid_parameter naming it, not every delivery" \
  "$STATUS $(jqr .error.code) $(jqr '.error.message|contains("\"status\"")')" "400 invalid_parameter true"
KEY=$KEY_A api GET "/v1/inbound?result=rejected&limit=1&_=1701000000000"
eq "/v1/inbound: a cache-buster (?_=) is let through" "$STATUS" 200
KEY=$KEY_A api GET "/v1/inbound?result=rejected&limit=1"
check "  and so does the inbound log" jqf '.deliveries[0].reason|contains("?token=")'
post "${HOOK[shippo]}?token=shippo-secret-e2e" "$F"
eq "Shippo ?token= right: applied" "$(jqr .result)" applied
api GET /v1/shipments/shippo/SHIPPO_RETURNED
eq "  returned to sender" "$(jqr .status)" returning
# a substatus Shippo documents under another status (return_to_sender is a RETURNED one) with TRANSIT
api POST /v1/shipments '{"order_ref":"EP-1","carrier":"shippo","tracking_number":"SHIPPO_RTS"}'
F=$T_DIR/shippo-transit-rts.json
jq -c '.data.tracking_number="SHIPPO_RTS" | .data.tracking_history=[] | .data.tracking_status.status="TRANSIT"' \
  "$FIX/shippo-unknown-returned.json" > "$F"
post "${HOOK[shippo]}?token=shippo-secret-e2e" "$F"
api GET /v1/shipments/shippo/SHIPPO_RTS
eq "Shippo TRANSIT + return_to_sender: returning/to_sender, not in_transit" "$(jqr .status)/$(jqr .substatus)" returning/to_sender

# ---- AfterShip ----
api POST /v1/orders '{"order_ref":"MX-1001","placed_at":"2025-11-28T10:00:00-06:00"}'
F=$FIX/aftership-legacy.json
post "${HOOK[aftership]}" "$F" -H "aftership-hmac-sha256: $(b64 aftership-secret-e2e "$F")"
eq "AfterShip creates the shipment on a known order" "$(jqr .result)/$(jqr .shipments.created)/$(jqr .events.accepted)" "applied/1/3"
eq "  the undocumented tag is rejected with a reason" "$(jqr .events.rejected)/$(jqr '.rejections[0].code')" "1/unknown_status"
eq "  the reason names the provider's code and text, not a field to send" \
   "$(jqr '.rejections[0].message|test("^aftership status .+ with text .+ left out")')" true
F=$FIX/aftership-return-2025.json
post "${HOOK[aftership]}" "$F" -H "aftership-hmac-sha256: $(b64 aftership-secret-e2e "$F")"
eq "AfterShip return on the Shopify shipment (order named \"2087\", the shop's \"#2087\")" \
   "$(jqr .result)/$(jqr .shipments.created)/$(jqr .shipments.rejected)/$(jqr .events.accepted)" "applied/0/0/4"
api GET /v1/shipments/correos_express/PK43BG0440123450128001P
eq "  returned to sender" "$(jqr .status)/$(jqr .substatus)" "returned/to_sender"
post "${HOOK[aftership]}" "$F" -H "aftership-hmac-sha256: $(b64 aftership-secret-e2e "$F")"
eq "AfterShip re-delivery (event_id): duplicate" "$(jqr .result)" duplicate
F=$FIX/aftership-pending.json
post "${HOOK[aftership]}" "$F" -H "aftership-hmac-sha256: $(b64 aftership-secret-e2e "$F")"
eq "AfterShip for an unknown order: rejected" "$(jqr .result)/$(jqr '.rejections[0].code')" "rejected/unknown_order"
# the carrier's estimate: an edd_revise carries only it (no checkpoint), and it is kept on the
# shipment; an older revision delivered late does not undo a newer one
# (its own order and parcel: #1050 and LB000111222ES are the next tests')
api POST /v1/orders '{"order_ref":"#1051","placed_at":"2025-12-03T10:00:00+01:00"}'
jq -c '.msg.order_number="#1051" | .msg.tracking_number="LB000105099ES" | .msg.id="edd1050edd1050edd1050edd1050edd1"' "$FIX/aftership-edd-revise.json" > "$T_DIR/edd.json"
F=$T_DIR/edd.json
post "${HOOK[aftership]}" "$F" -H "aftership-hmac-sha256: $(b64 aftership-secret-e2e "$F")"
eq "AfterShip edd_revise: applied" "$STATUS/$(jqr .result)" "200/applied"
api GET /v1/shipments/correos/LB000105099ES
eq "  the shipment keeps the carrier's estimate (min..max)" "$(jqr '.carrier_estimate|.from+".."+.to')" "2025-12-10..2025-12-11"
jq -c '.event_id="as-edd-old" | .msg.updated_at="2025-12-04T09:00:00+00:00" | .msg.aftership_estimated_delivery_date={"estimated_delivery_date":"2025-12-08"}' "$F" > "$T_DIR/edd-old.json"
F=$T_DIR/edd-old.json
post "${HOOK[aftership]}" "$F" -H "aftership-hmac-sha256: $(b64 aftership-secret-e2e "$F")"
api GET /v1/shipments/correos/LB000105099ES
eq "  an older revision delivered late changes nothing" "$(jqr '.carrier_estimate|.from+".."+.to')" "2025-12-10..2025-12-11"

# ---- 17TRACK ----
# sign: hex(SHA-256(raw body + "/" + API key)), the API key being the integration's secret
sign17() { { cat "$2"; printf '/%s' "$1"; } | sha256sum | cut -d' ' -f1; }
api GET /v1/integrations
eq "17TRACK integration: header sign, a SHA-256 over body + \"/\" + API key" \
   "$(jqr '.integrations[]|select(.provider=="17track")|.signature.header+" "+(.signature.scheme|test("SHA-256\\(body")|tostring)')" "sign true"
F=$FIX/17track-handover-delivered.json
post "${HOOK[17track]}" "$F"
eq "17TRACK without a sign header: 401" "$STATUS/$(jqr .error.code)" "401/invalid_signature"
post "${HOOK[17track]}" "$F" -H "sign: $(sign17 another-api-key "$F")"
eq "17TRACK signed with another key: 401" "$STATUS/$(jqr '.error.message|test("sign header")')" "401/true"
post "${HOOK[17track]}" "$F" -H "sign: $(hexmac 17track-secret-e2e "$F")"
eq "17TRACK with an HMAC instead of the plain hash: 401" "$STATUS" 401
api GET /v1/shipments/china_post/RB902345675CN
eq "  nothing written" "$STATUS" 404
api POST /v1/orders '{"order_ref":"TS-5001","placed_at":"2025-11-25T10:00:00+01:00"}'
post "${HOOK[17track]}" "$F" -H "sign: $(sign17 17track-secret-e2e "$F")"
eq "17TRACK China Post then Correos: the shipment on the tag's order, 6 events" "$STATUS/$(jqr .result)/$(counts)" "200/applied/0/1/6/0/0"
api GET /v1/shipments/china_post/RB902345675CN
eq "  delivered, on TS-5001, from 17track" "$(jqr .order_ref)/$(jqr .status)/$(jqr '.events|length')/$(jqr '[.events[].source]|unique|join(",")')" "TS-5001/delivered/6/17track"
eq "  times keep the carrier's offsets" "$(jqr '[.events[].occurred_at]|sort|join(" ")')" \
   "2025-11-26T07:20:00Z 2025-11-27T09:00:00+08:00 2025-11-28T22:10:00+08:00 2025-12-03T19:40:00+01:00 2025-12-04T08:05:00+01:00 2025-12-04T12:31:00+01:00"
eq "  the last-mile scans have their place" "$(jqr '[.events[]|select(.status=="delivered")|.location.city+"/"+.location.country]|join(",")')" "MADRID/ES"
post "${HOOK[17track]}" "$F" -H "sign: $(sign17 17track-secret-e2e "$F")"
eq "17TRACK re-delivery of the same bytes: duplicate (no event id: body hash)" "$STATUS/$(jqr .result)" "200/duplicate"
F=$T_DIR/17track-compact.json; jq -c . "$FIX/17track-handover-delivered.json" > "$F"
post "${HOOK[17track]}" "$F" -H "sign: $(sign17 17track-secret-e2e "$F")"
eq "  the same content in other bytes: duplicate, every event already there" "$(jqr .result)/$(counts)" "duplicate/0/0/0/6/0"
api GET /v1/shipments/china_post/RB902345675CN
eq "  still 6 events" "$(jqr '.events|length')" 6
F=$FIX/17track-stopped.json
post "${HOOK[17track]}" "$F" -H "sign: $(sign17 17track-secret-e2e "$F")"
eq "17TRACK TRACKING_STOPPED: 200, nothing recorded" "$STATUS/$(jqr .result)/$(counts)" "200/duplicate/0/0/0/0/0"
api GET /v1/inbound/$(jqr .inbound_id)
eq "  the inbound log names the event" "$(jqr .source)/$(jqr .topic)" "17track/TRACKING_STOPPED"
api GET /v1/shipments/china_post/RB902345675CN
eq "  the shipment stays delivered" "$(jqr .status)" delivered
# a key Rastro's table does not have: the merchant's own shipment with that number wins
api POST /v1/shipments '{"order_ref":"TS-5001","carrier":"paack","tracking_number":"PKL7730019ES"}'
F=$FIX/17track-unknown-carrier-return.json
post "${HOOK[17track]}" "$F" -H "sign: $(sign17 17track-secret-e2e "$F")"
eq "17TRACK unknown carrier key: the merchant's paack shipment, 4 events" "$(jqr .result)/$(jqr .shipments.unchanged)/$(jqr .events.accepted)" "applied/1/4"
api GET /v1/shipments/paack/PKL7730019ES
eq "  returned to sender" "$(jqr .status)/$(jqr .substatus)/$(jqr '.events|length')" "returned/to_sender/4"
api GET /v1/shipments/paack_logistics/PKL7730019ES
eq "  no second shipment under 17TRACK's carrier name" "$STATUS" 404
F=$T_DIR/17track-unknown-number.json
jq -c '.data.number="PKL0000001ES"' "$FIX/17track-unknown-carrier-return.json" > "$F"
post "${HOOK[17track]}" "$F" -H "sign: $(sign17 17track-secret-e2e "$F")"
eq "  a number the merchant never shipped, without tag: rejected" "$STATUS/$(jqr .result)/$(jqr '.rejections[0].code')" "200/rejected/unknown_shipment"
F=$T_DIR/17track-truncated.json; head -c 300 "$FIX/17track-handover-delivered.json" > "$F"
post "${HOOK[17track]}" "$F" -H "sign: $(sign17 17track-secret-e2e "$F")"
eq "17TRACK truncated JSON: recorded rejection" "$STATUS/$(jqr .result)/$(jqr .error.code)" "200/rejected/invalid_payload"
api POST /v1/inbound/$(jqr .inbound_id)/replay
eq "  replayed by an API caller: 422" "$STATUS/$(jqr .error.code)" "422/invalid_payload"
F=$T_DIR/17track-notime.json
jq -c '.data.number="RB000000001CN" | .data.track_info.tracking.providers[1].events[1].time_utc=null' "$FIX/17track-handover-delivered.json" > "$F"
post "${HOOK[17track]}" "$F" -H "sign: $(sign17 17track-secret-e2e "$F")"
eq "17TRACK local time without offset or time_utc: rejected, the field named" "$(jqr .result)/$(jqr .error.message)" \
   'rejected/data.track_info.tracking.providers[1].events[1].time_iso: "2025-11-27T09:00:00" has no UTC offset (expected RFC 3339 with Z or ±HH:MM)'
api GET /v1/shipments/china_post/RB000000001CN
eq "  nothing half-written" "$STATUS" 404
F=$T_DIR/17track-badevent.json
jq -c '.event="TRACKING_DELETED"' "$FIX/17track-stopped.json" > "$F"
post "${HOOK[17track]}" "$F" -H "sign: $(sign17 17track-secret-e2e "$F")"
eq "17TRACK unknown event: rejected with the name" "$(jqr .result)/$(jqr '.error.message|test("TRACKING_DELETED")')" "rejected/true"

# ---- bad payloads (correctly signed) ----
F=$T_DIR/truncated.json; head -c 200 "$FIX/aftership-return-2025.json" > "$F"
post "${HOOK[aftership]}" "$F" -H "aftership-hmac-sha256: $(b64 aftership-secret-e2e "$F")"
eq "truncated JSON: recorded rejection" "$STATUS/$(jqr .result)/$(jqr .error.code)" "200/rejected/invalid_payload"
F=$T_DIR/notjson.txt; printf 'hello, this is not json' > "$F"
post "${HOOK[easypost]}" "$F" -H "X-Hmac-Signature: hmac-sha256-hex=$(hexmac easypost-secret-e2e "$F")"
eq "non-JSON body: recorded rejection" "$(jqr .result)/$(jqr .error.code)" "rejected/invalid_payload"
F=$T_DIR/nooffset.json
jq -c '.id="evt_nooffset" | .result.tracking_details[0].datetime="2025-12-01T08:15:00"' "$FIX/easypost-delivered-late-scan.json" > "$F"
post "${HOOK[easypost]}" "$F" -H "X-Hmac-Signature: hmac-sha256-hex=$(hexmac easypost-secret-e2e "$F")"
eq "time without offset: rejected, reason says so" "$(jqr .result)/$(jqr '.error.message|test("offset")')" "rejected/true"
F=$T_DIR/notn.json
jq -c '.id="evt_notn" | del(.result.tracking_code)' "$FIX/easypost-delivered-late-scan.json" > "$F"
post "${HOOK[easypost]}" "$F" -H "X-Hmac-Signature: hmac-sha256-hex=$(hexmac easypost-secret-e2e "$F")"
eq "missing tracking number: rejected" "$(jqr .result)/$(jqr '.error.message|test("tracking")')" "rejected/true"
post "$BASE/hooks/shopify/00000000000000000000000000000000" "$FIX/shopify-orders-create-es.json"
eq "unknown hook id: 404" "$STATUS" 404
post "$BASE/hooks/fedex/${HOOK[shopify]##*/}" "$FIX/shopify-orders-create-es.json"
eq "unknown provider: 404" "$STATUS" 404
post "${HOOK[easypost]/easypost/shopify}" "$FIX/shopify-orders-create-es.json" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-secret-e2e "$FIX/shopify-orders-create-es.json")"
eq "another integration's hook id: 404" "$STATUS" 404

# ---- generic ----
F=$FIX/hooks/generic-batch.json
post "${HOOK[generic]}" "$F" -H "X-Rastro-Signature: $(b64 wrong "$F")"
eq "generic wrong signature: 401" "$STATUS" 401
api POST /v1/orders '{"order_ref":"G-1","placed_at":"2025-11-30T10:00:00+01:00"}'
post "${HOOK[generic]}" "$F" -H "X-Rastro-Signature: $(b64 generic-secret-e2e "$F")"
eq "generic mapped batch: shipment + 3 events" "$(jqr .result)/$(counts)" "applied/0/1/3/0/0"
api GET /v1/shipments/paack/GX100200
eq "  status_map with sub-status, Unix time, alpha-3 country" "$(jqr .status)/$(jqr .substatus)/$(jqr '.events[1].location.country')" "delivered/to_neighbour/ES"
post "${HOOK[generic]}" "$F" -H "X-Rastro-Signature: $(b64 generic-secret-e2e "$F")"
eq "generic re-delivery: duplicate" "$(jqr .result)" duplicate
api PUT /v1/integrations/generic "{\"secret\":\"generic-secret-e2e\",\"mapping\":$(cat "$FIX/hooks/generic-one-mapping.json")}"
eq "generic mapping replaced, same URL" "$STATUS/$(jqr .webhook_url)" "200/${HOOK[generic]}"
api POST /v1/hooks/generic "$(cat "$FIX/hooks/generic-one.json")"
eq "POST /v1/hooks/generic with an API key: unknown code, text classified" "$STATUS/$(jqr .result)/$(jqr .events.accepted)" "200/applied/1"
api POST /v1/hooks/generic '{"id":"gx-9","shipment":{"courier":"paack"},"state":"DONE","at":"2025-12-03T10:00:00Z"}'
eq "  missing tracking number: 422 for an API caller" "$STATUS/$(jqr .result)" "422/rejected"
api POST /v1/hooks/generic '{"id":"gx-10","shipment":{"number":"GX100200","courier":"paack"},"state":"zzqx","at":"2025-12-03T10:00:00Z"}'
eq "  status the table does not know: 422 unknown_status" "$STATUS/$(jqr '.rejections[0].code')" "422/unknown_status"
api POST /v1/hooks/generic '{"id":"gx-11","shipment":{"number":"GX100200","courier":"paack"},"state":"delivered","at":"2025-12-03T10:00:00"}'
eq "  time without offset: 422" "$STATUS/$(jqr '.error.message|test("offset")')" "422/true"
# a feed that names the pickup point: mapped like any other field (docs/api/webhooks.md)
api PUT /v1/integrations/generic "{\"secret\":\"generic-secret-e2e\",\"mapping\":$(jq -c '. + {"pickup_name":"/point/name","pickup_address":"/point/street","pickup_deadline":"/point/until"}' "$FIX/hooks/generic-one-mapping.json")}"
api POST /v1/hooks/generic '{"id":"gx-12","shipment":{"number":"GX100200","courier":"paack"},"state":"available_for_pickup","at":"2025-12-03T11:00:00Z","point":{"name":"Paack Point Sol","street":"Calle Mayor 1","until":"2025-12-10"}}'
api GET /v1/shipments/paack/GX100200
eq "  the pickup point of a mapped feed is kept on its event" "$(jqr '[.events[]|select(.pickup)][0].pickup|"\(.name)/\(.address)/\(.deadline)"')" "Paack Point Sol/Calle Mayor 1/2025-12-10"
api POST /v1/hooks/generic '{"id":"gx-13","shipment":{"number":"GX100200","courier":"paack"},"state":"available_for_pickup","at":"2025-12-03T12:00:00Z","point":{"name":"Paack Point Sol","until":"10/12/2025"}}'
eq "  a deadline that is not YYYY-MM-DD: 422 naming it" "$STATUS/$(jqr '.rejections[0].message|contains("pickup.deadline")')" "422/true"
# the carrier's estimate mapped like any other field, checked like POST /v1/shipments
api PUT /v1/integrations/generic "{\"secret\":\"generic-secret-e2e\",\"mapping\":$(jq -c '. + {"carrier_estimate_from":"/eta/from","carrier_estimate_to":"/eta/to"}' "$FIX/hooks/generic-one-mapping.json")}"
eq "  a mapping with carrier_estimate_from/_to is accepted" "$STATUS" 200
api POST /v1/hooks/generic '{"id":"gx-14","shipment":{"number":"GX100200","courier":"paack"},"state":"in_transit","at":"2025-12-03T13:00:00Z","eta":{"from":"2025-12-12T18:00:00Z","to":"2025-12-13"}}'
api GET /v1/shipments/paack/GX100200
eq "  the shipment keeps the mapped estimate (a time read as its day)" "$(jqr '.carrier_estimate|.from+".."+.to')" "2025-12-12..2025-12-13"
api POST /v1/hooks/generic '{"id":"gx-15","shipment":{"number":"GX100200","courier":"paack"},"state":"in_transit","at":"2025-12-03T14:00:00Z","eta":{"from":"14/12/2025"}}'
eq "  an estimate that is not a day: its shipment rejected, naming it (the scan applied)" "$STATUS/$(jqr '.rejections[0].message|contains("carrier_estimate")')/$(jqr .events.accepted)" "200/true/1"
api GET /v1/shipments/paack/GX100200
eq "  and the estimate kept stands" "$(jqr '.carrier_estimate|.from+".."+.to')" "2025-12-12..2025-12-13"
api PUT /v1/integrations/generic "{\"secret\":\"generic-secret-e2e\",\"mapping\":$(cat "$FIX/hooks/generic-one-mapping.json")}"
KEY=$KEY_B api POST /v1/hooks/generic '{"x":1}'
eq "generic without a mapping: 409" "$STATUS" 409

# ---- carrier detection ----
api GET "/v1/carriers/detect?tracking_number=1Z999AA10123456784"
eq "detect: UPS with a valid check digit" "$(jqr .suggested)/$(jqr '.candidates[0].check_digit_ok')" "ups/true"
api GET "/v1/carriers/detect?tracking_number=RR123456785MX"
eq "detect: a UPU S10 number from Mexico is Correos de México" "$(jqr .suggested)/$(jqr '.candidates[0].check_digit_ok')" "correos_mexico/true"
api GET "/v1/carriers/detect?tracking_number=LX123456785CN"
eq "  and one from China is China Post" "$(jqr .suggested)" china_post
api GET "/v1/carriers/detect?tracking_number=ZZ12345"
eq "detect: nothing for an unknown shape" "$(jqr .suggested)/$(jqr '.candidates|length')" "null/0"
api GET "/v1/carriers/detect"
eq "detect without a number: 400" "$STATUS" 400

# ---- the inbound log ----
api GET "/v1/inbound?limit=500"
eq "GET /v1/inbound answers" "$STATUS" 200
check "  every result kind is there" jqf '[.deliveries[].result]|unique==["applied","duplicate","rejected"]'
check "  signature failures are listed with their reason, without payload" jqf '[.deliveries[]|select(.error_code=="invalid_signature")]|length>=5 and all(.payload_kept==false) and all(.reason|test("header|token|signed right"))'
check "  every rejection has a reason" jqf '[.deliveries[]|select(.result=="rejected")|.reason]|all(.!=null)'
check "  with the provider and topic" jqf '[.deliveries[]|select(.source=="shopify" and .topic=="orders/create")]|length>=1'
api GET "/v1/inbound?result=rejected&limit=3"
eq "filter by result, limit, next_before" "$(jqr '[.deliveries[].result]|unique|join(",")')/$(jqr '.deliveries|length')/$(jqr '.next_before!=null')" "rejected/3/true"
NB=$(jqr .next_before)
api GET "/v1/inbound?result=rejected&limit=3&before=$NB"
check "  the next page starts below" jqf ".deliveries[0].id < $NB"
api GET "/v1/inbound?result=lost"
eq "unknown result filter: 400" "$STATUS" 400
api GET "/v1/inbound/$REPLAY_ID"
eq "GET /v1/inbound/{id} has the raw payload" "$(jqr '.payload|fromjson|.name')/$(jqr .source)/$(jqr .topic)" "#3001.1/shopify/fulfillments/create"
KEY=$KEY_B api GET "/v1/inbound/$REPLAY_ID"
eq "another merchant cannot read it" "$STATUS" 404
KEY=$KEY_B api GET "/v1/inbound"
eq "another merchant's log is empty" "$(jqr '.deliveries|length')" 0
api GET /v1/orders/%232087
eq "nothing half-written: #2087 has SEUR, 2 Correos Express, 2 UPS and one under \"other\"" "$(jqr '[.shipments[].carrier]|sort|join(",")')" "correos_express,correos_express,other,seur,ups,ups"

# ---- out of order: a fulfillment before its orders/create is replayed automatically ----
api PUT /v1/notifications/settings '{"merchant_name":"Tienda Sol","timezone":"Europe/Madrid",
  "email":{"smtp_url":"smtp://127.0.0.1:'"$(free_port)"'","starttls":"none","from":"Tienda Sol <avisos@tienda-sol.example.es>"},
  "triggers":{"*":[],"shipped":["email"]}}'
eq "notifications: the shipped e-mail is on" "$STATUS" 200
F=$T_DIR/shopify-3100-f.json
jq -c '.id=4409876543100 | .order_id=5830012343100 | .name="#3100.1" | .updated_at="2025-12-02T11:00:00+01:00" | .tracking_number="PK43BG0440123450131001P" | .tracking_numbers=["PK43BG0440123450131001P"] | .shipment_status="in_transit"' "$FIX/shopify-fulfillment-create.json" > "$F"
SHOP "$F" fulfillments/create ev-3100-f
eq "#3100: the fulfillment arrives first: rejected, waiting for its order" \
   "$(jqr .result)/$(jqr '.rejections[0].code')/$(jqr '.rejections[0].order_ref')" "rejected/unknown_order/#3100"
F_ID=$(jqr .inbound_id)
KEY=$KEY_B api PUT /v1/integrations/shopify '{"secret":"shopify-b-secret-e2e"}'
HOOK_B=$(jqr .webhook_url)
post "$HOOK_B" "$F" -H "X-Shopify-Topic: fulfillments/create" -H "X-Shopify-Event-Id: ev-3100-f" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-b-secret-e2e "$F")"
eq "  another shop's fulfillment with the same order number: rejected too" "$(jqr .result)/$(jqr '.rejections[0].code')" "rejected/unknown_order"
B_ID=$(jqr .inbound_id)
O=$T_DIR/shopify-3100.json
jq -c '.id=5830012343100 | .name="#3100"' "$FIX/shopify-orders-create-es.json" > "$O"
N0=$(n_inbound)
SHOP "$O" orders/create ev-3100-o
O_ID=$(jqr .inbound_id)
R_ID=$(jqr '.replays[0].inbound_id')
eq "orders/create: applied, and the waiting fulfillment replayed with it" \
   "$STATUS/$(jqr .result)/$(jqr .orders.created)/$(jqr '.replays|length')/$(jqr '.replays[0].replay_of')/$(jqr '.replays[0].result')" \
   "200/applied/1/1/$F_ID/applied"
api GET /v1/orders/%233100
eq "  the order has its shipment, in transit" \
   "$(jqr .status)/$(jqr '[.shipments[]|"\(.tracking_number):\(.status)"]|join(",")')" "in_transit/PK43BG0440123450131001P:in_transit"
api GET /v1/shipments/correos_express/PK43BG0440123450131001P
eq "  with its event" "$(jqr '.events|length')/$(jqr '.events[0].status')" "1/in_transit"
api GET /v1/orders/%233100/notifications
check "  and the customer's shipped message is planned as usual" jqf '[.notifications[]|select(.trigger=="shipped")]|length>=1'
api GET /v1/inbound/$F_ID
eq "  the fulfillment's line stays rejected and says when it was replayed" \
   "$(jqr .result)/$(jqr .replayed.inbound_id)/$(jqr .replayed.result)/$(jqr .replayed.after)" \
   "rejected/$R_ID/applied/shopify orders/create, inbound $O_ID"
api GET /v1/inbound/$R_ID
eq "  the replay is its own line, after the orders/create" \
   "$(jqr .result)/$(jqr .replay_of)/$(jqr .topic)/$(jqr .shipments.created)/$(jqr .events.accepted)/$(jqr '.payload|fromjson|.name')" \
   "applied/$F_ID/fulfillments/create/1/1/#3100.1"
check "  ids in order" test "$O_ID" -lt "$R_ID"
api GET /v1/inbound/$O_ID
eq "  the orders/create line lists the replay" "$(jqr '.replays[0].inbound_id')/$(jqr '.replays[0].replay_of')" "$R_ID/$F_ID"
eq "  two lines more in the log" "$(n_inbound)" $((N0 + 2))
jq -c '.updated_at="2025-12-02T12:00:00+01:00" | .note="regalo"' "$O" > "$T_DIR/shopify-3100-u.json"
SHOP "$T_DIR/shopify-3100-u.json" orders/updated ev-3100-u
eq "a later orders/updated replays nothing again" "$(jqr .replays)/$(n_inbound)" "null/$((N0 + 3))"
SHOP "$F" fulfillments/create ev-3100-f
eq "  and Shopify's own re-delivery of the fulfillment is a duplicate" "$(jqr .result)" duplicate
DUP_OF=$(jqr .duplicate_of)
api POST /v1/inbound/$(jqr .inbound_id)/replay
eq "  replaying that duplicate line by hand: 409, pointing at the line that keeps the payload" \
   "$STATUS/$(jqr .error.code)/$(jqr ".error.message|test(\"repeats delivery $DUP_OF\") and test(\"/v1/inbound/$DUP_OF/replay\")")" \
   "409/payload_gone/true"
# an aggregator's order number without the shop's '#': "3100" is the shop's "#3100"
F=$T_DIR/as-3100.json
jq -c '.event_id="as-3100" | .msg.order_number="3100"' "$FIX/aftership-pending.json" > "$F"
post "${HOOK[aftership]}" "$F" -H "aftership-hmac-sha256: $(b64 aftership-secret-e2e "$F")"
eq "AfterShip names the order \"3100\", the shop \"#3100\": the shipment goes on #3100" \
   "$(jqr .result)/$(jqr .shipments.created)" "applied/1"
api GET /v1/orders/%233100
check "  #3100 has it beside its own" jqf '[.shipments[].tracking_number]|index("LB000111222ES")'
F=$T_DIR/as-3400.json
jq -c '.event_id="as-3400" | .msg.order_number="3400" | .msg.tracking_number="LB000340004ES"' "$FIX/aftership-pending.json" > "$F"
post "${HOOK[aftership]}" "$F" -H "aftership-hmac-sha256: $(b64 aftership-secret-e2e "$F")"
eq "AfterShip before the shop's order, as \"3400\": rejected, waiting" \
   "$(jqr .result)/$(jqr '.rejections[0].code')/$(jqr '.rejections[0].order_ref')" "rejected/unknown_order/3400"
AS_ID=$(jqr .inbound_id)
O=$T_DIR/shopify-3400.json
jq -c '.id=5830012343400 | .name="#3400"' "$FIX/shopify-orders-create-es.json" > "$O"
SHOP "$O" orders/create ev-3400-o
eq "  the shop's orders/create \"#3400\" replays it" \
   "$(jqr .result)/$(jqr '.replays|length')/$(jqr '.replays[0].replay_of')/$(jqr '.replays[0].result')" "applied/1/$AS_ID/applied"
api GET /v1/orders/%233400
eq "  and #3400 has the shipment" "$(jqr '[.shipments[].tracking_number]|join(",")')" "LB000340004ES"
# the order created by a CSV import (rastro import) replays too
F=$T_DIR/shopify-3200-f.json
jq -c '.id=4409876543200 | .order_id=5830012343200 | .name="#3200.1" | .tracking_number="PK43BG0440123450132001P" | .tracking_numbers=["PK43BG0440123450132001P"] | .shipment_status="in_transit"' "$FIX/shopify-fulfillment-create.json" > "$F"
SHOP "$F" fulfillments/create ev-3200-f
F3200_ID=$(jqr .inbound_id)
printf 'order_ref,placed_at,customer_email\n#3200,2025-12-01T10:00:00+01:00,ana@example.es\n' > "$T_DIR/3200.csv"
out=$("$RASTRO_BIN" import --merchant 1 --db "$DB" "$T_DIR/3200.csv" 2>&1)
check "rastro import of the order: it says a waiting delivery was replayed" \
  bash -c "printf '%s' '$out' | grep -q '^webhook deliveries replayed (they waited for these orders): 1$'"
check "  and no sanitizer report" bash -c "! printf '%s' '$out' | grep -q -e 'runtime error' -e 'Sanitizer'"
api GET /v1/orders/%233200
eq "  the shipment is on the imported order" "$(jqr '[.shipments[].tracking_number]|join(",")')" PK43BG0440123450132001P
api GET /v1/inbound/$F3200_ID
eq "  and the log says so" "$(jqr .replayed.result)/$(jqr .replayed.after)" "applied/rastro import"
# the fulfillment's cancellation arrives first, then the order, then the (older) fulfillments/create
F=$T_DIR/shopify-3300-c.json
jq -c '.id=4409876543300 | .order_id=5830012343300 | .name="#3300.1" | .status="cancelled" | .updated_at="2025-12-03T10:00:00+01:00" | .tracking_number="PK43BG0440123450133001P" | .tracking_numbers=["PK43BG0440123450133001P"] | .shipment_status=null' "$FIX/shopify-fulfillment-create.json" > "$F"
SHOP "$F" fulfillments/update ev-3300-c
eq "#3300: a fulfillment cancelled before its order arrives: waits for the order" \
   "$(jqr .result)/$(jqr '.rejections[0].code')/$(jqr '.rejections[0].order_ref')" "rejected/unknown_order/#3300"
jq -c '.id=5830012343300 | .name="#3300"' "$FIX/shopify-orders-create-es.json" > "$T_DIR/shopify-3300.json"
SHOP "$T_DIR/shopify-3300.json" orders/create ev-3300-o
eq "  orders/create replays it" "$(jqr .result)/$(jqr '.replays[0].result')" "applied/applied"
jq -c '.status="success" | .updated_at="2025-12-02T10:00:00+01:00" | .shipment_status="in_transit"' "$F" > "$T_DIR/shopify-3300-f.json"
SHOP "$T_DIR/shopify-3300-f.json" fulfillments/create ev-3300-f
api GET /v1/shipments/correos_express/PK43BG0440123450133001P
eq "  the older fulfillments/create delivered last does not bring the cancelled shipment back" \
   "$STATUS/$(jqr '.cancelled_at!=null')" "200/true"
api GET /v1/orders/%233300
eq "  the customer is told nothing was shipped" "$(jqr .status)/$(jqr '[.shipments[]|select(.cancelled_at==null)]|length')" "placed/0"
api GET /v1/orders/%233300/notifications
eq "  and no shipped message is planned" "$(jqr '[.notifications[]|select(.trigger=="shipped")]|length')" 0
KEY=$KEY_B api GET /v1/inbound/$B_ID
eq "another shop's delivery for the same order number was not replayed" "$(jqr .result)/$(jqr .replayed)" "rejected/null"
KEY=$KEY_B api GET /v1/orders/%233100
eq "  nor its order created" "$STATUS" 404
KEY=$KEY_B api POST /v1/orders '{"order_ref":"#3100","placed_at":"2025-12-01T21:14:05+01:00"}'
KEY=$KEY_B api GET /v1/orders/%233100
eq "  until that shop creates it: then its own fulfillment is applied" "$(jqr '[.shipments[].tracking_number]|join(",")')" PK43BG0440123450131001P
api GET /v1/orders/%233100
eq "  and the first shop's order is untouched (its fulfillment and the AfterShip parcel above)" \
   "$(jqr '[.shipments[].tracking_number]|sort|join(",")')" "LB000111222ES,PK43BG0440123450131001P"

# ---- secret rotation ----
api PUT /v1/integrations/aftership '{"secret":"aftership-secret-new"}'
F=$T_DIR/as-rot.json; jq -c '.event_id="rot-1"' "$FIX/aftership-legacy.json" > "$F"
post "${HOOK[aftership]}" "$F" -H "aftership-hmac-sha256: $(b64 aftership-secret-e2e "$F")"
eq "after a rotation the previous secret still works" "$STATUS" 200
jq -c '.event_id="rot-2"' "$FIX/aftership-legacy.json" > "$F"
post "${HOOK[aftership]}" "$F" -H "aftership-hmac-sha256: $(b64 aftership-secret-new "$F")"
eq "  and so does the new one" "$STATUS" 200

# ---- the shared provider examples, byte-for-byte with SIGNATURES.md headers ----
if [ -d "$SHARED" ]; then
  KEY_S=$(new_merchant "Shared Fixtures")
  declare -A SH
  for p in easypost:easypost-webhook-secret-test shippo:shippo-hmac-secret-test aftership:aftership-webhook-secret-test \
           17track:17track-api-key-test shopify:shopify-app-client-secret-test woocommerce:woocommerce-webhook-secret-test; do
    opt=''; [ "${p%%:*}" = shippo ] && opt=',"options":{"signature_max_age_s":0}'
    KEY=$KEY_S api PUT /v1/integrations/${p%%:*} "{\"secret\":\"${p#*:}\"$opt}"
    SH[${p%%:*}]=$(jqr .webhook_url)
  done
  KEY=$KEY_S
  post "${SH[shopify]}" "$SHARED/shopify-orders-create.json" -H 'X-Shopify-Topic: orders/create' \
    -H 'X-Shopify-Hmac-Sha256: uAMtJy7ZcgzW4vT12oMBxmegy2IWDatygZwE+MxFB4o=' -H 'X-Shopify-Shop-Domain: tienda-sol.myshopify.com' \
    -H 'X-Shopify-API-Version: 2025-10' -H 'X-Shopify-Webhook-Id: b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' \
    -H 'X-Shopify-Event-Id: 7a1c2f3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b' -H 'X-Shopify-Triggered-At: 2025-11-26T13:05:44.213512Z'
  eq "shared shopify-orders-create: applied" "$STATUS/$(jqr .result)/$(jqr .orders.created)" "200/applied/1"
  post "${SH[shopify]}" "$SHARED/shopify-fulfillment-update.json" -H 'X-Shopify-Topic: fulfillments/update' \
    -H 'X-Shopify-Hmac-Sha256: JvQxmcm5Shvgp8jxuLY5Dfc+1WsogvqSD2gcnZWj5n4=' -H 'X-Shopify-Shop-Domain: tienda-sol.myshopify.com' \
    -H 'X-Shopify-API-Version: 2025-10' -H 'X-Shopify-Webhook-Id: 3f2c9a1e-5d7b-4c8e-9f0a-1b2c3d4e5f60' \
    -H 'X-Shopify-Event-Id: 9c8b7a6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d' -H 'X-Shopify-Triggered-At: 2025-11-26T13:05:44.213512Z'
  eq "shared shopify-fulfillment-update: applied" "$(jqr .result)/$(jqr .shipments.created)/$(jqr .events.accepted)" "applied/1/1"
  post "${SH[easypost]}" "$SHARED/easypost-tracker-updated.json" \
    -H 'X-Hmac-Signature: hmac-sha256-hex=6f1eb34f728ccfcebd8a50436069a86062678b1564acb2d04901baabea06f716'
  eq "shared easypost-tracker-updated: applied" "$(jqr .result)/$(jqr .events.accepted)" "applied/4"
  post "${SH[aftership]}" "$SHARED/aftership-tracking-update.json" \
    -H 'aftership-hmac-sha256: Ts4nkBh/XpA2s0VgwIcA5IInOuWRst0zB5C8kMxmkkY=' -H 'as-webhook-version: 2025-01'
  eq "shared aftership-tracking-update: applied" "$(jqr .result)/$(jqr .shipments.created)/$(jqr .events.accepted)" "applied/1/3"
  api POST /v1/shipments '{"order_ref":"#1042","carrier":"usps","tracking_number":"9205590164917312751089"}'
  post "${SH[shippo]}" "$SHARED/shippo-track-updated.json" \
    -H 'Shippo-Auth-Signature: t=1764171067,v1=575b86f7a1376cfb47a30ec40937a42377066fb3da1534dedea89611d1980219'
  eq "shared shippo-track-updated (timestamp check off for this integration): applied" "$(jqr .result)/$(jqr .events.accepted)" "applied/3"
  post "${SH[woocommerce]}" "$SHARED/woocommerce-order-updated.json" \
    -H 'User-Agent: WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)' -H 'X-WC-Webhook-Source: https://tienda-sol.example.es/' \
    -H 'X-WC-Webhook-Topic: order.updated' -H 'X-WC-Webhook-Resource: order' -H 'X-WC-Webhook-Event: updated' \
    -H 'X-WC-Webhook-Signature: LMpIaf6KgFea2qBsaqXDp4BIODlrYU+XWJ4tnlWtPmU=' -H 'X-WC-Webhook-ID: 12' \
    -H 'X-WC-Webhook-Delivery-ID: 5f0e1c9b7d3a2e4f6a8c0b1d2e3f4a5b'
  eq "shared woocommerce-order-updated: applied" "$(jqr .result)/$(jqr .orders.created)/$(jqr .shipments.created)" "applied/1/1"
  api POST /v1/orders '{"order_ref":"order-1042","placed_at":"2025-11-16T09:00:00+08:00"}'
  post "${SH[17track]}" "$SHARED/17track-tracking-updated.json" \
    -H 'sign: 61d74d823c65ee0ec9f5a20ffb94eaa0bfa4142440f87fbc1a6e2b01700ea685'
  eq "shared 17track-tracking-updated: applied" "$(jqr .result)/$(jqr .shipments.created)/$(jqr .events.accepted)" "applied/1/3"
  api GET /v1/orders/order-1042
  eq "  order-1042: China Post, in transit" "$(jqr '[.shipments[]|"\(.carrier):\(.status)"]|join(",")')" "china_post:in_transit"
  api GET /v1/orders/%231042
  eq "  #1042: USPS out for delivery (Shopify+EasyPost), UPS attempt failed (AfterShip)" \
     "$(jqr '[.shipments[]|"\(.carrier):\(.status)"]|join(",")')" "usps:out_for_delivery,ups:attempt_failed,usps:exception"
  api GET /v1/orders/7315
  eq "  7315 from WooCommerce with its Correos shipment" "$(jqr '.shipments[0].carrier')/$(jqr '.shipments[0].tracking_number')" "correos/PQ4F1B0712345670128003W"
else
  ok "skipped: ../shared/fixtures not present"
fi

# ---- a corrected tracking number is the same parcel: no second "shipped" ----
# Tienda Norte sends SMS through Twilio (the local recorder stands in for it)
start_recorder || not_ok "recorder starts"
KEY_N=$(new_merchant "Tienda Norte")
KEY=$KEY_N api PUT /v1/notifications/settings '{"merchant_name":"Tienda Norte","timezone":"Europe/Madrid",
  "sms":{"provider":"twilio","base_url":"'"$REC"'","account_sid":"AC3f9d1c2b7a8e4f6a0b5c9d8e7f6a5b4c",
         "auth_token":"2f8a6c1e9b3d4f5a7c0e1b2d3f4a5c6e","from":"+34911234567"},
  "triggers":{"*":[],"shipped":["sms"]},"timeout_s":2}'
eq "Tienda Norte: the shipped SMS is on" "$STATUS" 200
KEY=$KEY_N api PUT /v1/integrations/shopify '{"secret":"shopify-norte-e2e"}'
HOOK_N=$(jqr .webhook_url)
NORTE() { post "$HOOK_N" "$1" -H "X-Shopify-Topic: $2" -H "X-Shopify-Event-Id: $3" -H "X-Shopify-Hmac-Sha256: $(b64 shopify-norte-e2e "$1")"; }
O=$T_DIR/norte-5001.json; F1=$T_DIR/norte-5001-f1.json; F2=$T_DIR/norte-5001-f2.json
jq -c '.id=5830012355001 | .name="#5001" | .phone="+34622333444"' "$FIX/shopify-orders-create-es.json" > "$O"
jq -c '.id=4409876555001 | .order_id=5830012355001 | .name="#5001.1" | .tracking_company="SEUR" | .shipment_status="in_transit" | .updated_at="2025-12-02T11:00:00+01:00" | .tracking_number="08123456785001" | .tracking_numbers=["08123456785001"]' \
  "$FIX/shopify-fulfillment-create.json" > "$F1"
jq -c '.updated_at="2025-12-02T15:30:00+01:00" | .tracking_number="08123456785002" | .tracking_numbers=["08123456785002"]' "$F1" > "$F2"
NORTE "$O" orders/create ev-n-1
NORTE "$F1" fulfillments/create ev-n-2
eq "#5001 shipped with SEUR 08123456785001" "$(jqr .result)/$(jqr .shipments.created)/$(jqr .events.accepted)" "applied/1/1"
for _ in $(seq 1 100); do [ "$(rec_count '.path|endswith("/Messages.json")')" -ge 1 ] && break; sleep 0.1; done
eq "  the customer got the shipped SMS" "$(rec_count '.path|endswith("/Messages.json")')" 1
NORTE "$F2" fulfillments/update ev-n-3
eq "the shop corrects the number (fulfillments/update, same fulfillment): new shipment, old one cancelled" \
   "$(jqr .shipments.created)/$(jqr .shipments.updated)/$(jqr .events.accepted)" "1/1/1"
sleep 1.5 # the dispatcher would have sent a second SMS by now
eq "  no second shipped SMS for the same parcel" "$(rec_count '.path|endswith("/Messages.json")')" 1
KEY=$KEY_N api GET /v1/orders/%235001/notifications
eq "  the message log says why: already_told" \
   "$(jqr '[.notifications[]|select(.trigger=="shipped")|"\(.state):\(.reason)"]|join(",")')" "sent:null,suppressed:already_told"
# one Shopify fulfillment of two boxes (two tracking numbers) is one shipping: one message
F3=$FIX/shopify-fulfillment-two-boxes.json
jq -c '.id=5830012355002 | .name="#5002"' "$O" > "$T_DIR/norte-5002.json"
NORTE "$T_DIR/norte-5002.json" orders/create ev-n-4
NORTE "$F3" fulfillments/create ev-n-5
eq "#5002: one fulfillment, two boxes in transit" "$(jqr .shipments.created)/$(jqr .events.accepted)" "2/2"
for _ in $(seq 1 100); do [ "$(rec_count '.path|endswith("/Messages.json")')" -ge 2 ] && break; sleep 0.1; done
sleep 1.5
eq "  one shipped SMS for the fulfillment, not one per box" "$(rec_count '.path|endswith("/Messages.json")')" 2
KEY=$KEY_N api GET /v1/orders/%235002/notifications
eq "  the second box's is suppressed: already_told" \
   "$(jqr '[.notifications[]|select(.trigger=="shipped")|"\(.state):\(.reason)"]|sort|join(",")')" "sent:null,suppressed:already_told"
KEY=$KEY_A

metrics=$(curl -s "$BASE/metrics")
check "no request ever answered 5xx" bash -c "! printf '%s' '$metrics' | grep -q 'code=\"5'"
check "metrics count webhook deliveries by route" bash -c "printf '%s' '$metrics' | grep -q 'route=\"POST /hooks/{provider}/{hook_id}\",code=\"401\"'"
KEY= api GET /v1/openapi.json
printf '%s' "$BODY_OUT" > "$T_DIR/openapi.json" # a file: the descriptions contain quotes
for p in "/hooks/{provider}/{hook_id}" /v1/hooks/generic /v1/integrations "/v1/integrations/{provider}" /v1/inbound "/v1/inbound/{id}" "/v1/inbound/{id}/replay" /v1/carriers/detect; do
  check "openapi describes $p" jq -e --arg p "$p" '.paths[$p]' "$T_DIR/openapi.json"
done
stop_server
check "server log has no sanitizer report" bash -c "! grep -q -e 'runtime error' -e 'Sanitizer' '$T_DIR/server.log'"
finish
