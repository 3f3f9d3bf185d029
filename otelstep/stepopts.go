package otelstep

// StepOption configures one step taken with [Run.Start] or
// [Run.StepLogger].
type StepOption interface {
	applyStep(stepConfig) stepConfig
}

type stepOptFunc func(stepConfig) stepConfig

func (f stepOptFunc) applyStep(c stepConfig) stepConfig { return f(c) }

type stepConfig struct {
	label string
}

func newStepConfig(opts []StepOption) stepConfig {
	var c stepConfig
	for _, o := range opts {
		if o != nil {
			c = o.applyStep(c)
		}
	}
	return c
}

// WithLabel names a step for people: the span of a step started with
// [Run.Start] is named "Step N: label" ("Step 3: migrate users") instead of
// "Step N: component", so that the steps of one component tell apart in a
// trace view. The component stays in the [ComponentKey] attribute and in the
// step's log records, whose bodies keep the "Step N: msg" form. An empty
// label keeps the contract name; invalid UTF-8 is replaced by U+FFFD.
//
// A step of [Run.StepLogger] has no span of its own: the label is not shown.
// To tell such steps apart, give the logger attributes with With: they are
// added to the step's [StepEventName] event.
func WithLabel(label string) StepOption {
	return stepOptFunc(func(c stepConfig) stepConfig {
		if label != "" {
			c.label = sanitize(label)
		}
		return c
	})
}
