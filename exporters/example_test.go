package exporters_test

import (
	"context"
	"fmt"
	"os"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelstep/otelstep/exporters"
)

// With nothing configured, the three signals go to the console view. Here the
// environment is given explicitly and logs are turned off, so that the output
// is deterministic.
func ExampleSetup() {
	ctx := context.Background()
	p, err := exporters.Setup(ctx,
		exporters.WithServiceName("demo"),
		exporters.WithConsole(os.Stdout),
		exporters.WithGlobals(false),
		exporters.WithEnv(exporters.MapEnv(map[string]string{
			"OTEL_TRACES_EXPORTER":  "none",
			"OTEL_METRICS_EXPORTER": "console",
			"OTEL_LOGS_EXPORTER":    "none",
		})),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	steps, _ := p.MeterProvider.Meter("example").Int64Gauge("otelstep.run.steps", metric.WithUnit("{step}"))
	steps.Record(ctx, 3, metric.WithAttributes(attribute.String("otelstep.run", "demo")))
	if err := p.Shutdown(ctx); err != nil {
		fmt.Println(err)
	}
	// Output:
	// gauge otelstep.run.steps{otelstep.run=demo} = 3 {step}
}

// A bad value is an error naming the variable, the value and what is
// accepted.
func ExampleSetup_badValue() {
	_, err := exporters.Setup(context.Background(), exporters.WithEnv(exporters.MapEnv(map[string]string{
		"OTEL_TRACES_EXPORTER": "jaegr",
	})))
	fmt.Println(err)
	// Output:
	// exporters: OTEL_TRACES_EXPORTER="jaegr": unknown exporter; accepted: otlp, console, none
}

// With OTEL_SDK_DISABLED=true the providers are inert but usable, and
// Shutdown returns nil.
func ExampleSetup_disabled() {
	ctx := context.Background()
	p, err := exporters.Setup(ctx, exporters.WithEnv(exporters.MapEnv(map[string]string{
		"OTEL_SDK_DISABLED": "true",
	})))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, span := p.TracerProvider.Tracer("example").Start(ctx, "work")
	span.AddEvent("otelstep.step", trace.WithAttributes(attribute.Int("otelstep.step.number", 1)))
	span.End()
	fmt.Println(p.Disabled(), span.IsRecording(), p.Shutdown(ctx))
	// Output:
	// true false <nil>
}
