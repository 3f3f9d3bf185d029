package e2e

// Checks of docker-compose.yml that need no Docker engine: the compose-spec
// schema (through compose-go's loader) and what the schema cannot say about
// this stack (loopback-only ports, pinned images, mounted files that exist,
// Grafana auth, and the wiring between Jaeger, Loki, Prometheus and the demo).

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/distribution/reference"
)

// composeJaegerConfigPath is the Jaeger config the stack mounts: the very file
// the e2e tests run a local Jaeger with, relative to the repository root.
const composeJaegerConfigPath = "deploy/jaeger/config.yaml"

// composeJaegerConfigTarget is where the jaeger service reads its config.
const composeJaegerConfigTarget = "/etc/jaeger/config.yaml"

// TestComposeFileValid loads docker-compose.yml with schema validation on and
// checks that the stack's services are all there.
func TestComposeFileValid(t *testing.T) {
	p := composeMustLoad(t)
	for _, name := range []string{"jaeger", "prometheus", "loki", "grafana", "demo", "load"} {
		composeService(t, p, name)
	}
}

// TestComposeRejectsSpecErrors shows the loader used above fails on a file
// that breaks the compose spec, so TestComposeFileValid can fail.
func TestComposeRejectsSpecErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "docker-compose.yml")
	body := "services:\n  x:\n    image: busybox:1.36\n    ports: [{target: \"not-a-port\"}]\n    unknown_key: 1\n"
	if err := os.WriteFile(bad, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	details := types.ConfigDetails{WorkingDir: dir, ConfigFiles: []types.ConfigFile{{Filename: bad}}}
	if _, err := composeLoadDetails(details); err == nil {
		t.Fatal("compose-go accepted a file with an unknown key and a bad port")
	}
}

// TestComposeGrafanaPasswordRequired checks that the stack will not start
// with a default Grafana admin password: interpolation fails without
// GRAFANA_ADMIN_PASSWORD.
func TestComposeGrafanaPasswordRequired(t *testing.T) {
	if _, err := composeLoad(t, map[string]string{}); err == nil {
		t.Fatal("docker-compose.yml loads without GRAFANA_ADMIN_PASSWORD: the admin password has a default")
	}
}

// TestComposeBindMountsExist checks that every bind-mounted host path exists
// in the repository.
func TestComposeBindMountsExist(t *testing.T) {
	p := composeMustLoad(t)
	root := composeRepoRoot(t)
	n := 0
	for name, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			n++
			rel, err := filepath.Rel(root, v.Source)
			if err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("service %s mounts %s, outside the repository", name, v.Source)
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("service %s mounts %s, which does not exist: %v", name, rel, err)
			}
		}
	}
	if n == 0 {
		t.Fatal("no bind mounts found: the configs are not mounted")
	}
}

// TestComposePortsLoopbackOnly checks that every published port is bound to
// 127.0.0.1 and that no service shares the host's network.
func TestComposePortsLoopbackOnly(t *testing.T) {
	p := composeMustLoad(t)
	for name, s := range p.Services {
		if s.NetworkMode == "host" {
			t.Errorf("service %s uses network_mode: host", name)
		}
		for _, port := range s.Ports {
			if err := composePortProblem(port); err != nil {
				t.Errorf("service %s: %v", name, err)
			}
		}
	}
}

// composePortProblem reports a published port that is not bound to 127.0.0.1.
func composePortProblem(port types.ServicePortConfig) error {
	if port.HostIP != "127.0.0.1" {
		return errors.New("port " + strconv.Itoa(int(port.Target)) + " is published on host_ip " +
			strconv.Quote(port.HostIP) + ", not 127.0.0.1")
	}
	return nil
}

// TestComposePortChecker shows composePortProblem can fail.
func TestComposePortChecker(t *testing.T) {
	for _, short := range []string{"16686:16686", "0.0.0.0:3000:3000", "9090"} {
		ports, err := types.ParsePortConfig(short)
		if err != nil {
			t.Fatal(err)
		}
		if composePortProblem(ports[0]) == nil {
			t.Errorf("%q was accepted", short)
		}
	}
	ports, _ := types.ParsePortConfig("127.0.0.1:16686:16686")
	if err := composePortProblem(ports[0]); err != nil {
		t.Error(err)
	}
}

