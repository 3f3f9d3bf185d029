package e2e

// Checks of the alerting rules in deploy/prometheus: promtool checks and
// unit-tests them, the compose Prometheus loads and mounts them, and they read
// only the metrics of the telemetry contract.

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// composeAlertsFile is the rule file of the stack, in deploy/prometheus.
const composeAlertsFile = "otelstep-alerts.yml"

// composeAlertsTestFile holds the promtool unit tests of composeAlertsFile.
const composeAlertsTestFile = "otelstep-alerts.test.yml"

// composeAlertNames are the alerts docs/watching.md's "Watching a long job"
// names.
var composeAlertNames = []string{"OtelstepStepRunningLong", "OtelstepRunStalled"}

// composeRuleGroups is the part of a Prometheus rule file these tests read.
type composeRuleGroups struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// composeLoadAlerts parses deploy/prometheus/otelstep-alerts.yml.
func composeLoadAlerts(t testing.TB) composeRuleGroups {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(composePrometheusDir(t), composeAlertsFile))
	if err != nil {
		t.Fatal(err)
	}
	var g composeRuleGroups
	if err := yaml.Unmarshal(body, &g); err != nil {
		t.Fatalf("%s: %v", composeAlertsFile, err)
	}
	return g
}

// TestComposePromtoolCheckRules runs `promtool check rules` on every rule
// file prometheus.yml loads.
func TestComposePromtoolCheckRules(t *testing.T) {
	promtool := composePromtool(t)
	cfg := composeLoadPrometheusConfig(t)
	if len(cfg.RuleFiles) == 0 {
		t.Fatal("prometheus.yml loads no rule_files")
	}
	for _, f := range cfg.RuleFiles {
		p := filepath.Join(composePrometheusDir(t), f)
		out, err := exec.Command(promtool, "check", "rules", p).CombinedOutput()
		if err != nil {
			t.Errorf("promtool check rules %s: %v\n%s", p, err, out)
		}
	}
}

// TestComposePromtoolTestRules runs the unit tests of the alerting rules
// (deploy/prometheus/otelstep-alerts.test.yml) with `promtool test rules`.
func TestComposePromtoolTestRules(t *testing.T) {
	promtool := composePromtool(t)
	cmd := exec.Command(promtool, "test", "rules", composeAlertsTestFile)
	cmd.Dir = composePrometheusDir(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules %s: %v\n%s", composeAlertsTestFile, err, out)
	}
	t.Logf("promtool test rules:\n%s", out)
}

// TestComposeAlertRules checks that prometheus.yml loads otelstep-alerts.yml,
// that the prometheus service mounts every rule file where prometheus.yml
// looks for it, and that each rule is an alert with a severity and a summary
// that reads only contract metrics.
func TestComposeAlertRules(t *testing.T) {
	cfg := composeLoadPrometheusConfig(t)
	if !slices.Contains(cfg.RuleFiles, composeAlertsFile) {
		t.Errorf("prometheus.yml rule_files = %q, want %s among them", cfg.RuleFiles, composeAlertsFile)
	}

	// Where the service reads its config, and what it mounts where.
	p := composeMustLoad(t)
	s := composeService(t, p, "prometheus")
	cfgTarget := ""
	for _, arg := range s.Command {
		if v, ok := strings.CutPrefix(arg, "--config.file="); ok {
			cfgTarget = v
		}
	}
	if cfgTarget == "" {
		t.Fatal("the prometheus service sets no --config.file")
	}
	mounts := map[string]string{} // container path -> host path
	for _, v := range s.Volumes {
		mounts[v.Target] = v.Source
	}
	for _, f := range cfg.RuleFiles {
		target := f
		if !path.IsAbs(f) {
			target = path.Join(path.Dir(cfgTarget), f)
		}
		want := filepath.Join(composePrometheusDir(t), filepath.FromSlash(f))
		if got, ok := mounts[target]; !ok {
			t.Errorf("rule file %s: the prometheus service mounts nothing at %s", f, target)
		} else if got != want {
			t.Errorf("rule file %s: the prometheus service mounts %s at %s, want %s", f, got, target, want)
		}
	}

	var alerts []string
	for _, g := range composeLoadAlerts(t).Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("group %s: rule %q is not an alert", g.Name, r.Record)
				continue
			}
			alerts = append(alerts, r.Alert)
			if _, err := composeCheckPromQL(r.Expr); err != nil {
				t.Errorf("alert %s: %v", r.Alert, err)
			}
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s lacks a severity label, a summary or a description", r.Alert)
			}
			if r.For == "" {
				t.Errorf("alert %s has no `for`: one odd sample would fire it", r.Alert)
			}
		}
	}
	for _, want := range composeAlertNames {
		if !slices.Contains(alerts, want) {
			t.Errorf("no alert %s in %s (alerts: %q)", want, composeAlertsFile, alerts)
		}
	}

	// docs/watching.md's "Watching a long job" documents every alert.
	doc, err := os.ReadFile(filepath.Join(composeRepoRoot(t), "docs", "watching.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Watching a long job\n")
	section, _, _ = strings.Cut(section, "\n## ")
	if !ok {
		t.Fatal(`docs/watching.md has no section "Watching a long job"`)
	}
	for _, a := range alerts {
		if !strings.Contains(section, "`"+a+"`") {
			t.Errorf("docs/watching.md, Watching a long job: alert %s is not documented", a)
		}
	}
}

// TestScaledAlertRules checks the copy of the rules that TestLiveWatch
// watches fire: promtool accepts it, and every threshold of time is scaled
// down (a rule edited so that the rewrite misses it fails here).
func TestScaledAlertRules(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(composePrometheusDir(t), composeAlertsFile))
	if err != nil {
		t.Fatal(err)
	}
	scaled := string(scaleAlertRules(body))
	var g composeRuleGroups
	if err := yaml.Unmarshal([]byte(scaled), &g); err != nil {
		t.Fatal(err)
	}
	durRE := regexp.MustCompile(`\[[0-9]+[smhdwy]\]|offset [0-9]+[smhdwy]`)
	for _, grp := range g.Groups {
		for _, r := range grp.Rules {
			if !strings.HasSuffix(r.Alert, scaledSuffix) || r.For != "0s" {
				t.Errorf("scaled alert %q: for %q", r.Alert, r.For)
			}
			for _, d := range durRE.FindAllString(r.Expr, -1) {
				if !strings.Contains(d, "10s") {
					t.Errorf("scaled alert %s keeps %s", r.Alert, d)
				}
			}
			if m := composeAlertThresholdRE.FindStringSubmatch(r.Expr); m != nil && m[1] != "3" {
				t.Errorf("scaled alert %s: age threshold %s, want 3", r.Alert, m[1])
			}
		}
	}
	promtool := composePromtool(t)
	f := filepath.Join(t.TempDir(), "scaled.yml")
	if err := os.WriteFile(f, []byte(scaled), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", f).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules (scaled copy): %v\n%s\n%s", err, out, scaled)
	}
}
