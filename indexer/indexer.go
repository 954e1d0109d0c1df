package indexer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
	"github.com/ccsync/ccsync/scanners"
)

// Options configure an Indexer.
type Options struct {
	Dir     string           // data directory; Badger in Dir/badger, Bleve in Dir/index
	Scanner scanners.Scanner // nil means scanners.Default(), or an engine built from ScanConfig
	// ScanConfig, when Scanner is nil, configures the built-in engine. Its
	// fingerprint goes with the engine version into every message's
	// ScannedBy, so that a changed configuration makes messages stale for
	// Rescan. ScanConfigID overrides the fingerprint (a custom Scanner
	// without one is "custom").
	ScanConfig   *scanners.Config
	ScanConfigID string
	Logger       *slog.Logger // nil means slog.Default()
	// BadgerMemTableMB and BadgerCacheMB size Badger's memory (defaults 16 and 32:
	// about 100–130 MB resident, sized for a 2-core machine).
	BadgerMemTableMB int
	BadgerCacheMB    int
	// MinFreeBytes is the free space writes leave on the data directory's
	// filesystem (default 256 MiB; negative turns the check off). Badger
	// writes through memory-mapped files, and a mapped write to a full disk
	// kills the process with SIGBUS instead of returning an error, so ingest
	// and deletion refuse with ErrDiskFull while a reserve is left, for the
	// write in hand and the index merges that follow it.
	MinFreeBytes int64
}

const defaultMinFreeBytes = 256 << 20

// checkSpace returns ErrDiskFull when the reserve is reached.
func (ix *Indexer) checkSpace() error {
	min := ix.opts.MinFreeBytes
	if min < 0 {
		return nil
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(ix.opts.Dir, &st); err != nil {
		return nil // cannot tell: let the write itself report
	}
	if free := int64(st.Bavail) * int64(st.Bsize); free < min {
		return fmt.Errorf("%w (%d MiB free in %s, %d MiB kept in reserve)", ErrDiskFull, free>>20, ix.opts.Dir, min>>20)
	}
	return nil
}

// Indexer owns the Badger store (source of truth) and the Bleve index derived
// from it. It is safe for concurrent use; writes are serialised because Badger
// transactions that touch the same counters would otherwise conflict.
type Indexer struct {
	opts   Options
	log    *slog.Logger
	scan   scanners.Scanner
	stamp  string // ScannedBy of what scan produces: engine version + config fingerprint
	lock   *os.File
	db     *badger.DB
	parts  *partitions    // the search index, one Bleve index per month
	acts   *activityIndex // the Activity Feed's index (activity_store.go)
	writes sync.Mutex
	closed bool          // guarded by writes
	purged []purgedRange // deleted ranges; guarded by writes
	// retention is the stored retention policy (retention.go), cached for
	// Ingest; retaining is set while a retention run runs.
	retention atomic.Pointer[model.RetentionPolicy]
	retaining atomic.Bool
	// facetsFromIndex turns off the ingest-time dashboard counts, for the
	// test that compares them with Bleve's.
	facetsFromIndex bool
	events          *hub
	rescanning      atomic.Bool // one Rescan at a time
	// rescanScanned, when set (tests), runs after a re-scan batch is
	// scanned and before it is written: where an ingest can overtake it.
	rescanScanned func(ids []string)
	jr            journal // the change feed (journal.go)
	stopGC        context.CancelFunc
	gcNow         chan struct{}
	gcDone        chan struct{}
}

// Open opens (creating if needed) the data directory. It fails with ErrLocked
// if another process holds it, rebuilds a missing or corrupt index from
// Badger, and replays an index outbox left by a crash.
func Open(ctx context.Context, opts Options) (*Indexer, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("open indexer: %w: empty data directory", ErrBadRequest)
	}
	stamp, err := scanStamp(&opts)
	if err != nil {
		return nil, fmt.Errorf("open indexer: %w", err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MinFreeBytes == 0 {
		opts.MinFreeBytes = defaultMinFreeBytes
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("open indexer: %w", err)
	}
	lock, err := lockDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	ix := &Indexer{opts: opts, log: opts.Logger, scan: opts.Scanner, stamp: stamp, lock: lock, events: newHub(), gcNow: make(chan struct{}, 1)}
	if ix.db, err = openBadger(filepath.Join(opts.Dir, "badger"), opts); err != nil {
		ix.unlock()
		return nil, err
	}
	if err = ix.loadPurged(); err == nil {
		err = ix.repairPurged()
	}
	if err != nil {
		_ = ix.db.Close()
		ix.unlock()
		return nil, fmt.Errorf("open indexer: %w", err)
	}
	if err = ix.loadJournal(); err != nil {
		_ = ix.db.Close()
		ix.unlock()
		return nil, fmt.Errorf("open indexer: %w", err)
	}
	if err := ix.ensureFacetCounts(); err != nil {
		_ = ix.db.Close()
		ix.unlock()
		return nil, fmt.Errorf("open indexer: %w", err)
	}
	if err := ix.openIndex(ctx); err != nil {
		_ = ix.db.Close()
		ix.unlock()
		return nil, err
	}
	if err := ix.applyOutbox(ctx, nil); err != nil {
		_ = ix.Close()
		return nil, fmt.Errorf("open indexer: replay index outbox: %w", err)
	}
	if err := ix.openActivities(ctx); err != nil {
		_ = ix.Close()
		return nil, fmt.Errorf("open indexer: %w", err)
	}
	if err := ix.resumeDeletes(ctx); err != nil {
		_ = ix.Close()
		return nil, fmt.Errorf("open indexer: %w", err)
	}
	if err := ix.checkPartitions(ctx); err != nil {
		_ = ix.Close()
		return nil, fmt.Errorf("open indexer: %w", err)
	}
	gcCtx, stop := context.WithCancel(context.Background())
	ix.stopGC, ix.gcDone = stop, make(chan struct{})
	go func() {
		defer close(ix.gcDone)
		ix.gcLoop(gcCtx, 10*time.Minute)
	}()
	return ix, nil
}

// lockDir takes an exclusive, non-blocking flock on Dir/LOCK so a second
// process fails at once with a clear message instead of Badger's.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open indexer: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("open %s: %w (stop the other ccsync first)", dir, ErrLocked)
		}
		return nil, fmt.Errorf("open indexer: lock %s: %w", dir, err)
	}
	return f, nil
}

func (ix *Indexer) unlock() {
	if ix.lock != nil {
		_ = syscall.Flock(int(ix.lock.Fd()), syscall.LOCK_UN)
		_ = ix.lock.Close()
		ix.lock = nil
	}
}

// Close flushes and closes both stores.
//
// The stores stay referenced after Close so that a straggler — a sync or an
// import still winding down at shutdown — gets ErrClosed (or Badger's and
// Bleve's own closed errors) instead of a nil-pointer panic.
func (ix *Indexer) Close() error {
	if ix.stopGC != nil {
		ix.stopGC()
		<-ix.gcDone
		ix.stopGC = nil
	}
	ix.writes.Lock()
	defer ix.writes.Unlock()
	if ix.closed {
		return nil
	}
	ix.closed = true
	var errs []error
	if ix.parts != nil {
		errs = append(errs, ix.parts.close())
	}
	errs = append(errs, ix.closeActivities())
	if ix.db != nil {
		errs = append(errs, ix.db.Close())
	}
	ix.unlock()
	return errors.Join(errs...)
}

// checkOpen must be called with ix.writes held.
func (ix *Indexer) checkOpen() error {
	if ix.closed {
		return ErrClosed
	}
	return nil
}
