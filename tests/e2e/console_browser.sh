#!/usr/bin/env bash
# Browser test of the agent console (issue 7): Debian chromium driven by playwright-core
# (tests/browser/console.test.js). A WhatsApp message whose text carries script and markup
# arrives through the real, signed WhatsApp Cloud API webhook; the agent signs in, takes over,
# answers with a canned reply, creates an incident from the message and resolves it with a
# coupon. The recorder (standing in for Meta's Graph API) must receive each message in the
# WhatsApp wire format, and no script the customer wrote may run (no dialog, CSP holds).
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/recorder.sh"
browser_ready || { ok "console browser test skipped"; finish; exit; }

start_recorder || { not_ok "recorder starts"; finish; exit 1; }
rec_wa() { cat "$REC_DIR"/*.json 2>/dev/null | jq -c 'select(.path=="/v21.0/106540352242922/messages")'; }

export RASTRO_ARGON2_MEMORY_KIB=1024 RASTRO_ARGON2_ITERATIONS=1
DB=$T_DIR/console_browser.db
start_server "$DB"
KEY=$(new_merchant "Tienda Sol")
cat > "$T_DIR/s.json" <<JSON
{"public_base_url":"$BASE","merchant_name":"Tienda Sol","timezone":"Europe/Madrid",
 "whatsapp":{"base_url":"$REC","api_version":"v21.0","phone_number_id":"106540352242922","token":"wa-token-test",
             "app_secret":"meta-app-secret-test","verify_token":"vt-123"},
 "triggers":{"*":["whatsapp"]},"retry":{"base_s":1,"max_delay_s":2,"max_attempts":2},"timeout_s":2}
JSON
"$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/s.json" >/dev/null
printf 'clave-del-agente-1\n' | "$RASTRO_BIN" agent create --merchant 1 --email ana@sol.es --name Ana --db "$DB" >/dev/null 2>&1
api POST /v1/orders '{"order_ref":"1042","placed_at":"2025-11-24T10:00:00+01:00","customer":{"name":"Lucía","phone":"+34600111222","locale":"es","preferred_channel":"whatsapp"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
api POST /v1/shipments '{"order_ref":"1042","carrier":"correos","tracking_number":"PQ4A1B2C3"}'
api POST /v1/events '[{"carrier":"correos","tracking_number":"PQ4A1B2C3","occurred_at":"2025-11-25T09:00:00+01:00","status":"in_transit","location":{"city":"Madrid"}}]'

XSS='<script>alert("xss")</script><img src=x onerror=alert(2)> "><svg onload=alert(3)> quiero hablar con una persona, mi caja llegó rota'
WAIN=$(jq -cn --arg t "$XSS" --arg ts "$(date +%s)" '{object:"whatsapp_business_account",entry:[{id:"1",changes:[{field:"messages",value:{messaging_product:"whatsapp",metadata:{phone_number_id:"106540352242922"},contacts:[{profile:{name:"Lucía <b>"},wa_id:"34600111222"}],messages:[{from:"34600111222",id:"wamid.IN1",timestamp:$ts,type:"text",text:{body:$t}}]}}]}]}')
wasig() { printf '%s' "$1" | openssl dgst -sha256 -hmac meta-app-secret-test | sed 's/^.*= //'; }
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "X-Hub-Signature-256: sha256=$(wasig "$WAIN")" --data-binary "$WAIN" "$BASE/hooks/whatsapp/1")
eq "the customer's WhatsApp message comes in through the signed webhook" "$STATUS" 200
CONV=$(sqlite3 -readonly "$DB" "select id from conversations where merchant_id=1 and channel='whatsapp'")
check "it is a conversation waiting for a person" test "$(sqlite3 -readonly "$DB" "select state from conversations where id=${CONV:-0}")" = agent
n_before=$(rec_wa | grep -c .)

export BASE CONV
run_browser_test console.test.js

# what the customer received (the recorder stands in for the Graph API)
q() { sqlite3 -readonly "$DB" "$1"; }
REPLY=$(q "select body from messages where conversation_id=${CONV:-0} and author='agent' order by id desc limit 1")
got() { rec_wa | jq -c --arg b "$1" 'select(.body|fromjson|.text.body==$b)' | grep -q .; }
check "the agent's reply reaches WhatsApp" wait_for 20 got "$REPLY"
WA=$(rec_wa | jq -c --arg b "$REPLY" 'select(.body|fromjson|.text.body==$b)' | head -1)
eq "WhatsApp wire format: a session text to the customer, Bearer token" \
  "$(printf '%s' "$WA" | jq -r '(.body|fromjson|"\(.messaging_product)/\(.recipient_type)/\(.to)/\(.type)") + " " + .headers.authorization')" \
  "whatsapp/individual/34600111222/text Bearer wa-token-test"
INC=$(q "select id from incidents where conversation_id=${CONV:-0}")
eq "the incident made from the message is resolved with a coupon by the agent" "$(q "select type||' '||state||' '||resolution||' '||resolved_by from incidents where id=${INC:-0}")" "damaged resolved coupon agent:ana@sol.es"
CODE=$(q "select c.code from incidents i join coupons c on c.id=i.coupon_id where i.id=${INC:-0}")
got_code() { [ -n "$CODE" ] && rec_wa | jq -c --arg c "$CODE" 'select(.body|fromjson|(.text.body // "")|contains($c))' | grep -q .; }
check "the customer receives the coupon code on WhatsApp" wait_for 20 got_code
got_incident() { rec_wa | jq -c 'select(.body|fromjson|(.text.body // "")|test("INC-[0-9]+"))' | grep -q .; }
check "the customer is told about the incident" wait_for 20 got_incident
check "every message to the customer went out (nothing failed)" test "$(q "select count(*) from messages where conversation_id=${CONV:-0} and state='failed'")" = 0
stop_server
check "server log has no sanitizer report" bash -c "! grep -q -e 'runtime error' -e 'Sanitizer' '$T_DIR/server.log'"
finish
