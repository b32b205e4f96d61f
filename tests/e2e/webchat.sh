#!/usr/bin/env bash
# End-to-end: the tracking page's web chat and logged phone calls (issue 7). HTTP checks of
# POST/GET /t/{code}/chat (same-origin only, size and rate limits, anonymous vs verified
# visitors, escaping in the page without JavaScript) and POST /v1/conversations/calls; then
# tests/browser/chat.test.js in Debian chromium (playwright-core), like tests/e2e/browser.sh.
source "$(dirname "$0")/../lib/lib.sh"
export RASTRO_CHAT_BURST=30 RASTRO_CHAT_PER_MIN=30
DB=$T_DIR/chat.db
start_server "$DB"
KEY=$(new_merchant "Tienda Sol")
now=$(date -u +%s)
ts() { date -u -d "@$(( now - $1 ))" +%Y-%m-%dT%H:%M:%SZ; }
api POST /v1/orders '{"order_ref":"9001","placed_at":"'"$(ts 90000)"'","customer":{"name":"Lucía","email":"lucia@example.es","phone":"+34600111333","locale":"es"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
CODE=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"9001","carrier":"correos","tracking_number":"PQCHAT1"}'
api POST /v1/events '[{"carrier":"correos","tracking_number":"PQCHAT1","occurred_at":"'"$(ts 3600)"'","status":"in_transit"}]'
eq "order seeded" "$(jqr .accepted)" 1
q() { sqlite3 -readonly "$DB" "$1"; }

chat() { # chat ORIGIN JSON [QUERY] → STATUS, BODY_OUT
  local args=(-s -o "$T_DIR/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$2")
  [ -n "$1" ] && args+=(-H "Origin: $1")
  STATUS=$(curl "${args[@]}" "$BASE/t/$CODE/chat${3:-}")
  BODY_OUT=$(cat "$T_DIR/resp")
}
chat "$BASE" '{"body":"hola, ¿dónde está mi pedido?"}' '?lang=es'
eq "a visitor's message: 201 with the conversation" "$STATUS/$(jqr '.messages|length')/$(jqr .verified)" "201/2/false"
eq "the bot answers with the status" "$(jqr '.messages[1].author')/$(jqr '.messages[1].body|test("en camino")')" "bot/true"
eq "without the second factor the bot says nothing private (no customer name)" "$(jqr '.messages[1].body|test("Lucía")')" "false"
eq "the link in the answer is this server's page (no public_base_url set: the --base-url)" \
   "$(jqr '.messages[1].body|contains("'"$BASE/t/$CODE"'")')" "true"
# a code typed for another order on this page's chat: that order is answered, at its public level
api POST /v1/orders '{"order_ref":"9012","placed_at":"'"$(ts 400000)"'","customer":{"name":"Lucía","email":"lucia@example.es","phone":"+34600111333","locale":"es"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
CODE2=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"9012","carrier":"correos","tracking_number":"PQCHAT2"}'
api POST /v1/events '[{"carrier":"correos","tracking_number":"PQCHAT2","occurred_at":"'"$(ts 200000)"'","status":"delivered"}]'
chat "$BASE" "{\"body\":\"¿y el pedido $CODE2?\"}" '?lang=es'
eq "another order's code on this page's chat: that order's status and code" \
   "$STATUS/$(jqr '.messages[-1].body|test("entregado")')/$(jqr '.messages[-1].body|contains("'"$CODE2"'")')/$(jqr '.messages[-1].body|test("Lucía|9012")')" "201/true/true/false"
eq "  and the conversation stays this page's (its transcript has the question)" \
   "$(curl -s "$BASE/t/$CODE/chat" | jq -r '[.messages[].body]|map(select(contains("'"$CODE2"'")))|length')" 2
