#!/usr/bin/env bash
# Runs every test: cmocka unit tests and end-to-end scripts (both against the ASan+UBSan build),
# then each libFuzzer target for FUZZ_SECONDS (default 10) on its corpus, two at a time. Ends with one line
# "N passed, N failed". Output of each suite goes to tests/out/<suite>.log; failures are echoed.
set -u
cd "$(dirname "$0")/.."
out=tests/out
rm -rf "$out"; mkdir -p "$out"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export RASTRO_BIN=${RASTRO_BIN:-$PWD/build/asan/rastro}
export RASTRO_TEST_OUT=$PWD/$out
passed=0 failed=0

count() { # suite log rc  — reads "N passed, N failed" or cmocka's summary from the log
  local name=$1 log=$2 rc=$3 p f
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  if [ -z "$p" ]; then
    p=$(sed -n 's/^result: \([0-9]*\) ok, \([0-9]*\) not ok$/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^result: \([0-9]*\) ok, \([0-9]*\) not ok$/\2/p' "$log" | tail -1)
  fi
  p=${p:-0}; f=${f:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or exited non-zero
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$f" -ne 0 ]; then
    printf '%-28s %4d ok  %d FAILED (rc=%d)\n' "$name" "$p" "$f" "$rc"
    grep -E 'not ok|FAILED|ERROR|error:|Sanitizer|runtime error' "$log" | head -40 | sed 's/^/    /'
  else
    printf '%-28s %4d ok\n' "$name" "$p"
  fi
}

for t in build/asan/tests/test_*; do
  [ -x "$t" ] || continue
  n=$(basename "$t")
  "$t" > "$out/$n.log" 2>&1; count "unit/$n" "$out/$n.log" $?
done

for t in tests/e2e/*.sh; do
  [ -f "$t" ] || continue
  n=$(basename "$t" .sh)
  timeout 900 bash "$t" > "$out/e2e-$n.log" 2>&1; count "e2e/$n" "$out/e2e-$n.log" $?
done

# fuzz targets run two at a time (each uses one core; CI machines have two)
fuzz_one() { # target → its log ends with a result line
  local f=$1 n corpus dict=()
  n=$(basename "$f"); corpus=fuzz/corpus/${n#fuzz_}
  mkdir -p "$out/corpus-$n"
  [ -f "fuzz/${n#fuzz_}.dict" ] && dict=(-dict="fuzz/${n#fuzz_}.dict")
  if "$f" "${dict[@]}" -max_total_time="${FUZZ_SECONDS:-10}" -rss_limit_mb=2048 \
      -artifact_prefix="$out/$n-" "$out/corpus-$n" "$corpus" > "$out/$n.log" 2>&1; then
    echo "result: 1 ok, 0 not ok" >> "$out/$n.log"
  else
    echo "result: 0 ok, 1 not ok" >> "$out/$n.log"
  fi
}
fuzzers=()
for f in build/fuzz/fuzz_*; do [ -x "$f" ] && fuzzers+=("$f"); done
for ((i = 0; i < ${#fuzzers[@]}; i += 2)); do
  batch=("${fuzzers[@]:i:2}")
  for f in "${batch[@]}"; do fuzz_one "$f" & done
  wait
  for f in "${batch[@]}"; do
    n=$(basename "$f")
    grep -q '^result: 1 ok' "$out/$n.log"; count "fuzz/$n" "$out/$n.log" $?
  done
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
