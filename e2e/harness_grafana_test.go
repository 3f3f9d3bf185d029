package e2e

// Running the dashboard's PromQL as Grafana would: the template variables
// ($service, $run) and the built-in intervals ($__interval, $__rate_interval,
// $__range) are filled in the way Grafana's Prometheus datasource does, the
// variable queries (label_values) go to the label values API, and each panel
// target is sent as an instant query at the end of the time range or as a
// range query over it, with Grafana's step.

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// grafanaAll is the value Grafana stores when a variable's "All" is selected.
const grafanaAll = "$__all"

// grafanaTime is a dashboard time range and the values picked for its
// variables (a variable missing from Vars keeps its dashboard default).
type grafanaTime struct {
	From, To time.Time
	// ScrapeInterval is the Prometheus datasource's timeInterval ("Scrape
	// interval"): the lower bound of $__interval, and the base of
	// $__rate_interval.
	ScrapeInterval time.Duration
	// MaxDataPoints is the panel's width in data points (Grafana uses its
	// width in pixels).
	MaxDataPoints int
	Vars          map[string][]string
}

// interval is Grafana's $__interval: the range over MaxDataPoints, never
// below the scrape interval, rounded up to whole seconds (Grafana rounds to
// "nice" steps; for the short ranges of the tests both give the scrape
// interval).
func (g grafanaTime) interval() time.Duration {
	d := g.To.Sub(g.From) / time.Duration(max(g.MaxDataPoints, 1))
	d = max(d, g.ScrapeInterval)
	return (d + time.Second - 1).Truncate(time.Second)
}

// rateInterval is Grafana's $__rate_interval: max($__interval + scrape
// interval, 4 x scrape interval).
func (g grafanaTime) rateInterval() time.Duration {
	return max(g.interval()+g.ScrapeInterval, 4*g.ScrapeInterval)
}

// grafanaVariable is a dashboard template variable.
type grafanaVariable struct {
	Name       string
	Query      string // the variable's query (label_values(...))
	Multi      bool
	IncludeAll bool
	AllValue   string
	Current    []string
}

// grafanaVariables reads the dashboard's template variables.
func grafanaVariables(dash map[string]any) map[string]grafanaVariable {
	out := map[string]grafanaVariable{}
	templating, _ := dash["templating"].(map[string]any)
	list, _ := templating["list"].([]any)
	for _, raw := range list {
		v, _ := raw.(map[string]any)
		gv := grafanaVariable{}
		gv.Name, _ = v["name"].(string)
		gv.Multi, _ = v["multi"].(bool)
		gv.IncludeAll, _ = v["includeAll"].(bool)
		gv.AllValue, _ = v["allValue"].(string)
		q := v["query"]
		if m, ok := q.(map[string]any); ok {
			q = m["query"]
		}
		gv.Query, _ = q.(string)
		if cur, ok := v["current"].(map[string]any); ok {
			switch val := cur["value"].(type) {
			case string:
				gv.Current = []string{val}
			case []any:
				for _, x := range val {
					s, _ := x.(string)
					gv.Current = append(gv.Current, s)
				}
			}
		}
		out[gv.Name] = gv
	}
	return out
}

// grafanaRegularEscape is Grafana's prometheusRegularEscape, for variables
// that are neither multi-value nor have "All".
func grafanaRegularEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\\'`).Replace(s)
}

// grafanaRegexSpecial matches what prometheusSpecialRegexEscape escapes.
var grafanaRegexSpecial = regexp.MustCompile(`[$^*{}\[\]'+?.()|]`)

