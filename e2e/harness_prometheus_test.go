package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// promServer is a Prometheus scraping the shared Jaeger's prometheus exporter
// every second.
type promServer struct {
	proc *proc
	port int
}

// URL is the base URL of the Prometheus HTTP API.
func (p *promServer) URL() string { return "http://" + hostPort(p.port) }

var (
	promOnce sync.Once
	promS    *promServer
	promErr  error
	promSkip string
)

// findPrometheus looks for the binary on PATH, then in /usr/bin.
func findPrometheus() (string, error) {
	if p, err := exec.LookPath("prometheus"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/prometheus"); err == nil {
		return "/usr/bin/prometheus", nil
	}
	return "", fmt.Errorf("prometheus not found on PATH or in /usr/bin (install: apt-get install -y --no-install-recommends prometheus)")
}

// needPrometheus returns the shared Prometheus, starting it on first use.
// Without the binary the test fails when CI=true and is skipped otherwise.
func needPrometheus(t testing.TB, j *jaegerStack) *promServer {
	t.Helper()
	promOnce.Do(func() {
		bin, err := findPrometheus()
		if err != nil {
			promSkip = err.Error()
			return
		}
		promS, promErr = startPrometheus(bin, j)
	})
	if promSkip != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the Prometheus leg cannot run: %s", promSkip)
		}
		t.Skipf("the Prometheus leg cannot run: %s (set CI=true to make this a failure)", promSkip)
	}
	if promErr != nil {
		t.Fatalf("Prometheus is not running: %v", promErr)
	}
	t.Cleanup(func() { dumpOnFailure(t, promS.proc) })
	return promS
}

func startPrometheus(bin string, j *jaegerStack) (*promServer, error) {
	dir, err := os.MkdirTemp(workDir, "prometheus-")
	if err != nil {
		return nil, err
	}
	rules, err := os.ReadFile(alertRulesPath())
	if err != nil {
		return nil, err
	}
	scaledPath := filepath.Join(dir, "otelstep-alerts-scaled.yml")
	if err := os.WriteFile(scaledPath, scaleAlertRules(rules), 0o644); err != nil {
		return nil, err
	}
	// honor_labels keeps the exporter's job label (= the service.name of the
	// telemetry) instead of replacing it with the scrape job's name. The
	// stack's alerting rules are evaluated against the real data too.
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - '%s'
  - '%s'
scrape_configs:
  - job_name: jaeger-otlp-metrics
    honor_labels: true
    static_configs:
      - targets: ['%s']
`, alertRulesPath(), scaledPath, hostPort(j.prometheus))
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 1; attempt <= 2; attempt++ {
		port, err := pickPort()
		if err != nil {
			return nil, err
		}
		p, err := startProc(workDir, "prometheus-"+strconv.Itoa(port), nil, bin,
			"--config.file="+cfgPath,
			"--storage.tsdb.path="+filepath.Join(dir, "data"),
			"--web.listen-address="+hostPort(port),
		)
		if err != nil {
			return nil, err
		}
		s := &promServer{proc: p, port: port}
		if err := waitHTTP200(s.URL()+"/-/ready", p, 60*time.Second); err != nil {
			p.stop(5 * time.Second)
			lastErr = fmt.Errorf("prometheus /-/ready: %w\n%s", err, p.tail(20))
			continue
		}
		logf("prometheus ready on %d, log %s", port, p.logPath)
		return s, nil
	}
	return nil, lastErr
}

// alertRulesPath is the stack's rule file, deploy/prometheus/otelstep-alerts.yml.
func alertRulesPath() string {
	return filepath.Join(repoRoot(), "deploy", "prometheus", "otelstep-alerts.yml")
}

// Rewrites that turn the stack's alerting rules into ones a test can watch
// fire within seconds: every range and offset becomes 10s, every `for` 0s,
// the step-age threshold 3 s; names get the suffix "Scaled".
var (
	scaleRangeRE     = regexp.MustCompile(`\[[0-9]+[smhdwy]\]`)
	scaleOffsetRE    = regexp.MustCompile(`offset [0-9]+[smhdwy]`)
	scaleForRE       = regexp.MustCompile(`(?m)^(\s*for: )\S+$`)
	scaleThresholdRE = regexp.MustCompile(`(otelstep_step_elapsed_seconds\s*>\s*)[0-9.]+`)
	scaleAlertRE     = regexp.MustCompile(`(?m)^(\s*- alert: )(\w+)$`)
	scaleGroupRE     = regexp.MustCompile(`(?m)^(\s*- name: )(\S+)$`)
)

// scaledSuffix marks the alerts of the scaled copy of the rules.
const scaledSuffix = "Scaled"

// scaleAlertRules returns the scaled copy of a rule file.
func scaleAlertRules(body []byte) []byte {
	s := string(body)
	s = scaleRangeRE.ReplaceAllString(s, "[10s]")
	s = scaleOffsetRE.ReplaceAllString(s, "offset 10s")
	s = scaleForRE.ReplaceAllString(s, "${1}0s")
	s = scaleThresholdRE.ReplaceAllString(s, "${1}3")
	s = scaleAlertRE.ReplaceAllString(s, "${1}${2}"+scaledSuffix)
	s = scaleGroupRE.ReplaceAllString(s, "${1}${2}-scaled")
	return []byte(s)
}

// promAlert is one alert of /api/v1/alerts.
type promAlert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
	Value  string            `json:"value"`
}

// alerts lists the pending and firing alerts.
func (p *promServer) alerts(ctx context.Context) ([]promAlert, error) {
	var r struct {
		Data struct {
			Alerts []promAlert `json:"alerts"`
		} `json:"data"`
	}
	if err := getJSON(ctx, p.URL()+"/api/v1/alerts", &r); err != nil {
		return nil, err
	}
	return r.Data.Alerts, nil
}

// promRule is one rule of /api/v1/rules.
type promRule struct {
	Name           string `json:"name"`
	Type           string `json:"type"`
	Health         string `json:"health"`
	LastError      string `json:"lastError"`
	LastEvaluation string `json:"lastEvaluation"`
}

// rules lists the rules Prometheus has loaded, with their health.
func (p *promServer) rules(ctx context.Context) ([]promRule, error) {
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Groups []struct {
				Rules []promRule `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := getJSON(ctx, p.URL()+"/api/v1/rules", &r); err != nil {
		return nil, err
	}
	var out []promRule
	for _, g := range r.Data.Groups {
		out = append(out, g.Rules...)
	}
	return out, nil
}

type promSample struct {
	Metric map[string]string
	Value  float64
}

// query runs an instant PromQL query at the current time.
func (p *promServer) query(ctx context.Context, q string) ([]promSample, error) {
	return p.instant(ctx, url.Values{"query": {q}})
}

// instant runs /api/v1/query with the parameters v.
func (p *promServer) instant(ctx context.Context, v url.Values) ([]promSample, error) {
	q := v.Get("query")
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := getJSON(ctx, p.URL()+"/api/v1/query?"+v.Encode(), &r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("query %s: %s %s", q, r.Status, r.Error)
	}
	var out []promSample
	for _, s := range r.Data.Result {
		str, _ := s.Value[1].(string)
		v, err := strconv.ParseFloat(str, 64)
		if err != nil {
			return nil, fmt.Errorf("query %s: value %v: %w", q, s.Value, err)
		}
		out = append(out, promSample{Metric: s.Metric, Value: v})
	}
	return out, nil
}
