#!/usr/bin/env bash
# scripts/bench.sh: the README's performance figures, measured as
# docs/DESIGN.md section 6 asks.
#
# Each benchmark of a pair runs in a fresh process, the order of the pair
# alternates round by round, and a pair's figure is the median of the
# per-round ratios (back to back in one process with -count, the first of a
# pair comes out biased). Pairs:
#
#   exporters BenchmarkSetupStep/otelstep vs /baseline: one step through the
#     processors exporters.Setup builds by default, over discarding
#     exporters; the baseline writes the same records (otelslog with source,
#     the same two span events, the same gauges: steps, finished, progress,
#     remaining, planned when it changes); spans end every 50
#     steps. This is the figure users get.
#   otelstep BenchmarkStep/sdk vs /baseline-sdk: the same step over the SDK's
#     default processors (BatchProcessor, 2,048 queue).
#
#   otelstep BenchmarkDirect/direct vs /otelslog: a step message written
#     straight to the OTel logger vs through otelslog (the direct path is kept
#     while it pays).
#   otelstep BenchmarkMessage/StepLogger.Info vs /StepLogger.Log and
#     /Step.Info vs /Step.Log: the slog methods cost what the call form costs.
#   otelstep BenchmarkProgress/sdk vs BenchmarkStepMessage: a Step.Progress
#     call vs one step message, full SDK (target <= 0.25x).
#
# Singles (one fresh process each per round): BenchmarkQueueOutage (peak
# heap, longest emit, dropped, for Setup's log queue and the SDK's), and the
# no-SDK, filtered-message, Progress (off, no SDK) and parallel benchmarks of
# package otelstep.
#
# Usage: scripts/bench.sh [rounds]   (default 6)
#        BENCHTIME=200000x scripts/bench.sh 6   (per step benchmark; default 200000x)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
rounds=${1:-6}
benchtime=${BENCHTIME:-200000x}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

go test -c -o "$out/exporters.test" ./exporters
go test -c -o "$out/otelstep.test" ./otelstep

# run BIN DIR BENCH BENCHTIME: one benchmark in a fresh process; its result
# lines, prefixed with the round, go to results.txt.
run() {
	local bin=$1 dir=$2 bench=$3 bt=$4
	(cd "$dir" && "$out/$bin" -test.run '^$' -test.bench "$bench" -test.benchmem -test.benchtime "$bt") |
		awk -v r="$round" '/^Benchmark/ { sub(/-[0-9]+$/, "", $1); print "round", r, $0 }' | tee -a "$out/results.txt"
}

