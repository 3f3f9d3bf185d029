package otelstep

import (
	"fmt"
	"log/slog"
	"strings"
)

// EnvLogs is the environment variable read by [NewRun] for component levels.
// Its syntax is that of PyTorch's TORCH_LOGS; see [ParseLevels].
const EnvLogs = "OTELSTEP_LOGS"

// allComponents is the token that sets the level of every component.
const allComponents = "all"

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
// A named component overrides all, whatever the order. Components not named
// log at Info. Spaces around tokens are ignored. An empty spec gives the
// defaults. A name may hold letters, digits and the characters "_.-/:";
// anything else, an empty token or a doubled sign is an error that names the
// token and the accepted forms.
func ParseLevels(spec string) (Levels, error) {
	l := Levels{spec: spec}
	if strings.TrimSpace(spec) == "" {
		return l, nil
	}
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
		if !validComponentToken(name) {
			return Levels{}, &LevelsError{Spec: spec, Token: tok, Index: i}
		}
		if name == allComponents {
			l.all, l.hasAll = level, true
			continue
		}
		if l.byName == nil {
			l.byName = make(map[string]slog.Level)
		}
		l.byName[name] = level
	}
	return l, nil
}

func validComponentToken(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_' || c == '.' || c == '/' || c == ':':
		case c == '-' && name[0] != '-':
		default:
			return false
		}
	}
	return true
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

// LevelsError reports a malformed level specification.
type LevelsError struct {
	Spec  string // the whole specification
	Token string // the offending token, spaces trimmed
	Index int    // the 0-based position of the token in the list
}

// Error names the variable, the bad token and the accepted forms.
func (e *LevelsError) Error() string {
	return fmt.Sprintf("otelstep: %s=%q: bad token %q at position %d; "+
		"accepted: comma-separated tokens, each \"name\" (Info), \"+name\" (Debug), "+
		"\"-name\" (Error) or \"all\"/\"+all\"/\"-all\" for every component; "+
		"names use letters, digits and _.-/:", EnvLogs, e.Spec, e.Token, e.Index+1)
}
