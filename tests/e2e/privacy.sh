#!/usr/bin/env bash
# End-to-end: a customer's data (issue 7 "Privacy", docs/privacy.md) against the real binary:
# customer.timezone on orders; export (API and CLI) of everything held about a customer, with
# tenancy and bad input; erase in one transaction (no trace of the person left in the database,
# analytics kept); transcript and inbound-log retention run by the server's sweeper and by
# `rastro customer sweep`. Conversations, messages and incidents are inserted directly (the
# support work fills them through its own paths).
source "$(dirname "$0")/../lib/lib.sh"

check "--help lists customer" bash -c "'$RASTRO_BIN' --help | grep -q 'customer export|erase'"

DB=$T_DIR/privacy.db
start_server "$DB"
KEY_A=$(new_merchant "Tienda Sol")
KEY_B=$(new_merchant "Otra Tienda")
KEY_RO=$("$RASTRO_BIN" merchant key 1 --scopes read,ingest --db "$DB" | sed -n 's/^api key: //p')
NOW=$(date +%s)
sql() { sqlite3 -cmd '.timeout 5000' "$DB" "$@"; }

# ---- the customer's time zone ----
KEY=$KEY_A api POST /v1/orders '{"order_ref":"Z-1","placed_at":"2026-01-10T10:00:00+01:00","customer":{"email":"z@example.com","timezone":"Mars/Olympus"},"destination":{"country":"ES"}}'
eq "an unknown customer.timezone: 422" "$STATUS" 422
eq "  invalid_field naming the field" "$(jqr '.error.code + " " + (.error.message|test("customer.timezone")|tostring)')" "invalid_field true"

ORDER='{"order_ref":"A-1","placed_at":"2026-01-10T10:00:00+01:00",
 "customer":{"name":"Ana Pérez Zubizarreta","email":"Ana.Perez@Example.com","phone":"+34 600 111 222","locale":"es","timezone":"America/Mexico_City"},
 "destination":{"postal_code":"28013","city":"Madrid","country":"ES"},"items":[{"sku":"TAZA","name":"Taza","quantity":1}]}'
KEY=$KEY_A api POST /v1/orders "$ORDER"
eq "order with customer.timezone: 201" "$STATUS" 201
KEY=$KEY_A api GET /v1/orders/A-1
eq "the zone is stored and shown" "$(jqr .customer.timezone)" America/Mexico_City
KEY=$KEY_A api POST /v1/orders '{"order_ref":"A-2","placed_at":"2026-01-12T10:00:00+01:00","customer":{"name":"Ana Pérez Zubizarreta","email":"ana.perez@example.com"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"}}'
KEY=$KEY_A api POST /v1/orders '{"order_ref":"B-1","placed_at":"2026-01-12T10:00:00+01:00","customer":{"name":"Bruno Otero","email":"bruno@example.com","phone":"+34600999888"},"destination":{"postal_code":"08001","city":"Barcelona","country":"ES"}}'
KEY=$KEY_B api POST /v1/orders '{"order_ref":"A-1","placed_at":"2026-01-12T10:00:00+01:00","customer":{"name":"Ana Pérez Zubizarreta","email":"ana.perez@example.com"},"destination":{"postal_code":"28013","country":"ES"}}'
KEY=$KEY_A api POST /v1/shipments '{"order_ref":"A-1","carrier":"correos","tracking_number":"PQ1"}'
KEY=$KEY_A api POST /v1/events '[{"carrier":"correos","tracking_number":"PQ1","occurred_at":"2026-01-11T09:00:00+01:00","status":"in_transit","message":"Admitido"},{"carrier":"correos","tracking_number":"PQ1","occurred_at":"2026-01-12T10:00:00+01:00","status":"available_for_pickup","pickup":{"name":"Estanco Calle Mayor","address":"Calle Mayor 12, 28013 Madrid","deadline":"2026-01-20"}},{"carrier":"correos","tracking_number":"PQ1","occurred_at":"2026-01-13T11:00:00+01:00","message":"Entregado a Ana Pérez Zubizarreta","city":"Madrid","status":"delivered"}]'
eq "events accepted" "$STATUS" 200

