package console_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/otelstep/otelstep/otelstep/console"
)

// FuzzLine feeds arbitrary bytes as body, scope, attribute key and value of
// a log record, and to View.Write: the output is valid UTF-8, exactly one
// line each, with no rune of category Cc or Cf, no bidi control and no rune
// that does not print, but the final newline.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"", "plain", "a\nb", "\x1b[2J\r", "\u009b\u2028\u202e", "\xff\xfe", "parse\u200b\ufeff\u200e\u061c\U000e0041\u00a0", `"q"=\`} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var buf bytes.Buffer
		v := console.New(&buf, console.WithTerminal(false))
		lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(v.LogExporter())))
		var rec otellog.Record
		rec.SetBody(attribute.StringValue(a))
		rec.SetSeverityText(b)
		rec.AddAttributes(attribute.String(a, b), attribute.String("k", a))
		lp.Logger(b).Emit(context.Background(), rec)
		_, _ = v.Write([]byte(a))
		_ = lp.Shutdown(context.Background())
		_ = v.Shutdown(context.Background())
		got := buf.String()
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
		want := 1
		if a != "" {
			want = 2 // Write writes nothing for an empty p
		}
		if n := strings.Count(got, "\n"); n != want || !strings.HasSuffix(got, "\n") {
			t.Fatalf("%d lines, want %d: %q", n, want, got)
		}
		for _, r := range got {
			if r != '\n' && (!unicode.IsPrint(r) || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Bidi_Control)) {
				t.Fatalf("%U shown raw in %q", r, got)
			}
		}
	})
}
