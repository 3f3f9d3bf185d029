package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestEndpointRedacted checks that where the demo says its telemetry goes
// never holds the user information, query or fragment of the endpoint.
func TestEndpointRedacted(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing is sent anywhere else
	for _, tc := range []struct{ env, want string }{
		{"http://" + addr + "/?token=S3CR3T", "otlp http/protobuf http://" + addr + "/v1/traces"},
		{"https://u:S3CR3T@" + addr + "/base?token=S3CR3T#S3CR3T", "otlp http/protobuf https://" + addr + "/base/v1/traces"},
	} {
		t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", tc.env)
		env, err := setup(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if env.endpoint != tc.want || strings.Contains(env.endpoint, "S3CR3T") {
			t.Errorf("endpoint for %q = %q, want %q", tc.env, env.endpoint, tc.want)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = env.providers.Shutdown(ctx)
		cancel()
	}
}
