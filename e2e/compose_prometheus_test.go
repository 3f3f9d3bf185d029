package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// composePrometheusConfig is the part of prometheus.yml these tests read.
type composePrometheusConfig struct {
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		HonorLabels   bool   `yaml:"honor_labels"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

// composePromtool returns the promtool binary: skipped without it, or a
// failure when CI=true.
func composePromtool(t testing.TB) string {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		const msg = "promtool not found on PATH: install the Debian package prometheus " +
			"(apt-get install -y --no-install-recommends prometheus)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return promtool
}

// composePrometheusDir is deploy/prometheus in the repository.
func composePrometheusDir(t testing.TB) string {
	return filepath.Join(composeRepoRoot(t), "deploy", "prometheus")
}

// composeLoadPrometheusConfig reads deploy/prometheus/prometheus.yml.
func composeLoadPrometheusConfig(t testing.TB) composePrometheusConfig {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(composePrometheusDir(t), "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg composePrometheusConfig
	if err := yaml.Unmarshal(body, &cfg); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	return cfg
}

// TestComposePromtoolCheckConfig runs `promtool check config` on the
// Prometheus config of the stack (which also checks its rule files).
func TestComposePromtoolCheckConfig(t *testing.T) {
	promtool := composePromtool(t)
	cfg := filepath.Join(composePrometheusDir(t), "prometheus.yml")
	out, err := exec.Command(promtool, "check", "config", cfg).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config %s: %v\n%s", cfg, err, out)
	}
}

// TestComposePrometheusScrapesJaeger checks that Prometheus scrapes the
// jaeger service on the port of its prometheus exporter, keeping the job and
// instance labels the exporter derives from the resource.
func TestComposePrometheusScrapesJaeger(t *testing.T) {
	p := composeMustLoad(t)
	j := composeService(t, p, "jaeger")
	port, ok := composeEnvValue(j.Environment, "JAEGER_PROMETHEUS_PORT")
	if !ok {
		t.Fatal("compose does not set JAEGER_PROMETHEUS_PORT for jaeger: the scrape port would rest on the config's default")
	}
	want := net.JoinHostPort("jaeger", port)

	cfg := composeLoadPrometheusConfig(t)
	for _, sc := range cfg.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				if target != want {
					continue
				}
				if !sc.HonorLabels {
					t.Errorf("scrape job %s lacks honor_labels: true, so job (service.name) becomes exported_job", sc.JobName)
				}
				return
			}
		}
	}
	t.Fatalf("no scrape target %s (the jaeger service's prometheus exporter) in prometheus.yml", want)
}
