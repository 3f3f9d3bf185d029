package exporters

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	collogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// collector is an OTLP receiver for tests, over HTTP and gRPC, that keeps
// what it receives.
type collector struct {
	mu      sync.Mutex
	traces  []*coltrace.ExportTraceServiceRequest
	metrics []*colmetrics.ExportMetricsServiceRequest
	logs    []*collogs.ExportLogsServiceRequest
	headers map[string][]string // path or gRPC method -> authorization, x-tenant

	coltrace.UnimplementedTraceServiceServer
	colmetrics.UnimplementedMetricsServiceServer
	collogs.UnimplementedLogsServiceServer
}

func newCollector() *collector { return &collector{headers: map[string][]string{}} }

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, ok := readOTLP(w, r)
	if !ok {
		return
	}
	var req, resp proto.Message
	switch r.URL.Path {
	case "/v1/traces":
		req, resp = &coltrace.ExportTraceServiceRequest{}, &coltrace.ExportTraceServiceResponse{}
	case "/v1/metrics":
		req, resp = &colmetrics.ExportMetricsServiceRequest{}, &colmetrics.ExportMetricsServiceResponse{}
	case "/v1/logs":
		req, resp = &collogs.ExportLogsServiceRequest{}, &collogs.ExportLogsServiceResponse{}
	default:
		http.NotFound(w, r)
		return
	}
	if err := proto.Unmarshal(b, req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.keep(r.URL.Path, req, r.Header.Get("Authorization"), r.Header.Get("X-Tenant"))
	out, _ := proto.Marshal(resp)
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func (c *collector) keep(where string, req proto.Message, auth, tenant string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch req := req.(type) {
	case *coltrace.ExportTraceServiceRequest:
		c.traces = append(c.traces, req)
	case *colmetrics.ExportMetricsServiceRequest:
		c.metrics = append(c.metrics, req)
	case *collogs.ExportLogsServiceRequest:
		c.logs = append(c.logs, req)
	}
	c.headers[where] = []string{auth, tenant}
}

func grpcHeaders(ctx context.Context) (string, string) {
	md, _ := metadata.FromIncomingContext(ctx)
	first := func(k string) string {
		if v := md.Get(k); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return first("authorization"), first("x-tenant")
}

func (c *collector) Export(ctx context.Context, req *coltrace.ExportTraceServiceRequest) (*coltrace.ExportTraceServiceResponse, error) {
	a, t := grpcHeaders(ctx)
	c.keep("/v1/traces", req, a, t)
	return &coltrace.ExportTraceServiceResponse{}, nil
}

type grpcMetrics struct{ *collector }

func (c grpcMetrics) Export(ctx context.Context, req *colmetrics.ExportMetricsServiceRequest) (*colmetrics.ExportMetricsServiceResponse, error) {
	a, t := grpcHeaders(ctx)
	c.keep("/v1/metrics", req, a, t)
	return &colmetrics.ExportMetricsServiceResponse{}, nil
}

type grpcLogs struct{ *collector }

func (c grpcLogs) Export(ctx context.Context, req *collogs.ExportLogsServiceRequest) (*collogs.ExportLogsServiceResponse, error) {
	a, t := grpcHeaders(ctx)
	c.keep("/v1/logs", req, a, t)
	return &collogs.ExportLogsServiceResponse{}, nil
}

// check asserts that the collector holds what emitSample recorded, with the
// resource and headers Setup was given.
func (c *collector) check(t *testing.T, service string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()

	var spans, stepEvents int
	for _, req := range c.traces {
		for _, rs := range req.ResourceSpans {
			checkService(t, rs.Resource, service)
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					if s.Name == "compile" {
						spans++
						for _, ev := range s.Events {
							if ev.Name == "otelstep.step" || ev.Name == "otelstep.log" {
								stepEvents++
							}
						}
					}
				}
			}
		}
	}
	if spans != 1 || stepEvents != 3 {
		t.Errorf("got %d compile spans with %d step events, want 1 with 3", spans, stepEvents)
	}

	var logs int
	for _, req := range c.logs {
		for _, rl := range req.ResourceLogs {
			checkService(t, rl.Resource, service)
			for _, sl := range rl.ScopeLogs {
				for _, r := range sl.LogRecords {
					if sl.Scope.GetName() == "typecheck" && r.Body.GetStringValue() == "Step 3: begin type checking" && len(r.TraceId) == 16 {
						logs++
					}
				}
			}
		}
	}
	if logs != 1 {
		t.Errorf("got %d matching log records, want 1", logs)
	}

	gauges := map[string]float64{}
	for _, req := range c.metrics {
		for _, rm := range req.ResourceMetrics {
			checkService(t, rm.Resource, service)
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					for _, dp := range m.GetGauge().GetDataPoints() {
						switch v := dp.Value.(type) {
						case *metricspb.NumberDataPoint_AsInt:
							gauges[m.Name] = float64(v.AsInt)
						case *metricspb.NumberDataPoint_AsDouble:
							gauges[m.Name] = v.AsDouble
						}
					}
				}
			}
		}
	}
	if gauges["otelstep.run.steps"] != 3 || gauges["otelstep.run.progress"] != 0.6 {
		t.Errorf("gauges = %v, want otelstep.run.steps 3 and otelstep.run.progress 0.6", gauges)
	}

	for _, path := range []string{"/v1/traces", "/v1/metrics", "/v1/logs"} {
		h := c.headers[path]
		if len(h) != 2 || h[0] != "Bearer "+secret || h[1] != "acme" {
			t.Errorf("%s: headers %q, want authorization and x-tenant from OTEL_EXPORTER_OTLP_HEADERS", path, h)
		}
	}
}

