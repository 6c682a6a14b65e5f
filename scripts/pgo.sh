#!/usr/bin/env bash
# Writes cmd/hdphone/default.pgo, the CPU profile go build uses to optimise
# hdphone (profile-guided optimisation: hot calls inlined, hot interface
# calls devirtualised). The profile is of the work a fleet does: boot storms
# at Kamailio (phones on one shared SIP socket and on a socket each) and at
# the embedded lab with DHCP (on a shared socket: one descriptor a phone),
# then 1,000 phones talking G.722 in pairs. It needs what make bench needs
# (Kamailio, SIPp; scripts/install-deps.sh) and takes about three minutes.
#
# Run it after a change that moves where a fleet spends its CPU; a stale
# profile costs only the optimisation of what moved (the build matches
# functions by name and line offset, and ignores what it cannot find).
# make bench builds its binaries with the same profile, so that they
# measure the hdphone users build.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Each benchmark through make bench's runner (HDPHONE_BENCH_ONLY: one
# benchmark, in a process of its own, once), built without the current
# profile, so that what it records is not shaped by an older one.
run() { # profile-variable profile-file benchmark
	if ! env "$1=$2" HDPHONE_BENCH_ONLY="^$3\$" STORM_RUNS=1 PGO=off scripts/bench.sh >"$tmp/out" 2>&1; then
		cat "$tmp/out" >&2
		echo "pgo: $3 failed" >&2
		exit 1
	fi
	grep '^Benchmark' "$tmp/out" || true
	[ -s "$2" ] || { echo "pgo: $3 wrote no profile (skipped? see make bench's needs)" >&2; exit 1; }
}
run HDPHONE_BENCH_CPUPROFILE "$tmp/kamailio-shared.prof" BootStormKamailio/auth=pattern/socket=shared/phones=10000
run HDPHONE_BENCH_CPUPROFILE "$tmp/kamailio.prof" BootStormKamailio/auth=pattern/phones=10000
run HDPHONE_BENCH_CPUPROFILE "$tmp/lab-dhcp.prof" BootStormLab/dhcp/socket=shared/phones=10000
run HDPHONE_BENCH_TALKPROFILE "$tmp/talk.prof" CallsWithMedia/phones=1000
go tool pprof -proto "$tmp"/*.prof >"$tmp/default.pgo"
mv "$tmp/default.pgo" cmd/hdphone/default.pgo
echo "cmd/hdphone/default.pgo: $(wc -c <cmd/hdphone/default.pgo) bytes"
