#!/usr/bin/env bash
# promise_cli.sh — `rastro promise train|eval|quote` on the synthetic fixture (no shared data
# needed): skipped rows counted by reason, model file written and quoted from, eval JSON keys,
# bad input refused; and training speed on a generated 100,000-row history.
source "$(dirname "$0")/../lib/lib.sh"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
FIX="$ROOT/tests/data/history-small.csv"

out=$("$RASTRO_BIN" promise train --history "$FIX" --out "$T_DIR/m.json" 2>/dev/null)
echo "$out"
eq "train: rows used" "$(printf '%s' "$out" | sed -n 's/^rows used: \([0-9]*\),.*/\1/p')" 160
for r in "missing timestamps 1" "bad dates 1" "unknown region 1" "delivery before purchase 1" \
         "absurd durations 1" "malformed rows 1" "not UTF-8 1"; do
  case "$out" in *"$r"*) ok "train: counts $r";; *) not_ok "train: counts $r";; esac
done
check "train: model file is JSON" jq -e '.format == "rastro-promise"' "$T_DIR/m.json"
err=$("$RASTRO_BIN" promise train --history "$FIX" --out "$T_DIR/m.json" 2>&1 >/dev/null)
eq "train: the first skipped rows are named, with the line and what to fix" \
   "$(printf '%s\n' "$err" | grep -c "history-small.csv line [0-9]* skipped, ")" 5
check "  e.g. a date without an offset" bash -c "printf '%s' \"\$1\" | grep -q 'line 163 skipped, bad dates: .*RFC 3339 with an offset'" _ "$err"
# a large file with bad dates: the summary names the column and the first lines of each
{ head -1 "$FIX"; for i in 1 2 3 4; do printf 'b%d,2026-01-05 10:00,,,2026-01-08T10:00:00+01:00,,ES,MAD,,,ES,BCN,,,seur,std,1,100,5\n' "$i"; done
  printf 'b6,2026-01-05T10:00:00+01:00,,,08/01/2026,,ES,MAD,,,ES,BCN,,,seur,std,1,100,5\n'; sed -n 2,20p "$FIX"; } > "$T_DIR/dates.csv"
out=$("$RASTRO_BIN" promise train --history "$T_DIR/dates.csv" --out "$T_DIR/d.json" 2>"$T_DIR/dates.err")
eq "train: bad dates by column, with their first lines" "$(printf '%s\n' "$out" | grep '^  bad dates:')" \
   "  bad dates: placed_at 4 (lines 2, 3, 4, …), delivered_at 1 (line 6)"
