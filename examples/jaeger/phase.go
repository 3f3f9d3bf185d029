package main

import (
	"context"
	"log/slog"

	"github.com/otelstep/otelstep/otelstep"
)

// begin starts the next step of the pipeline for component with
// otelstep's Run.Start: the otelstep.step event on the span in ctx (the
// "compile" span), and a child span "Step N: component" in the returned
// context. The caller logs with Step.Info, Step.Debug... (otelstep records
// the caller's source line) and ends the step with Step.End.
//
// It also counts, for the summary, what Start emits.
func (c *compilation) begin(ctx context.Context, component string) (context.Context, *otelstep.Step) {
	logger := c.run.Logger(component)
	sctx, st := c.run.Start(ctx, logger)
	c.tally.step(ctx, component, st.Enabled(ctx, slog.LevelInfo))
	return sctx, st
}
