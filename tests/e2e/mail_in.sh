#!/usr/bin/env bash
# End-to-end: inbound e-mail (issue 7) through a REAL Postfix. A private Postfix instance on a
# loopback port (tests/lib/postfix.sh) routes the support address to a pipe(8) transport that
# runs `rastro mail-in` exactly as docs/support-channels.md sets it up; the customer's e-mail
# (Spanish, ISO-8859-1 quoted-printable text + base64 HTML, encoded-word headers) is sent into
# Postfix's smtpd, lands in the customer's conversation (matched by e-mail), and the bot's
# answer goes back through Postfix into the test Maildir as "Re: <subject>" with In-Reply-To.
# Also: the server down → Postfix defers and delivers after a flush; forged signatures → 403
# and exit 75; unknown token → 404; an unusable message → exit 65; duplicates recorded once.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/postfix.sh"
trap 'stop_postfix; cleanup' EXIT
command -v python3 >/dev/null || { echo "python3 missing (scripts/deps.sh test)"; exit 1; }

start_postfix || { not_ok "private postfix starts"; finish; exit 1; }
ok "private postfix instance listens on 127.0.0.1:$PF_PORT"

DB=$T_DIR/mail.db
start_server "$DB"
KEY=$(new_merchant "Tienda Sol")
SECRET=mail-secret-$RANDOM-$RANDOM
OUT=$("$RASTRO_BIN" merchant hook email --merchant 1 --secret "$SECRET" --db "$DB" 2>"$T_DIR/hook.err")
TOKEN=$(printf '%s\n' "$OUT" | sed -n 's#^webhook path: /hooks/email/##p')
check "rastro merchant hook email gives a token" test -n "$TOKEN"
check "  and says the path is for rastro mail-in (not a provider to paste it into)" grep -q 'rastro mail-in --url' "$T_DIR/hook.err"
check "rastro merchant --help lists the email channel among the hook providers" \
  bash -c "'$RASTRO_BIN' merchant --help | grep -A2 'PROVIDER:' | grep -q 'email'"
api GET /v1/integrations
eq "the e-mail channel is listed with its signature header" \
   "$(jqr '.integrations[]|select(.provider=="email")|"\(.webhook_url)|\(.signature.header)"')" \
   "$BASE/hooks/email/$TOKEN|X-Rastro-Signature"

# the documented Postfix setup: transport map entry + a pipe(8) service running rastro mail-in
printf '%s\n' "$SECRET" > "$T_DIR/mail.secret"
chmod 644 "$T_DIR/mail.secret"
cat >> "$PF_DIR/etc/main.cf" <<CF
transport_maps = inline:{ soporte@rastro.test=rastro-mail: }
rastro-mail_destination_recipient_limit = 1
CF
cat >> "$PF_DIR/etc/master.cf" <<CF
rastro-mail unix - n n - 4 pipe
  flags=Rq user=nobody argv=$RASTRO_BIN mail-in --url $BASE/hooks/email/$TOKEN --secret-file $T_DIR/mail.secret
CF
postfix -c "$PF_DIR/etc" reload >/dev/null 2>&1
check "postfix accepts the pipe transport" postfix -c "$PF_DIR/etc" check

cat > "$T_DIR/settings.json" <<JSON
{"public_base_url":"$BASE","merchant_name":"Tienda Sol","timezone":"Europe/Madrid",
 "email":{"smtp_url":"smtp://127.0.0.1:$PF_PORT","starttls":"none","from":"Tienda Sol <soporte@rastro.test>"},
 "triggers":{"*":[]},
 "retry":{"base_s":1,"max_delay_s":2,"max_attempts":3,"max_retry_after_s":30},"timeout_s":5}
JSON
check "notification settings (SMTP through the same Postfix)" "$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/settings.json"

now=$(date -u +%s)
ts() { date -u -d "@$(( now - $1 ))" +%Y-%m-%dT%H:%M:%SZ; }
api POST /v1/orders '{"order_ref":"7315","placed_at":"'"$(ts 90000)"'","customer":{"name":"María López","email":"Maria.Lopez@example.es","locale":"es","preferred_channel":"email"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
CODE=$(jqr .tracking_code)
api POST /v1/shipments '{"order_ref":"7315","carrier":"correos","tracking_number":"PQ4F1B07"}'
api POST /v1/events '[{"carrier":"correos","tracking_number":"PQ4F1B07","occurred_at":"'"$(ts 7200)"'","status":"in_transit"}]'
eq "order and events seeded" "$(jqr .accepted)" 1

