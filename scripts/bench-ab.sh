#!/usr/bin/env bash
# scripts/bench-ab.sh: one benchmark of package otelstep at an earlier
# revision (A) and at the work tree (B), each round in fresh processes, the
# order alternated round by round; prints the median ns/op of each side and
# the median of the per-round ratios B/A. It is how the README compares a
# release with the one before ("no slower than today").
#
# REV is exported with git archive into a temporary directory (no worktree
# is made). PKG names the package, ./otelstep by default.
#
# Usage: [PKG=./exporters] scripts/bench-ab.sh REV BENCH [rounds] [benchtime] [BENCH_AT_REV]
#   e.g. scripts/bench-ab.sh b88fb67 'BenchmarkStep$/^nosdk$' 8 2000000x
#   BENCH_AT_REV names the benchmark at REV when it was renamed since, e.g.
#   scripts/bench-ab.sh b88fb67 'BenchmarkFilteredMessage$/^call$' 6 20000000x 'BenchmarkFilteredMessage$'

set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
rev=${1:?usage: scripts/bench-ab.sh REV BENCH [rounds] [benchtime]}
bench=${2:?usage: scripts/bench-ab.sh REV BENCH [rounds] [benchtime]}
rounds=${3:-8}
benchtime=${4:-2000000x}
bench_a=${5:-$bench}
pkg=${PKG:-./otelstep}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

mkdir "$out/a"
git archive "$rev" | tar -x -C "$out/a"
(cd "$out/a" && go test -c -o "$out/a.test" "$pkg")
go test -c -o "$out/b.test" "$pkg"

run() { # run SIDE ROUND: one fresh process
	local b=$bench
	[ "$1" = a ] && b=$bench_a
	(cd "$pkg" && "$out/$1.test" -test.run '^$' -test.bench "$b" -test.benchmem -test.benchtime "$benchtime") |
		awk -v s="$1" -v r="$2" '/^Benchmark/ { al = "-"; for (i = 2; i <= NF; i++) { if ($(i) == "ns/op") ns = $(i-1); if ($(i) == "allocs/op") al = $(i-1) }; print s, r, ns, al }' | tee -a "$out/results.txt"
}
for r in $(seq "$rounds"); do
	if ((r % 2)); then run a "$r"; run b "$r"; else run b "$r"; run a "$r"; fi
done

awk -v rev="$rev" -v bench="$bench" '
{ ns[$1, $2] = $3; all[$1] = all[$1] " " $3; allocs[$1] = $4; rounds[$2] = 1 }
function median(s,   a, n, i, j, t) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
END {
	for (r in rounds) if (("a", r) in ns && ("b", r) in ns) ratios = ratios " " ns["b", r] / ns["a", r]
	printf "%s: %s %.1f ns/op %s allocs/op, work tree %.1f ns/op %s allocs/op; work tree / %s = %.2fx (median of per-round ratios)\n",
		bench, rev, median(all["a"]), allocs["a"], median(all["b"]), allocs["b"], rev, median(ratios)
}' "$out/results.txt"
