#!/usr/bin/env bash
# scripts/fuzz.sh: runs every fuzz target for a bounded time, one at a time
# (go test -fuzz takes one target per package), failing on the first crash.
# A crashing input is written to <pkg>/testdata/fuzz/<FuzzName>/: commit it,
# as a regression seed, with the fix.
#
# Environment:
#   FUZZTIME  how long each target runs (go test -fuzztime), default 10s
#   FUZZJOBS  parallel fuzz workers per target (go test -parallel), default 2
#   FUZZMINIMIZE  go test -fuzzminimizetime, default 100x: minimizing every
#             new interesting input for the default 60s stalls the run on the
#             64 KiB seeds (0 execs/sec); a crash is still minimized a little
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME=${FUZZTIME:-10s}
FUZZJOBS=${FUZZJOBS:-2}
FUZZMINIMIZE=${FUZZMINIMIZE:-100x}

targets=(
	"./otelstep FuzzParseLevels"
	"./otelstep FuzzStep"
	"./otelstep FuzzPropagatorExtract"
	"./exporters FuzzEnvPlan"
	"./exporters FuzzSetupEnv"
	"./exporters FuzzRedaction"
	"./otelstep/console FuzzLine"
	"./otelstep/console FuzzStatusRow"
)

for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	printf '\n--- fuzz %s %s for %s\n' "$pkg" "$name" "$FUZZTIME"
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$FUZZMINIMIZE" -parallel "$FUZZJOBS" "$pkg"
done