chat "http://evil.example" '{"body":"hola"}'
eq "another site's page cannot post: 403 cross_origin" "$STATUS/$(jqr .error.code)" "403/cross_origin"
chat "" '{"body":"hola"}'
eq "no Origin (not a browser on the page): 403" "$STATUS" 403
chat "$BASE" "{\"body\":\"$(head -c 2100 /dev/zero | tr '\0' 'a')\"}"
eq "a message over 2000 bytes: 413" "$STATUS/$(jqr .error.code)" "413/too_large"
chat "$BASE" '{"body":"   "}'
eq "an empty message: 422" "$STATUS" 422
chat "$BASE" '{"text":"hola"}'
eq "no body field: 422 saying what to send" "$STATUS/$(jqr .error.message)" '422/send {"body": "your message"}'
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Origin: $BASE" -H 'Content-Type: application/json' --data '{"body":"x"}' "$BASE/t/RX-AAAA-AAAA-AAAAA/chat")
check "an unknown or malformed code: 4xx" test "${STATUS:0:1}" = 4
curl -s -o /dev/null -X POST -H "Origin: $BASE" -H 'Content-Type: application/json' --data '{"body":"¿cuándo llega?"}' "$BASE/t/$CODE/chat?postcode=28013"
curl -s "$BASE/t/$CODE/chat?postcode=28013" > "$T_DIR/v.json"
eq "a verified visitor writes into the customer's conversation (answer names them)" \
   "$(jq -r '.verified' "$T_DIR/v.json")/$(jq -r '[.messages[]|select(.author=="bot")]|last|.body|test("Lucía")' "$T_DIR/v.json")" "true/true"
eq "anonymous and verified conversations are separate" \
   "$(q "select count(*) from conversations where customer_id is null")/$(q "select count(*) from conversations c join customers u on u.id=c.customer_id where u.email='lucia@example.es'")" "1/1"
curl -s "$BASE/t/$CODE/chat" > "$T_DIR/a.json"
eq "the anonymous transcript never shows the verified conversation" "$(jq -r '[.messages[].body]|map(select(test("cuándo llega")))|length' "$T_DIR/a.json")" 0
LAST=$(jq -r '.messages[-1].id' "$T_DIR/a.json")
curl -s "$BASE/t/$CODE/chat?after=$LAST" > "$T_DIR/a2.json"
eq "GET ?after= returns only newer messages" "$(jq -r '.messages|length' "$T_DIR/a2.json")" 0
eq "GET ?after=abc: 400" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/t/$CODE/chat?after=abc")" 400
# the form without JavaScript: 303 back to the page, the transcript escaped
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -D "$T_DIR/h" -X POST -H "Origin: $BASE" --data-urlencode 'body=<script>alert("x")</script> ¿y mi pedido?' "$BASE/t/$CODE/chat?lang=es")
eq "form post: 303 to the page's chat" "$STATUS/$(grep -i '^location:' "$T_DIR/h" | tr -d '\r' | sed 's/^[Ll]ocation: //')" "303//t/$CODE?lang=es&notice=chat#chat"
curl -s "$BASE/t/$CODE?lang=es&notice=chat" > "$T_DIR/page.html"
check "the transcript on the page escapes the customer's text" grep -qF '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; ¿y mi pedido?' "$T_DIR/page.html"
check "and never includes it raw" bash -c "! grep -qF '<script>alert(\"x\")' '$T_DIR/page.html'"
check "the page has the chat panel in Spanish" grep -qF '<h2 id="ch-h">Escríbenos</h2>' "$T_DIR/page.html"
# a message the form cannot send is told on a page in the customer's language, not in raw JSON
STATUS=$(curl -s -o "$T_DIR/err.html" -w '%{http_code}' -X POST -H "Origin: $BASE" --data-urlencode 'body=   ' "$BASE/t/$CODE/chat?lang=es")
check "form post of an empty message: 422, a Spanish page saying to write it" \
  bash -c "[ $STATUS = 422 ] && grep -q 'Escribe tu mensaje antes de enviarlo' '$T_DIR/err.html' && ! grep -q '\"error\"' '$T_DIR/err.html'"
STATUS=$(curl -s -o "$T_DIR/err.html" -w '%{http_code}' -X POST -H "Origin: $BASE" --data-urlencode "body=$(printf 'ñ%.0s' $(seq 1 1100))" "$BASE/t/$CODE/chat?lang=en")
check "  of a message too long (1,100 ñ: 2,200 bytes): 413, an English page saying so" \
  bash -c "[ $STATUS = 413 ] && grep -q 'Your message is too long' '$T_DIR/err.html'"

