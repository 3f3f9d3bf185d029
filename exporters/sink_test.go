package exporters

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// sink is an OTLP/HTTP receiver that counts what it decodes, can refuse
// the first requests with 503, and keeps the spans and records asked for.
type sink struct {
	refuse atomic.Int64  // requests still to refuse with status
	status int           // refusal status, 503 when 0
	gate   chan struct{} // when non-nil, requests wait for it to close

	spans, logs, metricReqs atomic.Int64
	refused                 atomic.Int64

	// partial makes every answer a partial success rejecting 2 spans, 1
	// log record or 1 metric data point.
	partial bool

	mu            sync.Mutex
	keep          bool
	keptSpan      []*tracepb.Span
	keptLogs      []*logspb.LogRecord
	keptLogScopes []string
	keptMetrics   []*metricspb.Metric
	headers       []http.Header
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.headers = append(s.headers, r.Header.Clone())
	s.mu.Unlock()
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-r.Context().Done():
			return
		}
	}
	if s.refuse.Add(-1) >= 0 {
		s.refused.Add(1)
		status := s.status
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		http.Error(w, "backend starting", status)
		return
	}
	b, ok := readOTLP(w, r)
	if !ok {
		return
	}
	var resp proto.Message
	switch r.URL.Path {
	case "/v1/traces":
		var req coltrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				s.spans.Add(int64(len(ss.Spans)))
				if s.keep {
					s.mu.Lock()
					s.keptSpan = append(s.keptSpan, ss.Spans...)
					s.mu.Unlock()
				}
			}
		}
		r := &coltrace.ExportTraceServiceResponse{}
		if s.partial {
			r.PartialSuccess = &coltrace.ExportTracePartialSuccess{RejectedSpans: 2, ErrorMessage: "too old"}
		}
		resp = r
	case "/v1/logs":
		var req collogs.ExportLogsServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, rl := range req.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				s.logs.Add(int64(len(sl.LogRecords)))
				if s.keep {
					s.mu.Lock()
					s.keptLogs = append(s.keptLogs, sl.LogRecords...)
					s.keptLogScopes = append(s.keptLogScopes, sl.Scope.GetName())
					s.mu.Unlock()
				}
			}
		}
		r := &collogs.ExportLogsServiceResponse{}
		if s.partial {
			r.PartialSuccess = &collogs.ExportLogsPartialSuccess{RejectedLogRecords: 1, ErrorMessage: "too old"}
		}
		resp = r
	case "/v1/metrics":
		var req colmetrics.ExportMetricsServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.metricReqs.Add(1)
		if s.keep {
			s.mu.Lock()
			for _, rm := range req.ResourceMetrics {
				for _, sm := range rm.ScopeMetrics {
					s.keptMetrics = append(s.keptMetrics, sm.Metrics...)
				}
			}
			s.mu.Unlock()
		}
		r := &colmetrics.ExportMetricsServiceResponse{}
		if s.partial {
			r.PartialSuccess = &colmetrics.ExportMetricsPartialSuccess{RejectedDataPoints: 1, ErrorMessage: "too old"}
		}
		resp = r
	default:
		http.NotFound(w, r)
		return
	}
	out, _ := proto.Marshal(resp)
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// syncBuffer is a bytes.Buffer safe for the error handler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// sinkEnv sets the process environment for OTLP/HTTP to endpoint with the
// secret header, SDK defaults otherwise (in particular Setup's queue
// defaults).
func sinkEnv(t *testing.T, endpoint string) {
	t.Helper()
	clearOTelEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20"+secret+",x-tenant=acme")
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "600000")
}

// readOTLP returns the body of an OTLP/HTTP request, gzip-compressed or not;
// on failure it answers 400 and reports false.
func readOTLP(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return nil, false
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return b, true
}
