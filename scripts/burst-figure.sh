#!/usr/bin/env bash
# scripts/burst-figure.sh: the whole-process figure of examples/burst with
# the OTLP exporter (http/protobuf, exporters.Setup's defaults) to a real
# Jaeger v2: CPU seconds (user + system) per 100,000 steps and peak RSS of
# the burst process, median of N runs.
#
# Jaeger v2 is the binary e2e/go.mod builds (`cd e2e && go tool -n jaeger`;
# a cold build takes minutes), started on 127.0.0.1 with free ports from
# deploy/jaeger/config.yaml; its logs pipeline forwards to a local sink that
# answers 200, as e2e's harness does.
#
# Usage: scripts/burst-figure.sh [runs] [steps] [workers]   (default 3 100000 8)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
runs=${1:-3}
steps=${2:-100000}
workers=${3:-8}
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

jaeger=$(cd e2e && go tool -n jaeger)
go build -o "$work/burst" ./examples/burst

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
declare -A port
for k in OTLP_GRPC OTLP_HTTP QUERY_HTTP QUERY_GRPC HEALTH PROMETHEUS TELEMETRY LOGS; do port[$k]=$(freeport); done

# The logs sink: 200 with an empty protobuf body to every POST.
python3 - "${port[LOGS]}" <<'EOF' &
import sys, http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Type", "application/x-protobuf"); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
pids+=($!)

env JAEGER_HOST=127.0.0.1 \
	JAEGER_OTLP_GRPC_PORT="${port[OTLP_GRPC]}" JAEGER_OTLP_HTTP_PORT="${port[OTLP_HTTP]}" \
	JAEGER_QUERY_HTTP_PORT="${port[QUERY_HTTP]}" JAEGER_QUERY_GRPC_PORT="${port[QUERY_GRPC]}" \
	JAEGER_HEALTH_PORT="${port[HEALTH]}" JAEGER_PROMETHEUS_PORT="${port[PROMETHEUS]}" \
	JAEGER_TELEMETRY_PORT="${port[TELEMETRY]}" JAEGER_LOGS_ENDPOINT="http://127.0.0.1:${port[LOGS]}" \
	"$jaeger" --config deploy/jaeger/config.yaml >"$work/jaeger.log" 2>&1 &
pids+=($!)
for _ in $(seq 120); do
	curl -fs "http://127.0.0.1:${port[HEALTH]}/status" >/dev/null 2>&1 && break
	sleep 0.5
done
curl -fs "http://127.0.0.1:${port[HEALTH]}/status" >/dev/null || { tail -30 "$work/jaeger.log"; exit 1; }

echo "jaeger $jaeger on OTLP/HTTP 127.0.0.1:${port[OTLP_HTTP]}; burst -steps $steps -workers $workers, $runs runs"
for i in $(seq "$runs"); do
	env -u OTEL_EXPORTER_OTLP_PROTOCOL OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:${port[OTLP_HTTP]}" \
		/usr/bin/time -f '%U %S %M' -o "$work/time.$i" \
		"$work/burst" -steps "$steps" -workers "$workers" -json >"$work/out.$i" 2>"$work/err.$i"
	read -r user sys maxrss <"$work/time.$i"
	lost=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])).get("stats") or {}; print(sum(s.get(k,0) for k in ("SpansDropped","SpansFailed","LogsDropped","LogsFailed")))' "$work/out.$i")
	printf 'run %d: cpu %.2f s (user %.2f, sys %.2f), cpu per 100,000 steps %.2f s, peak RSS %d MiB, lost %s\n' \
		"$i" "$(echo "$user + $sys" | bc)" "$user" "$sys" "$(echo "($user + $sys) * 100000 / $steps" | bc -l)" "$((maxrss / 1024))" "$lost" |
		tee -a "$work/runs.txt"
done
awk '
function median(s,   a, n, i, j, t) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ cpu = cpu " " $14; rss = rss " " $18 }
END { printf "median: %.2f CPU s per 100,000 steps, peak RSS %d MiB\n", median(cpu), median(rss) }' "$work/runs.txt"
