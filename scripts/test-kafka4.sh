#!/usr/bin/env bash
# The Kafka-facing integration tests again, on a Kafka 4 broker: 4.0 removed old protocol versions
# (KIP-896), so "works on 4.x" is tested, not assumed: smonnet's client, goflow2's codecs and the
# TLS and SCRAM listeners. Swaps the local broker for SMONNET_KAFKA4_VERSION, runs the tests, and
# puts the default broker back.
# Extra arguments go to vitest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The Node.js smonnet runs on (the `node` package in package.json), as npm scripts use it.
export PATH="$root/node_modules/.bin:$PATH"
cd "$root"
version=${SMONNET_KAFKA4_VERSION:-4.4.0}
npm run --silent build
restore() {
  local rc=$?
  bash scripts/services.sh down kafka || true
  bash scripts/services.sh up kafka >/dev/null || true
  exit "$rc"
}
trap restore EXIT
bash scripts/services.sh down kafka
SMONNET_KAFKA_VERSION=$version bash scripts/services.sh up kafka
SMONNET_KAFKA_VERSION=$version bash scripts/with-services.sh npx vitest run \
  test/integration/harness.test.ts test/integration/worker.test.ts test/integration/daemon.test.ts \
  test/integration/fanout.test.ts test/integration/fanout-reload.test.ts \
  test/integration/kafka-security.test.ts test/integration/goflow2.test.ts "$@"