# send RAW_FILE into Postfix's smtpd (envelope FROM → soporte@rastro.test)
smtp_send() {
  python3 - "$PF_PORT" "$1" "$2" <<'PY'
import smtplib, sys
port, sender, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
    s.sendmail(sender, ["soporte@rastro.test"], open(path, "rb").read())
PY
}
MID1="CAF-$RANDOM.$now@mail.example.es"
HTML_B64=$(printf '<p>Hola, <b>&iquest;d&oacute;nde</b> est&aacute; mi pedido?</p>' | base64 -w 60)
cat > "$T_DIR/m1.eml" <<EML
From: =?ISO-8859-1?Q?Mar=EDa_L=F3pez?= <maria.lopez@example.es>
To: Tienda Sol <soporte@rastro.test>
Subject: =?UTF-8?Q?=C2=BFD=C3=B3nde_est=C3=A1_mi_pedido=3F?=
Message-ID: <$MID1>
Date: $(date -R)
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=_b1"

--=_b1
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

Hola, =BFd=F3nde est=E1 mi pedido? Lo ped=ED hace unos d=EDas y quiero sab=
er por d=F3nde va.

Gracias,
Mar=EDa

El lun, 3 nov 2025 a las 10:00, Tienda Sol (<soporte@rastro.test>)
escribi=F3:
> Tu pedido 7315 ha salido del almac=E9n.
--=_b1
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: base64

$HTML_B64
--=_b1--
EML
smtp_send maria.lopez@example.es "$T_DIR/m1.eml"
q() { sqlite3 -readonly "$DB" "$1"; }
arrived() { [ "$(q "select count(*) from messages where direction='in' and channel='email' and provider_msg_id='$1'")" = 1 ]; }
check "Postfix pipes the e-mail to rastro mail-in and it lands in a conversation" wait_for 30 arrived "$MID1"
eq "text part decoded from ISO-8859-1 quoted-printable, quoted history cut" \
   "$(q "select body from messages where provider_msg_id='$MID1'")" \
   "$(printf 'Hola, ¿dónde está mi pedido? Lo pedí hace unos días y quiero saber por dónde va.\n\nGracias,\nMaría')"
eq "matched to the order's customer by e-mail (case-insensitive)" \
   "$(q "select c.channel||'|'||coalesce(u.email,'')||'|'||c.subject from conversations c join messages m on m.conversation_id=c.id left join customers u on u.id=c.customer_id where m.provider_msg_id='$MID1'")" \
   "email|maria.lopez@example.es|¿Dónde está mi pedido?"

# the bot's answer comes back through Postfix into the Maildir
check "the bot's reply arrives in the Maildir" wait_for 30 bash -c "[ \$(find '$PF_MAIL' -type f 2>/dev/null | wc -l) -ge 1 ]"
cat > "$T_DIR/mail.py" <<'PY'
import email, email.policy, glob, json, sys
out = []
for p in sorted(glob.glob(sys.argv[1] + "/*")):
    m = email.message_from_bytes(open(p, "rb").read(), policy=email.policy.default)
    text = ""
    for pt in m.walk():
        if pt.get_content_type() == "text/plain":
            text = pt.get_content()
    out.append({"to": str(m["To"]), "subject": str(m["Subject"]), "irt": str(m["In-Reply-To"] or ""),
                "refs": str(m["References"] or ""), "mid": str(m["Message-ID"] or ""), "text": text})
print(json.dumps(out, ensure_ascii=False))
PY
MAILS=$(python3 "$T_DIR/mail.py" "$PF_MAIL")
printf '%s' "$MAILS" | jq -r '.[0].text' > "$T_DIR/reply.txt"
mj() { printf '%s' "$MAILS" | jq -r "$1"; }
eq "reply to the customer" "$(mj '.[0].to')" "María López <maria.lopez@example.es>"
eq "subject is Re: the customer's subject" "$(mj '.[0].subject')" "Re: ¿Dónde está mi pedido?"
eq "In-Reply-To threads it under the customer's e-mail" "$(mj '.[0].irt')" "<$MID1>"
eq "References too" "$(mj '.[0].refs')" "<$MID1>"
check "the answer has the real status and the tracking link" bash -c "grep -q 'en camino' '$T_DIR/reply.txt' && grep -qF '/t/$CODE' '$T_DIR/reply.txt'"; grep -q "en camino" "$T_DIR/reply.txt" || cat "$T_DIR/reply.txt"
eq "the reply is recorded as sent" "$(q "select state from messages where direction='out' and channel='email' order by id limit 1")" "sent"