// TestComposeImagesPinned checks that every image has a tag other than latest
// or a digest.
func TestComposeImagesPinned(t *testing.T) {
	p := composeMustLoad(t)
	for name, s := range p.Services {
		if s.Image == "" {
			t.Errorf("service %s has no image", name)
			continue
		}
		if err := composeImagePinned(s.Image); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
	}
}

// composeImagePinned reports an image reference that is not pinned.
func composeImagePinned(image string) error {
	ref, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return err
	}
	if _, ok := ref.(reference.Digested); ok {
		return nil
	}
	tagged, ok := ref.(reference.Tagged)
	if !ok {
		return errors.New("image " + image + " has neither tag nor digest")
	}
	if tagged.Tag() == "latest" {
		return errors.New("image " + image + " is tagged latest")
	}
	return nil
}

// TestComposeImageChecker shows composeImagePinned can fail.
func TestComposeImageChecker(t *testing.T) {
	for image, ok := range map[string]bool{
		"grafana/grafana":                            false,
		"grafana/grafana:latest":                     false,
		"prom/prometheus:v3.5.0":                     true,
		"jaegertracing/jaeger:2.13.0":                true,
		"busybox@sha256:" + strings.Repeat("ab", 32): true,
	} {
		if err := composeImagePinned(image); (err == nil) != ok {
			t.Errorf("composeImagePinned(%q) = %v, want ok=%v", image, err, ok)
		}
	}
}

// TestComposeGrafanaNoAnonymousAdmin checks Grafana's auth settings: anonymous
// users get Viewer at most and the admin password comes from the environment.
func TestComposeGrafanaNoAnonymousAdmin(t *testing.T) {
	p := composeMustLoad(t)
	g := composeService(t, p, "grafana")
	for _, problem := range composeGrafanaAuthProblems(g.Environment) {
		t.Error(problem)
	}
	if pw, _ := composeEnvValue(g.Environment, "GF_SECURITY_ADMIN_PASSWORD"); pw != composeTestEnv()["GRAFANA_ADMIN_PASSWORD"] {
		t.Errorf("GF_SECURITY_ADMIN_PASSWORD = %q, want it from GRAFANA_ADMIN_PASSWORD", pw)
	}
}

// composeGrafanaAuthProblems lists what in a Grafana environment would give
// anonymous or self-registered users more than read access.
func composeGrafanaAuthProblems(env types.MappingWithEquals) []string {
	var problems []string
	isTrue := func(key string) bool {
		v, _ := composeEnvValue(env, key)
		b, _ := strconv.ParseBool(v)
		return b
	}
	if isTrue("GF_AUTH_ANONYMOUS_ENABLED") {
		role, _ := composeEnvValue(env, "GF_AUTH_ANONYMOUS_ORG_ROLE")
		if role != "" && !strings.EqualFold(role, "Viewer") {
			problems = append(problems, "anonymous users get role "+role+", want Viewer")
		}
	}
	if isTrue("GF_USERS_ALLOW_SIGN_UP") {
		problems = append(problems, "anyone can sign up (GF_USERS_ALLOW_SIGN_UP)")
	}
	if isTrue("GF_AUTH_PROXY_ENABLED") {
		problems = append(problems, "auth proxy enabled: any client can claim a user")
	}
	pw, ok := composeEnvValue(env, "GF_SECURITY_ADMIN_PASSWORD")
	if !ok || pw == "" || pw == "admin" {
		problems = append(problems, "GF_SECURITY_ADMIN_PASSWORD is unset or the default admin")
	}
	return problems
}

