# hdphone — see README.md. Every target works from a fresh checkout with Go.
GO ?= go

.PHONY: build test demo cross bench soak lint fuzz behaviours pgo

build:
	$(GO) build -o bin/hdphone ./cmd/hdphone

# The whole suite: peers' install, vet, race tests, cross builds, ARM under qemu.
test:
	scripts/test.sh

demo:
	$(GO) run ./cmd/hdphone demo

cross:
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -o bin/hdphone-linux-amd64 ./cmd/hdphone
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -o bin/hdphone-linux-arm64 ./cmd/hdphone
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -o bin/hdphone-linux-armv7 ./cmd/hdphone

# Benchmarks print numbers (and ratios against real peers); they assert nothing.
bench:
	scripts/bench.sh

soak:
	scripts/soak.sh

# Profile a fleet's work again into cmd/hdphone/default.pgo, the profile go
# build optimises hdphone with (make bench uses it too).
pgo:
	scripts/pgo.sh

# vet, gofmt, staticcheck's correctness checks and the scripts' syntax, as
# make test's second step runs them.
lint:
	scripts/lint.sh

# Run every fuzz target for FUZZTIME each (default 30s).
fuzz:
	scripts/fuzz.sh

# How much of the manual's behaviour list the tests prove (// behaviour: X-N tags).
behaviours:
	$(GO) test -count=1 -v -run TestBehaviourTagsNameRealItems ./internal/archtest | sed -n '/covered/,/not yet/p'
