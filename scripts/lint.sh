#!/usr/bin/env bash
# The static checks, for make lint and make test's second step: go vet (the
# soaks' build tag too), gofmt, staticcheck's correctness checks (SA;
# deprecations left to review) and the scripts' syntax. Every check runs;
# the exit status says whether any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0
go vet ./... || rc=1
go vet -tags soak ./device || rc=1 # the soaks (make soak) build too
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "not gofmt-formatted:"
	echo "$unformatted"
	rc=1
fi
# staticcheck's version is pinned; the module proxy serves it like any other
# module.
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -checks 'SA*,-SA1019' ./... || rc=1
# The scripts CI does not run (make bench, soak, pgo, fuzz) parse: a quote
# astray in one ended make bench with a syntax error after its twenty
# minutes of runs.
for script in scripts/*.sh .ci/run; do
	bash -n "$script" || rc=1
done
exit $rc
