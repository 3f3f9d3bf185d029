package e2e

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// jaegerStack is a running Jaeger v2 started from deploy/jaeger/config.yaml,
// plus the OTLP logs receiver its logs pipeline forwards to.
type jaegerStack struct {
	proc                          *proc
	otlpHTTP, otlpGRPC            int
	queryHTTP, queryGRPC          int
	health, prometheus, telemetry int
	logs                          *logsReceiver
}

// pickPorts gives j a free 127.0.0.1 port for each listener.
func (j *jaegerStack) pickPorts() error {
	var err error
	for _, p := range []*int{&j.otlpHTTP, &j.otlpGRPC, &j.queryHTTP, &j.queryGRPC, &j.health, &j.prometheus, &j.telemetry} {
		if *p, err = pickPort(); err != nil {
			return err
		}
	}
	return nil
}

// env returns the JAEGER_* variables of deploy/jaeger/config.yaml for j's
// ports, with logsURL as the logs pipeline's destination.
func (j *jaegerStack) env(logsURL string) []string {
	return []string{
		"JAEGER_HOST=127.0.0.1",
		"JAEGER_OTLP_GRPC_PORT=" + strconv.Itoa(j.otlpGRPC),
		"JAEGER_OTLP_HTTP_PORT=" + strconv.Itoa(j.otlpHTTP),
		"JAEGER_QUERY_HTTP_PORT=" + strconv.Itoa(j.queryHTTP),
		"JAEGER_QUERY_GRPC_PORT=" + strconv.Itoa(j.queryGRPC),
		"JAEGER_HEALTH_PORT=" + strconv.Itoa(j.health),
		"JAEGER_PROMETHEUS_PORT=" + strconv.Itoa(j.prometheus),
		"JAEGER_TELEMETRY_PORT=" + strconv.Itoa(j.telemetry),
		"JAEGER_LOGS_ENDPOINT=" + logsURL,
	}
}

// OTLPEndpoint is the base URL for OTEL_EXPORTER_OTLP_ENDPOINT (http/protobuf).
func (j *jaegerStack) OTLPEndpoint() string { return "http://" + hostPort(j.otlpHTTP) }

// QueryURL is the base URL of the query HTTP API.
func (j *jaegerStack) QueryURL() string { return "http://" + hostPort(j.queryHTTP) }

var (
	jaegerOnce sync.Once
	jaegerS    *jaegerStack
	jaegerErr  error
)

// needJaeger returns the shared Jaeger, starting it on first use. A failed
// start fails every test that needs it, with the same error.
func needJaeger(t testing.TB) *jaegerStack {
	t.Helper()
	jaegerOnce.Do(func() {
		for attempt := 1; attempt <= 2; attempt++ { // a port may be taken between pick and bind
			jaegerS, jaegerErr = startJaeger()
			if jaegerErr == nil {
				return
			}
			logf("jaeger start attempt %d: %v", attempt, jaegerErr)
		}
	})
	if jaegerErr != nil {
		t.Fatalf("Jaeger is not running: %v", jaegerErr)
	}
	t.Cleanup(func() { dumpOnFailure(t, jaegerS.proc) })
	return jaegerS
}

func startJaeger() (*jaegerStack, error) {
	bin, err := buildJaeger()
	if err != nil {
		return nil, err
	}
	j := &jaegerStack{logs: startLogsReceiver()}
	if err := j.pickPorts(); err != nil {
		return nil, err
	}
	j.proc, err = startProc(workDir, "jaeger-"+strconv.Itoa(j.queryHTTP), j.env(j.logs.URL()), bin, "--config", jaegerConfigPath())
	if err != nil {
		return nil, err
	}
	start := time.Now()
	health := "http://" + hostPort(j.health) + "/status"
	if err := waitHTTP200(health, j.proc, 60*time.Second); err != nil {
		j.proc.stop(5 * time.Second)
		return nil, fmt.Errorf("jaeger health %s: %w\n%s", health, err, j.proc.tail(30))
	}
	// The query API and the Prometheus exporter come up with the pipelines;
	// check them too so a test never races the start.
	for _, u := range []string{j.QueryURL() + "/api/services", "http://" + hostPort(j.prometheus) + "/metrics"} {
		if err := waitHTTP200(u, j.proc, 30*time.Second); err != nil {
			j.proc.stop(5 * time.Second)
			return nil, fmt.Errorf("jaeger %s: %w\n%s", u, err, j.proc.tail(30))
		}
	}
	logf("jaeger ready in %s: otlp-http %d, query %d, prometheus exporter %d, log %s",
		time.Since(start).Round(time.Millisecond), j.otlpHTTP, j.queryHTTP, j.prometheus, j.proc.logPath)
	return j, nil
}

