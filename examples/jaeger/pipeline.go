package main

import (
	"context"
	"strings"
	"time"

	"github.com/otelstep/otelstep/otelstep"
)

// The demo job: a tiny compiler with four phases, each one otelstep step,
// logging the way torch/_dynamo does ("begin X" ... "done X").

// components are the phases of the pipeline, in order; one step each.
var components = []string{"parse", "typecheck", "optimize", "codegen"}

// codegenFuncs are the functions codegen emits, one unit of work each: the
// program's own and the runtime helpers it links. Codegen reports its
// progress over them with Step.Progress.
var codegenFuncs = []string{
	"main", "fib", "runtime.printint", "runtime.printnl",
	"runtime.alloc", "runtime.memmove", "runtime.panic", "runtime.init",
}

// runName is the otelstep run name (the otelstep.run attribute).
const runName = "compile"

// source is the program the demo "compiles"; the numbers in the log
// messages are computed from it.
const source = `package main

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func main() {
	const debug = false
	if debug {
		println("unreachable")
	}
	println(fib(10) * 1 + 0)
}
`

// compilation is one run of the pipeline.
type compilation struct {
	run   *otelstep.Run
	tally *tally
	delay time.Duration // simulated work per phase, per function in codegen

	workers *workerPool // -workers: codegen is handed to them (fanout.go)
	parts   []summary   // what each worker's run did
}

// compile runs the pipeline once as a run that owns its trace: a span
// named runName (a child of the span in ctx, if any) with the four step
// spans under it. It returns what it did. ctx cancellation stops it between
// phases.
func compile(ctx context.Context, env *demoEnv, delay time.Duration) (summary, error) {
	return compileWith(ctx, env, delay, nil)
}

// compileWith is compile with codegen handed to workers, when not nil.
func compileWith(ctx context.Context, env *demoEnv, delay time.Duration, workers *workerPool) (summary, error) {
	t := &tally{}
	opts := append(env.runOptions(), otelstep.WithTotalSteps(len(components)), otelstep.WithHandler(t))
	ctx, run := otelstep.Start(ctx, runName, opts...)
	defer env.levels.track(run)() // PUT /admin/levels reaches it while it runs
	c := &compilation{run: run, tally: t, delay: delay, workers: workers}

	c.tally.span() // the run's span
	err := c.phases(ctx)
	if err != nil {
		run.Fail(err) // the run span gets status Error
	}
	run.End(ctx)

	s := c.tally.result()
	s.Service = env.service
	s.TraceID = run.Span().SpanContext().TraceID().String()
	s.Run = runName
	s.Steps = run.Steps()
	s.Total = len(components)
	s.Instance = instanceID(env)
	s.Parts = c.parts
	return s, err
}

// phases runs parse, typecheck, optimize and codegen.
func (c *compilation) phases(ctx context.Context) error {
	tokens := strings.Fields(source)
	lines := strings.Count(source, "\n")

	// parse
	pctx, st := c.begin(ctx, "parse")
	st.Info(pctx, "begin parsing", "file", "main.mini", "lines", lines)
	st.Debug(pctx, "tokenized", "tokens", len(tokens))
	err := c.work(pctx)
	nodes := len(tokens) * 2
	if err == nil {
		st.Info(pctx, "done parsing", "nodes", nodes)
	}
	st.End(err)
	if err != nil {
		return err
	}

	// typecheck
	tctx, st := c.begin(ctx, "typecheck")
	st.Info(tctx, "begin typechecking")
	funcs := strings.Count(source, "func ")
	st.Debug(tctx, "resolved identifiers", "funcs", funcs, "idents", countIdents(tokens))
	err = c.work(tctx)
	if err == nil {
		st.Info(tctx, "done typechecking", "funcs", funcs)
	}
	st.End(err)
	if err != nil {
		return err
	}

	// optimize
	octx, st := c.begin(ctx, "optimize")
	st.Info(octx, "begin optimizing", "passes", 2)
	folded := strings.Count(source, "* 1") + strings.Count(source, "+ 0")
	st.Debug(octx, "pass constant-folding", "removed", folded)
	dead := strings.Count(source, "if debug")
	st.Debug(octx, "pass dead-code", "removed", dead)
	st.Warn(octx, "not inlining recursive function", "func", "fib")
	err = c.work(octx)
	nodes -= folded + dead
	if err == nil {
		st.Info(octx, "done optimizing", "nodes", nodes)
	}
	st.End(err)
	if err != nil {
		return err
	}

	// codegen
	// codegen: one unit of work per function, with in-step progress
	gctx, st := c.begin(ctx, "codegen")
	st.Info(gctx, "begin codegen", "target", "wasm", "funcs", len(codegenFuncs))
	if c.workers != nil {
		err = c.fanOut(gctx, st)
	} else {
		for i := range codegenFuncs {
			if err = c.work(gctx); err != nil {
				break
			}
			st.Progress(gctx, int64(i+1), int64(len(codegenFuncs)))
		}
	}
	if err == nil {
		st.Info(gctx, "done codegen", "bytes", nodes*4)
	}
	st.End(err)
	return err
}

// work simulates a phase's work; it stops early if ctx is cancelled.
func (c *compilation) work(ctx context.Context) error {
	t := time.NewTimer(c.delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func countIdents(tokens []string) int {
	n := 0
	for _, t := range tokens {
		if t != "" && (t[0] >= 'a' && t[0] <= 'z') {
			n++
		}
	}
	return n
}
