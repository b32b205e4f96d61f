#!/usr/bin/env bash
# End-to-end: customer notifications (issue 5). A real Postfix (private instance on a loopback
# port, delivering to a Maildir) receives the e-mails; Twilio, Infobip, WhatsApp and the
# merchant's webhook are a local recorder (tests/fakes/recorder.py) whose requests are checked
# against the documented wire formats (../shared/research/formats.md C1, C2, C4, C6, C7).
# Covers: planning in the write path (which messages for which events), SMTP delivery, Twilio
# SMS, signed webhooks, WhatsApp template vs session, receipts, STOP/BAJA, one-click
# unsubscribe, quiet hours, retries and fallback, garbage/timeouts, resend, preview with
# segments, bad settings refused, and kill -9 of the dispatcher.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/recorder.sh"
source "$(dirname "$0")/../lib/postfix.sh"
trap 'stop_postfix; cleanup' EXIT
HERE=$(cd "$(dirname "$0")/../.." && pwd)

command -v python3 >/dev/null || { echo "python3 missing (scripts/deps.sh test)"; exit 1; }
start_postfix || { not_ok "private postfix starts"; finish; exit 1; }
ok "private postfix instance listens on 127.0.0.1:$PF_PORT"

start_recorder || { not_ok "recorder starts"; finish; exit 1; }
script_rec() { curl -s -X POST "$REC/_control" --data-binary "$1" >/dev/null; }

DB=$T_DIR/notify.db
# no --base-url: the links the messages carry must still be this server's (its listening address)
export NO_BASE_URL=1
start_server "$DB"
KEY=$(new_merchant "Tienda Sol")
SID=AC3f9d1c2b7a8e4f6a0b5c9d8e7f6a5b4c
TOKEN=2f8a6c1e9b3d4f5a7c0e1b2d3f4a5c6e
WHSEC='whsec_OmnWCGzozlLHDfoWvqXOPjXwQEHjQ1WrLD+Mf2NpSxk='
settings() { # settings EXTRA_JSON_FIELDS
cat <<JSON
{"public_base_url":"$BASE","merchant_name":"Tienda Sol","timezone":"Europe/Madrid",
 "email":{"smtp_url":"smtp://127.0.0.1:$PF_PORT","starttls":"none","from":"Tienda Sol <avisos@tienda-sol.example.es>",
          "reply_to":"ayuda@tienda-sol.example.es"},
 "sms":{"provider":"twilio","base_url":"$REC","account_sid":"$SID","auth_token":"$TOKEN",
        "messaging_service_sid":"MG7e2a9c4b1d3f5e8a6c0b2d4f6a8c0e1b"},
 "whatsapp":{"base_url":"$REC","api_version":"v21.0","phone_number_id":"106540352242922","token":"wa-token-test",
             "app_secret":"meta-app-secret-test","verify_token":"vt-123"},
 "webhook":{"url":"$REC/webhooks/rastro","secret":"$WHSEC"},
 "triggers":{"*":["email","sms","whatsapp"],"order_confirmed":["email"],"shipped":["email","sms","whatsapp","webhook"],
             "out_for_delivery":["email","sms","whatsapp","webhook"],"delivered":["email","sms","whatsapp","webhook"]},
 "channel_order":["email","sms","whatsapp"],
 "retry":{"base_s":1,"max_delay_s":2,"max_attempts":2,"max_retry_after_s":30},
 "templates":{"es":"=== shipped.email.subject\nTu pedido {{order_ref}} de {{merchant_name}} ya está en camino con {{carrier}}: llegará muy pronto y te avisaremos de cada paso — ¡gracias por confiar en nosotros! 📦"},
 "timeout_s":2 $1}
JSON
}
settings "" > "$T_DIR/settings.json"
check "settings are accepted by rastro notify settings" "$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/settings.json"

# ---- a command missing a piece says which one (exit 2, on stderr), before touching the database ----
cli_missing() { # NAME WANT_SUBSTRING ARGS...
  local name=$1 want=$2; shift 2
  local out; out=$("$RASTRO_BIN" notify "$@" --db "$T_DIR/absent.db" 2>&1 >/dev/null); local rc=$?
  if [ $rc -eq 2 ] && printf '%s' "$out" | head -1 | grep -qF -- "$want" && [ ! -e "$T_DIR/absent.db" ]; then ok "$name"
  else not_ok "$name" "rc=$rc: $(printf '%s' "$out" | head -1)"; fi
}
cli_missing "rastro notify list without --order names --order" "give --order REF" list --merchant 1
cli_missing "rastro notify list without --merchant names --merchant" "give --merchant ID" list --order A-1
cli_missing "rastro notify preview without --channel names --channel" "give --channel" preview --merchant 1 --order A-1 --trigger shipped
cli_missing "rastro notify resend without an id asks for it" "give the NOTIFICATION_ID" resend --merchant 1
cli_missing "rastro notify settings without a file asks for it" "give the settings file" settings --merchant 1
cli_missing "rastro notify with a misspelt verb says so" "'lsit' is not a notify command" lsit --merchant 1

# ---- bad settings are refused at configuration time ----
bad_settings() { # NAME JSON WANT_SUBSTRING
  printf '%s' "$2" > "$T_DIR/bad.json"
  local out; out=$("$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/bad.json" 2>&1); local rc=$?
  if [ $rc -ne 0 ] && printf '%s' "$out" | grep -qF -- "$3"; then ok "$1"; else not_ok "$1" "rc=$rc: $out"; fi
}
bad_settings "unknown trigger refused" '{"triggers":{"shiped":["email"]}}' 'unknown trigger "shiped"'
bad_settings "channel without provider refused" '{"triggers":{"shipped":["sms"]}}' 'uses sms but no sms provider'
bad_settings "bad Twilio SID refused" '{"sms":{"provider":"twilio","account_sid":"XX1","auth_token":"t","from":"+34911"}}' 'account_sid'
bad_settings "bad SMTP URL refused" '{"email":{"smtp_url":"http://x","from":"a@b.es"}}' 'email.smtp_url'
bad_settings "bad from address refused" '{"email":{"smtp_url":"smtp://x:25","from":"nobody"}}' 'email.from'
bad_settings "from address with a line break refused (it would add a header to every e-mail)" '{"email":{"smtp_url":"smtp://x:25","from":"avisos@t.es>\nBcc: x@y.es"}}' 'email.from'
bad_settings "unknown time zone refused" '{"timezone":"Mars/Olympus"}' 'IANA time zone'
bad_settings "broken template refused, naming the line" '{"templates":{"es":"=== shipped.sms.text\nHola {{frist_name}}\n"}}' "line 2: unknown variable 'frist_name'"
bad_settings "bad webhook secret refused" '{"webhook":{"url":"https://x.es/h","secret":"abc"}}' 'whsec_'
bad_settings "webhook secret of 66 bytes (over the 64 the key holds) refused" '{"webhook":{"url":"https://x.es/h","secret":"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BB"}}' '24 to 64 random bytes'
bad_settings "not JSON refused" '{"email":' 'not valid JSON'
bad_settings "a variable that is empty unless the carrier names it, used bare, is refused" \
  '{"templates":{"es":"=== available_for_pickup.email.text\nRecógelo en {{pickup_point}} antes del {{pickup_deadline}}\n"}}' \
  'templates.es: available_for_pickup.email.text uses {{pickup_point}} bare, but it is empty whenever the carrier does not say it'
printf '%s' '{"templates":{"es":"=== available_for_pickup.sms.text\nTu pedido {{order_ref}} te espera{{#pickup_point}} en {{pickup_point}}{{/pickup_point}}: {{tracking_url}}\n"}}' > "$T_DIR/pickup_ok.json"
check "  inside its own section it is accepted" "$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/pickup_ok.json"
bad_settings "  the pickup reminder's texts too: bare, refused" \
  '{"templates":{"en":"=== pickup_reminder.push.body\nCollect it at {{pickup_point}} by {{pickup_deadline}}\n"}}' \
  'templates.en: pickup_reminder.push.body uses {{pickup_point}} bare'
printf '%s' '{"triggers":{"pickup_reminder":[]},"templates":{"en":"=== pickup_reminder.sms.text\nLast day{{#pickup_deadline}} ({{pickup_deadline}}){{/pickup_deadline}} to collect {{order_ref}}{{#pickup_point}} at {{pickup_point}}{{/pickup_point}}\n"}}' > "$T_DIR/pickup_rem.json"
check "  inside its sections accepted, and the merchant may turn the reminder off" "$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/pickup_rem.json"
"$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/settings.json" >/dev/null
# a push message is one encrypted record (~4 KB): a template that can render longer is refused when saved
LONGPUSH=$(printf '{{tracking_url}} {{promise_text}} %.0s' 1 2 3 4 5 6 7 8)
bad_settings "a push body that can outgrow a push message is refused when saved, naming trigger and field" \
  '{"templates":{"en":"=== promise_slipped.push.body\n'"$LONGPUSH"'\n"}}' 'templates.en: promise_slipped.push.body is too long'
KEY=$KEY api PUT /v1/notifications/settings '{"templates":{"es":"=== shipped.push.title\n'"$LONGPUSH"'\n"}}'
eq "  PUT settings: 422 naming the trigger and the field" "$STATUS/$(jqr .error.code)/$(jqr '.error.message|startswith("templates.es: shipped.push.title is too long")')" "422/invalid_settings/true"
printf '%s' '{"templates":{"es":"=== shipped.push.body\nHola {{first_name}}: tu pedido {{order_ref}} de {{merchant_name}} ya va de camino con {{carrier}} ({{tracking_number}}). Llega {{promise_text}}. Siguelo en {{tracking_url}}\n"}}' > "$T_DIR/push_ok.json"
check "  a push body with every usual variable still fits and is accepted" "$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/push_ok.json"
"$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/settings.json" >/dev/null
KEY=$KEY api PUT /v1/notifications/settings '{"cap":{"count":-1}}'
eq "PUT settings with a bad value: 422 naming the field" "$STATUS/$(jqr .error.code)/$(jqr .error.message)" "422/invalid_settings/cap.count must be a whole number from 0 to 1000"
KEY=$KEY api GET /v1/notifications/settings
eq "GET settings hides credentials" "$(jqr .sms.auth_token)/$(jqr .sms.account_sid)" "***/$SID"
# a merchant edits what GET showed and PUTs it back: the "***" placeholders keep the stored secrets
SHOWN=$(printf '%s' "$BODY_OUT" | jq -c '.timeout_s=3')
KEY=$KEY api PUT /v1/notifications/settings "$SHOWN"
eq "PUT of the settings as GET shows them: 200, the change is saved" "$STATUS/$(jqr .timeout_s)/$(jqr .sms.auth_token)" "200/3/***"
eq "  and every stored secret is kept, not replaced by ***" \
   "$(sqlite3 "$DB" "select json_extract(config,'\$.sms.auth_token')||'|'||json_extract(config,'\$.webhook.secret')||'|'||json_extract(config,'\$.whatsapp.app_secret')||'|'||json_extract(config,'\$.timeout_s') from notify_settings where merchant_id=1")" \
   "$TOKEN|$WHSEC|meta-app-secret-test|3"
KEY=$KEY api PUT /v1/notifications/settings "$(printf '%s' "$SHOWN" | jq -c '.sms.api_key="***"|.sms.provider="infobip"|.sms.base_url="https://x.api.infobip.com"|.sms.sender="Sol"|del(.sms.account_sid,.sms.auth_token,.sms.messaging_service_sid)')"
eq "  a *** where no secret is stored: 422 naming the field" "$STATUS/$(jqr .error.code)/$(jqr '.error.message|startswith("sms.api_key is \"***\"")')" "422/invalid_settings/true"
"$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/settings.json" >/dev/null

now=$(date -u +%s)
ts() { date -u -d "@$(( now - $1 ))" +%Y-%m-%dT%H:%M:%SZ; }
ev() { printf '{"carrier":"correos","tracking_number":"%s","occurred_at":"%s","status":"%s"%s}' "$1" "$(ts "$2")" "$3" "${4:-}"; }

# settings an earlier release saved keep working after the upgrade, even those that a save now
# refuses (here a bare {{pickup_point}}): the checks are for saving, not for reading them back
jq -c '.templates.es += "\n=== available_for_pickup.sms.text\nRecógelo en {{pickup_point}}\n"' "$T_DIR/settings.json" > "$T_DIR/legacy.json"
sqlite3 "$DB" "update notify_settings set config=CAST(readfile('$T_DIR/legacy.json') AS TEXT) where merchant_id=1"
eq "  stored settings with a template a save now refuses are in place" \
   "$(sqlite3 "$DB" "select instr(config,'{{pickup_point}}')>0 from notify_settings where merchant_id=1")" 1

