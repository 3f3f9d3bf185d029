package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// composeProjectName is the project name docker-compose.yml declares.
const composeProjectName = "otelstep"

// composeTestEnv is the environment docker-compose.yml is interpolated with in
// these tests: what a user exports before `docker compose up`.
func composeTestEnv() map[string]string {
	return map[string]string{"GRAFANA_ADMIN_PASSWORD": "compose-test-password"}
}

// composeRepoRoot returns the repository root: the parent of e2e/, where
// `go test` runs this package.
func composeRepoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(wd)
	if _, err := os.Stat(filepath.Join(root, "docker-compose.yml")); err != nil {
		t.Fatalf("repository root %s has no docker-compose.yml: %v", root, err)
	}
	return root
}

// composeLoad loads and validates docker-compose.yml against the compose
// specification (JSON schema and consistency checks), interpolating env.
// Relative paths are resolved against the repository root.
func composeLoad(t testing.TB, env map[string]string) (*types.Project, error) {
	t.Helper()
	root := composeRepoRoot(t)
	details := types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, "docker-compose.yml")}},
		Environment: env,
	}
	return loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName(composeProjectName, true)
		o.SkipValidation = false
		o.SkipConsistencyCheck = false
		o.ResolvePaths = true
	})
}

// composeMustLoad is composeLoad with the test environment, failing the test
// on any error.
func composeMustLoad(t testing.TB) *types.Project {
	t.Helper()
	p, err := composeLoad(t, composeTestEnv())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return p
}

// composeService returns the named service of p, failing the test if absent.
func composeService(t testing.TB, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, ok := p.Services[name]
	if !ok {
		t.Fatalf("docker-compose.yml has no service %q", name)
	}
	return s
}

// composeEnvValue returns the value of key in a service's environment.
func composeEnvValue(env types.MappingWithEquals, key string) (string, bool) {
	v, ok := env[key]
	if !ok || v == nil {
		return "", false
	}
	return *v, true
}

// composeLoadDetails loads arbitrary compose config details with the same
// options as composeLoad.
func composeLoadDetails(details types.ConfigDetails) (*types.Project, error) {
	return loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName(composeProjectName, true)
		o.ResolvePaths = true
	})
}

// composeDockerfilePath returns the absolute path of a build's Dockerfile.
func composeDockerfilePath(t testing.TB, b *types.BuildConfig) string {
	t.Helper()
	name := b.Dockerfile
	if name == "" {
		name = "Dockerfile"
	}
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(b.Context, name)
}

// composeDockerfileFroms returns the images of a Dockerfile's FROM lines, in
// order, skipping references to earlier stages.
func composeDockerfileFroms(t testing.TB, path string) []string {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	var froms []string
	stages := map[string]bool{}
	for _, line := range strings.Split(string(body), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.EqualFold(f[0], "FROM") {
			continue
		}
		i := 1
		for i < len(f) && strings.HasPrefix(f[i], "--") {
			i++
		}
		if i == len(f) {
			continue
		}
		if image := f[i]; !stages[strings.ToLower(image)] {
			froms = append(froms, image)
		}
		if len(f) >= i+3 && strings.EqualFold(f[i+1], "AS") {
			stages[strings.ToLower(f[i+2])] = true
		}
	}
	if len(froms) == 0 {
		t.Fatalf("%s has no FROM line", path)
	}
	return froms
}
