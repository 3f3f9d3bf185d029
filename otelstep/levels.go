package otelstep

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/otel"
)

// EnvLogs is the environment variable read by [NewRun] for component levels.
// Its syntax is that of PyTorch's TORCH_LOGS; see [ParseLevels].
const EnvLogs = "OTELSTEP_LOGS"

// allComponents is the token that sets the level of every component.
const allComponents = "all"

// Where a level specification came from, as [LevelsError.Source] names it.
const (
	// SourceEnv is the [EnvLogs] environment variable.
	SourceEnv = EnvLogs
	// SourceWithLevels is the [WithLevels] option.
	SourceWithLevels = "WithLevels"
	// SourceSetLevels is [Run.SetLevels].
	SourceSetLevels = "SetLevels"
)

// Levels maps component names to the minimum level their loggers emit. The
// zero Levels enables Info and above for every component.
//
// Levels is immutable once parsed and safe for concurrent use.
type Levels struct {
	all    slog.Level
	hasAll bool
	byName map[string]slog.Level
	spec   string
}

// ParseLevels parses a component level specification in the syntax of
// PyTorch's TORCH_LOGS: a comma-separated list of tokens, each one of
//
//	name    the component logs at Info and above
//	+name   the component logs at Debug and above
//	-name   the component logs at Error and above
//	all     the same for every component (also +all and -all)
//
// A named component overrides all, whatever the order; the last token for a
// name wins. Components not named log at Info. Spaces around tokens are
// ignored. An empty spec gives the defaults.
//
// A name holds letters and digits of any script and the characters "_.-/:"
// (not "-" first); any other byte of a component name, such as a space, a
// comma, a leading "-" or "%" itself, is written %XX with its two hex digits,
// as in a URL: the component "load users" is "load%20users", a component
// named "all" is "%61ll". Every component name can thus be named.
//
// A malformed token (an empty one, a doubled sign, a character outside the
// above, a bad escape) is an error: ParseLevels returns the Levels of the
// valid tokens and an error joining one [*LevelsError] per bad token, each
// naming the token and the accepted forms. The caller chooses whether to use
// the partial Levels; [NewRun] and [Run.SetLevels] do.
func ParseLevels(spec string) (Levels, error) {
	return parseLevels(spec, "")
}

// parseLevels parses spec, naming source in its errors.
func parseLevels(spec, source string) (Levels, error) {
	l := Levels{spec: spec}
	if strings.TrimSpace(spec) == "" {
		return l, nil
	}
	var errs []error
	for i, tok := range strings.Split(spec, ",") {
		tok = strings.TrimSpace(tok)
		level, name := slog.LevelInfo, tok
		if name != "" {
			switch name[0] {
			case '+':
				level, name = slog.LevelDebug, name[1:]
			case '-':
				level, name = slog.LevelError, name[1:]
			}
		}
		every := name == allComponents // before unescaping: "%61ll" names a component "all"
		name, ok := componentToken(name)
		if !ok {
			errs = append(errs, &LevelsError{Spec: spec, Token: tok, Index: i, Source: source})
			continue
		}
		if every {
			l.all, l.hasAll = level, true
			continue
		}
		if l.byName == nil {
			l.byName = make(map[string]slog.Level)
		}
		l.byName[name] = level
	}
	return l, errors.Join(errs...)
}

// componentToken decodes the name of a token, reporting whether it is
// well-formed.
func componentToken(name string) (string, bool) {
	if name == "" || name[0] == '-' || name[0] == '+' {
		return "", false
	}
	escaped := false
	for i := 0; i < len(name); {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '_' || c == '.' || c == '/' || c == ':' || c == '-':
			i++
		case c == '%':
			if i+2 >= len(name) || !isHex(name[i+1]) || !isHex(name[i+2]) {
				return "", false
			}
			escaped = true
			i += 3
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(name[i:])
			if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return "", false
			}
			i += size
		default:
			return "", false
		}
	}
	if !escaped {
		return name, true
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] == '%' {
			b.WriteByte(unhex(name[i+1])<<4 | unhex(name[i+2]))
			i += 2
			continue
		}
		b.WriteByte(name[i])
	}
	return b.String(), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// Level returns the minimum level of component.
func (l Levels) Level(component string) slog.Level {
	if lv, ok := l.byName[component]; ok {
		return lv
	}
	if l.hasAll {
		return l.all
	}
	return slog.LevelInfo
}

// String returns the specification the Levels were parsed from.
func (l Levels) String() string { return l.spec }

