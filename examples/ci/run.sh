#!/usr/bin/env bash
# Runs a fleet against a SIP registrar and leaves a JUnit report for the CI
# system. The exit status is hdphone's: 0 when every step passed on every
# phone, 1 when a step failed (the report says which), 2 for a bad fleet
# file.
#
#   SIP_REGISTRAR=10.0.0.5:5060 SIP_DOMAIN=sip.example examples/ci/run.sh
#
# FLEET picks another fleet file, OUT the report directory, HDPHONE a built
# binary (default: go run ./cmd/hdphone), PHONE_ADDRESSES the phones' /16 or
# /24 of 127/8.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${SIP_REGISTRAR:?set SIP_REGISTRAR to host:port of the registrar}"
: "${SIP_DOMAIN:=${SIP_REGISTRAR%:*}}"
: "${PHONE_ADDRESSES:=127.100.0.0/16}"
: "${FLEET:=$here/fleet.yaml}"
: "${OUT:=$PWD/fleet-report}"
export SIP_REGISTRAR SIP_DOMAIN PHONE_ADDRESSES
mkdir -p "$OUT"
if [ -n "${HDPHONE:-}" ]; then
	cmd=("$HDPHONE")
else
	cmd=(go run "$here/../../cmd/hdphone")
fi
status=0
"${cmd[@]}" fleet -f "$FLEET" --plain --json "$OUT/report.json" --junit "$OUT/junit.xml" || status=$?
echo "JUnit report: $OUT/junit.xml (exit $status)"
exit "$status"