# what the support side and the notifier would have written
O1=$(sql "select id from orders where merchant_id=1 and order_ref='A-1'")
C1=$(sql "select customer_id from orders where id=$O1")
sql "insert into conversations(id,merchant_id,customer_id,phone,email,channel,last_message_at,created_at,updated_at) values
  (1,1,$C1,'+34600111222',NULL,'whatsapp',$NOW,$NOW,$NOW),
  (2,1,NULL,NULL,'ana.perez@example.com','email',$NOW,$NOW,$NOW),
  (3,1,NULL,'+34600999888',NULL,'sms',$NOW,$NOW,$NOW);
 insert into conversations(id,merchant_id,order_id,channel,last_message_at,created_at,updated_at) values
  (4,1,$O1,'webchat',$NOW,$NOW,$NOW);
 insert into messages(merchant_id,conversation_id,direction,channel,author,body,created_at) values
  (1,1,'in','whatsapp','customer','hola, soy Ana Pérez Zubizarreta, vivo en calle Mayor 3',$NOW),
  (1,1,'out','whatsapp','bot','Tu pedido A-1 está en camino',$NOW),
  (1,2,'in','email','customer','No me ha llegado nada, Ana',$NOW),
  (1,3,'in','sms','customer','Soy Bruno, gracias',$NOW),
  (1,4,'in','webchat','customer','Soy Ana Pérez Zubizarreta, ¿dónde está mi pedido?',$NOW);
 insert into incidents(merchant_id,order_id,type,origin,message,contact,sla_due_at,created_at,updated_at,conversation_id,customer_id) values
  (1,$O1,'damaged','whatsapp','La caja llegó rota, Ana Pérez Zubizarreta','+34600111222',$NOW,$NOW,$NOW,1,$C1);
 insert into incident_log(incident_id,kind,actor,body,created_at) values (1,'note','agent:x@tienda.es','llamar a Ana Pérez Zubizarreta',$NOW);
 insert into outbox(merchant_id,order_id,customer_id,trigger,channels,channel,state,next_attempt_at,idem_key,subject,body,created_at,updated_at)
  values (1,$O1,$C1,'shipped','email','email','sent',$NOW,'t:1','Ana Pérez Zubizarreta, tu pedido','Hola Ana Pérez Zubizarreta',$NOW,$NOW),
         (1,$O1,$C1,'delivered','email','email','queued',$NOW+99999,'t:2',NULL,NULL,$NOW,$NOW);
 insert into notify_contacts(merchant_id,order_id,customer_id,channel,address,source,created_at,updated_at) values (1,$O1,$C1,'sms','+34600111222','tracking_page',$NOW,$NOW);
 insert into push_subscriptions(merchant_id,order_id,endpoint,p256dh,auth,created_at) values (1,$O1,'https://push.example/ana','BPk','au',$NOW);
 insert into notify_optouts(customer_id,channel,source,created_at) values ($C1,'whatsapp','whatsapp_stop',$NOW);
 insert into coupons(merchant_id,order_id,code,kind,value_cents,reason,created_at) values (1,$O1,'SORRY-AAAA-BBBB','percent',1000,'late',$NOW);
 insert into inbound(merchant_id,source,received_at,result,payload) values (1,'shopify',$NOW,'applied',CAST('{\"email\":\"ana.perez@example.com\"}' AS BLOB));"

# raw webhook payloads in the inbound log: Shopify's order A-1 with the person in it (their phone
# as the shop wrote it, not as Rastro stores it, and no e-mail), another customer's order whose
# note quotes "A-1", and the other merchant's own A-1
FIX=$(dirname "$0")/../fixtures/shopify-orders-create-es.json
jq -c '.name="A-1" | .email=null | .customer={"id":1,"first_name":"Ana","last_name":"Pérez Zubizarreta","phone":"+34 600 111 222"}
  | .shipping_address.address1="calle Mayor 3" | .shipping_address.zip="28013" | .shipping_address.phone="+34 600 111 222"' "$FIX" >"$T_DIR/p-ana.json"
