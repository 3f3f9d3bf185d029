// Command jaeger is the otelstep demo: a small compiler (parse, typecheck,
// optimize, codegen) whose steps, logs and progress go to OpenTelemetry.
//
//	go run ./examples/jaeger              run the pipeline once
//	go run ./examples/jaeger -json        ... and print a one-line JSON summary
//	go run ./examples/jaeger -serve ADDR  serve GET/POST /compile and /healthz
//	go run ./examples/jaeger -workers 2   hand codegen to 2 worker processes
//
// With -workers N the program starts itself N times more as worker
// processes (-worker-listen, worker.go), and codegen calls them over HTTP
// with otelhttp: one trace across the processes, each worker's steps a run
// started from the request (fanout.go). A worker exits when the
// orchestrator does, however it ends: it reads its stdin to the end.
//
// With no OTEL_* variables set it prints a console view of the telemetry on
// stderr; with OTEL_EXPORTER_OTLP_ENDPOINT it exports traces, metrics and logs
// over OTLP. Unless OTEL_METRIC_EXPORT_INTERVAL is set, metrics are exported
// every 5 s instead of the SDK's 60 s. See README.md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// shutdownTimeout bounds the final flush, also when the backend is down.
const shutdownTimeout = 5 * time.Second

func main() {
	os.Exit(run())
}

func run() int {
	serve := flag.String("serve", "", "serve HTTP on `ADDR` (e.g. 127.0.0.1:8080) instead of running once")
	jsonOut := flag.Bool("json", false, "after a one-shot run, print a one-line JSON summary on stdout")
	delay := flag.Duration("delay", 20*time.Millisecond,
		"simulated work per phase, and per function in codegen (a few seconds makes the live progress watchable)")
	workers := flag.Int("workers", 0, "hand codegen to `N` worker processes (this program, started again) over HTTP")
	workerListen := flag.String("worker-listen", "", "run as a worker of -workers on `ADDR`: print the address served on stdout, exit when stdin closes")
	flag.Parse()
	if *workers != 0 && (*serve != "" || *workerListen != "") {
		fmt.Fprintln(os.Stderr, "otelstep-demo: -workers is for a one-shot run, not with -serve or -worker-listen")
		return 2
	}
	if _, ok := os.LookupEnv("OTEL_METRIC_EXPORT_INTERVAL"); !ok {
		os.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "5000") // ms; the SDK default is 60000
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	env, err := setup(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "otelstep-demo: telemetry setup: %v\n", err)
		return 1
	}
	// Every path below returns through here: flush what was recorded.
	defer env.shutdown()

	if *workerListen != "" {
		if err := runWorker(ctx, env, *workerListen, *delay); err != nil {
			fmt.Fprintf(env.providers.Console(), "otelstep-demo worker: %v\n", err)
			return 1
		}
		return 0
	}

	if *serve != "" {
		if err := serveHTTP(ctx, env, *serve, *delay); err != nil {
			fmt.Fprintf(env.providers.Console(), "otelstep-demo: %v\n", err)
			return 1
		}
		return 0
	}

	var pool *workerPool
	if *workers != 0 {
		if pool, err = startWorkers(ctx, env, *workers, *delay); err != nil {
			fmt.Fprintf(env.providers.Console(), "otelstep-demo: %v\n", err)
			return 1
		}
		// Before env.shutdown (deferred earlier, run later): the workers
		// flush before the orchestrator does.
		defer pool.close()
	}

	s, err := compileWith(ctx, env, *delay, pool)
	pool.close() // the workers flush and exit
	if err != nil {
		fmt.Fprintf(env.providers.Console(), "otelstep-demo: compile: %v\n", err)
		return 1
	}
	// Through the console view's writer, not straight to stderr: on a
	// terminal the line goes above the status line instead of into it.
	fmt.Fprintf(env.providers.Console(), "otelstep-demo: %d steps, trace %s, telemetry to %s\n", s.Steps, s.TraceID, env.endpoint)
	if *jsonOut {
		// Flush before printing, so everything the summary counts has been
		// sent when a reader sees it.
		env.shutdown()
		b, _ := json.Marshal(s)
		fmt.Println(string(b))
	}
	return 0
}