# ---- phone calls an agent logs ----
api POST /v1/conversations/calls '{"phone":"+34 600 111 333","order_ref":"9001","body":"Llamó: pregunta si puede cambiar la dirección","locale":"es","call_id":"call-1"}'
eq "a logged call: 201" "$STATUS/$(jqr .result)" "201/accepted"
CALL_CONV=$(jqr .conversation_id)
eq "recorded on the phone channel, in the customer's conversation, without a bot reply" \
   "$(q "select m.channel||'|'||coalesce(u.email,'') from messages m join conversations c on c.id=m.conversation_id left join customers u on u.id=c.customer_id where m.provider_msg_id='call-1'")/$(jqr .reply_id)" \
   "phone|lucia@example.es/null"
api POST /v1/conversations/calls '{"phone":"+34 600 111 333","order_ref":"9001","body":"Llamó: pregunta si puede cambiar la dirección","call_id":"call-1"}'
eq "the same call_id again: 200 duplicate" "$STATUS/$(jqr .result)" "200/duplicate"
api POST /v1/conversations/calls '{"email":"nuevo@example.org","body":"Quiere saber plazos de envío a Canarias"}'
eq "an unknown caller starts a conversation without a customer" "$STATUS/$(q "select coalesce(customer_id,0) from conversations where id=$(jqr .conversation_id)")" "201/0"
eq "  which answers by e-mail (a call is nothing to send on)" "$(q "select channel from conversations where id=$(jqr .conversation_id)")" email
eq "the customer's conversation keeps the channel they wrote from after a logged call" "$(q "select channel from conversations where id=$CALL_CONV")" webchat
api POST /v1/conversations/calls '{"body":"x"}'
eq "no phone or e-mail: 422" "$STATUS/$(jqr .error.code)" "422/missing_field"
api POST /v1/conversations/calls '{"phone":"600111333","body":"x"}'
eq "a phone without country code: 422" "$STATUS/$(jqr .error.code)" "422/invalid_phone"
api POST /v1/conversations/calls '{"phone":"+34600111333","order_ref":"nope","body":"x"}'
eq "an unknown order: 422" "$STATUS/$(jqr .error.code)" "422/unknown_order"
api POST /v1/conversations/calls '{"phone":"+34600111333","agent_email":"nadie@example.es","body":"x"}'
eq "an unknown agent: 422" "$STATUS/$(jqr .error.code)" "422/unknown_agent"
api POST /v1/conversations/calls '{"phone":"+34600111333","body":"x","locale":"fr"}'
eq "a locale other than es/en: 422" "$STATUS/$(jqr .error.code)" "422/invalid_locale"
api POST /v1/conversations/calls '{"phone":"+34600111333","body":"x","extra":1}'
eq "an unknown field: 422" "$STATUS/$(jqr .error.code)" "422/invalid_field"
KEY= api POST /v1/conversations/calls '{"phone":"+34600111333","body":"x"}'
eq "without an API key: 401" "$STATUS" 401

# ---- a problem told in the chat: the incident's messages name the order only as far as the visitor proved
chat "$BASE" '{"body":"el paquete me ha llegado roto"}'
INC_A=$(q "select id from incidents where order_id=(select id from orders where order_ref='9001') and type='damaged' order by id desc limit 1")
eq "an anonymous visitor's problem opens an incident" "$STATUS/$([ -n "$INC_A" ] && echo yes)" "201/yes"
api PATCH "/v1/incidents/${INC_A:-0}" '{"state":"waiting_customer"}'
curl -s "$BASE/t/$CODE/chat" > "$T_DIR/a3.json"
eq "the anonymous chat is told the incident and its state change by tracking code, never the order number" \
   "$(jq -r '[.messages[]|select(.author=="system")|.body]|map(select(test("INC-")))|length' "$T_DIR/a3.json")/$(jq -r '[.messages[]|select(.author=="system")|.body|select(test("9001"))]|length' "$T_DIR/a3.json")/$(jq -r '[.messages[]|select(.author=="system")|.body|select(contains("'"$CODE"'"))]|length' "$T_DIR/a3.json")" \
   "2/0/2"
curl -s -o /dev/null -X POST -H "Origin: $BASE" -H 'Content-Type: application/json' --data '{"body":"el paquete me ha llegado roto"}' "$BASE/t/$CODE/chat?postcode=28013"
curl -s "$BASE/t/$CODE/chat?postcode=28013" > "$T_DIR/v2.json"
eq "the verified visitor's chat is told the order number (the incident already open, named by the bot)" \
   "$(jq -r '[.messages[]|select(.author!="customer")|.body|select(test("INC-[0-9]+ sobre tu pedido 9001"))]|length' "$T_DIR/v2.json")" 1

