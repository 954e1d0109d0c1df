package indexer

import (
	"fmt"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
)

// A deleted date range stays deleted. The sources re-deliver whole chats (the
// Compliance API returns every message of a chat that gained one; an export
// holds everything), so without a record of what was purged, the next sync or
// import would quietly restore what an auditor deleted. DeleteRange records
// each range under meta/purged/, in the same transaction as the deletion, and
// Ingest drops messages created inside any of them.

const metaPurged = "purged/"

type purgedRange struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	At   time.Time `json:"deleted_at"`
	// Pending is set while the deletion runs; Open finishes one a crash
	// interrupted (records from before this field are complete).
	Pending bool `json:"pending,omitempty"`
}

func (r purgedRange) contains(t time.Time) bool { return !t.Before(r.From) && t.Before(r.To) }

// loadPurged reads the purged ranges at Open.
func (ix *Indexer) loadPurged() error {
	return ix.ScanMeta(metaPurged, func(k string, v []byte) error {
		var r purgedRange
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("purged range %s: %w", k, err)
		}
		ix.purged = append(ix.purged, r)
		return nil
	})
}

// isPurged reports whether t lies in a deleted range; ix.writes must be held.
func (ix *Indexer) isPurged(t time.Time) bool {
	for _, r := range ix.purged {
		if r.contains(t) {
			return true
		}
	}
	return false
}

// recordPurge stores a deleted range with the deletion's first transaction,
// and again, no longer pending, with its last.
func (w *writer) recordPurge(r purgedRange) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	k := key(pMeta, metaPurged, r.From.UTC().Format(time.RFC3339Nano), "/", r.To.UTC().Format(time.RFC3339Nano))
	return w.set(k, raw)
}

// dropPurged removes from a batch the messages created in a deleted range,
// and the conversations created in one that are not stored and keep no
// message in this batch. It returns how many messages it dropped.
func (ix *Indexer) dropPurged(w *writer, convs []model.Conversation, msgs []encodedMessage) ([]model.Conversation, []encodedMessage, int, error) {
	if len(ix.purged) == 0 {
		return convs, msgs, 0, nil
	}
	kept := msgs[:0:0]
	alive := map[string]bool{}
	for _, m := range msgs {
		if ix.isPurged(m.msg.CreatedAt) {
			continue
		}
		kept = append(kept, m)
		alive[m.msg.ConversationID] = true
	}
	keptConvs := convs[:0:0]
	for _, c := range convs {
		if ix.isPurged(c.CreatedAt) && !alive[c.ID] {
			found, _, err := getJSON(w.txn, key(pConv, c.ID), nil)
			if err != nil {
				return nil, nil, 0, err
			}
			if !found {
				continue
			}
		}
		keptConvs = append(keptConvs, c)
	}
	return keptConvs, kept, len(msgs) - len(kept), nil
}
