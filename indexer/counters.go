package indexer

import (
	"encoding/binary"
	"errors"

	"github.com/dgraph-io/badger/v4"
)

func addCounter(txn *badger.Txn, name string, d int64) error {
	k := key(pStat, name)
	v, err := readCounter(txn, k)
	if err != nil {
		return err
	}
	v += d
	if v == 0 {
		return txn.Delete(k)
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	return txn.Set(k, b[:])
}

// counter reads one counter; 0 when it cannot be read (callers use it for
// progress totals and consistency checks that Verify double-checks).
func (ix *Indexer) counter(name string) int64 {
	var v int64
	_ = ix.db.View(func(txn *badger.Txn) error {
		var err error
		v, err = readCounter(txn, key(pStat, name))
		return err
	})
	return v
}

func readCounter(txn *badger.Txn, k []byte) (int64, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return counterValue(item)
}

// counterValue decodes a counter item (8 bytes, big-endian; anything else
// reads as 0).
func counterValue(item *badger.Item) (int64, error) {
	var v int64
	err := item.Value(func(b []byte) error {
		if len(b) == 8 {
			v = int64(binary.BigEndian.Uint64(b))
		}
		return nil
	})
	return v, err
}
