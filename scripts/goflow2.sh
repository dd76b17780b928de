#!/usr/bin/env bash
# Prints the path of a goflow2 v2.2.6 binary, building it on first use with `go install` through
# the Go module proxy into .cache/go/bin (ignored by git). test/integration/goflow2.test.ts runs it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=${GOFLOW2_VERSION:-v2.2.6}
bin=$root/.cache/go/$version/goflow2
if [[ ! -x $bin ]]; then
  # The Go toolchain's usual home, for shells whose PATH does not name it.
  command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
  command -v go >/dev/null || { echo "goflow2: go not found: install Go to build goflow2" >&2; exit 1; }
  echo "goflow2: building github.com/netsampler/goflow2/v2/cmd/goflow2@$version" >&2
  mkdir -p "$(dirname "$bin")"
  GOBIN=$(dirname "$bin") go install "github.com/netsampler/goflow2/v2/cmd/goflow2@$version" >&2
fi
echo "$bin"
