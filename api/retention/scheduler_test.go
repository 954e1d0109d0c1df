package retention

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
)

// fakeClock moves only when told. After registers a waiter and announces
// it on waiting, so a test knows the loop is parked before it moves time.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	waiting chan time.Time // deadline of each After call
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, waiting: make(chan time.Time, 16)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	ch := make(chan time.Time, 1)
	at := c.now.Add(d)
	if d <= 0 {
		ch <- c.now
	} else {
		c.waiters = append(c.waiters, waiter{at, ch})
	}
	c.mu.Unlock()
	c.waiting <- at
	return ch
}

// set moves the clock to t and fires the waiters due.
func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.ch <- t
		} else {
			keep = append(keep, w)
		}
	}
	c.waiters = keep
}

// fakeRunner records runs; with gate set, each run blocks until gate
// delivers.
type fakeRunner struct {
	mu    sync.Mutex
	runs  []time.Time
	ran   chan time.Time
	gate  chan struct{}
	err   error
	block bool
}

func newFakeRunner() *fakeRunner {
	return &fakeRunner{ran: make(chan time.Time, 16), gate: make(chan struct{})}
}

func (r *fakeRunner) RunRetention(ctx context.Context, now time.Time) (indexer.RetentionReport, error) {
	r.mu.Lock()
	r.runs = append(r.runs, now)
	block, err := r.block, r.err
	r.mu.Unlock()
	r.ran <- now
	if block {
		select {
		case <-r.gate:
		case <-ctx.Done():
			return indexer.RetentionReport{}, ctx.Err()
		}
	}
	return indexer.RetentionReport{Now: now}, err
}

func (r *fakeRunner) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.runs)
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestParseAt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		off  bool
		err  bool
	}{
		{"03:00", "03:00", false, false},
		{" 23:59 ", "23:59", false, false},
		{"00:00", "00:00", false, false},
		{"off", "", true, false},
		{"OFF", "", true, false},
		{"", "", true, false},
		{"25:00", "", false, true},
		{"24:00", "", false, true},
		{"3:00", "", false, true},
		{"03:60", "", false, true},
		{"03:00:00", "", false, true},
		{"noon", "", false, true},
	} {
		a, err := ParseAt(tc.in)
		if tc.err {
			if err == nil || !strings.Contains(err.Error(), "HH:MM") || !strings.Contains(err.Error(), tc.in) {
				t.Errorf("ParseAt(%q) = %v, %v; want an error naming the value and HH:MM", tc.in, a, err)
			}
			continue
		}
		if err != nil || a.String() != tc.want || a.Off != tc.off {
			t.Errorf("ParseAt(%q) = %+v (%q), %v; want %q off=%v", tc.in, a, a.String(), err, tc.want, tc.off)
		}
	}
}

func TestAtNext(t *testing.T) {
	at := At{Hour: 3}
	day := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ now, want time.Time }{
		{day, day.Add(3 * time.Hour)},
		{day.Add(3*time.Hour - time.Nanosecond), day.Add(3 * time.Hour)},
		{day.Add(3 * time.Hour), day.Add(27 * time.Hour)}, // the slot itself: tomorrow's
		{day.Add(20 * time.Hour), day.Add(27 * time.Hour)},
		// Another zone is converted to UTC first.
		{time.Date(2026, 5, 10, 4, 30, 0, 0, time.FixedZone("CEST", 2*3600)), day.Add(3 * time.Hour)},
	} {
		if got := at.Next(tc.now); !got.Equal(tc.want) {
			t.Errorf("Next(%s) = %s, want %s", tc.now, got, tc.want)
		}
	}
	if !(At{Off: true}).Next(day).IsZero() {
		t.Error("an off schedule has a next run")
	}
}

