package indexer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// The deletion engine. Range deletion (DeleteRange) and retention
// (RunRetention) differ only in which messages of a span of the time index
// they remove; both must keep what a legal hold covers, survive a crash, and
// drop whole index partitions where they can. One engine does it for both,
// so a fix to one is a fix to the other.

// maxSweepRetries bounds how often a deletion restarts because a hold was
// placed or released while it ran (each restart resumes where the last
// committed transaction ended, so a retry costs little).
const maxSweepRetries = 5

// sweepCommitted, when set (tests), runs after each committed transaction
// of a deletion: crash tests stop or kill the process there.
var sweepCommitted func(job string)

// sweep describes one deletion.
type sweep struct {
	job      string    // event job and kind: "delete" or "retention"
	from, to time.Time // the span of the time index to scan, [from, to)
	// pick says whether m goes (subject to holds) and, when it does, the
	// label its deletion is counted under (a retention rule's name). owner
	// is the conversation's owner, set only when needOwner.
	pick      func(txn *badger.Txn, m *model.Message, owner string) (bool, string, error)
	needOwner bool
	// prepare runs at the start of every attempt with the attempt's read
	// transaction (retention makes its policy canonical there).
	prepare func(txn *badger.Txn) error
	// createdConvs also drops conversations created in the span that have
	// no message (range deletion's rule).
	createdConvs bool
	// record writes the deletion's pending record (done false) into the
	// first transaction of every attempt and its completion (done true)
	// into the last; nil records nothing.
	record func(w *writer, done bool) error
	// progress, when set, runs in every transaction before it commits with
	// the totals it commits (base included): a retention run keeps them
	// in its pending record, so a run finished after a crash reports what
	// the whole run deleted.
	progress func(txn *badger.Txn, sofar sweepStats) error
	// base is what an interrupted run already deleted (nil: none).
	base *sweepStats
	dry  bool
}

// sweepStats is what a sweep deleted (or would delete) and kept.
type sweepStats struct {
	Messages, Conversations, Held int
	HeldBy                        map[string]int
	ByLabel                       map[string]int
	Months                        map[string]*RetentionMonth
	Partitions                    []string
}

func newSweepStats() sweepStats {
	return sweepStats{HeldBy: map[string]int{}, ByLabel: map[string]int{}, Months: map[string]*RetentionMonth{}}
}

func (s *sweepStats) month(m string) *RetentionMonth {
	if s.Months[m] == nil {
		s.Months[m] = &RetentionMonth{Month: m}
	}
	return s.Months[m]
}

// add merges o (one transaction's share) into s.
func (s *sweepStats) add(o sweepStats) {
	s.Messages += o.Messages
	s.Conversations += o.Conversations
	s.Held += o.Held
	for k, v := range o.HeldBy {
		s.HeldBy[k] += v
	}
	for k, v := range o.ByLabel {
		s.ByLabel[k] += v
	}
	for k, v := range o.Months {
		m := s.month(k)
		m.Messages += v.Messages
		m.Conversations += v.Conversations
		m.Held += v.Held
	}
}

// sweepState is carried across attempts: what is committed, and where.
type sweepState struct {
	done     sweepStats
	pos      []byte          // last time-index key whose outcome is committed; nil: none yet
	notWhole map[string]bool // months known to keep a message: never dropped whole
	dropped  map[string]bool // months whose partition drop is queued
	total    int
	commits  int
}

