#!/usr/bin/env bash
# Benchmarks: Go benchmarks of every package, then the fleet-scale and
# peer-comparison benchmarks. They print numbers; none of them pass or fail on
# speed. BENCHTIME tunes the Go benchmarks (default 1s).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-1s}
# Built with hdphone's own profile (cmd/hdphone/default.pgo, which go build
# uses for the hdphone binary; go test uses none unless told): the numbers
# are those of the program users run. PGO=off measures without it.
pgo=${PGO:-$PWD/cmd/hdphone/default.pgo}
# HDPHONE_BENCH_ONLY=regex runs only the fleet benchmarks whose names (as
# listed below) match it, and no package's: e.g. 'socket=shared/phones=10000'
# for the SIPp target's storm alone.
only=${HDPHONE_BENCH_ONLY:-}
# The fleet storms run once each below (every iteration is a whole storm).
if [ -z "$only" ]; then
	go test -pgo="$pgo" -run '^$' -bench . -benchmem -benchtime "$BENCHTIME" $(go list ./... | grep -v '/fleet$')
fi

# Fleet scale: boot storms to "registered" against the embedded lab and
# Kamailio (with SIPp's registration rate at the same Kamailio), memory per
# idle phone, calls with media. HDPHONE_BENCH_SIZES=small runs 1,000 phones
# only (10,000 too by default).
#
# Each one runs in a process of its own, as hdphone fleet runs a fleet. A
# storm that follows others in one process boots into their heap, which
# fleet readies again by collapsing it into huge pages (the runtime's
# returns of free pages split the first readying's): the 10,000-phone
# pattern storm at Kamailio right after a lab storm took 183-238 µs of CPU
# a phone, 0.57-0.61 of SIPp's rate (352-482 µs, 0.33-0.41, before the
# collapse), about what it takes alone; the seventh storm in one process
# took 447 µs and 17.8 faults a phone before it, not measured since.
out=$(mktemp)
bin=$(mktemp -d)
trap 'rm -rf "$out" "$bin"' EXIT
go test -pgo="$pgo" -c -o "$bin/fleet.test" ./fleet
sizes="1000 10000"
[ "${HDPHONE_BENCH_SIZES:-}" = small ] && sizes=1000
# Go lists no sub-benchmarks without running them: a new fleet benchmark
# (or a new variant of one in fleet/bench*_test.go) is named here too.
names=()
for v in "" "limit=100/" "shared/"; do
	for n in $sizes; do names+=("BareRegisterKamailio/${v}users=$n"); done
done
for mode in dhcp static dhcp/socket=shared; do
	for n in $sizes; do names+=("BootStormLab/$mode/phones=$n"); done
done
for auth in "" "auth=pattern/"; do
	for limit in "" "limit=200/"; do
		for n in $sizes; do names+=("BootStormKamailio/$auth${limit}phones=$n"); done
	done
