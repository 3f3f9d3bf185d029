package exporters

import (
	"context"
	"io"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

func TestResource(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		opts       []Option
		service    string
		version    string
		team       string
		viaProcess bool
	}{
		{"option", nil, []Option{WithServiceName("code"), WithServiceVersion("v1.2.3")}, "code", "v1.2.3", "", false},
		{"resource attributes override option", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=attrs,team=core%20infra"}, []Option{WithServiceName("code")}, "attrs", "", "core infra", false},
		{"service name wins", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=attrs", "OTEL_SERVICE_NAME": "env"}, []Option{WithServiceName("code")}, "env", "", "", false},
		{"process env", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=attrs,team=core", "OTEL_SERVICE_NAME": "env"}, []Option{WithServiceName("code")}, "env", "", "core", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]Option{WithConsole(io.Discard), WithGlobals(false)}, tt.opts...)
			clearOTelEnv(t)
			if tt.viaProcess {
				for k, v := range tt.env {
					t.Setenv(k, v)
				}
			} else {
				opts = append(opts, testEnv(t, tt.env))
			}
			ctx := context.Background()
			p, err := Setup(ctx, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown(ctx)
			get := func(k string) string {
				v, _ := p.Resource.Set().Value(attribute.Key(k))
				return v.AsString()
			}
			if got := get("service.name"); got != tt.service {
				t.Errorf("service.name = %q, want %q", got, tt.service)
			}
			if tt.version != "" && get("service.version") != tt.version {
				t.Errorf("service.version = %q, want %q", get("service.version"), tt.version)
			}
			if got := get("team"); got != tt.team {
				t.Errorf("team = %q, want %q", got, tt.team)
			}
			if get("telemetry.sdk.language") != "go" || get("host.name") == "" {
				t.Errorf("missing SDK or host attributes: %v", p.Resource)
			}
		})
	}
}

func TestDefaultServiceName(t *testing.T) {
	clearOTelEnv(t)
	got := serviceAttrs(newConfig(nil))[0].Value.AsString()
	if want := "unknown_service:exporters.test"; got != want {
		t.Errorf("default service.name = %q, want %q", got, want)
	}
}

// TestServiceInstanceID checks that every Setup gets a service.instance.id
// of its own, so that two processes of one service keep metric series of
// their own, and that OTEL_RESOURCE_ATTRIBUTES overrides it.
func TestServiceInstanceID(t *testing.T) {
	ctx := context.Background()
	id := func(env map[string]string) string {
		t.Helper()
		p, err := Setup(ctx, WithConsole(io.Discard), WithGlobals(false), testEnv(t, env))
		if err != nil {
			t.Fatal(err)
		}
		defer p.Shutdown(ctx)
		v, _ := p.Resource.Set().Value("service.instance.id")
		return v.AsString()
	}
	a, b := id(nil), id(nil)
	if a == "" || a == b {
		t.Errorf("service.instance.id %q then %q, want two distinct ids", a, b)
	}
	if got := id(map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.instance.id=pod-7"}); got != "pod-7" {
		t.Errorf("service.instance.id = %q, want the environment's pod-7", got)
	}
}