# ---- a realistic sequence: email customer ----
KEY=$KEY api POST /v1/orders '{"order_ref":"7315","placed_at":"'"$(ts 7200)"'","customer":{"name":"Javier Martín","email":"javier.martin@example.es","phone":"+34612345678","locale":"es","preferred_channel":"email"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
CODE=$(jqr .tracking_code)
KEY=$KEY api POST /v1/shipments '{"order_ref":"7315","carrier":"correos","tracking_number":"PQ4F1B07"}'
KEY=$KEY api POST /v1/events "[$(ev PQ4F1B07 3600 info_received),$(ev PQ4F1B07 3000 in_transit ',"substatus":"picked_up"'),$(ev PQ4F1B07 2400 in_transit),$(ev PQ4F1B07 1800 in_transit ',"message":"En centro de tratamiento"'),$(ev PQ4F1B07 600 out_for_delivery)]"
eq "events accepted" "$(jqr .accepted)" 5
notif() { KEY=$KEY api GET "/v1/orders/$1/notifications"; }
all_final() { notif "$1"; [ "$(jqr '[.notifications[]|select(.state=="queued" or .state=="sending")]|length')" = 0 ]; }
check "the dispatcher in serve sends everything planned" wait_for 20 all_final 7315
notif 7315
eq "planned for the email customer: confirmed, shipped (+webhook), out for delivery (+webhook); no message per scan" \
   "$(jqr '[.notifications[]|"\(.trigger):\(.channel)"]|join(",")')" \
   "order_confirmed:email,shipped:email,shipped:webhook,out_for_delivery:email,out_for_delivery:webhook"
eq "all sent" "$(jqr '[.notifications[].state]|unique|join(",")')" "sent"
eq "fallback order recorded" "$(jqr '.notifications[1].channels|join(",")')" "email,sms,whatsapp"
eq "attempts log records one send" "$(jqr '.notifications[0].attempts_log|length')/$(jqr '.notifications[0].attempts_log[0].result')" "1/sent"

# ---- the mail that arrived ----
check "three e-mails arrive in the Maildir" wait_for 10 bash -c "[ \$(find '$PF_MAIL' -type f | wc -l) -ge 3 ]"
cat > "$T_DIR/mail.py" <<'PY'
import email, email.policy, glob, json, re, sys
out = []
for p in sorted(glob.glob(sys.argv[1] + "/*")):
    raw = open(p, "rb").read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    parts = {pt.get_content_type(): pt.get_content() for pt in m.walk() if not pt.is_multipart()}
    out.append({"to": str(m["To"]), "from": str(m["From"]), "subject": str(m["Subject"]),
                "lu": str(m["List-Unsubscribe"] or ""), "lup": str(m["List-Unsubscribe-Post"] or ""),
                "lang": str(m["Content-Language"] or ""), "ctype": m.get_content_type(),
                "text": parts.get("text/plain", ""), "html": parts.get("text/html", ""),
                "crlf": True,
                "hdrmax": max(len(l) for l in re.split(rb"\r?\n", re.split(rb"\r?\n\r?\n", raw, 1)[0])),
                "id": str(m["X-Rastro-Notification"] or ""), "mid": str(m["Message-ID"] or "")})
print(json.dumps(out, ensure_ascii=False))
PY
MAILS=$(python3 "$T_DIR/mail.py" "$PF_MAIL")
mj() { printf '%s' "$MAILS" | jq -r "$1"; }
eq "all three to Javier, named with an encoded word" "$(mj '[.[].to]|unique|join(",")')" "Javier Martín <javier.martin@example.es>"
eq "from the merchant" "$(mj '.[0].from')" "Tienda Sol <avisos@tienda-sol.example.es>"
eq "a subject of 150 characters arrives whole, folded into header lines of at most 78" \
   "$(mj '[.[]|select(.subject|test("confiar"))][0].subject')/$(mj '[.[].hdrmax]|max <= 78')" \
   "Tu pedido 7315 de Tienda Sol ya está en camino con Correos: llegará muy pronto y te avisaremos de cada paso — ¡gracias por confiar en nosotros! 📦/true"
eq "multipart/alternative" "$(mj '[.[].ctype]|unique|join(",")')" "multipart/alternative"
check "subjects are Spanish and name the order" bash -c "printf '%s' '$(mj '[.[].subject]|join("|")')' | grep -q 7315"
SUBJ_OFD=$(mj '[.[]|select(.text|test("reparto"))][0].subject')
check "out-for-delivery mail in Spanish (reparto)" test -n "$SUBJ_OFD"
eq "Content-Language es" "$(mj '[.[].lang]|unique|join(",")')" es
eq "the carrier is named as customers know it (Correos), not by its slug" \
  "$(mj '[.[].text|test("Correos")]|any')/$(mj '[.[].text,.[].html|test("[(]correos[)]|con correos|with correos")]|any')" "true/false"
check "text part has the tracking link" bash -c "printf '%s' '$(mj '.[0].text')' | grep -qF '$BASE/t/$CODE'"
check "HTML part links the tracking page" bash -c "printf '%s' '$(mj '.[0].html' | tr -d "'")' | grep -qF 'href=\"$BASE/t/$CODE\"'"
check "List-Unsubscribe is a one-click URL of this server" bash -c "printf '%s' '$(mj '.[0].lu')' | grep -qE '^<$BASE/u/[0-9a-f]{32}>$'"
eq "List-Unsubscribe-Post one-click" "$(mj '[.[].lup]|unique|join(",")')" "List-Unsubscribe=One-Click"
eq "no SMS was sent to an email customer" "$(rec_count '.path|test("Messages.json")')" 0

# ---- the merchant webhook, Standard Webhooks signature ----
WH=$(rec_find '.path=="/webhooks/rastro"' | head -1)
eq "webhooks: shipped and out_for_delivery" "$(rec_find '.path=="/webhooks/rastro"' | jq -r '.body|fromjson|.type' | sort | tr '\n' ,)" "shipment.out_for_delivery,shipment.shipped,"
cat > "$T_DIR/whcheck.py" <<'PY'
import base64, hashlib, hmac, json, sys
rec = json.loads(sys.stdin.read()); h = rec["headers"]
key = base64.b64decode(sys.argv[1][len("whsec_"):])
msg = (h["webhook-id"] + "." + h["webhook-timestamp"] + "." + rec["body"]).encode()
want = "v1," + base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
print("ok" if want == h["webhook-signature"] and h["content-type"] == "application/json" else "bad " + want + " " + h["webhook-signature"])
PY
eq "webhook signature verifies (HMAC-SHA256 of id.timestamp.body)" "$(printf '%s' "$WH" | python3 "$T_DIR/whcheck.py" "$WHSEC")" ok
eq "webhook headers" "$(printf '%s' "$WH" | jq -r '"\(.headers["webhook-id"]|test("^msg_[0-9]+$"))/\(.headers["user-agent"])"')" "true/Rastro-Webhooks/1.0"
check "webhook timestamp is now (±60 s)" bash -c "t=$(printf '%s' "$WH" | jq -r '.headers["webhook-timestamp"]'); [ \$(( \$t - $(date +%s) )) -le 60 ] && [ \$(( $(date +%s) - \$t )) -le 60 ]"
eq "webhook data" "$(printf '%s' "$WH" | jq -r '.body|fromjson|"\(.data.order_ref)/\(.data.tracking_code)/\(.data.carrier)/\(.data.tracking_number)"')" "7315/$CODE/correos/PQ4F1B07"
eq "webhook occurred_at is when each event happened (shipped: the first scan in transit), not the shipment's latest status" \
   "$(rec_find '.path=="/webhooks/rastro"' | jq -r '.body|fromjson|"\(.type)=\(.data.occurred_at)"' | sort | tr '\n' ,)" \
   "shipment.out_for_delivery=$(ts 600),shipment.shipped=$(ts 3000),"

# ---- SMS customer through Twilio ----
KEY=$KEY api POST /v1/orders '{"order_ref":"8001","placed_at":"'"$(ts 7200)"'","customer":{"name":"Ann Lee","email":"ann@example.com","phone":"+34 600 111 222","locale":"en","preferred_channel":"sms"},"destination":{"postal_code":"08001","city":"Barcelona","country":"ES"}}'
KEY=$KEY api POST /v1/shipments '{"order_ref":"8001","carrier":"correos","tracking_number":"SMS1"}'
# Twilio takes 0.5 s to answer: "shipped" and "out for delivery", planned together and claimed in
# one batch, must still reach the customer in that order (the second waits for the first's answer)
script_rec '{"prefix":"/2010-04-01/Accounts/'"$SID"'","responses":[{"delay":0.5,"repeat":true}]}'
KEY=$KEY api POST /v1/events "[$(ev SMS1 3000 in_transit),$(ev SMS1 600 out_for_delivery)]"
check "SMS notifications sent" wait_for 20 all_final 8001
script_rec '{"prefix":"/2010-04-01/Accounts/'"$SID"'","responses":[]}'
notif 8001
SHIP_N=$(jqr '[.notifications[]|select(.trigger=="shipped" and .channel=="sms")][0].id')
OFD_N=$(jqr '[.notifications[]|select(.trigger=="out_for_delivery" and .channel=="sms")][0].id')
at_of() { rec_find '.path=="/2010-04-01/Accounts/'"$SID"'/Messages.json" and (.body|test("n%3D'"$1"'($|&)"))' | jq -r .at | head -1; }
check "one order's two SMS in one batch: 'out for delivery' goes only after 'shipped' was answered" \
  python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if b - a >= 0.45 else 1)" \
  "$(at_of "$SHIP_N")" "$(at_of "$OFD_N")"
notif 8001
eq "the SMS customer: confirmed by email (trigger is email-only), the rest by SMS" \
   "$(jqr '[.notifications[]|select(.channel!="webhook")|"\(.trigger):\(.channel):\(.state)"]|join(",")')" \
   "order_confirmed:email:sent,shipped:sms:sent,out_for_delivery:sms:sent"
TW=$(rec_find '.path|test("Messages.json")' | tail -1)
eq "Twilio path" "$(printf '%s' "$TW" | jq -r .path)" "/2010-04-01/Accounts/$SID/Messages.json"
eq "Twilio Basic auth is AccountSid:AuthToken (as in the fixture)" "$(printf '%s' "$TW" | jq -r .headers.authorization)" \
   "$(sed -n 's/^Authorization: \(.*\)\r$/\1/p' "$HERE/../shared/fixtures/twilio-send-request.txt" 2>/dev/null || echo "Basic $(printf '%s:%s' $SID $TOKEN | base64 -w0)")"
eq "Twilio form content type" "$(printf '%s' "$TW" | jq -r '.headers["content-type"]')" "application/x-www-form-urlencoded"
eq "Twilio fields in the documented order" "$(printf '%s' "$TW" | jq -r '.body|split("&")|map(split("=")[0])|join(",")')" "To,MessagingServiceSid,Body,StatusCallback,ValidityPeriod"
form() { printf '%s' "$TW" | jq -r '.body' | python3 -c "import sys,urllib.parse; print(urllib.parse.parse_qs(sys.stdin.read())['$1'][0])"; }
eq "To in E.164" "$(form To)" "+34600111222"
check "Body is English and has the tracking link" bash -c "printf '%s' '$(form Body)' | grep -qF 'your order 8001 arrives today' && printf '%s' '$(form Body)' | grep -qF '/t/'"
NID=$(jqr '[.notifications[]|select(.trigger=="out_for_delivery" and .channel=="sms")][0].id')
eq "StatusCallback names the notification" "$(form StatusCallback)" "$BASE/hooks/twilio/status/1?n=$NID"
SMSID=$(jqr '[.notifications[]|select(.trigger=="out_for_delivery")][0].provider_id')
check "provider id is Twilio's sid" bash -c "[[ '$SMSID' == SM* ]]"

# ---- Twilio status callback (signed) ----
twsig() { # URL FORMBODY → X-Twilio-Signature
  python3 - "$1" "$2" "$TOKEN" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
url, body, tok = sys.argv[1:4]
pairs = sorted(urllib.parse.parse_qsl(body, keep_blank_values=True))
s = url + "".join(k + v for k, v in pairs)
print(base64.b64encode(hmac.new(tok.encode(), s.encode(), hashlib.sha1).digest()).decode())
PY
}
CB="MessageSid=$SMSID&MessageStatus=delivered&SmsStatus=delivered&AccountSid=$SID&To=%2B34600111222&ApiVersion=2010-04-01"
CBURL="$BASE/hooks/twilio/status/1?n=$NID"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-Twilio-Signature: AAAA$(twsig "$CBURL" "$CB" | cut -c5-)x" -H 'Content-Type: application/x-www-form-urlencoded' --data "$CB" "$CBURL")
eq "status callback with a bad signature: 403" "$STATUS" 403
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-Twilio-Signature: $(twsig "$CBURL" "$CB")" -H 'Content-Type: application/x-www-form-urlencoded' --data "$CB" "$CBURL")
eq "signed status callback: 200" "$STATUS" 200
notif 8001
eq "delivery receipt moves the SMS to delivered" "$(jqr '[.notifications[]|select(.id=='"$NID"')][0].state')" delivered
CB2="MessageSid=$SMSID&MessageStatus=sent&AccountSid=$SID"
curl -s -o /dev/null -X POST -H "X-Twilio-Signature: $(twsig "$CBURL" "$CB2")" --data "$CB2" "$CBURL"
notif 8001
eq "a late 'sent' callback does not move it back" "$(jqr '[.notifications[]|select(.id=='"$NID"')][0].state')" delivered

