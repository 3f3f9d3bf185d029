package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestServiceConcurrentCompiles starts the demo as an HTTP service and fires
// concurrent /compile requests: each must be its own trace, numbered from
// step 1, complete in Jaeger. SIGTERM must then stop the service cleanly.
func TestServiceConcurrentCompiles(t *testing.T) {
	const n = 8
	j := needJaeger(t)
	bin := demo(t)
	service := uniqueService(t, "serve")
	port := freePort(t)
	addr := hostPort(port)
	svc, err := startProc(workDir, "demo-serve-"+fmt.Sprint(port), otlpEnv(j.OTLPEndpoint(), service), bin, "-serve", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.stop(10 * time.Second); dumpOnFailure(t, svc) })
	if err := waitHTTP200("http://"+addr+"/healthz", svc, pollTimeout); err != nil {
		t.Fatalf("demo service: %v", err)
	}

	sums := make([]summary, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[i], errs[i] = postCompile("http://" + addr + "/compile")
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if err := sums[i].check(); err != nil {
			t.Fatalf("request %d: inconsistent summary: %v", i, err)
		}
		if sums[i].Service != service {
			t.Errorf("request %d: service %q, want %q", i, sums[i].Service, service)
		}
		ids[sums[i].TraceID] = true
	}
	if len(ids) != n {
		t.Fatalf("%d distinct trace IDs for %d requests: %v", len(ids), n, keys(ids))
	}

	// SIGTERM: graceful shutdown flushes everything, exit status 0.
	svc.stop(15 * time.Second)
	if svc.waitErr != nil {
		t.Errorf("demo service after SIGTERM: %v (want exit 0)", svc.waitErr)
	}

	for i, s := range sums {
		tr := waitTrace(t, j, s)
		if probs := checkTraceV1(tr, s, wantSpanNames(s, "POST /compile")); len(probs) > 0 {
			t.Errorf("request %d, trace %s:\n- %s", i, s.TraceID, strings.Join(probs, "\n- "))
		}
	}
}

func postCompile(url string) (summary, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return summary{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return summary{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return summary{}, fmt.Errorf("POST %s: %s: %s", url, resp.Status, body)
	}
	var s summary
	if err := json.Unmarshal(body, &s); err != nil {
		return summary{}, fmt.Errorf("POST %s: %w: %s", url, err, body)
	}
	return s, nil
}