// runSweep runs s to the end, restarting from the last committed position
// when holds change under it (errHoldsChanged, or Badger's conflict on the
// holds version key), at most maxSweepRetries times. ix.writes must be held.
func (ix *Indexer) runSweep(ctx context.Context, s *sweep) (sweepStats, error) {
	st := &sweepState{done: newSweepStats(), notWhole: map[string]bool{}, dropped: map[string]bool{}}
	if s.base != nil {
		st.done.add(*s.base)
		// Not into st.dropped: a month dropped before the crash may have had
		// its partition rebuilt at Open (dropMonth), so it is dropped again.
		st.done.Partitions = slices.Clone(s.base.Partitions)
	}
	if !s.dry {
		n, err := ix.countRange(ctx, s.from, s.to)
		if err != nil {
			return st.done, err
		}
		st.total = n
		ix.Publish(Event{Job: s.job, Kind: s.job, State: "running", Total: int64(n), Unit: "messages"})
	}
	for attempt := 0; ; attempt++ {
		err := ix.sweepOnce(ctx, s, st)
		if err == nil {
			break
		}
		if !errors.Is(err, errHoldsChanged) && !errors.Is(err, badger.ErrConflict) {
			ix.afterFailedSweep(ctx, s, st)
			return st.done, err
		}
		if attempt >= maxSweepRetries {
			ix.afterFailedSweep(ctx, s, st)
			return st.done, fmt.Errorf("legal holds changed %d times while the deletion ran; "+
				"%d messages deleted so far, run it again: %w", attempt+1, st.done.Messages, err)
		}
		ix.log.Info("legal holds changed during a deletion; reloading them and resuming", "job", s.job,
			"attempt", attempt+1, "deleted", st.done.Messages)
	}
	st.done.Partitions = partitionsSoFar(st.done.Partitions, st.dropped, nil)
	return st.done, nil
}

// afterFailedSweep brings the index in line with what a failed deletion
// committed, so search does not show what is gone until it is finished.
func (ix *Indexer) afterFailedSweep(ctx context.Context, s *sweep, st *sweepState) {
	if s.dry || st.commits == 0 {
		return
	}
	if err := ix.applyOutbox(context.WithoutCancel(ctx), nil); err != nil {
		ix.log.Warn("index update after a failed deletion", "job", s.job, "error", err)
	}
}

