// Command srcline checks that every entry point of a step message records
// the caller's line, in the OTel record and in the local handler's record.
// TestSourceLinesUnoptimised runs it built with -gcflags=all=-N -l: it
// prints "ok", or the lines that are wrong and exits 1.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"sync"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// exporter keeps the code.line.number of each record.
type exporter struct {
	mu    sync.Mutex
	lines []string
}

func (e *exporter) Export(_ context.Context, recs []sdklog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range recs {
		line := "none"
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			if kv.Key == "code.line.number" {
				line = kv.Value.Emit()
			}
			return true
		})
		e.lines = append(e.lines, line)
	}
	return nil
}

func (*exporter) Shutdown(context.Context) error   { return nil }
func (*exporter) ForceFlush(context.Context) error { return nil }

// local keeps the source line of each record.
type local struct {
	slog.Handler
	lines *[]string
}

func (h local) Handle(_ context.Context, r slog.Record) error {
	f, _ := runtime.CallersFrames([]uintptr{r.PC}).Next()
	*h.lines = append(*h.lines, strconv.Itoa(f.Line))
	return nil
}

// next returns the line after the caller's.
func next() string {
	_, _, line, _ := runtime.Caller(1)
	return strconv.Itoa(line + 1)
}

func main() {
	exp := &exporter{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	var locals []string
	run := otelstep.NewRun("srcline", otelstep.WithLoggerProvider(lp), otelstep.WithLevels("+all"),
		otelstep.WithHandler(local{slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}), &locals}))
	ctx := context.Background()
	log := run.StepLogger(ctx, run.Logger("parse"))
	logf := log.Log
	_, step := run.Start(ctx, run.Logger("parse"))
	var want []string

	want = append(want, next())
	logf(ctx, slog.LevelInfo, "call form")
	want = append(want, next())
	log.Log(ctx, slog.LevelInfo, "Log")
	want = append(want, next())
	log.Debug(ctx, "Debug")
	want = append(want, next())
	log.Info(ctx, "Info", "k", 1)
	want = append(want, next())
	log.Warn(ctx, "Warn")
	want = append(want, next())
	log.Error(ctx, "Error")
	want = append(want, next())
	log.LogAttrs(ctx, slog.LevelInfo, "LogAttrs")
	want = append(want, next())
	step.Log(ctx, slog.LevelInfo, "Step.Log")
	want = append(want, next())
	step.Debug(ctx, "Step.Debug")
	want = append(want, next())
	step.Info(ctx, "Step.Info")
	want = append(want, next())
	step.Warn(ctx, "Step.Warn")
	want = append(want, next())
	step.Error(ctx, "Step.Error")
	want = append(want, next())
	step.LogAttrs(ctx, slog.LevelInfo, "Step.LogAttrs")
	step.End(nil)

	otelLines := exp.lines[1:] // the first record is the step's start record
	bad := len(otelLines) != len(want) || len(locals) != len(want)
	for i := 0; !bad && i < len(want); i++ {
		bad = otelLines[i] != want[i] || locals[i] != want[i]
	}
	if bad {
		fmt.Printf("want lines %v\n OTel records %v\n local handler %v\n", want, otelLines, locals)
		os.Exit(1)
	}
	fmt.Println("ok")
}
