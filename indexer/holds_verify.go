package indexer

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// verifyHolds reports messages a settled, active hold's frozen query pinned
// that are no longer stored: a deletion path that ignored the hold. Keys of
// unplaced or released holds are inert and not reported, nor are holds
// still settling (holds_settle.go). Messages of held conversations and
// custodians cannot be checked this way: nothing records which existed.
// The cost is one key lookup per pinned message.
func (ix *Indexer) verifyHolds(ctx context.Context, problem func(string, ...any)) error {
	return ix.db.View(func(txn *badger.Txn) error {
		return eachHold(txn, func(h *model.Hold) error {
			if !h.Active() || h.Query == nil {
				return nil
			}
			if settling, err := hasKey(txn, holdPendingKey(h.ID)); err != nil || settling {
				return err
			}
			missing := 0
			prefix := holdMemPrefix(h.ID)
			if err := scanKeys(txn, prefix, func(k []byte) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				ok, err := hasKey(txn, key(pMessage, string(k[len(prefix):])))
				if !ok && err == nil {
					missing++
				}
				return err
			}); err != nil {
				return fmt.Errorf("hold %s: %w", h.ID, err)
			}
			if missing > 0 {
				problem("legal hold %s (%s): %d messages its query pinned are no longer stored", h.ID, h.Matter, missing)
			}
			return nil
		})
	})
}
