#!/usr/bin/env bash
# scripts/vulncheck.sh: govulncheck on the root module and on e2e/, failing
# when code of ours calls a vulnerable symbol (govulncheck's exit status 3).
#
# govulncheck comes from e2e/go.mod (tool golang.org/x/vuln/cmd/govulncheck).
# The vulnerability database does not come from vuln.go.dev, which may be out
# of reach (CI sandboxes reach only the Go module proxy): it is built from the
# OSV files of the golang.org/x/vulndb module, fetched through the module
# proxy at the pinned VULNDB_VERSION, by e2e/internal/vulndb into a temporary
# directory. Its date is the version's commit time: bump VULNDB_VERSION (a
# pseudo-version of golang.org/x/vulndb, `go list -m -versions` does not list
# them; take the latest from the proxy's @latest) to see newer reports.
#
# Environment:
#   VULNDB_VERSION  the golang.org/x/vulndb version to read reports from
#   VULNDB          an existing v1 database or URL (file:///..., https://vuln.go.dev)
#                   to use instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

VULNDB_VERSION=${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "building govulncheck from e2e/go.mod"
(cd e2e && go build -o "$tmp/govulncheck" golang.org/x/vuln/cmd/govulncheck)

db=${VULNDB:-}
if [ -z "$db" ]; then
	echo "fetching golang.org/x/vulndb@$VULNDB_VERSION through the module proxy"
	(cd e2e && go mod download golang.org/x/vulndb@"$VULNDB_VERSION")
	read -r dir stamp < <(cd e2e && go list -m -f '{{.Dir}} {{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' golang.org/x/vulndb@"$VULNDB_VERSION")
	if [ ! -d "$dir/data/osv" ]; then
		echo "vulncheck: $dir/data/osv is missing: golang.org/x/vulndb@$VULNDB_VERSION carries no OSV data" >&2
		exit 1
	fi
	(cd e2e && go run ./internal/vulndb -osv "$dir/data/osv" -modified "$stamp" -out "$tmp/db")
	db="file://$tmp/db"
	echo "vulnerability database: golang.org/x/vulndb@$VULNDB_VERSION, reports up to $stamp"
fi

status=0
for mod in "$root" "$root/e2e"; do
	printf '\n=== govulncheck %s\n' "${mod#"$root"/}"
	rc=0
	(cd "$mod" && "$tmp/govulncheck" -db "$db" ./...) || rc=$?
	case $rc in
	0) ;;
	3) echo "vulncheck: $mod calls a vulnerable symbol (see above)" >&2; status=3 ;;
	*) echo "vulncheck: govulncheck failed on $mod (exit $rc)" >&2; [ $status -ne 0 ] || status=$rc ;;
	esac
done
exit $status
