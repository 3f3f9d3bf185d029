package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// pollTimeout bounds every wait on a backend.
const pollTimeout = 30 * time.Second

// poll calls check every interval until it returns nil or timeout passes,
// and returns the last error.
func poll(timeout, interval time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still failing after %s: %w", timeout, err)
		}
		time.Sleep(interval)
	}
}

// waitHTTP200 polls url until it answers 200 or the process exits.
func waitHTTP200(url string, p *proc, timeout time.Duration) error {
	return poll(timeout, 100*time.Millisecond, func() error {
		if p != nil && p.exited() {
			return fmt.Errorf("%s exited: %v", p.name, p.waitErr)
		}
		resp, err := httpClient.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
		}
		return nil
	})
}

var httpClient = &http.Client{Timeout: 5 * time.Second}

// getJSON GETs url and decodes a 200 answer into v.
func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %.300s", url, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: decode: %w: %.300s", url, err, body)
	}
	return nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	p, err := pickPort()
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	return p
}

// reserved remembers ports handed out in this process, so two listeners
// picked one after the other never get the same number.
var (
	portsMu  sync.Mutex
	reserved = map[int]bool{}
)

func pickPort() (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		portsMu.Lock()
		dup := reserved[port]
		reserved[port] = true
		portsMu.Unlock()
		if !dup {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free port after 50 tries")
}

func hostPort(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
