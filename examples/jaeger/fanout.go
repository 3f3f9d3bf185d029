package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelstep/otelstep/otelstep"
)

// -workers N: the orchestrator starts this program N times more as worker
// processes (worker.go) and its codegen step hands the functions to them
// over HTTP with otelhttp, one request per worker, at once.

// maxWorkers bounds -workers.
const maxWorkers = 16

// workerStartTimeout bounds the wait for a worker's address.
const workerStartTimeout = 30 * time.Second

// propagator is the global propagator, which exporters.Setup makes with
// otelstep's beside what OTEL_PROPAGATORS names, or with otelstep's added
// when a program set up the globals otherwise: the calling step crosses to
// the workers with the trace context.
func propagator() propagation.TextMapPropagator {
	p := otel.GetTextMapPropagator()
	if slices.Contains(p.Fields(), otelstep.StepHeader) {
		return p
	}
	return propagation.NewCompositeTextMapPropagator(p, otelstep.Propagator())
}

// workerPool is the worker processes of one orchestrator.
type workerPool struct {
	workers []*workerProc
	client  *http.Client
	once    sync.Once
}

// workerProc is one worker process.
type workerProc struct {
	n     int // 1-based
	cmd   *exec.Cmd
	stdin io.Closer // closing it ends the worker
	addr  string
	done  chan struct{} // closed when the process has exited
}

// startWorkers starts n workers and waits for their addresses. Their
// stderr (their console view) goes to the console, line by line, prefixed
// with "worker N: ".
func startWorkers(ctx context.Context, env *demoEnv, n int, delay time.Duration) (*workerPool, error) {
	if n < 1 || n > maxWorkers {
		return nil, fmt.Errorf("-workers %d: want 1 to %d", n, maxWorkers)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("starting workers: %w", err)
	}
	p := &workerPool{client: &http.Client{
		Transport: otelhttp.NewTransport(http.DefaultTransport,
			otelhttp.WithTracerProvider(tracerProvider(env)),
			otelhttp.WithMeterProvider(meterProvider(env)),
			otelhttp.WithPropagators(propagator()),
			otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }),
		),
		Timeout: 2 * time.Minute,
	}}
	for i := 1; i <= n; i++ {
		w, err := startWorker(ctx, env, exe, i, delay)
		if err != nil {
			p.close()
			return nil, err
		}
		p.workers = append(p.workers, w)
	}
	return p, nil
}

// startWorker starts worker i and reads its address.
func startWorker(ctx context.Context, env *demoEnv, exe string, i int, delay time.Duration) (*workerProc, error) {
	cmd := exec.Command(exe, "-worker-listen", "127.0.0.1:0", "-delay", delay.String())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting worker %d: %w", i, err)
	}
	w := &workerProc{n: i, cmd: cmd, stdin: stdin, done: make(chan struct{})}
	var out sync.WaitGroup // the pipes are read to the end before Wait
	out.Go(func() { copyLines(env.providers.Console(), stderr, "worker "+strconv.Itoa(i)+": ") })
	addrc := make(chan string, 1)
	out.Go(func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		addrc <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, r)
	})
	go func() {
		out.Wait()
		_ = cmd.Wait()
		close(w.done)
	}()

	select {
	case w.addr = <-addrc:
		if w.addr != "" {
			return w, nil
		}
		err = errors.New("it printed no address")
	case <-time.After(workerStartTimeout):
		err = fmt.Errorf("no address after %s", workerStartTimeout)
	case <-ctx.Done():
		err = ctx.Err()
	}
	w.stop()
	return nil, fmt.Errorf("starting worker %d: %w", i, err)
}

// copyLines writes each line of r to w with prefix.
func copyLines(w io.Writer, r io.Reader, prefix string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		fmt.Fprintf(w, "%s%s\n", prefix, sc.Bytes())
	}
	_, _ = io.Copy(io.Discard, r) // a line past 1 MiB: drop the rest
}

// stop closes the worker's stdin, so it drains its requests, flushes its
// telemetry and exits, and kills it if it has not within the flush's
// bound and a margin.
func (w *workerProc) stop() {
	_ = w.stdin.Close()
	select {
	case <-w.done:
	case <-time.After(shutdownTimeout + 5*time.Second):
		_ = w.cmd.Process.Kill()
		<-w.done
	}
}

// close stops every worker, at once, and waits for them; nil-safe and
// idempotent.
func (p *workerPool) close() {
	if p == nil {
		return
	}
	p.once.Do(func() {
		var wg sync.WaitGroup
		for _, w := range p.workers {
			wg.Go(w.stop)
		}
		wg.Wait()
	})
}

// codegen asks worker w to emit funcs, and returns its run's summary.
func (p *workerPool) codegen(ctx context.Context, w *workerProc, funcs []string) (summary, error) {
	body, _ := json.Marshal(codegenRequest{Funcs: funcs}) // strings only: no error
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+w.addr+"/codegen", bytes.NewReader(body))
	if err != nil {
		return summary{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return summary{}, fmt.Errorf("worker %d: %w", w.n, err)
	}
	defer resp.Body.Close()
	var s summary
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&s); err != nil {
		return summary{}, fmt.Errorf("worker %d: answer: %w", w.n, err)
	}
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("worker %d: %s", w.n, resp.Status)
	}
	return s, nil
}

// fanOut is codegen handed to the workers: each emits its share of
// codegenFuncs as a run of its own, in its own process; st reports the
// functions done as the workers answer.
func (c *compilation) fanOut(ctx context.Context, st *otelstep.Step) error {
	ws := c.workers.workers
	st.Info(ctx, "handing functions to workers", "workers", len(ws))
	shares := make([][]string, len(ws))
	for i, f := range codegenFuncs {
		shares[i%len(ws)] = append(shares[i%len(ws)], f)
	}
	parts := make([]summary, len(ws))
	errs := make([]error, len(ws))
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Go(func() {
			if trace.SpanFromContext(ctx).IsRecording() {
				c.tally.span() // otelhttp's client span, a child of the step's
			}
			parts[i], errs[i] = c.workers.codegen(ctx, w, shares[i])
			if errs[i] != nil {
				return
			}
			mu.Lock()
			done += len(shares[i])
			st.Progress(ctx, int64(done), int64(len(codegenFuncs)))
			mu.Unlock()
		})
	}
	wg.Wait()
	c.parts = parts
	return errors.Join(errs...)
}