// TestComposeGrafanaAuthChecker shows composeGrafanaAuthProblems can fail.
func TestComposeGrafanaAuthChecker(t *testing.T) {
	s := func(v string) *string { return &v }
	for name, tc := range map[string]struct {
		env  types.MappingWithEquals
		want int
	}{
		"viewer":          {types.MappingWithEquals{"GF_AUTH_ANONYMOUS_ENABLED": s("true"), "GF_AUTH_ANONYMOUS_ORG_ROLE": s("Viewer"), "GF_SECURITY_ADMIN_PASSWORD": s("x")}, 0},
		"anonymous admin": {types.MappingWithEquals{"GF_AUTH_ANONYMOUS_ENABLED": s("true"), "GF_AUTH_ANONYMOUS_ORG_ROLE": s("Admin"), "GF_SECURITY_ADMIN_PASSWORD": s("x")}, 1},
		"default pw":      {types.MappingWithEquals{"GF_SECURITY_ADMIN_PASSWORD": s("admin")}, 1},
		"no pw, sign-up":  {types.MappingWithEquals{"GF_USERS_ALLOW_SIGN_UP": s("true")}, 2},
	} {
		if got := composeGrafanaAuthProblems(tc.env); len(got) != tc.want {
			t.Errorf("%s: problems %q, want %d", name, got, tc.want)
		}
	}
}

// TestComposeHealthchecks checks that every service_healthy dependency has a
// healthcheck, and that no service built on a distroless image (no shell, no
// wget) claims one that could not run.
func TestComposeHealthchecks(t *testing.T) {
	p := composeMustLoad(t)
	for name, s := range p.Services {
		for dep, d := range s.DependsOn {
			if d.Condition != types.ServiceConditionHealthy {
				continue
			}
			target := composeService(t, p, dep)
			if target.HealthCheck == nil || target.HealthCheck.Disable || len(target.HealthCheck.Test) == 0 {
				t.Errorf("service %s waits for %s to be healthy, but %s has no healthcheck", name, dep, dep)
			}
		}
		if s.Build == nil || s.HealthCheck == nil {
			continue
		}
		froms := composeDockerfileFroms(t, composeDockerfilePath(t, s.Build))
		if last := froms[len(froms)-1]; strings.Contains(last, "distroless") && !s.HealthCheck.Disable {
			t.Errorf("service %s has a healthcheck but runs on %s, which has no shell or wget", name, last)
		}
	}
}

// TestComposeJaegerConfig checks the jaeger service runs the Jaeger config
// of the e2e tests, and that compose and that config agree on the
// environment variables that parameterise it.
func TestComposeJaegerConfig(t *testing.T) {
	p := composeMustLoad(t)
	root := composeRepoRoot(t)
	j := composeService(t, p, "jaeger")

	cmd := strings.Join(j.Command, " ")
	if !strings.Contains(cmd, "--config "+composeJaegerConfigTarget) && !strings.Contains(cmd, "--config="+composeJaegerConfigTarget) {
		t.Errorf("jaeger command %q does not load %s", cmd, composeJaegerConfigTarget)
	}
	want := filepath.Join(root, composeJaegerConfigPath)
	mounted := false
	for _, v := range j.Volumes {
		if v.Target == composeJaegerConfigTarget {
			mounted = true
			if v.Type != types.VolumeTypeBind || v.Source != want {
				t.Errorf("jaeger mounts %s (%s) at %s, want ./%s", v.Source, v.Type, v.Target, composeJaegerConfigPath)
			}
		}
	}
	if !mounted {
		t.Errorf("jaeger does not mount ./%s at %s", composeJaegerConfigPath, composeJaegerConfigTarget)
	}
	if host, _ := composeEnvValue(j.Environment, "JAEGER_HOST"); host != "0.0.0.0" {
		t.Errorf("JAEGER_HOST = %q: inside the container Jaeger must listen on 0.0.0.0", host)
	}
	logs, _ := composeEnvValue(j.Environment, "JAEGER_LOGS_ENDPOINT")
	if u, err := url.Parse(logs); err != nil || u.Hostname() != "loki" || u.Port() != "3100" || u.Path != "/otlp" {
		t.Errorf("JAEGER_LOGS_ENDPOINT = %q, want Loki's OTLP endpoint http://loki:3100/otlp", logs)
	}
	composeService(t, p, "loki")

	body, err := os.ReadFile(want)
	if err != nil {
		t.Fatalf("the Jaeger config the stack mounts is missing: %v", err)
	}
	refs := composeEnvRefs(string(body))
	for key := range j.Environment {
		if _, ok := refs[key]; !ok && strings.HasPrefix(key, "JAEGER_") {
			t.Errorf("compose sets %s but %s never reads it", key, composeJaegerConfigPath)
		}
	}
	for key, hasDefault := range refs {
		if _, ok := composeEnvValue(j.Environment, key); !ok && !hasDefault {
			t.Errorf("%s reads ${env:%s} with no default and compose does not set it", composeJaegerConfigPath, key)
		}
	}
}

