package exporters

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

const (
	resourceAttributesKey = "OTEL_RESOURCE_ATTRIBUTES"
	serviceNameKey        = "OTEL_SERVICE_NAME"
)

// newResource builds the resource, later sources overriding earlier ones:
// telemetry.sdk.* and host.*; service.name and service.version from the
// options, the build information or the executable name; a random
// service.instance.id (so that processes of one service keep metric series
// of their own, as a job's workers must); then OTEL_RESOURCE_ATTRIBUTES;
// then OTEL_SERVICE_NAME.
func newResource(ctx context.Context, c config) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithAttributes(serviceAttrs(c)...),
		resource.WithAttributes(semconv.ServiceInstanceID(uuid.NewString())),
		resource.WithFromEnv(),
	)
	switch {
	case err == nil:
	case errors.Is(err, resource.ErrSchemaURLConflict):
		// Detectors built against different semconv versions: the merged
		// attributes are all there, only the schema URL is dropped.
		err = nil
	case errors.Is(err, resource.ErrPartialResource):
		// Validation already parsed OTEL_RESOURCE_ATTRIBUTES; keep what was
		// detected, as the SDK does.
		err = nil
	default:
		return nil, fmt.Errorf("exporters: building resource: %w", err)
	}
	if res == nil {
		res = resource.Empty()
	}
	return res, err
}

// serviceAttrs returns service.name and, when known, service.version.
func serviceAttrs(c config) []attribute.KeyValue {
	name := c.serviceName
	if name == "" {
		name = "unknown_service:" + filepath.Base(os.Args[0])
	}
	attrs := []attribute.KeyValue{attribute.String("service.name", name)}
	version := c.serviceVersion
	if version == "" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
	}
	if version != "" {
		attrs = append(attrs, attribute.String("service.version", version))
	}
	return attrs
}

// parseResourceAttributes parses OTEL_RESOURCE_ATTRIBUTES
// ("key1=value1,key2=value2", values percent-encoded), rejecting what the
// SDK would drop or keep half-decoded.
func parseResourceAttributes(v string) ([]attribute.KeyValue, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	const accepted = "comma-separated key=value pairs with non-empty keys, values percent-encoded"
	var attrs []attribute.KeyValue
	for entry := range strings.SplitSeq(v, ",") {
		k, val, found := strings.Cut(entry, "=")
		key := strings.TrimSpace(k)
		if !found || key == "" {
			return nil, &EnvError{Var: resourceAttributesKey, Value: v, Problem: fmt.Sprintf("entry %q is not key=value", entry), Accepted: accepted}
		}
		dec, err := url.PathUnescape(strings.TrimSpace(val))
		if err != nil {
			return nil, &EnvError{Var: resourceAttributesKey, Value: v, Problem: fmt.Sprintf("value of %q is not valid percent-encoding", key), Accepted: accepted}
		}
		attrs = append(attrs, attribute.String(key, dec))
	}
	return attrs, nil
}