// LevelsError reports one malformed token of a level specification.
type LevelsError struct {
	Spec  string // the whole specification
	Token string // the offending token, spaces trimmed
	Index int    // the 0-based position of the token in the list
	// Source is where the specification came from: [SourceEnv],
	// [SourceWithLevels], [SourceSetLevels], or "" for [ParseLevels].
	Source string
}

// Error names the source and value, the bad token and the accepted forms.
func (e *LevelsError) Error() string {
	return fmt.Sprintf("otelstep: %s: bad token %q at position %d; %s", e.where(), e.Token, e.Index+1, levelsAccepted)
}

func (e *LevelsError) where() string {
	switch e.Source {
	case SourceEnv:
		return fmt.Sprintf("%s=%q", EnvLogs, e.Spec)
	case "":
		return fmt.Sprintf("level spec %q", e.Spec)
	}
	return fmt.Sprintf("%s(%q)", e.Source, e.Spec)
}

const levelsAccepted = "accepted (" + EnvLogs + " syntax): comma-separated tokens, each \"name\" (Info), \"+name\" (Debug), " +
	"\"-name\" (Error) or \"all\"/\"+all\"/\"-all\" for every component; " +
	"names use letters, digits and _.-/:, any other byte as %XX (a space is %20)"

// levelsLine is what reportLevels hands the error handler: the errors of
// one spec as one line, every bad token, the accepted forms once.
type levelsLine struct{ errs []error }

func (e levelsLine) Unwrap() []error { return e.errs }

func (e levelsLine) Error() string {
	if len(e.errs) == 1 {
		return e.errs[0].Error()
	}
	toks := make([]string, len(e.errs))
	for i, err := range e.errs {
		le := err.(*LevelsError) // parseLevels joins only these
		toks[i] = fmt.Sprintf("%q at position %d", le.Token, le.Index+1)
	}
	return fmt.Sprintf("otelstep: %s: bad tokens %s; %s", e.errs[0].(*LevelsError).where(), strings.Join(toks, ", "), levelsAccepted)
}

// reported holds the level specifications already reported through
// otel.Handle, by source and value: each is reported once per process.
// Past maxReported distinct values (specs built from untrusted input, say),
// new ones are no longer reported, so that the set stays bounded.
var (
	reportedMu sync.Mutex
	reported   = map[string]struct{}{}
)

const maxReported = 1024

// reportLevels reports err, the error of spec from source, through the
// OpenTelemetry error handler the first time this process sees it.
func reportLevels(source, spec string, err error) {
	if err == nil {
		return
	}
	key := source + "\x00" + spec
	reportedMu.Lock()
	_, seen := reported[key]
	if !seen && len(reported) < maxReported {
		reported[key] = struct{}{}
	} else {
		seen = true
	}
	reportedMu.Unlock()
	if !seen {
		otel.Handle(levelsLine{err.(interface{ Unwrap() []error }).Unwrap()}) // parseLevels's errors.Join
	}
}

// SetLevels replaces the run's component levels with those of spec, in the
// syntax of [ParseLevels], while the run goes on: like torch's set_logs, it
// turns a component's Debug messages on or off in a running service. The
// whole table is replaced: a component spec does not name goes back to Info
// (or to what "all" says), and an empty spec restores the defaults. The
// [EnvLogs] variable is not read again.
//
// A malformed spec is returned as an error joining one [*LevelsError] (with
// Source [SourceSetLevels]) per bad token, and its valid tokens apply all
// the same; the error is not given to the OpenTelemetry error handler, since
// the caller has it. SetLevels is safe for concurrent use with logging: a
// message checks its component's level with one atomic load.
func (r *Run) SetLevels(spec string) error {
	l, err := parseLevels(spec, SourceSetLevels)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.levels.Store(&l)
	for _, c := range r.order {
		c.level.Store(int64(l.Level(c.name)))
	}
	return err
}

// LevelsErr returns the error of the level specification the run was made
// with, from [EnvLogs] or [WithLevels] (see [ParseLevels]), or nil when it
// was well-formed. The error also goes to the OpenTelemetry error handler,
// once per process for each distinct value; LevelsErr lets a caller that
// passed [WithLevels] fail fast instead:
//
//	run := otelstep.NewRun("deploy", otelstep.WithLevels(flagLogs))
//	if err := run.LevelsErr(); err != nil {
//		return err
//	}
func (r *Run) LevelsErr() error { return r.levelsErr }
