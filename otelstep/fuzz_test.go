package otelstep_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/otelstep/otelstep/otelstep"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// The fuzz targets of this file run with their seed corpus (the f.Add calls
// and testdata/fuzz/<FuzzName>/) under a plain go test, and for a bounded time
// under scripts/fuzz.sh.

// huge is a 64 KiB name or message.
var huge = strings.Repeat("x", 64<<10)

// FuzzParseLevels checks that ParseLevels never panics, reports every
// malformed token (and only those) with a *LevelsError that names EnvLogs,
// the token and its position, and returns the levels a token-by-token
// reading of the valid tokens gives: the last token for a name wins, named
// components override "all".
func FuzzParseLevels(f *testing.F) {
	for _, spec := range []string{
		"", " ", ",", "+", "-", "+,-", "++a", "--a", "+-a", "-+a",
		"all", "+all", "-all", "all,+all,-all", "-all,+dynamo",
		"+dynamo,-inductor", "dynamo, +dynamo ,-dynamo", "a.b/c:d_e-f",
		"a b", "a,,b", "\xff\xfe", "\x00\x1b[31m", "\t+x\n", "é", huge,
		"+" + huge + ",-all", "+load%20users,%2Dx,%25,%zz,%4", "%61ll", "+日本,-ü,x y,+ok",
	} {
		f.Add(spec)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		l, err := otelstep.ParseLevels(spec)
		tokens := strings.Split(spec, ",")

		// A token-by-token model of the specification.
		named := map[string]slog.Level{}
		all, hasAll := slog.LevelInfo, false
		bad := map[int]bool{}
		if strings.TrimSpace(spec) != "" {
			for i, tok := range tokens {
				level, name, ok := parseToken(tok)
				switch {
				case !ok:
					bad[i] = true
				case name == "all":
					all, hasAll = level, true
				default:
					named[name] = level
				}
			}
		}

		var errs []error
		if err != nil {
			errs = []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			}
		}
		if len(errs) != len(bad) {
			t.Fatalf("ParseLevels(%q): %d errors, the model finds %d malformed tokens %v: %v", spec, len(errs), len(bad), bad, err)
		}
		for _, e := range errs {
			var le *otelstep.LevelsError
			if !errors.As(e, &le) {
				t.Fatalf("ParseLevels(%q) error is %T, want *LevelsError: %v", spec, e, e)
			}
			if le.Spec != spec {
				t.Errorf("LevelsError.Spec = %q, want %q", le.Spec, spec)
			}
			if !bad[le.Index] {
				t.Fatalf("LevelsError.Index = %d, not a malformed token of the model %v", le.Index, bad)
			}
			if want := strings.TrimSpace(tokens[le.Index]); le.Token != want {
				t.Errorf("LevelsError.Token = %q, want token %d trimmed %q", le.Token, le.Index, want)
			}
			msg := e.Error()
			if !strings.Contains(msg, otelstep.EnvLogs) || !strings.Contains(msg, strconv.Quote(le.Token)) {
				t.Errorf("error %q does not name %s and the token %q", msg, otelstep.EnvLogs, le.Token)
			}
			if !strings.Contains(msg, "position "+strconv.Itoa(le.Index+1)) {
				t.Errorf("error %q does not give the position %d", msg, le.Index+1)
			}
		}

		if l.String() != spec {
			t.Errorf("String() = %q, want the spec %q", l.String(), spec)
		}
		probes := []string{"", "all", "unnamed-component", "\xff", spec}
		for name := range named {
			probes = append(probes, name)
		}
		for _, name := range probes {
			want, ok := named[name]
			if !ok {
				want = all
			}
			got := l.Level(name)
			if got != want {
				t.Errorf("ParseLevels(%q).Level(%q) = %v, want %v", spec, name, got, want)
			}
			if got != slog.LevelDebug && got != slog.LevelInfo && got != slog.LevelError {
				t.Errorf("Level(%q) = %v, not one of Debug, Info, Error", name, got)
			}
		}
		// Round trip: the canonical spelling of the model parses to the same
		// levels; every name, whatever its bytes, can be spelled.
		canon := canonicalSpec(all, hasAll, named)
		l2, err := otelstep.ParseLevels(canon)
		if err != nil {
			t.Fatalf("canonical spec %q of %q does not parse: %v", canon, spec, err)
		}
		for _, name := range probes {
			if a, b := l.Level(name), l2.Level(name); a != b {
				t.Errorf("Level(%q): %v from %q, %v from its canonical form %q", name, a, spec, b, canon)
			}
		}
	})
}

