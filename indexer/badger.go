package indexer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	json "github.com/goccy/go-json"
)

func openBadger(dir string, opts Options) (*badger.DB, error) {
	mem, cache := opts.BadgerMemTableMB, opts.BadgerCacheMB
	if mem <= 0 {
		mem = 16
	}
	if cache <= 0 {
		cache = 32
	}
	// Small-machine options (go-stack-notes §5): ~100–130 MB instead of 600+ MB
	// with defaults. Values over 512 bytes (most messages) go to the value log,
	// so compaction rewrites small pointers instead of whole messages: peak heap
	// of a 105 MB export import fell from 419 to 184 MiB; the price is value-log
	// GC after deletions (gcValueLog). SyncWrites stays off: a crashed process loses nothing (the
	// WAL is mmapped) and every write is an idempotent upsert, so a power loss
	// only means re-syncing from a slightly older checkpoint.
	bo := badger.DefaultOptions(dir).
		WithMemTableSize(int64(mem) << 20).
		WithNumMemtables(3).
		WithNumLevelZeroTables(3).
		WithNumLevelZeroTablesStall(8).
		WithBlockCacheSize(int64(cache) << 20).
		WithIndexCacheSize(16 << 20).
		WithNumCompactors(2).
		WithValueLogFileSize(128 << 20).
		WithValueThreshold(512).
		WithNumGoroutines(2).
		WithSyncWrites(false).
		WithLogger(badgerLogger{opts.Logger})
	if err := removeEmptyLogs(dir, opts.Logger); err != nil {
		return nil, fmt.Errorf("open badger store %s: %w", dir, err)
	}
	db, err := badger.Open(bo)
	// Our own LOCK (lockDir) already keeps other ccsync processes out, so a
	// held Badger directory lock is a copy of a just-closed lock descriptor
	// inherited by a child process between its fork and its exec (flock
	// locks live until every copy is closed). It is gone within
	// milliseconds: wait for it rather than fail. Seen in the crash tests,
	// which reopen stores while other tests start children.
	for try := 0; err != nil && strings.Contains(err.Error(), "Cannot acquire directory lock") && try < 20; try++ {
		time.Sleep(50 * time.Millisecond)
		db, err = badger.Open(bo)
	}
	if err != nil {
		return nil, fmt.Errorf("open badger store %s: %w", dir, err)
	}
	return db, nil
}

// removeEmptyLogs deletes zero-length value-log and memtable files. Badger
// creates the next of each at Open and when a memtable fills; a process
// killed before Badger writes to it leaves an empty file, which Badger then
// refuses to open ("Create a new file") on every later start. An empty file
// holds no data, so removing it loses nothing (found by the crash tests in
// cmd/ccsync).
func removeEmptyLogs(dir string, log *slog.Logger) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".vlog") && !strings.HasSuffix(e.Name(), ".mem") {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.Size() == 0 {
			log.Warn("removing an empty log file left by an interrupted process", "file", e.Name())
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// badgerLogger routes Badger's chatter to slog, demoting its info lines.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any) {
	b.l.Error(fmt.Sprintf(f, a...), "component", "badger")
}
func (b badgerLogger) Warningf(f string, a ...any) {
	b.l.Warn(fmt.Sprintf(f, a...), "component", "badger")
}
func (b badgerLogger) Infof(f string, a ...any) {
	b.l.Debug(fmt.Sprintf(f, a...), "component", "badger")
}
func (b badgerLogger) Debugf(f string, a ...any) {}

// getJSON loads the record at k into v; found is false when k is absent.
func getJSON(txn *badger.Txn, k []byte, v any) (found bool, raw []byte, err error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	raw, err = item.ValueCopy(nil)
	if err != nil {
		return false, nil, err
	}
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			return true, raw, fmt.Errorf("decode %q: %w", k, err)
		}
	}
	return true, raw, nil
}

// scanKeys calls fn with each key under prefix (keys only, no values).
func scanKeys(txn *badger.Txn, prefix []byte, fn func(k []byte) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		if err := fn(it.Item().Key()); err != nil {
			return err
		}
	}
	return nil
}

// Meta returns a value stored with Batch.Checkpoints or PutMeta (sync cursors,
// settings); ErrNotFound if absent.
func (ix *Indexer) Meta(key string) ([]byte, error) {
	var out []byte
	err := ix.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(pMeta + key))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("meta %q: %w", key, ErrNotFound)
		}
		if err != nil {
			return err
		}
		out, err = item.ValueCopy(nil)
		return err
	})
	return out, err
}

// PutMeta stores a small value under key (nil value deletes it).
func (ix *Indexer) PutMeta(key string, value []byte) error {
	return ix.db.Update(func(txn *badger.Txn) error {
		if value == nil {
			return txn.Delete([]byte(pMeta + key))
		}
		return txn.Set([]byte(pMeta+key), value)
	})
}

// PutMetaDurable is PutMeta made durable: it returns once Badger's
// write-ahead and value logs are on disk. Ordinary writes are not synced
// (see openBadger); the audit trail is, because an entry lost to a power cut
// is an action nobody can account for.
func (ix *Indexer) PutMetaDurable(key string, value []byte) error {
	if err := ix.PutMeta(key, value); err != nil {
		return err
	}
	if err := ix.db.Sync(); err != nil {
		return fmt.Errorf("sync meta %q: %w", key, err)
	}
	return nil
}

// ScanMeta calls fn for every meta key starting with prefix, in key order
// (used for small keyed collections: accounts, audit trail, failed chats).
func (ix *Indexer) ScanMeta(prefix string, fn func(key string, value []byte) error) error {
	return ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pMeta + prefix), PrefetchValues: true, PrefetchSize: 64})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
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
}

// gcValueLog reclaims value-log space left by deleted and replaced records.
// Badger rewrites at most one file per call, so it loops until nothing is
// worth rewriting or ctx ends.
func (ix *Indexer) gcValueLog(ctx context.Context) {
	for ctx.Err() == nil {
		if err := ix.db.RunValueLogGC(0.5); err != nil {
			if !errors.Is(err, badger.ErrNoRewrite) && !errors.Is(err, badger.ErrRejected) {
				ix.log.Warn("value log GC", "error", err)
			}
			return
		}
	}
}

// gcLoop runs value-log GC every interval, and when asked, until ctx ends.
func (ix *Indexer) gcLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-ix.gcNow:
		}
		ix.gcValueLog(ctx)
	}
}

// requestGC asks the GC loop to reclaim space now (after a deletion) without
// making the caller wait: at millions of messages, rewriting value-log files
// takes longer than the deletion itself.
func (ix *Indexer) requestGC() {
	select {
	case ix.gcNow <- struct{}{}:
	default:
	}
}
