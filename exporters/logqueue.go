package exporters

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// logBatcher is a batching sdklog.Processor like the SDK's BatchProcessor,
// with one difference: its ring of records is allocated lazily, doubling
// as the load needs it up to max slots and never beyond, and is given back
// once drained. The SDK allocates its whole ring at start, about 600 bytes a
// slot, so a queue large enough for a burst would cost every service that
// much memory while idle; this one costs it only during the burst.
//
// As the SDK's, it never blocks OnEmit on an export: a full queue (max
// records) drops its oldest record, in O(1), by overwriting it. Records are
// exported from one goroutine, in batches of up to batch, when a batch is
// full or every interval, each export bounded by timeout; errors go to
// otel.Handle.
type logBatcher struct {
	exp      sdklog.Exporter
	max      int
	batch    int
	interval time.Duration
	timeout  time.Duration

	mu      sync.Mutex
	ring    []sdklog.Record // len(ring) <= max slots; ring[head] is the oldest of n
	head, n int
	dropped uint64 // overwritten by newer records (tests)
	closed  bool

	exporting chan struct{}   // held while exporting: one export at a time, as exporters require
	buf       []sdklog.Record // the batch being exported, while exporting is held

	kick    chan struct{} // a full batch is waiting
	stop    chan struct{} // closed by Shutdown
	stopped chan struct{} // closed when the loop has returned
}

// shrinkBelow is the ring size, in batches, above which a drained ring is
// given back.
const shrinkBelow = 4

func newLogBatcher(exp sdklog.Exporter, size, batch int, interval, timeout time.Duration) *logBatcher {
	size = max(size, 1)
	b := &logBatcher{
		exp:       exp,
		max:       size,
		batch:     max(1, min(batch, size)),
		interval:  interval,
		timeout:   timeout,
		kick:      make(chan struct{}, 1),
		exporting: make(chan struct{}, 1),
		stop:      make(chan struct{}),
		stopped:   make(chan struct{}),
	}
	go b.loop()
	return b
}

// OnEmit queues a copy of r; the SDK reuses r after OnEmit returns.
func (b *logBatcher) OnEmit(_ context.Context, r *sdklog.Record) error {
	rec := r.Clone()
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	if b.n == len(b.ring) && len(b.ring) < b.max {
		b.grow()
	}
	if b.n == len(b.ring) { // full at max: the newest replaces the oldest
		b.ring[b.head] = rec
		b.head = (b.head + 1) % len(b.ring)
		b.dropped++
	} else {
		b.ring[(b.head+b.n)%len(b.ring)] = rec
		b.n++
	}
	n := b.n
	b.mu.Unlock()
	if n >= b.batch {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// grow doubles the ring, at least to a batch and at most to max slots. The
// caller holds mu.
func (b *logBatcher) grow() {
	ring := make([]sdklog.Record, min(b.max, max(2*len(b.ring), b.batch)))
	k := copy(ring, b.ring[b.head:])
	copy(ring[k:], b.ring[:b.head])
	b.ring, b.head = ring, 0
}

// Enabled reports true: every record is queued.
func (b *logBatcher) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }

// loop exports when a batch is full and every interval, until Shutdown.
func (b *logBatcher) loop() {
	defer close(b.stopped)
	t := time.NewTicker(b.interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-b.kick:
		case <-t.C:
		}
		if err := b.drain(context.Background(), b.stop); err != nil {
			otel.Handle(err)
		}
	}
}

// drain exports everything queued, batch by batch, until the queue is empty,
// ctx is done (also while it waits for an export in progress) or stop is
// closed (nil: never). Export errors are joined; a failed batch is not
// retried (the OTLP exporters retry on their own).
func (b *logBatcher) drain(ctx context.Context, stop <-chan struct{}) error {
	select {
	case b.exporting <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-b.exporting }()
	var errs []error
	for ctx.Err() == nil && !closed(stop) {
		batch := b.take()
		if len(batch) == 0 {
			break
		}
		ectx, cancel := context.WithTimeout(ctx, b.timeout)
		if err := b.exp.Export(ectx, batch); err != nil {
			errs = append(errs, err)
		}
		cancel()
		clear(batch) // let the records' attributes go
	}
	return errors.Join(errs...)
}

// take moves up to a batch of the oldest records into b.buf and returns it.
// The caller holds exporting.
func (b *logBatcher) take() []sdklog.Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := min(b.n, b.batch)
	if cap(b.buf) < b.batch {
		b.buf = make([]sdklog.Record, 0, b.batch)
	}
	batch := b.buf[:0]
	for k > 0 {
		seg := b.ring[b.head:min(b.head+k, len(b.ring))]
		batch = append(batch, seg...)
		clear(seg)
		b.head = (b.head + len(seg)) % len(b.ring)
		b.n -= len(seg)
		k -= len(seg)
	}
	if b.n == 0 {
		b.head = 0
		if len(b.ring) > shrinkBelow*b.batch {
			b.ring = nil // drained after a burst: give the memory back
		}
	}
	return batch
}

// closed reports whether c is closed; a nil c never is.
func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// ForceFlush exports everything queued, then flushes the exporter.
func (b *logBatcher) ForceFlush(ctx context.Context) error {
	return errors.Join(b.drain(ctx, nil), b.exp.ForceFlush(ctx))
}

// Shutdown stops taking records, lets the export in progress end, exports
// the records still queued within ctx's deadline and shuts the exporter
// down. Calls after the first do nothing.
func (b *logBatcher) Shutdown(ctx context.Context) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	close(b.stop)
	select {
	case <-b.stopped:
	case <-ctx.Done():
	}
	return errors.Join(b.drain(ctx, nil), b.exp.Shutdown(ctx))
}