done
for n in $sizes; do names+=("BootStormKamailio/auth=pattern/socket=shared/phones=$n"); done
for n in $sizes; do names+=("CallsWithMedia/phones=$n"); done
for n in $sizes; do names+=("CallsWithMediaKamailio/phones=$n"); done
echo "load average before the fleet benchmarks: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"
status=0
# The Kamailio storms on the shared socket, the SIPp target's, run
# STORM_RUNS times (default 3), each against SIPp in its own run: on a
# shared virtual machine one run's ratio moves by a fifth from minute to
# minute, and the summary gives the median with the range.
runs=${STORM_RUNS:-3}
for name in "${names[@]}"; do
	if [ -n "$only" ] && ! [[ $name =~ $only ]]; then
		continue
	fi
	# Benchmark<name>, every level anchored: exactly this one.
	re="^Benchmark$(echo "$name" | sed 's|/|$/^|g')\$"
	count=1
	case $name in BootStormKamailio/auth=pattern/socket=shared/*) count=$runs ;; esac
	for ((i = 0; i < count; i++)); do
		# In the package's directory, as go test runs it; each run in a
		# process of its own (see above).
		(cd fleet && "$bin/fleet.test" -test.run '^$' -test.bench "$re" -test.benchtime 1x -test.timeout 60m) | tee -a "$out" || status=1
	done
done
echo
echo "fleet summary (numbers, not assertions; a shared machine's load moves them):"
awk '
/^Benchmark(BootStorm|CallsWithMedia)/ {
	name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
	delete m
	for (i = 3; i + 1 <= NF; i += 2) m[$(i + 1)] = $i
	printf "%-44s %9s phones/s  p50 %6s ms  p99 %6s ms  fail %s  live heap %6s KiB/phone (spans %6s)  stack %5s KiB/phone  %s gor/phone", \
		name, m["phones/s"], m["boot-p50-ms"], m["boot-p99-ms"], m["failures"], m["heap-KiB/phone"], m["heap-spans-KiB/phone"], m["stack-KiB/phone"], m["goroutines/phone"]
	printf "  boot CPU %s µs/phone (%s from the first power-on)", m["boot-cpu-µs/phone"], m["storm-cpu-µs/phone"]
	if ("whole-phones/s" in m) printf "  whole run %s phones/s (from before the fleet is made)", m["whole-phones/s"]
	if ("ratio-vs-sipp" in m) printf "  SIPp at its best %s reg/s (%s in flight), ratio %s (SIPp CPU %s µs/reg; Kamailio CPU %s µs/phone, %s µs/SIPp reg)", \
		m["sipp-reg/s"], m["sipp-in-flight"], m["ratio-vs-sipp"], m["sipp-cpu-µs/user"], m["kam-cpu-µs/phone"], m["kam-cpu-µs/sipp-user"]
	if ("phone-budget-µs" in m) printf "  phone budget at the SIPp rate %s µs (the cores less the Kamailio share)", m["phone-budget-µs"]
	if ("streams/core" in m) printf "  %s streams/core (%s cores, send jitter p99 %s µs)", m["streams/core"], m["cores"], m["send-jitter-p99-µs"]
	if ("machine-fault-µs" in m) printf "  machine: fresh page %s µs, system call %s µs", m["machine-fault-µs"], m["machine-syscall-µs"]
	printf "\n"
	if ("ratio-vs-sipp" in m) {
		runs[name]++
		ratios[name, runs[name]] = m["ratio-vs-sipp"]
		cpus[name, runs[name]] = m["storm-cpu-µs/phone"]
	}
}
/^BenchmarkBareRegister/ {
	name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
	delete m
	for (i = 3; i + 1 <= NF; i += 2) m[$(i + 1)] = $i
	printf "%-44s %9s reg/s (bare clients, the floor under the phones; limit: 100 in flight; shared: one socket for all, 100 in flight)  CPU %s µs/user  SIPp at its best %s reg/s, ratio %s (Kamailio CPU %s µs/user, %s µs/SIPp reg)\n", \
		name, m["reg/s"], m["cpu-µs/user"], m["sipp-reg/s"], m["ratio-vs-sipp"], m["kam-cpu-µs/user"], m["kam-cpu-µs/sipp-user"]
}
# median of the n values v[name, 1..n], sorted in place
function median(v, name, n,    i, j, x) {
	for (i = 2; i <= n; i++) {
		x = v[name, i]
		for (j = i - 1; j >= 1 && v[name, j] + 0 > x + 0; j--) v[name, j + 1] = v[name, j]
		v[name, j + 1] = x
	}
	return n % 2 ? v[name, (n + 1) / 2] : (v[name, n / 2] + v[name, n / 2 + 1]) / 2
}
END {
	for (name in runs) {
		n = runs[name]
		if (n < 2) continue
		r = median(ratios, name, n)
		c = median(cpus, name, n)
		printf "%-44s %d runs: ratio to SIPp median %s (%s-%s), phones CPU median %s µs/phone (%s-%s)\n", \
			name, n, r, ratios[name, 1], ratios[name, n], c, cpus[name, 1], cpus[name, n]
	}
}' "$out"
exit "$status"
