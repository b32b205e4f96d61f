#!/usr/bin/env bash
# Installs the Debian 12 packages Rastro needs to build, run and test.
# Idempotent: asks apt only when something is missing. Usage: scripts/deps.sh [run|test]
set -euo pipefail
mode=${1:-run}
pkgs=(build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
      libcurl4-openssl-dev libssl-dev libicu-dev tzdata sqlite3 curl ca-certificates
      libgmime-3.0-dev libxml2-dev   # rastro mail-in: MIME (GMime 3), HTML mail to text (libxml2)
      libargon2-dev)                 # console passwords (Argon2id)
if [ "$mode" = test ]; then
  pkgs+=(clang libclang-rt-14-dev libcmocka-dev jq xxd wrk nginx-light procps python3 postfix
        chromium)  # tests/e2e/browser.sh drives it with playwright-core + axe-core
  # node and npm for the browser tests; Debian 12 has nodejs 18 (fine). A node from elsewhere
  # (e.g. NodeSource, which bundles npm) is kept as it is.
  command -v node >/dev/null || pkgs+=(nodejs)
  command -v npm >/dev/null || pkgs+=(npm)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# postfix asks questions while installing: answer them (a local-only mailer; the tests run
# their own private instance on a loopback port, never the system's)
if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
  printf '%s\n' "postfix postfix/main_mailer_type select Local only" "postfix postfix/mailname string localhost" |
    $SUDO debconf-set-selections
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
