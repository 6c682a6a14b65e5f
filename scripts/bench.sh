#!/usr/bin/env bash
# Benchmarks: Go benchmarks of every package, then the fleet-scale and
# peer-comparison benchmarks. They print numbers; none of them pass or fail on
# speed. BENCHTIME tunes the Go benchmarks (default 1x for a quick run).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-1s}
go test -run '^$' -bench . -benchmem -benchtime "$BENCHTIME" ./...
