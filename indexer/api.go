package indexer

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"time"

	"github.com/ccsync/ccsync/indexer/internal/docmap"
	"github.com/ccsync/ccsync/model"
)

// Sentinel errors; check with errors.Is.
var (
	// ErrNotFound also matches fs.ErrNotExist, so packages below the
	// indexer that only need "absent" (the key store) need not import it.
	ErrNotFound   error = notFound{}
	ErrLocked           = errors.New("data directory is in use by another process")
	ErrBadQuery         = errors.New("invalid query")
	ErrBadRequest       = errors.New("invalid request")
	ErrClosed           = errors.New("indexer is closed")
	// ErrDiskFull is returned, before anything is written, when the data
	// directory's filesystem has less free space than Options.MinFreeBytes.
	// It wraps ENOSPC, so errors.Is(err, syscall.ENOSPC) holds too.
	ErrDiskFull = fmt.Errorf("data directory is nearly full: %w", syscall.ENOSPC)
)

type notFound struct{}

func (notFound) Error() string        { return "not found" }
func (notFound) Is(target error) bool { return target == fs.ErrNotExist }

// Batch is a unit of ingest. Everything in it is written to Badger in one
// transaction where it fits (large batches are split; each part is an
// idempotent upsert, so a crash between parts converges on replay).
// Checkpoints are meta keys written with the last part, so a source's cursor
// never moves past data that is not stored; a nil value deletes the key.
type Batch struct {
	Users         []model.User
	Conversations []model.Conversation
	Messages      []model.Message
	Checkpoints   map[string][]byte
	// Origin says where the batch came from (OriginSync, OriginImport) for
	// the journal: alert rules page nobody for a backfill unless asked.
	Origin string
}

// IngestResult counts what an Ingest call changed.
type IngestResult struct {
	Users         int `json:"users"`         // created or changed
	Conversations int `json:"conversations"` // created or changed
	Messages      int `json:"messages"`      // created or changed
	Unchanged     int `json:"unchanged"`     // records identical to what was stored
	Findings      int `json:"findings"`      // findings in the ingested messages
	Purged        int `json:"purged"`        // messages dropped: created in a deleted range
	// Expired counts messages dropped because the retention policy had
	// already expired them (and no legal hold covers them).
	Expired int `json:"expired"`
}

// Kind selects message-level or conversation-level search results.
type Kind string

const (
	KindMessage      Kind = docmap.KindMessage
	KindConversation Kind = docmap.KindConversation
)

// Sort orders search results.
type Sort string

const (
	SortRelevance Sort = "relevance"
	SortNewest    Sort = "newest"
	SortOldest    Sort = "oldest"
)

// SearchRequest is a full-text query plus facet filters. Query uses Bleve's
// query-string syntax (`+aws -test title:"q3 plan" model:claude-opus-4`); an
// empty query matches everything. Filters are ANDed; values within one
// filter are ORed.
type SearchRequest struct {
	Kind         Kind     `json:"kind,omitempty"`
	Query        string   `json:"query,omitempty"`
	FindingTypes []string `json:"finding_types,omitempty"`
	Severities   []string `json:"severities,omitempty"`
	FlaggedOnly  bool     `json:"flagged_only,omitempty"`
	Users        []string `json:"users,omitempty"` // user ids
	Models       []string `json:"models,omitempty"`
	Roles        []string `json:"roles,omitempty"`
	Tools        []string `json:"tools,omitempty"`
	Sources      []string `json:"sources,omitempty"`
	// Products (model.Product* values) and ConversationKinds (chat,
	// session) filter by the conversation's product and kind.
	Products          []string  `json:"products,omitempty"`
	ConversationKinds []string  `json:"conversation_kinds,omitempty"`
	ConversationID    string    `json:"conversation_id,omitempty"`
	From              time.Time `json:"from,omitzero"` // inclusive
	To                time.Time `json:"to,omitzero"`   // exclusive
	Sort              Sort      `json:"sort,omitempty"`
	Size              int       `json:"size,omitempty"`  // default 20, max 200
	After             string    `json:"after,omitempty"` // cursor from SearchResult.Next
	// Facets names the facets to compute (Facet* constants); empty means all.
	Facets   []string `json:"facets,omitempty"`
	NoFacets bool     `json:"no_facets,omitempty"`
}

