package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/otelstep/otelstep/exporters"
	"github.com/otelstep/otelstep/otelstep"
	"github.com/otelstep/otelstep/otelstep/otelsteptest"
)

// testEnv is a demoEnv on in-memory providers.
func testEnv(t *testing.T) *demoEnv {
	rec := otelsteptest.New(t)
	return &demoEnv{
		providers: &exporters.Providers{
			TracerProvider: rec.TracerProvider(),
			MeterProvider:  rec.MeterProvider(),
			LoggerProvider: rec.LoggerProvider(),
		},
		service:  defaultService,
		endpoint: "memory",
	}
}

// do sends a request to srv and returns the status and body.
func do(t *testing.T, srv *httptest.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// compileMessages runs the pipeline through srv and returns its messages.
func compileMessages(t *testing.T, srv *httptest.Server) []string {
	t.Helper()
	code, body := do(t, srv, http.MethodPost, "/compile", "")
	var s summary
	if err := json.Unmarshal([]byte(body), &s); code != http.StatusOK || err != nil {
		t.Fatalf("POST /compile: %d %q (%v)", code, body, err)
	}
	return s.Messages
}

func TestAdminLevels(t *testing.T) {
	t.Setenv(otelstep.EnvLogs, "")
	env := testEnv(t)
	srv := httptest.NewServer(newMux(env, 0))
	defer srv.Close()

	if code, body := do(t, srv, http.MethodGet, "/admin/levels", ""); code != http.StatusOK || body != "\n" {
		t.Errorf("GET /admin/levels = %d %q, want the empty OTELSTEP_LOGS", code, body)
	}
	const debugMsg = "Step 2: resolved identifiers"
	if msgs := compileMessages(t, srv); slices.Contains(msgs, debugMsg) {
		t.Fatalf("typecheck's Debug message logged at the default levels: %q", msgs)
	}

	// Debug on for typecheck, while the service runs.
	if code, body := do(t, srv, http.MethodPut, "/admin/levels", "+typecheck\n"); code != http.StatusOK || body != "+typecheck\n" {
		t.Fatalf("PUT /admin/levels = %d %q", code, body)
	}
	if msgs := compileMessages(t, srv); !slices.Contains(msgs, debugMsg) {
		t.Errorf("after PUT +typecheck, no %q in %q", debugMsg, msgs)
	}

	// A malformed spec: 400 with the reason, nothing changed.
	code, body := do(t, srv, http.MethodPost, "/admin/levels", "-parse,load users")
	if code != http.StatusBadRequest || !strings.Contains(body, `"load users"`) {
		t.Errorf("malformed spec: %d %q, want 400 naming the bad token", code, body)
	}
	if _, body := do(t, srv, http.MethodGet, "/admin/levels", ""); body != "+typecheck\n" {
		t.Errorf("levels after a malformed PUT = %q, want +typecheck", body)
	}

	// A run in flight follows the change; an untracked one does not.
	inflight := otelstep.NewRun("inflight", env.runOptions()...)
	untrack := env.levels.track(inflight)
	if inflight.Levels().Level("typecheck") != slog.LevelDebug {
		t.Errorf("a new run does not get the levels set through the endpoint")
	}
	do(t, srv, http.MethodPut, "/admin/levels", "-parse")
	if got := inflight.Levels().Level("parse"); got != slog.LevelError {
		t.Errorf("in-flight run's parse level = %v after PUT -parse, want ERROR", got)
	}
	untrack()
	do(t, srv, http.MethodPut, "/admin/levels", "")
	if got := inflight.Levels().Level("parse"); got != slog.LevelError {
		t.Errorf("an ended (untracked) run followed a change: parse = %v", got)
	}
}
