#!/usr/bin/env bash
# promise_eval.sh — the promise engine against the marketplace's own promise on real Olist data
# (../shared/data/olist/history-2017.csv), rolling protocol, two time splits. Targets (issue 4):
# at placement late rate <= 0.75 x baseline AND mean slack >= 2 days shorter than baseline;
# at hand-over late rate <= 5% with mean slack <= 8 days.
source "$(dirname "$0")/../lib/lib.sh"
DATA="$(cd "$(dirname "$0")/../.." && pwd)/../shared/data/olist/history-2017.csv"
if [ ! -f "$DATA" ]; then
  echo "skipped: ../shared/data/olist/history-2017.csv not present"
  ok "promise eval (skipped: no data)"
  finish; exit $?
fi
CONF=${PROMISE_CONFIDENCE:-0.95}
# split NAME TRAIN_LAST TEST_FIRST TEST_LAST: by the month of placed_at (column 2)
split() {
  awk -F, -v last="$2" 'NR==1 || substr($2,1,7) <= last' "$DATA" > "$T_DIR/$1-train.csv"
  awk -F, -v a="$3" -v b="$4" 'NR==1 || (substr($2,1,7) >= a && substr($2,1,7) <= b)' "$DATA" \
    > "$T_DIR/$1-test.csv"
}
run_split() {
  local name=$1 out
  out=$("$RASTRO_BIN" promise eval --train "$T_DIR/$name-train.csv" --test "$T_DIR/$name-test.csv" \
        --confidence "$CONF" --json 2>/dev/null)
  if ! printf '%s' "$out" | jq -e . >/dev/null 2>&1; then not_ok "$name: eval prints JSON"; return; fi
  ok "$name: eval prints JSON"
  echo "$name: $out"
  eq "$name: keys" "$(printf '%s' "$out" | jq -c 'keys')" \
     '["at_handover","baseline","late_rate","mae_days","mean_slack_days","median_slack_days","n","window_days"]'
  local j='def f: "\(.late_rate*1000|round/10)% late, slack \(.mean_slack_days*100|round/100) d";'
  printf '%s' "$out" | jq -r "$j"' "  placement \(f) | hand-over \(.at_handover|f) | baseline \(.baseline|f)"'
  if printf '%s' "$out" | jq -e '.n > 1000 and .baseline.n == .n' >/dev/null; then
    ok "$name: scored every test order"; else not_ok "$name: scored every test order"; fi
  if printf '%s' "$out" | jq -e '.late_rate <= 0.75 * .baseline.late_rate' >/dev/null; then
    ok "$name: placement late rate <= 0.75 x baseline"
  else not_ok "$name: placement late rate <= 0.75 x baseline" "$(printf '%s' "$out" | jq -c '[.late_rate,.baseline.late_rate]')"; fi
  if printf '%s' "$out" | jq -e '.mean_slack_days <= .baseline.mean_slack_days - 2' >/dev/null; then
    ok "$name: placement mean slack 2 days shorter than baseline"
  else not_ok "$name: placement mean slack 2 days shorter than baseline" "$(printf '%s' "$out" | jq -c '[.mean_slack_days,.baseline.mean_slack_days]')"; fi
  if printf '%s' "$out" | jq -e '.at_handover.late_rate <= 0.05' >/dev/null; then
    ok "$name: hand-over late rate <= 5%"
  else not_ok "$name: hand-over late rate <= 5%" "$(printf '%s' "$out" | jq -c '.at_handover.late_rate')"; fi
  if printf '%s' "$out" | jq -e '.at_handover.mean_slack_days <= 8' >/dev/null; then
    ok "$name: hand-over mean slack <= 8 days"
  else not_ok "$name: hand-over mean slack <= 8 days" "$(printf '%s' "$out" | jq -c '.at_handover.mean_slack_days')"; fi
  if printf '%s' "$out" | jq -e '.mae_days < .baseline.mae_days' >/dev/null; then
    ok "$name: most-likely date closer than the baseline promise"
  else not_ok "$name: most-likely date closer than the baseline promise"; fi
}
split jul-dec 2017-06 2017-07 2017-12
split apr-aug 2017-03 2017-04 2017-08
run_split jul-dec
run_split apr-aug
finish