// composeEnvRefRE matches the collector's ${env:NAME} and ${env:NAME:-default}.
var composeEnvRefRE = regexp.MustCompile(`\$\{env:([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}`)

// composeEnvRefs returns the environment variables a collector config reads,
// each mapped to whether every reference has a default.
func composeEnvRefs(config string) map[string]bool {
	refs := map[string]bool{}
	for _, m := range composeEnvRefRE.FindAllStringSubmatch(config, -1) {
		hasDefault := m[2] != ""
		if prev, ok := refs[m[1]]; ok {
			hasDefault = hasDefault && prev
		}
		refs[m[1]] = hasDefault
	}
	return refs
}

// TestComposeEnvRefs shows composeEnvRefs tells defaults apart.
func TestComposeEnvRefs(t *testing.T) {
	got := composeEnvRefs("a: ${env:A:-1}\nb: ${env:B}\nc: ${env:A}:${env:C:-x}\n")
	want := map[string]bool{"A": false, "B": false, "C": true}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %v, want %v", k, got[k], v)
		}
	}
}

// TestComposeDemoWiring checks the demo exports to the jaeger service's OTLP
// HTTP port every few seconds and that the load generator calls it.
func TestComposeDemoWiring(t *testing.T) {
	p := composeMustLoad(t)
	root := composeRepoRoot(t)
	j := composeService(t, p, "jaeger")
	d := composeService(t, p, "demo")

	httpPort, ok := composeEnvValue(j.Environment, "JAEGER_OTLP_HTTP_PORT")
	if !ok {
		httpPort = "4318"
	}
	for key, want := range map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:" + httpPort,
		"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
		"OTEL_SERVICE_NAME":           "otelstep-demo",
	} {
		if got, _ := composeEnvValue(d.Environment, key); got != want {
			t.Errorf("demo %s = %q, want %q", key, got, want)
		}
	}
	iv, _ := composeEnvValue(d.Environment, "OTEL_METRIC_EXPORT_INTERVAL")
	if ms, err := strconv.Atoi(iv); err != nil || ms <= 0 || ms > 10000 {
		t.Errorf("demo OTEL_METRIC_EXPORT_INTERVAL = %q, want at most 10000 ms", iv)
	}
	if !slices.Contains(d.Command, "-serve") {
		t.Errorf("demo command %q does not run service mode (-serve)", d.Command)
	}
	if d.Build == nil || d.Build.Context != root {
		t.Fatalf("demo is not built from the repository root: %+v", d.Build)
	}
	dockerfile := composeDockerfilePath(t, d.Build)
	if dockerfile != filepath.Join(root, "examples", "jaeger", "Dockerfile") {
		t.Errorf("demo Dockerfile is %s, want examples/jaeger/Dockerfile", dockerfile)
	}
	load := composeService(t, p, "load")
	if script := strings.Join(append(append([]string{}, load.Entrypoint...), load.Command...), " "); !strings.Contains(script, "http://demo:8080/") {
		t.Errorf("load does not call the demo on http://demo:8080/: %q", script)
	}
}

// TestComposeDemoDockerfile checks the demo's Dockerfile builds
// ./examples/jaeger from pinned base images.
func TestComposeDemoDockerfile(t *testing.T) {
	root := composeRepoRoot(t)
	path := filepath.Join(root, "examples", "jaeger", "Dockerfile")
	froms := composeDockerfileFroms(t, path)
	if len(froms) < 2 {
		t.Errorf("Dockerfile has %d stages, want a build stage and a runtime stage", len(froms))
	}
	for _, image := range froms {
		if err := composeImagePinned(image); err != nil {
			t.Errorf("Dockerfile FROM %s: %v", image, err)
		}
	}
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^RUN .*go build .*\./examples/jaeger\b`).Match(body) {
		t.Error("Dockerfile does not `go build ./examples/jaeger`")
	}
}
