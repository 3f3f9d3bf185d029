#!/usr/bin/env bash
# scripts/test.sh: the project's test command. On a fresh machine it installs
# what the tests need (Debian's tmux and prometheus; Jaeger is built from
# e2e/go.mod), then runs, failing on the first red step:
#
#   gofmt check, go vet, go test -race (unit), the fuzz targets for a bounded
#   time, govulncheck, and the end-to-end suite against a real Jaeger v2 and
#   Prometheus.
#
# Usage: scripts/test.sh            everything
#        scripts/test.sh -short     unit tests only (gofmt, vet, go test -race)
set -euo pipefail
cd "$(dirname "$0")/.."

# go.mod names the toolchain with the standard library's security fixes
# (toolchain go1.26.10); "auto" lets an older local Go fetch it through the
# module proxy, and a newer one run as it is.
export GOTOOLCHAIN=auto
go version

short=false
[ "${1:-}" = "-short" ] && short=true

step() { printf '\n=== %s\n' "$*"; }

# need cmd why missing: installs Debian's package cmd (for why) when the
# command is absent and this is root with apt-get; otherwise warns that it
# is not installed, and what that means (missing).
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "installing Debian's $1 ($2)"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$1" >/dev/null
	else
		echo "$1 is not installed and this is not root: $3" >&2
	fi
}

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	printf 'gofmt would change:\n%s\n' "$unformatted" >&2
	exit 1
fi

step "tree guard (no tracked file over 1 MiB, no executable binary)"
scripts/tree-guard.sh

step "go vet"
go vet ./...
(cd e2e && go vet ./...)

step "prerequisites for the unit tests"
# tmux gives the console view's tests a real pseudo-terminal
# (otelstep/console/tty_test.go).
need tmux "the console view's terminal test" "the console view's terminal test is skipped"

step "go test -race ./... (unit)"
go test -race -count=1 ./...

$short && exit 0

if [ -x scripts/fuzz.sh ]; then
	step "fuzz targets (bounded)"
	scripts/fuzz.sh
fi

step "govulncheck (fails when our code calls a vulnerable symbol)"
scripts/vulncheck.sh

step "prerequisites for the end-to-end suite"
need prometheus "the e2e suite runs it on 127.0.0.1" "the Prometheus leg of the e2e suite cannot run"

step "end-to-end suite (e2e/: real Jaeger v2 and Prometheus on 127.0.0.1)"
# The first build of Jaeger takes about 6-9 minutes and 2.4 GB; the Go build
# cache keeps it for later runs.
(cd e2e && go test -race -count=1 -timeout 40m ./...)
