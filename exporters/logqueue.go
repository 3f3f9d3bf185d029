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
// with one difference: its ring of max slots is allocated lazily, a chunk
// of chunkSize slots when a record is first written to it, and each chunk
// is given back as soon as the oldest record leaves it. The SDK allocates
// its whole ring at start, about 600 bytes a slot, so a queue large enough
// for a burst would cost every service that much memory while idle; this
// one costs it only during the burst, never more than the max slots, and
// growing costs one chunk allocation (no copy).
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
	chunks  [][]sdklog.Record // the ring's max slots: chunk c holds slots c*chunkSize...; nil until written
	spare   []sdklog.Record   // one released chunk, kept for reuse
	cs      int               // chunk size: min(chunkSize, max)
	head, n int               // slot of the oldest record; records waiting
	dropped uint64            // overwritten by newer records (tests)
	closed  bool

	exporting chan struct{}   // held while exporting: one export at a time, as exporters require
	buf       []sdklog.Record // the batch being exported, while exporting is held

	kick    chan struct{} // a full batch is waiting
	stop    chan struct{} // closed by Shutdown
	stopped chan struct{} // closed when the loop has returned
}

// chunkSize is the ring's unit of allocation, in records (about 300 KiB).
const chunkSize = 512

func newLogBatcher(exp sdklog.Exporter, size, batch int, interval, timeout time.Duration) *logBatcher {
	size = max(size, 1)
	cs := min(chunkSize, size)
	b := &logBatcher{
		exp:       exp,
		max:       size,
		batch:     max(1, min(batch, size)),
		interval:  interval,
		timeout:   timeout,
		chunks:    make([][]sdklog.Record, (size+cs-1)/cs),
		cs:        cs,
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
	if b.n == b.max { // full: the newest replaces the oldest
		*b.slot(b.head) = rec
		b.dropped++
		b.advance()
	} else {
		*b.slot((b.head + b.n) % b.max) = rec
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

// slot returns ring slot i, allocating its chunk if needed. The caller holds
// mu.
func (b *logBatcher) slot(i int) *sdklog.Record {
	c := i / b.cs
	if b.chunks[c] == nil {
		size := min(b.cs, b.max-c*b.cs)
		if len(b.spare) == size {
			b.chunks[c], b.spare = b.spare, nil
		} else {
			b.chunks[c] = make([]sdklog.Record, size)
		}
	}
	return &b.chunks[c][i%b.cs]
}

// advance moves head past the oldest slot (already taken or overwritten)
// and releases the chunk it leaves unless the waiting records wrap around
// into it. The caller holds mu and has updated n.
func (b *logBatcher) advance() {
	left := b.head / b.cs
	if b.head++; b.head == b.max {
		b.head = 0
	}
	if c := b.chunks[left]; b.head/b.cs != left && b.n <= b.max-len(c) {
		if b.spare == nil && len(c) == b.cs {
			b.spare = c // every slot of it was cleared when taken
		}
		b.chunks[left] = nil
	}
}

// slots returns how many record slots are allocated (tests).
func (b *logBatcher) slots() int {
	n := len(b.spare)
	for _, c := range b.chunks {
		n += len(c)
	}
	return n
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
	if cap(b.buf) < b.batch {
		b.buf = make([]sdklog.Record, 0, b.batch)
	}
	batch := b.buf[:0]
	for k := min(b.n, b.batch); k > 0; k-- {
		s := b.slot(b.head)
		batch = append(batch, *s)
		*s = sdklog.Record{}
		b.n--
		b.advance()
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