// sweepOnce is one attempt: it loads the holds, decides which months may be
// dropped whole, and deletes from st.pos to the end of the span.
func (ix *Indexer) sweepOnce(ctx context.Context, s *sweep, st *sweepState) error {
	rt := ix.db.NewTransaction(false)
	defer rt.Discard()
	view, err := ix.holdView(rt)
	if err != nil {
		return fmt.Errorf("load legal holds: %w", err)
	}
	if s.prepare != nil {
		if err := s.prepare(rt); err != nil {
			return err
		}
	}
	owners := map[string]string{}
	owner := func(conv string) (string, error) {
		if !s.needOwner {
			return "", nil
		}
		if o, ok := owners[conv]; ok {
			return o, nil
		}
		if len(owners) > 4096 { // bounded: the scan is in time order, conversations recur close together
			clear(owners)
		}
		var c model.Conversation
		if _, _, err := getJSON(rt, key(pConv, conv), &c); err != nil {
			return "", fmt.Errorf("conversation %s: %w", conv, err)
		}
		owners[conv] = c.OwnerID
		return c.OwnerID, nil
	}
	// decide is the outcome of one message: deleted (with its label), or
	// kept, held by holds.
	decide := func(m *model.Message) (del bool, label string, holds []string, err error) {
		o, err := owner(m.ConversationID)
		if err != nil {
			return false, "", nil, err
		}
		del, label = true, ""
		if s.pick != nil {
			if del, label, err = s.pick(rt, m, o); err != nil || !del {
				return false, "", nil, err
			}
		}
		if !view.empty() {
			if holds, err = view.heldBy(rt, m, o); err != nil {
				return false, "", nil, fmt.Errorf("message %s: legal holds: %w", m.ID, err)
			}
		}
		return len(holds) == 0, label, holds, nil
	}
	start := timeMsgKey(s.from, "")
	if st.pos != nil {
		start = st.pos
	}
	end := timeMsgKey(s.to, "")

	// Which months may lose their partition in one step: those wholly in
	// the span where nothing is kept. When every message goes and no hold
	// is active, that is known without looking; otherwise a pre-pass over
	// the stubs decides.
	inSpan := func(month string) bool {
		f, t, err := monthBounds(month)
		return err == nil && !f.Before(s.from) && !t.After(s.to)
	}
	if s.dry {
		return ix.sweepCount(ctx, s, st, rt, view, start, end, inSpan, decide)
	}
	whole := map[string]bool{}
	if s.pick == nil && view.empty() {
		for m := range wholeMonths(s.from, s.to) {
			whole[m] = !st.notWhole[m]
		}
	} else {
		err := ix.scanStubs(ctx, rt, start, end, st.pos != nil, func(m *model.Message) error {
			month := monthOf(m.CreatedAt)
			if st.notWhole[month] || !inSpan(month) {
				return nil
			}
			del, _, _, err := decide(m)
			if err == nil && !del {
				st.notWhole[month] = true
			}
			whole[month] = !st.notWhole[month]
			return err
		}, nil)
		if err != nil {
			return err
		}
	}

	w := ix.newWriter()
	defer w.discard()
	pend, pendPos := newSweepStats(), st.pos
	var pendDropped []string
	w.beforeCommit = func(txn *badger.Txn) error {
		if s.progress != nil {
			sofar := newSweepStats()
			sofar.add(st.done)
			sofar.add(pend)
			sofar.Partitions = partitionsSoFar(st.done.Partitions, st.dropped, pendDropped)
			if err := s.progress(txn, sofar); err != nil {
				return err
			}
		}
		return view.check(txn)
	}
	w.afterCommit = func() {
		st.done.add(pend)
		for _, m := range pendDropped {
			st.dropped[m] = true
		}
		pend, st.pos, pendDropped = newSweepStats(), pendPos, nil
		st.commits++
		if sweepCommitted != nil {
			sweepCommitted(s.job)
		}
	}
	// The drops go in the attempt's first transaction, before any message
	// of theirs is deleted without its own outbox entry.
	for m, ok := range whole {
		if ok && !st.dropped[m] {
			// A range over decades names thousands of months.
			if err := w.room(64); err != nil {
				return err
			}
			if err := w.set(key(pOutbox, obDrop, m), nil); err != nil {
				return err
			}
			pendDropped = append(pendDropped, m)
		}
	}
	if s.record != nil {
		if err := s.record(w, false); err != nil {
			return err
		}
	}
	err = ix.scanStubs(ctx, rt, start, end, st.pos != nil, func(m *model.Message) error {
		month := monthOf(m.CreatedAt)
		del, label, holds, err := decide(m)
		if err != nil {
			return err
		}
		k := timeMsgKey(m.CreatedAt, m.ID)
		if !del {
			if len(holds) > 0 {
				pend.Held++
				pend.month(month).Held++
				for _, h := range holds {
					pend.HeldBy[h]++
				}
			}
			pendPos = k
			return nil
		}
		if err := w.room(512); err != nil {
			return err
		}
		if err := w.unlinkMessage(m); err != nil {
			return fmt.Errorf("message %s: %w", m.ID, err)
		}
		if err := w.del(key(pMessage, m.ID)); err != nil {
			return err
		}
		if !whole[month] {
			if err := w.outboxMessage(m.ID, month); err != nil {
				return err
			}
		}
		pend.Messages++
		pend.month(month).Messages++
		if label != "" {
			pend.ByLabel[label]++
		}
		if n := st.done.Messages + pend.Messages; n%5000 == 0 {
			ix.Publish(Event{Job: s.job, Kind: s.job, State: "running", Done: int64(n), Total: int64(st.total), Unit: "messages"})
		}
		// A conversation whose last message this was goes in the same
		// transaction, so a crash cannot separate the two: a resumed run
		// would not know the conversation lost messages here.
		dropped, err := ix.dropIfEmpty(w, m.ConversationID, view)
		if dropped {
			pend.Conversations++
			pend.month(month).Conversations++
		}
		pendPos = k
		return err
	}, func(k []byte) error {
		// An index entry without its message: nothing to unlink or count.
		if err := w.room(128); err != nil {
			return err
		}
		pendPos = bytes.Clone(k)
		return w.del(k)
	})
	if err != nil {
		return err
	}
	if s.createdConvs {
		var created []string
		if err := ix.scanConvsCreated(s.from, s.to, func(id string) { created = append(created, id) }); err != nil {
			return err
		}
		// Conversations created in the span that had no messages to lose.
		for _, id := range created {
			if err := w.room(512); err != nil {
				return err
			}
			dropped, err := ix.dropIfEmpty(w, id, view)
			if err != nil {
				return err
			}
			if dropped {
				pend.Conversations++
			}
		}
	}
	if s.record != nil {
		if err := s.record(w, true); err != nil {
			return err
		}
	}
	return w.commit()
}

