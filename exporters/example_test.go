package exporters_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelstep/otelstep/exporters"
)

// setenv sets the variables for an example, as an operator would.
func setenv(kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		_ = os.Setenv(kv[i], kv[i+1])
	}
}

// With nothing configured, the three signals go to the console view. Here
// traces and logs are turned off, so that the output is deterministic.
func ExampleSetup() {
	setenv("OTEL_TRACES_EXPORTER", "none", "OTEL_METRICS_EXPORTER", "console", "OTEL_LOGS_EXPORTER", "none")
	defer setenv("OTEL_TRACES_EXPORTER", "", "OTEL_METRICS_EXPORTER", "", "OTEL_LOGS_EXPORTER", "")

	ctx := context.Background()
	p, err := exporters.Setup(ctx,
		exporters.WithServiceName("demo"),
		exporters.WithConsole(os.Stdout),
		exporters.WithGlobals(false),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	steps, _ := p.MeterProvider.Meter("example").Int64Gauge("otelstep.run.steps", metric.WithUnit("{step}"))
	steps.Record(ctx, 3, metric.WithAttributes(attribute.String("otelstep.run", "demo")))
	// Always give Shutdown a deadline: with a backend down it would wait for
	// each exporter's timeout (10 s by default).
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := p.Shutdown(sctx); err != nil {
		fmt.Println(err)
	}
	// Output:
	// gauge otelstep.run.steps{otelstep.run=demo} = 3 {step}
}

// A bad value is an error naming the variable, the value and what is
// accepted.
func ExampleSetup_badValue() {
	setenv("OTEL_TRACES_EXPORTER", "jaegr")
	defer setenv("OTEL_TRACES_EXPORTER", "")
	_, err := exporters.Setup(context.Background())
	fmt.Println(err)
	// Output:
	// exporters: OTEL_TRACES_EXPORTER="jaegr": unknown exporter; accepted: otlp, console, none
}

// With OTEL_SDK_DISABLED=true the providers are inert but usable, and
// Shutdown returns nil.
func ExampleSetup_disabled() {
	setenv("OTEL_SDK_DISABLED", "true")
	defer setenv("OTEL_SDK_DISABLED", "")
	ctx := context.Background()
	p, err := exporters.Setup(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, span := p.TracerProvider.Tracer("example").Start(ctx, "work")
	span.AddEvent("otelstep.step", trace.WithAttributes(attribute.Int("otelstep.step.number", 1)))
	span.End()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	fmt.Println(p.Disabled(), span.IsRecording(), p.Shutdown(sctx))
	// Output:
	// true false <nil>
}

// A program's own lines go through Console, so that on a terminal they are
// printed above the console view's status line, never into it.
func ExampleProviders_Console() {
	setenv("OTEL_TRACES_EXPORTER", "none", "OTEL_METRICS_EXPORTER", "none", "OTEL_LOGS_EXPORTER", "none")
	defer setenv("OTEL_TRACES_EXPORTER", "", "OTEL_METRICS_EXPORTER", "", "OTEL_LOGS_EXPORTER", "")
	ctx := context.Background()
	p, err := exporters.Setup(ctx, exporters.WithConsole(os.Stdout), exporters.WithGlobals(false))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Fprintf(p.Console(), "compiler: %d files, output in %s\n", 3, "out/")
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = p.Shutdown(sctx)
	// Output:
	// compiler: 3 files, output in out/
}