for round in $(seq "$rounds"); do
	if ((round % 2)); then
		run exporters.test exporters '^BenchmarkSetupStep$/^otelstep$' "$benchtime"
		run exporters.test exporters '^BenchmarkSetupStep$/^baseline$' "$benchtime"
		run otelstep.test otelstep '^BenchmarkStep$/^sdk$' "$benchtime"
		run otelstep.test otelstep '^BenchmarkStep$/^baseline-sdk$' "$benchtime"
	else
		run exporters.test exporters '^BenchmarkSetupStep$/^baseline$' "$benchtime"
		run exporters.test exporters '^BenchmarkSetupStep$/^otelstep$' "$benchtime"
		run otelstep.test otelstep '^BenchmarkStep$/^baseline-sdk$' "$benchtime"
		run otelstep.test otelstep '^BenchmarkStep$/^sdk$' "$benchtime"
	fi
	pair=(
		'^BenchmarkDirect$/^direct$' '^BenchmarkDirect$/^otelslog$'
		'^BenchmarkMessage$/^StepLogger.Info$' '^BenchmarkMessage$/^StepLogger.Log$'
		'^BenchmarkMessage$/^Step.Info$' '^BenchmarkMessage$/^Step.Log$'
		'^BenchmarkProgress$/^sdk$' '^BenchmarkStepMessage$'
	)
	for ((j = 0; j < ${#pair[@]}; j += 2)); do
		a=${pair[j]} b=${pair[j + 1]}
		((round % 2)) || { t=$a a=$b b=$t; }
		run otelstep.test otelstep "$a" "$benchtime"
		run otelstep.test otelstep "$b" "$benchtime"
	done
	run otelstep.test otelstep '^BenchmarkProgress$/^(off|nosdk)$' "$benchtime"
	run otelstep.test otelstep '^BenchmarkStep$/^nosdk$' "$benchtime"
	run otelstep.test otelstep '^BenchmarkFilteredMessage$' "$benchtime"
	run otelstep.test otelstep '^BenchmarkStepParallel$' "$benchtime"
	run exporters.test exporters '^BenchmarkQueueOutage$/^logBatcher$' 1x
	run exporters.test exporters '^BenchmarkQueueOutage$/^sdk$' 1x
done
echo

awk '
{
	r = $2; name = $3
	for (i = 5; i <= NF; i++) {
		unit = $(i); v = $(i-1)
		if (unit == "ns/op" || unit == "allocs/op" || unit == "B/op" || unit ~ /-MiB$|-ms$|^dropped$/) {
			val[name, unit] = val[name, unit] " " v
			byround[name, unit, r] = v
			units[name] = units[name] " " unit
		}
	}
	names[name] = 1
	rounds[r] = 1
}
function median(s,   a, n, i, j, t) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function ratio(a, b,   s, r, n) {
	s = ""
	for (r in rounds) if ((a, "ns/op", r) in byround && (b, "ns/op", r) in byround) s = s " " byround[a, "ns/op", r] / byround[b, "ns/op", r]
	n = split(s, tmp, " ")
	return n ? sprintf("%.2fx (%d rounds; range %s)", median(s), n, range(s)) : "n/a"
}
function range(s,   a, n, i, lo, hi) {
	n = split(s, a, " "); lo = hi = a[1]
	for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
	return sprintf("%.2f to %.2f", lo, hi)
}
END {
	printf "%-42s %10s %9s %8s\n", "benchmark (median of rounds)", "ns/op", "allocs/op", "B/op"
	for (k in names) if ((k, "ns/op") in val && k !~ /QueueOutage/)
		printf "%-42s %10.0f %9s %8s\n", k, median(val[k, "ns/op"]), median(val[k, "allocs/op"]), median(val[k, "B/op"])
	print ""
	printf "%-42s %14s %16s %10s\n", "queue under outage (1,000,000 records)", "peak heap MiB", "longest emit ms", "dropped"
	for (k in names) if (k ~ /QueueOutage/)
		printf "%-42s %14.0f %16.1f %10.0f\n", k, median(val[k, "peak-heap-MiB"]), median(val[k, "longest-emit-ms"]), median(val[k, "dropped"])
	print ""
	print "step through exporters.Setup, otelstep vs baseline: " ratio("BenchmarkSetupStep/otelstep", "BenchmarkSetupStep/baseline")
	print "step over the SDK defaults,   otelstep vs baseline: " ratio("BenchmarkStep/sdk", "BenchmarkStep/baseline-sdk")
	print "direct emission vs otelslog:                       " ratio("BenchmarkDirect/direct", "BenchmarkDirect/otelslog")
	print "StepLogger.Info vs StepLogger.Log:                 " ratio("BenchmarkMessage/StepLogger.Info", "BenchmarkMessage/StepLogger.Log")
	print "Step.Info vs Step.Log:                             " ratio("BenchmarkMessage/Step.Info", "BenchmarkMessage/Step.Log")
	print "Step.Progress vs one step message (target <= 0.25x): " ratio("BenchmarkProgress/sdk", "BenchmarkStepMessage")
	printf "two goroutines vs one (SDK defaults): %.2fx throughput\n", median(val["BenchmarkStep/sdk", "ns/op"]) / median(val["BenchmarkStepParallel", "ns/op"])
}' "$out/results.txt"
