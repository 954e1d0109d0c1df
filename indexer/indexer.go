package indexer

import (
	"context"
	"log/slog"
	"time"

	"github.com/ccsync/ccsync/model"
	"github.com/ccsync/ccsync/scanners"
)

// Options configure an Indexer.
type Options struct {
	Dir     string           // data directory; Badger in Dir/badger, Bleve in Dir/index
	Scanner scanners.Scanner // nil means scanners.Default()
	Logger  *slog.Logger     // nil means slog.Default()
}

// Indexer owns the Badger store (source of truth) and the Bleve index derived
// from it. It is safe for concurrent use; writes are serialised.
type Indexer struct {
	opts   Options
	events *hub
}

// Open opens (creating if needed) the data directory. It fails with ErrLocked
// if another process holds it, rebuilds a missing or corrupt index from
// Badger, and replays an index outbox left by a crash.
func Open(ctx context.Context, opts Options) (*Indexer, error) { panic("todo") }

// Close flushes and closes both stores.
func (ix *Indexer) Close() error { panic("todo") }

// Ingest scans messages, upserts the batch by id into Badger with an index
// outbox in the same transaction, then applies the outbox to Bleve.
func (ix *Indexer) Ingest(ctx context.Context, b Batch) (IngestResult, error) { panic("todo") }

// Meta returns a value stored with Batch.Checkpoints or PutMeta (sync cursors,
// settings); ErrNotFound if absent.
func (ix *Indexer) Meta(key string) ([]byte, error) { panic("todo") }

// PutMeta stores a small value under key (nil value deletes it).
func (ix *Indexer) PutMeta(key string, value []byte) error { panic("todo") }

// Conversation returns one conversation by id.
func (ix *Indexer) Conversation(ctx context.Context, id string) (model.Conversation, error) {
	panic("todo")
}

// Messages returns a conversation's messages in source order.
func (ix *Indexer) Messages(ctx context.Context, conversationID string) ([]model.Message, error) {
	panic("todo")
}

// Message returns one message by id.
func (ix *Indexer) Message(ctx context.Context, id string) (model.Message, error) { panic("todo") }

// User returns one user by id or alias.
func (ix *Indexer) User(ctx context.Context, id string) (model.User, error) { panic("todo") }

// Users lists all users.
func (ix *Indexer) Users(ctx context.Context) ([]model.User, error) { panic("todo") }

// Search runs a full-text, faceted search.
func (ix *Indexer) Search(ctx context.Context, req SearchRequest) (*SearchResult, error) {
	panic("todo")
}

// DeleteRange removes messages created in [from, to) and conversations left
// without messages whose creation time is in range. dryRun only counts.
func (ix *Indexer) DeleteRange(ctx context.Context, from, to time.Time, dryRun bool) (DeleteResult, error) {
	panic("todo")
}

// Reindex rebuilds the Bleve index from Badger.
func (ix *Indexer) Reindex(ctx context.Context, progress Progress) error { panic("todo") }

// Stats returns the analytics counters.
func (ix *Indexer) Stats(ctx context.Context) (Stats, error) { panic("todo") }
