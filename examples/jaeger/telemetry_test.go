package main

import (
	"strings"
	"testing"
)

// TestEndpointRedacted checks that the endpoint the demo prints never holds
// the user information, query or fragment of OTEL_EXPORTER_OTLP_ENDPOINT.
func TestEndpointRedacted(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"http://h:4318/?token=S3CR3T", "http://h:4318/"},
		{"https://u:S3CR3T@h:4318/base?token=S3CR3T#S3CR3T", "https://h:4318/base"},
		{"http://127.0.0.1:4318", "http://127.0.0.1:4318"},
		{"h:4317", "h:4317"},
		{"h:4317?token=S3CR3T", "the OTLP endpoint"},
		{"::bad@S3CR3T", "the OTLP endpoint"},
	} {
		t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", tc.env)
		got := endpoint()
		if got != tc.want || strings.Contains(got, "S3CR3T") {
			t.Errorf("endpoint() for %q = %q, want %q", tc.env, got, tc.want)
		}
	}
}
