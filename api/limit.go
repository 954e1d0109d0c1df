package api

import (
	"context"
	"errors"
	"sync"
	"time"
)

// errBusy is returned by a gate that turned a caller away.
var errBusy = errors.New("too many requests in progress")

// gate bounds how many callers do something expensive at once: argon2
// hashes (each holds its memory cost while it runs) and search-like
// queries (each holds CPU). A caller beyond the bound waits, but only in a
// bounded queue and for a bounded time; beyond the queue it is refused at
// once. A burst therefore neither piles up without end nor makes every
// caller slow, and the server's memory and CPU stay what the bound allows.
type gate struct {
	slots chan struct{}
	queue chan struct{} // places to wait for a slot
	wait  time.Duration

	mu      sync.Mutex
	running int
	peak    int // the most ever running at once (tests)
	// entered, when set, runs in each caller as it takes a slot: tests use
	// it to hold slots and fill the queue.
	entered func()
}

func newGate(concurrency, queue int, wait time.Duration) *gate {
	return &gate{slots: make(chan struct{}, concurrency), queue: make(chan struct{}, queue), wait: wait}
}

// acquire takes a slot, waiting in the queue at most g.wait and not past
// ctx; errBusy when the queue is full or the wait ran out. The returned
// release gives the slot back; calling it more than once is harmless.
func (g *gate) acquire(ctx context.Context) (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return g.held(), nil
	default:
	}
	select {
	case g.queue <- struct{}{}:
	default:
		return nil, errBusy
	}
	defer func() { <-g.queue }()
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return g.held(), nil
	case <-t.C:
		return nil, errBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// acquireCtx takes a slot waiting as long as ctx allows, outside the queue:
// for work already admitted, such as the later pages of an export.
func (g *gate) acquireCtx(ctx context.Context) (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return g.held(), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run calls fn holding a slot, or returns errBusy without calling it.
func (g *gate) run(fn func()) error {
	release, err := g.acquire(context.Background())
	if err != nil {
		return err
	}
	defer release()
	fn()
	return nil
}

func (g *gate) held() func() {
	g.mu.Lock()
	g.running++
	g.peak = max(g.peak, g.running)
	entered := g.entered
	g.mu.Unlock()
	if entered != nil {
		entered()
	}
	return sync.OnceFunc(func() {
		g.mu.Lock()
		g.running--
		g.mu.Unlock()
		<-g.slots
	})
}

// inUse is the number of slots taken.
func (g *gate) inUse() int { return len(g.slots) }

// maxRunning is the most callers that ever held a slot at once.
func (g *gate) maxRunning() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}
