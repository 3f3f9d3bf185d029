package e2e

// The PromQL checker: every query the dashboard sends to Prometheus, and every
// alerting rule, may only read the metric names of the telemetry contract
// (DESIGN.md section 4, plus the step-duration histogram and the active-runs
// gauge).

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
)

// composeAllowedMetrics are the Prometheus names the dashboard may query.
var composeAllowedMetrics = []string{
	"otelstep_run_steps",
	"otelstep_run_progress_ratio",
	"otelstep_runs_active",
	"otelstep_run_remaining_seconds",
	"otelstep_step_progress_ratio",
	"otelstep_step_elapsed_seconds",
	"otelstep_step_duration_seconds_bucket",
	"otelstep_step_duration_seconds_sum",
	"otelstep_step_duration_seconds_count",
	"otelstep_run_finished",
	"otelstep_run_planned",
}

// composeAllowedLabels are the otelstep_* label names the exporter derives
// from the attributes of the contract (otelstep.run, otelstep.component,
// ...) and from otelstep.run.id, which runs made WithRunID carry.
var composeAllowedLabels = []string{
	"otelstep_run",
	"otelstep_run_id",
	"otelstep_component",
	"otelstep_step_result",
	"otelstep_step_number",
	"otelstep_run_part",
}

// composeGrafanaRangeRE matches Grafana's interval variables inside a range
// or subquery bracket, which PromQL cannot parse before Grafana expands them.
var composeGrafanaRangeRE = regexp.MustCompile(`\$\{?__(rate_interval|interval|range)(_ms|_s)?\}?`)

// composeOtelstepIdentRE matches identifiers of the otelstep_ namespace.
var composeOtelstepIdentRE = regexp.MustCompile(`\botelstep_[a-z_]+\b`)

// composeLabelValuesRE matches Grafana's label_values(selector, label).
var composeLabelValuesRE = regexp.MustCompile(`^\s*label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)

// composeCheckPromQL parses a dashboard expression (after expanding Grafana's
// interval variables; $var inside label matchers is a plain string to PromQL)
// and returns the metric names it reads. It fails when the expression does
// not parse, selects series without a fixed metric name, reads a metric
// outside composeAllowedMetrics, or names an otelstep_* identifier that is
// neither an allowed metric nor a known label (a typo in a `by` clause).
func composeCheckPromQL(expr string) ([]string, error) {
	if m := composeLabelValuesRE.FindStringSubmatch(expr); m != nil {
		expr = m[1] // a Grafana variable query: check its selector
	}
	expanded := composeGrafanaRangeRE.ReplaceAllString(expr, "5m")
	ast, err := parser.ParseExpr(expanded)
	if err != nil {
		return nil, fmt.Errorf("%q does not parse: %w", expr, err)
	}
	var names []string
	var bad error
	parser.Inspect(ast, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok || bad != nil {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == "__name__" {
				if m.Type.String() != "=" {
					bad = fmt.Errorf("%q selects metric names by pattern (%s)", expr, m)
					return nil
				}
				name = m.Value
			}
		}
		if name == "" {
			bad = fmt.Errorf("%q has a selector without a metric name", expr)
			return nil
		}
		if !slices.Contains(composeAllowedMetrics, name) {
			bad = fmt.Errorf("%q reads metric %s, which is not in the telemetry contract", expr, name)
			return nil
		}
		names = append(names, name)
		return nil
	})
	if bad != nil {
		return nil, bad
	}
	for _, id := range composeOtelstepIdentRE.FindAllString(expr, -1) {
		if !slices.Contains(composeAllowedMetrics, id) && !slices.Contains(composeAllowedLabels, id) {
			return nil, fmt.Errorf("%q names %s, neither a contract metric nor a known label", expr, id)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%q reads no metric", expr)
	}
	return names, nil
}

// TestComposePromQLChecker shows composeCheckPromQL accepts the dashboard's
// kinds of queries and fails on each kind of mistake.
func TestComposePromQLChecker(t *testing.T) {
	for _, tc := range []struct {
		expr string
		ok   bool
	}{
		{`otelstep_run_progress_ratio`, true},
		{`max by (otelstep_run) (otelstep_run_steps{job=~"$service", otelstep_run=~"$run"})`, true},
		{`histogram_quantile(0.95, sum by (le, otelstep_component) (rate(otelstep_step_duration_seconds_bucket[$__rate_interval])))`, true},
		{`sum(rate(otelstep_step_duration_seconds_sum[${__interval}])) / sum(rate(otelstep_step_duration_seconds_count[5m]))`, true},
		{`label_values(otelstep_run_steps{job=~"$service"}, otelstep_run)`, true},
		{`{__name__="otelstep_runs_active"}`, true},
		{`otelstep_run_step`, false},                                      // typo in a metric
		{`up`, false},                                                     // a metric outside the contract
		{`rate(otelstep_steps_total[1m])`, false},                         // an invented counter
		{`sum by (otelstep_compnent) (otelstep_run_steps)`, false},        // typo in a label
		{`{__name__=~"otelstep_.*"}`, false},                              // names by pattern
		{`{otelstep_run="x"}`, false},                                     // no metric name at all
		{`otelstep_run_steps{`, false},                                    // does not parse
		{`otelstep_run_steps / on() group_left jaeger_build_info`, false}, // a second, foreign metric
		{`label_values(process_cpu_seconds_total, job)`, false},           // a variable query off-contract
		{`vector(1)`, false},                                              // reads nothing
	} {
		_, err := composeCheckPromQL(tc.expr)
		if (err == nil) != tc.ok {
			t.Errorf("composeCheckPromQL(%q) error = %v, want ok=%v", tc.expr, err, tc.ok)
		}
	}
}

// composeIsPromQLish reports whether a Loki or other expression mentions an
// otelstep metric name: such a query belongs on the Prometheus datasource.
func composeIsPromQLish(expr string) bool {
	for _, m := range composeAllowedMetrics {
		if strings.Contains(expr, m) {
			return true
		}
	}
	return false
}