jq -c '.name="B-1" | .note="cambio del pedido A-1" | .customer={"id":2,"first_name":"Bruno","last_name":"Otero","email":"bruno@example.com"}' "$FIX" >"$T_DIR/p-bruno.json"
sql "insert into inbound(id,merchant_id,source,topic,received_at,result,payload,payload_type) values
  (101,1,'shopify','orders/create',$NOW,'applied',readfile('$T_DIR/p-ana.json'),'application/json'),
  (102,1,'shopify','orders/create',$NOW,'applied',readfile('$T_DIR/p-bruno.json'),'application/json'),
  (103,2,'shopify','orders/create',$NOW,'applied',readfile('$T_DIR/p-ana.json'),'application/json'),
  (104,1,'generic',NULL,$NOW,'applied',CAST('{\"events\":[{\"tn\":\"PQ1\",\"ref\":\"A-1\",\"at\":\"2026-01-11T09:00:00+01:00\",\"msg\":\"para Ana\"},{\"tn\":\"BQ1\",\"ref\":\"B-1\",\"at\":\"2026-01-11T09:00:00+01:00\",\"msg\":\"para Bruno Otero, calle Luna 1\"}]}' AS BLOB),'application/json');"
# a carrier batch through the generic webhook: one of Ana's parcels and one of Bruno's in one body
KEY=$KEY_A api PUT /v1/integrations/generic '{"secret":"generic-secret-privacy","mapping":{"events":"/events","tracking_number":"/tn","order_ref":"/ref","occurred_at":"/at","message":"/msg"}}'
eq "generic integration with a mapping" "$STATUS" 201

# ---- export ----
KEY=$KEY_RO api GET '/v1/customers/export?email=ana.perez@example.com'
eq "export needs the admin scope: 403" "$STATUS" 403
KEY=$KEY_A api GET '/v1/customers/export'
eq "export without email or phone: 400" "$STATUS" 400
KEY=$KEY_A api GET '/v1/customers/export?email=nope'
eq "export with a malformed e-mail: 422" "$STATUS" 422
KEY=$KEY_A api GET '/v1/customers/export?phone=+34600111222'
eq "export by a phone whose + was not escaped: 422 saying to write %2B" "$STATUS/$(jqr .error.message)" \
  '422/phone arrived as " 34600111222": in a URL a bare + reads as a space; write it as %2B (phone=%2B34600111222)'
KEY=$KEY_A api GET '/v1/customers/export?email=nobody@example.com'
eq "export of someone unknown: 404" "$STATUS" 404
KEY=$KEY_A api GET '/v1/customers/export?email=ANA.PEREZ@example.com'
eq "export: 200" "$STATUS" 200
eq "  one customer, both orders" "$(jqr '"\(.customers|length)/\([.orders[].order_ref]|join(","))"')" "1/A-1,A-2"
eq "  the customer's zone" "$(jqr '.customers[0].timezone')" America/Mexico_City
eq "  shipments with their events (and the pickup point one named)" "$(jqr '[.orders[0].shipments[0].events[]|.message // .pickup_address]|join("|")')" "Admitido|Calle Mayor 12, 28013 Madrid|Entregado a Ana Pérez Zubizarreta"
eq "  notifications with their bodies" "$(jqr '[.notifications[].body]|map(. // "-")|join("|")')" "Hola Ana Pérez Zubizarreta|-"
eq "  conversations: the customer's, the one from their address and the page's anonymous chat on their order" "$(jqr '[.conversations[].id]|join(",")')" "1,2,4"
eq "  with their messages" "$(jqr '[.conversations[].messages[].body]|length')" 4
eq "  incidents with their log" "$(jqr '"\(.incidents[0].message)/\(.incidents[0].log[0].body)"')" "La caja llegó rota, Ana Pérez Zubizarreta/llamar a Ana Pérez Zubizarreta"
eq "  consents, contacts, push subscriptions, coupons" "$(jqr '"\(.optouts[0].channel)/\(.contacts[0].address)/\(.push_subscriptions[0].endpoint)/\(.coupons[0].code)"')" "whatsapp/+34600111222/https://push.example/ana/SORRY-AAAA-BBBB"
eq "  times are RFC 3339" "$(jqr '.orders[0].placed_at')" "2026-01-10T09:00:00Z"
eq "  the kept webhook payloads of their orders, as received" "$(jqr '[.webhook_payloads[]|select(.source=="shopify")|"\(.id)/\(.source)/\(.topic)/\(.payload.shipping_address.address1)/\(.payload.customer.phone)"]|join(",")')" "101/shopify/orders/create/calle Mayor 3/+34 600 111 222"
eq "  one that also holds another customer's parcel: listed, without its payload, saying why" \
   "$(jqr '[.webhook_payloads[]|select(.source=="generic")|"\(.id)/\(.payload)/\(.payload_note)"]|join(",")')" \
   "104/null/also holds other customers' orders: the payload is not included"
