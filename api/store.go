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
	RetentionStore
	HoldStore
	MetaStore
}

// RetentionStore is the retention policy and its runs (indexer/retention.go).
type RetentionStore interface {
	RetentionPolicy(ctx context.Context) (model.RetentionPolicy, error)
	SetRetentionPolicy(ctx context.Context, p model.RetentionPolicy) error
	PlanRetention(ctx context.Context, now time.Time, p *model.RetentionPolicy) (indexer.RetentionReport, error)
	RunRetention(ctx context.Context, now time.Time) (indexer.RetentionReport, error)
	LastRetention(ctx context.Context) (*indexer.RetentionReport, error)
}

// HoldStore is legal holds (indexer/holds.go).
type HoldStore interface {
	AddHold(ctx context.Context, h model.Hold) (model.Hold, error)
	Holds(ctx context.Context, all bool) ([]model.Hold, error)
	Hold(ctx context.Context, id string) (model.Hold, error)
	ReleaseHold(ctx context.Context, id, by, reason string) (model.Hold, error)
	ConversationHolds(ctx context.Context, conversationID string) (map[string][]string, error)
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
