package exporters

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// recordingExporter keeps the bodies it exports; gate, when set, holds every
// export until it is closed.
type recordingExporter struct {
	mu     sync.Mutex
	bodies []string
	gate   chan struct{}
}

func (x *recordingExporter) Export(ctx context.Context, records []sdklog.Record) error {
	if x.gate != nil {
		select {
		case <-x.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, r := range records {
		x.bodies = append(x.bodies, r.Body().AsString())
	}
	return nil
}
func (x *recordingExporter) Shutdown(context.Context) error   { return nil }
func (x *recordingExporter) ForceFlush(context.Context) error { return nil }
func (x *recordingExporter) got() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]string(nil), x.bodies...)
}

// emitN emits n records with bodies "0".."n-1" from goroutines through a
// logger provider over b.
func emitN(t *testing.T, b *logBatcher, n, goroutines int) {
	t.Helper()
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(b))
	logger := lp.Logger("test")
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := g; i < n; i += goroutines {
				var r otellog.Record
				r.SetBody(attribute.StringValue(itoa(i)))
				logger.Emit(context.Background(), r)
			}
		})
	}
	wg.Wait()
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestLogBatcherBurstLosesNothingAndShrinks(t *testing.T) {
	exp := &recordingExporter{gate: make(chan struct{})}
	b := newLogBatcher(exp, 1<<20, 512, time.Hour, 10*time.Second)
	const n = 50000
	emitN(t, b, n, 8) // the exporter is held: everything waits in the queue
	b.mu.Lock()
	queued, capacity := b.n, b.slots()
	b.mu.Unlock()
	if queued < n-512 { // the loop may hold one batch, waiting on the exporter
		t.Fatalf("queued %d, want at least %d", queued, n-512)
	}
	close(exp.gate)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := exp.got()
	seen := make(map[string]bool, len(got))
	for _, s := range got {
		seen[s] = true
	}
	if len(got) != n || len(seen) != n {
		t.Errorf("exported %d records (%d distinct), want %d", len(got), len(seen), n)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.slots() > 2*chunkSize {
		t.Errorf("a drained ring of %d slots kept %d, want at most %d", capacity, b.slots(), 2*chunkSize)
	}
}

func TestLogBatcherFullQueueDropsOldest(t *testing.T) {
	exp := &recordingExporter{gate: make(chan struct{})}
	b := newLogBatcher(exp, 4, 2, time.Hour, 10*time.Second)
	emitN(t, b, 10, 1) // bodies for 0..9, in order
	close(exp.gate)
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := exp.got()
	// The loop may have taken one batch of the first records before the
	// queue filled; the last four are always there.
	if len(got) < 4 || len(got) > 6 {
		t.Fatalf("exported %d records: %q", len(got), got)
	}
	for i, want := range []int{6, 7, 8, 9} {
		if g := got[len(got)-4+i]; g != itoa(want) {
			t.Errorf("record %d = %q, want %q (the newest survive)", i, g, itoa(want))
		}
	}
}

func TestLogBatcherShutdownHonoursDeadline(t *testing.T) {
	exp := &recordingExporter{gate: make(chan struct{})} // never opened
	b := newLogBatcher(exp, 100, 1, time.Millisecond, time.Hour)
	emitN(t, b, 10, 1)
	time.Sleep(20 * time.Millisecond) // let the loop start an export that hangs
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := b.Shutdown(ctx)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Shutdown took %v past a 200ms deadline", d)
	}
	if err == nil {
		t.Errorf("Shutdown with a hung exporter returned nil")
	}
	if b.Shutdown(context.Background()) != nil {
		t.Errorf("a second Shutdown returned an error")
	}
	emitN(t, b, 1, 1) // after Shutdown: dropped, no panic
}

func TestLogBatcherForceFlushAndInterval(t *testing.T) {
	exp := &recordingExporter{}
	b := newLogBatcher(exp, 100, 50, time.Hour, time.Second)
	defer b.Shutdown(context.Background())
	emitN(t, b, 3, 1)
	if err := b.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := exp.got(); len(got) != 3 {
		t.Errorf("ForceFlush exported %d records, want 3", len(got))
	}

	exp2 := &recordingExporter{}
	b2 := newLogBatcher(exp2, 100, 50, 10*time.Millisecond, time.Second)
	defer b2.Shutdown(context.Background())
	emitN(t, b2, 3, 1) // under a batch: the interval exports them
	deadline := time.Now().Add(5 * time.Second)
	for len(exp2.got()) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := exp2.got(); len(got) != 3 {
		t.Errorf("the interval exported %d records, want 3", len(got))
	}
}

// TestLogBatcherBoundedDuringOutage: 1,000,000 records into a blocked
// exporter never take more than the queue's maximum of slots (the ring only
// grows while nothing drains it, so its final size is its peak), and the
// oldest are the ones dropped.
func TestLogBatcherBoundedDuringOutage(t *testing.T) {
	exp := &recordingExporter{gate: make(chan struct{})} // the backend never answers
	const max, total = DefaultLogQueueSize, 1_000_000
	b := newLogBatcher(exp, max, DefaultMaxExportBatchSize, time.Hour, time.Hour)
	var r sdklog.Record
	for i := range total {
		r.SetBody(attribute.StringValue(itoa(i)))
		_ = b.OnEmit(context.Background(), &r)
	}
	b.mu.Lock()
	waiting, slots, dropped := b.n, b.slots(), b.dropped
	oldest := b.slot(b.head).Body().AsString()
	b.mu.Unlock()
	if waiting != max {
		t.Errorf("%d records wait, want the queue's %d", waiting, max)
	}
	if slots > max {
		t.Errorf("after dropping %d records the ring holds %d slots, want at most %d", dropped, slots, max)
	}
	if want := itoa(total - max); oldest != want {
		t.Errorf("oldest waiting record %s, want %s", oldest, want)
	}
	close(exp.gate)
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := uint64(len(exp.got())); got+dropped != total {
		t.Errorf("exported %d + dropped %d, want %d", got, dropped, total)
	}
}

// TestLogBatcherSteadyStateStaysSmall: records flowing through a large
// queue a few at a time walk the whole ring, but the chunks behind the
// oldest record are given back, so memory stays at about two chunks.
func TestLogBatcherSteadyStateStaysSmall(t *testing.T) {
	b := newLogBatcher(&recordingExporter{}, 1<<16, 1<<16, time.Hour, time.Hour)
	defer b.Shutdown(context.Background())
	var r sdklog.Record
	peak := 0
	b.exporting <- struct{}{} // take's caller holds exporting
	for i := range 3 << 16 {
		r.SetBody(attribute.StringValue(itoa(i)))
		_ = b.OnEmit(context.Background(), &r)
		if i%100 == 99 {
			if got := b.take(); len(got) != 100 || got[0].Body().AsString() != itoa(i-99) {
				t.Fatalf("took %d records from %v, want 100 from %d", len(got), got[0].Body(), i-99)
			}
		}
		peak = max(peak, b.slots())
	}
	<-b.exporting
	if peak > 3*chunkSize {
		t.Errorf("100 records at a time took up to %d slots, want at most %d", peak, 3*chunkSize)
	}
}
