package e2e

// Checks of Grafana's provisioning and the otelstep dashboard: Grafana cannot
// run here, so its files are parsed and cross-checked instead.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// composeDashboardUID is the fixed uid of deploy/grafana/dashboards/otelstep.json.
const composeDashboardUID = "otelstep-overview"

// composeGrafanaBuiltinUIDs are datasource uids Grafana defines itself.
var composeGrafanaBuiltinUIDs = []string{"grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --"}

// composeDatasources is Grafana's datasource provisioning file.
type composeDatasources struct {
	APIVersion  int `yaml:"apiVersion"`
	Datasources []struct {
		Name           string         `yaml:"name"`
		UID            string         `yaml:"uid"`
		Type           string         `yaml:"type"`
		Access         string         `yaml:"access"`
		URL            string         `yaml:"url"`
		OrgID          int            `yaml:"orgId"`
		IsDefault      bool           `yaml:"isDefault"`
		Editable       bool           `yaml:"editable"`
		Version        int            `yaml:"version"`
		BasicAuth      bool           `yaml:"basicAuth"`
		JSONData       map[string]any `yaml:"jsonData"`
		SecureJSONData map[string]any `yaml:"secureJsonData"`
	} `yaml:"datasources"`
	DeleteDatasources []map[string]any `yaml:"deleteDatasources"`
}

// composeDashboardProviders is Grafana's dashboard provisioning file.
type composeDashboardProviders struct {
	APIVersion int `yaml:"apiVersion"`
	Providers  []struct {
		Name                  string `yaml:"name"`
		OrgID                 int    `yaml:"orgId"`
		Folder                string `yaml:"folder"`
		FolderUID             string `yaml:"folderUid"`
		Type                  string `yaml:"type"`
		DisableDeletion       bool   `yaml:"disableDeletion"`
		AllowUIUpdates        bool   `yaml:"allowUiUpdates"`
		UpdateIntervalSeconds int    `yaml:"updateIntervalSeconds"`
		Options               struct {
			Path                      string `yaml:"path"`
			FoldersFromFilesStructure bool   `yaml:"foldersFromFilesStructure"`
		} `yaml:"options"`
	} `yaml:"providers"`
}

// composeGrafanaDir returns deploy/grafana in the repository.
func composeGrafanaDir(t testing.TB) string {
	return filepath.Join(composeRepoRoot(t), "deploy", "grafana")
}

// composeReadYAML decodes every *.yaml and *.yml file of dir into a new T,
// rejecting keys T does not know (a misspelt key is silently ignored by
// Grafana).
func composeReadYAML[T any](t testing.TB, dir string) []T {
	t.Helper()
	var files []string
	for _, pattern := range []string{"*.yaml", "*.yml"} {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatalf("no provisioning YAML in %s", dir)
	}
	var out []T
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v T
		dec := yaml.NewDecoder(strings.NewReader(string(body)))
		dec.KnownFields(true)
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, v)
	}
	return out
}

// composeProvisionedDatasources returns the provisioned datasources' types by
// uid, checking each is well formed and points at a compose service.
func composeProvisionedDatasources(t testing.TB) map[string]string {
	t.Helper()
	p := composeMustLoad(t)
	uids := map[string]string{}
	for _, file := range composeReadYAML[composeDatasources](t, filepath.Join(composeGrafanaDir(t), "provisioning", "datasources")) {
		if file.APIVersion != 1 {
			t.Errorf("datasources apiVersion %d, want 1", file.APIVersion)
		}
		for _, ds := range file.Datasources {
			if ds.UID == "" || ds.Type == "" || ds.Name == "" {
				t.Errorf("datasource %+v lacks a name, uid or type", ds)
				continue
			}
			if _, dup := uids[ds.UID]; dup {
				t.Errorf("datasource uid %s defined twice", ds.UID)
			}
			uids[ds.UID] = ds.Type
			u, err := url.Parse(ds.URL)
			if err != nil || u.Host == "" {
				t.Errorf("datasource %s has URL %q", ds.UID, ds.URL)
				continue
			}
			if _, ok := p.Services[u.Hostname()]; !ok {
				t.Errorf("datasource %s points at %s, not a compose service", ds.UID, u.Host)
			}
		}
	}
	for _, typ := range []string{"prometheus", "jaeger", "loki"} {
		found := false
		for _, got := range uids {
			found = found || got == typ
		}
		if !found {
			t.Errorf("no %s datasource provisioned", typ)
		}
	}
	return uids
}

