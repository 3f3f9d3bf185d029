package e2e

import (
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"
)

// logsReceiver is a minimal OTLP/HTTP logs endpoint (protobuf, optionally
// gzip): what Jaeger's logs pipeline (otlphttp exporter) forwards lands here.
type logsReceiver struct {
	srv *httptest.Server

	mu      sync.Mutex
	records []logRecord
	errs    []string
}

// logRecord is one received OTel log record, flattened.
type logRecord struct {
	Service  string
	Scope    string
	Body     string
	TraceID  string
	SpanID   string
	Severity string
	Event    string // event_name, e.g. "otelstep.step" for a step start
	Attrs    map[string]any
}

func startLogsReceiver() *logsReceiver {
	r := &logsReceiver{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /otlp/v1/logs", r.handle)
	r.srv = httptest.NewServer(mux)
	return r
}

// URL is the base URL to give Jaeger as JAEGER_LOGS_ENDPOINT.
func (r *logsReceiver) URL() string { return r.srv.URL + "/otlp" }

// Close stops the server.
func (r *logsReceiver) Close() { r.srv.Close() }

func (r *logsReceiver) handle(w http.ResponseWriter, req *http.Request) {
	msg, err := decodeLogs(req)
	if err != nil {
		r.fail(w, err)
		return
	}
	var got []logRecord
	for _, rl := range msg.GetResourceLogs() {
		service := ""
		for _, kv := range rl.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, sl := range rl.GetScopeLogs() {
			for _, lr := range sl.GetLogRecords() {
				attrs := map[string]any{}
				for _, kv := range lr.GetAttributes() {
					attrs[kv.GetKey()] = anyValue(kv.GetValue())
				}
				got = append(got, logRecord{
					Service:  service,
					Scope:    sl.GetScope().GetName(),
					Body:     fmt.Sprint(anyValue(lr.GetBody())),
					TraceID:  hex.EncodeToString(lr.GetTraceId()),
					SpanID:   hex.EncodeToString(lr.GetSpanId()),
					Severity: lr.GetSeverityText(),
					Event:    lr.GetEventName(),
					Attrs:    attrs,
				})
			}
		}
	}
	r.mu.Lock()
	r.records = append(r.records, got...)
	r.mu.Unlock()
	out, _ := proto.Marshal(&collogspb.ExportLogsServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func (r *logsReceiver) fail(w http.ResponseWriter, err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err.Error())
	r.mu.Unlock()
	http.Error(w, err.Error(), http.StatusBadRequest)
}

// byService returns the records received so far for one service.name, and
// any decoding errors.
func (r *logsReceiver) byService(service string) ([]logRecord, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []logRecord
	for _, rec := range r.records {
		if rec.Service == service {
			out = append(out, rec)
		}
	}
	return out, append([]string(nil), r.errs...)
}

func anyValue(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case nil:
		return nil
	default:
		return fmt.Sprint(x)
	}
}

// decodeLogs reads an OTLP/HTTP logs export request, gzip-compressed or not.
func decodeLogs(req *http.Request) (*collogspb.ExportLogsServiceRequest, error) {
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	var msg collogspb.ExportLogsServiceRequest
	if err := proto.Unmarshal(b, &msg); err != nil {
		return nil, fmt.Errorf("decode %s: %w", req.Header.Get("Content-Type"), err)
	}
	return &msg, nil
}