// sweepCount is the dry run of a sweep: the same decisions, counted. A
// conversation counts when it would lose its last message, in the month of
// that message (where the run drops it).
func (ix *Indexer) sweepCount(ctx context.Context, s *sweep, st *sweepState, rt *badger.Txn, view *holdView,
	start, end []byte, inSpan func(string) bool, decide func(*model.Message) (bool, string, []string, error)) error {
	res := &st.done
	lost := map[string]int{}
	whole := map[string]bool{} // months in the span: true while nothing in them is kept
	lastMonth := map[string]string{}
	err := ix.scanStubs(ctx, rt, start, end, false, func(m *model.Message) error {
		del, label, holds, err := decide(m)
		if err != nil {
			return err
		}
		month := monthOf(m.CreatedAt)
		if inSpan(month) {
			w, seen := whole[month]
			whole[month] = del && (w || !seen)
		}
		if !del {
			if len(holds) > 0 {
				res.Held++
				res.month(month).Held++
				for _, h := range holds {
					res.HeldBy[h]++
				}
			}
			return nil
		}
		res.Messages++
		res.month(month).Messages++
		if label != "" {
			res.ByLabel[label]++
		}
		lost[m.ConversationID]++
		lastMonth[m.ConversationID] = month
		return nil
	}, nil)
	if err != nil {
		return err
	}
	for m, ok := range whole {
		if ok {
			res.Partitions = append(res.Partitions, m)
		}
	}
	slices.Sort(res.Partitions)
	check := func(id string) error {
		var a convAgg
		if _, _, err := getJSON(rt, key(pConvAgg, id), &a); err != nil {
			return err
		}
		if a.Messages-lost[id] > 0 {
			return nil
		}
		var c model.Conversation
		found, _, err := getJSON(rt, key(pConv, id), &c)
		if err != nil || !found || view.convHeld(&c) {
			return err
		}
		res.Conversations++
		if m := lastMonth[id]; m != "" {
			res.month(m).Conversations++
		}
		return nil
	}
	for id := range lost {
		if err := check(id); err != nil {
			return err
		}
	}
	if s.createdConvs {
		var created []string
		if err := ix.scanConvsCreated(s.from, s.to, func(id string) { created = append(created, id) }); err != nil {
			return err
		}
		for _, id := range created {
			if _, seen := lost[id]; !seen {
				if err := check(id); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// scanStubs calls fn for each message in the time index in [start, end), in
// time order, as a stub (stub.go), reading from txn. after skips start
// itself (it was handled by an earlier attempt).
//
// A key written before stubs (empty value) is resolved through its record.
// When the record is gone, or was created at another time, the key is an
// orphan: it is passed to orphan (nil skips it) and never ends the scan —
// it once did, silently, and the rest of a deleted range stayed stored.
func (ix *Indexer) scanStubs(ctx context.Context, txn *badger.Txn, start, end []byte, after bool,
	fn func(*model.Message) error, orphan func(k []byte) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pTimeMsg), PrefetchValues: true, PrefetchSize: 256})
	defer it.Close()
	for it.Seek(start); it.Valid(); it.Next() {
		item := it.Item()
		k := item.Key()
		if bytes.Compare(k, end) >= 0 {
			break
		}
		if after && bytes.Equal(k, start) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		m, err := stubOf(txn, item)
		if err != nil {
			return err
		}
		if m == nil {
			if orphan != nil {
				if err := orphan(item.KeyCopy(nil)); err != nil {
					return err
				}
			}
			continue
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// stubOf decodes a time-index entry; nil when it is an orphan.
func stubOf(txn *badger.Txn, item *badger.Item) (*model.Message, error) {
	k := item.Key()
	var m *model.Message
	err := item.Value(func(v []byte) error {
		if len(v) == 0 {
			return nil
		}
		var err error
		m, err = decodeStub(k, v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("time index %x: %w", k, err)
	}
	if m != nil {
		return m, nil
	}
	// Written before stubs: read the record.
	m = &model.Message{}
	id := string(k[len(pTimeMsg)+8:])
	found, _, err := getJSON(txn, key(pMessage, id), m)
	if err != nil {
		return nil, fmt.Errorf("time index %x: %w", k, err)
	}
	if !found || !bytes.Equal(timeMsgKey(m.CreatedAt, id), k) {
		return nil, nil
	}
	return m, nil
}

// partitionsSoFar is the sorted union of the months dropped.
func partitionsSoFar(base []string, dropped map[string]bool, pending []string) []string {
	out := slices.Clone(base)
	for m := range dropped {
		out = append(out, m)
	}
	out = append(out, pending...)
	slices.Sort(out)
	return slices.Compact(out)
}
