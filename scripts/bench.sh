#!/usr/bin/env bash
# scripts/bench.sh: run the otelstep benchmarks, summarize them with
# benchstat, and print each figure as a ratio against the baseline measured
# in the same run (a straightforward implementation of the same telemetry
# contract, in otelstep/bench_test.go).
#
# Usage: scripts/bench.sh [count]     (default count 6)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-6}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

benchstat="golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"

# One round of every benchmark at a time, count rounds: a drift in the
# machine's speed then hits the baseline and otelstep alike. Each benchmark
# of a compared pair runs in a fresh process (what one leaves behind, GC debt
# and the batch processors' goroutines, biases the next), in the opposite
# order every other round.
go test -c -o "$out/otelstep.test" ./otelstep
benches=(
	'BenchmarkStep$/^sdk$' 'BenchmarkStep$/^baseline-sdk$' 'BenchmarkStep$/^nosdk$'
	'BenchmarkDirect$/^direct$' 'BenchmarkDirect$/^otelslog$'
	'BenchmarkFilteredMessage$' 'BenchmarkMessage$' 'BenchmarkStepParallel$'
)
for i in $(seq "$count"); do
	order=("${benches[@]}")
	if ((i % 2 == 0)); then
		order=()
		for ((j = ${#benches[@]} - 1; j >= 0; j--)); do order+=("${benches[j]}"); done
	fi
	for b in "${order[@]}"; do
		(cd otelstep && "$out/otelstep.test" -test.run '^$' -test.bench "$b" -test.benchmem -test.benchtime "${BENCHTIME:-1s}") | grep '^Benchmark' | tee -a "$out/bench.txt"
	done
done
echo
go run "$benchstat" "$out/bench.txt"
echo

# Medians per benchmark (ns/op, allocs/op), then the ratios the performance
# targets are stated in.
awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 2; i <= NF; i++) {
		if ($(i) == "ns/op") ns[name] = ns[name] " " $(i-1)
		if ($(i) == "allocs/op") al[name] = al[name] " " $(i-1)
	}
}
function median(s,   a, n, i, j, t) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
END {
	printf "T0 %-40s %12s %10s\n", "benchmark (median)", "ns/op", "allocs/op"
	for (k in ns) printf "T1 %-40s %12.1f %10s\n", k, median(ns[k]), median(al[k])
	sdk = median(ns["BenchmarkStep/sdk"]); base = median(ns["BenchmarkStep/baseline-sdk"])
	one = median(ns["BenchmarkStep/sdk"]); par = median(ns["BenchmarkStepParallel"])
	printf "R\nR full SDK vs straightforward baseline: %.2fx (target <= 0.80x)\n", sdk / base
	printf "R no SDK: %.1f ns, %s allocs per step (target <= 40 ns, 1 alloc)\n", median(ns["BenchmarkStep/nosdk"]), median(al["BenchmarkStep/nosdk"])
	printf "R filtered message: %.1f ns, %s allocs (target <= 10 ns, 0 allocs)\n", median(ns["BenchmarkFilteredMessage/call"]), median(al["BenchmarkFilteredMessage/call"])
	printf "R filtered StepLogger.Debug with args: %.1f ns, %s allocs; Step.Debug %.1f ns, %s allocs\n", median(ns["BenchmarkFilteredMessage/StepLogger.Debug-args"]), median(al["BenchmarkFilteredMessage/StepLogger.Debug-args"]), median(ns["BenchmarkFilteredMessage/Step.Debug"]), median(al["BenchmarkFilteredMessage/Step.Debug"])
	printf "R StepLogger.Info vs StepLogger.Log: %.2fx; Step.Info vs Step.Log: %.2fx (target ~1)\n", median(ns["BenchmarkMessage/StepLogger.Info"]) / median(ns["BenchmarkMessage/StepLogger.Log"]), median(ns["BenchmarkMessage/Step.Info"]) / median(ns["BenchmarkMessage/Step.Log"])
	printf "R direct emission vs otelslog: %.2fx the time (kept while < 1)\n", median(ns["BenchmarkDirect/direct"]) / median(ns["BenchmarkDirect/otelslog"])
	printf "R two goroutines vs one: %.2fx throughput (target >= 1.1x)\n", one / par
}' "$out/bench.txt" > "$out/summary.txt"
grep '^T' "$out/summary.txt" | sort | cut -c4-
grep '^R' "$out/summary.txt" | cut -c3-
