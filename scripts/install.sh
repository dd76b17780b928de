#!/usr/bin/env bash
# The clean install that CI and a newcomer run: `npm ci`, exactly the committed lock.
#
# The registry this machine reaches has changed its answer before: it began serving the other
# platforms' optional packages of Biome and Rollup, and `npm ci` refuses a lock that does not list
# every optional package the registry offers, although none of them installs on this platform.
# So when `npm ci` says the lock is out of sync, this falls back to `npm install` and accepts the
# result only if every package it installed is in the committed lock at the same version and
# integrity (scripts/lock-check.mjs); then it puts the committed lock back. A difference that
# changes what runs here still fails.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false

log=$(mktemp)
trap 'rm -f "$log" "$log.lock"' EXIT
if npm ci 2>"$log"; then
  grep -v '^npm warn install-scripts' "$log" >&2 || true
  exit 0
fi
if ! grep -q 'EUSAGE' "$log"; then
  cat "$log" >&2
  exit 1
fi
echo "install: npm ci refused the lock; checking whether the difference matters on this platform" >&2
grep '^npm error Missing' "$log" | head -n 5 >&2 || true
cp package-lock.json "$log.lock"
npm install --no-audit --no-fund
status=0
node scripts/lock-check.mjs "$log.lock" node_modules/.package-lock.json || status=$?
cp "$log.lock" package-lock.json
exit "$status"
