package forward

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/ccsync/ccsync/alerts"
	"github.com/ccsync/ccsync/model"
)

// Store is what the engine needs from the indexer: what the alert log
// reads (alerts.Store) and the journal's head and trimming.
type Store interface {
	alerts.Store
	JournalHead() uint64
	TrimJournal(ctx context.Context, through uint64) error
	PutMeta(key string, value []byte) error
}

// Secrets keeps destination secrets encrypted (*keystore.Store).
type Secrets interface {
	Put(purpose, secret string) (hint string, err error)
	Get(purpose string) (string, error)
	Delete(purpose string) error
}

// Clock is time for the retry loop; tests drive a fake one.
type Clock interface {
	Now() time.Time
	// After is time.After: a fake clock fires it when moved past d.
	After(d time.Duration) <-chan time.Time
}

// Options configure an Engine.
type Options struct {
	Store   Store
	Secrets Secrets
	Logger  *slog.Logger
	Clock   Clock // nil: the wall clock
	// BaseURL is ccsync's address as auditors open it, for links in
	// events ("https://ccsync.example.com"); empty leaves links out.
	BaseURL  string
	Hostname string       // names this ccsync in syslog and HEC; default os.Hostname
	HTTP     *http.Client // nil: per-destination clients
	// AlertStore reads fired alerts; AlertNotify wakes alert senders when
	// the evaluator fires (nil: they poll).
	AlertNotify func() <-chan struct{}
	// RetryFor is how long a failing batch is retried before it is
	// dead-lettered (default 24h); a permanent failure (the receiver
	// refused the request) is dead-lettered after PermanentAttempts
	// (default 3). Backoff doubles from MinBackoff (1s) to MaxBackoff
	// (1m), with jitter.
	RetryFor          time.Duration
	PermanentAttempts int
	MinBackoff        time.Duration
	MaxBackoff        time.Duration
	// Poll is how often idle senders look for work without being woken
	// (default 5s).
	Poll time.Duration
	// JournalConsumers returns the cursors of journal consumers outside
	// this engine (the alert evaluator), so the journal is trimmed only
	// behind them too.
	JournalConsumers func() (uint64, error)
}

// ErrNotFound is returned for an unknown destination or dead letter.
var ErrNotFound = errors.New("not found")

// ErrInvalid wraps a destination that fails validation; the message names
// the field.
var ErrInvalid = errors.New("invalid destination")

// Engine runs one sender per enabled destination.
type Engine struct {
	opts Options
	log  *slog.Logger

	instMu sync.Mutex
	inst   string

	mu      sync.Mutex
	running bool               // Run is delivering
	runCtx  context.Context    // Run's context, for workers started by a change
	workers map[string]*worker // by destination id
	wg      sync.WaitGroup
}

// New returns an Engine; Run starts delivery. The configuration methods
// work whether or not Run is running (the CLI uses them offline).
func New(opts Options) *Engine {
	if opts.Clock == nil {
		opts.Clock = wallClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Hostname == "" {
		opts.Hostname, _ = os.Hostname()
	}
	if opts.RetryFor <= 0 {
		opts.RetryFor = 24 * time.Hour
	}
	if opts.PermanentAttempts <= 0 {
		opts.PermanentAttempts = 3
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = 5 * time.Second
	}
	return &Engine{opts: opts, log: opts.Logger.With("component", "forward"), workers: map[string]*worker{}}
}

// trimEvery is how often Run trims the journal behind its consumers.
const trimEvery = 30 * time.Second

// Run delivers until ctx ends, starting and stopping senders as
// destinations are added, changed and removed.
func (e *Engine) Run(ctx context.Context) error {
	e.mu.Lock()
	if e.running {
		e.mu.Unlock()
		return errors.New("forward: already running")
	}
	e.running, e.runCtx = true, ctx
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		for id, w := range e.workers {
			w.stop()
			delete(e.workers, id)
		}
		e.running = false
		e.mu.Unlock()
		e.wg.Wait()
	}()
	if err := e.reload(); err != nil {
		e.log.Error("start destinations", "error", err)
	}
	tick := time.NewTicker(trimEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if err := e.trim(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("trim journal", "error", err)
			}
			if err := e.purgeDeadLetters(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("purge dead letters of deleted messages", "error", err)
			}
		}
	}
}

// reload makes the running workers match the stored destinations: one per
// enabled destination, restarted when its configuration changed.
func (e *Engine) reload() error {
	ds, err := e.loadDestinations()
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.running {
		return nil
	}
	want := map[string]model.Destination{}
	for _, d := range ds {
		if d.Enabled {
			want[d.ID] = d
		}
	}
	for id, w := range e.workers {
		if d, ok := want[id]; !ok || !d.UpdatedAt.Equal(w.d.UpdatedAt) {
			w.stop()
			delete(e.workers, id)
		}
	}
	for id, d := range want {
		if _, ok := e.workers[id]; ok {
			continue
		}
		w := e.newWorker(d)
		ctx, cancel := context.WithCancel(e.runCtx)
		w.cancel = cancel
		e.workers[id] = w
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			w.run(ctx)
		}()
	}
	return nil
}

// stopWorker stops a destination's worker and waits for it, so that its
// keys can be rewritten or removed without it writing behind.
func (e *Engine) stopWorker(id string) {
	e.mu.Lock()
	w := e.workers[id]
	delete(e.workers, id)
	e.mu.Unlock()
	if w != nil {
		w.stop()
	}
}

// trim deletes journal entries every consumer has finished with: the
// enabled feed destinations and the outside consumers (the evaluator).
func (e *Engine) trim(ctx context.Context) error {
	through := e.opts.Store.JournalHead()
	if e.opts.JournalConsumers != nil {
		c, err := e.opts.JournalConsumers()
		if err != nil {
			return err
		}
		through = min(through, c)
	}
	ds, err := e.loadDestinations()
	if err != nil {
		return err
	}
	for _, d := range ds {
		if !d.Enabled || d.Stream == model.StreamAlerts {
			continue
		}
		c, err := e.loadCursor(d.ID)
		if err != nil {
			return err
		}
		through = min(through, c)
	}
	if through == 0 {
		return nil
	}
	return e.opts.Store.TrimJournal(ctx, through)
}
