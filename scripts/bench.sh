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
# machine's speed then hits the baseline and otelstep alike.
go test -c -o "$out/otelstep.test" ./otelstep
for i in $(seq "$count"); do
	(cd otelstep && "$out/otelstep.test" -test.run '^$' -test.bench . -test.benchmem -test.benchtime "${BENCHTIME:-1s}") | tee -a "$out/bench.txt"
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
	printf "R filtered message: %.1f ns, %s allocs (target <= 10 ns, 0 allocs)\n", median(ns["BenchmarkFilteredMessage"]), median(al["BenchmarkFilteredMessage"])
	printf "R two goroutines vs one: %.2fx throughput (target >= 1.1x)\n", one / par
	printf "R Step.Progress vs one step message, full SDK: %.2fx (target <= 0.25x); off %.1f ns, no SDK %.1f ns\n", median(ns["BenchmarkProgress/sdk"]) / median(ns["BenchmarkStepMessage"]), median(ns["BenchmarkProgress/off"]), median(ns["BenchmarkProgress/nosdk"])
}' "$out/bench.txt" > "$out/summary.txt"
grep '^T' "$out/summary.txt" | sort | cut -c4-
grep '^R' "$out/summary.txt" | cut -c3-
