package indexer

import (
	"context"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// A hold's frozen-query keys are written before its record and removed
// after its release, each in transactions of their own, so for a while they
// disagree with the record. The pending marker (meta/hold_pending/<id>)
// names such a hold from the first write until the keys are settled:
//
//   - not placed (no record: a crash or an error while placing) or
//     released: every key of the hold is removed;
//   - active: the keys of matched messages deleted before the hold took
//     effect are removed (a deletion committed between the search and the
//     record was entitled to them), so that afterwards every key of an
//     active hold names a stored message, which Verify checks.
//
// The marker goes last; a crash before leaves it for the next AddHold.

// settleHold settles hold id's query keys and clears its marker.
func (ix *Indexer) settleHold(ctx context.Context, id string) error {
	var active bool
	if err := ix.db.View(func(txn *badger.Txn) error {
		h, err := getHold(txn, id)
		active = h != nil && h.Active()
		return err
	}); err != nil {
		return fmt.Errorf("settle hold %s: %w", id, err)
	}
	// An active hold's keys are pruned of messages already gone; any other
	// hold's keys go entirely.
	keep := func(txn *badger.Txn, msg string) (bool, error) {
		if !active {
			return false, nil
		}
		return hasKey(txn, key(pMessage, msg))
	}
	prefix := holdMemPrefix(id)
	from := prefix
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var drop []string
		var last []byte
		seen := 0
		if err := ix.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
			defer it.Close()
			for it.Seek(from); it.Valid() && seen < holdKeysPerTxn; it.Next() {
				seen++
				last = it.Item().KeyCopy(nil)
				msg := string(last[len(prefix):])
				ok, err := keep(txn, msg)
				if err != nil {
					return err
				}
				if !ok {
					drop = append(drop, msg)
				}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("settle hold %s: %w", id, err)
		}
		if len(drop) > 0 {
			if err := ix.db.Update(func(txn *badger.Txn) error {
				for _, m := range drop {
					if err := txn.Delete(holdMsgKey(m, id)); err != nil {
						return err
					}
					if err := txn.Delete(holdMemKey(id, m)); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return fmt.Errorf("settle hold %s: remove query keys: %w", id, err)
			}
		}
		if seen < holdKeysPerTxn {
			break
		}
		// Resume after the last key looked at (kept keys are still there).
		from = append(last, 0)
	}
	if err := ix.db.Update(func(txn *badger.Txn) error { return txn.Delete(holdPendingKey(id)) }); err != nil {
		return fmt.Errorf("settle hold %s: clear pending marker: %w", id, err)
	}
	return nil
}

// sweepHoldKeys settles the holds a crash left unsettled: those with a
// pending marker that no call in this process is working on.
func (ix *Indexer) sweepHoldKeys(ctx context.Context) error {
	var stale []string
	err := ix.db.View(func(txn *badger.Txn) error {
		prefix := key(pMeta, mHoldPending)
		return scanKeys(txn, prefix, func(k []byte) error {
			if id := string(k[len(prefix):]); !holdIsBusy(id) {
				stale = append(stale, id)
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("sweep hold keys: %w", err)
	}
	var errs []error
	for _, id := range stale {
		done := markHoldBusy(id)
		err := ix.settleHold(ctx, id)
		done()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ix.log.Info("settled the query keys of a hold a crash interrupted", "hold", id)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sweep hold keys: %w", err)
	}
	return nil
}