eq "  nothing of another customer" "$(printf '%s' "$BODY_OUT" | grep -c Bruno)" 0
KEY=$KEY_A api GET '/v1/customers/export?phone=%2B34600111222'
eq "export by phone finds the same person (and the conversation from their e-mail)" "$(jqr '"\(.customers|length)/\(.conversations|length)"')" "1/3"
KEY=$KEY_A api POST /v1/customers/export '{"phone":"+34 600 111 222"}'
eq "POST /v1/customers/export: the same document, the phone kept out of the URL" "$STATUS/$(jqr '"\(.customers|length)/\(.conversations|length)/\(.query.phone)"')" "200/1/3/+34600111222"
KEY=$KEY_RO api POST /v1/customers/export '{"email":"ana.perez@example.com"}'
eq "  needs the admin scope: 403" "$STATUS" 403
KEY=$KEY_A api POST /v1/customers/export '{}'
eq "  without email or phone: 400" "$STATUS" 400
KEY=$KEY_A api POST /v1/customers/export '{"email":"nobody@example.com"}'
eq "  someone unknown: 404" "$STATUS" 404
KEY=$KEY_B api GET '/v1/customers/export?email=ana.perez@example.com'
eq "tenancy: the other merchant sees only its own order" "$(jqr '[.orders[].merchant_id]|unique|join(",")')" 2
CLI=$("$RASTRO_BIN" customer export --db "$DB" --merchant 1 --email ana.perez@example.com)
eq "rastro customer export prints the same document" "$(printf '%s' "$CLI" | jq -c '[(.orders|length), (.conversations|length), (.incidents|length)]')" "[2,3,1]"
# a misspelt --db is not an empty shop: "holds nothing" from a new empty file would be a lie
err=$("$RASTRO_BIN" customer erase --db "$DB.typo" --merchant 1 --email ana.perez@example.com 2>&1 >/dev/null); rc=$?
eq "rastro customer erase with a misspelt --db: exit 1 saying there is no database there, none created" \
  "$rc/$(printf '%s' "$err" | grep -c "no database at '$DB.typo'")/$([ -e "$DB.typo" ] && echo created)" "1/1/"
"$RASTRO_BIN" customer export --db "$DB" --merchant 1 >/dev/null 2>&1
eq "rastro customer export without --email/--phone: usage error" "$?" 2

# ---- erase ----
KEY=$KEY_A api POST /v1/customers/erase '{"email":42}'
eq "erase with a non-string e-mail: 422" "$STATUS" 422
KEY=$KEY_RO api POST /v1/customers/erase '{"email":"ana.perez@example.com"}'
eq "erase needs the admin scope: 403" "$STATUS" 403
KEY=$KEY_A api POST /v1/customers/erase '{"email":"ana.perez@example.com","phone":"+34600999888"}'
eq "erase with an e-mail and a phone (Bruno's, mistyped in): 422, nobody erased" \
  "$STATUS/$(jqr .error.code)/$(sql "select count(*) from customers where erased_at is not null")" "422/invalid_field/0"
