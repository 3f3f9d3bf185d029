package otelstep

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/otel/propagation"
)

// handOutPath is the grammar of a hand-out path, written apart from
// validPath: 2 to 16 levels of 1..999999999 without leading zeros.
var handOutPath = regexp.MustCompile(`^[1-9][0-9]{0,8}(\.[1-9][0-9]{0,8}){1,15}$`)

// goodName is the bound of a run name or id, written apart from validName.
func goodName(s string) bool {
	return s != "" && len(s) <= 128 && utf8.ValidString(s) &&
		!strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Cc, r) || r == 0x2028 || r == 0x2029 })
}

// FuzzPropagatorExtract checks that Extract never panics and that whatever
// it accepts from a header is within the bounds (a path of the hand-out
// grammar, names of valid UTF-8 without control characters, at most 128
// bytes, from a header of at most 1024 printable ASCII bytes), and reads
// the same again once re-encoded; and that a step with the run name and id
// hands out a header exactly when they are within the bounds, which
// Extract reads back unchanged.
func FuzzPropagatorExtract(f *testing.F) {
	for _, v := range hostileHeaders {
		f.Add(v, "compile", "")
	}
	f.Add("path=2.1;run=compile;id=job-7", "compile", "job-7")
	f.Add("path=4.1.3;run=deploy+%C3%BC%2F%E6%97%A5;id=a%3Bb%3Dc", "deploy ü/日本;=%+&", "a;b=c")
	f.Add("later=1;path=1.1;run=x", "x\x00y", "\u2028")
	f.Add("path=1.1;run=%F0%9F%98%80", "\xf0\x9f\x98", strings.Repeat("é", 65))
	f.Fuzz(func(t *testing.T, header, run, id string) {
		// Extract: within the bounds, or nothing.
		c := extracted(propagation.MapCarrier{StepHeader: header})
		if c != nil {
			if len(header) > 1024 || strings.ContainsFunc(header, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
				t.Fatalf("accepted a header of %d bytes or with bytes outside printable ASCII: %q", len(header), header)
			}
			if !handOutPath.MatchString(c.path) || strings.Count(c.path, ".") > 15 {
				t.Fatalf("accepted path %q from %q", c.path, header)
			}
			if !goodName(c.run) || (c.id != "" && !goodName(c.id)) {
				t.Fatalf("accepted run %q id %q from %q", c.run, c.id, header)
			}
			if c.local {
				t.Fatalf("an extracted caller is local: %q", header)
			}
			// Re-encoded, it reads the same: one meaning per header.
			again := extracted(propagation.MapCarrier{StepHeader: encodeForTest(c)})
			if again == nil || again.run != c.run || again.id != c.id || again.path != c.path {
				t.Fatalf("%q read as %+v, re-encoded read as %+v", header, c, again)
			}
		}

		// Inject from a step named run (and id): a header exactly when they
		// are within the bounds, read back unchanged.
		ctx := withCaller(context.Background(), localCaller(run, id, "3"))
		carrier := propagation.MapCarrier{}
		Propagator().Inject(ctx, carrier)
		v, sent := carrier[StepHeader]
		if want := goodName(run) && (id == "" || goodName(id)); sent != want {
			t.Fatalf("run %q id %q: header sent %v (%q), want %v", run, id, sent, v, want)
		}
		if !sent {
			return
		}
		back := extracted(carrier)
		if back == nil || back.run != run || back.id != id || back.path != "3.1" {
			t.Fatalf("run %q id %q: header %q read back as %+v", run, id, v, back)
		}
	})
}

// encodeForTest writes c's header with c.path as the hand-out path.
func encodeForTest(c *caller) string {
	local := &caller{run: c.run, id: c.id, path: c.path[:strings.LastIndexByte(c.path, '.')], local: true}
	local.kids.n.Store(mustUint(c.path[strings.LastIndexByte(c.path, '.')+1:]) - 1)
	v, _ := local.header()
	return v
}

func mustUint(s string) uint64 {
	var n uint64
	for i := 0; i < len(s); i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	return n
}
