# recorder.sh — the local recorder that stands in for the third-party APIs (Twilio, Infobip,
# WhatsApp Cloud, webhooks: tests/fakes/recorder.py) in end-to-end tests. Source after lib.sh.
# start_recorder sets REC (its base URL) and REC_DIR (one JSON file per request received);
# rec_find JQ_FILTER prints the recorded requests matching the filter, one per line.
start_recorder() {
  local port
  port=$(free_port)
  REC_DIR=$T_DIR/rec
  python3 "$(dirname "${BASH_SOURCE[0]}")/../fakes/recorder.py" "$port" "$REC_DIR" 2>>"$T_DIR/recorder.log" &
  T_PIDS+=($!)
  REC=http://127.0.0.1:$port
  for _ in $(seq 1 200); do curl -s "$REC/ping" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -s "$REC/ping" >/dev/null || { echo "error: the recorder did not start:"; cat "$T_DIR/recorder.log"; return 1; }
  rm -f "$REC_DIR"/*.json
}
rec_find() { cat "$REC_DIR"/*.json 2>/dev/null | jq -c "select($1)"; }
rec_count() { rec_find "$1" | grep -c . ; }