# ---- STOP / BAJA by SMS ----
IN="From=%2B34600111222&To=%2B34911234567&Body=BAJA&AccountSid=$SID&SmsStatus=received"
INURL="$BASE/hooks/twilio/sms/1"
BODY_OUT=$(curl -s -X POST -H "X-Twilio-Signature: $(twsig "$INURL" "$IN")" --data "$IN" "$INURL")
eq "inbound BAJA answered with empty TwiML" "$BODY_OUT" "<Response/>"
n_before=$(rec_count '.path|test("Messages.json")')
KEY=$KEY api POST /v1/events "$(ev SMS1 60 delivered)"
check "after BAJA the delivered notice is settled" wait_for 20 all_final 8001
notif 8001
eq "after BAJA: no SMS, the fallback channel (email) carries the delivered notice" \
   "$(jqr '[.notifications[]|select(.trigger=="delivered" and .channel!="webhook")][0]|"\(.channel):\(.state)"')" "email:sent"
eq "no new Twilio request after BAJA" "$(rec_count '.path|test("Messages.json")')" "$n_before"
# the customer changes their mind: ALTA (or START, what Twilio's own opt-out lifts on) by SMS
# opts the number back in, and is not a conversation either
sms_optouts() { sqlite3 -readonly "$DB" "select count(*) from notify_optouts o join customers c on c.id=o.customer_id where c.phone='+34600111222' and o.channel='sms'"; }
eq "  the number is opted out of SMS" "$(sms_optouts)" 1
IN="From=%2B34600111222&To=%2B34911234567&Body=%20Alta%21&AccountSid=$SID&SmsStatus=received"
BODY_OUT=$(curl -s -X POST -H "X-Twilio-Signature: $(twsig "$INURL" "$IN")" --data "$IN" "$INURL")
eq "inbound 'Alta!' answered with empty TwiML, and the number gets SMS again" "$BODY_OUT/$(sms_optouts)" "<Response/>/0"
eq "  it is not a conversation message (the customer's words are not recorded as a question)" \
   "$(sqlite3 -readonly "$DB" "select count(*) from messages where direction='in' and lower(body) like '%alta%'")" 0
# she is told it worked, once, by SMS, in her language (Ann's is English, whatever word she
# used; Twilio does not know ALTA, so the confirmation is ours)
optin_acks() { sqlite3 -readonly "$DB" "select count(*) from messages m join conversations c on c.id=m.conversation_id where c.phone='$1' and m.direction='out' and m.author='bot' and m.body like '%$2%'"; }
optin_sms() { rec_count '(.path|test("Messages.json")) and (.body|test("To=%2B34600111222")) and (.body|test("you%20will%20get%20updates"))'; }
optin_sms_sent() { [ "$(optin_sms)" -ge 1 ]; }
check "  ALTA is confirmed by SMS, in her language (English)" wait_for 20 optin_sms_sent
eq "  one confirmation, recorded as the bot's reply in her conversation" \
   "$(optin_sms)/$(optin_acks +34600111222 'Tienda Sol: you will get updates about your orders on this channel again. To stop them, reply STOP.')" "1/1"
IN="From=%2B34600111222&To=%2B34911234567&Body=ALTA&AccountSid=$SID&SmsStatus=received"
curl -s -o /dev/null -X POST -H "X-Twilio-Signature: $(twsig "$INURL" "$IN")" --data "$IN" "$INURL"
IN="From=%2B34600111222&To=%2B34911234567&Body=STOP&AccountSid=$SID&SmsStatus=received"
curl -s -o /dev/null -X POST -H "X-Twilio-Signature: $(twsig "$INURL" "$IN")" --data "$IN" "$INURL"
IN="From=%2B34600111222&To=%2B34911234567&Body=start&AccountSid=$SID&SmsStatus=received"
curl -s -o /dev/null -X POST -H "X-Twilio-Signature: $(twsig "$INURL" "$IN")" --data "$IN" "$INURL"
eq "  STOP then START: opted in again" "$(sms_optouts)" 0
eq "  ALTA while subscribed, and Twilio's own START (Twilio answers it): no second confirmation" \
   "$(optin_acks +34600111222 'you will get updates')" 1
eq "  and the number's own opt-out (kept for records made later) is lifted too" \
   "$(sqlite3 -readonly "$DB" "select count(*) from notify_suppressed where channel='sms'")" 0
# a STOP from a number no customer has yet holds for the customer record made later with it
IN="From=%2B34600555444&To=%2B34911234567&Body=STOP&AccountSid=$SID&SmsStatus=received"
curl -s -o /dev/null -X POST -H "X-Twilio-Signature: $(twsig "$INURL" "$IN")" --data "$IN" "$INURL"
eq "a STOP from a number no customer has is kept, as a one-way key, not the number" \
   "$(sqlite3 -readonly "$DB" "select count(*)||'/'||sum(instr(addr_key,'600555444')) from notify_suppressed where channel='sms'")" "1/0"
KEY=$KEY api POST /v1/orders '{"order_ref":"STOPPED-1","placed_at":"2026-01-10T10:00:00+01:00","customer":{"name":"Nuria","phone":"+34600555444","preferred_channel":"sms"},"destination":{"country":"ES"}}'
eq "  an order made later with that number: its customer starts opted out of SMS" \
   "$STATUS/$(sqlite3 -readonly "$DB" "select o.channel||':'||o.source from notify_optouts o join customers c on c.id=o.customer_id where c.phone='+34600555444'")" "201/sms:sms_stop"

# ---- one-click unsubscribe (RFC 8058) ----
UNSUB=$(mj '[.[]|select(.to|test("javier"))][0].lu' | sed 's/^<\(.*\)>$/\1/')
STATUS=$(curl -s -o "$T_DIR/u.html" -w '%{http_code}' "$UNSUB")
eq "GET of the unsubscribe link shows a page, changes nothing" "$STATUS" 200
check "  in Javier's language (the e-mail's), saying what each button does, for a phone screen" \
  bash -c "grep -q '<html lang=\"es\">' '$T_DIR/u.html' && grep -q 'quieres dejar de recibir' '$T_DIR/u.html' && grep -q '<button name=\"scope\" value=\"email\">Dejar de recibir e-mails</button>' '$T_DIR/u.html' && grep -q 'name=\"viewport\"' '$T_DIR/u.html'"
check "  offering to stop every channel, not only e-mail, and saying before the click that browser notifications stop too" \
  grep -q '<button name="scope" value="all">Dejar de recibir todos los avisos (e-mail, SMS, WhatsApp y notificaciones del navegador)</button>' "$T_DIR/u.html"
check "  in English when asked" bash -c "curl -s '$UNSUB?lang=en' | grep -q '<button name=\"scope\" value=\"all\">Stop all updates (e-mail, SMS, WhatsApp and browser notifications)</button>'"
check "  headed by the shop's name (which shop's messages these are), with a link back to the order" \
  bash -c "grep -q '<p class=\"brand\">Tienda Sol</p>' '$T_DIR/u.html' && grep -qF '<a href=\"/t/$CODE?lang=es\">Ver el seguimiento de mi pedido</a>' '$T_DIR/u.html'"
KEY=$KEY api PUT /v1/branding '{"display_name":"Sol & <Luna>"}' >/dev/null
curl -s -o "$T_DIR/u-en.html" "$UNSUB?lang=en"
check "  the tracking page's display name when the shop set one, as text; the link in English" \
  bash -c "grep -q '<p class=\"brand\">Sol &amp; &lt;Luna&gt;</p>' '$T_DIR/u-en.html' && grep -qF '<a href=\"/t/$CODE?lang=en\">See my order' '$T_DIR/u-en.html'"
KEY=$KEY api PUT /v1/branding '{}' >/dev/null
# another process holds the database's write lock (a backup, a maintenance command): the customer
# reads a page in their language, the mail client's one-click POST a 503 with Retry-After
# (.timeout: the dispatcher's own short writes may hold the lock when the locker starts; it waits
# for them, and the test goes on only once the lock is held)
command sqlite3 -cmd ".timeout 5000" "$DB" "BEGIN IMMEDIATE; UPDATE merchants SET name=name;" \
  ".shell touch '$T_DIR/locked'" ".shell sleep 12" "COMMIT;" > "$T_DIR/locker.out" 2>&1 &
LOCKER=$!
check "another process holds the write lock" wait_for 10 test -e "$T_DIR/locked"
curl -s -o "$T_DIR/u-busy.html" -D "$T_DIR/u-busy.h" -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data 'List-Unsubscribe=One-Click' "$UNSUB"
wait "$LOCKER"
eq "one-click POST while the database is locked: 503 with Retry-After" \
  "$(tr -d '\r' < "$T_DIR/u-busy.h" | sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p')/$(tr -d '\r' < "$T_DIR/u-busy.h" | sed -n 's/^Retry-After: //Ip')" "503/1"
check "  a page the customer can read, saying nothing changed, not JSON" \
  bash -c "grep -q '<html lang=\"es\">' '$T_DIR/u-busy.html' && grep -q 'no se ha cambiado nada' '$T_DIR/u-busy.html'"
STATUS=$(curl -s -o "$T_DIR/u2.html" -w '%{http_code}' -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data 'List-Unsubscribe=One-Click' "$UNSUB")
eq "one-click POST: 200" "$STATUS" 200
check "  the confirmation is a page in Spanish" grep -q 'Ya no te enviaremos estos avisos por e-mail' "$T_DIR/u2.html"
STATUS=$(curl -s -o "$T_DIR/u3.html" -w '%{http_code}' -X POST --data 'List-Unsubscribe=One-Click' "$BASE/u/ffffffffffffffffffffffffffffffff")
eq "unknown token: 404" "$STATUS" 404
check "  a page the customer can read, not JSON" grep -q 'Enlace de baja no v' "$T_DIR/u3.html"
STATUS=$(curl -s -o "$T_DIR/u4.html" -w '%{http_code}' -H 'Accept-Language: en-GB,en;q=0.9' "$BASE/u/ffffffffffffffffffffffffffffffff")
eq "  GET of an unknown link: 404 page, in the browser's language" "$STATUS/$(grep -c 'Unknown unsubscribe link' "$T_DIR/u4.html")" "404/1"
# an order without a customer: a visitor gave their e-mail on the tracking page; its one-click
# link must stop those e-mails too (there is no customer to opt out: the contact row goes)
KEY=$KEY api POST /v1/orders '{"order_ref":"7399","placed_at":"'"$(ts 3600)"'","destination":{"country":"ES"}}'
CODE99=$(jqr .tracking_code)
curl -s -o /dev/null -X POST --data "channel=email&contact=ana.visita%40example.es&action=start" "$BASE/t/$CODE99/updates"
KEY=$KEY api POST /v1/shipments '{"order_ref":"7399","carrier":"correos","tracking_number":"PQ4F1B99"}'
KEY=$KEY api POST /v1/events "$(ev PQ4F1B99 600 in_transit)"
O99="(select id from orders where order_ref='7399')"
TOK99=$(sqlite3 -readonly "$DB" "select unsub_token from outbox where order_id=$O99 and channel='email' limit 1")
eq "  an order without a customer: the visitor's address gets e-mails, with an unsubscribe link" \
   "$(sqlite3 -readonly "$DB" "select count(*) from notify_contacts where order_id=$O99")/${#TOK99}" "1/32"
STATUS=$(curl -s -o "$T_DIR/u99.html" -w '%{http_code}' -X POST --data 'List-Unsubscribe=One-Click' "$BASE/u/$TOK99")
eq "  its one-click POST confirms and really stops them (the address is no longer the order's contact)" \
   "$STATUS/$(grep -c 'Baja confirmada' "$T_DIR/u99.html")/$(sqlite3 -readonly "$DB" "select count(*) from notify_contacts where order_id=$O99")" "200/1/0"
# without a customer, stopping reaches that order's contacts only: the page must not promise
# "todos tus pedidos en esta tienda" (a next order followed with the same address still writes)
check "  its page says the choice is for this order, not for all their orders" \
  bash -c "grep -q 'Vale para este pedido.' '$T_DIR/u99.html' && ! grep -q 'todos tus pedidos' '$T_DIR/u99.html'"
curl -s -o "$T_DIR/u99b.html" -X POST --data 'List-Unsubscribe=One-Click&scope=all' "$BASE/u/$TOK99?lang=en"
check "  'stop all' confirms it for this order (English)" \
  bash -c "grep -q 'updates about this order by any channel' '$T_DIR/u99b.html' && ! grep -q 'your orders' '$T_DIR/u99b.html'"
KEY=$KEY api POST /v1/events "$(ev PQ4F1B07 30 delivered)"
check "delivered to Javier settled" wait_for 20 all_final 7315
notif 7315
eq "after one-click unsubscribe the email customer gets the delivered notice by SMS" \
   "$(jqr '[.notifications[]|select(.trigger=="delivered" and .channel!="webhook")][0]|"\(.channel):\(.state)"')" "sms:sent"