// TestComposeGrafanaProvisioning checks the datasources and the dashboard
// provider against the mounts of the grafana service.
func TestComposeGrafanaProvisioning(t *testing.T) {
	uids := composeProvisionedDatasources(t)

	// Loki's derived trace-ID links must open an existing datasource.
	for _, file := range composeReadYAML[composeDatasources](t, filepath.Join(composeGrafanaDir(t), "provisioning", "datasources")) {
		for _, ds := range file.Datasources {
			fields, _ := ds.JSONData["derivedFields"].([]any)
			for _, f := range fields {
				m, _ := f.(map[string]any)
				if target, ok := m["datasourceUid"].(string); ok {
					if _, ok := uids[target]; !ok {
						t.Errorf("datasource %s derived field links to unknown uid %s", ds.UID, target)
					}
				}
			}
		}
	}

	p := composeMustLoad(t)
	g := composeService(t, p, "grafana")
	mounts := map[string]string{} // container path -> host path
	for _, v := range g.Volumes {
		mounts[v.Target] = v.Source
	}
	if src := mounts["/etc/grafana/provisioning"]; src != filepath.Join(composeGrafanaDir(t), "provisioning") {
		t.Errorf("grafana mounts %q at /etc/grafana/provisioning, want deploy/grafana/provisioning", src)
	}
	providers := composeReadYAML[composeDashboardProviders](t, filepath.Join(composeGrafanaDir(t), "provisioning", "dashboards"))
	loaded := false
	for _, file := range providers {
		for _, pr := range file.Providers {
			src, ok := mounts[pr.Options.Path]
			if pr.Type != "file" || !ok {
				t.Errorf("dashboard provider %s reads %s, which the grafana service does not mount", pr.Name, pr.Options.Path)
				continue
			}
			if _, err := os.Stat(filepath.Join(src, "otelstep.json")); err == nil {
				loaded = true
			}
		}
	}
	if !loaded {
		t.Error("no dashboard provider loads otelstep.json")
	}
}

// composeDashboardQuery is one query found in a dashboard.
type composeDashboardQuery struct {
	Where, DatasourceType, Expr string
}

// composeDashboardProblems walks a dashboard and lists every datasource
// reference that is not provisioned (uids maps uid to type), every PromQL
// query that fails composeCheckPromQL, and every Loki query that is empty or
// holds PromQL; it also returns all the queries it found.
func composeDashboardProblems(dash map[string]any, uids map[string]string) ([]string, []composeDashboardQuery) {
	var problems []string
	var queries []composeDashboardQuery

	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["datasource"]; ok {
				if m, ok := ref.(map[string]any); !ok {
					problems = append(problems, fmt.Sprintf("%s: datasource %v is not a {type, uid} reference", where, ref))
				} else if uid, _ := m["uid"].(string); !slices.Contains(composeGrafanaBuiltinUIDs, uid) {
					if typ, ok := uids[uid]; !ok {
						problems = append(problems, fmt.Sprintf("%s: datasource uid %q is not provisioned", where, uid))
					} else if want, _ := m["type"].(string); want != "" && want != typ {
						problems = append(problems, fmt.Sprintf("%s: datasource %s has type %s, not %s", where, uid, typ, want))
					}
				}
			}
			for k, child := range v {
				walk(where+"."+k, child)
			}
		case []any:
			for i, child := range v {
				walk(fmt.Sprintf("%s[%d]", where, i), child)
			}
		}
	}
	walk("dashboard", dash)

	grafanaEachTarget(dash, uids, func(title string, target map[string]any, dsType string) {
		expr, _ := target["expr"].(string)
		queries = append(queries, composeDashboardQuery{"panel " + title, dsType, expr})
	})

	templating, _ := dash["templating"].(map[string]any)
	vars, _ := templating["list"].([]any)
	for _, rv := range vars {
		v, _ := rv.(map[string]any)
		if v["type"] != "query" {
			continue
		}
		q := v["query"]
		if m, ok := q.(map[string]any); ok {
			q = m["query"]
		}
		expr, _ := q.(string)
		queries = append(queries, composeDashboardQuery{fmt.Sprintf("variable %v", v["name"]), grafanaDatasourceType(uids, v["datasource"], ""), expr})
	}

	for _, q := range queries {
		switch q.DatasourceType {
		case "prometheus":
			if _, err := composeCheckPromQL(q.Expr); err != nil {
				problems = append(problems, q.Where+": "+err.Error())
			}
		case "loki":
			if strings.TrimSpace(q.Expr) == "" || composeIsPromQLish(q.Expr) {
				problems = append(problems, fmt.Sprintf("%s: Loki query %q is empty or PromQL", q.Where, q.Expr))
			}
		}
	}
	return problems, queries
}

