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
// with one difference: its queue grows with the load, up to max records, and
// shrinks back when drained. The SDK allocates its whole ring at start, about
// 600 bytes a slot, so a queue large enough for a burst would cost every
// service that much memory while idle; this one costs it only during the
// burst.
//
// As the SDK's, it never blocks OnEmit on an export: a full queue drops its
// oldest record. Records are exported from one goroutine, in batches of up
// to batch, when a batch is full or every interval, each export bounded by
// timeout; errors go to otel.Handle.
type logBatcher struct {
	exp      sdklog.Exporter
	max      int
	batch    int
	interval time.Duration
	timeout  time.Duration

	mu     sync.Mutex
	queue  []sdklog.Record // queue[head:] waits, oldest first
	head   int
	closed bool

	exporting chan struct{}   // held while exporting: one export at a time, as exporters require
	buf       []sdklog.Record // the batch being exported, while exporting is held

	kick    chan struct{} // a full batch is waiting
	stop    chan struct{} // closed by Shutdown
	stopped chan struct{} // closed when the loop has returned
}

// shrinkBelow is the queue capacity, in batches, above which a drained queue
// gives its memory back.
const shrinkBelow = 4

func newLogBatcher(exp sdklog.Exporter, max, batch int, interval, timeout time.Duration) *logBatcher {
	b := &logBatcher{
		exp:       exp,
		max:       max,
		batch:     min(batch, max),
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
	if len(b.queue)-b.head >= b.max {
		b.queue[b.head] = sdklog.Record{} // drop the oldest, as the SDK does
		b.head++
		if b.head > len(b.queue)/2 {
			b.compact() // a long outage must not grow the array with dropped slots
		}
	}
	b.queue = append(b.queue, rec)
	n := len(b.queue) - b.head
	b.mu.Unlock()
	if n >= b.batch {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
	return nil
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
	k := min(len(b.queue)-b.head, b.batch)
	if cap(b.buf) < b.batch {
		b.buf = make([]sdklog.Record, 0, b.batch)
	}
	batch := append(b.buf[:0], b.queue[b.head:b.head+k]...)
	clear(b.queue[b.head : b.head+k])
	b.head += k
	switch {
	case b.head == len(b.queue) && cap(b.queue) > shrinkBelow*b.batch:
		b.queue, b.head = nil, 0 // drained after a burst: give the memory back
	case b.head == len(b.queue):
		b.queue, b.head = b.queue[:0], 0
	case b.head > cap(b.queue)/2:
		b.compact()
	}
	return batch
}

// compact moves the waiting records to the front of the queue's array. The
// caller holds mu.
func (b *logBatcher) compact() {
	n := copy(b.queue, b.queue[b.head:])
	clear(b.queue[n:])
	b.queue, b.head = b.queue[:n], 0
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
