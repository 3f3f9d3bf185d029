package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// TestComposeDemoImageUsesModuleToolchain checks that the demo image builds
// with the Go toolchain go.mod names, the one with the standard library's
// security fixes that scripts/vulncheck.sh asks for.
func TestComposeDemoImageUsesModuleToolchain(t *testing.T) {
	root := composeRepoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mod.Toolchain == nil {
		t.Fatal("go.mod names no toolchain")
	}
	want := "golang:" + strings.TrimPrefix(mod.Toolchain.Name, "go")

	demo := composeService(t, composeMustLoad(t), "demo")
	if demo.Build == nil {
		t.Fatal("the demo service is not built from a Dockerfile")
	}
	froms := composeDockerfileFroms(t, composeDockerfilePath(t, demo.Build))
	for _, img := range froms {
		if strings.HasPrefix(img, "golang:") {
			if img != want {
				t.Errorf("the demo builds with %s; go.mod names %s, so want %s", img, mod.Toolchain.Name, want)
			}
			return
		}
	}
	t.Errorf("no golang build stage in the demo's Dockerfile: %v", froms)
}
