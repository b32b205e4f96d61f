#!/usr/bin/env bash
# wa_window.sh — an agent's reply to a WhatsApp conversation after WhatsApp's 24-hour
# customer-service window, when the Cloud API takes no free text: it goes by e-mail to the
# order's customer (a real Postfix), else by SMS to the same number (Twilio on the recorder),
# never to a channel the customer opted out of; with neither, it fails saying why. Inside the
# window it goes by WhatsApp as before.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/recorder.sh"
source "$(dirname "$0")/../lib/postfix.sh"
trap 'stop_postfix; cleanup' EXIT
start_postfix || { not_ok "private postfix starts"; finish; exit 1; }
start_recorder || { not_ok "recorder starts"; finish; exit 1; }

start_server "$T_DIR/w.db"
KEY=$(new_merchant "Tienda Sol")
cat > "$T_DIR/settings.json" <<JSON
{"public_base_url":"$BASE","merchant_name":"Tienda Sol","timezone":"Europe/Madrid",
 "email":{"smtp_url":"smtp://127.0.0.1:$PF_PORT","starttls":"none","from":"Tienda Sol <avisos@tienda-sol.example.es>"},
 "sms":{"provider":"twilio","base_url":"$REC","account_sid":"AC3f9d1c2b7a8e4f6a0b5c9d8e7f6a5b4c",
        "auth_token":"2f8a6c1e9b3d4f5a7c0e1b2d3f4a5c6e","messaging_service_sid":"MG7e2a9c4b1d3f5e8a6c0b2d4f6a8c0e1b"},
 "whatsapp":{"base_url":"$REC","api_version":"v21.0","phone_number_id":"106540352242922","token":"wa-token-test",
             "app_secret":"meta-app-secret-test","verify_token":"vt-123"},
 "triggers":{"*":[]},
 "retry":{"base_s":1,"max_delay_s":2,"max_attempts":2,"max_retry_after_s":30},"timeout_s":2}
JSON
check "notification settings accepted" "$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/settings.json"
api POST /v1/orders '{"order_ref":"W-1","placed_at":"2025-11-24T10:00:00+01:00","customer":{"name":"Lucía Pérez","email":"lucia@example.es","phone":"+34600111222","locale":"es"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
eq "order created" "$STATUS" 201

wa_post() { # FROM WAMID TEXT: a signed Cloud API delivery of one text message
  local body
  body=$(jq -cn --arg from "$1" --arg id "$2" --arg t "$3" --arg ts "$(date +%s)" \
    '{object:"whatsapp_business_account",entry:[{id:"1",changes:[{field:"messages",value:{messaging_product:"whatsapp",
      metadata:{display_phone_number:"34911000000",phone_number_id:"106540352242922"},
      contacts:[{profile:{name:"Lucía"},wa_id:$from}],messages:[{from:$from,id:$id,timestamp:$ts,type:"text",text:{body:$t}}]}}]}]}')
  local sig
  sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac meta-app-secret-test | sed 's/^.*= //')
  STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -H "X-Hub-Signature-256: sha256=$sig" --data-binary "$body" "$BASE/hooks/whatsapp/1")
}
q() { sqlite3 -readonly "$DB" "$1"; }
reply() { # BODY: the agent's reply to the conversation; sets RID, waits for its final state
  api POST "/v1/conversations/$CID/messages" "$(jq -cn --arg b "$1" '{body:$b}')"
  RID=$(jqr .message_id)
  wait_for 20 none_pending
}
wa_to_customer() { rec_count '.path=="/v21.0/106540352242922/messages" and (.body|fromjson|.to=="34600111222") and (.body|fromjson|.type=="text")'; }

wa_post 34600111222 wamid.W1 "quiero hablar con una persona"
eq "the customer writes on WhatsApp" "$STATUS" 200
CID=$(q "select conversation_id from messages where provider_msg_id='wamid.W1'")
check "the conversation knows the order's customer" test "$(q "select count(*) from conversations c join customers u on u.id=c.customer_id where c.id=$CID and u.email='lucia@example.es'")" = 1

# ---- inside the window: WhatsApp ----
none_pending() { [ "$(q "select count(*) from messages where conversation_id=$CID and direction='out' and state in ('queued','sending')")" = 0 ]; }
check "the bot's hand-over message went out first" wait_for 15 none_pending
n0=$(wa_to_customer)
reply "Hola Lucía, soy Ana. Lo miro ahora mismo."
eq "inside the window the reply goes by WhatsApp" "$(q "select state||'/'||channel from messages where id=$RID")" "sent/whatsapp"
eq "  one text message to the Cloud API" "$(( $(wa_to_customer) - n0 ))" 1

