package exporters

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"

	"github.com/otelstep/otelstep/internal/utf8clean"
	"github.com/otelstep/otelstep/otelstep"
)

// TestInvalidUTF8Arrives: invalid UTF-8 in an otelstep message's args, in a
// logger's With attribute, in records of other libraries sharing the
// provider (otelslog, the plain log API with nested values) and in spans,
// sent through Setup to an OTLP/HTTP server that decodes the protobuf
// (which refuses invalid strings): every span and record arrives, the bad
// bytes as U+FFFD.
func TestInvalidUTF8Arrives(t *testing.T) {
	sk := &sink{keep: true}
	srv := httptest.NewServer(sk)
	defer srv.Close()
	sinkEnv(t, srv.URL)
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "team=ops%FF")
	ctx := context.Background()
	var console syncBuffer
	p, err := Setup(ctx, WithGlobals(false), WithConsole(&console))
	if err != nil {
		t.Fatal(err)
	}

	// otelstep: args and a With attribute.
	run := otelstep.NewRun("utf8", otelstep.WithTracerProvider(p.TracerProvider),
		otelstep.WithLoggerProvider(p.LoggerProvider), otelstep.WithMeterProvider(p.MeterProvider))
	logger := run.Logger("c").With("with\xff", "w\xffv")
	sctx, span := p.TracerProvider.Tracer("t\xff").Start(ctx, "span\xff",
		trace.WithAttributes(attribute.String("k\xff", "v\xff"), attribute.StringSlice("ss", []string{"ok", "\xfe"})))
	run.StepLogger(sctx, logger).Log(sctx, slog.LevelInfo, "message", "arg", "a\xffb", "nested", []string{"x\xff"})

	// Another library through otelslog, without otelstep.
	other := otelslog.NewLogger("other", otelslog.WithLoggerProvider(p.LoggerProvider))
	other.With("ow\xff", "v\xff").InfoContext(sctx, "other\xff", "k", "v\xff", slog.Group("g\xff", "m", "n\xff"))

	// The plain log API, nested values and an event name.
	var r otellog.Record
	r.SetBody(attribute.MapValue(attribute.KeyValue{Key: "mk\xff", Value: attribute.SliceValue(attribute.StringValue("s\xff"), attribute.IntValue(1))}))
	r.SetEventName("event\xff")
	r.SetSeverityText("INFO\xff")
	r.AddAttributes(attribute.String("plain\xff", "p\xff"))
	p.LoggerProvider.Logger("plain").Emit(sctx, r)

	span.AddEvent("ev\xff", trace.WithAttributes(attribute.String("e\xff", "v\xff")))
	span.SetStatus(codes.Error, "failed\xff")
	span.End()

	sctx2, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.Shutdown(sctx2); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	t.Logf("%+v", st)
	if st.LogsEmitted < 3 || st.LogsExported != st.LogsEmitted || st.SpansExported != st.SpansEnded || st.SpansEnded < 1 {
		t.Errorf("not everything arrived: %+v; console: %s", st, console.String())
	}
	if got := sk.logs.Load(); got != int64(st.LogsEmitted) {
		t.Errorf("the server decoded %d of %d log records", got, st.LogsEmitted)
	}

	sk.mu.Lock()
	defer sk.mu.Unlock()
	var all []string
	var walk func(v *commonpb.AnyValue)
	walkKVs := func(kvs []*commonpb.KeyValue) {
		for _, kv := range kvs {
			all = append(all, kv.Key)
			walk(kv.Value)
		}
	}
	walk = func(v *commonpb.AnyValue) {
		switch {
		case v.GetArrayValue() != nil:
			for _, e := range v.GetArrayValue().Values {
				walk(e)
			}
		case v.GetKvlistValue() != nil:
			walkKVs(v.GetKvlistValue().Values)
		default:
			all = append(all, v.GetStringValue())
		}
	}
	for _, s := range sk.keptSpan {
		all = append(all, s.Name, s.Status.GetMessage())
		walkKVs(s.Attributes)
		for _, ev := range s.Events {
			all = append(all, ev.Name)
			walkKVs(ev.Attributes)
		}
	}
	for _, l := range sk.keptLogs {
		all = append(all, l.EventName, l.SeverityText)
		walk(l.Body)
		walkKVs(l.Attributes)
	}
	joined := strings.Join(all, "|")
	for _, want := range []string{"span\uFFFD", "k\uFFFD", "v\uFFFD", "\uFFFD", "a\uFFFDb", "with\uFFFD", "w\uFFFDv", "x\uFFFD",
		"other\uFFFD", "ow\uFFFD", "g\uFFFD", "n\uFFFD", "mk\uFFFD", "s\uFFFD", "event\uFFFD", "plain\uFFFD", "ev\uFFFD", "e\uFFFD", "failed\uFFFD"} {
		if !strings.Contains(joined, want) {
			t.Errorf("%q not among the strings received", want)
		}
	}
	if !utf8.ValidString(joined) {
		t.Error("an invalid string arrived")
	}
	if v := p.Resource.Set().Encoded(attribute.DefaultEncoder()); !strings.Contains(v, "team=ops\uFFFD") {
		t.Errorf("resource %s: OTEL_RESOURCE_ATTRIBUTES not cleaned", v)
	}
}

// BenchmarkCleanValid measures the cost of the UTF-8 check on a batch that
// needs no change: a scan, no allocation.
func BenchmarkCleanValid(b *testing.B) {
	spans := make([]attribute.KeyValue, 8)
	for i := range spans {
		spans[i] = attribute.String("otelstep.component", "a component name of some length")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := utf8clean.KeyValues(spans); !ok {
			b.Fatal("invalid")
		}
	}
}
