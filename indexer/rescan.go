package indexer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/model"
	"github.com/ccsync/ccsync/scanners"
)

// ErrRescanRunning is returned by Rescan while another re-scan runs.
var ErrRescanRunning = errors.New("a re-scan is already running")

// RescanOptions configure Rescan.
type RescanOptions struct {
	// All re-scans every message, not only those scanned by another engine
	// version or detector configuration.
	All bool
	// Job is the progress events' job id; empty makes one.
	Job string
	// BatchSize is the messages re-scanned per transaction (default 256);
	// a batch also ends at 8 MiB of message records.
	BatchSize int
	// Progress, when set, is called after every batch, synchronously.
	Progress func(RescanProgress)
}

// RescanProgress is where a re-scan stands. Done counts the messages
// handled so far (for All, every message walked; otherwise the stale ones),
// Total the messages to handle, as known when the run (or the run it
// resumes) started.
type RescanProgress struct {
	Job      string `json:"job"`
	Stamp    string `json:"stamp"` // the ScannedBy the run gives messages
	All      bool   `json:"all"`
	Done     int64  `json:"done"`
	Total    int64  `json:"total"`
	Scanned  int64  `json:"scanned"`  // messages whose findings were recomputed
	Updated  int64  `json:"updated"`  // of those, written because something changed
	Skipped  int64  `json:"skipped"`  // changed or deleted by another write meanwhile, which scanned them itself
	Findings int64  `json:"findings"` // findings in the re-scanned messages, after
	Resumed  bool   `json:"resumed,omitempty"`
	// After is the time-index key of the last message handled: the resume
	// point, kept in the stored checkpoint only (rescanCheckpoint).
	After   []byte    `json:"-"`
	Started time.Time `json:"started"`
	// Finished and State are set in the record of the last finished run.
	Finished time.Time `json:"finished,omitzero"`
	State    string    `json:"state,omitempty"`
}

// RescanStatus is what an operator needs to decide on a re-scan.
type RescanStatus struct {
	Engine   string `json:"engine"` // scanners.Version
	Stamp    string `json:"stamp"`  // engine version + detector configuration fingerprint
	Messages int64  `json:"messages"`
	// Stale counts the messages scanned by another engine version or
	// configuration (or before versions were recorded).
	Stale   int64 `json:"stale"`
	Running bool  `json:"running"`
	// Interrupted is a run that did not finish (killed, cancelled, failed):
	// the next Rescan with the same stamp and All resumes it.
	Interrupted *RescanProgress `json:"interrupted,omitempty"`
	LastRun     *RescanProgress `json:"last_run,omitempty"`
}

const (
	rescanCheckpointKey = "rescan/checkpoint"
	rescanLastKey       = "rescan/last"
	rescanBatchBytes    = 8 << 20
)

