#!/usr/bin/env bash
# Runs a command with the local Kafka and Elasticsearch up (started if they are not; a no-op when
# they are) and their settings exported as KAFKA_BROKERS and ES_URL. `npm test` and
# `npm run bench` run through it, so neither needs a separate `npm run services -- up`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The Node.js smonnet runs on (the `node` package in package.json), as npm scripts use it.
export PATH="$root/node_modules/.bin:$PATH"
bash "$root/scripts/services.sh" up >/dev/null
while IFS= read -r line; do
  if [[ $line =~ ^[A-Z_]+=[^[:space:]]+$ ]]; then export "${line?}"; fi
done < <(bash "$root/scripts/services.sh" env)
exec "$@"
