package contract

import (
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelstep/otelstep/otelstep"
)

// SpanKind is what a span is to the contract.
type SpanKind int

const (
	OtherSpan  SpanKind = iota // not otelstep's, or of no run
	StepSpan                   // a step of Run.Start: a step number and a component
	RunSpan                    // a span naming a run but no step
	MarkerSpan                 // a running step's or run's marker
)

// Span returns what span s is and what its attributes say.
func Span(s sdktrace.ReadOnlySpan) (SpanKind, Attrs) {
	a := Of(s.Attributes())
	switch name := s.Name(); {
	case name == otelstep.LiveSpanName || name == otelstep.LiveRunSpanName:
		return MarkerSpan, a
	case a.Step > 0 && a.Component != "" && s.InstrumentationScope().Name == otelstep.ScopeName:
		return StepSpan, a
	case a.Run != "" && a.Step == 0:
		return RunSpan, a
	}
	return OtherSpan, a
}

// RecordKind is what a log record is to the contract.
type RecordKind int

const (
	OtherRecord RecordKind = iota // no step: a component logger's record, or not otelstep's
	Message                       // a step message: "Step N: msg"
	StepStart                     // the step-start event of Run.Start
)

// Record returns what r is and what its attributes say; every attribute
// that is not the contract's is passed to other, in order, when other is
// not nil.
func Record(r *sdklog.Record, other func(attribute.KeyValue)) (RecordKind, Attrs) {
	var a Attrs
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		if !a.Take(kv) && other != nil {
			other(kv)
		}
		return true
	})
	switch {
	case r.EventName() == otelstep.StepEventName && a.Run != "":
		return StepStart, a
	case r.EventName() == "" && a.Step > 0:
		return Message, a
	}
	return OtherRecord, a
}

// EventKind is what a span event is to the contract.
type EventKind int

const (
	OtherEvent EventKind = iota
	StepEvent            // otelstep.step: a step taken
	LogEvent             // otelstep.log: a step message's copy
)

// Event returns what a span event is and what its attributes say; every
// attribute that is not the contract's is passed to other, when not nil.
func Event(ev sdktrace.Event, other func(attribute.KeyValue)) (EventKind, Attrs) {
	var a Attrs
	log := ev.Name == otelstep.LogEventName
	for _, kv := range ev.Attributes {
		switch {
		case log && kv.Key == otelstep.SeverityKey:
			a.Severity = kv.Value.Emit()
		case log && kv.Key == otelstep.MessageKey:
			a.Message = kv.Value.Emit()
		case !a.Take(kv) && other != nil:
			other(kv)
		}
	}
	switch ev.Name {
	case otelstep.StepEventName:
		return StepEvent, a
	case otelstep.LogEventName:
		return LogEvent, a
	}
	return OtherEvent, a
}
