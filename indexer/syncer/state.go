package syncer

import (
	"errors"
	"fmt"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
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
	ChatID      string    `json:"chat_id"`
	Reason      string    `json:"reason"`
	Attempts    int       `json:"attempts"`
	FirstFailed time.Time `json:"first_failed"`
	LastFailed  time.Time `json:"last_failed"`
}

// window counts chats synced per minute over the last hour, for the cap.
type window struct {
	Slots []slot `json:"slots"`
}

type slot struct {
	T time.Time `json:"t"` // minute
	N int       `json:"n"`
}

func (w *window) prune(now time.Time) {
	cut := now.Add(-time.Hour)
	i := 0
	for i < len(w.Slots) && !w.Slots[i].T.After(cut) {
		i++
	}
	w.Slots = w.Slots[i:]
}

func (w *window) used(now time.Time) int {
	w.prune(now)
	n := 0
	for _, s := range w.Slots {
		n += s.N
	}
	return n
}

func (w *window) add(now time.Time, n int) {
	if n == 0 {
		return
	}
	m := now.UTC().Truncate(time.Minute)
	if k := len(w.Slots); k > 0 && w.Slots[k-1].T.Equal(m) {
		w.Slots[k-1].N += n
		return
	}
	w.Slots = append(w.Slots, slot{m, n})
}

// resumeAt is when at least one chat of capacity frees up again.
func (w *window) resumeAt(now time.Time, limit int) time.Time {
	used := w.used(now)
	for _, s := range w.Slots {
		if used < limit {
			break
		}
		used -= s.N
		if used < limit {
			return s.T.Add(time.Hour)
		}
	}
	return now
}

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
