package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/otelstep/otelstep/otelstep"
)

// levelControl holds the service's component levels: the spec given to the
// runs it makes and the runs in flight, which PUT /admin/levels changes at
// once with Run.SetLevels (torch's set_logs, while the service runs).
type levelControl struct {
	mu   sync.Mutex
	spec *string // nil: OTELSTEP_LOGS, read by each new run
	runs map[*otelstep.Run]struct{}
}

// options returns the level option of a new run.
func (lc *levelControl) options() []otelstep.Option {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.spec == nil {
		return nil
	}
	return []otelstep.Option{otelstep.WithLevels(*lc.spec)}
}

// track makes run follow the level changes until the returned func is
// called.
func (lc *levelControl) track(run *otelstep.Run) (untrack func()) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.runs == nil {
		lc.runs = make(map[*otelstep.Run]struct{})
	}
	lc.runs[run] = struct{}{}
	return func() {
		lc.mu.Lock()
		defer lc.mu.Unlock()
		delete(lc.runs, run)
	}
}

// set validates spec and applies it to the runs in flight and the next ones.
// A malformed spec changes nothing.
func (lc *levelControl) set(spec string) error {
	if _, err := otelstep.ParseLevels(spec); err != nil {
		return err
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.spec = &spec
	for run := range lc.runs {
		_ = run.SetLevels(spec) // well-formed: no error
	}
	return nil
}

// get returns the spec in force: the last one set, or OTELSTEP_LOGS.
func (lc *levelControl) get() string {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.spec == nil {
		return os.Getenv(otelstep.EnvLogs)
	}
	return *lc.spec
}

// maxSpec bounds the body of PUT /admin/levels.
const maxSpec = 4096

// handleLevels serves /admin/levels:
//
//	GET          the spec in force, one line (OTELSTEP_LOGS until a PUT)
//	PUT or POST  a new spec as the body (OTELSTEP_LOGS syntax, text), applied
//	             to the runs in flight and the next ones; 400 and nothing
//	             changed when it is malformed
//
// It has no authentication: bind the service to a trusted address.
func handleLevels(w http.ResponseWriter, r *http.Request, lc *levelControl) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if r.Method == http.MethodPut || r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxSpec+1))
		if err != nil || len(body) > maxSpec {
			http.Error(w, "otelstep-demo: cannot read the level spec (at most 4096 bytes)", http.StatusBadRequest)
			return
		}
		if err := lc.set(strings.TrimSpace(string(body))); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	fmt.Fprintln(w, lc.get())
}
