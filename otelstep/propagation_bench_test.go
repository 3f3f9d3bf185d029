package otelstep

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/propagation"
)

// BenchmarkInject measures one hand-out: a child index allocated and the
// header written into a carrier.
func BenchmarkInject(b *testing.B) {
	c := localCaller("compile", "job-7", "2")
	ctx := withCaller(context.Background(), c)
	p := Propagator()
	carrier := propagation.MapCarrier{}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%(1<<20) == 0 {
			c.kids.n.Store(0) // stay below maxIndex however long it runs
		}
		p.Inject(ctx, carrier)
	}
	if carrier[StepHeader] == "" {
		b.Fatal("nothing injected")
	}
}

// BenchmarkExtract measures reading the header of a request.
func BenchmarkExtract(b *testing.B) {
	const v = "path=2.1;run=compile;id=job-7"
	p := Propagator()
	for _, bc := range []struct {
		name    string
		carrier propagation.TextMapCarrier
	}{
		{"map", propagation.MapCarrier{StepHeader: v}},
		{"http", propagation.HeaderCarrier(http.Header{http.CanonicalHeaderKey(StepHeader): {v}})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if callerFrom(p.Extract(ctx, bc.carrier)) == nil {
					b.Fatal("nothing extracted")
				}
			}
		})
	}
}