func checkService(t *testing.T, r *resourcepb.Resource, want string) {
	t.Helper()
	if got := attrString(r.GetAttributes(), "service.name"); got != want {
		t.Errorf("service.name = %q, want %q", got, want)
	}
}

func attrString(kvs []*commonpb.KeyValue, key string) string {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value.GetStringValue()
		}
	}
	return ""
}

// otlpEnv sets the process environment for an OTLP test in which only
// Shutdown exports.
func otlpEnv(t *testing.T, endpoint, protocol string) {
	t.Helper()
	clearOTelEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20"+secret+",x-tenant=acme")
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "600000")
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "600000")
	t.Setenv("OTEL_BLRP_SCHEDULE_DELAY", "600000")
}

func TestShutdownFlushesOTLPHTTP(t *testing.T) {
	col := newCollector()
	srv := httptest.NewServer(col)
	defer srv.Close()
	otlpEnv(t, srv.URL, "http/protobuf")

	ctx := context.Background()
	var console bytes.Buffer
	p, err := Setup(ctx, WithGlobals(false), WithServiceName("flush-http"), WithConsole(&console))
	if err != nil {
		t.Fatal(err)
	}
	emitAndShutdown(ctx, t, p)
	col.check(t, "flush-http")
	if console.Len() != 0 {
		t.Errorf("console written with OTLP configured: %q", console.String())
	}
}

func TestMetricExportInterval(t *testing.T) {
	col := newCollector()
	srv := httptest.NewServer(col)
	defer srv.Close()
	otlpEnv(t, srv.URL, "http/protobuf")
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "50")

	ctx := context.Background()
	p, err := Setup(ctx, WithGlobals(false))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(ctx)
	g, _ := p.MeterProvider.Meter("m").Int64Gauge("g")
	g.Record(ctx, 1)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		col.mu.Lock()
		n := len(col.metrics)
		col.mu.Unlock()
		if n > 0 {
			return
		}
	}
	t.Error("no periodic metric export before Shutdown with OTEL_METRIC_EXPORT_INTERVAL=50")
}

func TestShutdownFlushesOTLPGRPC(t *testing.T) {
	col := newCollector()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	coltrace.RegisterTraceServiceServer(gs, col)
	colmetrics.RegisterMetricsServiceServer(gs, grpcMetrics{col})
	collogs.RegisterLogsServiceServer(gs, grpcLogs{col})
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()
	otlpEnv(t, "http://"+lis.Addr().String(), "grpc")

	ctx := context.Background()
	p, err := Setup(ctx, WithGlobals(false), WithServiceName("flush-grpc"))
	if err != nil {
		t.Fatal(err)
	}
	emitAndShutdown(ctx, t, p)
	col.check(t, "flush-grpc")
}

