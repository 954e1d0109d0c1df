package api

import (
	"context"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// Store is what the API needs from the indexer. *indexer.Indexer satisfies
// it; the interface exists so serve.go can wrap it (metrics, tracing) without
// the API caring.
type Store interface {
	Search(ctx context.Context, req indexer.SearchRequest) (*indexer.SearchResult, error)
	Conversation(ctx context.Context, id string) (model.Conversation, error)
	Messages(ctx context.Context, conversationID string) ([]model.Message, error)
	Message(ctx context.Context, id string) (model.Message, error)
	User(ctx context.Context, id string) (model.User, error)
	Users(ctx context.Context) ([]model.User, error)
	DeleteRange(ctx context.Context, from, to time.Time, dryRun bool) (indexer.DeleteResult, error)
	Stats(ctx context.Context) (indexer.Stats, error)
	Subscribe() (<-chan indexer.Event, []indexer.Event, func())
	Publish(e indexer.Event)
	MetaStore
}

// MetaStore is the small keyed storage used for accounts, sessions, tokens
// and the audit trail. The CLI's user command needs only this part.
type MetaStore interface {
	Meta(key string) ([]byte, error)
	PutMeta(key string, value []byte) error
	// PutMetaDurable is PutMeta that returns only once the write is on
	// disk (ordinary writes are not synced): the audit trail uses it.
	PutMetaDurable(key string, value []byte) error
	ScanMeta(prefix string, fn func(key string, value []byte) error) error
}

var _ Store = (*indexer.Indexer)(nil)