// parseToken is the documented grammar of one token: an optional sign, then
// a name not starting with a sign, of letters and digits of any script, the
// characters "_.-/:" and %XX escapes of any byte.
func parseToken(tok string) (slog.Level, string, bool) {
	tok = strings.TrimSpace(tok)
	level := slog.LevelInfo
	switch {
	case strings.HasPrefix(tok, "+"):
		level, tok = slog.LevelDebug, tok[1:]
	case strings.HasPrefix(tok, "-"):
		level, tok = slog.LevelError, tok[1:]
	}
	if tok == "" || tok[0] == '+' || tok[0] == '-' {
		return 0, "", false
	}
	var b strings.Builder
	for i := 0; i < len(tok); {
		r, size := utf8.DecodeRuneInString(tok[i:])
		switch {
		case r == '%':
			if i+3 > len(tok) {
				return 0, "", false
			}
			x, err := strconv.ParseUint(tok[i+1:i+3], 16, 8)
			if err != nil {
				return 0, "", false
			}
			b.WriteByte(byte(x))
			i += 3
			continue
		case r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("_.-/:", r)):
		case r >= utf8.RuneSelf && r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		default:
			return 0, "", false
		}
		b.WriteString(tok[i : i+size])
		i += size
	}
	return level, b.String(), true
}

// canonicalSpec spells levels as a specification, one token per name, each
// byte a name cannot hold as it is escaped.
func canonicalSpec(all slog.Level, hasAll bool, named map[string]slog.Level) string {
	sign := map[slog.Level]string{slog.LevelDebug: "+", slog.LevelInfo: "", slog.LevelError: "-"}
	var toks []string
	if hasAll {
		toks = append(toks, sign[all]+"all")
	}
	for name, lv := range named {
		var b strings.Builder
		for i := 0; i < len(name); {
			r, size := utf8.DecodeRuneInString(name[i:])
			ok := r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
				strings.ContainsRune("_./:", r) || r == '-' && i > 0) ||
				r >= utf8.RuneSelf && r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
			if ok {
				b.WriteString(name[i : i+size])
			} else {
				for _, c := range []byte(name[i : i+size]) {
					fmt.Fprintf(&b, "%%%02X", c)
				}
			}
			i += size
		}
		toks = append(toks, sign[lv]+b.String())
	}
	return strings.Join(toks, ",")
}