// v1 query API (/api/traces/{id}): span events are logs[].fields.

type v1TraceResponse struct {
	Data   []v1Trace `json:"data"`
	Errors []any     `json:"errors"`
}

type v1Trace struct {
	TraceID   string               `json:"traceID"`
	Spans     []v1Span             `json:"spans"`
	Processes map[string]v1Process `json:"processes"`
}

type v1Span struct {
	TraceID       string  `json:"traceID"`
	SpanID        string  `json:"spanID"`
	OperationName string  `json:"operationName"`
	References    []v1Ref `json:"references"`
	StartTime     int64   `json:"startTime"`
	Tags          []v1KV  `json:"tags"`
	Logs          []v1Log `json:"logs"`
	ProcessID     string  `json:"processID"`
}

type v1Ref struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceID"`
	SpanID  string `json:"spanID"`
}

type v1KV struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

type v1Log struct {
	Timestamp int64  `json:"timestamp"`
	Fields    []v1KV `json:"fields"`
}

type v1Process struct {
	ServiceName string `json:"serviceName"`
	Tags        []v1KV `json:"tags"`
}

// field returns the value of key in kvs as a string ("" if absent).
func field(kvs []v1KV, key string) (string, bool) {
	for _, kv := range kvs {
		if kv.Key == key {
			switch v := kv.Value.(type) {
			case string:
				return v, true
			case float64:
				return strconv.FormatFloat(v, 'f', -1, 64), true
			default:
				return fmt.Sprint(v), true
			}
		}
	}
	return "", false
}

// getTraceV1 fetches one trace by ID.
func (j *jaegerStack) getTraceV1(ctx context.Context, traceID string) (*v1Trace, error) {
	var r v1TraceResponse
	if err := getJSON(ctx, j.QueryURL()+"/api/traces/"+traceID, &r); err != nil {
		return nil, err
	}
	if len(r.Data) != 1 {
		return nil, fmt.Errorf("trace %s: %d traces in answer, errors %v", traceID, len(r.Data), r.Errors)
	}
	return &r.Data[0], nil
}

// v3 query API (/api/v3/traces): OTLP JSON.

type v3Response struct {
	Result struct {
		ResourceSpans []struct {
			Resource struct {
				Attributes []otlpKV `json:"attributes"`
			} `json:"resource"`
			ScopeSpans []struct {
				Scope struct {
					Name string `json:"name"`
				} `json:"scope"`
				Spans []struct {
					TraceID string `json:"traceId"`
					SpanID  string `json:"spanId"`
					Name    string `json:"name"`
					Events  []struct {
						Name       string   `json:"name"`
						Attributes []otlpKV `json:"attributes"`
					} `json:"events"`
				} `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	} `json:"result"`
}

type otlpKV struct {
	Key   string         `json:"key"`
	Value map[string]any `json:"value"` // {"intValue": "3"} / {"stringValue": "x"}
}

// findTracesV3 searches the service's traces over [min, max].
func (j *jaegerStack) findTracesV3(ctx context.Context, service string, min, max time.Time) (*v3Response, error) {
	q := url.Values{}
	q.Set("query.service_name", service)
	q.Set("query.start_time_min", min.UTC().Format(time.RFC3339Nano))
	q.Set("query.start_time_max", max.UTC().Format(time.RFC3339Nano))
	q.Set("query.num_traces", "20")
	var r v3Response
	if err := getJSON(ctx, j.QueryURL()+"/api/v3/traces?"+q.Encode(), &r); err != nil {
		return nil, err
	}
	return &r, nil
}
