#!/usr/bin/env bash
# scripts/profile-step.sh: where a step's CPU time goes through what
# exporters.Setup builds (BenchmarkSetupStep/otelstep): the share of
# otelstep's own frames (flat), then the rest by package.
#
# Usage: scripts/profile-step.sh [benchtime]   (default 300000x)
set -euo pipefail
cd "$(dirname "$0")/.."
bt=${1:-300000x}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go test -c -o "$out/exporters.test" ./exporters
(cd exporters && "$out/exporters.test" -test.run '^$' -test.bench '^BenchmarkSetupStep$/^otelstep$' \
	-test.benchtime "$bt" -test.cpuprofile "$out/cpu.prof" >/dev/null)
# flat seconds per function, grouped by package (the function name up to its
# last path element's first dot).
go tool pprof -top -nodecount=100000 "$out/exporters.test" "$out/cpu.prof" 2>/dev/null |
	awk '$1 ~ /^[0-9.]+(ms|s)$/ && NF >= 6 {
		v = $1; sub(/ms$/, "", v); if ($1 ~ /[^m]s$/) { sub(/s$/, "", v); v *= 1000 }
		fn = $6; for (i = 7; i <= NF; i++) fn = fn " " $i
		n = split(fn, parts, "/"); last = parts[n]; sub(/\..*/, "", last)
		pkg = (n > 1 ? substr(fn, 1, length(fn) - length(parts[n])) : "") last
		if (pkg ~ /^github.com\/otelstep\/otelstep\/otelstep$/) pkg = "otelstep (own frames)"
		sum[pkg] += v; total += v
	}
	END {
		for (p in sum) printf "%6.1f%%  %s\n", 100 * sum[p] / total, p
	}' | sort -rn | head -25