check "  the confirmation says SMS, WhatsApp and browser notifications still come, and offers to stop them too" \
  bash -c "grep -q 'Los SMS, los mensajes de WhatsApp y las notificaciones del navegador siguen' '$T_DIR/u2.html' && grep -q 'value=\"all\"' '$T_DIR/u2.html' && ! grep -q 'value=\"email\"' '$T_DIR/u2.html'"
# "stop all": every channel of the customer, so a later notice reaches them by none
STATUS=$(curl -s -o "$T_DIR/u5.html" -w '%{http_code}' -X POST --data 'List-Unsubscribe=One-Click&scope=all' "$UNSUB?lang=es")
eq "unsubscribe page, 'stop all': 200" "$STATUS" 200
check "  the confirmation names every channel" grep -q 'ni e-mail, ni SMS, ni WhatsApp' "$T_DIR/u5.html"
check "  and leads back to the order's tracking page, where updates can be asked for again" \
  bash -c "grep -q '<p class=\"brand\">Tienda Sol</p>' '$T_DIR/u5.html' && grep -q 'volver a pedir avisos' '$T_DIR/u5.html' && grep -qF 'href=\"/t/$CODE?lang=es\"' '$T_DIR/u5.html'"
JAVIER=$(sqlite3 -readonly "$DB" "select customer_id from orders where order_ref='7315'")
eq "  Javier is opted out of every channel" "$(sqlite3 -readonly "$DB" "select group_concat(channel,',') from (select channel from notify_optouts where customer_id=$JAVIER order by channel)")" "email,push,sms,whatsapp"
n_all=$(ls "$REC_DIR" | wc -l)
KEY=$KEY api POST /v1/orders '{"order_ref":"7316","placed_at":"'"$(ts 3600)"'","customer":{"name":"Javier Martín","email":"javier.martin@example.es","phone":"+34612345678","locale":"es","preferred_channel":"email"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
KEY=$KEY api POST /v1/shipments '{"order_ref":"7316","carrier":"correos","tracking_number":"PQ4F1B08"}'
KEY=$KEY api POST /v1/events "$(ev PQ4F1B08 600 in_transit)"
check "his next order's notices settle" wait_for 20 all_final 7316
notif 7316
eq "  the shipped notice is suppressed: he asked for no messages at all" \
   "$(jqr '[.notifications[]|select(.trigger=="shipped" and .channel!="webhook")][0]|"\(.state):\(.reason)"')" "suppressed:no_consent"
eq "  and no SMS or WhatsApp request went out (only the merchant's webhook)" \
   "$(for f in $(ls "$REC_DIR" | tail -n +$((n_all + 1))); do jq -r .path "$REC_DIR/$f"; done | grep -vc '^/webhooks/')" "0"

# ---- WhatsApp: template outside the 24-hour window, session text inside ----
KEY=$KEY api POST /v1/orders '{"order_ref":"9001","placed_at":"'"$(ts 7200)"'","customer":{"name":"Lucía","phone":"+34699000111","locale":"es","preferred_channel":"whatsapp"},"destination":{"country":"ES"}}'
KEY=$KEY api POST /v1/shipments '{"order_ref":"9001","carrier":"correos","tracking_number":"WA1"}'
KEY=$KEY api POST /v1/events "$(ev WA1 600 in_transit)"
check "WhatsApp shipped notice settled" wait_for 20 all_final 9001
WA=$(rec_find '.path|test("/messages$")' | tail -1)
eq "WhatsApp Cloud API path" "$(printf '%s' "$WA" | jq -r .path)" "/v21.0/106540352242922/messages"
eq "Bearer token" "$(printf '%s' "$WA" | jq -r .headers.authorization)" "Bearer wa-token-test"
eq "outside the window: a template in Spanish" "$(printf '%s' "$WA" | jq -r '.body|fromjson|"\(.messaging_product)/\(.recipient_type)/\(.to)/\(.type)/\(.template.language.code)/\(.template.components[0].type)"')" "whatsapp/individual/34699000111/template/es/body"
check "template has a name and text parameters" bash -c "printf '%s' '$WA' | jq -e '.body|fromjson|(.template.name|length>0) and ([.template.components[0].parameters[].type]|all(.==\"text\"))'"
# Lucía writes first (signed webhook) → the window opens
WAIN='{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","messages":[{"from":"34699000111","id":"wamid.IN1","timestamp":"'"$(date +%s)"'","type":"text","text":{"body":"hola, dónde está?"}}]}}]}]}'
wasig() { printf '%s' "$1" | openssl dgst -sha256 -hmac meta-app-secret-test | sed 's/^.*= //'; }
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "X-Hub-Signature-256: sha256=0000$(wasig "$WAIN" | cut -c5-)" --data-binary "$WAIN" "$BASE/hooks/whatsapp/1")
eq "WhatsApp webhook with a bad signature: 403" "$STATUS" 403
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "X-Hub-Signature-256: sha256=$(wasig "$WAIN")" --data-binary "$WAIN" "$BASE/hooks/whatsapp/1")
eq "signed inbound WhatsApp message: 200" "$STATUS" 200
KEY=$KEY api POST /v1/events "$(ev WA1 300 out_for_delivery)"
check "WhatsApp out-for-delivery settled" wait_for 20 all_final 9001
WA=$(rec_find '.path|test("/messages$")' | tail -1)
eq "inside the window: session text" "$(printf '%s' "$WA" | jq -r '.body|fromjson|"\(.type)/\(.text.preview_url)/\(.text.body|test("reparto"))"')" "text/true/true"
WAID=$(KEY=$KEY api GET /v1/orders/9001/notifications; jqr '[.notifications[]|select(.trigger=="out_for_delivery")][0].provider_id')
WAST='{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"statuses":[{"id":"'"$WAID"'","status":"read","timestamp":"1764162352","recipient_id":"34699000111"}]}}]}]}'
curl -s -o /dev/null -X POST -H "X-Hub-Signature-256: sha256=$(wasig "$WAST")" --data-binary "$WAST" "$BASE/hooks/whatsapp/1"
notif 9001
eq "WhatsApp status 'read' marks it delivered" "$(jqr '[.notifications[]|select(.trigger=="out_for_delivery")][0].state')" delivered
STATUS=$(curl -s -w '%{http_code}' -o "$T_DIR/ch" "$BASE/hooks/whatsapp/1?hub.mode=subscribe&hub.verify_token=vt-123&hub.challenge=4242")
eq "WhatsApp webhook verification echoes the challenge" "$STATUS/$(cat "$T_DIR/ch")" "200/4242"
WASTOP='{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"from":"34699000111","id":"wamid.IN2","timestamp":"'"$(date +%s)"'","type":"text","text":{"body":"STOP"}}]}}]}]}'
curl -s -o /dev/null -X POST -H "X-Hub-Signature-256: sha256=$(wasig "$WASTOP")" --data-binary "$WASTOP" "$BASE/hooks/whatsapp/1"
n_wa=$(rec_count '.path|test("/messages$")')
KEY=$KEY api POST /v1/events "$(ev WA1 60 delivered)"
check "after WhatsApp STOP the delivered notice is settled" wait_for 20 all_final 9001
notif 9001
eq "after STOP by WhatsApp: SMS instead (her fallback), no WhatsApp request" \
   "$(jqr '[.notifications[]|select(.trigger=="delivered" and .channel!="webhook")][0]|"\(.channel):\(.state)"')/$(rec_count '.path|test("/messages$")')" "sms:sent/$n_wa"
wa_optouts() { sqlite3 -readonly "$DB" "select count(*) from notify_optouts o join customers c on c.id=o.customer_id where c.phone='+34699000111' and o.channel='whatsapp'"; }
eq "  she is opted out of WhatsApp" "$(wa_optouts)" 1
WASTART='{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"from":"34699000111","id":"wamid.IN3","timestamp":"'"$(date +%s)"'","type":"text","text":{"body":"START"}}]}}]}]}'
curl -s -o /dev/null -X POST -H "X-Hub-Signature-256: sha256=$(wasig "$WASTART")" --data-binary "$WASTART" "$BASE/hooks/whatsapp/1"
eq "START by WhatsApp lifts her WhatsApp opt-out" "$(wa_optouts)" 0
optin_wa() { rec_count '(.path|test("/messages$")) and (.body|fromjson|.to=="34699000111" and .type=="text" and (.text.body|test("vuelves a recibir los avisos de tus pedidos por este canal")))'; }
optin_wa_sent() { [ "$(optin_wa)" -ge 1 ]; }
check "  and she is told so on WhatsApp, in Spanish, as a session text (her START opened the window)" \
  wait_for 20 optin_wa_sent
curl -s -o /dev/null -X POST -H "X-Hub-Signature-256: sha256=$(wasig "$WASTART")" --data-binary "$WASTART" "$BASE/hooks/whatsapp/1"
eq "  Meta delivering her START again: still one confirmation" "$(optin_acks +34699000111 'vuelves a recibir')" 1

# ---- failures: 500s then fallback; 429 with Retry-After; garbage; timeout ----
script_rec '{"prefix":"/2010-04-01","responses":[{"status":500},{"status":503}]}'
KEY=$KEY api POST /v1/orders '{"order_ref":"F-1","placed_at":"'"$(ts 7200)"'","customer":{"name":"Eva","email":"eva@example.org","phone":"+34611000001","locale":"es","preferred_channel":"sms"},"destination":{"country":"ES"}}'
KEY=$KEY api POST /v1/shipments '{"order_ref":"F-1","carrier":"correos","tracking_number":"F1"}'
KEY=$KEY api POST /v1/events "$(ev F1 600 in_transit)"
check "failing SMS settles" wait_for 30 all_final F-1
notif F-1
SH='[.notifications[]|select(.trigger=="shipped" and .channel!="webhook")][0]'
eq "after two 5xx answers the next channel (email) delivers" "$(jqr "$SH|\"\(.channel):\(.state)\"")" "email:sent"
eq "attempts log: retry, next_channel, sent" "$(jqr "$SH|[.attempts_log[].result]|join(\",\")")" "retry,next_channel,sent"
eq "the failure reason is recorded" "$(jqr "$SH|.attempts_log[0].http_status")/$(jqr "$SH|.attempts_log[0].error|test(\"HTTP 500\")")" "500/true"
check "the e-mail of the fallback reached the Maildir" wait_for 10 bash -c "grep -l 'eva@example.org' '$PF_MAIL'/* | grep -q ."

# the merchant's endpoint answers 404 while their ERP is being deployed: retried, not dropped
script_rec '{"prefix":"/webhooks","responses":[{"status":404,"body":{"error":"not found"}}]}'
KEY=$KEY api POST /v1/orders '{"order_ref":"W-1","placed_at":"'"$(ts 7200)"'","customer":{"name":"Ana","email":"ana.w@example.org","locale":"es"},"destination":{"country":"ES"}}'
KEY=$KEY api POST /v1/shipments '{"order_ref":"W-1","carrier":"correos","tracking_number":"W1"}'
KEY=$KEY api POST /v1/events "$(ev W1 600 in_transit)"
check "a webhook answered 404 settles" wait_for 30 all_final W-1
notif W-1
WHR='[.notifications[]|select(.channel=="webhook")][0]'
eq "  a 4xx from the merchant's endpoint is retried like a 5xx (it is their server, not a refusal of the message)" \
   "$(jqr "$WHR|\"\(.state):\([.attempts_log[]|\"\(.result)\(.http_status // \"\")\"]|join(\",\"))\"")" "sent:retry404,sent200"
script_rec '{"prefix":"/webhooks","responses":[]}'

script_rec '{"prefix":"/2010-04-01","responses":[{"garbage":true},{"delay":4}]}'
KEY=$KEY api POST /v1/events "$(ev F1 300 out_for_delivery)"
check "garbage and timeout settle" wait_for 40 all_final F-1
notif F-1
OF='[.notifications[]|select(.trigger=="out_for_delivery" and .channel!="webhook")][0]'
eq "garbage answer then timeout: both recorded, then email" "$(jqr "$OF|[.attempts_log[]|.result]|join(\",\")")/$(jqr "$OF|.channel")" "retry,next_channel,sent/email"
check "  the garbage is named" bash -c "printf '%s' '$(jqr "$OF|.attempts_log[0].error" | tr -d "'")' | grep -q 'without a message sid'"
check "  the timeout is named" bash -c "printf '%s' '$(jqr "$OF|.attempts_log[1].error" | tr -d "'")' | grep -qi 'timed out\|timeout'"

script_rec '{"prefix":"/2010-04-01","responses":[{"status":400,"body":{"code":21211,"message":"The To number is not a valid phone number."}}]}'
KEY=$KEY api POST /v1/events "$(ev F1 100 delivered)"
check "a permanent refusal settles" wait_for 20 all_final F-1
notif F-1
DL='[.notifications[]|select(.trigger=="delivered" and .channel!="webhook")][0]'
eq "a 4xx refusal moves to the next channel at once (no retry of the same)" "$(jqr "$DL|[.attempts_log[]|.result]|join(\",\")")/$(jqr "$DL|.attempts_log[0].error|test(\"21211\")")" "next_channel,sent/true"

