# lib.sh — helpers for end-to-end tests: start the real binary on a fresh database, call the
# API with curl, assert with jq. Source it; call `finish` at the end.
# Each assertion prints "ok - name" or "not ok - name (details)"; finish prints
# "result: N ok, N not ok" for tests/run.sh and exits non-zero on any failure.
set -u
RASTRO_BIN=${RASTRO_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/asan/rastro}
# The recorder and the private Postfix stand in for providers on loopback ports, which a
# server refuses to connect to unless its operator allows it (docs/operations.md)
export RASTRO_ALLOW_PRIVATE_URLS=${RASTRO_ALLOW_PRIVATE_URLS:-1}
# Everything here is on loopback: a developer's outgoing proxy must not carry the tests' requests
# nor the server's (notify.sh sets one on purpose for one server)
unset http_proxy https_proxy all_proxy HTTPS_PROXY ALL_PROXY
T_OK=0
T_FAIL=0
T_DIR=$(mktemp -d /tmp/rastro-e2e.XXXXXX)
T_PIDS=()

cleanup() {
  for p in "${T_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${KEEP_T_DIR:-}" ] && echo "kept $T_DIR" >&2 || rm -rf "$T_DIR"
}
trap cleanup EXIT

ok() { T_OK=$((T_OK + 1)); echo "ok - $1"; }
not_ok() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $1${2:+ ($2)}"; }

# check NAME COMMAND...: passes when the command succeeds
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name"; fi; }
# eq NAME GOT WANT
eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', want '$3'"; fi; }

# sqlite3 on a database the server is writing to: wait for its lock (up to 10 s) instead of
# failing at once with "database is locked" when a write of the test meets a commit
sqlite3() { command sqlite3 -cmd ".timeout 10000" "$@"; }
export -f sqlite3

# free_port: a port nothing listens on, below the ephemeral range (scripts/port.sh)
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/port.sh"

# start_server [DB]: starts rastro serve on a free port; sets BASE and SERVER_PID. The port is
# re-drawn if our server did not get it (another process may take a port between the check and
# the bind, and its /healthz must not be mistaken for ours).
start_server() {
  DB=${1:-$T_DIR/rastro.db}
  local attempt
  for attempt in 1 2 3 4 5; do
    PORT=$(free_port)
    BASE=http://127.0.0.1:$PORT
    # SERVE_ARGS: extra options, e.g. "--sweep-interval 0"; NO_BASE_URL=1: no --base-url (the
    # server's links then point at its listening address, which is BASE all the same)
    local base_arg=(--base-url "$BASE")
    [ -n "${NO_BASE_URL:-}" ] && base_arg=()
    # shellcheck disable=SC2086
    "$RASTRO_BIN" serve --db "$DB" --listen 127.0.0.1:$PORT "${base_arg[@]}" ${SERVE_ARGS:-} \
        >> "$T_DIR/server.log" 2>&1 &
    SERVER_PID=$!
    T_PIDS+=("$SERVER_PID")
    for _ in $(seq 1 100); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      if curl -fs --noproxy '*' "$BASE/healthz" >/dev/null 2>&1; then
        sleep 0.05
        kill -0 "$SERVER_PID" 2>/dev/null && return 0
        break
      fi
      sleep 0.1
    done
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  done
  echo "server did not start:"; cat "$T_DIR/server.log"; return 1
}

stop_server() { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }

# new_merchant NAME: prints the API key
new_merchant() { "$RASTRO_BIN" merchant create "$1" --db "$DB" | sed -n 's/^api key: //p'; }

# api METHOD PATH [BODY]: sets STATUS and BODY_OUT (uses $KEY when set)
api() {
  local method=$1 path=$2 data=${3-}
  local args=(-s -o "$T_DIR/resp" -w '%{http_code}' -X "$method")
  [ -n "${KEY:-}" ] && args+=(-H "Authorization: Bearer $KEY")
  [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
  STATUS=$(curl "${args[@]}" "$BASE$path")
  BODY_OUT=$(cat "$T_DIR/resp")
}
jqr() { printf '%s' "$BODY_OUT" | jq -r "$1"; }
# wait_for SECONDS COMMAND…: until the command succeeds (its output discarded); 1 on timeout
wait_for() { local t=$1; shift; for _ in $(seq 1 $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

# browser_ready: Debian chromium, node and tests/browser's npm packages (npm ci once; never
# `npx playwright install`). Sets and exports BR (tests/browser), CHROMIUM and OUT (screenshots go
# to $OUT/screenshots). Returns 1, saying why, when they are missing.
browser_ready() {
  BR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../browser" && pwd)
  CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
  if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "skipped: chromium or node/npm not installed (scripts/deps.sh test installs them)"; return 1
  fi
  if [ ! -d "$BR/node_modules/playwright-core" ] || [ "$BR/package-lock.json" -nt "$BR/node_modules/.package-lock.json" ]; then
    (cd "$BR" && npm ci --no-audit --no-fund --loglevel=error) || { not_ok "npm ci in tests/browser"; return 1; }
  fi
  OUT=${RASTRO_TEST_OUT:-$(cd "$BR/../.." && pwd)/tests/out}
  mkdir -p "$OUT/screenshots"
  export BR CHROMIUM OUT
}
# run_browser_test FILE.js: runs tests/browser/FILE.js (its environment exported by the caller),
# shows its output and counts its "ok - " / "not ok - " lines as this script's
run_browser_test() {
  local log=$T_DIR/node-${1%.js}.log rc line
  node "$BR/$1" > "$log" 2>&1
  rc=$?
  cat "$log"
  while IFS= read -r line; do
    case $line in
      "ok - "*) T_OK=$((T_OK + 1)) ;;
      "not ok - "*) T_FAIL=$((T_FAIL + 1)) ;;
    esac
  done < "$log"
  [ $rc -eq 0 ] || not_ok "node $1 exited $rc"
}

finish() {
  echo "result: $T_OK ok, $T_FAIL not ok"
  [ "$T_FAIL" -eq 0 ]
}