// FuzzStep checks that any component name, message and level makes a step
// whose log record and span events hold valid UTF-8 (OTLP rejects anything
// else) with the documented body, scope and attributes, through both
// Run.StepLogger and Run.Start/Step.Log, with and without a local handler.
func FuzzStep(f *testing.F) {
	levels := []int{int(slog.LevelDebug), int(slog.LevelInfo), int(slog.LevelWarn), int(slog.LevelError)}
	for i, s := range []struct{ component, msg string }{
		{"", ""},
		{"typecheck", "begin type checking"},
		{"\xff\xfe", "\xff\xfe"},
		{"\x00\x1b[31m", "\x00\x1b[31mred\x1b[0m\r\n"},
		{"parse", "bad \xc3\x28 sequence"},
		{"é/ü", "naïve — ok"},
		{huge, huge},
		{"codegen", "%s %d %!"},
		{"a\u2028b", "\U0010FFFF\uFFFD"},
	} {
		f.Add(s.component, s.msg, levels[i%len(levels)], i%2 == 0)
	}
	f.Add("x", "min", -1<<31, true)
	f.Add("x", "max", 1<<31-1, false)
	f.Fuzz(func(t *testing.T, component, msg string, level int, local bool) {
		lv := slog.Level(level)
		s := newSDK(t)
		opts := s.opts(otelstep.WithLevels(""), otelstep.WithTotalSteps(2))
		if local {
			opts = append(opts, otelstep.WithHandler(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug})))
		}
		run := otelstep.NewRun("fuzz", opts...)
		logger := run.Logger(component)
		wantComp := strings.ToValidUTF8(component, "\uFFFD")
		if wantComp == "" {
			wantComp = otelstep.DefaultComponent
		}
		wantMsg := strings.ToValidUTF8(msg, "\uFFFD")
		emitted := lv >= slog.LevelInfo

		ctx, root := s.tp.Tracer("fuzz").Start(context.Background(), "root")
		// Both forms of each handle: the torch call form and slog's methods.
		if log := run.StepLogger(ctx, logger); local {
			log.Log(ctx, lv, msg)
		} else {
			log.LogAttrs(ctx, lv, msg)
		}
		stepCtx, step := run.Start(ctx, logger, otelstep.WithLabel(component))
		if local {
			step.Log(stepCtx, lv, msg)
		} else {
			step.LogAttrs(stepCtx, lv, msg)
		}
		step.End(nil)
		root.End()
		run.End(context.Background())

		// Log records: the message twice when emitted, and the start record
		// of step 2.
		var bodies []string
		for _, r := range s.logs.all() {
			checkRecordUTF8(t, r)
			if got := r.InstrumentationScope().Name; got != wantComp {
				t.Errorf("record scope = %q, want %q", got, wantComp)
			}
			if got := logAttrs(r)[string(otelstep.ComponentKey)]; got != wantComp {
				t.Errorf("record %s = %q, want %q", otelstep.ComponentKey, got, wantComp)
			}
			if r.EventName() == otelstep.StepEventName {
				if want := "Step 2 started: " + wantComp; r.Body().AsString() != want {
					t.Errorf("start record body = %q, want %q", r.Body().AsString(), want)
				}
				continue
			}
			bodies = append(bodies, r.Body().AsString())
		}
		var want []string
		if emitted {
			want = []string{"Step 1: " + wantMsg, "Step 2: " + wantMsg}
		}
		if fmt.Sprint(bodies) != fmt.Sprint(want) {
			t.Errorf("message bodies = %q, want %q (level %v)", bodies, want, lv)
		}

		// Span events and span names.
		for _, sp := range s.spans.Ended() {
			if !utf8.ValidString(sp.Name()) {
				t.Errorf("span name %q is not valid UTF-8", sp.Name())
			}
			for _, e := range sp.Events() {
				for _, kv := range e.Attributes {
					if str := kv.Value.Emit(); !utf8.ValidString(str) {
						t.Errorf("event %s attribute %s = %q is not valid UTF-8", e.Name, kv.Key, str)
					}
				}
			}
		}
		if steps := s.events(otelstep.StepEventName); len(steps) != 2 {
			t.Errorf("%d %s events, want 2", len(steps), otelstep.StepEventName)
		}
		logEvents := s.events(otelstep.LogEventName)
		if !emitted {
			if len(logEvents) != 0 {
				t.Errorf("%d %s events at level %v, want none", len(logEvents), otelstep.LogEventName, lv)
			}
			return
		}
		if len(logEvents) != 2 {
			t.Fatalf("%d %s events at level %v, want 2", len(logEvents), otelstep.LogEventName, lv)
		}
		for i, e := range logEvents {
			a := eventAttrs(e.Attributes)
			if got := a[otelstep.ComponentKey].AsString(); got != wantComp {
				t.Errorf("%s event %s = %q, want %q", e.Name, otelstep.ComponentKey, got, wantComp)
			}
			// log.message is "Step N: msg" cut to MaxEventMessage bytes at a
			// rune boundary.
			got := a[otelstep.MessageKey].AsString()
			full := "Step 1: " + wantMsg
			if strings.HasPrefix(got, "Step 2: ") {
				full = "Step 2: " + wantMsg
			}
			if len(got) > otelstep.MaxEventMessage || !strings.HasPrefix(full, got) ||
				len(got) < len(full) && len(got) < otelstep.MaxEventMessage-utf8.UTFMax {
				t.Errorf("%s event %d %s = %.40q... (%d bytes), want %.40q... cut to %d bytes",
					e.Name, i, otelstep.MessageKey, got, len(got), full, otelstep.MaxEventMessage)
			}
		}
	})
}

// checkRecordUTF8 fails t when a string of r (body, scope, attribute) is not
// valid UTF-8.
func checkRecordUTF8(t *testing.T, r sdklog.Record) {
	t.Helper()
	if b := r.Body().AsString(); !utf8.ValidString(b) {
		t.Errorf("record body %q is not valid UTF-8", b)
	}
	if n := r.InstrumentationScope().Name; !utf8.ValidString(n) {
		t.Errorf("record scope %q is not valid UTF-8", n)
	}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		if !utf8.ValidString(string(kv.Key)) {
			t.Errorf("record attribute key %q is not valid UTF-8", kv.Key)
		}
		if v := kv.Value.Emit(); !utf8.ValidString(v) {
			t.Errorf("record attribute %s = %q is not valid UTF-8", kv.Key, v)
		}
		return true
	})
}
