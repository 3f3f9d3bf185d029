package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"
)

// serveHTTP runs the demo as a traced HTTP service until ctx is cancelled
// (SIGINT/SIGTERM), then drains requests for up to shutdownTimeout.
//
//	GET|POST /compile        one pipeline run, its own otelstep.Run (steps from 1),
//	                         answered with the summary JSON
//	GET /admin/levels        the component levels in force
//	PUT|POST /admin/levels   new component levels (body: an OTELSTEP_LOGS
//	                         spec), for the runs in flight and the next ones
//	GET /healthz             200 "ok", not traced
func serveHTTP(ctx context.Context, env *demoEnv, addr string, delay time.Duration) error {
	handler := otelhttp.NewHandler(newMux(env, delay), "otelstep-demo",
		otelhttp.WithTracerProvider(tracerProvider(env)),
		otelhttp.WithMeterProvider(meterProvider(env)),
		otelhttp.WithFilter(func(r *http.Request) bool { return r.URL.Path != "/healthz" }),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			return r.Method + " " + r.URL.Path
		}),
	)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(env.providers.Console(), "otelstep-demo: serving on http://%s (POST /compile, PUT /admin/levels), telemetry to %s\n", ln.Addr(), env.endpoint)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(env.providers.Console(), "otelstep-demo: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newMux routes the service's requests.
func newMux(env *demoEnv, delay time.Duration) *http.ServeMux {
	mux := http.NewServeMux()
	compileHandler := func(w http.ResponseWriter, r *http.Request) { handleCompile(w, r, env, delay) }
	mux.HandleFunc("GET /compile", compileHandler)
	mux.HandleFunc("POST /compile", compileHandler)
	levelsHandler := func(w http.ResponseWriter, r *http.Request) { handleLevels(w, r, &env.levels) }
	mux.HandleFunc("GET /admin/levels", levelsHandler)
	mux.HandleFunc("PUT /admin/levels", levelsHandler)
	mux.HandleFunc("POST /admin/levels", levelsHandler)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}

// handleCompile runs one pipeline inside the request's server span.
func handleCompile(w http.ResponseWriter, r *http.Request, env *demoEnv, delay time.Duration) {
	s, err := compile(r.Context(), env, delay)
	if trace.SpanFromContext(r.Context()).IsRecording() {
		s.Spans++ // otelhttp's server span, the root of this trace
	}
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
	}
	_ = json.NewEncoder(w).Encode(s)
}
