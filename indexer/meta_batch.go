package indexer

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// ErrStopScan, returned by a ScanMetaFrom callback, ends the scan without
// an error.
var ErrStopScan = errors.New("stop scan")

// UpdateMeta sets several meta keys in one transaction, so that packages
// keeping state beside the records (alert rules and their evaluation
// state, forwarding cursors and dead letters) can move it atomically. A nil
// value deletes the key. The batch must fit one Badger transaction; keep
// it to a few thousand small values.
func (ix *Indexer) UpdateMeta(sets map[string][]byte) error {
	err := ix.db.Update(func(txn *badger.Txn) error {
		for k, v := range sets {
			var err error
			if v == nil {
				err = txn.Delete([]byte(pMeta + k))
			} else {
				err = txn.Set([]byte(pMeta+k), v)
			}
			if err != nil {
				return fmt.Errorf("meta %q: %w", k, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update meta: %w", err)
	}
	return nil
}

// ScanMetaFrom calls fn for the meta keys under prefix starting at
// prefix+start (inclusive), in key order, or downwards from it with
// reverse (an empty start then means the last key). fn returns ErrStopScan
// to end early.
func (ix *Indexer) ScanMetaFrom(prefix, start string, reverse bool, fn func(key string, value []byte) error) error {
	err := ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pMeta + prefix), Reverse: reverse, PrefetchValues: true, PrefetchSize: 64})
		defer it.Close()
		seek := []byte(pMeta + prefix + start)
		if reverse && start == "" {
			seek = append(seek, 0xff, 0xff, 0xff, 0xff)
		}
		for it.Seek(seek); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := fn(string(it.Item().Key()[len(pMeta):]), v); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrStopScan) {
		return nil
	}
	return err
}