check "  stderr names the column of each row" grep -q 'dates.csv line 6 skipped, bad dates: delivered_at is not RFC 3339' "$T_DIR/dates.err"
# a history too small to learn from trains, but the merchant is told, with the model's thresholds
head -13 "$FIX" > "$T_DIR/twelve.csv"
out=$("$RASTRO_BIN" promise train --history "$T_DIR/twelve.csv" --out "$T_DIR/t.json" 2>"$T_DIR/twelve.err")
eq "train: 12 orders: exit 0 (a model is still written)" "$?" 0
check "  warns, saying how many orders were usable" grep -q 'warning: a small history: 12 usable delivered orders, 0 of 4 lanes with 5 deliveries or more' "$T_DIR/twelve.err"
check "  and how many are needed (the model's own thresholds)" grep -q 'about 30 orders to learn its own error, and 5 on a lane' "$T_DIR/twelve.err"
check "  stdout says how many lanes are trusted" bash -c "printf '%s' \"\$1\" | grep -q '^lanes trusted: 0 of 4 '" _ "$out"
"$RASTRO_BIN" promise train --history "$FIX" --out "$T_DIR/m.json" 2>"$T_DIR/full.err" >/dev/null
check "train: the full fixture is not warned about" bash -c "! grep -q 'warning: a small history' '$T_DIR/full.err'"
# a file with no usable row writes nothing and keeps the merchant's model
printf 'order_ref,placed_at,delivered_at,origin_region,destination_region\nx1,2026-01-05 10:00,2026-01-08 10:00,MAD,BCN\n' > "$T_DIR/bad.csv"
DB=$T_DIR/cli.db
"$RASTRO_BIN" merchant create "Tienda CLI" --db "$DB" >/dev/null
"$RASTRO_BIN" promise train --history "$FIX" --merchant 1 --db "$DB" >/dev/null 2>&1
out=$("$RASTRO_BIN" promise train --history "$T_DIR/bad.csv" --merchant 1 --db "$DB" --out "$T_DIR/bad.json" 2>&1)
eq "train: no usable row: exit 1" "$?" 1
check "  says so" bash -c "printf '%s' \"\$1\" | grep -q 'no usable row in .*bad.csv: nothing written and the merchant.s model is unchanged'" _ "$out"
check "  names the row" bash -c "printf '%s' \"\$1\" | grep -q 'bad.csv line 2 skipped, bad dates'" _ "$out"
check "  no model file" test ! -e "$T_DIR/bad.json"
out=$("$RASTRO_BIN" promise train --history "$FIX" --merchant 1 --db "$DB" 2>&1)
eq "  the merchant's model was not replaced (the next is version 2)" "$(printf '%s\n' "$out" | grep -c 'version 2')" 1
printf 'order_ref,placed_at,delivered_at,destination_region\nx1,2026-01-05T10:00:00+01:00,2026-01-08T10:00:00+01:00,BCN\n' > "$T_DIR/noorigin.csv"
out=$("$RASTRO_BIN" promise train --history "$T_DIR/noorigin.csv" --out "$T_DIR/bad.json" 2>&1)
eq "train: a header without origin_region: exit 1" "$?" 1
check "  names the missing column" bash -c "printf '%s' \"\$1\" | grep -q 'noorigin.csv: the first line must be a header naming the columns; it lacks origin_region'" _ "$out"
# the same history saved by Excel in a Spanish locale: semicolons, a byte-order mark, CRLF
{ printf '\xef\xbb\xbf'; tr ',' ';' < "$FIX" | sed 's/$/\r/'; } > "$T_DIR/semi.csv"
out=$("$RASTRO_BIN" promise train --history "$T_DIR/semi.csv" --out "$T_DIR/semi.json" 2>/dev/null)
eq "train: a semicolon-separated history (Excel in Spanish) is read like the comma one" \
   "$(printf '%s' "$out" | sed -n 's/^rows used: \([0-9]*\),.*/\1/p')" 160
sed '1s/_/ /g; 1s/placed at/Placed At/' "$FIX" > "$T_DIR/names.csv"
out=$("$RASTRO_BIN" promise train --history "$T_DIR/names.csv" --out "$T_DIR/names.json" 2>/dev/null)
eq "train: column names in any case, with spaces for the underscores (Placed At)" \
   "$(printf '%s' "$out" | sed -n 's/^rows used: \([0-9]*\),.*/\1/p')" 160
# a service name longer than a lane key, cut where "á" is half in: the lane is still in the model
awk -F, -v OFS=, 'NR > 1 && NR < 40 { $16 = "xxxxxxxxxxxxxxxxxxxxxx\303\241zz" } NR < 40' "$FIX" > "$T_DIR/svc.csv"
"$RASTRO_BIN" promise train --history "$T_DIR/svc.csv" --out "$T_DIR/svc.json" >/dev/null 2>&1
check "train: a name cut to the key's length keeps whole characters, and its lane is in the model" \
  jq -e '[.nodes[] | select(.service == "xxxxxxxxxxxxxxxxxxxxxx")] | length > 0' "$T_DIR/svc.json"
q=$("$RASTRO_BIN" promise quote --model "$T_DIR/m.json" --origin ES/MAD --destination ES/BCN \
      --carrier seur --service std --placed-at 2025-03-03T09:00:00+01:00 --json 2>/dev/null)
echo "quote: $q"
if jq -e '.earliest <= .likely and .likely <= .latest and (.low_confidence|not)' <<<"$q" >/dev/null 2>&1
then ok "quote: JSON window"; else not_ok "quote: JSON window" "$q"; fi
sed 's/,seur,std,/,Correos Express,std,/' "$FIX" >"$T_DIR/cex.csv"
"$RASTRO_BIN" promise train --history "$T_DIR/cex.csv" --out "$T_DIR/cex.json" >/dev/null 2>&1
q3=$("$RASTRO_BIN" promise quote --model "$T_DIR/cex.json" --origin ES/MAD --destination ES/BCN \
      --carrier correos-express --service std --placed-at 2025-03-03T09:00:00+01:00 --json 2>/dev/null)
eq "a file saying \"Correos Express\", quote --carrier correos-express: the same lane, as shipments store it" \
   "$(jq -c '[.earliest,.likely,.latest,.low_confidence]' <<<"$q3")" "$(jq -c '[.earliest,.likely,.latest,.low_confidence]' <<<"$q")"