"$RASTRO_BIN" customer export --db "$DB" --merchant 1 --email ana.perez@example.com --phone +34600999888 >/dev/null 2>&1
eq "rastro customer export with both --email and --phone: refused" "$?" 2
KEY=$KEY_A api POST /v1/customers/erase '{"phone":"+34 600 111 222"}'
eq "erase: 200" "$STATUS" 200
eq "  reports what changed" "$(jqr '.changed|"\(.customers)/\(.orders)/\(.messages)/\(.conversations)/\(.incidents)/\(.contacts)/\(.push_subscriptions)/\(.notifications)/\(.inbound_payloads)"')" "1/2/4/3/1/1/1/2/3"
eq "  her WhatsApp opt-out is kept, as a one-way key of the number (no trace of it, below)" \
   "$(jqr .changed.optouts_kept)/$(sql "select channel||':'||source from notify_suppressed where merchant_id=1")" "1/whatsapp:whatsapp_stop"
# a copy without merchant 2's own customer and order (same person there, not erased): no trace left
cp "$DB" "$T_DIR/copy.db"; sqlite3 "$DB" ".backup '$T_DIR/copy.db'"
sqlite3 "$T_DIR/copy.db" "pragma foreign_keys=off; delete from orders where merchant_id=2; delete from customers where merchant_id=2;"
eq "no trace of the name, e-mail, phone, postcode or street left in the database" \
   "$(sqlite3 "$T_DIR/copy.db" .dump | grep -ciE 'Zubizarreta|ana\.perez@|600111222|28013|calle Mayor')" 0
eq "  the webhook payloads of their orders dropped; another customer's and the other merchant's kept" \
   "$(sql "select group_concat(id||':'||(payload is not null)) from inbound where id in (101,102,103,104)")" "101:0,102:1,103:1,104:0"
eq "  message bodies erased" "$(sql "select group_concat(distinct body) from messages where conversation_id in (1,2,4)")" "[erased]"
eq "  incident message, contact and log erased" "$(sql "select message||'/'||coalesce(contact,'-')||'/'||(select body from incident_log where incident_id=1) from incidents where id=1")" "[erased]/-/[erased]"
eq "  the queued notification will not go out" "$(sql "select state||'/'||reason from outbox where idem_key='t:2'")" "failed/erased"
eq "  analytics kept: statuses, times, items, coupons" "$(sql "select status||'/'||placed_at||'/'||dest_country||'/'||json_extract(items,'\$[0].sku') from orders where id=$O1")/$(sql "select count(*) from coupons")" "delivered/1768035600/ES/TAZA/1"
eq "  the customer row stays, anonymised, with erased_at" "$(sql "select coalesce(name,'-')||coalesce(email,'-')||coalesce(phone,'-')||'/'||(erased_at>0) from customers where id=$C1")" "---/1"
eq "  the other customer is untouched" "$(sql "select name||'/'||(select body from messages where conversation_id=3) from customers where email='bruno@example.com'")" "Bruno Otero/Soy Bruno, gracias"
eq "  and the other merchant's customer too" "$(sql "select name from customers where merchant_id=2")" "Ana Pérez Zubizarreta"
KEY=$KEY_A api GET /v1/orders/A-1
eq "the order still answers its status" "$(jqr '"\(.status)/\(.customer.name)"')" "delivered/null"
# the shop sends the order again on its next change (Shopify's orders/updated), with the person in it
KEY=$KEY_A api POST /v1/orders '{"order_ref":"A-1","placed_at":"2026-01-10T10:00:00+01:00","customer":{"name":"Ana Pérez Zubizarreta","email":"ana.perez@example.com","phone":"+34600111222"},"destination":{"postal_code":"28013","city":"Madrid","country":"ES"},"items":[{"sku":"TAZA","name":"Taza","quantity":2}]}'
eq "an update of the erased order is applied" "$STATUS/$(jqr .items[0].quantity)" "200/2"
eq "  but the person and where they live do not come back" "$(jqr '"\(.customer.name)/\(.customer.email)/\(.customer.phone)/\(.destination.postal_code)/\(.destination.city)/\(.destination.country)"')" "null/null/null/null/null/ES"
KEY=$KEY_A api POST /v1/events '{"carrier":"correos","tracking_number":"PQ1","occurred_at":"2026-01-14T10:00:00+01:00","status":"delivered","message":"Recogido en oficina por Ana Pérez Zubizarreta","location":{"city":"Madrid","country":"ES"},"pickup":{"name":"Estanco Calle Mayor"}}'
eq "a late carrier event on the erased order is recorded" "$STATUS/$(sql "select count(*) from events where occurred_at=1768381200")" "201/1"
eq "  without the carrier's free text or place (nor the pickup point near the home)" "$(sql "select coalesce(message,'-')||'/'||coalesce(city,'-')||'/'||coalesce(pickup_name,'-') from events where occurred_at=1768381200")" "-/-/-"
eq "  nor a new customer row" "$(sql "select count(*) from customers where merchant_id=1 and (email='ana.perez@example.com' or phone='+34600111222')")" 0
# and through the shop's webhook (orders/updated sends the whole order, the person in it)
KEY=$KEY_A api PUT /v1/integrations/shopify '{"secret":"shopify-secret-privacy"}'
HOOK_URL=$(jqr .webhook_url)
jq -c '.updated_at="2026-01-15T10:00:00+01:00"' "$T_DIR/p-ana.json" >"$T_DIR/p-ana2.json"
STATUS=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "X-Shopify-Topic: orders/updated" \
  -H "X-Shopify-Event-Id: ev-ana-2" -H "X-Shopify-Hmac-Sha256: $(openssl dgst -sha256 -hmac shopify-secret-privacy -binary "$T_DIR/p-ana2.json" | base64 -w0)" \
  --data-binary @"$T_DIR/p-ana2.json" "$HOOK_URL")
