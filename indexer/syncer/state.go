package syncer

import (
	"errors"
	"fmt"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

// Meta keys. The state, the hourly window and failure records travel in the
// same batch as the data they describe; settings and summaries are written
// on their own.
const (
	keyState     = "sync/state"
	keySettings  = "sync/settings"
	keyLastRun   = "sync/last_run"
	keyWindow    = "sync/window"
	keyOrgs      = "sync/orgs"
	prefixFailed = "sync/failed/"
	// KeyPurpose is the keystore purpose of the compliance key.
	KeyPurpose = "compliance-api-key"
)

const (
	phaseBackfill    = "backfill"
	phaseIncremental = "incremental"
)

// state is where the walk is. Cursor is opaque and belongs to Phase's
// order_by and to SyncFrom; changing either restarts the walk.
type state struct {
	SyncFrom time.Time `json:"sync_from"`
	Phase    string    `json:"phase"`
	Cursor   string    `json:"cursor,omitempty"`
	// BackfillStarted is when the current backfill began; the incremental
	// walk starts there so that anything updated during the backfill is seen.
	BackfillStarted time.Time `json:"backfill_started"`
	IncSince        time.Time `json:"inc_since,omitzero"`
	Chats           int64     `json:"chats"`    // stored since the walk began
	Messages        int64     `json:"messages"` // stored since the walk began
}

// Settings are the user's sync choices, persisted across restarts.
type Settings struct {
	SyncFrom time.Time `json:"sync_from,omitzero"` // zero: first of the current month, saved by the first run
	Auto     bool      `json:"auto"`               // automatic hourly sync
}

// Failure is a chat that could not be read, kept until a later run reads it.
type Failure struct {
	ChatID string `json:"chat_id"`
	// ConversationID is the stored conversation's id, so a chat that later
	// answers 404 can be marked deleted without its listing (empty on
	// records written before it existed).
	ConversationID string    `json:"conversation_id,omitempty"`
	Reason         string    `json:"reason"`
	Attempts       int       `json:"attempts"`
	FirstFailed    time.Time `json:"first_failed"`
	LastFailed     time.Time `json:"last_failed"`
}

// window counts chats synced per minute over the last hour, for the cap.
// The chat walk keeps its own under keyWindow, as it always has.
type window = stream.Window

func getJSON(ix *indexer.Indexer, key string, v any) (bool, error) {
	b, err := ix.Meta(key)
	if errors.Is(err, indexer.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	return true, nil
}

func putJSON(ix *indexer.Indexer, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := ix.PutMeta(key, b); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs are encoded here
	}
	return b
}