// RescanStatus reports the engine, the stale messages and any interrupted run.
func (ix *Indexer) RescanStatus() (RescanStatus, error) {
	st := RescanStatus{Engine: scanners.Version, Stamp: ix.stamp, Running: ix.rescanning.Load()}
	err := ix.db.View(func(txn *badger.Txn) error {
		msgs, err := readCounter(txn, key(pStat, "messages"))
		if err != nil {
			return err
		}
		fresh, err := readCounter(txn, key(pStat, scannedCounter(ix.stamp)))
		if err != nil {
			return err
		}
		st.Messages, st.Stale = msgs, max(0, msgs-fresh)
		var cp rescanCheckpoint
		found, _, err := getJSON(txn, key(pMeta, rescanCheckpointKey), &cp)
		if err != nil {
			return err
		}
		if found {
			cp.RescanProgress.After = cp.Resume
			st.Interrupted = &cp.RescanProgress
		}
		var last RescanProgress
		if found, _, err = getJSON(txn, key(pMeta, rescanLastKey), &last); err != nil {
			return err
		}
		if found {
			st.LastRun = &last
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("rescan status: %w", err)
	}
	return st, nil
}

// rescanCheckpoint is the stored form of an unfinished run: its progress
// and where to resume.
type rescanCheckpoint struct {
	RescanProgress
	Resume []byte `json:"resume"`
}

// rescanItem is a message read for re-scanning: its record as stored (to
// detect a write that overtakes the re-scan) and the re-scanned copy.
type rescanItem struct {
	old []byte
	msg model.Message
	raw []byte
}

// Rescan re-runs the indexer's detectors over stored messages: those whose
// ScannedBy is not the current stamp, or all of them. It walks the time
// index in batches; each batch's new findings go through the ingest path
// (one Badger transaction with counters, aggregates and index outbox, then
// Bleve) together with a checkpoint, so a run killed at any point leaves a
// consistent store and the next Rescan resumes after the last batch
// written. A message that an ingest changed after the batch read it is left
// alone: the ingest scanned it with the same engine, and its content is the
// newer. One re-scan runs at a time (ErrRescanRunning); cancelling ctx stops
// it between batches, resumable.
func (ix *Indexer) Rescan(ctx context.Context, opts RescanOptions) (RescanProgress, error) {
	if !ix.rescanning.CompareAndSwap(false, true) {
		return RescanProgress{}, ErrRescanRunning
	}
	defer ix.rescanning.Store(false)
	if opts.BatchSize <= 0 {
		opts.BatchSize = 256
	}
	p, err := ix.startRescan(opts)
	if err != nil {
		return p, fmt.Errorf("rescan: %w", err)
	}
	ix.publishRescan(&p, "running", "")
	for {
		if err = ctx.Err(); err != nil {
			break
		}
		var end bool
		if end, err = ix.rescanBatch(ctx, &p, opts.BatchSize); err != nil || end {
			break
		}
		ix.publishRescan(&p, "running", "")
		if opts.Progress != nil {
			opts.Progress(p)
		}
	}
	switch {
	case err == nil:
		ix.publishRescan(&p, "done", fmt.Sprintf("%d messages re-scanned, %d updated", p.Scanned, p.Updated))
	case ctx.Err() != nil:
		ix.publishRescan(&p, "cancelled", "cancelled; the next re-scan resumes where this one stopped")
	default:
		ix.publishRescan(&p, "failed", err.Error())
	}
	if opts.Progress != nil {
		opts.Progress(p)
	}
	if err != nil {
		return p, fmt.Errorf("rescan: %w", err)
	}
	return p, nil
}

// startRescan resumes the interrupted run when it had the same stamp and
// mode, and otherwise starts from the first message.
func (ix *Indexer) startRescan(opts RescanOptions) (RescanProgress, error) {
	st, err := ix.RescanStatus()
	if err != nil {
		return RescanProgress{}, err
	}
	if cp := st.Interrupted; cp != nil && cp.Stamp == ix.stamp && cp.All == opts.All {
		p := *cp
		p.Resumed = true
		if opts.Job != "" {
			p.Job = opts.Job
		}
		if !p.All {
			p.Total = p.Done + st.Stale
		}
		return p, nil
	}
	p := RescanProgress{Job: opts.Job, Stamp: ix.stamp, All: opts.All, Total: st.Stale, Started: time.Now().UTC()}
	if p.Job == "" {
		p.Job = "rescan-" + p.Started.Format("20060102T150405")
	}
	if opts.All {
		p.Total = st.Messages
	}
	return p, nil
}

func (ix *Indexer) publishRescan(p *RescanProgress, state, msg string) {
	p.Total = max(p.Total, p.Done)
	ix.Publish(Event{Job: p.Job, Kind: "rescan", State: state, Done: p.Done, Total: p.Total, Unit: "messages", Message: msg,
		Counters: map[string]int{"scanned": int(p.Scanned), "updated": int(p.Updated), "skipped": int(p.Skipped), "findings": int(p.Findings)}})
}

// rescanBatch reads, re-scans and writes the next batch, and reports
// whether the walk reached the end (the run is then recorded as finished).
func (ix *Indexer) rescanBatch(ctx context.Context, p *RescanProgress, size int) (end bool, err error) {
	items, after, walked, end, err := ix.readRescanBatch(p, size)
	if err != nil {
		return false, err
	}
	// Scanning is the CPU-heavy part: outside the write lock, as in Ingest.
	ids := make([]string, 0, len(items))
	for i := range items {
		it := &items[i]
		ix.scanMessage(&it.msg)
		if it.raw, err = json.Marshal(&it.msg); err != nil {
			return false, fmt.Errorf("encode message %s: %w", it.msg.ID, err)
		}
		ids = append(ids, it.msg.ID)
	}
	if ix.rescanScanned != nil {
		ix.rescanScanned(ids)
	}

	ix.writes.Lock()
	defer ix.writes.Unlock()
	if err := ix.checkOpen(); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := ix.checkSpace(); err != nil {
		return false, err
	}
	next := *p
	w := ix.newWriter()
	w.origin = OriginRescan
	for i := range items {
		it := &items[i]
		cur, err := getRaw(w.txn, key(pMessage, it.msg.ID))
		if err != nil {
			w.discard()
			return false, err
		}
		if cur == nil || !bytes.Equal(cur, it.old) {
			// Deleted, or re-ingested (and so re-scanned) since it was
			// read: the newer write stands.
			next.Skipped++
			continue
		}
		next.Scanned++
		next.Findings += int64(len(it.msg.Findings))
		if bytes.Equal(cur, it.raw) {
			continue
		}
		if err := w.putMessage(encodedMessage{msg: &it.msg, raw: it.raw}); err != nil {
			w.discard()
			return false, fmt.Errorf("message %s: %w", it.msg.ID, err)
		}
		next.Updated++
	}
	next.Done += int64(walked)
	if after != nil {
		next.After = after
	}
	if err := ix.putRescanState(w, &next, end); err != nil {
		w.discard()
		return false, err
	}
	if err := w.commit(); err != nil {
		return false, err
	}
	*p = next
	if err := ix.applyOutbox(ctx, w.cache); err != nil {
		return false, fmt.Errorf("stored, but indexing is pending: %w", err)
	}
	return end, nil
}

// putRescanState writes the checkpoint, or at the end removes it and
// records the finished run, in the batch's last transaction.
func (ix *Indexer) putRescanState(w *writer, p *RescanProgress, end bool) error {
	if !end {
		raw, err := json.Marshal(&rescanCheckpoint{RescanProgress: *p, Resume: p.After})
		if err != nil {
			return err
		}
		return w.set(key(pMeta, rescanCheckpointKey), raw)
	}
	last := *p
	last.After, last.Finished, last.State = nil, time.Now().UTC(), "done"
	raw, err := json.Marshal(&last)
	if err != nil {
		return err
	}
	if err := w.del(key(pMeta, rescanCheckpointKey)); err != nil {
		return err
	}
	return w.set(key(pMeta, rescanLastKey), raw)
}

// readRescanBatch walks the time index after p.After and returns up to size
// messages to re-scan, the key of the last message walked, how many of the
// walked ones count towards Done, and whether the walk reached the end.
// Stale messages are found from the time-index stubs alone; only their
// records are read. A batch also ends after walking 16×size fresh entries,
// so that one read transaction stays short however few messages are stale.
func (ix *Indexer) readRescanBatch(p *RescanProgress, size int) (items []rescanItem, after []byte, walked int, end bool, err error) {
	bytesRead := 0
	err = ix.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pTimeMsg), PrefetchValues: true, PrefetchSize: 256})
		defer it.Close()
		if p.After == nil {
			it.Rewind()
		} else {
			it.Seek(p.After)
			if it.Valid() && bytes.Equal(it.Item().Key(), p.After) {
				it.Next()
			}
		}
		seen := 0
		for ; it.Valid(); it.Next() {
			if len(items) >= size || bytesRead >= rescanBatchBytes || seen >= 16*size {
				return nil
			}
			item := it.Item()
			k := item.KeyCopy(nil)
			after = k
			seen++
			if p.All {
				walked++
			}
			if !p.All {
				stale := true
				if err := item.Value(func(v []byte) error {
					if len(v) == 0 {
						return nil // written before stubs: the record says
					}
					var s msgStub
					if err := json.Unmarshal(v, &s); err != nil {
						return err
					}
					stale = s.Scanned != ix.stamp
					return nil
				}); err != nil {
					return fmt.Errorf("time index %x: %w", k, err)
				}
				if !stale {
					continue
				}
			}
			id := string(k[len(pTimeMsg)+8:])
			raw, err := getRaw(txn, key(pMessage, id))
			if err != nil {
				return err
			}
			var m model.Message
			if raw == nil {
				continue // an orphaned entry (see scanStubs)
			}
			if err := json.Unmarshal(raw, &m); err != nil {
				return fmt.Errorf("message %s: %w", id, err)
			}
			if !bytes.Equal(timeMsgKey(m.CreatedAt, m.ID), k) || (!p.All && m.ScannedBy == ix.stamp) {
				continue
			}
			if !p.All {
				walked++
			}
			bytesRead += len(raw)
			items = append(items, rescanItem{old: raw, msg: m})
		}
		end = true
		return nil
	})
	return items, after, walked, end, err
}

// getRaw returns a copy of the value at k, nil when absent.
func getRaw(txn *badger.Txn, k []byte) ([]byte, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return item.ValueCopy(nil)
}
