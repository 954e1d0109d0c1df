package indexer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
)

// The search index is partitioned by time: one Bleve index per calendar month
// (UTC) of message creation, and one for conversations. Searches fan out over
// the partitions a date filter leaves (bleve.MultiSearch runs them in
// parallel and merges hits and facets), deleting a whole month removes a
// directory instead of deleting documents one by one, each partition's
// segments stay small enough that merging does not slow ingest as the store
// grows, and a rebuild can go one partition at a time. Months, not weeks or
// quarters: a month is the unit auditors delete and filter by, a year is 12
// partitions to fan out over (2 cores search them in parallel), and a month
// of a 5,000-person organisation (~850k messages in the 10M benchmark) is
// still a size Bleve merges and rebuilds in minutes. Weeks and quarters
// were not measured.
//
// Message and conversation documents live apart, so a message search needs
// no kind filter (a conjunction with a term that matches every document).
const (
	monthLayout   = "2006-01"
	convPartition = "conversations"
	msgPartitions = "messages"
)

func monthOf(t time.Time) string { return t.UTC().Format(monthLayout) }

func monthBounds(month string) (from, to time.Time, err error) {
	from, err = time.Parse(monthLayout, month)
	return from, from.AddDate(0, 1, 0), err
}

// partitions is the set of open indexes. Changes to the set come from the
// single writer (ix.writes held); mu guards the map for readers, and inUse
// keeps an index from being closed under a search that is using it.
type partitions struct {
	dir   string // Dir/index
	mu    sync.RWMutex
	inUse sync.RWMutex
	conv  bleve.Index
	msgs  map[string]bleve.Index // month → index
}

// acquire holds off drops and swaps until release, so the indexes a search
// picked stay open while it runs.
func (p *partitions) acquire() (release func()) {
	p.inUse.RLock()
	return p.inUse.RUnlock
}

// openPartitions opens every partition under dir. A partition that cannot be
// opened is removed and returned in damaged, for the caller to rebuild from
// Badger: the index is derived data and never a reason not to start.
func openPartitions(dir string) (p *partitions, damaged []string, err error) {
	p = &partitions{dir: dir, msgs: map[string]bleve.Index{}}
	if err := os.MkdirAll(filepath.Join(dir, msgPartitions), 0o700); err != nil {
		return nil, nil, fmt.Errorf("open index: %w", err)
	}
	// A swap's leftovers (see rebuild): a month's are removed below.
	for _, leftover := range []string{".old", ".rebuild"} {
		if err := os.RemoveAll(filepath.Join(dir, convPartition) + leftover); err != nil {
			return nil, nil, fmt.Errorf("open index: %w", err)
		}
	}
	if p.conv, err = openOrCreate(filepath.Join(dir, convPartition), convPartition); err != nil {
		return nil, nil, err
	}
	entries, err := os.ReadDir(filepath.Join(dir, msgPartitions))
	if err != nil {
		return nil, nil, fmt.Errorf("open index: %w", err)
	}
	for _, e := range entries {
		month := e.Name()
		path := filepath.Join(dir, msgPartitions, month)
		if _, err := time.Parse(monthLayout, month); err != nil || !e.IsDir() {
			// A swap's leftover (month.rebuild, month.old) or a stranger: not ours to keep.
			_ = os.RemoveAll(path)
			continue
		}
		idx, err := bleve.Open(path)
		if err != nil {
			_ = os.RemoveAll(path)
			damaged = append(damaged, month)
			continue
		}
		idx.SetName(month)
		p.msgs[month] = idx
	}
	return p, damaged, nil
}

// openOrCreate opens the index at path, creating it if missing and
// recreating it if unreadable (the caller rebuilds its contents).
func openOrCreate(path, name string) (bleve.Index, error) {
	idx, err := bleve.Open(path)
	if err != nil {
		if !errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
			_ = os.RemoveAll(path)
		}
		if idx, err = newIndex(path); err != nil {
			return nil, err
		}
	}
	idx.SetName(name)
	return idx, nil
}

func (p *partitions) conversations() bleve.Index {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.conv
}