// SearchResult is one page of hits, facet counts over all hits, and the cursor
// of the next page ("" when there is none).
type SearchResult struct {
	Total  uint64                  `json:"total"`
	Hits   []Hit                   `json:"hits"`
	Facets map[string][]FacetCount `json:"facets,omitempty"`
	Next   string                  `json:"next,omitempty"`
	Took   time.Duration           `json:"took_ns"`
}

// Hit is one message or conversation matching a search.
type Hit struct {
	Kind           Kind      `json:"kind"`
	ID             string    `json:"id"`
	ConversationID string    `json:"conversation_id"`
	Title          string    `json:"title,omitempty"`
	UserID         string    `json:"user_id,omitempty"`
	UserName       string    `json:"user_name,omitempty"`
	UserEmail      string    `json:"user_email,omitempty"`
	UserAvatarSeed string    `json:"user_avatar_seed,omitempty"`
	Role           string    `json:"role,omitempty"`
	Model          string    `json:"model,omitempty"`
	Provider       string    `json:"provider,omitempty"`
	Source         string    `json:"source,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	// Snippet is HTML: the message text escaped, matches wrapped in <mark>.
	Snippet      string   `json:"snippet,omitempty"`
	FindingTypes []string `json:"finding_types,omitempty"`
	FindingCount int      `json:"finding_count"`
	MessageCount int      `json:"message_count,omitempty"` // conversation hits
	// MatchCount is, on a conversation hit, how many of its messages match
	// the query (0 when only its title or summary does).
	MatchCount int `json:"match_count,omitempty"`
	// Product and ConversationKind of the hit's conversation.
	Product          string   `json:"product,omitempty"`
	ConversationKind string   `json:"conversation_kind,omitempty"`
	Tools            []string `json:"tools,omitempty"`
	Score            float64  `json:"score,omitempty"`
}

// FacetCount is one facet value. Label is a display name where the term is an
// id (users).
type FacetCount struct {
	Term  string `json:"term"`
	Label string `json:"label,omitempty"`
	Count int    `json:"count"`
}

// Facet names in SearchResult.Facets.
const (
	FacetFindingType = "finding_type"
	FacetSeverity    = "severity"
	FacetUser        = "user"
	FacetModel       = "model"
	FacetRole        = "role"
	FacetTool        = "tool"
	FacetSource      = "source"
	FacetDate        = "date" // per day when the range spans ≤ 92 days, else per month
	// FacetProduct is the Claude product (claude_ai, claude_code, cowork,
	// ...) and FacetConversationKind chat or session.
	FacetProduct          = "product"
	FacetConversationKind = "conversation_kind"
)

// DeleteResult counts what DeleteRange removed (or would remove, on a dry run).
type DeleteResult struct {
	Messages      int  `json:"messages"`
	Conversations int  `json:"conversations"`
	Activities    int  `json:"activities"` // Activity Feed events (activity_store.go)
	DryRun        bool `json:"dry_run"`
	// Held counts the messages in the range that legal holds kept, and
	// HeldBy splits them by hold id (a message under two holds counts in
	// both). Held conversations are kept with them.
	Held   int            `json:"held"`
	HeldBy map[string]int `json:"held_by,omitempty"`
}

// Stats are counters for analytics, maintained at ingest.
type Stats struct {
	Messages         int            `json:"messages"`
	Conversations    int            `json:"conversations"`
	Users            int            `json:"users"`
	FlaggedMessages  int            `json:"flagged_messages"`
	MessagesPerDay   map[string]int `json:"messages_per_day"` // YYYY-MM-DD (UTC)
	MessagesPerUser  map[string]int `json:"messages_per_user"`
	MessagesPerModel map[string]int `json:"messages_per_model"`
	FindingsPerType  map[string]int `json:"findings_per_type"`
	// By product (claude_ai, claude_code, ...) and by kind (chat, session).
	ConversationsPerProduct map[string]int `json:"conversations_per_product"`
	MessagesPerProduct      map[string]int `json:"messages_per_product"`
	FindingsPerProduct      map[string]int `json:"findings_per_product"`
	ConversationsPerKind    map[string]int `json:"conversations_per_kind"`
	MessagesPerKind         map[string]int `json:"messages_per_kind"`
	FindingsPerKind         map[string]int `json:"findings_per_kind"`
}

// Progress reports a long operation (reindex) as done of total.
type Progress func(done, total int)