# Twilio 21610: the number replied STOP to the sender at Twilio (maybe before Rastro saw it). It
# is an opt-out of SMS like a STOP we receive: recorded, so later messages skip SMS at once
script_rec '{"prefix":"/2010-04-01","responses":[{"status":400,"body":{"code":21610,"message":"Attempt to send to unsubscribed recipient","more_info":"https://www.twilio.com/docs/errors/21610","status":400}}]}'
KEY=$KEY api POST /v1/orders '{"order_ref":"OPT-1","placed_at":"'"$(ts 7200)"'","customer":{"name":"Iria","email":"iria@example.org","phone":"+34611000021","locale":"es","preferred_channel":"sms"},"destination":{"country":"ES"}}'
KEY=$KEY api POST /v1/shipments '{"order_ref":"OPT-1","carrier":"correos","tracking_number":"OPT1"}'
KEY=$KEY api POST /v1/events "$(ev OPT1 600 in_transit)"
check "a Twilio 21610 refusal settles" wait_for 20 all_final OPT-1
notif OPT-1
OP='[.notifications[]|select(.trigger=="shipped" and .channel!="webhook")][0]'
eq "Twilio 21610: the next channel (email) delivers" "$(jqr "$OP|[.attempts_log[]|.result]|join(\",\")")/$(jqr "$OP|.channel"):$(jqr "$OP|.state")" "next_channel,sent/email:sent"
eq "  recorded as her opt-out of SMS (source twilio_21610)" \
   "$(sqlite3 -readonly "$DB" "select group_concat(channel||':'||source) from notify_optouts where customer_id=(select customer_id from orders where order_ref='OPT-1')")" "sms:twilio_21610"
n_opt=$(rec_count '.path|test("Messages.json$")')
KEY=$KEY api POST /v1/events "$(ev OPT1 300 out_for_delivery)"
check "  the next notice settles" wait_for 20 all_final OPT-1
notif OPT-1
OP='[.notifications[]|select(.trigger=="out_for_delivery" and .channel!="webhook")][0]'
eq "  the next notice skips SMS: e-mail at once, no request to Twilio" \
   "$(jqr "$OP|[.attempts_log[]|.result]|join(\",\")")/$(jqr "$OP|.channel"):$(jqr "$OP|.state")/$(rec_count '.path|test("Messages.json$")')" "sent/email:sent/$n_opt"

# a 429 whose Retry-After is an HTTP-date (RFC 9110 allows either form): read like the seconds
# form; an hour away is longer than max_retry_after_s (30), so the next channel goes at once
RA_DATE=$(LC_ALL=C date -u -d "@$(( $(date -u +%s) + 3600 ))" '+%a, %d %b %Y %H:%M:%S GMT')
script_rec '{"prefix":"/2010-04-01","responses":[{"status":429,"headers":{"Retry-After":"'"$RA_DATE"'"},"body":{"code":20429,"message":"Too Many Requests","status":429}}]}'
KEY=$KEY api POST /v1/orders '{"order_ref":"RA-1","placed_at":"'"$(ts 7200)"'","customer":{"name":"Alba","email":"alba@example.org","phone":"+34611000031","locale":"es","preferred_channel":"sms"},"destination":{"country":"ES"}}'
KEY=$KEY api POST /v1/shipments '{"order_ref":"RA-1","carrier":"correos","tracking_number":"RA1"}'
KEY=$KEY api POST /v1/events "$(ev RA1 600 in_transit)"
check "a 429 with an HTTP-date Retry-After settles" wait_for 20 all_final RA-1
notif RA-1
RA='[.notifications[]|select(.trigger=="shipped" and .channel!="webhook")][0]'
eq "Retry-After as an HTTP-date an hour away: not retried in seconds, the next channel at once" \
   "$(jqr "$RA|[.attempts_log[]|.result]|join(\",\")")/$(jqr "$RA|.channel"):$(jqr "$RA|.state")" "next_channel,sent/email:sent"

# WhatsApp Cloud API rate limits come as HTTP 400 with a code (130429 throughput, 131056 pair
# rate limit): "not now", so the same channel is retried later, not failed over as a bad number
script_rec '{"prefix":"/v21.0","responses":[{"status":400,"body":{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"error_data":{"messaging_product":"whatsapp","details":"Cloud API message throughput has been reached."}}}}]}'
KEY=$KEY api POST /v1/orders '{"order_ref":"RL-1","placed_at":"'"$(ts 7200)"'","customer":{"name":"Olga","email":"olga@example.org","phone":"+34699000222","locale":"es","preferred_channel":"whatsapp"},"destination":{"country":"ES"}}'
KEY=$KEY api POST /v1/shipments '{"order_ref":"RL-1","carrier":"correos","tracking_number":"RL1"}'
KEY=$KEY api POST /v1/events "$(ev RL1 600 in_transit)"
check "a WhatsApp rate limit settles" wait_for 30 all_final RL-1
notif RL-1
RL='[.notifications[]|select(.trigger=="shipped" and .channel!="webhook")][0]'
eq "WhatsApp 400 with code 130429: retried on WhatsApp, then sent there" "$(jqr "$RL|[.attempts_log[]|.result]|join(\",\")")/$(jqr "$RL|.channel"):$(jqr "$RL|.state")" "retry,sent/whatsapp:sent"
check "  the rate limit is named" bash -c "printf '%s' '$(jqr "$RL|.attempts_log[0].error" | tr -d "'")' | grep -q '130429'"
script_rec '{"prefix":"/v21.0","responses":[{"status":400,"body":{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056}}}]}'
KEY=$KEY api POST /v1/events "$(ev RL1 100 delivered)"
check "a WhatsApp pair rate limit settles" wait_for 30 all_final RL-1
notif RL-1
RL='[.notifications[]|select(.trigger=="delivered" and .channel!="webhook")][0]'
eq "WhatsApp 400 with code 131056: retried on WhatsApp, then sent there" "$(jqr "$RL|[.attempts_log[]|.result]|join(\",\")")/$(jqr "$RL|.channel"):$(jqr "$RL|.state")" "retry,sent/whatsapp:sent"
script_rec '{"prefix":"/v21.0","responses":[]}'

# ---- a provider reports the message undelivered: the next channel carries it ----
KEY=$KEY api POST /v1/orders '{"order_ref":"UD-1","placed_at":"'"$(ts 7200)"'","customer":{"name":"Rut","email":"rut@example.org","phone":"+34611000009","locale":"es","preferred_channel":"sms"},"destination":{"country":"ES"}}'
KEY=$KEY api POST /v1/shipments '{"order_ref":"UD-1","carrier":"correos","tracking_number":"UD1"}'
KEY=$KEY api POST /v1/events "$(ev UD1 600 in_transit)"
check "an SMS accepted by Twilio settles" wait_for 20 all_final UD-1
notif UD-1
UD='[.notifications[]|select(.trigger=="shipped" and .channel!="webhook")][0]'
UDSID=$(jqr "$UD|.provider_id"); UDID=$(jqr "$UD|.id")
eq "  sent by SMS" "$(jqr "$UD|\"\(.channel):\(.state)\"")" "sms:sent"
CB="MessageSid=$UDSID&MessageStatus=undelivered&ErrorCode=30003&AccountSid=$SID"
CBURL="$BASE/hooks/twilio/status/1?n=$UDID"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-Twilio-Signature: $(twsig "$CBURL" "$CB")" --data "$CB" "$CBURL")
eq "Twilio reports it undelivered (30003, phone unreachable): 200" "$STATUS" 200
check "  the notice settles again" wait_for 20 all_final UD-1
notif UD-1
eq "  the customer gets it by e-mail, the next channel, instead of never" "$(jqr "$UD|\"\(.channel):\(.state)\"")/$(jqr "$UD|[.attempts_log[]|.result]|join(\",\")")" "email:sent/sent,next_channel,sent"
check "  the attempts log says why" bash -c "printf '%s' '$(jqr "$UD|.attempts_log[1].error" | tr -d "'")' | grep -q 'undelivered: Twilio error 30003'"
check "  the e-mail reached the Maildir" wait_for 10 bash -c "grep -l 'rut@example.org' '$PF_MAIL'/* | grep -q ."

# ---- quiet hours defer non-urgent messages ----
H=$(TZ=Europe/Madrid date +%H); H=${H#0}
QS=$(printf '%02d:00' $(( (H + 23) % 24 ))); QE=$(printf '%02d:00' $(( (H + 2) % 24 )))
KEY2=$(new_merchant "Tienda Luna")
settings ',"quiet_hours":{"start":"'"$QS"'","end":"'"$QE"'"}' > "$T_DIR/s2.json"
"$RASTRO_BIN" notify settings --merchant 2 --db "$DB" "$T_DIR/s2.json" >/dev/null
KEY=$KEY2 api POST /v1/orders '{"order_ref":"Q-1","placed_at":"'"$(ts 100)"'","customer":{"name":"Noa","email":"noa@example.org","locale":"es"},"destination":{"country":"ES"}}'
KEY=$KEY2 api POST /v1/shipments '{"order_ref":"Q-1","carrier":"correos","tracking_number":"Q1"}'
KEY=$KEY2 api POST /v1/events "[$(ev Q1 200 in_transit),$(ev Q1 100 out_for_delivery)]"
sleep 2
KEY=$KEY2 api GET /v1/orders/Q-1/notifications
eq "inside quiet hours: order_confirmed and shipped deferred" "$(jqr '[.notifications[]|select(.channel=="email" and .deferred)|.trigger]|join(",")')" "order_confirmed,shipped"
eq "  still queued" "$(jqr '[.notifications[]|select(.deferred)|.state]|unique|join(",")')" queued
WANT_END=$(TZ=Europe/Madrid date -d "today $QE" +%s); [ "$WANT_END" -le "$(date +%s)" ] && WANT_END=$(TZ=Europe/Madrid date -d "tomorrow $QE" +%s)
eq "  until the end of quiet hours ($QE Madrid)" "$(jqr '[.notifications[]|select(.deferred)][0].next_attempt_at')" "$(date -u -d "@$WANT_END" +%Y-%m-%dT%H:%M:%SZ)"
eq "out_for_delivery is urgent: sent now" "$(jqr '[.notifications[]|select(.trigger=="out_for_delivery" and .channel=="email")][0]|"\(.deferred)/\(.state)"')" "false/sent"
# a message that comes due inside quiet hours all the same (a backlog after the dispatcher was
# down, a retry, a fallback channel) is not sent at night: it waits again for their end
QID=$(jqr '[.notifications[]|select(.trigger=="shipped" and .channel=="email")][0].id')
sqlite3 "$DB" "update outbox set next_attempt_at=$(date +%s) where id=$QID"
qlog() { KEY=$KEY2 api GET /v1/orders/Q-1/notifications; [ "$(jqr "[.notifications[]|select(.id==$QID)][0].attempts_log|length")" -ge 1 ]; }
check "a deferred message due again inside quiet hours is looked at by the dispatcher" wait_for 10 qlog
eq "  and put back, not sent: queued until $QE Madrid, logged as deferred, no attempt counted" \
   "$(jqr "[.notifications[]|select(.id==$QID)][0]|\"\(.state)/\(.next_attempt_at)/\([.attempts_log[].result]|join(\",\"))/\(.attempts)\"")" \
   "queued/$(date -u -d "@$WANT_END" +%Y-%m-%dT%H:%M:%SZ)/deferred/0"
check "  no e-mail reached Noa" bash -c "! grep -l 'noa@example.org' '$PF_MAIL'/* 2>/dev/null | xargs -r grep -l 'en camino' | grep -q ."
# quiet hours are the customer's (docs/notifications.md#the-customers-time-zone): an order to
# Colombia (one zone) without customer.timezone is read in Bogotá, six or seven hours behind Madrid
# (winter, summer), outside these three hours around Madrid's now
KEY=$KEY2 api POST /v1/orders '{"order_ref":"Q-CO","placed_at":"'"$(ts 100)"'","customer":{"email":"co@example.org","locale":"es"},"destination":{"city":"Bogotá","country":"CO"}}'
sleep 2
KEY=$KEY2 api GET /v1/orders/Q-CO/notifications
eq "an order to Bogotá without customer.timezone: Madrid's quiet hours are not Bogotá's, its confirmation is not deferred" \
   "$(jqr '[.notifications[]|select(.channel=="email")][0].deferred')" false
# a cancelled shipment is not notified about: its queued messages are suppressed, the order's stay
KEY=$KEY2 api DELETE /v1/shipments/correos/Q1
KEY=$KEY2 api GET /v1/orders/Q-1/notifications
eq "cancelling the shipment suppresses its queued messages, not the order's" \
   "$(jqr '[.notifications[]|select(.trigger=="shipped" and .deferred)|"\(.state):\(.reason)"]|unique|join(",")')/$(jqr '[.notifications[]|select(.trigger=="order_confirmed" and .deferred)|.state]|unique|join(",")')" \
   "suppressed:shipment_cancelled/queued"

