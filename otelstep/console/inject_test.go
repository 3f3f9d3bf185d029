package console_test

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/console"
)

// evil holds what must never reach a terminal raw: a forged line, cursor
// and screen controls, a carriage return, C1 CSI, a Unicode line separator,
// a bidi override, and invalid UTF-8.
const evil = "x\n13:00:00.000 ERROR fake: Step 99: injected\x1b[2J\x1b[1A\r\u009b2K\u2028\u202e\xff"

// TestInjection puts evil in every kind of name and value the view prints
// (run name and id, component, message, attribute keys and values, group
// names, span and event names, status description, severity text, scope
// name, metric names and attribute values, View.Write) and checks, in
// terminal mode (the escape codes are then the view's own) and plain mode,
// that every line is one of the view's and nothing can move the cursor.
func TestInjection(t *testing.T) {
	for _, term := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "terminal"}[term], func(t *testing.T) {
			var buf syncBuffer
			v := console.New(&buf, console.WithTerminal(term), console.WithColor(false),
				console.WithRedrawInterval(10*time.Millisecond), console.WithProgressInterval(time.Millisecond), console.WithWidth(1000))
			p := newProviders(v)
			ctx := context.Background()
			run := otelstep.NewRun("run"+evil, p.opts(otelstep.WithRunID("id"+evil), otelstep.WithTotalSteps(3))...)
			logger := run.Logger("comp"+evil).With("with"+evil, "w"+evil)
			sctx, s := run.Start(ctx, logger)
			s.Log(sctx, slog.LevelInfo, "msg"+evil, "key"+evil, "val"+evil, slog.Group("grp"+evil, "k", "v"+evil))
			run.StepLogger(ctx, logger).Log(ctx, slog.LevelWarn, "msg2"+evil)
			eventually(t, "a progress line or status row", func() bool { return strings.Contains(buf.String(), "1/3 steps") })
			s.End(errors.New("err" + evil))

			// Spans, events and records of the application's own.
			_, sp := p.tp.Tracer("scope"+evil).Start(ctx, "span"+evil)
			sp.AddEvent("event"+evil, trace.WithAttributes(attribute.String("ek"+evil, "ev"+evil)))
			sp.SetStatus(codes.Error, "status"+evil)
			sp.End()
			var rec otellog.Record
			rec.SetSeverity(otellog.SeverityWarn)
			rec.SetSeverityText("LEVEL" + evil)
			rec.SetBody(attribute.StringValue("body" + evil))
			rec.AddAttributes(attribute.StringSlice("slice"+evil, []string{"a" + evil}))
			p.lp.Logger("scope"+evil).Emit(ctx, rec)
			g, _ := p.mp.Meter("meter" + evil).Int64Gauge("gauge" + evil)
			g.Record(ctx, 1, metric.WithAttributes(attribute.String("mk"+evil, "mv"+evil)))
			_, _ = v.Write([]byte("write" + evil))
			run.End(ctx)
			p.shutdown(t)

			got := buf.String()
			t.Logf("output:\n%s", got)
			if !utf8.ValidString(got) {
				t.Errorf("output is not valid UTF-8")
			}
			// The view's own escape codes, in terminal mode only: erase
			// ("\r\x1b[J", "\x1b[NA" before it). Take them out; nothing
			// else may control the terminal.
			plain := regexp.MustCompile(`\r(\x1b\[\d+A)?\x1b\[J`).ReplaceAllString(got, "\n")
			if !term && plain != got {
				t.Errorf("erase codes in plain mode")
			}
			for i, r := range plain {
				if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x2028 || r == 0x2029 || r == 0x202e {
					t.Fatalf("control character %U at %d", r, i)
				}
			}
			if strings.Contains(got, "\n13:00:00.000") {
				t.Errorf("a forged line")
			}
			line := regexp.MustCompile(`^(\d\d:\d\d:\d\d\.\d{3} [A-Z]|gauge |write|run)`)
			for l := range strings.Lines(plain) {
				if l = strings.TrimSuffix(l, "\n"); l != "" && !line.MatchString(l) {
					t.Errorf("a line that is not the view's: %q", l)
				}
			}
			for _, want := range []string{
				`compx\n13:00:00.000 ERROR fake: Step 99: injected\x1b[2J\x1b[1A\r\x9b2K\u2028\u202e` + "\uFFFD" + `: Step 1: msgx\n`,
				`"keyx\n13:00:00.000 ERROR fake: Step 99: injected\x1b[2J`,
				`: Step 1 failed after `,
				`errx\n13:00:00.000`,
				`event "eventx\n`,
				`LEVELx\n13:00:00.000`,
				`writex\n13:00:00.000`,
				` [idx\n`,
			} {
				if !strings.Contains(got, want) {
					t.Errorf("missing escaped text %q", want)
				}
			}
		})
	}
}