# ---- asking for a person hands over at once, whatever else the message says
api POST /v1/orders '{"order_ref":"9003","placed_at":"'"$(ts 90000)"'","customer":{"email":"ines@example.es"},"destination":{"postal_code":"41001","city":"Sevilla","country":"ES"}}'
CODE3=$(jqr .tracking_code)
STATUS=$(curl -s -o "$T_DIR/h3.json" -w '%{http_code}' -X POST -H "Origin: $BASE" -H 'Content-Type: application/json' --data '{"body":"un humano por favor"}' "$BASE/t/$CODE3/chat")
eq "\"un humano por favor\": handed to a person (talk_to_human), no incident opened" \
   "$STATUS/$(jq -r .state "$T_DIR/h3.json")/$(q "select handover_reason from conversations where id=$(jq -r .conversation_id "$T_DIR/h3.json")")/$(q "select count(*) from incidents where order_id=(select id from orders where order_ref='9003')")" \
   "201/agent/talk_to_human/0"

# ---- the bot answers in the language the visitor writes, whatever the page's language
api POST /v1/orders '{"order_ref":"9004","placed_at":"'"$(ts 90000)"'","customer":{"email":"tom@example.es"},"destination":{"postal_code":"46001","city":"Valencia","country":"ES"}}'
CODE4=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"9004","carrier":"correos","tracking_number":"PQCHAT4"}'
api POST /v1/events '[{"carrier":"correos","tracking_number":"PQCHAT4","occurred_at":"'"$(ts 3600)"'","status":"in_transit"}]'
curl -s -X POST -H "Origin: $BASE" -H 'Accept-Language: en-US,en;q=0.9' -H 'Content-Type: application/json' --data '{"body":"hola, ¿dónde está mi pedido?"}' "$BASE/t/$CODE4/chat" > "$T_DIR/l1.json"
eq "Spanish written on the English page: answered in Spanish" "$(jq -r '.messages[-1].body|test("está en camino")' "$T_DIR/l1.json")" true
curl -s -X POST -H "Origin: $BASE" -H 'Accept-Language: es-ES,es;q=0.9' -H 'Content-Type: application/json' --data '{"body":"hi, where is my order?"}' "$BASE/t/$CODE4/chat" > "$T_DIR/l2.json"
eq "English written on the Spanish page: answered in English" "$(jq -r '.messages[-1].body|test("is on its way")' "$T_DIR/l2.json")" true
curl -s -X POST -H "Origin: $BASE" -H 'Accept-Language: en-US,en;q=0.9' -H 'Content-Type: application/json' --data "{\"body\":\"$CODE4\"}" "$BASE/t/$CODE4/chat" > "$T_DIR/l3.json"
eq "a message in no language (a code) on the English page: answered in English" "$(jq -r '.messages[-1].body|test("is on its way")' "$T_DIR/l3.json")" true

# ---- "arrives today" only the day of the scan, as the page says it ----
api POST /v1/orders '{"order_ref":"9005","placed_at":"'"$(ts 400000)"'","customer":{"email":"ofd@example.es"},"destination":{"postal_code":"46001","city":"Valencia","country":"ES"}}'
CODE5=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"9005","carrier":"correos","tracking_number":"PQCHAT5"}'
api POST /v1/events '[{"carrier":"correos","tracking_number":"PQCHAT5","occurred_at":"'"$(ts 172800)"'","status":"out_for_delivery"}]'
ask5() { curl -s -X POST -H "Origin: $BASE" -H "Accept-Language: $1" -H 'Content-Type: application/json' --data "{\"body\":\"$2\"}" "$BASE/t/$CODE5/chat" | jq -r '.messages[-1].body'; }
A=$(ask5 es "hola, ¿dónde está mi pedido?")
eq "out for delivery two days ago, no news since: the bot does not say it arrives today (es)" \
   "$(grep -c 'llega hoy' <<<"$A")/$(grep -c 'está en reparto' <<<"$A")" "0/1"
A=$(ask5 en "hi, where is my order?")
eq "  nor in English" "$(grep -c 'arrives today' <<<"$A")/$(grep -c 'is out for delivery' <<<"$A")" "0/1"
api POST /v1/events '[{"carrier":"correos","tracking_number":"PQCHAT5","occurred_at":"'"$(ts 60)"'","status":"out_for_delivery"}]'
A=$(ask5 es "¿cuándo llega mi pedido?")
eq "  out again today: it says it arrives today" "$(grep -c 'está en reparto: llega hoy' <<<"$A")" 1

