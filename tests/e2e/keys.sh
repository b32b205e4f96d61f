#!/usr/bin/env bash
# keys.sh — a merchant's API keys: listed (never a secret), made (a publishable quote key among
# them), and revoked — from the command line (`rastro merchant keys|key|revoke`) and over the API
# (GET/POST /v1/keys, DELETE /v1/keys/{key_id}, admin scope). A revoked key is refused at once
# by the server that revoked it and within the key cache's 5 seconds by one revoked from the
# command line; another merchant's keys cannot be seen or revoked.
source "$(dirname "$0")/../lib/lib.sh"
start_server "$T_DIR/k.db"
ADMIN=$(new_merchant "Tienda Sol")
OTHER=$(new_merchant "Tienda Luna")
AID=${ADMIN:0:11}

# ---- the command line ----
bad_say=""
for cs in "merchant revoke 1:give the KEY_ID" "merchant create:give the shop's NAME" "merchant keys:give the MERCHANT_ID" \
          "merchant hook:give the PROVIDER" "merchant lsit:'lsit' is not a merchant command" "merchant list 2:unexpected argument 2"; do
  err=$("$RASTRO_BIN" ${cs%%:*} --db "$DB" 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] && printf '%s' "$err" | head -1 | grep -qF -- "${cs#*:}" || bad_say+="[${cs%%:*}: exit $rc, $(printf '%s' "$err" | head -1)] "
done
eq "rastro merchant with a piece missing or misspelt names it on the first line (exit 2)" "$bad_say" ""
for a in "merchant list" "merchant keys 1" "agent list" "notify show --merchant 1" "promise sweep"; do
  "$RASTRO_BIN" $a --db "$T_DIR/typo.db" >/dev/null 2>"$T_DIR/err"; rc=$?
  eq "rastro $a against a missing database: exit 1, says so, creates none" \
    "$rc/$(grep -c 'no database at' "$T_DIR/err")/$([ -e "$T_DIR/typo.db" ] && echo created)" "1/1/"
done
out=$("$RASTRO_BIN" merchant keys 1 --db "$DB")
eq "rastro merchant keys: one live key" "$(printf '%s\n' "$out" | grep -c ' live$')" 1
check "  listed by its public id" grep -q "^$AID " <<<"$out"
check "  never the secret part" bash -c "! grep -q '${ADMIN:12}' <<<\"\$1\"" _ "$out"
READ=$("$RASTRO_BIN" merchant key 1 --scopes read --db "$DB" 2>/dev/null | sed -n 's/^api key: //p')
KEY=$READ api GET /v1/orders/none
eq "a new read key works" "$STATUS" 404
n_keys() { sqlite3 -readonly "$DB" "select count(*) from api_keys"; }
before=$(n_keys)
"$RASTRO_BIN" merchant key 1abc --db "$DB" >"$T_DIR/out" 2>"$T_DIR/err"
eq "rastro merchant key 1abc: exit 1, no merchant 1abc, no key made (not merchant 1)" "$?/$(grep -c 'no merchant 1abc' "$T_DIR/err")/$(grep -c 'api key' "$T_DIR/out")/$(n_keys)" "1/1/0/$before"
out=$("$RASTRO_BIN" merchant revoke 1 "$READ" --db "$DB")
eq "rastro merchant revoke with the whole key: exit 0" "$?" 0
check "  says when it takes effect" grep -q "revoked: a running server refuses it within 5 seconds" <<<"$out"
refused() { KEY=$READ api GET /v1/orders/none; [ "$STATUS" = 401 ]; }
check "the running server refuses it within the key cache's 5 s" wait_for 8 refused
KEY=$READ api GET /v1/orders/none
eq "  with the usual 401" "$(jqr .error.code)" "unauthorized"
"$RASTRO_BIN" merchant revoke 1 "${READ:0:11}" --db "$DB" >/dev/null 2>"$T_DIR/err"
eq "revoking it again: exit 1, no live key" "$?/$(grep -c 'has no live key' "$T_DIR/err")" "1/1"
"$RASTRO_BIN" merchant revoke 1 "rk_nope" --db "$DB" >/dev/null 2>&1
eq "a malformed key id: exit 2" "$?" 2
"$RASTRO_BIN" merchant revoke 2 "$AID" --db "$DB" >/dev/null 2>&1
eq "merchant 2 cannot revoke merchant 1's key" "$?" 1
check "  which still works" bash -c "KEY='$ADMIN'; curl -s -o /dev/null -w '%{http_code}' -H \"Authorization: Bearer \$KEY\" '$BASE/v1/merchant' | grep -q 200"
out=$("$RASTRO_BIN" merchant keys 1 --db "$DB")
check "the listing shows it revoked, with when" grep -q "^${READ:0:11} .* revoked 20" <<<"$out"

