#!/usr/bin/env bash
# scripts/fuzz.sh: runs every fuzz target for a bounded time, one at a time
# (go test -fuzz takes one target per package), failing on the first crash.
# A crashing input is written to <pkg>/testdata/fuzz/<FuzzName>/: commit it,
# as a regression seed, with the fix.
#
# Each target runs for a count of executions, about ten seconds' worth on
# the 2-core CI machine, not for a duration: a duration -fuzztime can fail
# with a bare "context deadline exceeded" and no crasher, a race in Go's fuzz
# coordinator (go.dev/issue/75804, fixed in Go 1.27).
#
# Environment:
#   FUZZTIME  overrides every target's budget (go test -fuzztime: 30s, 1000000x)
#   FUZZJOBS  parallel fuzz workers per target (go test -parallel), default 2
#   FUZZMINIMIZE  go test -fuzzminimizetime, default 100x: minimizing every
#             new interesting input for the default 60s stalls the run on the
#             64 KiB seeds (0 execs/sec); a crash is still minimized a little
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZJOBS=${FUZZJOBS:-2}
FUZZMINIMIZE=${FUZZMINIMIZE:-100x}

# package, target, executions
targets=(
	"./otelstep FuzzParseLevels 100000x"
	"./otelstep FuzzStep 20000x"
	"./otelstep FuzzPropagatorExtract 200000x"
	"./exporters FuzzEnvPlan 20000x"
	"./exporters FuzzSetupEnv 10000x"
	"./exporters FuzzRedaction 7500x"
	"./otelstep/console FuzzLine 100000x"
	"./otelstep/console FuzzStatusRow 100000x"
)

for t in "${targets[@]}"; do
	read -r pkg name budget <<<"$t"
	budget=${FUZZTIME:-$budget}
	printf '\n--- fuzz %s %s for %s\n' "$pkg" "$name" "$budget"
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "$budget" -fuzzminimizetime "$FUZZMINIMIZE" -parallel "$FUZZJOBS" "$pkg"
done