BODY_OUT=$(cat "$T_DIR/resp")
eq "the shop's webhook with the erased order is applied" "$STATUS/$(jqr .result)/$(jqr .orders.updated)" "200/applied/1"
IN_ID=$(jqr .inbound_id)
eq "  but its raw payload, quoting the person, is not kept, and the log says why" \
  "$(sql "select (payload is null)||'/'||(instr(summary,'erased customer')>0) from inbound where id=$IN_ID")" "1/1"
KEY=$KEY_A api POST "/v1/inbound/$IN_ID/replay"
eq "  so it cannot be replayed" "$STATUS/$(jqr .error.code)" "409/payload_gone"
KEY=$KEY_A api GET '/v1/customers/export?email=ana.perez@example.com'
eq "after erase the export finds nothing: 404" "$STATUS" 404
KEY=$KEY_A api POST /v1/customers/erase '{"email":"ana.perez@example.com"}'
eq "erasing again: 404" "$STATUS" 404
OUT=$("$RASTRO_BIN" customer erase --db "$DB" --merchant 1 --phone +34600999888)
eq "rastro customer erase prints what changed" "$(printf '%s' "$OUT" | jq -c '.changed|[.customers,.conversations,.messages]')" "[1,1,1]"
# Ana orders again: a new purchase, a new customer, who said STOP on WhatsApp before the erasure
KEY=$KEY_A api POST /v1/orders '{"order_ref":"A-9","placed_at":"2026-02-10T10:00:00+01:00","customer":{"name":"Ana","email":"Ana.Perez@example.com","phone":"+34600111222","preferred_channel":"whatsapp"},"destination":{"country":"ES"}}'
eq "a new order of the erased person makes a new customer, still opted out of WhatsApp" "$STATUS/$(sql "select group_concat(o.channel) from notify_optouts o join orders r on r.customer_id=o.customer_id where r.order_ref='A-9' and r.merchant_id=1")" "201/whatsapp"
KEY=$KEY_B api POST /v1/orders '{"order_ref":"B-9","placed_at":"2026-02-10T10:00:00+01:00","customer":{"name":"Ana","phone":"+34600111222"},"destination":{"country":"ES"}}'
eq "  the other merchant's customer with that number is not" "$STATUS/$(sql "select count(*) from notify_optouts o join customers c on c.id=o.customer_id where c.merchant_id=2")" "201/0"

