#!/usr/bin/env bash
# Dependencies point inward (STYLE.md B2): core includes only libc, core/ and the standalone
# helpers of util/ (folding, time arithmetic, embedded data: no I/O, no clock); nothing outside
# store/ includes sqlite3.h or libpq-fe.h; nothing outside http/ includes microhttpd.h; nothing
# outside notify/ (and the CLI's curl_global_init) includes curl/curl.h.
set -u
cd "$(dirname "$0")/.."
bad=0
complain() { echo "layering: $1"; bad=1; }
for f in src/core/*.[ch]; do
  grep -nE '#include "(app|store|http|notify|worker|cli|ingest)/' "$f" | while read -r l; do echo "layering: $f:$l (core must not depend on outer layers)"; done
done | grep . && bad=1
grep -lE '#include <(sqlite3|libpq-fe)\.h>' -r src | grep -v '^src/store/' | while read -r f; do complain "$f includes a database header"; done
grep -l '#include <microhttpd.h>' -r src | grep -v '^src/http/' | while read -r f; do complain "$f includes microhttpd.h"; done
grep -l '#include <curl/curl.h>' -r src | grep -vE '^src/(notify|cli)/' | while read -r f; do complain "$f includes curl.h"; done
exit $bad