// messages returns the partitions that can hold messages created in
// [from, to), oldest first; a zero bound is open.
func (p *partitions) messages(from, to time.Time) []bleve.Index {
	p.mu.RLock()
	defer p.mu.RUnlock()
	lo, hi := "", "9999-12"
	if !from.IsZero() {
		lo = monthOf(from)
	}
	if !to.IsZero() {
		hi = monthOf(to.Add(-time.Nanosecond))
	}
	out := make([]bleve.Index, 0, len(p.msgs))
	for _, m := range p.monthsLocked() {
		if m >= lo && m <= hi {
			out = append(out, p.msgs[m])
		}
	}
	return out
}

func (p *partitions) months() []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.monthsLocked()
}

func (p *partitions) monthsLocked() []string {
	ms := make([]string, 0, len(p.msgs))
	for m := range p.msgs {
		ms = append(ms, m)
	}
	slices.Sort(ms)
	return ms
}

func (p *partitions) month(m string) bleve.Index {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.msgs[m]
}

// monthOrCreate returns the month's partition, creating it on first use.
func (p *partitions) monthOrCreate(m string) (bleve.Index, error) {
	if idx := p.month(m); idx != nil {
		return idx, nil
	}
	if _, err := time.Parse(monthLayout, m); err != nil {
		return nil, fmt.Errorf("index partition %q: %w", m, err)
	}
	path := filepath.Join(p.dir, msgPartitions, m)
	_ = os.RemoveAll(path) // a half-created one from a crash
	idx, err := bleve.New(path, newMapping())
	if err != nil {
		return nil, fmt.Errorf("create index partition %s: %w", m, err)
	}
	idx.SetName(m)
	p.mu.Lock()
	p.msgs[m] = idx
	p.mu.Unlock()
	return idx, nil
}

// drop closes and removes a month's partition. A crash midway leaves a
// partial directory, which the next open finds damaged and rebuilds from
// Badger (empty, for a deleted month).
func (p *partitions) drop(m string) error {
	p.inUse.Lock()
	defer p.inUse.Unlock()
	p.mu.Lock()
	idx := p.msgs[m]
	delete(p.msgs, m)
	p.mu.Unlock()
	if idx != nil {
		_ = idx.Close()
	}
	if err := os.RemoveAll(filepath.Join(p.dir, msgPartitions, m)); err != nil {
		return fmt.Errorf("drop index partition %s: %w", m, err)
	}
	return nil
}

// rebuild builds a partition afresh in a sibling directory with fill, then
// swaps it in. Searches use the old one until the swap. The swap moves the
// old directory aside before moving the new one in, so a failure at any
// step can put the old partition back; a crash leaves the old partition,
// the new one, or none (rebuilt at the next open), and leftovers that
// openPartitions removes.
func (p *partitions) rebuild(ctx context.Context, name string, fill func(bleve.Index) (int, error)) error {
	path := p.path(name)
	next := path + ".rebuild"
	_ = os.RemoveAll(next)
	idx, err := bleve.New(next, newMapping())
	if err != nil {
		return fmt.Errorf("rebuild index partition %s: %w", name, err)
	}
	n, err := fill(idx)
	if err == nil {
		err = ctx.Err()
	}
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.RemoveAll(next)
		return fmt.Errorf("rebuild index partition %s: %w", name, err)
	}
	p.inUse.Lock()
	defer p.inUse.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if old := p.get(name); old != nil {
		_ = old.Close()
	}
	if n == 0 && name != convPartition {
		// An empty month is no partition at all.
		delete(p.msgs, name)
		_ = os.RemoveAll(next)
		return os.RemoveAll(path)
	}
	idx, err = swapDir(next, path)
	if err != nil {
		err = fmt.Errorf("rebuild index partition %s: %w", name, err)
		// The old directory is back in place where possible: reopen it.
		old, oerr := bleve.Open(path)
		if oerr != nil {
			// Never leave a closed index in use: searches that need this
			// partition fail with a clear error until it is rebuilt (a
			// reindex, or the next start, finds it missing or disagreeing).
			old = newOutOfService(name, errors.Join(err, oerr))
		}
		old.SetName(name)
		p.set(name, old)
		return err
	}
	idx.SetName(name)
	p.set(name, idx)
	return nil
}

