package console

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// testRun is a run 2 steps of 5 in, with 3.2 s left and a labelled step
// half done, named name, its component comp.
func testRun(name, comp string) *runState {
	now := time.Now()
	rs := &runState{key: runKey{run: name}, start: now.Add(-4 * time.Second), comps: map[string]*compState{}}
	rs.steps, rs.total, rs.ratio, rs.hasRatio = 2, 5, 0.4, true
	rs.remaining, rs.hasRemaining = 3.2, true
	rs.comp(comp).progress, rs.comp(comp).hasProgress = 0.5, true
	rs.comp(comp).elapsed, rs.comp(comp).open, rs.hasElapsed = 1.5, true, true
	rs.setLabel(comp, "copy users")
	return rs
}

// TestRowWidths renders the status row of a run with a wide name at
// 130, 80, 50 and 30 columns: never more cells than the width less one,
// and the most useful fields kept longest (steps, percent, time left,
// the step's label before the rate and the bar).
func TestRowWidths(t *testing.T) {
	t.Parallel()
	v := New(nil, WithTerminal(true))
	for _, c := range []struct {
		width int
		want  []string
		gone  []string
	}{
		{130, []string{"部署 production-europe-west-cluster 2/5 steps [", "] 40%, ", " steps/min, 3.2s left, copy users 50% 1.5s"}, nil},
		{80, []string{"部署 production-europe-west-cluster 2/5 steps 40%, 3.2s left, copy users 50%"}, []string{"[", "steps/min"}},
		{50, []string{"部署 ", "…", "2/5 steps 40%, 3.2s left"}, []string{"[", "steps/min"}},
		{30, []string{"2/5 steps"}, []string{"["}},
	} {
		now := time.Now()
		rs := testRun("部署 production-europe-west-cluster", "copy")
		row := string(v.appendRow(nil, rs, now, c.width-1))
		if w := uniseg.StringWidth(row); w > c.width-1 {
			t.Errorf("%d columns: row of %d cells: %q", c.width, w, row)
		}
		for _, s := range c.want {
			if !strings.Contains(row, s) {
				t.Errorf("%d columns: %q lacks %q", c.width, row, s)
			}
		}
		for _, s := range c.gone {
			if strings.Contains(row, s) {
				t.Errorf("%d columns: %q still has %q", c.width, row, s)
			}
		}
		t.Logf("%3d: %s", c.width, row)
	}
}

// TestRateUnit checks that a run keeps the rate unit it first showed.
func TestRateUnit(t *testing.T) {
	t.Parallel()
	rs := &runState{}
	slow, fast := string(rs.appendRate(nil, 0.5)), string(rs.appendRate(nil, 50))
	if slow != "30.0 steps/min" || fast != "3000 steps/min" {
		t.Errorf("got %q then %q, want steps/min twice", slow, fast)
	}
	rs = &runState{}
	if fast, slow := string(rs.appendRate(nil, 2)), string(rs.appendRate(nil, 0.5)); fast != "2.0 steps/s" || slow != "0.5 steps/s" {
		t.Errorf("got %q then %q, want steps/s twice", fast, slow)
	}
}

// FuzzStatusRow renders the status row of a run of any name and component
// at any width: it is valid UTF-8, at most width cells, one row, and every
// rune that needsEscape is escaped.
func FuzzStatusRow(f *testing.F) {
	for _, s := range []string{"部署 production-europe-west-cluster", "parse\u200b", "a\u202eb", "👨\u200d👩\u200d👧", "e\u0301\u0301\u0301", "\U000e0041\xff", "\t\n"} {
		f.Add(s, s, 50)
	}
	f.Fuzz(func(t *testing.T, name, comp string, width int) {
		width = 20 + abs(width)%200
		v := New(nil, WithTerminal(true))
		row := v.appendRow(nil, testRun(name, comp), time.Now(), width)
		if !utf8.Valid(row) {
			t.Fatalf("invalid UTF-8: %q", row)
		}
		if w := uniseg.StringWidth(string(row)); w > width {
			t.Fatalf("%d cells at width %d: %q", w, width, row)
		}
		if bytes.ContainsRune(row, '\n') {
			t.Fatalf("two rows: %q", row)
		}
		for _, r := range string(row) {
			if needsEscape(r) {
				t.Fatalf("%U raw in %q", r, row)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
