package api

import (
	"context"
	"errors"
	"sync"
	"time"
)

// errBusy is returned by acquire when no slot freed in time.
var errBusy = errors.New("too many requests in progress")

// concurrencyLimiter bounds how many callers do something expensive at
// once. A caller beyond the bound waits a bounded time for a slot, then is
// turned away (503 with Retry-After), so a burst neither piles up without
// end nor makes every caller slow.
type concurrencyLimiter struct {
	slots chan struct{}
	wait  time.Duration
}

func newConcurrencyLimiter(n int, wait time.Duration) *concurrencyLimiter {
	return &concurrencyLimiter{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// acquire takes a slot, waiting at most l.wait and not past ctx. The
// returned release gives it back; calling it more than once is harmless.
func (l *concurrencyLimiter) acquire(ctx context.Context) (release func(), err error) {
	select {
	case l.slots <- struct{}{}:
		return l.releaser(), nil
	default:
	}
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return l.releaser(), nil
	case <-t.C:
		return nil, errBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// acquireCtx takes a slot waiting as long as ctx allows (for work already
// under way, such as the later pages of an export).
func (l *concurrencyLimiter) acquireCtx(ctx context.Context) (release func(), err error) {
	select {
	case l.slots <- struct{}{}:
		return l.releaser(), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *concurrencyLimiter) releaser() func() {
	return sync.OnceFunc(func() { <-l.slots })
}

// inUse is the number of slots taken (for tests and metrics).
func (l *concurrencyLimiter) inUse() int { return len(l.slots) }
