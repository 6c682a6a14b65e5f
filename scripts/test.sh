#!/usr/bin/env bash
# The whole test suite: dependencies, vet, unit and real-peer tests with the
# race detector, cross builds for the ARM targets, and the portable packages'
# tests run under qemu-user-static. CI runs this with CI=true, which turns a
# missing real peer into a failure instead of a skip.
#
# A missing dependency stops the run at once. Every later step runs even when
# an earlier one failed, so one run shows every failure; the exit status is
# non-zero if any step failed, and a table of step times ends the output.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

failed=()
summary=()

# run_step NAME CMD...: runs CMD as a step, timing it and recording failure.
run_step() {
	local name=$1 start rc=0
	shift
	printf '\n== %s (%s)\n' "$name" "$(date +%T)"
	start=$(date +%s)
	"$@" || rc=$?
	local took=$(($(date +%s) - start)) status=ok
	if [ "$rc" != 0 ]; then
		status="FAILED (exit $rc)"
		failed+=("$name")
	fi
	summary+=("$(printf '%-34s %5ds  %s' "$name" "$took" "$status")")
}

# dependencies stops the run on failure: without the peers the race tests
# would fail by the dozen for a reason already known.
deps() {
	scripts/install-deps.sh && go mod download
}

# The steps' functions run in an || list, where set -e does not apply: each
# one passes its failures on explicitly.
vet() {
	scripts/lint.sh
}

race_tests() {
	go test -race -count=1 -timeout 30m ./...
}

cross() {
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build ./... &&
		CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build ./... &&
		CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 go build ./...
}

# The packages run under qemu-user-static: pure Go code whose answer could
# depend on word size, alignment or byte order (parsers, codecs, the file
# formats, flash storage) and whose tests pass under the emulator. The device
# package itself is not here: its paging test needs multicast socket options
# qemu-user 7.2 does not emulate, and its boots are the native run's job.
ARM_PKGS=(
	./clock/... ./config/... ./hw/...
	./device/flash/... ./device/model/... ./device/dialing/...
	./media/codec/... ./media/sdp/... ./media/tone/... ./media/audio/...
	./provisioning ./provisioning/firmware/... ./provisioning/fetch/tftp/...
	./lab ./lab/dhcpserver/... ./diag/syslog/... ./ui/cli/... ./internal/datagram ./internal/authparam
)

# qemu_fork_hang reports whether a failed package run is the known deadlock
# of qemu-user 7.2 (Debian 12's) in a child process between fork and exec:
# the test timed out with a goroutine parked in syscall.forkExec, waiting
# for a child that never runs (golang/go#70329). It happens about once in a
# hundred test binaries that start processes, and never natively.
qemu_fork_hang() {
	grep -q '^panic: test timed out' "$1" && grep -q '^syscall\.forkExec' "$1"
}

# arm_tests ARCH QEMU [GOARM]: the ARM packages' tests for one architecture.
# Each package gets five minutes (the slowest takes under one); a package
# that hit the emulator's fork deadlock runs once more, and must then pass.
arm_tests() {
	local arch=$1 emu=$2 goarm=${3:-} log rc=0 retry=()
	log=$(mktemp)
	CGO_ENABLED=0 GOARCH=$arch GOARM=$goarm go test -count=1 -timeout 5m -exec "$emu" "${ARM_PKGS[@]}" 2>&1 |
		tee "$log" || rc=$?
	if [ "$rc" != 0 ]; then
		# go test names a failed package in a line "FAIL<tab>pkg<tab>time".
		local pkg chunk
		while read -r pkg; do
			chunk=$(mktemp)
			# The package's own output ends at its FAIL line.
			awk -v p="$pkg" '{buf = buf $0 "\n"}
				$0 ~ /^(ok|\?|FAIL) *\t/ { split($0, f, "\t"); if (f[1] == "FAIL" && f[2] == p) { printf "%s", buf; exit }; buf = "" }' "$log" >"$chunk"
			if qemu_fork_hang "$chunk"; then
				retry+=("$pkg")
			else
				rm -f "$chunk" "$log"
				return 1
			fi
			rm -f "$chunk"
		done < <(awk -F'\t' '$1 ~ /^FAIL/ && NF >= 2 {print $2}' "$log")
		if [ ${#retry[@]} -eq 0 ]; then
			rm -f "$log"
			return 1
		fi
		echo "arm tests: ${retry[*]} hit qemu-user's fork deadlock (golang/go#70329); running them once more"
		rc=0
		CGO_ENABLED=0 GOARCH=$arch GOARM=$goarm go test -count=1 -timeout 5m -exec "$emu" "${retry[@]}" || rc=$?
		rm -f "$log"
		return "$rc"
	fi
	rm -f "$log"
}

arm() {
	# Every process start costs ~0.3 s under qemu: the flash fault-injection
	# tests (1,000 SIGKILLs natively) do a few dozen here.
	export HDPHONE_FLASH_KILLS=${HDPHONE_FLASH_KILLS:-25}
	if command -v qemu-aarch64-static >/dev/null && command -v qemu-arm-static >/dev/null; then
		local rc=0
		arm_tests arm64 qemu-aarch64-static || rc=1
		arm_tests arm qemu-arm-static 7 || rc=1
		return $rc
	elif [ "${CI:-}" = true ]; then
		echo "qemu-user-static missing under CI=true" >&2
		return 1
	else
		echo "qemu-user-static not installed; skipping the ARM test run"
	fi
}

run_step "dependencies" deps
if [ ${#failed[@]} -ne 0 ]; then
	echo "test.sh: dependencies missing; stopping before the tests" >&2
	exit 1
fi
run_step "vet, gofmt, staticcheck, bash -n" vet
run_step "tests (race detector, real peers)" race_tests
run_step "cross builds (pure Go)" cross
run_step "ARM tests under qemu-user-static" arm

printf '\n== summary (%s)\n' "$(date +%T)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
	echo "FAILED: ${failed[*]}"
	exit 1
fi
echo "all steps passed"