q2=$("$RASTRO_BIN" promise quote --model "$T_DIR/m.json" --origin ES/MAD --destination ES/LUGO \
      --placed-at 2025-03-03T09:00:00+01:00 --json 2>/dev/null)
if jq -e '.low_confidence' <<<"$q2" >/dev/null 2>&1
then ok "quote: unknown lane flagged low confidence"; else not_ok "quote: unknown lane flagged" "$q2"; fi
# --placed-at has GET /v1/promise's years (2010-2040): 9999 or 1990 has no holidays to count
for y in 9999 1990; do
  out=$("$RASTRO_BIN" promise quote --model "$T_DIR/m.json" --origin ES/MAD --destination ES/BCN \
        --placed-at $y-03-03T09:00:00+01:00 2>&1 >/dev/null); rc=$?
  eq "quote --placed-at $y: exit 2" "$rc" 2
  check "  saying the years it takes" bash -c "printf '%s' \"\$1\" | grep -q -- '--placed-at must be a time from 2010 to 2040'" _ "$out"
done
err=$("$RASTRO_BIN" promise quote --model "$T_DIR/m.json" --origin ES/MAD --placed-at 2025-03-03T09:00:00+01:00 2>&1 >/dev/null); rc=$?
eq "quote without --destination: exit 2 naming it on the first line" "$rc/$(printf '%s' "$err" | head -1)" "2/rastro promise quote: give --destination [CC/]REGION"
err=$("$RASTRO_BIN" promise eval --train "$FIX" 2>&1 >/dev/null); rc=$?
eq "eval without --test: exit 2 naming it on the first line" "$rc/$(printf '%s' "$err" | head -1)" "2/rastro promise eval: give --test FILE.csv"
"$RASTRO_BIN" promise quote --model "$FIX" --origin A --destination B \
   --placed-at 2025-03-03T09:00:00+01:00 >/dev/null 2>&1
eq "quote: a CSV is not a model (exit 1)" "$?" 1
"$RASTRO_BIN" promise train >/dev/null 2>&1
eq "train without --history is a usage error" "$?" 2
out=$("$RASTRO_BIN" promise eval --train "$FIX" --test /nonexistent.csv 2>&1 >/dev/null)
eq "eval: missing file fails" "$?" 1
check "  saying why" bash -c "printf '%s' \"\$1\" | grep -q 'cannot open /nonexistent.csv: No such file or directory'" _ "$out"
out=$("$RASTRO_BIN" promise train --history "$T_DIR" --out "$T_DIR/dir.json" 2>&1)
check "train: a directory given as the history: exit 1, said so (not a header lacking columns)" \
  bash -c "[ $? = 1 ] && printf '%s' \"\$1\" | grep -q 'is a directory' && ! printf '%s' \"\$1\" | grep -q lacks" _ "$out"
{ printf '\xff\xfe'; head -3 "$FIX" | iconv -f utf-8 -t utf-16le; } > "$T_DIR/u16.csv"
out=$("$RASTRO_BIN" promise train --history "$T_DIR/u16.csv" --out "$T_DIR/u16.json" 2>&1)
check "train: a UTF-16 history (Excel's Unicode Text): exit 1, told to save it as CSV UTF-8" \
  bash -c "[ $? = 1 ] && printf '%s' \"\$1\" | grep -q 'u16.csv: the file is UTF-16 text.*CSV UTF-8'" _ "$out"
: > "$T_DIR/empty.csv"
out=$("$RASTRO_BIN" promise train --history "$T_DIR/empty.csv" --out "$T_DIR/empty.json" 2>&1)
check "train: an empty history: exit 1, said so (not a header lacking columns)" \
  bash -c "[ $? = 1 ] && printf '%s' \"\$1\" | grep -q 'empty.csv is empty' && ! printf '%s' \"\$1\" | grep -q lacks" _ "$out"
e=$("$RASTRO_BIN" promise eval --train "$FIX" --test "$T_DIR/bad.csv" --json 2>&1)
eq "eval: a test file with no usable row fails (exit 1), no figures of nothing" "$?/$(printf '%s' "$e" | grep -c '"late_rate"')" 1/0
check "  says so" bash -c "printf '%s' \"\$1\" | grep -q 'no usable row in .*bad.csv: nothing to evaluate'" _ "$e"