# ---- "today" is the customer's: a Madrid shop's order to Bogotá (Colombia has one zone) without
# customer.timezone (docs/notifications.md#the-customers-time-zone). The scan falls between the
# two cities' last midnights (six hours apart): today in one of them, not in the other ----
read -r OFD_AGO BOG_TODAY < <(python3 - "$now" <<'PY'
import sys, datetime, zoneinfo
now = int(sys.argv[1])
day = lambda t, z: datetime.datetime.fromtimestamp(t, zoneinfo.ZoneInfo(z)).date()
split = [a for a in range(60, 30 * 3600, 60)
         if (day(now - a, 'America/Bogota') == day(now, 'America/Bogota')) != (day(now - a, 'Europe/Madrid') == day(now, 'Europe/Madrid'))]
a = split[len(split) // 2]  # the middle of the window: hours from either midnight
print(a, int(day(now - a, 'America/Bogota') == day(now, 'America/Bogota')))
PY
)
api POST /v1/orders '{"order_ref":"9006","placed_at":"'"$(ts 400000)"'","customer":{"email":"co@example.co"},"destination":{"postal_code":"110111","city":"Bogotá","country":"CO"}}'
CODE6=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"9006","carrier":"dhl","tracking_number":"DHLCO6"}'
api POST /v1/events '[{"carrier":"dhl","tracking_number":"DHLCO6","occurred_at":"'"$(ts "$OFD_AGO")"'","status":"out_for_delivery"}]'
curl -s -o "$T_DIR/co.html" "$BASE/t/$CODE6?lang=es"
eq "an order to Bogotá, out for delivery $OFD_AGO s ago: the page says \"llega hoy\" by Bogotá's day" \
   "$(grep -c '<h1 id="headline">En reparto: llega hoy</h1>' "$T_DIR/co.html")" "$BOG_TODAY"
A=$(curl -s -X POST -H "Origin: $BASE" -H "Accept-Language: es" -H 'Content-Type: application/json' \
    --data '{"body":"hola, ¿dónde está mi pedido?"}' "$BASE/t/$CODE6/chat" | jq -r '.messages[-1].body')
eq "  and so does the bot" "$(grep -c 'llega hoy' <<<"$A")/$(grep -c 'está en reparto' <<<"$A")" "$BOG_TODAY/1"

# ---- the browser ----
if ! browser_ready; then
  ok "browser part skipped"
else
  # a fresh order for the browser, so its transcript starts empty
  api POST /v1/orders '{"order_ref":"9002","placed_at":"'"$(ts 90000)"'","customer":{"email":"bruno@example.es"},"destination":{"postal_code":"08001","city":"Barcelona","country":"ES"}}'
  CODE=$(jqr .tracking_code)
  api POST /v1/shipments '{"order_ref":"9002","carrier":"seur","tracking_number":"SEURCHAT"}'
  api POST /v1/events '[{"carrier":"seur","tracking_number":"SEURCHAT","occurred_at":"'"$(ts 3600)"'","status":"in_transit"}]'
  export BASE CODE
  run_browser_test chat.test.js
fi

# ---- rate limit (last: it blocks this client address) ----
for i in $(seq 1 40); do chat "$BASE" '{"body":"hola"}'; [ "$STATUS" = 429 ] && break; done
eq "too many messages from one address: 429 with Retry-After" "$STATUS/$(jqr .error.code)" "429/too_many_messages"
STATUS=$(curl -s -o "$T_DIR/err.html" -D "$T_DIR/h" -w '%{http_code}' -X POST -H "Origin: $BASE" --data-urlencode 'body=hola' "$BASE/t/$CODE/chat?lang=es")
check "  the form without JavaScript: 429, Retry-After and a Spanish page saying when to try again" \
  bash -c "[ $STATUS = 429 ] && grep -qi '^retry-after:' '$T_DIR/h' && grep -q 'Vuelve a probar dentro de' '$T_DIR/err.html'"
check "no sanitizer reports in the server log" bash -c "! grep -q 'ERROR: AddressSanitizer\|runtime error' '$T_DIR/server.log'"
finish
