package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelstep/otelstep/otelstep"
)

// A worker is this program started again by -workers (fanout.go): a
// process of its own that serves POST /codegen, the functions codegen
// hands it, each request one run named workerRun. The run is started with
// the request's context, which otelhttp fills from the orchestrator's
// headers: the trace context and, with otelstep.Propagator installed, the
// orchestrator's calling step.

// workerRun is the name of a worker's run.
const workerRun = "worker"

// workerSteps are the steps of a worker's run, in order.
var workerSteps = []string{"lower", "emit"}

// maxCodegenBody bounds the body of POST /codegen.
const maxCodegenBody = 64 << 10

// codegenRequest is the body of POST /codegen: the functions to emit.
type codegenRequest struct {
	Funcs []string `json:"funcs"`
}

// runWorker serves POST /codegen on addr until ctx is cancelled or stdin
// closes: the orchestrator holds the other end, so a worker never outlives
// it, however it ended. The first line on stdout is the address served.
func runWorker(ctx context.Context, env *demoEnv, addr string, delay time.Duration) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /codegen", func(w http.ResponseWriter, r *http.Request) { handleCodegen(w, r, env, delay) })
	handler := otelhttp.NewHandler(mux, "worker",
		otelhttp.WithTracerProvider(tracerProvider(env)),
		otelhttp.WithMeterProvider(meterProvider(env)),
		otelhttp.WithPropagators(propagator()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }),
	)
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Println(ln.Addr().String())

	stdinClosed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	case <-stdinClosed:
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("worker http shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// handleCodegen emits the functions of the request as one run, and answers
// its summary.
func handleCodegen(w http.ResponseWriter, r *http.Request, env *demoEnv, delay time.Duration) {
	var req codegenRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCodegenBody))
	if err := dec.Decode(&req); err != nil || len(req.Funcs) == 0 {
		http.Error(w, "want {\"funcs\": [names...]}", http.StatusBadRequest)
		return
	}
	s, err := emit(r.Context(), env, delay, req.Funcs)
	if trace.SpanFromContext(r.Context()).IsRecording() {
		s.Spans++ // otelhttp's server span, the parent of the worker's run span
	}
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
	}
	_ = json.NewEncoder(w).Encode(s)
}

// emit is a worker's run: lower, then emit funcs one by one with in-step
// progress. Started with ctx, it is part of the orchestrator's run when ctx
// carries the orchestrator's calling step.
func emit(ctx context.Context, env *demoEnv, delay time.Duration, funcs []string) (summary, error) {
	t := &tally{}
	opts := append(env.runOptions(), otelstep.WithTotalSteps(len(workerSteps)), otelstep.WithHandler(t))
	ctx, run := otelstep.Start(ctx, workerRun, opts...)
	c := &compilation{run: run, tally: t, delay: delay}
	c.tally.span() // the run's span

	err := c.workerSteps(ctx, funcs)
	if err != nil {
		run.Fail(err)
	}
	run.End(ctx)

	s := c.tally.result()
	s.Service = env.service
	s.Instance = instanceID(env)
	s.TraceID = run.Span().SpanContext().TraceID().String()
	s.Run = run.Name()
	s.Steps = run.Steps()
	s.Total = len(workerSteps)
	return s, err
}

// workerSteps runs lower and emit.
func (c *compilation) workerSteps(ctx context.Context, funcs []string) error {
	lctx, st := c.begin(ctx, "lower")
	st.Info(lctx, "begin lowering", "funcs", len(funcs), "first", funcs[0])
	err := c.work(lctx)
	if err == nil {
		st.Info(lctx, "done lowering", "blocks", len(funcs)*3)
	}
	st.End(err)
	if err != nil {
		return err
	}

	ectx, st := c.begin(ctx, "emit")
	st.Info(ectx, "begin emitting", "funcs", len(funcs))
	for i := range funcs {
		if err = c.work(ectx); err != nil {
			break
		}
		st.Progress(ectx, int64(i+1), int64(len(funcs)))
	}
	if err == nil {
		st.Info(ectx, "done emitting", "bytes", len(funcs)*96)
	}
	st.End(err)
	return err
}

// instanceID reads service.instance.id from the resource Setup built.
func instanceID(e *demoEnv) string {
	if e.providers.Resource != nil {
		if v, ok := e.providers.Resource.Set().Value("service.instance.id"); ok {
			return v.AsString()
		}
	}
	return ""
}
