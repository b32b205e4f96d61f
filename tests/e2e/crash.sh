#!/usr/bin/env bash
# Acknowledged means durable: stream single-event POSTs from 16 concurrent clients, kill -9 the
# server mid-stream, restart it on the same database, and check that every event that was
# answered 2xx is there (and that the database is intact).
source "$(dirname "$0")/../lib/lib.sh"
DB=$T_DIR/crash.db
start_server "$DB"
KEY=$(new_merchant "Crash Test")
api POST /v1/orders '{"order_ref":"K-1","placed_at":"2025-11-24T10:00:00Z"}'
api POST /v1/shipments '{"order_ref":"K-1","carrier":"correos","tracking_number":"KILL1"}'
eq "setup" "$STATUS" 201

post_one() { # $1 = sequence number → prints "<status> <seq>"; exits 255 once $T_DIR/stop exists
  [ -e "$T_DIR/stop" ] && exit 255
  local t; t=$(printf '2025-11-25T%02d:%02d:%02dZ' $(( $1 / 3600 % 24 )) $(( $1 / 60 % 60 )) $(( $1 % 60 )))
  local s; s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST "$BASE/v1/events" \
    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    --data "{\"carrier\":\"correos\",\"tracking_number\":\"KILL1\",\"occurred_at\":\"$t\",\"status\":\"in_transit\",\"message\":\"seq $1\"}")
  echo "$s $1"
}
export -f post_one; export BASE KEY T_DIR
seq 1 3000 | xargs -P 16 -I{} bash -c 'post_one {}' > "$T_DIR/acks.txt" 2>/dev/null &
STREAM=$!
# let it run, then kill the server with no chance to clean up
for _ in $(seq 1 50); do
  n=$(grep -c "^201" "$T_DIR/acks.txt" 2>/dev/null); [ "${n:-0}" -ge 300 ] && break
  sleep 0.1
done
kill -9 "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
# a moment of refused connections, then the queue stops: the first client to see the stop file
# exits 255, which makes xargs read no further (2,700 refused curls would take a minute and a
# half under ASan and prove nothing more); the clients still running end within a moment
sleep 0.3; touch "$T_DIR/stop"
wait "$STREAM" 2>/dev/null; sleep 0.5
acked=$(grep -c '^201' "$T_DIR/acks.txt")
check "some events were acknowledged before the kill ($acked)" test "$acked" -gt 0
check "the kill interrupted the stream" bash -c "[ $(wc -l < "$T_DIR/acks.txt") -gt $acked ]"

start_server "$DB"
api GET /v1/shipments/correos/KILL1
eq "server restarts on the same database" "$STATUS" 200
printf '%s' "$BODY_OUT" | jq -r '.events[].message' | sed 's/^seq //' | sort -n > "$T_DIR/stored.txt"
grep '^201' "$T_DIR/acks.txt" | awk '{print $2}' | sort -n > "$T_DIR/acked.txt"
missing=$(comm -23 "$T_DIR/acked.txt" "$T_DIR/stored.txt" | wc -l)
eq "every acknowledged event survived kill -9" "$missing" 0
stored=$(wc -l < "$T_DIR/stored.txt")
check "events stored ≥ events acknowledged ($stored ≥ $acked)" test "$stored" -ge "$acked"
eq "shipment event count matches its timeline" "$(jqr '.events|length')" "$stored"
check "database integrity after the crash" bash -c "[ \"\$(sqlite3 '$DB' 'PRAGMA integrity_check')\" = ok ]"
stop_server

# `rastro serve` and `rastro worker` started together (boot, or after an upgrade) both migrate:
# each must come up, every migration applied once
MDB=$T_DIR/together.db
for i in 1 2 3; do "$RASTRO_BIN" migrate --db "$MDB" > "$T_DIR/mig$i.out" 2>&1 & done
wait
eq "three processes migrating one new database at once all succeed" \
  "$(grep -c '^schema version' "$T_DIR"/mig[123].out | awk -F: '{s+=$2} END {print s}')" 3
