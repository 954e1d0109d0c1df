package indexer

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/dgraph-io/badger/v4"

	"github.com/ccsync/ccsync/model"
)

// VerifyReport is what Verify found. Problems is empty when Badger, the
// index and the counters agree.
type VerifyReport struct {
	Messages      int      `json:"messages"`      // stored in Badger
	Conversations int      `json:"conversations"` // stored in Badger
	Activities    int      `json:"activities"`    // Activity Feed events in Badger
	IndexDocs     uint64   `json:"index_docs"`    // in the search index
	OutboxPending int      `json:"outbox_pending"`
	Problems      []string `json:"problems,omitempty"`
}

// OK reports whether nothing disagrees.
func (r VerifyReport) OK() bool { return len(r.Problems) == 0 }

// Verify checks that the derived data agrees with Badger: every stored
// message and conversation has exactly one index document, the index holds
// nothing else, and the counters equal a recount. It is what the crash tests
// assert after every restart, and what `ccsync verify` prints. The error is
// for failures to read; disagreements are Problems.
func (ix *Indexer) Verify(ctx context.Context) (VerifyReport, error) {
	var rep VerifyReport
	flagged, missing := 0, 0
	scanned := map[string]int64{} // ScannedBy → messages, against the scan/ counters
	// Ids are checked against the index a thousand at a time as the scan
	// goes, so memory does not grow with the store.
	var pending []string
	check := func(id string) error {
		if id != "" {
			pending = append(pending, id)
		}
		if len(pending) == 0 || (id != "" && len(pending) < 1000) {
			return nil
		}
		found, err := ix.countDocIDs(ctx, pending)
		missing += len(pending) - found
		pending = pending[:0]
		return err
	}
	err := ix.db.View(func(txn *badger.Txn) error {
		if err := eachMessage(txn, func(m *model.Message) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			rep.Messages++
			if len(m.Findings) > 0 {
				flagged++
			}
			if m.ScannedBy != "" {
				scanned[m.ScannedBy]++
			}
			return check(messageDocID(m.ID))
		}); err != nil {
			return err
		}
		if err := scanKeys(txn, []byte(pConv), func(k []byte) error {
			rep.Conversations++
			return check(convDocID(string(k[len(pConv):])))
		}); err != nil {
			return err
		}
		if err := check(""); err != nil { // the last, partial thousand
			return err
		}
		return scanKeys(txn, []byte(pOutbox), func([]byte) error { rep.OutboxPending++; return nil })
	})
	if err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	problem := func(format string, args ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...)) }
	if rep.OutboxPending > 0 {
		problem("%d index outbox entries not yet applied", rep.OutboxPending)
	}
	if rep.IndexDocs, err = ix.indexDocCount(); err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	if want := uint64(rep.Messages + rep.Conversations); rep.IndexDocs != want {
		problem("index has %d documents, the store %d (%d messages + %d conversations)",
			rep.IndexDocs, want, rep.Messages, rep.Conversations)
	}
	if missing > 0 {
		problem("%d stored records have no index document", missing)
	}
	if rep.Activities, err = ix.verifyActivities(ctx, problem); err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	counted := map[string]int{"messages": rep.Messages, "conversations": rep.Conversations, "flagged": flagged}
	err = ix.db.View(func(txn *badger.Txn) error {
		for name, want := range counted {
			got, err := readCounter(txn, key(pStat, name))
			if err != nil {
				return err
			}
			if got != int64(want) {
				problem("counter %s is %d, a recount gives %d", name, got, want)
			}
		}
		return verifyScanCounters(txn, scanned, problem)
	})
	if err == nil {
		err = ix.verifyProducts(ctx, problem)
	}
	if err == nil {
		err = ix.verifyHolds(ctx, problem)
	}
	if err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	return rep, nil
}

// countDocIDs returns how many of ids the index holds (each at most once
// per partition, so a duplicate shows up in the document count instead).
func (ix *Indexer) countDocIDs(ctx context.Context, ids []string) (int, error) {
	release := ix.parts.acquire()
	defer release()
	res, err := searchPartitions(ctx, bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), 0, 0, false), ix.parts.all())
	if err != nil {
		return 0, err
	}
	return int(res.Total), nil
}

func (ix *Indexer) indexDocCount() (uint64, error) {
	release := ix.parts.acquire()
	defer release()
	return ix.parts.docCount()
}

// verifyScanCounters compares the per-stamp message counters, which tell
// how many messages a re-scan has left, with a recount.
func verifyScanCounters(txn *badger.Txn, want map[string]int64, problem func(string, ...any)) error {
	prefix := key(pStat, scannedCounter(""))
	got := map[string]int64{}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		n, err := counterValue(it.Item())
		if err != nil {
			return err
		}
		got[string(it.Item().Key()[len(prefix):])] = n
	}
	for stamp, n := range want {
		if got[stamp] != n {
			problem("counter %s is %d, a recount gives %d", scannedCounter(stamp), got[stamp], n)
		}
	}
	for stamp, n := range got {
		if _, ok := want[stamp]; !ok {
			problem("counter %s is %d, a recount gives 0", scannedCounter(stamp), n)
		}
	}
	return nil
}