# the same message again (Postfix retry after a lost answer): recorded once
RASTRO_MAIL_SECRET=$SECRET "$RASTRO_BIN" mail-in --url "$BASE/hooks/email/$TOKEN" < "$T_DIR/m1.eml"
eq "a repeated Message-ID exits 0 and is not recorded twice" "$?/$(q "select count(*) from messages where provider_msg_id='$MID1'")" "0/1"

# ---- the server is down: Postfix defers, then delivers ----
stop_server
MID2="down-$RANDOM@mail.example.es"
printf 'From: maria.lopez@example.es\nTo: soporte@rastro.test\nSubject: =?UTF-8?B?wr9jdcOhbmRvIGxsZWdhPw==?=\nMessage-ID: <%s>\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n%s\n' \
  "$MID2" "$(printf '¿Cuándo llega mi pedido 7315?' | base64 -w0)" > "$T_DIR/m2.eml"
smtp_send maria.lopez@example.es "$T_DIR/m2.eml"
deferred() { grep -q "status=deferred.*rastro mail-in" "$PF_DIR/maillog"; }
check "with the server down, mail-in exits 75 and Postfix defers the message" wait_for 30 deferred
check "the deferral says why (connection refused, will retry)" grep -q "will retry" "$PF_DIR/maillog"
# the same port again (the pipe's --url names it)
"$RASTRO_BIN" serve --db "$DB" --listen 127.0.0.1:$PORT --base-url "$BASE" >> "$T_DIR/server.log" 2>&1 &
SERVER_PID=$!
T_PIDS+=("$SERVER_PID")
wait_for 20 curl -fs "$BASE/healthz"
postqueue -c "$PF_DIR/etc" -f
check "after the server is back, the deferred message is delivered (flush)" wait_for 40 arrived "$MID2"
eq "base64 body and encoded subject decoded" "$(q "select body from messages where provider_msg_id='$MID2'")" "¿Cuándo llega mi pedido 7315?"
eq "same conversation as the first e-mail" \
   "$(q "select count(distinct conversation_id) from messages where provider_msg_id in ('$MID1','$MID2')")" 1

# ---- forged or misdirected deliveries ----
BODY='{"from":"maria.lopez@example.es","body":"hola","message_id":"forged@x"}'
STATUS=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -H "X-Rastro-Signature: $(printf '%s' "$BODY" | openssl dgst -sha256 -hmac wrong-secret -binary | base64)" \
  --data-binary "$BODY" "$BASE/hooks/email/$TOKEN")
eq "forged signature: 403 invalid_signature" "$STATUS/$(jq -r .error.code "$T_DIR/resp")" "403/invalid_signature"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$BODY" "$BASE/hooks/email/$TOKEN")
eq "no signature: 403" "$STATUS" 403
STATUS=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -H "X-Rastro-Signature: $(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64)" \
  --data-binary "$BODY" "$BASE/hooks/email/$TOKEN")