eq "each migration recorded once" \
  "$(sqlite3 "$MDB" "SELECT count(*) = count(DISTINCT name) AND count(*) = $(ls "$(dirname "$0")"/../../src/store/sql/*.sqlite.sql | wc -l) FROM schema_migrations")" 1

# a database a newer release has upgraded is refused, named, untouched (not run on half-known tables)
sqlite3 "$MDB" "INSERT INTO schema_migrations VALUES(9999,'9999-future.sqlite.sql',0)"
timeout 20 "$RASTRO_BIN" serve --db "$MDB" --listen 127.0.0.1:$(free_port) > "$T_DIR/newer.out" 2>&1
eq "serve refuses a database from a newer release (exit 1)" "$?" 1
check "…saying why" grep -q "schema version 9999 is newer than this rastro knows" "$T_DIR/newer.out"
timeout 20 "$RASTRO_BIN" worker --db "$MDB" > "$T_DIR/newer-w.out" 2>&1
eq "worker refuses it too (exit 1)" "$?" 1

# a mistyped number is refused, not read as 0 (no notifications sent, no delay sweep)
for bad in "--workers two" "--sweep-interval 5m" "--readers 0"; do
  timeout 20 "$RASTRO_BIN" serve --db "$T_DIR/opts.db" --listen 127.0.0.1:$(free_port) $bad > "$T_DIR/opts.out" 2>&1
  eq "serve $bad is a usage error (exit 2)" "$?" 2
done
check "…naming the ranges" grep -q -- "--workers from 0" "$T_DIR/opts.out"

# a database in a directory that is not there: the directory is named (exit 1)
timeout 20 "$RASTRO_BIN" serve --db "$T_DIR/no-such-dir/r.db" --listen 127.0.0.1:$(free_port) > "$T_DIR/nodir.out" 2>&1
eq "serve on a database in a missing directory exits 1" "$?" 1
check "…naming the missing directory" grep -q "the directory '$T_DIR/no-such-dir' does not exist" "$T_DIR/nodir.out"
# ---- the host misbehaves (docs/operations.md, "When things go wrong") ----
# post_timed REF: POST an order; prints "<status> <seconds> <retry-after>" and keeps the body in $T_DIR/pt-REF
post_timed() {
  curl -s -o "$T_DIR/pt-$1" -D "$T_DIR/pt-$1.h" -w '%{http_code} %{time_total}' --max-time 40 -X POST "$BASE/v1/orders" \
    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    --data "{\"order_ref\":\"$1\",\"placed_at\":\"2025-11-24T10:00:00Z\"}"
  printf ' %s\n' "$(tr -d '\r' < "$T_DIR/pt-$1.h" | sed -n 's/^Retry-After: //Ip')"
}
# another process holds the database's write lock for 14 s (a long maintenance command)
LDB=$T_DIR/locked.db
start_server "$LDB"
KEY=$(new_merchant "Lock Test")
api POST /v1/orders '{"order_ref":"L-0","placed_at":"2025-11-24T10:00:00Z","destination":{"postal_code":"28013","country":"ES"}}'
LCODE=$(jqr .tracking_code)
# (.timeout: the server's own short writes — the dispatcher's claims, its heartbeat — may hold the
# lock for a moment when the locker starts; it waits for them, then says it holds the lock)
command sqlite3 -cmd ".timeout 5000" "$LDB" "BEGIN IMMEDIATE; UPDATE merchants SET name=name;" \
  ".shell touch '$T_DIR/locked'" ".shell sleep 14" "COMMIT;" > "$T_DIR/locker.out" 2>&1 &
LOCKER=$!
check "another process holds the write lock" wait_for 10 test -e "$T_DIR/locked"
post_timed L-1 > "$T_DIR/l1.out" &
P1=$!
sleep 0.2
# the tracking page's "get updates" form meanwhile: its 503 page says when to try again, the log why
curl -s -o /dev/null -D "$T_DIR/form.h" -X POST --data-urlencode 'channel=sms' --data-urlencode 'contact=+34600222333' \
  --data-urlencode 'action=start' "$BASE/t/$LCODE/updates" &
P3=$!
sleep 1.8
post_timed L-2 > "$T_DIR/l2.out"
wait "$P1"
wait "$P3"
eq "the page's updates form while locked: 503 with Retry-After" \
  "$(tr -d '\r' < "$T_DIR/form.h" | sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p')/$(tr -d '\r' < "$T_DIR/form.h" | sed -n 's/^Retry-After: //Ip')" "503/1"
check "…and the log names the form and the cause" grep -q "http: POST /t/$LCODE/updates: RS_ERETRY (updates form)" "$T_DIR/server.log"
read -r st1 t1 ra1 < "$T_DIR/l1.out"; read -r st2 t2 ra2 < "$T_DIR/l2.out"
eq "a write while another process holds the lock: 503 with Retry-After" "$st1/$ra1" "503/1"
check "…its JSON error says the database is busy" bash -c "jq -e '.error.code==\"unavailable\" and (.error.message|test(\"database is busy\"))' '$T_DIR/pt-L-1'"
check "…and the log line names the cause, with no empty \"()\"" grep -qx "http: POST /v1/orders: RS_ERETRY" "$T_DIR/server.log"
check "…after the bounded busy wait (~10 s, got ${t1}s)" bash -c "awk 'BEGIN{exit !($t1 >= 8 && $t1 < 13)}'"
eq "a write queued behind it: 503 too" "$st2" 503
check "…no later than 10 s after it arrived, not behind the first one's wait (got ${t2}s)" bash -c "awk 'BEGIN{exit !($t2 < 11.5)}'"
api GET /v1/orders/L-1
eq "reads answer while the lock is held" "$STATUS" 404
wait "$LOCKER"
read -r st3 _ < <(post_timed L-3)
eq "writes work again by themselves once the lock is gone" "$st3" 201
check "server log names the cause" grep -q "database is locked" "$T_DIR/server.log"
stop_server

# /healthz tells when notifications stopped: `serve --workers 0` relies on a `rastro worker`;
# when it dies (kill -9) /healthz says so within --worker-timeout, and is well again once a
# worker runs
SERVE_ARGS="--workers 0 --worker-timeout 10" start_server "$T_DIR/hb.db"
api GET /healthz
eq "healthz right after start, no worker yet: ok (it may start after the server)" "$STATUS/$(jqr .worker.ok)" "200/true"
"$RASTRO_BIN" worker --db "$DB" > "$T_DIR/worker.log" 2>&1 &
WPID=$!; T_PIDS+=("$WPID")
hb_seen() { api GET /healthz; [ "$(jqr .worker.last_seen)" != null ]; }
check "healthz shows the worker's heartbeat" wait_for 20 hb_seen
eq "…ok, 200" "$STATUS/$(jqr .status)/$(jqr .worker.ok)" "200/ok/true"
kill -9 "$WPID"; wait "$WPID" 2>/dev/null
hb_dead() { api GET /healthz; [ "$STATUS" = 503 ]; }
check "worker killed: healthz answers 503 within the timeout" wait_for 25 hb_dead
eq "…saying the worker is not ok (database ok)" "$(jqr .status)/$(jqr .database)/$(jqr .worker.ok)" "degraded/ok/false"
"$RASTRO_BIN" worker --db "$DB" > "$T_DIR/worker.log" 2>&1 &
WPID=$!; T_PIDS+=("$WPID")
hb_back() { api GET /healthz; [ "$STATUS" = 200 ]; }
check "a worker again: healthz 200 again" wait_for 20 hb_back
kill "$WPID"; wait "$WPID" 2>/dev/null
stop_server
timeout 20 "$RASTRO_BIN" serve --db "$T_DIR/hb.db" --listen 127.0.0.1:$(free_port) --worker-timeout 5 > "$T_DIR/hb-bad.out" 2>&1
eq "serve --worker-timeout below two heartbeats is a usage error (exit 2)" "$?" 2
check "…naming the range" grep -q -- "--worker-timeout 0 (no check) or from 10" "$T_DIR/hb-bad.out"

# a read-only database: serve refuses to start, saying so (root ignores permissions: a
# read-only bind mount then; anyone else: chmod)
RODIR=$T_DIR/ro; mkdir -p "$RODIR"
"$RASTRO_BIN" migrate --db "$RODIR/r.db" > /dev/null 2>&1
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$T_DIR/ro-mnt" && mount --bind "$RODIR" "$T_DIR/ro-mnt" && mount -o remount,ro,bind "$T_DIR/ro-mnt"
  RODB=$T_DIR/ro-mnt/r.db
else
  chmod 444 "$RODIR/r.db"; RODB=$RODIR/r.db
fi
timeout 20 "$RASTRO_BIN" serve --db "$RODB" --listen 127.0.0.1:$(free_port) > "$T_DIR/ro.out" 2>&1
eq "serve on a read-only database exits 1" "$?" 1
check "…saying it is read-only and what to check" grep -q "is read-only for this user: check the permissions" "$T_DIR/ro.out"
if [ "$(id -u)" = 0 ]; then umount "$T_DIR/ro-mnt"; else chmod 644 "$RODIR/r.db"; fi

# a full disk under a running server: writes 503 "storage full", reads go on, nothing half
# written, and writes work again once space is freed (needs root for a small tmpfs)
# ---- live streams opened and dropped (customers closing the tracking page) ----
# Each costs a socket only until its next keep-alive (15 s) finds the client gone, and is not
# worth a log line: a busy day of closed tabs must neither pile up descriptors nor fill the disk.
# Started with the soft descriptor limit at 128 (as low as a default 1,024 is for a busy day),
# which the server raises itself towards the hard limit.
SDB=$T_DIR/streams.db
soft0=$(ulimit -Sn); hard0=$(ulimit -Hn)
ulimit -Sn 128
lines_s=$(wc -l < "$T_DIR/server.log")
# here every customer is on 127.0.0.1: lift the per-address limits of streams (20) and of
# connections (100) (docs/operations.md, "Limits per client address")
RASTRO_STREAMS_PER_ADDR=1000 RASTRO_CONNS_PER_ADDR=0 start_server "$SDB"
ulimit -Sn "$soft0"
KEY=$(new_merchant "Stream Test")
api POST /v1/orders '{"order_ref":"S-1","placed_at":"2025-11-24T10:00:00Z"}'
SCODE=$(jqr .tracking_code)
fds() { ls "/proc/$SERVER_PID/fd" | wc -l; }
fd0=$(fds); lines0=$(wc -l < "$T_DIR/server.log")
want_fds=4096; [ "$hard0" != unlimited ] && [ "$hard0" -lt $want_fds ] && want_fds=$hard0
eq "serve raises its soft limit of open files (128) to what 2,000 connections need" \
   "$(awk '/Max open files/{print $4}' "/proc/$SERVER_PID/limits")" "$want_fds"
seq 1 200 | xargs -P 200 -I{} curl -s -N --max-time 4 "$BASE/t/$SCODE/stream" 2>/dev/null | grep -c '^retry:' > "$T_DIR/streams_ok"
eq "  200 customers with the tracking page open at once all get their live stream" "$(cat "$T_DIR/streams_ok")" 200
# the descriptors to come back to: once those have closed, with the pool of database readers (one
# file, its -wal and -shm each, opened as needed, then kept) as large as that burst made it
prev=-1
for _ in $(seq 1 20); do fd0=$(fds); [ "$fd0" = "$prev" ] && break; prev=$fd0; sleep 0.5; done
seq 1 200 | xargs -P 20 -I{} curl -s -N --max-time 0.5 -o /dev/null "$BASE/t/$SCODE/stream"
fd_peak=$(fds)
fds_back() { [ "$(fds)" -le $((fd0 + 4)) ]; }
# (the server watches waiting streams' sockets: a client's close is noticed within a second,
# not at the next keep-alive, 15 to 30 s later)
check "200 more opened and dropped at once: the server's descriptors come back within seconds ($fd0 before, $fd_peak right after)" wait_for 8 fds_back
eq "  and they add no line to the server log" "$(tail -n +$((lines0 + 1)) "$T_DIR/server.log" | grep -c .)" 0
api GET /healthz
eq "  the server still answers" "$STATUS" 200
check "  nor does starting: the log says where it listens and nothing else" \
   bash -c "[ \"\$(sed -n '$((lines_s + 1)),${lines0}p' '$T_DIR/server.log' | grep -v '^rastro: listening on' | grep -c .)\" = 0 ]"
stop_server

# ---- the WAL file is cut back after a burst (docs/operations.md "Steady state") ----
# A reader that holds its snapshot (a report, a backup) keeps checkpoints from reaching the end
# of the WAL, so a burst of writes meanwhile grows the file; once it is let go and writes pause,
# the file must come back under RS_STORE_WAL_QUIET_BYTES (4 MiB) instead of keeping the burst's
# size for good (journal_size_limit alone would only cut it to 64 MiB).
WDB=$T_DIR/wal.db
start_server "$WDB"
KEY=$(new_merchant "WAL Test")
api POST /v1/orders '{"order_ref":"W-1","placed_at":"2025-11-24T10:00:00Z"}'
for b in 1 2 3 4 5 6 7 8 9 10; do api POST /v1/shipments "{\"order_ref\":\"W-1\",\"carrier\":\"correos\",\"tracking_number\":\"WAL$b\"}"; done
mkfifo "$T_DIR/reader"
command sqlite3 "$WDB" < "$T_DIR/reader" > /dev/null 2>&1 &
READER=$!
exec 7> "$T_DIR/reader"
echo "BEGIN; SELECT count(*) FROM events;" >&7
sleep 0.3
LONGMSG=$(printf 'x%.0s' $(seq 1 1500))
for b in 1 2 3 4 5 6 7 8 9 10; do
  python3 -c 'import json,sys; print(json.dumps([{"carrier":"correos","tracking_number":sys.argv[1],"occurred_at":"2025-11-25T%02d:%02d:%02dZ"%(i//3600,i//60%60,i%60),"status":"in_transit","message":"%d %s"%(i,sys.argv[2])} for i in range(1000)]))' "WAL$b" "$LONGMSG" > "$T_DIR/burst.json"
  curl -s -o /dev/null -X POST "$BASE/v1/events" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary @"$T_DIR/burst.json"
done
peak=$(stat -c %s "$WDB-wal")
check "a burst of writes while a reader holds its snapshot grows the WAL ($peak bytes > 8 MiB)" test "$peak" -gt 8388608
exec 7>&-
wait "$READER" 2>/dev/null
wal_cut() { # one small write and a pause, then the WAL is at most 4 MiB plus that commit
  api POST /v1/events '{"carrier":"correos","tracking_number":"WAL1","occurred_at":"2025-11-26T10:00:00Z","status":"in_transit"}'
  sleep 0.3
  [ "$(stat -c %s "$WDB-wal")" -le $((4 * 1024 * 1024 + 65536)) ]
}
check "once the reader is done and writes pause, the WAL is cut back to 4 MiB" wait_for 10 wal_cut
echo "WAL after the burst: $(stat -c %s "$WDB-wal") bytes (peak $peak)"
check "database integrity after the burst" bash -c "[ \"\$(command sqlite3 '$WDB' 'PRAGMA integrity_check')\" = ok ]"
stop_server

if [ "$(id -u)" != 0 ]; then
  echo "skipped: full-disk checks need root (mount -t tmpfs)"
else
  FULL=$T_DIR/full; mkdir -p "$FULL"
  mount -t tmpfs -o size=2M tmpfs "$FULL"
  start_server "$FULL/f.db"
  KEY=$(new_merchant "Full Test")
  api POST /v1/orders '{"order_ref":"F-1","placed_at":"2025-11-24T10:00:00Z"}'
  eq "full disk: an order before it fills" "$STATUS" 201
  dd if=/dev/zero of="$FULL/fill" bs=4k > /dev/null 2>&1
  # the WAL may still have room for a few: write until the disk refuses
  fst=201; n=0
  while [ "$fst" = 201 ] && [ $n -lt 200 ]; do
    n=$((n + 1)); read -r fst _ fra < <(post_timed "F-x$n")
  done
  eq "a write on a full disk: 503 with Retry-After" "$fst/${fra:-}" "503/30"
  check "…its JSON error says the storage is full" bash -c "jq -e '.error.message|test(\"^storage full\")' '$T_DIR/pt-F-x$n'"
  check "…and the server log says why" grep -q "storage full (sqlite: database or disk is full)" "$T_DIR/server.log"
  api GET /v1/orders/F-1
  eq "reads still answer on a full disk" "$STATUS" 200
  rm -f "$FULL/fill"
  read -r fst _ < <(post_timed F-2)
  eq "writes work again once space is freed" "$fst" 201
  api GET /v1/orders/F-2
  eq "…and that order is there" "$STATUS" 200
  check "database integrity after the full disk" bash -c "[ \"\$(command sqlite3 '$FULL/f.db' 'PRAGMA integrity_check')\" = ok ]"
  stop_server
  umount "$FULL"
fi
finish
