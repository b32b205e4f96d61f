#!/usr/bin/env bash
# upgrade.sh — a live shop upgraded from an older release (docs/operations.md, "Upgrading"). The
# database is tests/data/upgrade-v7.sql: written through the API and CLI of release 111cd36
# (schema version 7) and dumped (its rows; the schema is migrations 0001-0007), with its API key, notification settings (SMS + webhook, an old
# template, an e-mail reply_to of two addresses), support and promise settings as that release
# stored them (that reply_to, confidence 0.999 and cut-off "9:05" are refused by a save now), an order with its tracking code, a shipment, queued
# notifications, an incident and a conversation a logged call left on the channel 'phone'. This
# release opens it: the migrations apply once and the log says so, and everything keeps working.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/recorder.sh"
HERE=$(cd "$(dirname "$0")/../.." && pwd)
DUMP=$HERE/tests/data/upgrade-v7.sql
# old_db FILE: the version-7 database: its schema (migrations 0001-0007), then its rows
old_db() {
  cat "$HERE"/src/store/sql/000[1-7]-*.sqlite.sql | sqlite3 "$1" && sqlite3 "$1" < "$DUMP"
}
command -v python3 >/dev/null || { echo "python3 missing (scripts/deps.sh test)"; exit 1; }
start_recorder || { not_ok "recorder starts"; finish; exit 1; }

DB=$T_DIR/shop.db
old_db "$DB"
KEY=$(sed -n 's/^-- API key: //p' "$DUMP")
# the old settings pointed at a provider this test replaces with its recorder
sqlite3 "$DB" "update notify_settings set config=replace(config,'http://127.0.0.1:9','$REC')"
eq "the old database is at schema version 7" "$(sqlite3 "$DB" 'select max(version) from schema_migrations')" 7

# ---- migrations: applied once, and said ----
out=$("$RASTRO_BIN" migrate --db "$DB" 2>&1)
eq "rastro migrate upgrades it to the current schema" "$(printf '%s\n' "$out" | grep '^schema version')" \
   "schema version $(ls "$HERE"/src/store/sql/*.sqlite.sql | wc -l)"
check "  and says from which version, to which, and through which migrations" \
  grep -q "database upgraded from schema version 7 to [0-9]*: [0-9]* migrations applied (0008-promise-online.sqlite.sql to " <<<"$out"
