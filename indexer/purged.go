package indexer

import (
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
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

// loadPurged reads the purged ranges recorded on disk into ix.purged,
// replacing what it held.
func (ix *Indexer) loadPurged() error {
	var out []purgedRange
	err := ix.ScanMeta(metaPurged, func(k string, v []byte) error {
		var r purgedRange
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("purged range %s: %w", k, err)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return err
	}
	ix.purged = out
	return nil
}

// repairPurged rewrites the purged ranges older versions recorded with a
// bound outside the supported window (issue 12: "from 1000-01-01"). Such a
// deletion scanned the time index between the wrapped keys of its bounds,
// usually an empty span, so it deleted nothing or something else than it
// named, while its record dropped every later ingest in the named range.
// The record is replaced by the span the deletion really covered, or
// removed when that was empty, so later imports work again. The partitions
// it dropped are rebuilt by checkPartitions. It runs at Open, after
// loadPurged.
func (ix *Indexer) repairPurged() error {
	var fixed []purgedRange
	repaired := false
	err := ix.db.Update(func(txn *badger.Txn) error {
		for _, r := range ix.purged {
			if InWindow(r.From) && InWindow(r.To) {
				fixed = append(fixed, r)
				continue
			}
			repaired = true
			if err := txn.Delete(purgedKey(r)); err != nil {
				return err
			}
			eff, ok := r.scanned()
			if !ok {
				ix.log.Warn("removing a deleted range recorded with dates outside the supported window: "+
					"it deleted nothing, but dropped every later import between its dates",
					"from", r.From, "to", r.To, "deleted_at", r.At)
				continue
			}
			ix.log.Warn("narrowing a deleted range recorded with dates outside the supported window "+
				"to the span it really deleted, so imports outside that span are kept again",
				"from", r.From, "to", r.To, "deleted_at", r.At, "deleted_from", eff.From, "deleted_to", eff.To)
			raw, err := json.Marshal(eff)
			if err != nil {
				return err
			}
			if err := txn.Set(purgedKey(eff), raw); err != nil {
				return err
			}
			fixed = append(fixed, eff)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("repair purged ranges: %w", err)
	}
	if repaired {
		ix.purged = fixed
	}
	return nil
}

// scanned is the span of the time index a deletion of r covered when its
// bounds were turned into keys without a window check: each bound's Unix
// nanoseconds wrapped around int64, and the scan ran between the wrapped
// values, clipped here to the window (nothing outside it can be ingested
// now). ok is false when the span is empty.
func (r purgedRange) scanned() (purgedRange, bool) {
	from, to := time.Unix(0, r.From.UnixNano()).UTC(), time.Unix(0, r.To.UnixNano()).UTC()
	from, to = maxTime(from, MinTime), minTime(to, MaxTime)
	if !from.Before(to) {
		return purgedRange{}, false
	}
	r.From, r.To = from, to
	return r, true
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
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
	return w.set(purgedKey(r), raw)
}

func purgedKey(r purgedRange) []byte {
	return key(pMeta, metaPurged, r.From.UTC().Format(time.RFC3339Nano), "/", r.To.UTC().Format(time.RFC3339Nano))
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
