package syncer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

// DefaultRequestsPerMinute is the Compliance API's documented quota per
// parent organisation.
const DefaultRequestsPerMinute = 600

// Sentinel errors.
var (
	ErrRunning = errors.New("a sync is already running")
	ErrNoKey   = errors.New("no Compliance API key saved")
)

// Config configures an Engine. Zero values pick the documented defaults.
type Config struct {
	BaseURL string // default https://api.anthropic.com
	// Key, when set, is used instead of the saved key (CCSYNC_COMPLIANCE_KEY).
	Key  string
	Keys *keystore.Store // where SaveKey keeps the key; may be nil when Key is set
	// SyncFrom overrides the saved "Sync from" setting and saves it.
	SyncFrom  time.Time
	HourlyCap int // chats per organisation per rolling hour; default 10,000
	// SessionsHourlyCap caps the "sessions" stream apart from chats;
	// default 10,000 per rolling hour. Files and activities are uncapped.
	SessionsHourlyCap int
	// RequestsPerMinute is the one request budget every stream of a run
	// shares; default 600, the documented quota of the parent organisation.
	// Lower it when other tools use the same organisation: the quota is
	// counted for all its keys together.
	RequestsPerMinute int
	// Streams are the sources synced beside the chat walk (sessions,
	// activities, files). They run concurrently with it; "files" runs after
	// the others, fetching what they queued.
	Streams  []stream.Stream
	PageSize int // chats per list request; default 100
	// Concurrency is how many chats' messages are fetched at once; default 4.
	// The request budget, not this, bounds the request rate.
	Concurrency int
	// MessagePageSize pages huge chats; 0 reads each chat in one response.
	MessagePageSize int
	// Client is the template for every stream's API client (timeouts,
	// retries, clock); BaseURL, Key, Logger, Budget and OnResponse are
	// filled in by the engine.
	Client   compliance.Config
	Now      func() time.Time
	Logger   *slog.Logger
	Interval time.Duration // automatic sync period; default 1 h
}

// Engine runs syncs, one at a time.
type Engine struct {
	ix  *indexer.Indexer
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	setMu    sync.Mutex // serialises read-modify-write of the saved settings
	running  bool
	cancel   context.CancelFunc
	progress Summary // the running run's counters
	runDone  chan struct{}
	kick     chan struct{} // wakes the scheduler after a settings change
	runs     atomic.Int64  // numbers run ids within the process
}

// New returns an engine storing into ix.
func New(ix *indexer.Indexer, cfg Config) *Engine {
	if cfg.HourlyCap <= 0 {
		cfg.HourlyCap = 10000
	}
	if cfg.SessionsHourlyCap <= 0 {
		cfg.SessionsHourlyCap = 10000
	}
	if cfg.RequestsPerMinute <= 0 {
		cfg.RequestsPerMinute = DefaultRequestsPerMinute
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	cfg.PageSize = min(cfg.PageSize, 1000)
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Hour
	}
	return &Engine{ix: ix, cfg: cfg, log: cfg.Logger, kick: make(chan struct{}, 1)}
}

// Start begins a run in the background and returns its job id, under which
// progress events are published; ErrRunning if a run is in progress (Sync
// now while running is a no-op that says so), ErrNoKey without a key. Pass a
// context that outlives the caller's request (the server's): cancelling it
// stops the run, as Cancel does.
func (e *Engine) Start(ctx context.Context) (string, error) {
	if _, err := e.key(); err != nil {
		return "", err
	}
	id, run, err := e.begin(ctx)
	if err != nil {
		return "", err
	}
	go func() { _, _ = run() }()
	return id, nil
}

// RunOnce runs a sync to completion (or cancellation) and returns its summary.
func (e *Engine) RunOnce(ctx context.Context) (*Summary, error) {
	_, run, err := e.begin(ctx)
	if err != nil {
		return nil, err
	}
	return run()
}