# eval on the fixture split in two halves (by row order = time order)
head -1 "$FIX" > "$T_DIR/a.csv"; sed -n 2,81p "$FIX" >> "$T_DIR/a.csv"
head -1 "$FIX" > "$T_DIR/b.csv"; sed -n '82,161p' "$FIX" >> "$T_DIR/b.csv"
e=$("$RASTRO_BIN" promise eval --train "$T_DIR/a.csv" --test "$T_DIR/b.csv" --json 2>/dev/null)
echo "eval: $e"
eq "eval: keys" "$(jq -c 'keys' <<<"$e")" \
   '["at_handover","baseline","late_rate","mae_days","mean_slack_days","median_slack_days","n","window_days"]'
if jq -e '.n == 80 and .late_rate <= 0.15 and .at_handover.n == 80' <<<"$e" >/dev/null 2>&1
then ok "eval: scored 80 orders, mostly on time on regular lanes"; else not_ok "eval: fixture figures" "$e"; fi
# the by-month figures as a CSV and as a chart (SVG)
out=$("$RASTRO_BIN" promise eval --train "$T_DIR/a.csv" --test "$T_DIR/b.csv" --calibration-csv "$T_DIR/m.csv" \
      --chart "$T_DIR/eval.svg" 2>/dev/null)
eq "eval --chart: says where the chart is" "$(printf '%s\n' "$out" | grep -c "^chart: $T_DIR/eval.svg$")" 1
months=$(($(wc -l < "$T_DIR/m.csv") - 1))
check "  a well-formed SVG document" python3 -c "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); assert d.documentElement.tagName == 'svg'" "$T_DIR/eval.svg"
eq "  three charts" "$(grep -c 'font-weight="bold"' "$T_DIR/eval.svg")" 3
eq "  a dot per month with orders in the late-rate and slack charts" \
   "$(grep -c '<title>promise at placement, ' "$T_DIR/eval.svg")" "$(( $(awk -F, 'NR>1 && $2>0' "$T_DIR/m.csv" | wc -l) * 2 ))"
check "  every month of the CSV on the x axis ($months)" bash -c "for mo in \$(tail -n +2 '$T_DIR/m.csv' | cut -c6-7,3-4 | sed 's/^\(..\)\(..\)$/\2\/\1/'); do grep -q \">\$mo</text>\" '$T_DIR/eval.svg' || exit 1; done"
"$RASTRO_BIN" promise eval --train "$T_DIR/a.csv" --test "$T_DIR/b.csv" --chart /nonexistent/dir/x.svg >/dev/null 2>&1
eq "  an unwritable chart path fails (exit 1)" "$?" 1

# 100,000 synthetic rows: training time
awk -v n=100000 'BEGIN {
  srand(42);
  print "order_ref,placed_at,shipped_at,delivered_at,promised_date,origin_country,origin_region,destination_country,destination_region,carrier,service";
  split("SP RJ MG PR SC RS BA PE CE GO", R, " ");
  for (i = 0; i < n; i++) {
    t = 1483228800 + int(i * 300);
    h = int(rand() * 3) + 1; tr = int(rand() * 10) + 1;
    o = R[int(rand() * 3) + 1]; d = R[int(rand() * 10) + 1];
    printf "o%d,%s,%s,%s,,BR,%s,BR,%s,c%d,s\n", i, ts(t), ts(t + h * 86400), ts(t + (h + tr) * 86400), o, d, i % 3;
  }
}
function ts(e,   days, s, y, m, d, a, b, c, dd, ee, mm) {
  days = int(e / 86400); s = e - days * 86400;
  a = days + 2472632; b = int((4 * a + 3) / 146097); c = a - int(146097 * b / 4);
  dd = int((4 * c + 3) / 1461); ee = c - int(1461 * dd / 4); mm = int((5 * ee + 2) / 153);
  d = ee - int((153 * mm + 2) / 5) + 1; m = mm + 3 - 12 * int(mm / 10); y = 100 * b + dd - 4800 + int(mm / 10);
  return sprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, int(s / 3600), int(s % 3600 / 60), s % 60);
}' > "$T_DIR/big.csv"
big=$("${PROMISE_BIN:-$RASTRO_BIN}" promise train --history "$T_DIR/big.csv" 2>/dev/null)
echo "$big"
eq "train 100k: all rows used" "$(printf '%s' "$big" | sed -n 's/^rows used: \([0-9]*\),.*/\1/p')" 100000
secs=$(printf '%s' "$big" | sed -n 's/.*= \([0-9.]*\) s per 100,000 rows/\1/p')
echo "seconds per 100,000 rows (this binary): $secs"
check "train 100k: under 60 s even with ASan" awk -v s="$secs" 'BEGIN { exit !(s < 60) }'
finish
