package otelstep_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"testing/slogtest"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/otelsteptest"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"log/slog"
)

// TestHandlerConformsLocal runs a component logger's handler through
// testing/slogtest, reading what it writes to a local JSON handler.
func TestHandlerConformsLocal(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	slogtest.Run(t, func(*testing.T) slog.Handler {
		buf.Reset()
		run := otelstep.NewRun("conform", otelstep.WithHandler(slog.NewJSONHandler(&buf, nil)))
		return run.Logger("c").Handler()
	}, func(t *testing.T) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatalf("local handler output %q: %v", buf.String(), err)
		}
		return m
	})
}

// TestHandlerConformsOTel runs a component logger's handler through
// testing/slogtest, reading the OTel log records it emits.
func TestHandlerConformsOTel(t *testing.T) {
	t.Parallel()
	var rec *otelsteptest.Recorder
	slogtest.Run(t, func(t *testing.T) slog.Handler {
		rec = otelsteptest.New(t)
		return rec.NewRun("conform", otelstep.WithSource(false)).Logger("c").Handler()
	}, func(t *testing.T) map[string]any {
		recs := rec.Records()
		if len(recs) != 1 {
			t.Fatalf("%d records, want 1", len(recs))
		}
		return recordMap(recs[0])
	})
}

// recordMap reads an OTel log record as slogtest wants it.
func recordMap(r sdklog.Record) map[string]any {
	m := map[string]any{
		slog.LevelKey:   r.SeverityText(),
		slog.MessageKey: r.Body().AsString(),
	}
	if !r.Timestamp().IsZero() {
		m[slog.TimeKey] = r.Timestamp()
	}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		m[string(kv.Key)] = logValue(kv.Value)
		return true
	})
	return m
}

func logValue(v attribute.Value) any {
	if v.Type() == attribute.MAP {
		m := map[string]any{}
		for _, kv := range v.AsMap() {
			m[string(kv.Key)] = logValue(kv.Value)
		}
		return m
	}
	return v.AsInterface()
}