// composeLoadDashboard reads deploy/grafana/dashboards/otelstep.json.
func composeLoadDashboard(t testing.TB) map[string]any {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(composeGrafanaDir(t), "dashboards", "otelstep.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(body, &dash); err != nil {
		t.Fatalf("otelstep.json: %v", err)
	}
	return dash
}

// TestComposeDashboard checks the otelstep dashboard: fixed uid, provisioned
// datasources only, contract metric names only, and one panel for each view
// docs/watching.md promises.
func TestComposeDashboard(t *testing.T) {
	uids := composeProvisionedDatasources(t)
	dash := composeLoadDashboard(t)
	if dash["uid"] != composeDashboardUID {
		t.Errorf("dashboard uid = %v, want %s", dash["uid"], composeDashboardUID)
	}
	if _, ok := dash["id"]; ok {
		t.Error("dashboard JSON has an id: provisioned dashboards must leave it to Grafana")
	}
	problems, queries := composeDashboardProblems(dash, uids)
	for _, p := range problems {
		t.Error(p)
	}

	has := func(typ, substr string) bool {
		return slices.ContainsFunc(queries, func(q composeDashboardQuery) bool {
			return q.DatasourceType == typ && strings.Contains(q.Expr, substr)
		})
	}
	for _, want := range []struct{ typ, substr, what string }{
		{"prometheus", "otelstep_run_progress_ratio", "progress per run"},
		{"prometheus", "otelstep_run_steps", "steps taken"},
		{"prometheus", "rate(otelstep_step_duration_seconds_count", "steps per second"},
		{"prometheus", "otelstep_runs_active", "active runs"},
		{"prometheus", "histogram_quantile", "step durations by component"},
		{"prometheus", "otelstep_run_remaining_seconds", "time left per run"},
		{"prometheus", "otelstep_step_progress_ratio", "in-step progress per component"},
		{"prometheus", "otelstep_step_elapsed_seconds", "steps running now"},
		{"prometheus", "otelstep_run_part", "parts of a run"},
		{"loki", "service_name", "logs"},
	} {
		if !has(want.typ, want.substr) {
			t.Errorf("no %s query with %q: the %s panel is missing", want.typ, want.substr, want.what)
		}
	}
	composeCheckRunningStepsPanels(t, dash)
	body, _ := json.Marshal(dash)
	if !strings.Contains(string(body), "localhost:16686/search?service=") {
		t.Error("the dashboard links nowhere into the Jaeger UI")
	}
	if !slices.ContainsFunc(queries, func(q composeDashboardQuery) bool { return q.DatasourceType == "jaeger" }) {
		t.Error("no panel queries the Jaeger datasource")
	}
}

// composeAlertThresholdRE finds the age threshold of OtelstepStepRunningLong.
var composeAlertThresholdRE = regexp.MustCompile(`otelstep_step_elapsed_seconds\s*>\s*([0-9.]+)`)

