package utf8clean

import (
	"slices"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// Records returns records, or a copy in which each record with an invalid
// string (body, event name, severity text, attribute keys and values) is
// replaced by a cleaned clone. Scopes are cleaned where they are made (the
// log SDK gives no way to change a record's).
func Records(records []sdklog.Record) []sdklog.Record {
	var out []sdklog.Record
	for i := range records {
		r := &records[i]
		body, bok := Value(r.Body())
		name, nok := String(r.EventName())
		sev, sok := String(r.SeverityText())
		aok := true
		r.WalkAttributes(func(kv attribute.KeyValue) bool { // no allocation while valid
			_, kok := String(string(kv.Key))
			_, vok := Value(kv.Value)
			aok = kok && vok
			return aok
		})
		if bok && nok && sok && aok {
			continue
		}
		attrs := make([]attribute.KeyValue, 0, r.AttributesLen())
		r.WalkAttributes(func(kv attribute.KeyValue) bool { attrs = append(attrs, kv); return true })
		attrs, _ = KeyValues(attrs)
		if out == nil {
			out = slices.Clone(records)
		}
		c := r.Clone()
		c.SetBody(body)
		c.SetEventName(name)
		c.SetSeverityText(sev)
		c.SetAttributes(attrs...)
		out[i] = c
	}
	if out == nil {
		return records
	}
	return out
}
