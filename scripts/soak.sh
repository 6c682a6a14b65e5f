#!/usr/bin/env bash
# Long-running soaks (SOAK_DURATION, default 10m): repeated boots, calls and
# provisioning cycles, watching for leaks and stuck phones.
set -euo pipefail
cd "$(dirname "$0")/.."
SOAK_DURATION=${SOAK_DURATION:-10m} go test -run 'Soak' -tags soak -timeout 0 -count=1 ./...