eq "the right signature over the same body: 201" "$STATUS" 201
eq "nothing was recorded from the forged posts" "$(q "select count(*) from messages where provider_msg_id='forged@x'")" 1
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$BODY" "$BASE/hooks/email/0123456789abcdef0123456789abcdef")
eq "unknown token: 404" "$STATUS" 404
RASTRO_MAIL_SECRET=not-the-secret "$RASTRO_BIN" mail-in --url "$BASE/hooks/email/$TOKEN" < "$T_DIR/m2.eml" 2> "$T_DIR/err"
eq "mail-in with a wrong secret exits 75 (Postfix keeps the message)" "$?" 75
check "and says what to check" grep -q "check --url and the secret" "$T_DIR/err"
printf 'Subject: sin remitente\n\nhola\n' | RASTRO_MAIL_SECRET=$SECRET "$RASTRO_BIN" mail-in --url "$BASE/hooks/email/$TOKEN" 2> "$T_DIR/err"
eq "a message without From exits 65 (Postfix bounces it)" "$?" 65
printf 'From: a@example.com\nContent-Type: application/octet-stream\n\n\001\002\n' | RASTRO_MAIL_SECRET=$SECRET "$RASTRO_BIN" mail-in --url "$BASE/hooks/email/$TOKEN" 2> /dev/null
eq "a message without text exits 65" "$?" 65
"$RASTRO_BIN" mail-in --url "$BASE/hooks/email/$TOKEN" < "$T_DIR/m2.eml" 2> /dev/null
eq "no secret configured: exit 78 (a deferral for Postfix)" "$?" 78
# ---- threading: an answer to one of our e-mails belongs to its conversation and incident ----
REPLY_MID=$(mj '.[0].mid' | tr -d '<>')
check "our Message-IDs carry 64 random bits (an answer quoting one enters the conversation)" \
  bash -c "[[ '$REPLY_MID' =~ ^msg-[0-9]+\.[0-9]+\.[0-9a-f]{16}@rastro\.test$ ]]"
MID3="fwd-$RANDOM.$now@empresa.es"
printf 'From: Pedro Ruiz <pedro.ruiz@empresa.es>\nTo: soporte@rastro.test\nSubject: RE: Pedido de Maria\nMessage-ID: <%s>\nIn-Reply-To: <%s>\nReferences: <%s> <%s>\nContent-Type: text/plain; charset=utf-8\n\nHola, escribo de parte de María: ¿cuándo llega el pedido?\n' \
  "$MID3" "$REPLY_MID" "$MID1" "$REPLY_MID" > "$T_DIR/m3.eml"
smtp_send pedro.ruiz@empresa.es "$T_DIR/m3.eml"
check "a colleague's answer (In-Reply-To our reply, another address) arrives" wait_for 30 arrived "$MID3"
eq "  in the customer's conversation, not a new one for the other address" \
   "$(q "select count(distinct conversation_id) from messages where provider_msg_id in ('$MID1','$MID3')")/$(q "select count(*) from conversations where email='pedro.ruiz@empresa.es'")" "1/0"
eq "  replies keep going to the customer's address" \
   "$(q "select c.email from conversations c join messages m on m.conversation_id=c.id where m.provider_msg_id='$MID3'")" "maria.lopez@example.es"

# two incidents waiting for her: the answer to one notice reopens that one only
api POST /v1/orders '{"order_ref":"7316","placed_at":"'"$(ts 90000)"'","customer":{"name":"María López","email":"maria.lopez@example.es","locale":"es","preferred_channel":"email"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
api POST /v1/incidents '{"order_ref":"7315","type":"damaged","message":"La caja llegó rota"}'
INCA=$(jqr .id)
api POST /v1/incidents '{"order_ref":"7316","type":"wrong_item","message":"No es lo que pedí"}'
INCB=$(jqr .id)
api PATCH /v1/incidents/$INCA '{"state":"waiting_customer"}'
api PATCH /v1/incidents/$INCB '{"state":"waiting_customer"}'
notice_mid() { q "select provider_id from messages where incident_id=$1 and direction='out' and state='sent' and body like '%espera de tu respuesta%'"; }
check "both incidents' waiting notices are sent by e-mail" wait_for 30 bash -c "[ -n \"\$(sqlite3 -readonly '$DB' \"select provider_id from messages where incident_id in ($INCA,$INCB) and direction='out' and state='sent' and body like '%espera de tu respuesta%' group by incident_id having count(*)>0\" | sed -n 2p)\" ]"
NOTICE_B=$(notice_mid $INCB)
MID4="inc-b-$RANDOM@mail.example.es"
printf 'From: maria.lopez@example.es\nTo: soporte@rastro.test\nSubject: Re: algo\nMessage-ID: <%s>\nIn-Reply-To: <%s>\nReferences: <%s>\nContent-Type: text/plain; charset=utf-8\n\nOs mando la foto del artículo equivocado.\n' \
  "$MID4" "$NOTICE_B" "$NOTICE_B" > "$T_DIR/m4.eml"
smtp_send maria.lopez@example.es "$T_DIR/m4.eml"
check "her answer to the notice of the second incident arrives" wait_for 30 arrived "$MID4"
eq "  it reopens that incident only (the other still waits for her)" \
   "$(q "select group_concat(state,',') from (select state from incidents where id in ($INCA,$INCB) order by id)")" "waiting_customer,open"