eq "each migration recorded once" \
  "$(sqlite3 "$DB" "select count(*) = count(distinct version) and count(*) = $(ls "$HERE"/src/store/sql/*.sqlite.sql | wc -l) from schema_migrations")" 1
out=$("$RASTRO_BIN" migrate --db "$DB" 2>&1)
eq "a second run has nothing to apply and says nothing more" "$out" "schema version $(ls "$HERE"/src/store/sql/*.sqlite.sql | wc -l)"

# a migration that fails (here a table of the same name made by hand) stops the upgrade there,
# saying it was the upgrade, which migration, and the version the database stays at
FDB=$T_DIR/failed.db
old_db "$FDB"
sqlite3 "$FDB" "create table worker_heartbeats(x)"
out=$(timeout 20 "$RASTRO_BIN" serve --db "$FDB" --listen 127.0.0.1:$(free_port) 2>&1)
eq "serve on a database whose upgrade fails exits 1" "$?" 1
check "  naming the migration and the version the database stays at" \
  grep -q "upgrading the schema: migration 0016-worker-heartbeat.sqlite.sql failed, the database stays at schema version 15 (sqlite: table worker_heartbeats already exists)" <<<"$out"
eq "  the migrations before it are kept" "$(sqlite3 "$FDB" 'select max(version) from schema_migrations')" 15

start_server "$DB"
check "the server starts on the upgraded database" curl -fs "$BASE/healthz"

# ---- the merchant's API key, orders and settings ----
api GET /v1/orders/OLD-1
eq "the old API key authenticates, the old order reads back" "$STATUS/$(jqr .order_ref)" "200/OLD-1"
CODE=$(jqr .tracking_code)
api GET /v1/support/settings
eq "stored support settings load (SLA and retention as saved)" "$STATUS/$(jqr .sla_hours.lost)/$(jqr .retention_days)" "200/12/730"
api GET /v1/promise/settings
eq "stored promise settings load as the old release saved them (0.999, 9:05)" \
   "$STATUS/$(jqr .confidence)/$(jqr .cutoff)/$(jqr '.dispatch_days|length')" "200/0.999/9:05/5"
api PUT /v1/promise/settings '{"dispatch_days":["mon","tue","wed","thu","fri","sat"]}'
eq "  and a change of one field saves without tripping on the others" "$STATUS/$(jqr '.dispatch_days|length')" "200/6"
api GET /v1/incidents
eq "the old incident is listed" "$STATUS/$(jqr '.incidents[0].reference')/$(jqr '.incidents[0].state')" "200/INC-000001/open"

# ---- the customer's tracking code ----
KEY= api GET "/v1/track/$CODE"
eq "the old tracking code resolves alone" "$STATUS/$(jqr .tracking_code)" "200/$CODE"
code_lower=$(printf '%s' "$CODE" | tr 'A-Z-' 'a-z ')
KEY= api GET "/v1/track/${code_lower// /%20}"
eq "  typed in lower case with spaces too" "$STATUS" 200
for lang in es en; do
  st=$(curl -s -o "$T_DIR/page-$lang.html" -w '%{http_code}' "$BASE/t/$CODE?lang=$lang")
  eq "the tracking page renders the old order ($lang)" "$st" 200
done
check "  in Spanish and in English" bash -c "grep -q '<html lang=\"es\"' '$T_DIR/page-es.html' && grep -q '<html lang=\"en\"' '$T_DIR/page-en.html'"
st=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -X POST --data "postcode=28013" "$BASE/t/$CODE/verify?lang=es")
check "code + postcode verifies (303 to a token address)" bash -c "[[ '$st' =~ ^303\ .*v=[0-9a-z]+$ ]]"
st=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -X POST --data "email=javier%40example.es" "$BASE/t/$CODE/verify?lang=en")
check "code + e-mail verifies" bash -c "[[ '$st' =~ ^303\ .*v=[0-9a-z]+$ ]]"

# ---- notifications: old queued rows and new ones planned for the old order ----
sms_with() { [ -n "$(rec_find "(.path|test(\"/Messages.json\$\")) and (.body|test(\"$1\"))")" ]; }
final() { api GET /v1/orders/OLD-1/notifications; [ "$(jqr '[.notifications[]|select(.state=="queued" or .state=="sending")]|length')" = 0 ]; }
check "the notifications the old release queued are all dealt with" wait_for 20 final
eq "  none of them failed" "$(jqr '[.notifications[]|select(.state=="failed")|.last_error]|join(",")')" ""
api POST /v1/events "[{\"carrier\":\"correos\",\"tracking_number\":\"OLDQ1\",\"occurred_at\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"status\":\"out_for_delivery\"}]"
eq "a new event for the old shipment is accepted" "$STATUS/$(jqr .accepted)" "200/1"
check "  and its SMS goes out with the merchant's old template" wait_for 20 sms_with "llega%20hoy"
check "  (the stored e-mail reply_to a save now refuses does not stop them; the log says it is used as stored)" \
  grep -q 'notify settings: email.reply_to "ayuda@tienda-sol.example.es,pedidos@tienda-sol.example.es" was saved by an earlier release' "$T_DIR/server.log"
printf '%s' "$(sqlite3 "$DB" 'select config from notify_settings where merchant_id=1')" > "$T_DIR/stored.json"
out=$("$RASTRO_BIN" notify settings --merchant 1 --db "$DB" "$T_DIR/stored.json" 2>&1)
check "  but saving them again is refused, naming the field" grep -q 'email.reply_to .* is not an e-mail address' <<<"$out"
check "  and its signed webhook too" wait_for 20 bash -c "cat '$REC_DIR'/*.json | jq -e 'select(.path==\"/webhooks/rastro\" and (.body|test(\"out_for_delivery\")) and .headers[\"webhook-signature\"] != null)' >/dev/null"

# ---- the conversation an old release left on 'phone' ----
api POST /v1/conversations/1/messages '{"body":"Hola Javier, llega hoy mismo."}'
eq "an agent reply on the old conversation is queued" "$STATUS" 201
check "  and reaches the customer by SMS (the channel the conversation used), not dropped as 'phone'" \
  wait_for 20 sms_with "llega%20hoy%20mismo"
eq "  the conversation keeps SMS" "$(sqlite3 "$DB" 'select channel from conversations where id=1')" sms
stop_server

finish
