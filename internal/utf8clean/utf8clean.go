// Package utf8clean replaces invalid UTF-8 by U+FFFD in telemetry on its
// way to an exporter. Why: the OTLP exporters refuse a whole batch when one
// string in it is not valid UTF-8 (protobuf's "string field contains
// invalid UTF-8"), so one bad byte from any library would lose every span,
// record or metric exported with it.
//
// Each function scans first and copies only what needs a change: a valid
// input costs a scan and is returned as it is.
package utf8clean

import (
	"slices"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
)

// String returns s with each run of invalid bytes replaced by U+FFFD, and
// whether s was valid.
func String(s string) (string, bool) {
	if utf8.ValidString(s) {
		return s, true
	}
	return strings.ToValidUTF8(s, string(utf8.RuneError)), false
}

// Value returns v with every string in it made valid (slices and maps too),
// and whether v was valid.
func Value(v attribute.Value) (attribute.Value, bool) {
	switch v.Type() {
	case attribute.STRING:
		if s, ok := String(v.AsString()); !ok {
			return attribute.StringValue(s), false
		}
	case attribute.STRINGSLICE:
		ss, all := v.AsStringSlice(), true // a copy
		for i := range ss {
			var ok bool
			ss[i], ok = String(ss[i])
			all = all && ok
		}
		if !all {
			return attribute.StringSliceValue(ss), false
		}
	case attribute.SLICE:
		vs, all := v.AsSlice(), true
		for i := range vs {
			var ok bool
			vs[i], ok = Value(vs[i])
			all = all && ok
		}
		if !all {
			return attribute.SliceValue(vs...), false
		}
	case attribute.MAP:
		if kvs, ok := KeyValues(v.AsMap()); !ok {
			return attribute.MapValue(kvs...), false
		}
	}
	return v, true
}

// KeyValues returns kvs, or a cleaned copy when a key or value is invalid,
// and whether kvs was valid.
func KeyValues(kvs []attribute.KeyValue) ([]attribute.KeyValue, bool) {
	var out []attribute.KeyValue
	for i, kv := range kvs {
		k, kok := String(string(kv.Key))
		v, vok := Value(kv.Value)
		if kok && vok {
			continue
		}
		if out == nil {
			out = slices.Clone(kvs)
		}
		out[i] = attribute.KeyValue{Key: attribute.Key(k), Value: v}
	}
	if out == nil {
		return kvs, true
	}
	return out, false
}

// Set returns s, or a cleaned copy, and whether s was valid.
func Set(s attribute.Set) (attribute.Set, bool) {
	valid := true
	for it := s.Iter(); valid && it.Next(); {
		kv := it.Attribute()
		_, kok := String(string(kv.Key))
		_, vok := Value(kv.Value)
		valid = kok && vok
	}
	if valid {
		return s, true
	}
	kvs, _ := KeyValues(s.ToSlice())
	return attribute.NewSet(kvs...), false
}

// Resource returns res with its attributes and schema URL made valid.
func Resource(res *resource.Resource) *resource.Resource {
	attrs, aok := KeyValues(res.Attributes())
	url, uok := String(res.SchemaURL())
	if aok && uok {
		return res
	}
	return resource.NewWithAttributes(url, attrs...)
}
