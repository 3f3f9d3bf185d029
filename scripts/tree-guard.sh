#!/usr/bin/env bash
# scripts/tree-guard.sh: fails when a tracked file has no place in the module
# that every `go get` downloads: a file over 1 MiB, or an executable binary
# (ELF, Mach-O or PE). Build outputs belong in .gitignore, not in the tree.
set -euo pipefail
cd "$(dirname "$0")/.."

limit=$((1024 * 1024))
bad=0
while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue # deleted in the work tree, or a submodule
	size=$(wc -c <"$f")
	if [ "$size" -gt "$limit" ]; then
		echo "tracked file over 1 MiB: $f ($size bytes)" >&2
		bad=1
	fi
	magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
	case "$magic" in
	7f454c46 | cffaedfe | cefaedfe | feedfacf | feedface | cafebabe | 4d5a*)
		echo "tracked executable binary: $f" >&2
		bad=1
		;;
	esac
done < <(git ls-files -z)
exit "$bad"
