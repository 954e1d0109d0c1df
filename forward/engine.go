package forward

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// Store is what the engine needs from the indexer.
type Store interface {
	Journal(ctx context.Context, after uint64, limit int) ([]indexer.JournalEntry, error)
	JournalNotify() <-chan struct{}
	JournalHead() uint64
	TrimJournal(ctx context.Context, through uint64) error
	Message(ctx context.Context, id string) (model.Message, error)
	Conversation(ctx context.Context, id string) (model.Conversation, error)
	User(ctx context.Context, id string) (model.User, error)
	Meta(key string) ([]byte, error)
	PutMeta(key string, value []byte) error
	UpdateMeta(sets map[string][]byte) error
	ScanMeta(prefix string, fn func(key string, value []byte) error) error
	ScanMetaFrom(prefix, start string, reverse bool, fn func(key string, value []byte) error) error
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
}

// New returns an Engine; Run starts delivery. The configuration methods
// work whether or not Run is running (the CLI uses them offline).
func New(opts Options) *Engine { return &Engine{opts: opts} }

// Run delivers until ctx ends, starting and stopping senders as
// destinations are added, changed and removed.
func (e *Engine) Run(ctx context.Context) error { return errors.New("forward: not implemented") }

// Destinations lists destinations with their status, by name.
func (e *Engine) Destinations(ctx context.Context) ([]DestinationStatus, error) {
	return nil, errors.New("forward: not implemented")
}

// Destination returns one destination with its status, or ErrNotFound.
func (e *Engine) Destination(ctx context.Context, id string) (DestinationStatus, error) {
	return DestinationStatus{}, errors.New("forward: not implemented")
}

// PutDestination validates and stores a destination: new when d.ID is
// empty, else a replacement (ErrNotFound if none). A non-empty Secret is
// encrypted and replaces the saved one; an empty one keeps it. The result
// has Secret cleared and SecretHint set. A new destination starts at the
// head of its stream: it gets what happens from now on, not history.
func (e *Engine) PutDestination(ctx context.Context, d model.Destination) (model.Destination, error) {
	return model.Destination{}, errors.New("forward: not implemented")
}

// DeleteDestination removes a destination, its cursor, status, dead
// letters and secret.
func (e *Engine) DeleteDestination(ctx context.Context, id string) error {
	return errors.New("forward: not implemented")
}

// TestSend sends one synthetic event of the destination's stream now,
// outside its queue, and reports what the receiver said.
func (e *Engine) TestSend(ctx context.Context, id string) (TestResult, error) {
	return TestResult{}, errors.New("forward: not implemented")
}

// DeadLetters lists a destination's dead letters, oldest first, at most
// limit (default 100).
func (e *Engine) DeadLetters(ctx context.Context, id string, limit int) ([]DeadLetter, error) {
	return nil, errors.New("forward: not implemented")
}

// RetryDeadLetter sends a dead letter again now; on success it is removed,
// otherwise it stays with the new error (returned).
func (e *Engine) RetryDeadLetter(ctx context.Context, id, letter string) error {
	return errors.New("forward: not implemented")
}

// DiscardDeadLetter removes a dead letter without sending it.
func (e *Engine) DiscardDeadLetter(ctx context.Context, id, letter string) error {
	return errors.New("forward: not implemented")
}