# ---- resend ----
notif 7315
eq "a notification to an opted-out channel fails with the reason" "$(KEY=$KEY api POST "/v1/notifications/$(jqr '.notifications[0].id')/resend"; sleep 1.5; notif 7315; jqr '.notifications[-1]|"\(.state)/\(.last_error)"')" "failed/the customer opted out of email"
notif 8001
RID=$(jqr '.notifications[0].id')
before=$(mail_count)
KEY=$KEY api POST "/v1/notifications/$RID/resend"
eq "resend: 202 with a new id" "$STATUS/$(jqr .resend_of)/$(jqr .state)" "202/$RID/queued"
NEWID=$(jqr .id)
check "the resent e-mail arrives" wait_for 20 bash -c "[ \$(find '$PF_MAIL' -type f | wc -l) -gt $before ]"
check "  and is recorded as sent" wait_for 10 all_final 8001
notif 8001
eq "  listed with resend_of" "$(jqr "[.notifications[]|select(.id==$NEWID)][0]|\"\(.resend_of)/\(.state)\"")" "$RID/sent"
KEY=$KEY2 api POST "/v1/notifications/$RID/resend"
eq "another merchant cannot resend it: 404" "$STATUS" 404
KEY=$KEY api POST "/v1/notifications/abc/resend"
eq "a bad id: 400" "$STATUS" 400