// begin claims the single run slot and returns the run to execute.
func (e *Engine) begin(ctx context.Context) (string, func() (*Summary, error), error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.running {
		return "", nil, ErrRunning
	}
	if err := ctx.Err(); err != nil {
		// Shutting down: a run started now could outlive the indexer.
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	e.running, e.cancel, e.runDone = true, cancel, make(chan struct{})
	done := e.runDone
	start := e.cfg.Now().UTC()
	id := fmt.Sprintf("sync-%s-%d", start.Format("20060102T150405"), e.runs.Add(1))
	e.progress = Summary{ID: id, Start: start}
	return id, func() (*Summary, error) {
		defer func() {
			cancel()
			e.mu.Lock()
			e.running, e.cancel = false, nil
			e.mu.Unlock()
			close(done)
		}()
		return e.run(ctx, id, start)
	}, nil
}

// Cancel stops the running sync, if any, and waits for it to finish,
// including saving its last-run summary, so the indexer may be closed as
// soon as it returns. It reports whether a run was cancelled.
func (e *Engine) Cancel() bool {
	e.mu.Lock()
	cancel, done := e.cancel, e.runDone
	e.mu.Unlock()
	if cancel == nil {
		return false
	}
	cancel()
	<-done
	return true
}

// Status is what the UI shows about the sync.
type Status struct {
	Running   bool       `json:"running"`
	Progress  *Summary   `json:"progress,omitempty"` // the running run
	LastRun   *Summary   `json:"last_run,omitempty"`
	Settings  Settings   `json:"settings"`
	SyncFrom  time.Time  `json:"sync_from"` // effective
	Phase     string     `json:"phase"`
	KeyHint   string     `json:"key_hint,omitempty"`
	KeySaved  time.Time  `json:"key_saved,omitzero"`
	Failed    []Failure  `json:"failed,omitempty"`
	ResumeAt  *time.Time `json:"resume_at,omitempty"`
	NextRun   *time.Time `json:"next_run,omitempty"` // when automatic sync runs next
	HourlyCap int        `json:"hourly_cap"`
	// Streams is each stream's state: the running run's, else the last's.
	Streams []stream.State `json:"streams,omitempty"`
	// RequestsPerMinute is the budget the streams share.
	RequestsPerMinute int `json:"requests_per_minute"`
}

// Status reports the current run, the last run, settings and failed chats.
func (e *Engine) Status() (Status, error) {
	st := Status{HourlyCap: e.cfg.HourlyCap, RequestsPerMinute: e.cfg.RequestsPerMinute}
	e.mu.Lock()
	if e.running {
		p := e.progress
		p.Errors = append([]string(nil), p.Errors...)
		p.Streams = append([]stream.State(nil), p.Streams...)
		st.Running, st.Progress, st.Streams = true, &p, p.Streams
	}
	e.mu.Unlock()
	var last Summary
	if ok, err := getJSON(e.ix, keyLastRun, &last); err != nil {
		return st, err
	} else if ok {
		st.LastRun = &last
		st.ResumeAt = last.ResumeAt
		if st.Streams == nil {
			st.Streams = last.Streams
		}
	}
	set, err := e.Settings()
	if err != nil {
		return st, err
	}
	st.Settings, st.SyncFrom = set, e.effectiveFrom(set)
	var s state
	if _, err := getJSON(e.ix, keyState, &s); err != nil {
		return st, err
	}
	st.Phase = s.Phase
	if st.Phase == "" {
		st.Phase = phaseBackfill
	}
	if e.cfg.Keys != nil {
		if info, err := e.cfg.Keys.Info(KeyPurpose); err == nil {
			st.KeyHint, st.KeySaved = info.Hint, info.SavedAt
		}
	}
	if set.Auto {
		next := e.cfg.Now().Add(e.nextWait(st)).UTC()
		st.NextRun = &next
	}
	st.Failed, err = e.Failures()
	return st, err
}

// Failures lists chats that could not be read and will be retried.
func (e *Engine) Failures() ([]Failure, error) {
	var out []Failure
	err := e.ix.ScanMeta(prefixFailed, func(_ string, v []byte) error {
		var f Failure
		if err := jsonUnmarshal(v, &f); err != nil {
			return err
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

// Settings returns the saved sync settings.
func (e *Engine) Settings() (Settings, error) {
	var s Settings
	_, err := getJSON(e.ix, keySettings, &s)
	return s, err
}

// SetSyncFrom saves the "Sync from" date; the next run restarts its walk from
// the new window.
func (e *Engine) SetSyncFrom(t time.Time) error {
	_, err := e.updateSettings(func(s *Settings) { s.SyncFrom = t.UTC() })
	return err
}

// updateSettings applies f to the saved settings and saves them, atomically
// with respect to the other settings writers.
func (e *Engine) updateSettings(f func(*Settings)) (Settings, error) {
	e.setMu.Lock()
	defer e.setMu.Unlock()
	s, err := e.Settings()
	if err != nil {
		return s, err
	}
	f(&s)
	if !s.SyncFrom.IsZero() {
		s.SyncFrom = s.SyncFrom.UTC()
	}
	return s, putJSON(e.ix, keySettings, s)
}

// SetAuto turns automatic hourly sync on or off; the choice is persisted.
func (e *Engine) SetAuto(on bool) error {
	if _, err := e.updateSettings(func(s *Settings) { s.Auto = on }); err != nil {
		return err
	}
	e.wake()
	return nil
}

// SetSettings saves both settings at once. A changed Sync from restarts the
// walk on the next run; turning Auto on schedules a run soon.
func (e *Engine) SetSettings(s Settings) error {
	if _, err := e.updateSettings(func(old *Settings) { *old = s }); err != nil {
		return err
	}
	e.wake()
	return nil
}

// wake makes the scheduler re-read the settings.
func (e *Engine) wake() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// effectiveFrom is the Sync from date: the saved one, else the first of the
// current month (UTC). The first run saves the default (fixSyncFrom), so it
// only moves with the calendar until then.
func (e *Engine) effectiveFrom(s Settings) time.Time {
	if !s.SyncFrom.IsZero() {
		return s.SyncFrom.UTC()
	}
	now := e.cfg.Now().UTC()
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// key is the compliance key: the configured one, else the saved one.
func (e *Engine) key() (string, error) {
	if e.cfg.Key != "" {
		return e.cfg.Key, nil
	}
	if e.cfg.Keys == nil {
		return "", ErrNoKey
	}
	k, err := e.cfg.Keys.Get(KeyPurpose)
	if errors.Is(err, keystore.ErrNoSecret) {
		return "", ErrNoKey
	}
	if err != nil {
		return "", fmt.Errorf("sync: load key: %w", err)
	}
	return k, nil
}

func (e *Engine) clientWith(cc compliance.Config, key string, onWait func(string, time.Duration)) (*compliance.Client, error) {
	cc.BaseURL, cc.Key, cc.Logger = e.cfg.BaseURL, key, e.log
	if cc.Now == nil {
		cc.Now = e.cfg.Now
	}
	cc.OnWait = onWait
	return compliance.New(cc)
}

// SaveKey validates key with one cheap API call (a one-chat listing, which
// needs the scope sync needs), then stores it encrypted. It returns the hint.
func (e *Engine) SaveKey(ctx context.Context, key string) (string, error) {
	if e.cfg.Keys == nil {
		return "", errors.New("sync: no key store configured")
	}
	// Someone is waiting on this answer: a short retry budget, not a sync's.
	cc := e.cfg.Client
	cc.MaxRetries, cc.MaxRateLimitRetries = 2, 2
	c, err := e.clientWith(cc, key, nil)
	if err != nil {
		return "", err
	}
	if _, err := c.ListChats(ctx, compliance.ListChatsParams{Limit: 1}); err != nil {
		if errors.Is(err, compliance.ErrUnauthorized) || compliance.IsKeyNotFound(err) {
			return "", fmt.Errorf("sync: %w: %w", compliance.ErrKeyNotAccepted, err)
		}
		return "", fmt.Errorf("sync: key rejected: %w", err)
	}
	return e.cfg.Keys.Put(KeyPurpose, key)
}
