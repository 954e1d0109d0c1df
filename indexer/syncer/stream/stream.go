// Package stream is the contract between the sync engine and its sources
// beyond chats: sessions, the Activity Feed and file contents each implement
// Stream in a package of their own, beside the chat walk in syncer, and share
// one Compliance client budget through Env.
package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
)

// Stream is one source of a sync run.
type Stream interface {
	// Name is the stream's short name: "sessions", "activities", "files".
	// It prefixes the stream's meta keys and progress counters.
	Name() string
	// Run syncs until the stream is caught up, ctx ends, or a fault stops
	// it. A stream keeps its own cursor in meta under StateKey(Name()) and
	// commits it in the same batch as the data it covers.
	Run(ctx context.Context, env *Env) error
}

// Stream states shown on the Settings card and in progress events.
const (
	StateIdle        = "idle"
	StateRunning     = "running"
	StateWaiting     = "waiting"     // rate limited or backing off
	StateDone        = "done"        // caught up this run
	StateFailed      = "failed"      // stopped by an error; LastError says which
	StateUnavailable = "unavailable" // the API says the feature is off or not offered (404 "…not available")
	StateForbidden   = "forbidden"   // the key lacks the scope; LastError names it
)

// State is one stream's progress in a run.
type State struct {
	Name        string     `json:"name"`
	State       string     `json:"state"`
	Phase       string     `json:"phase,omitempty"`
	Items       int        `json:"items"`    // sessions, activities or files stored this run
	Messages    int        `json:"messages"` // session messages stored this run
	Skipped     int        `json:"skipped"`  // items recorded as failed this run
	Requests    int64      `json:"requests"`
	RateLimited int64      `json:"rate_limited"`
	LastError   string     `json:"last_error,omitempty"`
	WaitUntil   *time.Time `json:"wait_until,omitempty"`
}

// Env is what the engine gives a stream for one run.
type Env struct {
	Client *compliance.Client // shares the run's Budget with every stream
	Ix     *indexer.Indexer
	Now    func() time.Time
	Log    *slog.Logger
	// SyncFrom is the user's "Sync from": nothing created before it is read.
	SyncFrom time.Time
	// RunStart is this run's start; LastRunStart the previous completed
	// run's (zero on the first run). Incremental polls overlap from it.
	RunStart, LastRunStart time.Time
	// Report updates this stream's State under the engine's lock and
	// publishes a progress event.
	Report func(update func(*State))
	// OwnRequests collects the request ids of every stream's responses (the
	// activity stream matches them against compliance_api_accessed events).
	OwnRequests *RequestIDs
	// Cap is the stream's hourly item cap, loaded by the engine (never nil;
	// Limit 0 = uncapped). A capped stream stops when Cap.Left is 0, reports
	// StateWaiting with WaitUntil = Cap.ResumeAt, and returns nil.
	Cap *Cap
}

// Meta keys of a stream.
func StateKey(name string) string         { return "sync/" + name + "/state" }
func FailedPrefix(name string) string     { return "sync/" + name + "/failed/" }
func FailedKey(name, id string) string    { return FailedPrefix(name) + id }
func PendingFilePrefix() string           { return "sync/files/pending/" }
func PendingFileKey(fileID string) string { return PendingFilePrefix() + fileID }

// LoadJSON reads meta key into v; false when absent.
func LoadJSON(ix *indexer.Indexer, key string, v any) (bool, error) {
	b, err := ix.Meta(key)
	if errors.Is(err, indexer.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	if len(b) == 0 {
		return false, nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("decode %s: %w", key, err)
	}
	return true, nil
}

// MustJSON encodes checkpoint values, which are plain structs.
func MustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Failure is an item (session, file...) a stream could not read, kept until
// a later run reads it.
type Failure struct {
	ID          string    `json:"id"`
	Reason      string    `json:"reason"`
	Attempts    int       `json:"attempts"`
	FirstFailed time.Time `json:"first_failed"`
	LastFailed  time.Time `json:"last_failed"`
}

// Failures keeps a stream's failure records. Records travel in the batch of
// the page that skipped the item, so a crash cannot lose one.
type Failures struct {
	ix   *indexer.Indexer
	name string
	now  func() time.Time
	mu   sync.Mutex
	byID map[string]Failure
}

// LoadFailures reads the stream's stored failure records.
func LoadFailures(ix *indexer.Indexer, name string, now func() time.Time) (*Failures, error) {
	f := &Failures{ix: ix, name: name, now: now, byID: map[string]Failure{}}
	err := ix.ScanMeta(FailedPrefix(name), func(key string, value []byte) error {
		var r Failure
		if err := json.Unmarshal(value, &r); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		f.byID[r.ID] = r
		return nil
	})
	return f, err
}

// Record notes that id failed with err, in b's checkpoints.
func (f *Failures) Record(b *indexer.Batch, id string, err error) Failure {
	now := f.now().UTC()
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.byID[id]
	if !ok {
		r = Failure{ID: id, FirstFailed: now}
	}
	r.Attempts++
	r.LastFailed = now
	r.Reason = err.Error()
	f.byID[id] = r
	if b.Checkpoints == nil {
		b.Checkpoints = map[string][]byte{}
	}
	b.Checkpoints[FailedKey(f.name, id)] = MustJSON(r)
	return r
}

// Clear drops id's record in b's checkpoints (nil deletes a meta key).
func (f *Failures) Clear(b *indexer.Batch, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.byID[id]; !ok {
		return
	}
	delete(f.byID, id)
	if b.Checkpoints == nil {
		b.Checkpoints = map[string][]byte{}
	}
	b.Checkpoints[FailedKey(f.name, id)] = nil
}

// List returns the records, for retrying and for the Settings card.
func (f *Failures) List() []Failure {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Failure, 0, len(f.byID))
	for _, r := range f.byID {
		out = append(out, r)
	}
	return out
}

// PendingFile is a file whose content the files stream should fetch. Chat
// and session streams write one per file reference, in the batch of the
// message that carries it, so a crash never loses the request.
type PendingFile struct {
	FileID         string `json:"file_id"`
	MessageID      string `json:"message_id"`
	ConversationID string `json:"conversation_id"`
	Kind           string `json:"kind"` // model.FileKind
	Size           int64  `json:"size,omitempty"`
	MimeType       string `json:"mime_type,omitempty"`
	// Deleted: the chat was deleted by its user, whose files answer 404.
	Deleted bool `json:"deleted,omitempty"`
}

// QueueFile adds p to b's checkpoints.
func QueueFile(b *indexer.Batch, p PendingFile) {
	if b.Checkpoints == nil {
		b.Checkpoints = map[string][]byte{}
	}
	b.Checkpoints[PendingFileKey(p.FileID)] = MustJSON(p)
}

// ErrStop wraps an error after which no stream should go on (the key was
// refused): the engine stops the whole run.
var ErrStop = errors.New("sync stopped")