// The daily run fires at its time, once per day: a clock standing at or
// just past the slot does not fire it again, the next day's slot does.
func TestDailyRunOncePerDay(t *testing.T) {
	start := time.Date(2026, 5, 10, 1, 0, 0, 0, time.UTC)
	clk, r := newFakeClock(start), newFakeRunner()
	var mu sync.Mutex
	var triggers []string
	s, err := New(Config{Runner: r, At: At{Hour: 3}, Clock: clk, Logger: quietLog(),
		OnRun: func(trigger string, _ indexer.RetentionReport, _ error) {
			mu.Lock()
			defer mu.Unlock()
			triggers = append(triggers, trigger)
		}})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.NextRun(); n == nil || !n.Equal(start.Add(2*time.Hour)) {
		t.Fatalf("NextRun = %v, want 03:00", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Loop(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	if at := recv(t, clk.waiting, "the first wait"); !at.Equal(start.Add(2 * time.Hour)) {
		t.Fatalf("first wait until %s, want 03:00", at)
	}
	clk.set(start.Add(time.Hour)) // 02:00: not yet
	if r.count() != 0 {
		t.Fatal("ran before its time")
	}
	slot := start.Add(2 * time.Hour)
	clk.set(slot)
	if got := recv(t, r.ran, "the daily run"); !got.Equal(slot) {
		t.Fatalf("ran with now=%s, want %s", got, slot)
	}
	// The loop's next wait is for tomorrow's slot, not today's again.
	if at := recv(t, clk.waiting, "the second wait"); !at.Equal(slot.AddDate(0, 0, 1)) {
		t.Fatalf("after the run the loop waits until %s, want tomorrow 03:00", at)
	}
	clk.set(slot.Add(time.Hour))
	clk.set(slot.Add(23 * time.Hour))
	if r.count() != 1 {
		t.Fatalf("%d runs on the first day, want 1", r.count())
	}
	clk.set(slot.AddDate(0, 0, 1))
	recv(t, r.ran, "the second day's run")
	recv(t, clk.waiting, "the third wait")
	if r.count() != 2 {
		t.Fatalf("%d runs after two days, want 2", r.count())
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(triggers, ",") != "daily,daily" {
		t.Errorf("OnRun told of %q, want two daily runs", triggers)
	}
}

// An on-demand run while one is running is refused with indexer.ErrBusy;
// a daily slot reached meanwhile is skipped, not queued behind it.
func TestOnDemandWhileRunningRefused(t *testing.T) {
	start := time.Date(2026, 5, 10, 2, 0, 0, 0, time.UTC)
	clk, r := newFakeClock(start), newFakeRunner()
	r.block = true
	s, err := New(Config{Runner: r, At: At{Hour: 3}, Clock: clk, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Loop(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	recv(t, clk.waiting, "the first wait")

	if err := s.RunNow(ctx); err != nil {
		t.Fatal(err)
	}
	recv(t, r.ran, "the on-demand run")
	if !s.Running() {
		t.Fatal("not running during a run")
	}
	if err := s.RunNow(ctx); !errors.Is(err, indexer.ErrBusy) {
		t.Fatalf("second RunNow: %v, want ErrBusy", err)
	}
	clk.set(start.Add(time.Hour)) // the daily slot, while the on-demand run holds
	if at := recv(t, clk.waiting, "the wait after the skipped slot"); !at.Equal(start.Add(25 * time.Hour)) {
		t.Fatalf("after the skipped slot the loop waits until %s, want tomorrow 03:00", at)
	}
	if r.count() != 1 {
		t.Fatalf("%d runs, want 1 (the slot is skipped while a run holds)", r.count())
	}
	r.gate <- struct{}{}
	s.Wait()
	if s.Running() {
		t.Fatal("still running after the run ended")
	}
	// Free again.
	r.mu.Lock()
	r.block = false
	r.mu.Unlock()
	if err := s.RunNow(ctx); err != nil {
		t.Fatalf("RunNow after the run ended: %v", err)
	}
	recv(t, r.ran, "the next on-demand run")
	s.Wait()
}

func TestFailedRunIsReported(t *testing.T) {
	r := newFakeRunner()
	r.err = errors.New("disk on fire")
	s, err := New(Config{Runner: r, At: At{Off: true}, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	if s.NextRun() != nil || s.Schedule() != "" {
		t.Fatalf("off scheduler: next %v schedule %q", s.NextRun(), s.Schedule())
	}
	if err := s.RunNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Wait()
	if got := s.LastError(); !strings.Contains(got, "disk on fire") {
		t.Fatalf("LastError %q", got)
	}
	// Loop with the schedule off returns at once.
	s.Loop(context.Background())
}

func TestNewNeedsRunner(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("New without a runner succeeded")
	}
}
