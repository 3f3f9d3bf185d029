// Package contract decodes otelstep's telemetry contract: what the
// attributes, event names and metric names on spans, log records and
// metrics say about runs and steps. The console view and otelsteptest read
// the contract through it only, so that a change of the contract is made
// here and in package otelstep, nowhere else.
package contract

import (
	"strconv"

	"go.opentelemetry.io/otel/attribute"

	"github.com/otelstep/otelstep/otelstep"
)

// Attrs is what the contract's attributes of one span, span event, log
// record or metric series say.
type Attrs struct {
	Run       string // otelstep.run
	RunID     string // otelstep.run.id
	Part      string // otelstep.run.part: the own name of a part of another run
	Path      string // otelstep.step.path: a part's step path ("4.1.2"); empty outside parts
	Component string // otelstep.component
	Label     string // otelstep.step.label
	Result    string // otelstep.step.result
	Step      int64  // otelstep.step.number; 0: none
	Total     int64  // otelstep.steps.total; 0: unknown
	Done      int64  // otelstep.step.done
	StepTotal int64  // otelstep.step.total
	Severity  string // log.severity, on an otelstep.log event only
	Message   string // log.message, on an otelstep.log event only
}

// Take reads kv into a when kv is an attribute of the contract, and reports
// whether it was one.
func (a *Attrs) Take(kv attribute.KeyValue) bool {
	switch kv.Key {
	case otelstep.RunKey:
		a.Run = kv.Value.Emit()
	case otelstep.RunIDKey:
		a.RunID = kv.Value.Emit()
	case otelstep.RunPartKey:
		a.Part = kv.Value.Emit()
	case otelstep.StepPathKey:
		a.Path = kv.Value.Emit()
	case otelstep.ComponentKey:
		a.Component = kv.Value.Emit()
	case otelstep.StepLabelKey:
		a.Label = kv.Value.Emit()
	case otelstep.StepResultKey:
		a.Result = kv.Value.Emit()
	case otelstep.StepNumberKey:
		a.Step = intOf(kv.Value)
	case otelstep.StepsTotalKey:
		a.Total = intOf(kv.Value)
	case otelstep.StepDoneKey:
		a.Done = intOf(kv.Value)
	case otelstep.StepTotalKey:
		a.StepTotal = intOf(kv.Value)
	default:
		return false
	}
	return true
}

// Of returns what the attributes kvs say.
func Of(kvs []attribute.KeyValue) Attrs {
	var a Attrs
	for _, kv := range kvs {
		a.Take(kv)
	}
	return a
}

// OfSet returns what the attribute set of a metric series says.
func OfSet(s attribute.Set) Attrs {
	var a Attrs
	for it := s.Iter(); it.Next(); {
		a.Take(it.Attribute())
	}
	return a
}

// AppendStep appends the step as lines name it after "Step ": its path
// in a part of another run ("4.1.2"), else its number.
func (a *Attrs) AppendStep(b []byte) []byte {
	if a.Path != "" {
		return append(b, a.Path...)
	}
	return strconv.AppendInt(b, a.Step, 10)
}

// intOf is v as an int64; 0 when v is not an integer.
func intOf(v attribute.Value) int64 {
	if v.Type() != attribute.INT64 {
		return 0
	}
	return v.AsInt64()
}

// The values of otelstep.step.result.
const (
	ResultOK        = "ok"
	ResultError     = "error"
	ResultAbandoned = "abandoned"
)
