package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ccsync/ccsync/indexer"
)

// Runner runs retention; *indexer.Indexer is one.
type Runner interface {
	RunRetention(ctx context.Context, now time.Time) (indexer.RetentionReport, error)
}

// Clock is the scheduler's time. Tests inject a fake one so a day passes
// at once and nothing sleeps.
type Clock interface {
	Now() time.Time
	// After delivers once d has passed (like time.After).
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Config configures a Scheduler. Runner is required.
type Config struct {
	Runner Runner
	At     At    // daily run time; At{Off: true} for none
	Clock  Clock // nil: the real clock
	Logger *slog.Logger
	// OnRun, when set, is told of every run that ended: trigger is "daily"
	// or "on demand". serve audits the daily runs with it (nobody asked
	// for them through the API, which audits its own).
	OnRun func(trigger string, rep indexer.RetentionReport, err error)
}

// Scheduler starts retention runs, never two at once.
type Scheduler struct {
	cfg     Config
	log     *slog.Logger
	mu      sync.Mutex
	running bool
	lastErr string
	wg      sync.WaitGroup
}

// New returns a scheduler; call Loop to have it run daily.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Runner == nil {
		return nil, errors.New("retention: Config.Runner is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Scheduler{cfg: cfg, log: cfg.Logger}, nil
}

// Schedule is the daily run time "HH:MM" (UTC), or "" when off.
func (s *Scheduler) Schedule() string { return s.cfg.At.String() }

// NextRun is when the next daily run starts; nil when off.
func (s *Scheduler) NextRun() *time.Time {
	n := s.cfg.At.Next(s.cfg.Clock.Now())
	if n.IsZero() {
		return nil
	}
	return &n
}

// Running reports whether a run is in progress.
func (s *Scheduler) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

// LastError is the error of the last run ("" when it succeeded or none ran
// in this process): a failed run leaves no report for GET /retention.
func (s *Scheduler) LastError() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

// RunNow starts a run in the background and returns at once; indexer.ErrBusy
// while one runs. ctx bounds the run (the server's, not the request's).
func (s *Scheduler) RunNow(ctx context.Context) error {
	if !s.claim() {
		return fmt.Errorf("retention run on demand: %w", indexer.ErrBusy)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.run(ctx, "on demand")
	}()
	return nil
}

// Wait returns once no run started by RunNow is in progress: serve calls it
// before closing the indexer.
func (s *Scheduler) Wait() { s.wg.Wait() }

// Loop runs retention daily at the configured time until ctx ends. A run
// due while another (on demand) is running is skipped, not queued: the
// running one applies the same policy. A run that outlasts the next slot
// makes that day's run skipped too, never doubled.
func (s *Scheduler) Loop(ctx context.Context) {
	if s.cfg.At.Off {
		return
	}
	next := s.cfg.At.Next(s.cfg.Clock.Now())
	for {
		wait := max(next.Sub(s.cfg.Clock.Now()), 0)
		select {
		case <-ctx.Done():
			return
		case <-s.cfg.Clock.After(wait):
		}
		if s.cfg.Clock.Now().Before(next) {
			continue // woke early (clock adjusted): wait out the rest
		}
		if s.claim() {
			s.run(ctx, "daily")
		} else {
			s.log.Info("retention: daily run skipped, a run is already in progress", "slot", next)
		}
		if ctx.Err() != nil {
			return
		}
		next = s.cfg.At.Next(later(s.cfg.Clock.Now(), next))
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (s *Scheduler) claim() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return false
	}
	s.running = true
	return true
}

// run runs once; the caller has claimed the slot.
func (s *Scheduler) run(ctx context.Context, why string) {
	now := s.cfg.Clock.Now().UTC()
	rep, err := s.cfg.Runner.RunRetention(ctx, now)
	s.mu.Lock()
	s.running = false
	s.lastErr = ""
	if err != nil {
		s.lastErr = err.Error()
	}
	s.mu.Unlock()
	if s.cfg.OnRun != nil {
		s.cfg.OnRun(why, rep, err)
	}
	if err != nil {
		if errors.Is(err, indexer.ErrBusy) {
			// The indexer's own guard: a run it started some other way.
			s.log.Warn("retention run refused: one is already running", "trigger", why)
			return
		}
		s.log.Error("retention run failed", "trigger", why, "err", err)
		return
	}
	s.log.Info("retention run done", "trigger", why, "messages", rep.Messages, "conversations", rep.Conversations,
		"activities", rep.Activities, "held", rep.Held, "took", rep.Took)
}
