#!/usr/bin/env bash
# The test command: builds dist/ (the supervisor tests run the compiled daemon, as deployed),
# starts the local Kafka and Elasticsearch if they are not running (a no-op when they are),
# then runs every test against them. Extra arguments go to vitest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
npm run --silent build
bash scripts/services.sh up >/dev/null
while IFS= read -r line; do export "${line?}"; done < <(bash scripts/services.sh env)
exec npx vitest run "$@"
