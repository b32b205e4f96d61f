#!/usr/bin/env bash
# proxy.sh — Rastro behind a reverse proxy (`rastro serve --trusted-proxy`): per-address limits
# (here the failed tracking look-ups) count each customer by the address the trusted proxy
# forwards for (X-Forwarded-For or RFC 7239 Forwarded), not the proxy's own; a client cannot choose its address with a header of its
# own, and without --trusted-proxy the header is ignored. Bad proxy lists are refused.
source "$(dirname "$0")/../lib/lib.sh"
export RASTRO_LOOKUP_BURST=3 RASTRO_LOOKUP_PER_MIN=1 RASTRO_STREAMS_PER_ADDR=2 RASTRO_CONNS_PER_ADDR=5

SERVE_ARGS="--trusted-proxy 127.0.0.1,::1" start_server "$T_DIR/x.db"
KEY=$(new_merchant "Tienda Proxy")
api POST /v1/orders '{"order_ref":"X-1","placed_at":"2026-11-20T10:00:00+01:00","destination":{"postal_code":"28001","country":"ES"}}'
CODE=$(jqr .tracking_code)
# wrong FORWARDED_FOR: a look-up with the wrong postcode from that client; prints the status
wrong() { curl -s -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: $1" "$BASE/v1/track/$CODE?postcode=99999"; }

got=""; for _ in 1 2 3 4; do got="$got $(wrong 203.0.113.5)"; done
eq "client A: three failed look-ups, then 429" "$got" " 200 200 200 429"
eq "client B behind the same proxy is not blocked with A" "$(wrong 203.0.113.6)" 200
eq "A cannot escape by prepending an address (the proxy appends the real one)" "$(wrong '198.51.100.1, 203.0.113.5')" 429
eq "an address forwarded through a second trusted hop is still A's" "$(wrong '203.0.113.5, 127.0.0.1')" 429
eq "a malformed header counts against the proxy's own address" "$(wrong 'unknown')" 200
# a proxy that writes the standard header (RFC 7239) instead: the same rules
fwd() { curl -s -o /dev/null -w '%{http_code}' -H "Forwarded: $1" "$BASE/v1/track/$CODE?postcode=99999"; }
eq "Forwarded: client A is still A (limited)" "$(fwd 'for=203.0.113.5;proto=https')" 429
got=""; for _ in 1 2 3 4; do got="$got $(fwd 'for="[2001:db8::c]:4711"')"; done
eq "  client C (IPv6, quoted, with a port): its own three, then 429" "$got" " 200 200 200 429"
eq "  C cannot escape by writing its own hop first" "$(fwd 'for=198.51.100.9, for="[2001:db8::c]"')" 429
eq "  nor with another address of its own /64 (a home or phone picks any of them)" "$(fwd 'for="[2001:db8::1:2:3:4]"')/$(wrong 2001:db8::ffff)" 429/429
eq "  while an address of another /64 is someone else" "$(fwd 'for="[2001:db8:0:1::c]"')" 200
# live streams (each holds a connection for minutes): at most RASTRO_STREAMS_PER_ADDR per client
stream() { curl -s -o /dev/null -w '%{http_code}' --max-time "${2:-1}" -H "X-Forwarded-For: $1" "$BASE/t/$CODE/stream"; }
S_PIDS=()
for _ in 1 2; do # curl itself in the background, so that kill closes its connection
  curl -s -o /dev/null --max-time 30 -H "X-Forwarded-For: 203.0.113.7" "$BASE/t/$CODE/stream" & S_PIDS+=($!); T_PIDS+=($!)
done
sleep 1
eq "live streams: client D holds two, a third is 429" "$(stream 203.0.113.7)" 429
curl -s -o /dev/null -D "$T_DIR/sh" --max-time 1 -H "X-Forwarded-For: 203.0.113.7" "$BASE/t/$CODE/stream"
check "  with Retry-After" grep -qi '^retry-after: 60' "$T_DIR/sh"
eq "  client E behind the same proxy still gets one" "$(stream 203.0.113.8)" 200
kill "${S_PIDS[@]}" 2>/dev/null; wait "${S_PIDS[@]}" 2>/dev/null
# (the server notices a closed client within a second, not at a keep-alive 15 to 30 s later)
check "  D's closed streams are given back within seconds" wait_for 8 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -H 'X-Forwarded-For: 203.0.113.7' '$BASE/t/$CODE/stream')\" = 200 ]"
# idle N: hold N idle connections (a slowloris) to the server for 30 s; IDLE_PID
idle() {
  rm -f "$T_DIR/idle.up"
  python3 -c 'import socket,sys,time
s=[socket.create_connection(("127.0.0.1",int(sys.argv[1]))) for _ in range(int(sys.argv[2]))]
time.sleep(0.5)
open(sys.argv[3],"w").write("up")
time.sleep(30)' "$PORT" "$1" "$T_DIR/idle.up" & IDLE_PID=$!; T_PIDS+=("$IDLE_PID")
  wait_for 10 test -s "$T_DIR/idle.up"
}
healthz() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$BASE/healthz"; }
idle 8
eq "connections per address are not limited for the trusted proxy (RASTRO_CONNS_PER_ADDR=5, 8 idle)" "$(healthz)" 200
kill "$IDLE_PID"; wait "$IDLE_PID" 2>/dev/null
stop_server

# without --trusted-proxy the header is nobody's to set: every look-up here is 127.0.0.1's
start_server "$DB"
got=""; for i in 1 2 3 4; do got="$got $(wrong 203.0.113.$((20 + i)))"; done
eq "no trusted proxy: a different X-Forwarded-For each time does not reset the limit" "$got" " 200 200 200 429"
idle 5
eq "no trusted proxy: an address holding RASTRO_CONNS_PER_ADDR idle connections gets no more" "$(healthz)" 000
kill "$IDLE_PID"; wait "$IDLE_PID" 2>/dev/null
check "  and gets them again once it lets them go" wait_for 10 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 '$BASE/healthz')\" = 200 ]"
stop_server

out=$("$RASTRO_BIN" serve --db "$DB" --listen 127.0.0.1:$(free_port) --trusted-proxy proxy.local 2>&1); rc=$?
eq "--trusted-proxy with a host name: exit 2" "$rc" 2
check "  says what is wrong" bash -c "printf '%s' '$out' | grep -q 'is not an IPv4 or IPv6 address'"
out=$(RASTRO_TRUSTED_PROXIES=10.0.0.300 "$RASTRO_BIN" serve --db "$DB" --listen 127.0.0.1:$(free_port) 2>&1); rc=$?
eq "RASTRO_TRUSTED_PROXIES is checked too" "$rc" 2
finish