# ---- preview ----
KEY=$KEY api POST /v1/notifications/preview '{"order_ref":"7315","trigger":"out_for_delivery","channel":"sms","locale":"es"}'
eq "preview SMS: 200" "$STATUS" 200
PB=$(jqr .body)
WANT=$(printf '%s' "$PB" | python3 -c '
import sys
t = sys.stdin.read()
basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'"'"'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
ext = "^{}\\[~]|€\f"
if all(c in basic or c in ext for c in t):
    n = sum(2 if c in ext else 1 for c in t); enc = "GSM-7"; seg = 1 if n <= 160 else -(-n // 153)
else:
    n = sum(2 if ord(c) > 0xFFFF else 1 for c in t); enc = "UCS-2"; seg = 1 if n <= 70 else -(-n // 67)
print(enc + "/" + str(seg))')
eq "preview encoding and segments match an independent count" "$(jqr .encoding)/$(jqr .segments)" "$WANT"
check "preview SMS is Spanish with the tracking link" bash -c "printf '%s' '$PB' | grep -q 'tu pedido 7315 llega hoy' && printf '%s' '$PB' | grep -qF '/t/$CODE'"
KEY=$KEY api POST /v1/notifications/preview '{"order_ref":"7315","trigger":"shipped","channel":"email","locale":"en"}'
eq "preview email in English" "$STATUS/$(jqr '.subject|test("7315")')/$(jqr '.html|test("<html")')/$(jqr .language)" "200/true/true/en"
KEY=$KEY api POST /v1/notifications/preview '{"order_ref":"7315","trigger":"shipped","channel":"email","locale":"fr"}'
eq "preview with an unknown locale: 422" "$STATUS/$(jqr .error.code)" "422/invalid_field"
KEY=$KEY api POST /v1/notifications/preview '{"order_ref":"7315","trigger":"teleported","channel":"email"}'
eq "preview with an unknown trigger: 422" "$STATUS" 422
KEY=$KEY api POST /v1/notifications/preview '{"order_ref":"nope","trigger":"shipped","channel":"email"}'
eq "preview of an unknown order: 404" "$STATUS" 404
out=$("$RASTRO_BIN" notify preview --merchant 1 --db "$DB" --order 7315 --trigger out_for_delivery --channel sms --locale es)
check "rastro notify preview prints encoding and segments" bash -c "printf '%s' '$out' | grep -q '^segments: [0-9]' && printf '%s' '$out' | grep -q '^encoding: '"
out=$("$RASTRO_BIN" notify preview --merchant 1 --db "$DB" --order 7315 --trigger shipped --channel email --locale es)
check "rastro notify preview of an e-mail shows its HTML part too (what most customers read)" \
  bash -c "printf '%s' \"\$1\" | grep -q '^--- HTML part ---' && printf '%s' \"\$1\" | grep -qF 'href=\"$BASE/t/$CODE\"'" _ "$out"
out=$("$RASTRO_BIN" notify preview --merchant 1 --db "$DB" --order 7315 --trigger shipped --channel whatsapp --locale es)
check "rastro notify preview of WhatsApp lists the approved template's parameters (sent outside the 24 h window)" \
  bash -c "printf '%s' \"\$1\" | grep -q '^template: rastro_shipped_v1' && printf '%s' \"\$1\" | grep -q '^parameter 2: 7315$'" _ "$out"

# ---- Infobip SMS (another merchant) ----
KEY3=$(new_merchant "Tienda Mar")
cat > "$T_DIR/s3.json" <<JSON
{"public_base_url":"$BASE","sms":{"provider":"infobip","base_url":"$REC","api_key":"ib-key-test","sender":"TiendaMar"},
 "webhook":{"url":"$REC/webhooks/mar","secret":"$WHSEC"},"triggers":{"*":["sms"],"available_for_pickup":["sms","webhook"]}}
JSON
"$RASTRO_BIN" notify settings --merchant 3 --db "$DB" "$T_DIR/s3.json" >/dev/null
KEY=$KEY3 api POST /v1/orders '{"order_ref":"IB-1","placed_at":"'"$(ts 100)"'","customer":{"name":"Pau","phone":"+34612345678","locale":"es"},"destination":{"country":"ES"}}'
notif_ib() { KEY=$KEY3 api GET /v1/orders/IB-1/notifications; [ "$(jqr '.notifications[0].state')" = sent ]; }
check "Infobip SMS sent" wait_for 20 notif_ib
IB=$(rec_find '.path=="/sms/3/messages"' | tail -1)
eq "Infobip auth header" "$(printf '%s' "$IB" | jq -r .headers.authorization)" "App ib-key-test"
eq "Infobip body shape (sender, destinations[to without +, messageId], content.text, webhooks)" \
   "$(printf '%s' "$IB" | jq -r '.body|fromjson|.messages[0]|"\(keys_unsorted|join(","))/\(.sender)/\(.destinations[0].to)/\(.destinations[0].messageId|test("^ntf-[0-9]+-[0-9a-f]{16}$"))/\(.content.text|length>0)/\(.webhooks.contentType)/\(.webhooks.callbackData==.destinations[0].messageId)"')" \
   "sender,destinations,content,webhooks/TiendaMar/34612345678/true/true/application/json/true"
IBID=$(printf '%s' "$IB" | jq -r '.body|fromjson|.messages[0].destinations[0].messageId')
# Infobip does not sign reports: one forged with the row's number alone (the id's guessable part)
# must change nothing, or anyone could mark a message failed and have it sent again elsewhere
FORGED=$(printf '{"results":[{"messageId":"ntf-%s","callbackData":"ntf-%s","status":{"groupId":5,"groupName":"UNDELIVERABLE","id":9,"name":"UNDELIVERABLE_NOT_DELIVERED"}}]}' "$(cut -d- -f2 <<<"$IBID")" "$(cut -d- -f2 <<<"$IBID")")
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary "$FORGED" "$BASE/hooks/infobip/3"
KEY=$KEY3 api GET /v1/orders/IB-1/notifications
eq "a report naming only the row's number (ntf-<id>) changes nothing" "$(jqr '.notifications[0].state')" sent
DLR=$(jq -c --arg id "$IBID" '.results[0].messageId=$id | .results[0].callbackData=$id' "$HERE/../shared/fixtures/infobip-sms-dlr.json" 2>/dev/null ||
      printf '{"results":[{"messageId":"%s","status":{"groupId":3,"groupName":"DELIVERED","id":5,"name":"DELIVERED_TO_HANDSET"}}]}' "$IBID")
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary "$DLR" "$BASE/hooks/infobip/3"
KEY=$KEY3 api GET /v1/orders/IB-1/notifications
eq "Infobip delivery report marks it delivered" "$(jqr '.notifications[0].state')" delivered
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary "$DLR" "$BASE/hooks/infobip/1"
KEY=$KEY3 api GET /v1/orders/IB-1/notifications
eq "a report sent to another merchant's URL changes nothing" "$(jqr '.notifications[0].delivered_at != null')" true

# ---- ready for pickup: the SMS names the point and the last day the carrier's scan gave ----
KEY=$KEY3 api POST /v1/shipments '{"order_ref":"IB-1","carrier":"correos","tracking_number":"IBPK1"}'
KEY=$KEY3 api POST /v1/events "$(ev IBPK1 600 available_for_pickup ',"pickup":{"name":"Oficina Correos Sol","address":"Calle Mayor 12, Madrid","deadline":"2030-01-10"}')"
ib_pickup() { [ "$(rec_count '.path=="/sms/3/messages" and (.body|test("Oficina Correos Sol"))')" = 1 ]; }
check "the pickup SMS was sent, naming the point" wait_for 20 ib_pickup
IBT=$(rec_find '.path=="/sms/3/messages" and (.body|test("Oficina Correos Sol"))' | jq -r '.body|fromjson|.messages[0].content.text')
check "  and the last day, in the customer's Spanish ('Tienes hasta el jueves 10 de enero')" \
  bash -c "printf '%s' \"\$1\" | grep -qF 'te espera en Oficina Correos Sol. Tienes hasta el jueves 10 de enero.'" _ "$IBT"
mar_hook() { [ "$(rec_count '.path=="/webhooks/mar"')" = 1 ]; }
check "  the shop's webhook (shipment.available_for_pickup) carries the point" wait_for 20 mar_hook
eq "  as name, address and deadline" "$(rec_find '.path=="/webhooks/mar"' | jq -c '.body|fromjson|[.type,.data.pickup]')" \
  '["shipment.available_for_pickup",{"name":"Oficina Correos Sol","address":"Calle Mayor 12, Madrid","deadline":"2030-01-10"}]'
KEY=$KEY3 api POST /v1/notifications/preview '{"order_ref":"IB-1","trigger":"available_for_pickup","channel":"email","locale":"en"}'
check "  the preview shows the real point, not a sample" \
  bash -c "[ '$(jqr '.text|contains("Oficina Correos Sol (Calle Mayor 12, Madrid)")')/$(jqr '(.sample // [])|index("pickup_point")')' = true/null ]"
KEY=$KEY api POST /v1/notifications/preview '{"order_ref":"7315","trigger":"available_for_pickup","channel":"sms","locale":"es"}'
eq "  an order whose scans name no point: a sample one, said to be a sample" \
  "$(jqr '.body|contains("Oficina de Correos Madrid Centro")')/$(jqr '.sample|index("pickup_point") != null')" "true/true"
# a Saturday: "sábado" is the one Spanish weekday outside GSM-7 (its á made the whole SMS UCS-2,
# three parts); the SMS says the day without weekdays, the e-mail keeps it
KEY=$KEY3 api POST /v1/orders '{"order_ref":"IB-2","placed_at":"'"$(ts 100)"'","customer":{"name":"Pau","phone":"+34612345678","email":"pau@example.es","locale":"es"},"destination":{"country":"ES"}}'
KEY=$KEY3 api POST /v1/shipments '{"order_ref":"IB-2","carrier":"correos","tracking_number":"IBPK2"}'
KEY=$KEY3 api POST /v1/events "$(ev IBPK2 600 available_for_pickup ',"pickup":{"name":"Kiosko Luna","deadline":"2030-01-12"}')"
ib_sat() { [ "$(rec_count '.path=="/sms/3/messages" and (.body|test("Kiosko Luna"))')" = 1 ]; }
check "a pickup SMS with a Saturday deadline was sent" wait_for 20 ib_sat
IBT=$(rec_find '.path=="/sms/3/messages" and (.body|test("Kiosko Luna"))' | jq -r '.body|fromjson|.messages[0].content.text')
check "  it says 'Tienes hasta el 12 de enero', no 'sábado'" \
  bash -c "printf '%s' \"\$1\" | grep -qF 'te espera en Kiosko Luna. Tienes hasta el 12 de enero.'" _ "$IBT"
KEY=$KEY3 api POST /v1/notifications/preview '{"order_ref":"IB-2","trigger":"pickup_reminder","channel":"sms","locale":"es"}'
eq "  the reminder too: one GSM-7 part" "$(jqr .encoding)/$(jqr .segments)/$(jqr '.body|contains("hasta el 12 de enero o se devuelve")')" "GSM-7/1/true"
KEY=$KEY3 api POST /v1/notifications/preview '{"order_ref":"IB-2","trigger":"available_for_pickup","channel":"email","locale":"es"}'
eq "  the e-mail keeps the weekday" "$(jqr '.text|contains("hasta el sábado 12 de enero")')" true

# ---- peak: a long queue against a provider that takes 200 ms to answer (Twilio, Meta do) ----
# The batch's HTTP sends go out together (libcurl multi): 40 SMS with the default dispatcher (2
# threads, batch 16) take well under the 40 x 200 ms / 2 threads = 4 s of sending them one by one.
KEY4=$(new_merchant "Tienda Pico")
SID4=AC0a1b2c3d4e5f60718293a4b5c6d7e8f9
cat > "$T_DIR/s4.json" <<JSON
{"public_base_url":"$BASE","sms":{"provider":"twilio","base_url":"$REC","account_sid":"$SID4","auth_token":"$TOKEN",
 "from":"+34911000111"},"whatsapp":{"base_url":"$REC","api_version":"v21.0","phone_number_id":"4004004004","token":"wa-4",
 "app_secret":"meta-app-secret-4","verify_token":"vt-4"},"triggers":{"*":["sms"]},"timeout_s":5}
JSON
"$RASTRO_BIN" notify settings --merchant 4 --db "$DB" "$T_DIR/s4.json" >/dev/null
KEY=$KEY4 api POST /v1/orders '{"order_ref":"PK-1","placed_at":"'"$(ts 100)"'","customer":{"name":"Eva","phone":"+34600999888","locale":"es"},"destination":{"country":"ES"}}'
pk_final() { [ "$(sqlite3 "$DB" "select count(*) from outbox where merchant_id=4 and state in ('queued','sending')")" = 0 ]; }
wait_for 20 pk_final
script_rec '{"prefix":"/2010-04-01/Accounts/'"$SID4"'","responses":[{"delay":0.2,"repeat":true}]}'
t0=$(date +%s%N)
sqlite3 "$DB" "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 40)
  INSERT INTO outbox(merchant_id,order_id,customer_id,trigger,channels,channel,locale,state,next_attempt_at,idem_key,created_at,updated_at)
  SELECT merchant_id,order_id,customer_id,trigger,channels,channel,locale,'queued',0,idem_key||':peak'||i,created_at,updated_at
  FROM outbox, c WHERE merchant_id=4 AND idem_key NOT LIKE '%:peak%'"
wait_for 20 pk_final
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
eq "40 SMS at 200 ms each: all sent" "$(sqlite3 "$DB" "select count(*) from outbox where merchant_id=4 and idem_key like '%:peak%' and state='sent'")" 40
check "  in well under the 4 s of sending them one at a time (took $ms ms)" test "$ms" -lt 3000
eq "  each sent exactly once (one request per row)" \
   "$(rec_find '.path|startswith("/2010-04-01/Accounts/'"$SID4"'")' | jq -r '.body' | grep -o 'n%3D[0-9]*' | sort | uniq -c | awk '$1!=1' | wc -l)/$(rec_count '.path|startswith("/2010-04-01/Accounts/'"$SID4"'")')" "0/41"
eq "  every row has its own Twilio sid" "$(sqlite3 "$DB" "select count(distinct provider_id) from outbox where merchant_id=4 and state='sent'")" 41
script_rec '{"prefix":"/2010-04-01/Accounts/'"$SID4"'","responses":[]}'

# ---- no public_base_url and no --base-url: the messages link the server's listening address ----
KF=$(new_merchant "Tienda Faro")
SIDF=AC5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e
printf '{"sms":{"provider":"twilio","base_url":"%s","account_sid":"%s","auth_token":"%s","from":"+34911000222"},"triggers":{"*":["sms"]}}' \
  "$REC" "$SIDF" "$TOKEN" > "$T_DIR/sf.json"
"$RASTRO_BIN" notify settings --merchant 5 --db "$DB" "$T_DIR/sf.json" >/dev/null
KEY=$KF api POST /v1/orders '{"order_ref":"F-1","placed_at":"'"$(ts 100)"'","customer":{"name":"Iker","phone":"+34600111333","locale":"es"},"destination":{"country":"ES"}}'
CODEF=$(jqr .tracking_code)
faro_sent() { [ -n "$(rec_find '.path|startswith("/2010-04-01/Accounts/'"$SIDF"'")')" ]; }
check "an SMS of a shop without public_base_url, from a server without --base-url, is sent" wait_for 20 faro_sent
eq "  its link is this server's tracking page (the listening address), not another port's" \
   "$(rec_find '.path|startswith("/2010-04-01/Accounts/'"$SIDF"'")' | head -1 | jq -r .body |
      python3 -c 'import sys, urllib.parse; print(urllib.parse.parse_qs(sys.stdin.read())["Body"][0])' | grep -cF "$BASE/t/$CODEF")" 1

stop_server
check "server log has no sanitizer report" bash -c "! grep -q -e 'runtime error' -e 'Sanitizer' '$T_DIR/server.log'"

# ---- peak: a provider's rate limit holds the rest of the batch for that account or number ----
# One thread with a batch of 64: 16 requests in flight; the first answer is a 429 asking to wait
# 60 s, so the 25 rows not started yet are not sent now but retried after that time.
n0=$(rec_count '.path|startswith("/2010-04-01/Accounts/'"$SID4"'")')
script_rec '{"prefix":"/2010-04-01/Accounts/'"$SID4"'","responses":[{"status":429,"headers":{"Retry-After":"60"},"body":{"code":20429,"message":"Too Many Requests"}},{"delay":0.3,"repeat":true}]}'
sqlite3 "$DB" "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 41)
  INSERT INTO outbox(merchant_id,order_id,customer_id,trigger,channels,channel,locale,state,next_attempt_at,idem_key,created_at,updated_at)
  SELECT merchant_id,order_id,customer_id,trigger,channels,channel,locale,'queued',0,idem_key||':hold'||i,created_at,updated_at
  FROM outbox, c WHERE merchant_id=4 AND idem_key NOT LIKE '%:peak%'"
"$RASTRO_BIN" worker --db "$DB" --threads 1 --batch 64 --sweep-interval 0 >> "$T_DIR/worker.log" 2>&1 &
WPID=$!; T_PIDS+=("$WPID")
hold_done() { [ "$(sqlite3 "$DB" "select count(*) from outbox where idem_key like '%:hold%' and (state='sending' or (state='queued' and attempts=0))")" = 0 ]; }
check "a batch of 41 whose first answer is 429 Retry-After: 60 settles" wait_for 20 hold_done
kill $WPID; wait $WPID 2>/dev/null
eq "  16 requests went (the ones in flight), not 41" "$(( $(rec_count '.path|startswith("/2010-04-01/Accounts/'"$SID4"'")') - n0 ))" 16
eq "  15 sent; the refused one and the 25 not started wait for the retry" \
   "$(sqlite3 "$DB" "select group_concat(state||'='||c) from (select state, count(*) c from outbox where idem_key like '%:hold%' group by state order by state)")" \
   "queued=26,sent=15"
eq "  none of them before the 60 s asked" \
   "$(sqlite3 "$DB" "select count(*) from outbox where idem_key like '%:hold%' and state='queued' and next_attempt_at >= strftime('%s','now') + 50")" 26
eq "  the history says why the 25 were not sent" \
   "$(sqlite3 "$DB" "select count(*) from notify_attempts a join outbox o on o.id=a.outbox_id where o.idem_key like '%:hold%' and a.result='retry' and a.error = 'not sent: an earlier message of this batch met the provider''s rate limit (HTTP 429, Twilio error 20429: Too Many Requests); it asked to wait 60 s (Retry-After)'")" 25
# WhatsApp says it with a 400 and an error code (130429: the number's throughput), no Retry-After
script_rec '{"prefix":"/v21.0/4004004004","responses":[{"status":400,"body":{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429}}},{"delay":0.3,"repeat":true}]}'
n0=$(rec_count '.path=="/v21.0/4004004004/messages"')
sqlite3 "$DB" "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 41)
  INSERT INTO outbox(merchant_id,order_id,customer_id,trigger,channels,channel,locale,state,next_attempt_at,idem_key,created_at,updated_at)
  SELECT merchant_id,order_id,customer_id,trigger,'whatsapp','whatsapp',locale,'queued',0,idem_key||':wahold'||i,created_at,updated_at
  FROM outbox, c WHERE merchant_id=4 AND idem_key NOT LIKE '%:peak%' AND idem_key NOT LIKE '%:hold%'"
"$RASTRO_BIN" worker --db "$DB" --threads 1 --batch 64 --sweep-interval 0 >> "$T_DIR/worker.log" 2>&1 &
WPID=$!; T_PIDS+=("$WPID")
wahold_done() { [ "$(sqlite3 "$DB" "select count(*) from outbox where idem_key like '%:wahold%' and (state='sending' or (state='queued' and attempts=0))")" = 0 ]; }
check "a WhatsApp batch of 41 whose first answer is error 130429 settles" wait_for 20 wahold_done
kill $WPID; wait $WPID 2>/dev/null
# (WhatsApp sends are paced, 12.75 ms apart: the refusal comes back before more than a few have
# started; all the others are held)
went=$(( $(rec_count '.path=="/v21.0/4004004004/messages"') - n0 ))
eq "  at most 16 requests went, all but the refused one sent; the rest wait for the retry, and the history says why" \
   "$([ "$went" -ge 1 -a "$went" -le 16 ] && echo ok || echo "$went went")/$(sqlite3 "$DB" "select count(*) from outbox where idem_key like '%:wahold%' and state='sent'")/$(sqlite3 "$DB" "select count(*) from notify_attempts a join outbox o on o.id=a.outbox_id where o.idem_key like '%:wahold%' and a.result='retry' and a.error = 'not sent: an earlier message of this batch met the provider''s rate limit (HTTP 400, WhatsApp error 130429: (#130429) Rate limit hit)'")" "ok/$((went - 1))/$((41 - went))"
sqlite3 "$DB" "update outbox set state='failed' where idem_key like '%:wahold%' and state='queued'"

# ---- peak: a provider so slow that a batch outlasts its lease sends nothing twice ----
# Two threads, batch 64, lease 6 s, 2 s per answer: 41 rows take three rounds of 16, past the
# lease; the rounds that would start after its middle are left to the lease and retaken then,
# instead of being sent while the other thread retakes and sends them too.
sqlite3 "$DB" "update outbox set state='failed' where idem_key like '%:hold%' and state='queued'"
script_rec '{"prefix":"/2010-04-01/Accounts/'"$SID4"'","responses":[{"delay":2,"repeat":true}]}'
n0=$(rec_count '.path|startswith("/2010-04-01/Accounts/'"$SID4"'")')
sqlite3 "$DB" "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 41)
  INSERT INTO outbox(merchant_id,order_id,customer_id,trigger,channels,channel,locale,state,next_attempt_at,idem_key,created_at,updated_at)
  SELECT merchant_id,order_id,customer_id,trigger,channels,channel,locale,'queued',0,idem_key||':lease'||i,created_at,updated_at
  FROM outbox, c WHERE merchant_id=4 AND idem_key NOT LIKE '%:peak%' AND idem_key NOT LIKE '%hold%'"
"$RASTRO_BIN" worker --db "$DB" --threads 2 --batch 64 --lease 6 --sweep-interval 0 >> "$T_DIR/worker.log" 2>&1 &
WPID=$!; T_PIDS+=("$WPID")
lease_done() { [ "$(sqlite3 "$DB" "select count(*) from outbox where idem_key like '%:lease%' and state='sent'")" = 41 ]; }
check "41 SMS at 2 s each with a 6 s lease: all sent" wait_for 40 lease_done
sleep 2.5 # a send made twice would still be on its way
kill $WPID; wait $WPID 2>/dev/null
eq "  each exactly once: 41 requests, none for the same row twice" \
   "$(rec_find '.path|startswith("/2010-04-01/Accounts/'"$SID4"'")' | jq -r '.body' | grep -o 'n%3D[0-9]*' | sort | uniq -c | awk '$1!=1' | wc -l)/$(( $(rec_count '.path|startswith("/2010-04-01/Accounts/'"$SID4"'")') - n0 ))" "0/41"
script_rec '{"prefix":"/2010-04-01/Accounts/'"$SID4"'","responses":[]}'
script_rec '{"prefix":"/2010-04-01/Accounts/'"$SID4"'","responses":[]}'

# ---- peak: WhatsApp sends are paced to the number's throughput (Meta: 80 a second by default) ----
# Two threads × 16 in flight against a Cloud API answering at once would send hundreds a second,
# and Meta refuses what goes over with 130429. 200 messages: never more than 80 arrive in any
# second (the recorder's arrival times), all sent, none refused.
script_rec '{"prefix":"/v21.0/4004004004","responses":[]}'
# the most requests that arrived within any one second, of those matching JQ_FILTER
max_per_s() { rec_find "$1" | jq -r '.at' | sort -n | python3 -c '
import sys
t = [float(x) for x in sys.stdin]
j = 0; m = 0
for i in range(len(t)):
    while t[i] - t[j] >= 1.0: j += 1
    m = max(m, i - j + 1)
print(m)'; }
wa_burst() { # N TAG: queue N WhatsApp messages of merchant 4, send them with a 2-thread worker, wait
  sqlite3 "$DB" "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < $1)
    INSERT INTO outbox(merchant_id,order_id,customer_id,trigger,channels,channel,locale,state,next_attempt_at,idem_key,created_at,updated_at)
    SELECT merchant_id,order_id,customer_id,trigger,'whatsapp','whatsapp',locale,'queued',0,idem_key||':$2'||i,created_at,updated_at
    FROM outbox, c WHERE id=(select min(id) from outbox where merchant_id=4)"
  "$RASTRO_BIN" worker --db "$DB" --threads 2 --batch 64 --sweep-interval 0 >> "$T_DIR/worker.log" 2>&1 &
  WPID=$!; T_PIDS+=("$WPID")
  WA_TAG=$2
  wa_done() { [ "$(sqlite3 "$DB" "select count(*) from outbox where idem_key like '%:$WA_TAG%' and state in ('queued','sending')")" = 0 ]; }
  wait_for 30 wa_done
  kill $WPID; wait $WPID 2>/dev/null
}
rec_last() { rec_find true | jq -s 'map(.n) | max // 0'; }
n0=$(rec_last)
wa_burst 200 wapace
eq "200 WhatsApp messages at once: all sent, each once" \
   "$(sqlite3 "$DB" "select count(*) from outbox where idem_key like '%:wapace%' and state='sent'")/$(rec_count '.n > '$n0' and .path=="/v21.0/4004004004/messages"')" "200/200"
m=$(max_per_s '.n > '$n0' and .path=="/v21.0/4004004004/messages"')
check "  never more than 80 in one second at the Cloud API (most: $m)" test "$m" -le 80 -a "$m" -ge 60
# a number upgraded by Meta: whatsapp.messages_per_second (1 to 1,000)
bad_settings "whatsapp.messages_per_second is 1 to 1,000" '{"whatsapp":{"phone_number_id":"1","token":"t","messages_per_second":0}}' \
  'whatsapp.messages_per_second must be a whole number from 1 to 1000'
jq '.whatsapp.messages_per_second = 25' "$T_DIR/s4.json" > "$T_DIR/s4b.json"
"$RASTRO_BIN" notify settings --merchant 4 --db "$DB" "$T_DIR/s4b.json" >/dev/null
n0=$(rec_last)
wa_burst 50 waslow
m=$(max_per_s '.n > '$n0' and .path=="/v21.0/4004004004/messages"')
eq "  the merchant's setting is honoured: 50 sent at 25 a second" "$(sqlite3 "$DB" "select count(*) from outbox where idem_key like '%:waslow%' and state='sent'")/$([ "$m" -le 25 ] && echo paced || echo "$m in one second")" "50/paced"
"$RASTRO_BIN" notify settings --merchant 4 --db "$DB" "$T_DIR/s4.json" >/dev/null

# ---- kill -9 of the dispatcher: nothing planned is lost, each recorded once ----
KDB=$T_DIR/kill.db
start_server "$KDB"   # workers run in serve too; stop them: use a separate process only
stop_server
"$RASTRO_BIN" serve --db "$KDB" --listen 127.0.0.1:$PORT --base-url "$BASE" --workers 0 >> "$T_DIR/server.log" 2>&1 &
SERVER_PID=$!; T_PIDS+=("$SERVER_PID")
wait_for 10 curl -fs "$BASE/healthz"
KK=$(new_merchant "Tienda Kill")
printf '{"public_base_url":"%s","email":{"smtp_url":"smtp://127.0.0.1:%s","starttls":"none","from":"k@tienda.example.es"},"triggers":{"*":["email"]}}' "$BASE" "$PF_PORT" > "$T_DIR/sk.json"
"$RASTRO_BIN" notify settings --merchant 1 --db "$KDB" "$T_DIR/sk.json" >/dev/null
N=300
for i in $(seq 1 $N); do printf '{"order_ref":"K-%d","placed_at":"%s","customer":{"email":"k%d@example.com","locale":"es"},"destination":{"country":"ES"}}\n' $i "$(ts 100)" $i; done > "$T_DIR/orders.jsonl"
while read -r o; do curl -s -o /dev/null -X POST -H "Authorization: Bearer $KK" -H 'Content-Type: application/json' --data "$o" "$BASE/v1/orders"; done < "$T_DIR/orders.jsonl"
eq "300 order_confirmed planned, none sent yet" "$(sqlite3 "$KDB" "select count(*) from outbox where state='queued'")" $N
m0=$(mail_count)
"$RASTRO_BIN" worker --db "$KDB" --threads 2 --batch 8 --lease 2 >> "$T_DIR/worker.log" 2>&1 &
WPID=$!
wait_for 30 bash -c "[ \$(sqlite3 '$KDB' \"select count(*) from outbox where state='sent'\") -ge 60 ]"
kill -9 $WPID; wait $WPID 2>/dev/null
mid_sent=$(sqlite3 "$KDB" "select count(*) from outbox where state='sent'")
check "the dispatcher was killed mid-run ($mid_sent of $N recorded)" bash -c "[ $mid_sent -ge 1 ] && [ $mid_sent -lt $N ]"
"$RASTRO_BIN" worker --db "$KDB" --threads 2 --batch 8 --lease 2 >> "$T_DIR/worker.log" 2>&1 &
WPID=$!; T_PIDS+=("$WPID")
check "a new dispatcher finishes the rest (expired leases retaken)" wait_for 60 bash -c "[ \$(sqlite3 '$KDB' \"select count(*) from outbox where state='sent'\") -eq $N ]"
kill $WPID; wait $WPID 2>/dev/null
eq "every notification recorded once (one row per key, all sent)" "$(sqlite3 "$KDB" "select count(*)||'/'||count(distinct idem_key) from outbox where state='sent'")" "$N/$N"
wait_for 20 bash -c "[ \$(( \$(find '$PF_MAIL' -type f | wc -l) - $m0 )) -ge $N ]"
cat > "$T_DIR/count.py" <<'PY'
import collections, email, glob, sys
c = collections.Counter()
for p in glob.glob(sys.argv[1] + "/*"):
    m = email.message_from_binary_file(open(p, "rb"))
    to = m.get("To", "")
    if "@example.com" in to and to.strip("<>").startswith("k"):
        c[to] += 1
n = int(sys.argv[2])
missing = [i for i in range(1, n + 1) if c.get("<k%d@example.com>" % i, 0) == 0]
dups = sum(v - 1 for v in c.values())
print("%d/%d" % (len(missing), dups))
PY
RES=$(python3 "$T_DIR/count.py" "$PF_MAIL" $N)
eq "after kill -9: no customer missed a mail" "${RES%/*}" 0
check "  at most the in-flight ones twice (dups ${RES#*/} <= threads x batch = 16)" bash -c "[ ${RES#*/} -le 16 ]"

# ---- news of the delivery day that comes due after the shipment moved on is not sent ----
# (the dispatcher was down: "out for delivery" waits in the queue while the parcel is delivered)
KEY=$KK api POST /v1/orders '{"order_ref":"ST-1","placed_at":"'"$(ts 7200)"'","customer":{"email":"stale@example.com","locale":"es"},"destination":{"country":"ES"}}'
KEY=$KK api POST /v1/shipments '{"order_ref":"ST-1","carrier":"correos","tracking_number":"PQSTALE1"}'
KEY=$KK api POST /v1/events "[$(ev PQSTALE1 3600 in_transit),$(ev PQSTALE1 1800 out_for_delivery),$(ev PQSTALE1 60 delivered)]"
# "a problem" kept in the queue until the parcel is out for delivery again: not sent ("arriving
# today" says it all); a damaged parcel delivered all the same: the customer is still told
KEY=$KK api POST /v1/orders '{"order_ref":"ST-2","placed_at":"'"$(ts 7200)"'","customer":{"email":"stale2@example.com","locale":"es"},"destination":{"country":"ES"}}'
KEY=$KK api POST /v1/shipments '{"order_ref":"ST-2","carrier":"correos","tracking_number":"PQSTALE2"}'
KEY=$KK api POST /v1/events "[$(ev PQSTALE2 5400 in_transit),$(ev PQSTALE2 3600 exception ',"substatus":"weather"'),$(ev PQSTALE2 600 out_for_delivery)]"
KEY=$KK api POST /v1/orders '{"order_ref":"ST-3","placed_at":"'"$(ts 7200)"'","customer":{"email":"stale3@example.com","locale":"es"},"destination":{"country":"ES"}}'
KEY=$KK api POST /v1/shipments '{"order_ref":"ST-3","carrier":"correos","tracking_number":"PQSTALE3"}'
KEY=$KK api POST /v1/events "[$(ev PQSTALE3 5400 in_transit),$(ev PQSTALE3 3600 exception ',"substatus":"damaged"'),$(ev PQSTALE3 60 delivered)]"
stale_final() {
  local o
  for o in ST-1 ST-2 ST-3; do
    KEY=$KK api GET /v1/orders/$o/notifications
    [ "$(jqr '[.notifications[]|select(.state=="queued" or .state=="sending")]|length')" = 0 ] || return 1
  done
}
"$RASTRO_BIN" worker --db "$KDB" --threads 1 >> "$T_DIR/worker.log" 2>&1 &
WPID=$!; T_PIDS+=("$WPID")
check "the dispatcher comes back and settles the queue" wait_for 30 stale_final
kill $WPID; wait $WPID 2>/dev/null
KEY=$KK api GET /v1/orders/ST-1/notifications
eq "  'out for delivery' after the delivery: suppressed as stale, and the history says so" \
   "$(jqr '[.notifications[]|select(.trigger=="out_for_delivery")][0]|"\(.state):\(.reason):\(.attempts_log[-1].result)"')" "suppressed:stale:suppressed"
eq "  the delivery itself is sent" "$(jqr '[.notifications[]|select(.trigger=="delivered")][0].state')" "sent"
KEY=$KK api GET /v1/orders/ST-2/notifications
eq "  'a problem' (weather) once it is out for delivery again: suppressed as stale; 'out for delivery' is sent" \
   "$(jqr '[.notifications[]|select(.trigger=="exception" or .trigger=="out_for_delivery")|"\(.trigger):\(.state):\(.reason // "")"]|join(",")')" \
   "exception:suppressed:stale,out_for_delivery:sent:"
KEY=$KK api GET /v1/orders/ST-3/notifications
eq "  a damaged parcel delivered all the same: the damage is still told, and the delivery" \
   "$(jqr '[.notifications[]|select(.trigger=="exception" or .trigger=="delivered")|"\(.trigger):\(.state)"]|join(",")')" \
   "exception:sent,delivered:sent"

# ---- an install hosting several merchants: a merchant's URLs do not reach the operator's network ----
stop_server
# (with an outgoing proxy for http:// URLs in its environment, on loopback too)
RASTRO_ALLOW_PRIVATE_URLS=0 http_proxy=http://127.0.0.1:9 start_server "$T_DIR/ssrf.db"
KS=$(new_merchant "Tienda Curiosa")
printf '{"email":{"smtp_url":"smtp://127.0.0.1:%s","starttls":"none","from":"s@curiosa.example.es"},"webhook":{"url":"%s/webhooks/ssrf","secret":"%s"},"triggers":{"*":["email"],"shipped":["email","webhook"]},"retry":{"base_s":1,"max_delay_s":1,"max_attempts":2},"timeout_s":2}' \
  "$PF_PORT" "$REC" "$WHSEC" > "$T_DIR/ssrf.json"
"$RASTRO_BIN" notify settings --merchant 1 --db "$T_DIR/ssrf.db" "$T_DIR/ssrf.json" >/dev/null
KEY=$KS api POST /v1/orders '{"order_ref":"S-1","placed_at":"'"$(ts 7200)"'","customer":{"email":"ssrf@example.org","locale":"es"},"destination":{"country":"ES"}}'
KEY=$KS api POST /v1/shipments '{"order_ref":"S-1","carrier":"correos","tracking_number":"SSRF1"}'
KEY=$KS api POST /v1/events "$(ev SSRF1 600 in_transit)"
ssrf_final() { KEY=$KS api GET /v1/orders/S-1/notifications; [ "$(jqr '[.notifications[]|select(.state=="queued" or .state=="sending")]|length')" = 0 ] && [ "$(jqr '.notifications|length')" -ge 3 ]; }
check "without RASTRO_ALLOW_PRIVATE_URLS, messages to loopback URLs settle" wait_for 30 ssrf_final
eq "  the webhook and SMTP server on 127.0.0.1 are not connected to: failed, and the history says why" \
   "$(jqr '[.notifications[]|"\(.channel):\(.state):\([.attempts_log[]|.error|test("not sent: 127.0.0.1 is a loopback, private or reserved address")]|all)"]|sort|join(",")')" \
   "email:failed:true,email:failed:true,webhook:failed:true"
eq "  and the recorder on loopback got nothing" "$(rec_count '.path=="/webhooks/ssrf"')" 0
eq "  the webhook's says the address may be the proxy's, and where it is named; the e-mail's (no proxy for SMTP) does not" \
   "$(jqr '[.notifications[]|"\(.channel):\([.attempts_log[]|.error|test("may be the outgoing proxy.s, named in http_proxy")]|all)"]|sort|join(",")')" \
   "email:false,email:false,webhook:true"
stop_server

check "worker log has no sanitizer report" bash -c "! grep -q -e 'runtime error' -e 'Sanitizer' '$T_DIR/worker.log' '$T_DIR/server.log'"
finish