eq "  and the message is about that incident" "$(q "select incident_id from messages where provider_msg_id='$MID4'")" "$INCB"

# ---- incident notices carry the reference in the subject; a reply naming it (no headers) ----
REFA=$(printf 'INC-%06d' "$INCA"); REFB=$(printf 'INC-%06d' "$INCB")
check "the notices of the first incident arrive" wait_for 30 bash -c "python3 '$T_DIR/mail.py' '$PF_MAIL' | jq -e '[.[]|select(.text|contains(\"$REFA\"))]|length>=2' >/dev/null"
MAILS=$(python3 "$T_DIR/mail.py" "$PF_MAIL")
eq "  every notice's subject names the incident" \
   "$(mj "[.[]|select(.text|contains(\"$REFA\"))|.subject|contains(\"[$REFA]\")]|unique|tostring")" '[true]'
api POST /v1/orders '{"order_ref":"7317","placed_at":"'"$(ts 90000)"'","customer":{"name":"John Smith","email":"john@example.com","locale":"en","preferred_channel":"email"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
api POST /v1/incidents '{"order_ref":"7317","type":"lost"}'
REFC=$(printf 'INC-%06d' "$(jqr .id)")
check "a notice on a conversation without a subject arrives" wait_for 30 bash -c "python3 '$T_DIR/mail.py' '$PF_MAIL' | jq -e '[.[]|select(.to|contains(\"john@\"))]|length>=1' >/dev/null"
MAILS=$(python3 "$T_DIR/mail.py" "$PF_MAIL")
eq "  its subject: the reference, in the customer's language (not \"Re: <shop>\")" \
   "$(mj '[.[]|select(.to|contains("john@"))][0].subject')" "[$REFC] Your incident with Tienda Sol"

api PATCH /v1/incidents/$INCB '{"state":"waiting_customer"}'
MID5="noheaders-$RANDOM@mail.example.es"
printf 'From: maria.lopez@example.es\nTo: soporte@rastro.test\nSubject: Re: [%s] Tu incidencia\nMessage-ID: <%s>\nContent-Type: text/plain; charset=utf-8\n\nLa caja sigue rota, os mando fotos.\n' \
  "$REFA" "$MID5" > "$T_DIR/m5.eml"
smtp_send maria.lopez@example.es "$T_DIR/m5.eml"
check "her answer without In-Reply-To/References arrives" wait_for 30 arrived "$MID5"
eq "  the reference in its subject reopens that incident only" \
   "$(q "select group_concat(state,',') from (select state from incidents where id in ($INCA,$INCB) order by id)")" "open,waiting_customer"
eq "  and the message is about it" "$(q "select incident_id from messages where provider_msg_id='$MID5'")" "$INCA"
MID6="stranger-$RANDOM@example.net"
printf 'From: otro@example.net\nTo: soporte@rastro.test\nSubject: Re: [%s]\nMessage-ID: <%s>\nContent-Type: text/plain; charset=utf-8\n\nhola, mi pedido?\n' \
  "$REFB" "$MID6" > "$T_DIR/m6.eml"
smtp_send otro@example.net "$T_DIR/m6.eml"
check "a stranger's e-mail naming her incident arrives" wait_for 30 arrived "$MID6"
eq "  it does not enter her conversation nor reopen her incident (references are guessable)" \
   "$(q "select count(*) from messages m join conversations c on c.id=m.conversation_id where m.provider_msg_id='$MID6' and c.email='maria.lopez@example.es'")/$(q "select state from incidents where id=$INCB")" "0/waiting_customer"

# ---- machines: an out-of-office or a bounce is recorded, never answered (RFC 3834: no loops) ----
MID7="ooo-$RANDOM@mail.example.es"
printf 'From: maria.lopez@example.es\nTo: soporte@rastro.test\nSubject: Fuera de la oficina: Re: [%s]\nAuto-Submitted: auto-replied\nMessage-ID: <%s>\nIn-Reply-To: <%s>\nContent-Type: text/plain; charset=utf-8\n\nEstoy fuera de la oficina hasta el lunes.\n' \
  "$REFB" "$MID7" "$NOTICE_B" > "$T_DIR/m7.eml"
smtp_send maria.lopez@example.es "$T_DIR/m7.eml"
check "an out-of-office (Auto-Submitted: auto-replied) arrives" wait_for 30 arrived "$MID7"
eq "  it does not count as her answer: the incident still waits for her" "$(q "select state from incidents where id=$INCB")" "waiting_customer"
eq "  nor does it become the subject of her next replies" \
   "$(q "select subject from conversations c join messages m on m.conversation_id=c.id where m.provider_msg_id='$MID7'")" "Re: [$REFA] Tu incidencia"
MID8="dsn-$RANDOM@mx.example.org"
printf 'From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\nTo: soporte@rastro.test\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <%s>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b8"\n\n--b8\nContent-Type: text/plain; charset=us-ascii\n\nThis is the mail system at host mx.example.org. I am sorry to have to inform you that your message could not be delivered.\n--b8\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n--b8--\n' \
  "$MID8" > "$T_DIR/m8.eml"
smtp_send "" "$T_DIR/m8.eml"
check "a bounce (MAILER-DAEMON, multipart/report) arrives" wait_for 30 arrived "$MID8"
eq "  recorded, and neither is answered" \
   "$(q "select count(*) from messages where direction='out' and conversation_id in (select conversation_id from messages where provider_msg_id in ('$MID7','$MID8')) and id > (select min(id) from messages where provider_msg_id in ('$MID7','$MID8'))")" 0

# ---- a new e-mail's subject is read with its body; a reply's ("Re: …") repeats ours and is not ----
bot_answer() { q "select r.body from messages r join messages m on m.conversation_id=r.conversation_id where m.provider_msg_id='$1' and r.direction='out' and r.author='bot' and r.id>m.id order by r.id limit 1"; }
MID9="subj-$RANDOM@example.net"
printf 'From: vecina@example.net\nTo: soporte@rastro.test\nSubject: =?UTF-8?Q?=C2=BFD=C3=B3nde_est=C3=A1_mi_pedido_%s=3F?=\nMessage-ID: <%s>\nContent-Type: text/plain; charset=utf-8\n\nHola, me decis algo?\n\nSaludos\n' \
  "$CODE" "$MID9" | RASTRO_MAIL_SECRET=$SECRET "$RASTRO_BIN" mail-in --url "$BASE/hooks/email/$TOKEN"
check "an e-mail asking in its subject arrives" wait_for 30 arrived "$MID9"
has_answer() { [ -n "$(bot_answer "$1")" ]; }
wait_for 15 has_answer "$MID9" # the answer is its own write after the message's (a loaded machine shows the gap)
A9=$(bot_answer "$MID9")
grep -q 'está en camino' <<<"$A9" && grep -qF "$CODE" <<<"$A9" ||
  echo "    code $CODE: the answer was: ${A9:-(none)}; intent $(q "select intent from messages where provider_msg_id='$MID9'")"
check "  the question and the code of the subject are answered: the status (en camino) of that order" \
  bash -c "grep -q 'está en camino' <<<\"\$1\" && grep -qF '$CODE' <<<\"\$1\"" _ "$A9"
eq "  the message keeps only the body" "$(q "select body from messages where provider_msg_id='$MID9'")" "$(printf 'Hola, me decis algo?\n\nSaludos')"
MID10="subj-re-$RANDOM@example.net"
printf 'From: vecino@example.net\nTo: soporte@rastro.test\nSubject: Re: Tu pedido %s no ha llegado\nMessage-ID: <%s>\nContent-Type: text/plain; charset=utf-8\n\nhola\n' \
  "$CODE" "$MID10" | RASTRO_MAIL_SECRET=$SECRET "$RASTRO_BIN" mail-in --url "$BASE/hooks/email/$TOKEN"
check "a reply arrives" wait_for 30 arrived "$MID10"
eq "  its subject (someone else's words) is not read: a greeting, no incident" \
   "$(q "select intent||'/'||coalesce(incident_id,0) from messages where provider_msg_id='$MID10'")" "greeting/0"

check "rastro --help lists mail-in" bash -c "'$RASTRO_BIN' --help | grep -q 'mail-in'"
check "no sanitizer reports in the server log" bash -c "! grep -q 'ERROR: AddressSanitizer\|runtime error' '$T_DIR/server.log'"
finish