// grafanaSpecialRegexEscape is Grafana's prometheusSpecialRegexEscape: each
// regex metacharacter gets a backslash, itself escaped for a PromQL string.
func grafanaSpecialRegexEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\\\`)
	return grafanaRegexSpecial.ReplaceAllString(s, `\\$0`)
}

// format renders a variable's values the way the Prometheus datasource's
// interpolateQueryExpr does.
func (v grafanaVariable) format(values []string) string {
	if v.IncludeAll && len(values) == 1 && values[0] == grafanaAll {
		if v.AllValue != "" {
			return v.AllValue
		}
		// Without a custom all value Grafana lists every option; the tests
		// always give one.
	}
	if !v.Multi && !v.IncludeAll {
		return grafanaRegularEscape(strings.Join(values, ","))
	}
	esc := make([]string, len(values))
	for i, s := range values {
		esc[i] = grafanaSpecialRegexEscape(s)
	}
	if len(esc) == 1 {
		return esc[0]
	}
	return "(" + strings.Join(esc, "|") + ")"
}

// grafanaVarRE matches $name, ${name}, ${name:format} and [[name]].
var grafanaVarRE = regexp.MustCompile(`\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)`)

// interpolate fills in the variables and built-in intervals of expr. An
// unknown variable is an error: Grafana would send it as it stands.
func (g grafanaTime) interpolate(expr string, vars map[string]grafanaVariable) (string, error) {
	var bad error
	promDur := func(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) + "s" }
	out := grafanaVarRE.ReplaceAllStringFunc(expr, func(m string) string {
		sub := grafanaVarRE.FindStringSubmatch(m)
		name := sub[1] + sub[2] + sub[3]
		rng := g.To.Sub(g.From)
		switch name {
		case "__interval":
			return promDur(g.interval())
		case "__interval_ms":
			return strconv.FormatInt(g.interval().Milliseconds(), 10)
		case "__rate_interval":
			return promDur(g.rateInterval())
		case "__range":
			return strconv.FormatInt(int64(math.Round(rng.Seconds())), 10) + "s"
		case "__range_s":
			return strconv.FormatInt(int64(math.Round(rng.Seconds())), 10)
		case "__range_ms":
			return strconv.FormatInt(rng.Milliseconds(), 10)
		}
		v, ok := vars[name]
		if !ok {
			bad = fmt.Errorf("%q uses $%s, which is no variable of the dashboard", expr, name)
			return m
		}
		values, ok := g.Vars[name]
		if !ok {
			values = v.Current
		}
		return v.format(values)
	})
	return out, bad
}

// grafanaPromTarget is one Prometheus query of a dashboard panel.
type grafanaPromTarget struct {
	Panel, RefID, Expr string
	Instant, Range     bool
}

// grafanaDatasourceType returns the type of the datasource a panel or
// target refers to ({"uid": ...}, types by uid in uids), or fallback when
// the reference is absent or its uid unknown.
func grafanaDatasourceType(uids map[string]string, ref any, fallback string) string {
	if m, ok := ref.(map[string]any); ok {
		if uid, _ := m["uid"].(string); uids[uid] != "" {
			return uids[uid]
		}
	}
	return fallback
}

// grafanaEachTarget calls fn with every target of the dashboard's panels
// (nested rows included), its panel's title and its datasource type: the
// target's own, else its panel's (types by uid in uids).
func grafanaEachTarget(dash map[string]any, uids map[string]string, fn func(title string, target map[string]any, dsType string)) {
	var walk func(list []any)
	walk = func(list []any) {
		for _, raw := range list {
			panel, _ := raw.(map[string]any)
			title, _ := panel["title"].(string)
			pt := grafanaDatasourceType(uids, panel["datasource"], "")
			targets, _ := panel["targets"].([]any)
			for _, rt := range targets {
				target, _ := rt.(map[string]any)
				fn(title, target, grafanaDatasourceType(uids, target["datasource"], pt))
			}
			nested, _ := panel["panels"].([]any)
			walk(nested)
		}
	}
	top, _ := dash["panels"].([]any)
	walk(top)
}

// grafanaPromTargets lists the Prometheus queries of the dashboard's panels
// (nested rows included), given the datasource types by uid.
func grafanaPromTargets(dash map[string]any, uids map[string]string) []grafanaPromTarget {
	var out []grafanaPromTarget
	grafanaEachTarget(dash, uids, func(title string, tg map[string]any, dsType string) {
		expr, _ := tg["expr"].(string)
		if hide, _ := tg["hide"].(bool); hide || expr == "" || dsType != "prometheus" {
			return
		}
		refID, _ := tg["refId"].(string)
		instant, _ := tg["instant"].(bool)
		rng, _ := tg["range"].(bool)
		if !instant && !rng {
			rng = true // Grafana's default
		}
		out = append(out, grafanaPromTarget{Panel: title, RefID: refID, Expr: expr, Instant: instant, Range: rng})
	})
	return out
}

// grafanaRunDashboard runs every Prometheus query of the dashboard (panel
// targets and variable queries) against p over g, as Grafana would, and
// returns one problem per query that fails or returns no data (no series, or
// only NaN/Inf values). Variable queries must also offer the value g picks.
func grafanaRunDashboard(ctx context.Context, p *promServer, dash map[string]any, uids map[string]string, g grafanaTime) (problems []string, ran int) {
	vars := grafanaVariables(dash)
	for name, v := range vars {
		m := composeLabelValuesRE.FindStringSubmatch(v.Query)
		if m == nil {
			problems = append(problems, fmt.Sprintf("variable %s: query %q is not label_values(selector, label)", name, v.Query))
			continue
		}
		sel, err := g.interpolate(m[1], vars)
		if err != nil {
			problems = append(problems, fmt.Sprintf("variable %s: %v", name, err))
			continue
		}
		ran++
		values, err := p.labelValues(ctx, m[2], sel, g.From, g.To)
		if err != nil {
			problems = append(problems, fmt.Sprintf("variable %s: label_values(%s, %s): %v", name, sel, m[2], err))
			continue
		}
		for _, want := range g.Vars[name] {
			if want != grafanaAll && !containsString(values, want) {
				problems = append(problems, fmt.Sprintf("variable %s: label_values(%s, %s) = %q, without %q", name, sel, m[2], values, want))
			}
		}
	}
	for _, tg := range grafanaPromTargets(dash, uids) {
		where := fmt.Sprintf("panel %q target %s", tg.Panel, tg.RefID)
		q, err := g.interpolate(tg.Expr, vars)
		if err != nil {
			problems = append(problems, where+": "+err.Error())
			continue
		}
		if tg.Instant {
			ran++
			res, err := p.queryAt(ctx, q, g.To)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: instant %s: %v", where, q, err))
			} else if !promHasData(res) {
				problems = append(problems, fmt.Sprintf("%s: instant query at %s returned no data: %s (%v)", where, g.To.Format(time.TimeOnly), q, res))
			}
		}
		if tg.Range {
			ran++
			res, err := p.queryRange(ctx, q, g.From, g.To, g.interval())
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: range %s: %v", where, q, err))
			} else if !promRangeHasData(res) {
				problems = append(problems, fmt.Sprintf("%s: range query over [%s, %s] returned no data: %s", where, g.From.Format(time.TimeOnly), g.To.Format(time.TimeOnly), q))
			}
		}
	}
	return problems, ran
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// promHasData reports whether an instant result has a finite value.
func promHasData(res []promSample) bool {
	for _, s := range res {
		if !math.IsNaN(s.Value) && !math.IsInf(s.Value, 0) {
			return true
		}
	}
	return false
}

// promRangeHasData reports whether a range result has a finite value.
func promRangeHasData(res []promSeries) bool {
	for _, s := range res {
		if promHasData(s.Values) {
			return true
		}
	}
	return false
}

// promSeries is one series of a range query.
type promSeries struct {
	Metric map[string]string
	Values []promSample // Metric left nil
	Times  []time.Time
}

// queryAt runs an instant query at time at.
func (p *promServer) queryAt(ctx context.Context, q string, at time.Time) ([]promSample, error) {
	return p.instant(ctx, url.Values{"query": {q}, "time": {promTime(at)}})
}

// promMatrix is a Prometheus API response whose result is a range vector:
// that of query_range, or of an instant query of a range selector.
type promMatrix struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Values [][2]any          `json:"values"`
		} `json:"result"`
	} `json:"data"`
}

// queryRange runs a range query over [from, to] with the given step.
func (p *promServer) queryRange(ctx context.Context, q string, from, to time.Time, step time.Duration) ([]promSeries, error) {
	v := url.Values{"query": {q}, "start": {promTime(from)}, "end": {promTime(to)}, "step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)}}
	var r promMatrix
	if err := getJSON(ctx, p.URL()+"/api/v1/query_range?"+v.Encode(), &r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("query_range %s: %s %s", q, r.Status, r.Error)
	}
	var out []promSeries
	for _, s := range r.Data.Result {
		ps := promSeries{Metric: s.Metric}
		for _, pair := range s.Values {
			ts, _ := pair[0].(float64)
			str, _ := pair[1].(string)
			val, err := strconv.ParseFloat(str, 64)
			if err != nil {
				return nil, fmt.Errorf("query_range %s: value %v: %w", q, pair, err)
			}
			ps.Values = append(ps.Values, promSample{Value: val})
			ps.Times = append(ps.Times, time.UnixMilli(int64(ts*1000)))
		}
		out = append(out, ps)
	}
	return out, nil
}

// labelValues asks for the values of label on the series matching sel over
// [from, to], as Grafana's label_values(sel, label) does.
func (p *promServer) labelValues(ctx context.Context, label, sel string, from, to time.Time) ([]string, error) {
	v := url.Values{"match[]": {sel}, "start": {promTime(from)}, "end": {promTime(to)}}
	var r struct {
		Status string   `json:"status"`
		Error  string   `json:"error"`
		Data   []string `json:"data"`
	}
	if err := getJSON(ctx, p.URL()+"/api/v1/label/"+url.PathEscape(label)+"/values?"+v.Encode(), &r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("label values %s{%s}: %s %s", label, sel, r.Status, r.Error)
	}
	return r.Data, nil
}

// promTime formats t for the Prometheus HTTP API (Unix seconds).
func promTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
}

// TestGrafanaInterpolate shows the variables and intervals are filled in as
// Grafana's Prometheus datasource does, and that an unknown variable fails.
func TestGrafanaInterpolate(t *testing.T) {
	vars := map[string]grafanaVariable{
		"service": {Name: "service", Current: []string{"otelstep-demo"}},
		"run":     {Name: "run", Multi: true, IncludeAll: true, AllValue: ".*", Current: []string{grafanaAll}},
	}
	from := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	g := grafanaTime{From: from, To: from.Add(time.Hour), ScrapeInterval: 5 * time.Second, MaxDataPoints: 1000}
	for _, tc := range []struct {
		vars map[string][]string
		in   string
		want string
	}{
		{nil, `x{job=~"$service", otelstep_run=~"$run"}`, `x{job=~"otelstep-demo", otelstep_run=~".*"}`},
		{map[string][]string{"service": {`it's`}}, `x{job=~"${service}"}`, `x{job=~"it\\'s"}`},
		{map[string][]string{"run": {"compile"}}, `x{otelstep_run=~"[[run]]"}`, `x{otelstep_run=~"compile"}`},
		{map[string][]string{"run": {"a.b", "c"}}, `x{otelstep_run=~"$run"}`, `x{otelstep_run=~"(a\\.b|c)"}`},
		// 1h over 1000 points is 3.6 s, below the 5 s scrape interval.
		{nil, `rate(x[$__rate_interval]) * $__interval_ms`, `rate(x[20s]) * 5000`},
		{nil, `increase(x[$__range]) / ${__interval}`, `increase(x[3600s]) / 5s`},
	} {
		g.Vars = tc.vars
		got, err := g.interpolate(tc.in, vars)
		if err != nil || got != tc.want {
			t.Errorf("interpolate(%q) with %v = %q, %v; want %q", tc.in, tc.vars, got, err, tc.want)
		}
	}
	if _, err := g.interpolate(`x{job=~"$servce"}`, vars); err == nil {
		t.Error("interpolate accepted the unknown variable $servce")
	}
	g.To = from.Add(24 * time.Hour) // 86.4 s per point
	if got := g.rateInterval(); got != 92*time.Second {
		t.Errorf("$__rate_interval over 24h = %s, want 87s + 5s", got)
	}
}
