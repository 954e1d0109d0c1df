package indexer

import (
	"context"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// Legal holds (model.Hold). Storage and the frozen query: holds_store.go;
// what deletions check against: holds_view.go; listings and counts:
// holds_read.go. Placing or releasing a hold never takes ix.writes: a hold
// can be placed while an hours-long deletion runs, and the deletion's next
// commit conflicts with it (holdView.check).

// AddHold validates and places a hold, and returns it as stored (id,
// creation time, frozen query and counts filled in). It takes effect for
// every deletion that commits after it returns, including one running.
// ErrBadRequest wraps validation errors.
func (ix *Indexer) AddHold(ctx context.Context, h model.Hold) (model.Hold, error) {
	if err := validHold(h); err != nil {
		return model.Hold{}, fmt.Errorf("add hold: %w: %w", ErrBadRequest, err)
	}
	id, err := newHoldID()
	if err != nil {
		return model.Hold{}, fmt.Errorf("add hold: %w", err)
	}
	h.ID, h.CreatedAt = id, holdNow()
	h.ReleasedAt, h.ReleasedBy, h.ReleaseReason = nil, "", ""
	h.Messages, h.ConversationsCount = 0, 0
	done := markHoldBusy(id)
	defer done()
	if err := ix.sweepHoldKeys(ctx); err != nil {
		// Leftovers are inert; a failed sweep must not block a hold.
		ix.log.Warn("could not remove leftover hold keys", "err", err)
	}
	if h.Query != nil {
		q := *h.Query
		h.Query = &q
		if err := ix.freezeHoldQuery(ctx, &h); err != nil {
			return model.Hold{}, fmt.Errorf("add hold %q: %w", h.Matter, err)
		}
	}
	holdCrashPoint("query-keys-written")
	err = ix.updateHolds("add hold", func(txn *badger.Txn) error {
		if err := putHold(txn, &h); err != nil {
			return err
		}
		return bumpHoldVersion(txn)
	})
	if err != nil {
		ix.dropUnplacedHold(id)
		return model.Hold{}, fmt.Errorf("add hold %q: %w", h.Matter, err)
	}
	holdCrashPoint("placed")
	if h.Query != nil {
		// Matches deleted before the hold took effect leave its keys.
		if err := ix.settleHold(ctx, id); err != nil {
			ix.log.Warn("hold placed; its query keys settle at the next AddHold", "hold", id, "err", err)
		}
	}
	ix.log.Info("legal hold placed", "hold", id, "matter", h.Matter, "by", h.CreatedBy,
		"custodians", len(h.Custodians), "conversations", len(h.Conversations))
	counted, err := ix.Hold(ctx, id)
	if err != nil {
		// The hold is in force: an error here would invite a retry that
		// places it twice. Its counts show in the next listing.
		ix.log.Warn("legal hold placed, but counting what it covers failed", "hold", id, "err", err)
		return h, nil
	}
	return counted, nil
}

// freezeHoldQuery runs h's query and stores what it matched, before the
// hold's record exists: a crash midway leaves keys no active hold points at,
// named by the pending marker written first.
func (ix *Indexer) freezeHoldQuery(ctx context.Context, h *model.Hold) error {
	h.Query.FrozenAt = holdNow()
	if err := ix.db.Update(func(txn *badger.Txn) error { return txn.Set(holdPendingKey(h.ID), nil) }); err != nil {
		return fmt.Errorf("mark hold pending: %w", err)
	}
	matches, err := ix.freezeQuery(ctx, h.Query)
	if err == nil {
		h.Query.Matched = len(matches)
		err = ix.writeQueryKeys(h.ID, matches)
	}
	if err != nil {
		ix.dropUnplacedHold(h.ID)
		return err
	}
	return nil
}

// dropUnplacedHold removes what a hold that failed to be placed wrote.
func (ix *Indexer) dropUnplacedHold(id string) {
	if err := ix.settleHold(context.Background(), id); err != nil {
		ix.log.Warn("could not remove the query keys of a hold that was not placed; the next hold removes them",
			"hold", id, "err", err)
	}
}

// holdCrashPoint marks the points between a hold's transactions where a
// crash leaves work for settling; the crash tests stop a child process
// there. A no-op outside tests.
var holdCrashPoint = func(point string) {}

// maxHoldQueryValues bounds each list filter of a hold's query.
const maxHoldQueryValues = 1000

// validHold is model.Hold.Validate plus what the key layout needs: ids end
// at NUL inside composite keys, so no name may contain one.
func validHold(h model.Hold) error {
	if err := h.Validate(); err != nil {
		return err
	}
	for i, c := range h.Custodians {
		if strings.ContainsRune(c, 0) {
			return fmt.Errorf("custodians[%d]: contains a NUL byte", i)
		}
	}
	for i, c := range h.Conversations {
		if strings.ContainsRune(c, 0) {
			return fmt.Errorf("conversations[%d]: contains a NUL byte", i)
		}
	}
	if q := h.Query; q != nil {
		for i, u := range q.Users {
			if strings.TrimSpace(u) == "" || strings.ContainsRune(u, 0) || len(u) > 320 {
				return fmt.Errorf("query.users[%d]: %q is not a user id or email", i, u)
			}
		}
		// Each value is a clause of the query: bound what a caller can make
		// Bleve evaluate.
		for _, f := range []struct {
			name string
			vals []string
		}{{"users", q.Users}, {"finding_types", q.FindingTypes}, {"models", q.Models}, {"products", q.Products}} {
			if len(f.vals) > maxHoldQueryValues {
				return fmt.Errorf("query.%s: %d values, at most %d", f.name, len(f.vals), maxHoldQueryValues)
			}
			for i, v := range f.vals {
				if len(v) > 320 {
					return fmt.Errorf("query.%s[%d]: %d bytes, at most 320", f.name, i, len(v))
				}
			}
		}
		if err := checkBounds(q.From, q.To); err != nil {
			return fmt.Errorf("query: %w", err)
		}
		if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
			return fmt.Errorf("query: from %s is not before to %s", q.From.Format("2006-01-02T15:04:05Z07:00"),
				q.To.Format("2006-01-02T15:04:05Z07:00"))
		}
	}
	return nil
}

