package otelstep_test

import (
	"context"
	"testing"

	"github.com/otelstep/otelstep/otelstep"
)

// TestNamedSteps checks that eight steps of one component tell apart: the
// logger's With attributes reach the step span and the step event, and a
// label names the span.
func TestNamedSteps(t *testing.T) {
	t.Parallel()
	s := newSDK(t)
	ctx, run := otelstep.Start(context.Background(), "migrate", s.opts()...)
	migrate := run.Logger("migrate")
	for _, table := range []string{"users", "orders"} {
		_, step := run.Start(ctx, migrate.With("table", table, "rows", 3).WithGroup("g").With("k", "v"),
			otelstep.WithLabel("migrate "+table))
		step.End(nil)
	}
	_, plain := run.Start(ctx, migrate, otelstep.WithLabel(""), nil)
	plain.End(nil)
	run.StepLogger(ctx, migrate.With("table", "items"))
	run.End(ctx)

	spans := byName(s)
	for i, table := range []string{"users", "orders"} {
		name := "Step " + string(rune('1'+i)) + ": migrate " + table
		sp, ok := spans[name]
		if !ok {
			t.Fatalf("no span %q: %v", name, keys(spans))
		}
		a := eventAttrs(sp.Attributes())
		if a["table"].AsString() != table || a["rows"].AsInt64() != 3 || a["g.k"].AsString() != "v" {
			t.Errorf("%s attributes = %v, want table=%s rows=3 g.k=v", name, sp.Attributes(), table)
		}
		if a[otelstep.ComponentKey].AsString() != "migrate" {
			t.Errorf("%s: component = %v, want migrate", name, a[otelstep.ComponentKey])
		}
	}
	if _, ok := spans["Step 3: migrate"]; !ok {
		t.Errorf("a step without a label is not named by the contract: %v", keys(spans))
	}
	var tables []string
	for _, e := range s.events(otelstep.StepEventName) {
		tables = append(tables, eventAttrs(e.Attributes)["table"].AsString())
	}
	if want := "[users orders  items]"; slogString(tables) != want {
		t.Errorf("step events' table attributes = %v, want %s", tables, want)
	}
}
