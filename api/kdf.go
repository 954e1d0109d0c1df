package api

import (
	"errors"
	"sync"
	"time"
)

// ErrBusy means too many password hashes are being computed right now;
// the request was not tried and can be retried in a moment.
var ErrBusy = errors.New("too many password checks in progress; retry in a moment")

// Defaults of the argon2 gate: two at a time is about 38 MiB with the
// default 19 MiB cost; a few more wait briefly; the rest are refused.
const (
	kdfConcurrency = 2
	kdfQueue       = 16
	kdfMaxWait     = 3 * time.Second
)

// kdfGate bounds how many argon2 computations run at once. Each holds its
// memory cost for its whole duration, so without a cap N parallel logins
// or password changes cost N times 19 MiB. Callers beyond the cap wait in
// a bounded queue for a bounded time; beyond the queue they are refused
// at once with ErrBusy, so waiting never piles up without limit.
type kdfGate struct {
	slots   chan struct{}
	queue   chan struct{}
	maxWait time.Duration

	mu      sync.Mutex
	running int
	peak    int // the most ever running at once (tests, metrics)
	// entered, when set, runs in each caller holding a slot, before the
	// hash: tests use it to hold slots and fill the queue.
	entered func()
}

func newKDFGate(concurrency, queue int, maxWait time.Duration) *kdfGate {
	return &kdfGate{slots: make(chan struct{}, concurrency), queue: make(chan struct{}, queue), maxWait: maxWait}
}

// run calls fn once a slot is free, or returns ErrBusy without calling it.
func (g *kdfGate) run(fn func()) error {
	select {
	case g.slots <- struct{}{}:
	default:
		if err := g.wait(); err != nil {
			return err
		}
	}
	defer func() { <-g.slots }()
	g.mu.Lock()
	g.running++
	g.peak = max(g.peak, g.running)
	entered := g.entered
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.running--
		g.mu.Unlock()
	}()
	if entered != nil {
		entered()
	}
	fn()
	return nil
}

// wait takes a place in the queue and then a slot.
func (g *kdfGate) wait() error {
	select {
	case g.queue <- struct{}{}:
	default:
		return ErrBusy
	}
	defer func() { <-g.queue }()
	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-t.C:
		return ErrBusy
	}
}

func (g *kdfGate) maxRunning() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}