func TestShutdownHonoursDeadline(t *testing.T) {
	// A closed port refuses at once; a server that never answers holds every
	// export until the deadline.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + lis.Addr().String()
	lis.Close()
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer stuck.Close()
	// The SDK's abandoned exports outlive Shutdown; let them go.
	defer close(release)
	// A TCP listener that accepts and never speaks: gRPC's handshake hangs.
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	go func() {
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			go func() { <-release; c.Close() }()
		}
	}()

	for _, tc := range []struct{ name, endpoint, protocol string }{
		{"closed port", closed, "http/protobuf"},
		{"no answer", stuck.URL, "http/protobuf"},
		{"grpc closed port", closed, "grpc"},
		{"grpc no answer", "http://" + mute.Addr().String(), "grpc"},
	} {
		endpoint := tc.endpoint
		t.Run(tc.name, func(t *testing.T) {
			otlpEnv(t, endpoint, tc.protocol)
			ctx := context.Background()
			p, err := Setup(ctx, WithGlobals(false))
			if err != nil {
				t.Fatal(err)
			}
			emitSample(ctx, t, p)
			sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			start := time.Now()
			err = p.Shutdown(sctx)
			elapsed := time.Since(start)
			t.Logf("Shutdown after %v: %v", elapsed, err)
			if elapsed > 3*time.Second {
				t.Errorf("Shutdown took %v with a 2s deadline", elapsed)
			}
			if err == nil {
				t.Fatal("Shutdown reported no error with the backend down")
			}
			for _, want := range []string{"traces", "metrics", "logs", strings.TrimPrefix(endpoint, "http://")} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q: %v", want, err)
				}
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error leaks the header secret: %v", err)
			}
			if err := p.Shutdown(ctx); err != nil {
				t.Errorf("second Shutdown = %v, want nil", err)
			}
		})
	}
}

func TestSDKDisabled(t *testing.T) {
	for _, viaProcess := range []bool{false, true} {
		name := "testEnv"
		if viaProcess {
			name = "process"
		}
		t.Run(name, func(t *testing.T) {
			var opts []Option
			clearOTelEnv(t)
			// Invalid values elsewhere are ignored: the SDK is off.
			env := map[string]string{"OTEL_SDK_DISABLED": "TRUE", "OTEL_TRACES_EXPORTER": "jaegr"}
			if viaProcess {
				for k, v := range env {
					t.Setenv(k, v)
				}
			} else {
				opts = append(opts, testEnv(t, env))
			}
			sentinel := sdktrace.NewTracerProvider()
			otel.SetTracerProvider(sentinel)

			var console bytes.Buffer
			ctx := context.Background()
			p, err := Setup(ctx, append(opts, WithConsole(&console))...)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Disabled() || p.TracerProvider == nil || p.MeterProvider == nil || p.LoggerProvider == nil || p.Resource == nil {
				t.Fatalf("disabled providers = %+v", p)
			}
			if otel.GetTracerProvider() != sentinel {
				t.Error("globals changed with OTEL_SDK_DISABLED=true")
			}
			emitSample(ctx, t, p)
			_, span := p.TracerProvider.Tracer("t").Start(ctx, "s")
			if span.IsRecording() {
				t.Error("span records with the SDK disabled")
			}
			span.End()
			for range 2 {
				if err := p.Shutdown(ctx); err != nil {
					t.Errorf("Shutdown = %v", err)
				}
			}
			if console.Len() != 0 {
				t.Errorf("console written: %q", console.String())
			}
		})
	}
}

func TestShutdownNil(t *testing.T) {
	var p *Providers
	if err := p.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Error(err)
	}
	if p.Disabled() {
		t.Error("nil Providers reports Disabled")
	}
}

func TestGlobals(t *testing.T) {
	ctx := context.Background()
	p, err := Setup(ctx, testEnv(t, nil), WithConsole(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(ctx)
	if otel.GetTracerProvider() != p.TracerProvider || otel.GetMeterProvider() != p.MeterProvider || otel.GetLoggerProvider() != p.LoggerProvider {
		t.Error("WithGlobals default did not set the global providers")
	}
	fields := otel.GetTextMapPropagator().Fields()
	slices.Sort(fields) // a composite propagator gives its fields in no set order
	if got := strings.Join(fields, ","); got != "baggage,otelstep-step,traceparent,tracestate" {
		t.Errorf("propagator fields = %s", got)
	}

	sentinel := sdktrace.NewTracerProvider()
	otel.SetTracerProvider(sentinel)
	p2, err := Setup(ctx, testEnv(t, nil), WithConsole(io.Discard), WithGlobals(false))
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Shutdown(ctx)
	if otel.GetTracerProvider() != sentinel {
		t.Error("WithGlobals(false) set the global tracer provider")
	}
}

// emitAndShutdown emits the sample telemetry through p and shuts p down,
// failing t if the flush fails.
func emitAndShutdown(ctx context.Context, t *testing.T, p *Providers) {
	t.Helper()
	emitSample(ctx, t, p)
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
}