# the console, as the agent sees it (a real log-in)
export RASTRO_ARGON2_MEMORY_KIB=1024 RASTRO_ARGON2_ITERATIONS=1
printf 'una-clave-larga\n' | "$RASTRO_BIN" agent create --merchant 1 --email ana@sol.es --name Ana --db "$DB" >/dev/null 2>&1
JAR=$T_DIR/jar
curl -s -c "$JAR" -b "$JAR" "$BASE/console/login" > "$T_DIR/login.html"
LT=$(grep -o 'name="login_token" value="[^"]*' "$T_DIR/login.html" | sed 's/.*value="//')
curl -s -o /dev/null -c "$JAR" -b "$JAR" -H "Origin: $BASE" --data "login_token=$LT&email=ana%40sol.es&password=una-clave-larga" "$BASE/console/login"
console_conv() { curl -s -b "$JAR" "$BASE/console/c/$CID" > "$T_DIR/conv.html"; }
console_conv
check "the console shows the conversation" grep -q 'action="/console/c/'"$CID"'/reply"' "$T_DIR/conv.html"
check "  with no warning inside the window" bash -c "! grep -q 'id=\"wa-closed\"' '$T_DIR/conv.html'"

# ---- 25 hours later ----
sqlite3 "$DB" "update messages set created_at=created_at-90000 where conversation_id=$CID"
console_conv
check "the console warns the agent that the reply will go by e-mail or SMS" grep -q 'id="wa-closed">Han pasado más de 24 horas' "$T_DIR/conv.html"
n1=$(wa_to_customer)
reply "Hola Lucía: tu pedido sale mañana. Perdona la espera."
eq "after the window: sent by e-mail instead" "$(q "select state||'/'||channel from messages where id=$RID")" "sent/email"
eq "  nothing sent to WhatsApp (it would refuse free text)" "$(wa_to_customer)" "$n1"
check "  the e-mail reaches the customer's mailbox" wait_for 15 bash -c "grep -l 'tu pedido sale ma' $PF_MAIL/* 2>/dev/null | grep -q ."
MAIL=$(grep -l 'tu pedido sale ma' "$PF_MAIL"/* 2>/dev/null | head -1)
check "  addressed to the order's customer" grep -qi '^To:.*lucia@example.es' "$MAIL"
check "  says it answers her WhatsApp message" bash -c "python3 - '$MAIL' <<'PY'
import email, email.header, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'))
subj = str(email.header.make_header(email.header.decode_header(m['Subject'])))
sys.exit(0 if subj == 'Respuesta a tu mensaje de WhatsApp: Tienda Sol' else 1)
PY"
api GET "/v1/conversations/$CID"
check "the conversation shows the reply went by e-mail" bash -c "jq -e '[.messages[] | select(.direction==\"out\" and .channel==\"email\")] | length == 1' <<<\"\$1\"" _ "$BODY_OUT"

# an incident's notice on that conversation goes the same way, its reference in the subject
api POST /v1/incidents '{"order_ref":"W-1","type":"damaged","message":"La caja llegó rota"}'
eq "an incident opened for her order" "$STATUS" 201
INC_REF=$(jqr .reference)
wait_for 20 none_pending
notice_mail() { grep -l "$INC_REF" "$PF_MAIL"/* 2>/dev/null | head -1; }
check "  its notice reaches her mailbox" wait_for 15 bash -c "grep -l '$INC_REF' $PF_MAIL/* 2>/dev/null | grep -q ."
check "  the subject names the incident, as every incident e-mail does" bash -c "python3 - '$(notice_mail)' '$INC_REF' <<'PY'
import email, email.header, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'))
subj = str(email.header.make_header(email.header.decode_header(m['Subject'])))
sys.exit(0 if subj == '[' + sys.argv[2] + '] Respuesta a tu mensaje de WhatsApp: Tienda Sol' else 1)
PY"

# ---- she opted out of e-mail: SMS ----
sqlite3 "$DB" "insert into notify_optouts(customer_id,channel,source,created_at) select customer_id,'email','api',0 from conversations where id=$CID"
reply "Te escribo por SMS porque no quieres emails."
eq "no e-mail after an e-mail opt-out: by SMS" "$(q "select state||'/'||channel from messages where id=$RID")" "sent/sms"
SMS=$(rec_find '.path|endswith("/Messages.json")' | tail -1 | jq -r .body)
check "  Twilio form to her number with the text" bash -c "python3 -c 'import sys,urllib.parse; d=dict(urllib.parse.parse_qsl(sys.argv[1])); sys.exit(0 if d[\"To\"]==\"+34600111222\" and \"por SMS\" in d[\"Body\"] else 1)' \"\$1\"" _ "$SMS"

# ---- and of SMS: nothing to send it by ----
sqlite3 "$DB" "insert into notify_optouts(customer_id,channel,source,created_at) select customer_id,'sms','sms_stop',0 from conversations where id=$CID"
nsms=$(rec_count '.path|endswith("/Messages.json")')
reply "¿Sigues ahí?"
eq "opted out of both: the reply fails" "$(q "select state||'/'||channel from messages where id=$RID")" "failed/whatsapp"
check "  saying why" bash -c "q() { sqlite3 -readonly '$DB' \"\$1\"; }; q \"select last_error from messages where id=$RID\" | grep -q 'older than 24 hours'"
eq "  and nothing was sent" "$(rec_count '.path|endswith("/Messages.json")')/$(wa_to_customer)" "$nsms/$n1"

# ---- she writes again: the window reopens ----
wa_post 34600111222 wamid.W2 "sí, aquí estoy"
reply "Perfecto, gracias."
eq "a new message from her reopens the window: WhatsApp again" "$(q "select state||'/'||channel from messages where id=$RID")" "sent/whatsapp"

# ---- the merchant has an approved reply template: after the window, still WhatsApp ----
jq '.whatsapp.reply_template = "respuesta_soporte"' "$T_DIR/settings.json" > "$T_DIR/settings-tpl.json"
check "a reply template in the WhatsApp settings" "$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/settings-tpl.json"
jq '.whatsapp.reply_template = "Respuesta Soporte"' "$T_DIR/settings.json" > "$T_DIR/settings-bad.json"
out=$("$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/settings-bad.json" 2>&1)
eq "  a name WhatsApp could not have is refused" "$?" 1
check "    saying what a name looks like" grep -q 'reply_template must be a template name' <<<"$out"
sqlite3 "$DB" "update messages set created_at=created_at-90000 where conversation_id=$CID"
console_conv
check "the console tells the agent the reply goes in the template" grep -q 'id="wa-closed">Han pasado más de 24 horas desde el último WhatsApp del cliente: tu respuesta irá en la plantilla aprobada «respuesta_soporte»' "$T_DIR/conv.html"
tpl_sent() { rec_find '.path=="/v21.0/106540352242922/messages" and (.body|fromjson|.type=="template")'; }
ntpl=$(tpl_sent | wc -l)
reply $'Hola Lucía:\n\nya salió,   mañana llega.\tGracias'
eq "after the window, with a reply template: sent by WhatsApp" "$(q "select state||'/'||channel from messages where id=$RID")" "sent/whatsapp"
eq "  one template message" "$(( $(tpl_sent | wc -l) - ntpl ))" 1
eq "  as the Cloud API documents it: name, language, body parameters (shop, reply on one line)" \
   "$(tpl_sent | tail -1 | jq -c '.body | fromjson | {messaging_product, to, type, template}')" \
   '{"messaging_product":"whatsapp","to":"34600111222","type":"template","template":{"name":"respuesta_soporte","language":{"code":"es"},"components":[{"type":"body","parameters":[{"type":"text","text":"Tienda Sol"},{"type":"text","text":"Hola Lucía: ya salió, mañana llega. Gracias"}]}]}}'
reply "$(printf 'Detalle largo. %.0s' $(seq 1 70))"
eq "a reply too long for the template (opted out of e-mail and SMS): fails" "$(q "select state from messages where id=$RID")" failed
check "  saying it is too long for the template" bash -c "sqlite3 -readonly '$DB' \"select last_error from messages where id=$RID\" | grep -q 'too long for the reply template'"
# a template WhatsApp refuses for good (deleted in WhatsApp Manager): the reply still reaches her
sqlite3 "$DB" "delete from notify_optouts where channel='email' and customer_id=(select customer_id from conversations where id=$CID)"
curl -s -o /dev/null -X POST "$REC/_control" -d '{"prefix":"/v21.0","responses":[{"status":404,"body":{"error":{"message":"(#132001) Template name does not exist in the translation","type":"OAuthException","code":132001}}}]}'
reply "Tu pedido llega mañana."
eq "a template refused for good: the reply goes by e-mail instead" "$(q "select state||'/'||channel from messages where id=$RID")" "sent/email"
check "  and reaches her mailbox" wait_for 15 bash -c "grep -l 'Tu pedido llega ma' $PF_MAIL/* 2>/dev/null | grep -q ."
check "server log has no sanitizer report" bash -c "! grep -q -e 'runtime error' -e 'Sanitizer' '$T_DIR/server.log'"
finish
