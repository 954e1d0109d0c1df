// Package alerts evaluates alert rules over the indexer's journal (the
// change feed of ingested messages) and records fired alerts, which the
// forwarding engine (package forward) delivers to alert destinations.
//
// Meta layout (all under the indexer's meta namespace):
//
//	alerts/rule/<id>              a model.AlertRule
//	alerts/fired/<seq:%016x>      a fired model.Alert
//	alerts/state/<rule>\x00<group> a rule's window and quiet-period state for one group
//	alerts/cursor                 the last journal sequence evaluated
//	alerts/next                   the next alert sequence
//
// Alerts, state and cursor for a batch of journal entries are written in
// one UpdateMeta, so a crash re-evaluates the batch from the same state and
// fires the same alerts (same sequence numbers) exactly once.
package alerts

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// Store is what the evaluator needs from the indexer.
type Store interface {
	Journal(ctx context.Context, after uint64, limit int) ([]indexer.JournalEntry, error)
	JournalNotify() <-chan struct{}
	JournalIndexed() uint64
	Message(ctx context.Context, id string) (model.Message, error)
	Conversation(ctx context.Context, id string) (model.Conversation, error)
	User(ctx context.Context, id string) (model.User, error)
	Users(ctx context.Context) ([]model.User, error)
	Search(ctx context.Context, req indexer.SearchRequest) (*indexer.SearchResult, error)
	Meta(key string) ([]byte, error)
	UpdateMeta(sets map[string][]byte) error
	ScanMeta(prefix string, fn func(key string, value []byte) error) error
	ScanMetaFrom(prefix, start string, reverse bool, fn func(key string, value []byte) error) error
}

// ErrNotFound is returned for an unknown rule or alert.
var ErrNotFound = errors.New("not found")

// ErrInvalid wraps a rule that fails validation; the message names the field.
var ErrInvalid = errors.New("invalid alert rule")

// Options configure an Evaluator.
type Options struct {
	Store  Store
	Logger *slog.Logger
	Now    func() time.Time // nil: time.Now; tests move time
	// BackfillAge: a synced message created longer than this before it was
	// ingested is history (a first sync), not live traffic. Default 24h.
	BackfillAge time.Duration
	// Poll is how often Run looks at the journal without being woken
	// (default 5s); new entries normally wake it at once.
	Poll time.Duration
}

// Evaluator evaluates rules and keeps the fired alerts.
type Evaluator struct {
	opts Options
}

// New returns an Evaluator; Run starts it.
func New(opts Options) *Evaluator { return &Evaluator{opts: opts} }

// Run evaluates journal entries as they arrive until ctx ends.
func (ev *Evaluator) Run(ctx context.Context) error { return errors.New("alerts: not implemented") }

// Rules lists the rules, by name.
func (ev *Evaluator) Rules(ctx context.Context) ([]model.AlertRule, error) {
	return nil, errors.New("alerts: not implemented")
}

// Rule returns one rule or ErrNotFound.
func (ev *Evaluator) Rule(ctx context.Context, id string) (model.AlertRule, error) {
	return model.AlertRule{}, errors.New("alerts: not implemented")
}

// PutRule validates and stores a rule: a new one when r.ID is empty
// (an id is assigned, CreatedAt set), otherwise a replacement of an
// existing one (ErrNotFound if there is none).
func (ev *Evaluator) PutRule(ctx context.Context, r model.AlertRule) (model.AlertRule, error) {
	return model.AlertRule{}, errors.New("alerts: not implemented")
}

// DeleteRule removes a rule and its state; alerts it fired stay.
func (ev *Evaluator) DeleteRule(ctx context.Context, id string) error {
	return errors.New("alerts: not implemented")
}

// Alerts lists fired alerts newest first, starting below sequence before
// (0: the newest), at most limit (default 50, at most 500).
func (ev *Evaluator) Alerts(ctx context.Context, before uint64, limit int) ([]model.Alert, error) {
	return nil, errors.New("alerts: not implemented")
}

// Cursor is the last journal sequence the evaluator has finished with:
// the journal may be trimmed through it.
func Cursor(s Store) (uint64, error) { return 0, errors.New("alerts: not implemented") }

// After returns up to limit fired alerts with sequence above after, oldest
// first: the alert stream the forwarding engine delivers.
func After(ctx context.Context, s Store, after uint64, limit int) ([]model.Alert, error) {
	return nil, errors.New("alerts: not implemented")
}

// Head is the sequence of the newest fired alert (0: none).
func Head(s Store) (uint64, error) { return 0, errors.New("alerts: not implemented") }

// Notify returns a channel closed when this process next fires alerts.
func (ev *Evaluator) Notify() <-chan struct{} { return nil }