// ReleaseHold releases an active hold. Records it covered become subject
// to retention again at the next run; nothing is deleted by the release.
// ErrNotFound for an unknown id, ErrBadRequest when already released or
// the reason is empty.
func (ix *Indexer) ReleaseHold(ctx context.Context, id, by, reason string) (model.Hold, error) {
	if strings.TrimSpace(reason) == "" {
		return model.Hold{}, fmt.Errorf("release hold %q: %w: reason: required", id, ErrBadRequest)
	}
	if len(reason) > 2000 {
		return model.Hold{}, fmt.Errorf("release hold %q: %w: reason: %d bytes, at most 2,000", id, ErrBadRequest, len(reason))
	}
	done := markHoldBusy(id)
	defer done()
	var out model.Hold
	err := ix.updateHolds("release hold", func(txn *badger.Txn) error {
		h, err := getHold(txn, id)
		if err != nil {
			return err
		}
		if h == nil {
			return fmt.Errorf("hold %q: %w", id, ErrNotFound)
		}
		if !h.Active() {
			return fmt.Errorf("%w: hold %q was already released at %s by %s", ErrBadRequest, id,
				h.ReleasedAt.Format("2006-01-02T15:04:05Z07:00"), h.ReleasedBy)
		}
		now := holdNow()
		h.ReleasedAt, h.ReleasedBy, h.ReleaseReason = &now, by, reason
		if err := putHold(txn, h); err != nil {
			return err
		}
		if h.Query != nil {
			// The query keys are removed after this commits; until then
			// they are inert (released holds cover nothing).
			if err := txn.Set(holdPendingKey(id), nil); err != nil {
				return err
			}
		}
		out = *h
		return bumpHoldVersion(txn)
	})
	if err != nil {
		return model.Hold{}, fmt.Errorf("release hold: %w", err)
	}
	ix.log.Info("legal hold released", "hold", id, "matter", out.Matter, "by", by)
	holdCrashPoint("released")
	if out.Query != nil {
		if err := ix.settleHold(ctx, id); err != nil {
			ix.log.Warn("released hold's query keys remain; the next hold removes them", "hold", id, "err", err)
		}
	}
	return out, nil
}
