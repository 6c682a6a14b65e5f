#!/usr/bin/env bash
# The whole test suite: dependencies, vet, unit and real-peer tests with the
# race detector, cross builds for the ARM targets, and the portable packages'
# tests run under qemu-user-static. CI runs this with CI=true, which turns a
# missing real peer into a failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

step() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

step "dependencies"
scripts/install-deps.sh
go mod download

step "vet"
go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi

step "tests (race detector, real peers)"
go test -race -count=1 -timeout 30m ./...

step "cross builds (pure Go)"
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build ./...
CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build ./...
CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 go build ./...

step "ARM tests under qemu-user-static"
# Packages whose tests need no peers, root or network namespaces.
ARM_PKGS=(./clock/... ./config/... ./device/... ./hw/...)
for p in media/codec media/sdp media/tone media/audio; do
	[ -d "$p" ] && ARM_PKGS+=("./$p/...")
done
# Every process start costs ~0.3 s under qemu: the flash fault-injection tests
# (1,000 SIGKILLs natively) do a few dozen here.
export HDPHONE_FLASH_KILLS=${HDPHONE_FLASH_KILLS:-25}
if command -v qemu-aarch64-static >/dev/null && command -v qemu-arm-static >/dev/null; then
	CGO_ENABLED=0 GOARCH=arm64 go test -count=1 -exec qemu-aarch64-static "${ARM_PKGS[@]}"
	CGO_ENABLED=0 GOARCH=arm GOARM=7 go test -count=1 -exec qemu-arm-static "${ARM_PKGS[@]}"
elif [ "${CI:-}" = true ]; then
	echo "qemu-user-static missing under CI=true" >&2
	exit 1
else
	echo "qemu-user-static not installed; skipping the ARM test run"
fi

step "done"