# ---- the API ----
KEY=$ADMIN api GET /v1/keys
eq "GET /v1/keys: 200 with both keys" "$STATUS/$(jqr '.keys|length')" "200/2"
eq "  newest first, revoked with its time" "$(jqr '.keys[0].key_id + " " + (.keys[0].revoked_at|type)')" "${READ:0:11} string"
eq "  the live one: scopes, secret" "$(jqr '.keys[1] | (.scopes|join(",")) + " " + (.publishable|tostring)')" "ingest,read,admin false"
check "  no hash or secret anywhere" bash -c "! grep -q -e '${ADMIN:12}' -e hash <<<\"\$1\"" _ "$BODY_OUT"
KEY=$ADMIN api POST /v1/keys '{"scopes":["quote"]}'
eq "POST /v1/keys a quote key: 201" "$STATUS/$(jqr '.publishable')/$(jqr '.scopes|join(",")')" "201/true/quote"
QK=$(jqr .key)
eq "  the key is shown, with its id" "$(jqr .key_id)" "${QK:0:11}"
check "  and a note that it is publishable" bash -c "jq -e '.note | contains(\"publishable\")' <<<\"\$1\"" _ "$BODY_OUT"
KEY=$QK api GET /v1/keys
eq "the quote key cannot list keys" "$STATUS" 403
KEY=$ADMIN api POST /v1/keys '{"scopes":["quote","superuser"]}'
eq "an unknown scope: 422" "$STATUS/$(jqr .error.code)" "422/invalid_scopes"
KEY=$ADMIN api POST /v1/keys '{"scopes":[]}'
eq "no scope: 422" "$STATUS" 422
KEY=$ADMIN api POST /v1/keys '{"scopes":["read,admin"]}'
eq "a comma list in one string: 422" "$STATUS" 422
KEY=$ADMIN api POST /v1/keys '{"scopes":["read"],"name":"x"}'
eq "an unknown member: 422" "$STATUS" 422
KEY=$ADMIN api POST /v1/keys 'not json'
eq "not JSON: 400" "$STATUS" 400
eq "  nothing was made by the bad requests" "$(sqlite3 -readonly "$DB" "select count(*) from api_keys where merchant_id=1")" 3

KEY=$ADMIN api DELETE "/v1/keys/${QK:0:11}"
eq "DELETE /v1/keys/{key_id}: 200" "$STATUS/$(jqr .revoked)" "200/true"
KEY=$QK api GET "/v1/promise?origin=ES/MAD&destination=ES/BCN"
eq "  refused at once by this server" "$STATUS" 401
KEY=$ADMIN api DELETE "/v1/keys/${QK:0:11}"
eq "again: 404" "$STATUS/$(jqr .error.code)" "404/key_not_found"
KEY=$ADMIN api DELETE "/v1/keys/$QK"
eq "the whole key in the URL: 400 (it would end up in logs)" "$STATUS/$(jqr .error.code)" "400/invalid_key_id"
KEY=$OTHER api DELETE "/v1/keys/$AID"
eq "another merchant's key: 404" "$STATUS" 404
KEY=$ADMIN api GET /v1/merchant
eq "  and it still works" "$STATUS" 200
KEY=$ADMIN api GET /v1/keys
eq "the listing: three keys, one live" "$(jqr '[.keys[] | select(.revoked_at == null)] | length')/$(jqr '.keys|length')" "1/3"

# the secret key sent from a web page: the refusal says how to revoke it
KEY= api GET /v1/openapi.json
printf '%s' "$BODY_OUT" > "$T_DIR/openapi.json"
check "openapi describes /v1/keys and its DELETE" jq -e '.paths["/v1/keys"].get and .paths["/v1/keys"].post and .paths["/v1/keys/{key_id}"].delete' "$T_DIR/openapi.json"
STATUS=$(curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ADMIN" -H "Origin: https://shop.example" "$BASE/v1/promise?origin=ES/MAD&destination=ES/BCN")
eq "a secret key from a web page: 403" "$STATUS" 403
check "  saying how to revoke it, by its id" grep -q "rastro merchant revoke 1 $AID\`, or DELETE /v1/keys/$AID" "$T_DIR/resp"
check "server log has no sanitizer report" bash -c "! grep -q -e 'runtime error' -e 'Sanitizer' '$T_DIR/server.log'"
finish
