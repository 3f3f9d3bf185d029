package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ownJaeger is a Jaeger v2 started for one test, next to the shared one
// (needJaeger): the test may stop and restart it, or load it heavily,
// without disturbing the others. It runs deploy/jaeger/config.yaml on its own
// free 127.0.0.1 ports; its logs pipeline forwards to logsURL. The test's
// cleanup stops it by pid.
type ownJaeger struct {
	jaegerStack
	name    string
	logsURL string
	starts  int
}

// startOwnJaeger starts a Jaeger for t alone. logsURL is the otlphttp base
// URL its logs pipeline forwards to (JAEGER_LOGS_ENDPOINT).
func startOwnJaeger(t testing.TB, name, logsURL string) *ownJaeger {
	t.Helper()
	j := &ownJaeger{name: name, logsURL: logsURL}
	var err error
	for attempt := 1; attempt <= 2; attempt++ { // a port may be taken between pick and bind
		if err = j.pickPorts(); err != nil {
			break
		}
		if err = j.start(); err == nil {
			break
		}
		logf("%s start attempt %d: %v", name, attempt, err)
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() {
		dumpOnFailure(t, j.proc)
		j.stop(10 * time.Second)
	})
	return j
}

// start launches the process on j's ports and waits until it is healthy and
// its query API answers. After stop, start brings it back on the same ports
// (with an empty in-memory store).
func (j *ownJaeger) start() error {
	bin, err := buildJaeger()
	if err != nil {
		return err
	}
	j.starts++
	name := fmt.Sprintf("%s-%d-%d", j.name, j.queryHTTP, j.starts)
	p, err := startProc(workDir, name, j.env(j.logsURL), bin, "--config", jaegerConfigPath())
	if err != nil {
		return err
	}
	j.proc = p
	start := time.Now()
	for _, u := range []string{"http://" + hostPort(j.health) + "/status", j.QueryURL() + "/api/services"} {
		if err := waitHTTP200(u, p, 60*time.Second); err != nil {
			p.stop(5 * time.Second)
			return fmt.Errorf("%s %s: %w\n%s", name, u, err, p.tail(30))
		}
	}
	logf("%s ready in %s: otlp-http %d, query %d, log %s",
		name, time.Since(start).Round(time.Millisecond), j.otlpHTTP, j.queryHTTP, p.logPath)
	return nil
}

// stop sends SIGTERM to the process's pid (SIGKILL after grace).
func (j *ownJaeger) stop(grace time.Duration) {
	if j.proc != nil {
		j.proc.stop(grace)
	}
}

// peakRSS is the process's VmHWM in bytes (0 if unknown or ended).
func (j *ownJaeger) peakRSS() int64 { return procPeakRSS(j.proc) }

// procPeakRSS reads VmHWM of a running process from /proc.
func procPeakRSS(p *proc) int64 {
	if p == nil || p.exited() {
		return 0
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// collectorMetrics scrapes Jaeger's own telemetry (the collector's
// Prometheus endpoint) and returns the sum of every series of each metric
// whose name starts with one of prefixes.
func (j *ownJaeger) collectorMetrics(prefixes ...string) (map[string]float64, error) {
	resp, err := httpClient.Get("http://" + hostPort(j.telemetry) + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("collector metrics: %s: %.200s", resp.Status, b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name := line
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name = line[:i]
		}
		match := false
		for _, p := range prefixes {
			match = match || strings.HasPrefix(name, p)
		}
		if !match {
			continue
		}
		f := strings.Fields(line[len(name):])
		if i := strings.LastIndex(line, "}"); i >= 0 {
			f = strings.Fields(line[i+1:])
		}
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		out[name] += v
	}
	return out, sc.Err()
}
