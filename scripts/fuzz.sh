#!/usr/bin/env bash
# Runs every fuzz target in the module for FUZZTIME (default 30s) each, and
# ends with a summary: the targets that found a failing input (written to
# the package's testdata/fuzz/<target>/, where go test replays it from then
# on) make it exit 1.
#
# Go's fuzzing coordinator can end a run that found nothing with "context
# deadline exceeded" as its -fuzztime runs out (golang/go#75804, fixed in
# Go 1.27; more likely on a loaded machine): such a failure wrote no input,
# so the target is run once more and, failing the same way again, reported
# as the toolchain's, not as a finding.
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-30s}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
found=() flaked=()
passed=0
# inputs lists the failing inputs kept for target $2 in directory $1.
inputs() { ls "$1/testdata/fuzz/$2" 2>/dev/null | sort; }
while read -r pkg dir; do
	if ! list=$(go test -list '^Fuzz' "$pkg" 2>&1 </dev/null); then
		echo "$list"
		found+=("$pkg (its tests do not build)")
		continue
	fi
	for f in $(grep '^Fuzz' <<<"$list"); do
		ok=
		for again in "" " (again)"; do
			echo "== $pkg $f$again"
			before=$(inputs "$dir" "$f")
			if go test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1 </dev/null | tee "$out"; then
				ok=pass
				break
			fi
			if [ "$(inputs "$dir" "$f")" != "$before" ]; then
				ok=found
				break
			fi
			if ! grep -q 'context deadline exceeded' "$out"; then
				ok=found # a failure of another kind: look at it
				break
			fi
			echo "== $f: context deadline exceeded, no input written (golang/go#75804)"
		done
		case $ok in
		pass) passed=$((passed + 1)) ;;
		found) found+=("$pkg $f") ;;
		*) flaked+=("$pkg $f") ;;
		esac
	done
done < <(go list -f '{{.ImportPath}} {{.Dir}}' ./...)
if [ $((passed + ${#flaked[@]} + ${#found[@]})) -eq 0 ]; then
	found+=("no fuzz target found")
fi
echo "fuzz: $passed targets passed for $FUZZTIME each; ${#flaked[@]} ended twice by the toolchain's deadline race; ${#found[@]} failed"
for t in "${flaked[@]}"; do echo "  deadline race: $t"; done
for t in "${found[@]}"; do echo "  FAILED: $t (see the output above and testdata/fuzz/)"; done
[ ${#found[@]} -eq 0 ]
