#!/usr/bin/env bash
# `make run`: fill var/rastro.db with demo data and start Rastro on it, printing where to look.
# RASTRO_LISTEN (default 127.0.0.1:8080) and RASTRO_DB (default var/rastro.db) may be set.
set -euo pipefail
cd "$(dirname "$0")/.."
listen=${RASTRO_LISTEN:-127.0.0.1:8080}
db=${RASTRO_DB:-var/rastro.db}
base=${RASTRO_BASE_URL:-http://$listen}
mkdir -p "$(dirname "$db")"
if (exec 3<>"/dev/tcp/${listen%:*}/${listen##*:}") 2>/dev/null; then
  echo "Something is already listening on $listen: stop it, or run: RASTRO_LISTEN=127.0.0.1:8090 make run" >&2
  exit 1
fi
out=$(build/rastro demo --db "$db" --base-url "$base" 2>/dev/null)
printf '%s\n' "$out"
# a product page of the demo shop with the delivery-window widget and the demo's publishable key
qkey=$(printf '%s\n' "$out" | sed -n 's/^  Widget key: *\(rk_[a-z0-9_]*\).*/\1/p')
if [ -n "$qkey" ]; then
  sed -e "s|@BASE@|$base|g" -e "s|@KEY@|$qkey|g" scripts/demo-shop.html > "$(dirname "$db")/demo-shop.html"
  echo
  echo "A product page of the shop, its shipping options dated by the widget (open it in a browser):"
  echo "  file://$(cd "$(dirname "$db")" && pwd)/demo-shop.html"
fi
echo
echo "Rastro is starting on $base (database $db). Press Ctrl-C to stop."
echo "  health:  $base/healthz     metrics: $base/metrics"
exec build/rastro serve --db "$db" --listen "$listen" --base-url "$base"