// composeCheckRunningStepsPanels checks that each panel showing the age of
// running steps (otelstep_step_elapsed_seconds) makes a stuck step stand out:
// seconds as the unit, and red from the threshold of the
// OtelstepStepRunningLong alert on; and that it shows only ages that still
// grow (changes(...)), since an ended step's last age lingers in the exporter.
func composeCheckRunningStepsPanels(t *testing.T, dash map[string]any) {
	t.Helper()
	var threshold float64 = -1
	for _, g := range composeLoadAlerts(t).Groups {
		for _, r := range g.Rules {
			if m := composeAlertThresholdRE.FindStringSubmatch(r.Expr); r.Alert == "OtelstepStepRunningLong" && m != nil {
				threshold, _ = strconv.ParseFloat(m[1], 64)
			}
		}
	}
	if threshold < 0 {
		t.Fatal("OtelstepStepRunningLong has no `otelstep_step_elapsed_seconds > N` threshold")
	}
	n := 0
	panels, _ := dash["panels"].([]any)
	for _, raw := range panels {
		panel, _ := raw.(map[string]any)
		title, _ := panel["title"].(string)
		body, _ := json.Marshal(panel["targets"])
		if !strings.Contains(string(body), "otelstep_step_elapsed_seconds") {
			continue
		}
		n++
		if !strings.Contains(string(body), "changes(otelstep_step_elapsed_seconds") {
			t.Errorf("panel %q shows every elapsed series, also the frozen last age of steps that ended", title)
		}
		fc, _ := panel["fieldConfig"].(map[string]any)
		defaults, _ := fc["defaults"].(map[string]any)
		if defaults["unit"] != "s" {
			t.Errorf("panel %q: unit %v, want s", title, defaults["unit"])
		}
		th, _ := defaults["thresholds"].(map[string]any)
		steps, _ := th["steps"].([]any)
		red := false
		for _, rs := range steps {
			st, _ := rs.(map[string]any)
			v, _ := st["value"].(float64)
			red = red || (st["color"] == "red" && v == threshold)
		}
		if !red {
			t.Errorf("panel %q: no red threshold at %v s, the age at which OtelstepStepRunningLong fires: thresholds %v", title, threshold, steps)
		}
	}
	if n == 0 {
		t.Error("no panel shows the age of running steps (otelstep_step_elapsed_seconds)")
	}
}

// TestComposeDashboardChecker shows composeDashboardProblems fails on an
// unknown datasource uid, a mistyped reference, a legacy name reference, an
// off-contract metric and PromQL sent to Loki.
func TestComposeDashboardChecker(t *testing.T) {
	uids := map[string]string{"p": "prometheus", "l": "loki"}
	for name, tc := range map[string]struct {
		json string
		want int
	}{
		"good": {`{"panels":[{"datasource":{"type":"prometheus","uid":"p"},"targets":[{"expr":"otelstep_run_steps"}]},
			{"datasource":{"uid":"l"},"targets":[{"expr":"{service_name=\"x\"}"}]}]}`, 0},
		"unknown uid":    {`{"panels":[{"datasource":{"type":"prometheus","uid":"nope"},"targets":[]}]}`, 1},
		"wrong type":     {`{"panels":[{"datasource":{"type":"loki","uid":"p"},"targets":[]}]}`, 1},
		"legacy name":    {`{"panels":[{"datasource":"Prometheus","targets":[]}]}`, 1},
		"bad metric":     {`{"panels":[{"datasource":{"uid":"p"},"targets":[{"expr":"rate(http_requests_total[5m])"}]}]}`, 1},
		"target uid":     {`{"panels":[{"datasource":{"uid":"p"},"targets":[{"datasource":{"uid":"x"},"expr":"otelstep_run_steps"}]}]}`, 1},
		"promql to loki": {`{"panels":[{"datasource":{"uid":"l"},"targets":[{"expr":"otelstep_run_steps"}]}]}`, 1},
		"bad variable": {`{"templating":{"list":[{"type":"query","name":"v","datasource":{"uid":"p"},
			"query":{"query":"label_values(node_load1, instance)"}}]}}`, 1},
	} {
		var dash map[string]any
		if err := json.Unmarshal([]byte(tc.json), &dash); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, _ := composeDashboardProblems(dash, uids); len(got) != tc.want {
			t.Errorf("%s: problems %q, want %d", name, got, tc.want)
		}
	}
}