// renameDir is os.Rename; tests replace it to make a swap fail.
var renameDir = os.Rename

// swapDir replaces the index directory at path by the one at next and opens
// it. On failure it puts the previous directory back at path (when it can)
// and removes next.
func swapDir(next, path string) (bleve.Index, error) {
	aside := path + ".old"
	_ = os.RemoveAll(aside)
	had := true
	if err := renameDir(path, aside); errors.Is(err, fs.ErrNotExist) {
		had = false
	} else if err != nil {
		_ = os.RemoveAll(next)
		return nil, fmt.Errorf("move the old index aside: %w", err)
	}
	restore := func(cause error) error {
		_ = os.RemoveAll(next)
		if !had {
			return cause
		}
		_ = os.RemoveAll(path)
		if err := renameDir(aside, path); err != nil {
			return errors.Join(cause, fmt.Errorf("put the old index back: %w", err))
		}
		return cause
	}
	if err := renameDir(next, path); err != nil {
		return nil, restore(fmt.Errorf("move the new index in: %w", err))
	}
	idx, err := bleve.Open(path)
	if err != nil {
		if rerr := renameDir(path, next); rerr != nil {
			return nil, errors.Join(fmt.Errorf("open the new index: %w", err), fmt.Errorf("move it out: %w", rerr))
		}
		return nil, restore(fmt.Errorf("open the new index: %w", err))
	}
	_ = os.RemoveAll(aside)
	return idx, nil
}

func (p *partitions) path(name string) string {
	if name == convPartition {
		return filepath.Join(p.dir, convPartition)
	}
	return filepath.Join(p.dir, msgPartitions, name)
}

// get and set read and replace a partition; p.mu held.
func (p *partitions) get(name string) bleve.Index {
	if name == convPartition {
		return p.conv
	}
	return p.msgs[name]
}

func (p *partitions) set(name string, idx bleve.Index) {
	if name == convPartition {
		p.conv = idx
	} else {
		p.msgs[name] = idx
	}
}

// outOfService stands in for a partition whose swap failed and whose old
// copy could not be reopened either. Searches and writes that need it fail
// with its error instead of using a closed index; the empty alias answers
// every other call harmlessly. Closing it is a no-op, and dropping or
// rebuilding the partition replaces it.
type outOfService struct {
	bleve.IndexAlias
	err error
}

func newOutOfService(name string, cause error) *outOfService {
	a := bleve.NewIndexAlias()
	a.SetName(name)
	return &outOfService{IndexAlias: a, err: fmt.Errorf("index partition %s is out of service after a failed rebuild "+
		"(reindex it, or restart ccsync, which rebuilds it): %w", name, cause)}
}

// writable returns the error of a partition out of service, whose batches
// cannot be built.
func writable(idx bleve.Index) error {
	if o, ok := idx.(*outOfService); ok {
		return o.err
	}
	return nil
}

func (o *outOfService) Search(*bleve.SearchRequest) (*bleve.SearchResult, error) { return nil, o.err }
func (o *outOfService) SearchInContext(context.Context, *bleve.SearchRequest) (*bleve.SearchResult, error) {
	return nil, o.err
}
func (o *outOfService) DocCount() (uint64, error)       { return 0, o.err }
func (o *outOfService) Batch(*bleve.Batch) error        { return o.err }
func (o *outOfService) Index(string, interface{}) error { return o.err }
func (o *outOfService) Delete(string) error             { return o.err }

// all returns every partition, conversations first.
func (p *partitions) all() []bleve.Index {
	return append([]bleve.Index{p.conversations()}, p.messages(time.Time{}, time.Time{})...)
}

func (p *partitions) docCount() (uint64, error) {
	var n uint64
	for _, idx := range p.all() {
		c, err := idx.DocCount()
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}

func (p *partitions) close() error {
	p.inUse.Lock()
	defer p.inUse.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	if p.conv != nil {
		errs = append(errs, p.conv.Close())
	}
	for _, idx := range p.msgs {
		errs = append(errs, idx.Close())
	}
	return errors.Join(errs...)
}