# ---- retention ----
D=86400
sql "insert into support_settings(merchant_id,config,updated_at) values (1,'{\"retention_days\":30}',$NOW);
 insert into conversations(id,merchant_id,phone,channel,last_message_at,created_at,updated_at) values
  (10,1,'+34611000001','sms',$NOW-10*$D,$NOW,$NOW),(11,1,'+34611000002','sms',$NOW-40*$D,$NOW,$NOW),(12,2,'+34611000003','sms',$NOW-100*$D,$NOW,$NOW);
 insert into messages(merchant_id,conversation_id,direction,channel,author,body,created_at) values
  (1,10,'in','sms','customer','old one',$NOW-40*$D),(1,10,'in','sms','customer','recent',$NOW-10*$D),
  (1,11,'in','sms','customer','all old',$NOW-40*$D),
  (2,12,'in','sms','customer','400 days',$NOW-400*$D),(2,12,'in','sms','customer','100 days',$NOW-100*$D);
 insert into incidents(merchant_id,order_id,type,origin,sla_due_at,created_at,updated_at,conversation_id) values (1,$O1,'lost','sms',$NOW,$NOW,$NOW,11);
 insert into inbound(merchant_id,source,received_at,result) values (1,'shopify',$NOW-40*$D,'applied'),(1,'shopify',$NOW-5*$D,'applied');
 insert into inbound(id,merchant_id,source,received_at,result,payload) values
  (201,1,'shopify',$NOW-8*$D,'applied',CAST('{\"name\":\"Carla Ruiz\"}' AS BLOB)),(202,1,'shopify',$NOW-6*$D,'applied',CAST('{\"name\":\"Dora\"}' AS BLOB));
 insert into outbox(merchant_id,order_id,trigger,channels,channel,state,next_attempt_at,idem_key,subject,body,created_at,updated_at) values
  (1,$O1,'shipped','email','email','sent',$NOW,'r:old','Hola Carla','Carla, tu pedido va a calle Sol 5',$NOW-40*$D,$NOW),
  (1,$O1,'shipped','email','email','sent',$NOW,'r:new','Hola Carla','reciente',$NOW-10*$D,$NOW);"
stop_server
start_server "$DB"
swept() { [ "$(sql "select count(*) from messages where body='old one'")" = 0 ]; }
wait_sweep() { for _ in $(seq 1 50); do swept && return 0; sleep 0.2; done; return 1; }
check "the server's sweep runs at start" wait_sweep
eq "messages past the merchant's retention_days (30) deleted, recent kept" "$(sql "select group_concat(body,'|') from messages where conversation_id in (10,11)")" "recent"
eq "a conversation left empty is deleted; its incident stays, unlinked" "$(sql "select count(*) from conversations where id=11")/$(sql "select coalesce(conversation_id,'-') from incidents where type='lost'")" "0/-"
eq "the copy of a notification sent before retention_days is cleared (the row stays), a recent one kept" "$(sql "select coalesce(body,'-') from outbox where idem_key in ('r:old','r:new') order by idem_key desc")" "$(printf -- '-\nreciente')"
eq "default retention (365 days) for a merchant without settings" "$(sql "select group_concat(body,'|') from messages where conversation_id=12")" "100 days"
eq "inbound log rows older than 30 days deleted" "$(sql "select count(*) from inbound where received_at<$NOW-30*$D")/$(sql "select count(*) from inbound where received_at=$NOW-5*$D")" "0/1"
eq "raw payloads older than 7 days dropped by the sweep, with no new delivery to purge them; a newer one kept" \
   "$(sql "select group_concat(id||':'||(payload is not null)) from inbound where id in (201,202)")" "201:0,202:1"
"$RASTRO_BIN" customer sweep --db "$DB" --inbound-days 3 >/dev/null
eq "rastro customer sweep --inbound-days 3" "$(sql "select count(*) from inbound where received_at<$NOW-3*$D")" 0
grep -q "retention: deleted" "$T_DIR/server.log"
eq "the sweep says what it deleted" "$?" 0

finish
