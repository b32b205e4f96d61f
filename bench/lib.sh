# lib.sh — shared helpers of the bench/*.sh scripts (source it): a temp dir removed at exit, free
# loopback ports, Rastro (release build) and nginx started on loopback and always stopped, wrk
# runs parsed into shell variables, and ratio/verdict printing. Nothing here is timed by tests.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
B_DIR=$(mktemp -d /tmp/rastro-bench.XXXXXX)
chmod 755 "$B_DIR" # nginx workers (user nobody when started as root) read files here
B_PIDS=()
B_MISS=0
THREADS=${BENCH_THREADS:-2}     # wrk threads (the machine has 2 cores)
DURATION=${BENCH_DURATION:-10}  # seconds per wrk run
export BENCH_THREADS=$THREADS

b_cleanup() {
  local p
  for p in "${B_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${B_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$B_DIR"
}
trap b_cleanup EXIT

# Install what the benches need and build the release binary.
b_prepare() {
  scripts/deps.sh test
  make -s build/rastro >/dev/null
  RASTRO=${BENCH_RASTRO:-$ROOT/build/rastro} # BENCH_RASTRO: another binary, for A/B runs
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
}

# a port nothing listens on, below the ephemeral range (scripts/port.sh)
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/port.sh"

b_wait_http() { # URL: waits up to 10 s for any answer
  local i
  for i in $(seq 1 100); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "bench: nothing answers at $1" >&2
  return 1
}

# b_start_rastro DB: starts `rastro serve` on a free port; sets R_BASE and R_PID.
b_start_rastro() {
  local port
  port=$(free_port)
  R_BASE=http://127.0.0.1:$port
  "$RASTRO" serve --db "$1" --listen "127.0.0.1:$port" --base-url "$R_BASE" >>"$B_DIR/rastro.log" 2>&1 &
  R_PID=$!
  B_PIDS+=("$R_PID")
  b_wait_http "$R_BASE/healthz"
}

# b_kill PID [SIGNAL]: stops one process we started and reaps it.
b_kill() {
  kill "-${2:-TERM}" "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# b_start_nginx LOCATIONS: nginx (2 workers, one per core, keep-alive, no access log) with the
# given location blocks, in its own prefix under B_DIR; sets N_BASE and N_PID.
b_start_nginx() {
  local port dir=$B_DIR/nginx
  port=$(free_port)
  mkdir -p "$dir/www" "$dir/tmp"
  N_BASE=http://127.0.0.1:$port
  cat >"$dir/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_max_body_size 8m;
  client_body_buffer_size 4m;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$port;
    root $dir/www;
$1
  }
}
CONF
  "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >>"$dir/stdout.log" 2>&1 &
  N_PID=$!
  B_PIDS+=("$N_PID")
  b_wait_http "$N_BASE/"
}

# b_wrk NAME CONNECTIONS URL SCRIPT [wrk options...]: runs wrk for DURATION s; sets W_RPS,
# W_GOOD, W_BAD, W_SOCKERR, W_P50, W_P99, W_SECONDS, W_REQUESTS from the script's RESULT line.
b_wrk() {
  local name=$1 conns=$2 url=$3 script=$4
  shift 4
  wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" --timeout 10s -s "$script" "$@" "$url" >"$B_DIR/wrk-$name.out" 2>"$B_DIR/wrk-$name.err" || {
    echo "bench: wrk failed for $name:" >&2
    cat "$B_DIR/wrk-$name.out" "$B_DIR/wrk-$name.err" >&2
    return 1
  }
  local line
  line=$(grep '^RESULT ' "$B_DIR/wrk-$name.out") || { cat "$B_DIR/wrk-$name.out" >&2; return 1; }
  W_REQUESTS=$(sed 's/.* requests=\([0-9]*\).*/\1/' <<<"$line")
  W_SECONDS=$(sed 's/.* seconds=\([0-9.]*\).*/\1/' <<<"$line")
  W_GOOD=$(sed 's/.* good=\([0-9]*\).*/\1/' <<<"$line")
  W_BAD=$(sed 's/.* bad=\([0-9]*\).*/\1/' <<<"$line")
  W_SOCKERR=$(sed 's/.* sockerr=\([0-9]*\).*/\1/' <<<"$line")
  W_P50=$(sed 's/.* p50_ms=\([0-9.]*\).*/\1/' <<<"$line")
  W_P99=$(sed 's/.* p99_ms=\([0-9.]*\).*/\1/' <<<"$line")
  W_RPS=$(awk -v g="$W_GOOD" -v s="$W_SECONDS" 'BEGIN { printf "%.0f", g / s }')
  if [ -s "$B_DIR/wrk-$name.err" ]; then sed 's/^/  wrk: /' "$B_DIR/wrk-$name.err" | head -5 >&2; fi
}

# b_verdict NAME VALUE REFERENCE TARGET_RATIO UNIT: prints one summary line; counts misses.
b_verdict() {
  local v
  v=$(awk -v a="$2" -v b="$3" -v t="$4" 'BEGIN { r = a / b; printf "%.2f %s", r, (r >= t ? "PASS" : "MISS") }')
  printf '  %-44s %10s %-9s vs %10s  ratio %s (target >= %s)\n' "$1" "$2" "$5" "$3" "$v" "$4"
  [[ $v == *PASS ]] || B_MISS=$((B_MISS + 1))
}
