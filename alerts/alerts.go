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
//
// # Semantics
//
// Entries are evaluated in journal order, rules in id order within an
// entry. Only an entry's Fresh findings count: a re-sync of an unchanged
// message, or an edit that keeps its findings, alerts on nothing.
//
// An entry is live when Origin is "sync", the message is New and it was
// ingested at most BackfillAge after it was created. Anything else
// (imports, re-scans, history a first sync brings, an unknown origin, an
// edit) is backfill, which only rules with IncludeBackfill consider.
//
// A rule matches an entry when at least one Fresh finding has one of its
// FindingTypes and a severity of at least MinSeverity, and the message's
// conversation owner is one of Users (a user id, an alias of the same user
// record, or an email, compared without case), its model (message, else
// conversation) one of Models, its product (Conversation.ProductOrClaudeAI;
// "claude.ai" and "claude_ai" are the same value) one of Products, and the
// message matches Query (one search per query rule and batch, over the
// batch's message ids; entries are evaluated only once JournalIndexed has
// reached them). Empty filters match everything.
//
// The group of a match is the conversation owner's user id (GroupBy user,
// the default; the conversation id when the owner is unknown), the
// conversation or the message. With Threshold 0 every matching entry is a
// candidate; with Threshold N, a candidate is the entry that brings more
// than N matching findings of one group whose message creation times lie
// within WindowMinutes of each other (last − first ≤ window). The alert
// then reports the findings of that window, and the window starts empty.
//
// A candidate fires an alert unless the group is in its quiet period:
// QuietMinutes (default 60) from the ingest time (JournalEntry.At) of the
// entry that fired the group's previous alert. Ingest time, not the clock,
// so that replaying the journal gives the same alerts. Matches of the same
// batch within the quiet period are folded into the alert they follow
// (its Findings, ByType and Messages); later ones are suppressed: counted
// in the group's state and reported on its next alert as Suppressed
// (matching messages) with their findings included in Findings, ByType,
// MaxSeverity, FirstSeen/LastSeen and Messages. So one bad paste is one
// alert, and so are forty findings over ten messages of one user.
//
// Which alerts fire, their order and sequence numbers depend only on the
// journal and the state; FiredAt is the evaluator's clock, and how the
// findings of a burst split between an alert and the Suppressed count of
// the next depends on where batches end.
package alerts

import (
	"context"
	"errors"
	"log/slog"
	"sync"
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
	// MatchingMessages is Search restricted to some message ids: query
	// rules test a whole batch with one call.
	MatchingMessages(ctx context.Context, req indexer.SearchRequest, ids []string) ([]string, error)
	Meta(key string) ([]byte, error)
	UpdateMeta(sets map[string][]byte) error
	ScanMeta(prefix string, fn func(key string, value []byte) error) error
	ScanMetaFrom(prefix, start string, reverse bool, fn func(key string, value []byte) error) error
}

// Reader is what reading the alert log (After, Head, Cursor) needs, so
// that the forwarding engine can pass its own narrower store.
type Reader interface {
	Meta(key string) ([]byte, error)
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
	log  *slog.Logger
	// mu serialises rule changes with the evaluation of a batch: a batch
	// sees one set of rules from start to UpdateMeta, a change applies
	// from the next batch, and a deleted rule's state is not written back.
	mu sync.Mutex

	notifyMu sync.Mutex
	notify   chan struct{}
}

// New returns an Evaluator; Run starts it.
func New(opts Options) *Evaluator {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BackfillAge <= 0 {
		opts.BackfillAge = 24 * time.Hour
	}
	if opts.Poll <= 0 {
		opts.Poll = 5 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Evaluator{opts: opts, log: log.With("component", "alerts"), notify: make(chan struct{})}
}

// Notify returns a channel closed when this process next fires alerts.
func (ev *Evaluator) Notify() <-chan struct{} {
	ev.notifyMu.Lock()
	defer ev.notifyMu.Unlock()
	return ev.notify
}

func (ev *Evaluator) fired() {
	ev.notifyMu.Lock()
	close(ev.notify)
	ev.notify = make(chan struct{})
	ev.notifyMu.Unlock()
}

// Meta keys.
const (
	keyRule   = "alerts/rule/"
	keyFired  = "alerts/fired/"
	keyState  = "alerts/state/"
	keyCursor = "alerts/cursor"
	keyNext   = "alerts/next"
)
