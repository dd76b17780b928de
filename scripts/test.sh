#!/usr/bin/env bash
# The test command: builds dist/ (the supervisor tests run the compiled daemon, as deployed),
# then runs every test with the local Kafka and Elasticsearch up (scripts/with-services.sh starts
# them if they are not running). Extra arguments go to vitest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
npm run --silent build
exec bash scripts/with-services.sh npx vitest run "$@"
