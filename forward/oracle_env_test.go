package forward_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccsync/ccsync/alerts"
	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/keystore"
	"github.com/ccsync/ccsync/model"
)

// oenv is one ccsync data directory with a running engine.
type oenv struct {
	t      *testing.T
	ctx    context.Context
	dir    string
	ix     *indexer.Indexer
	ev     *alerts.Evaluator
	keys   *keystore.Store
	eng    *forward.Engine
	oracle *oracle
	// hold is the cursor of an extra journal consumer the test plays, so
	// the journal it compares with the oracle is not trimmed first.
	hold atomic.Uint64
}

type envOpts struct {
	Clock      forward.Clock
	MinBackoff time.Duration
	MaxBackoff time.Duration
	Poll       time.Duration
	Hold       bool // start with the test's own consumer holding the journal at 0
	Alerts     bool // run the alert evaluator too (its cursor holds the journal)
}

func newEnv(t *testing.T, o envOpts) *oenv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: dir, MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keystore.Open(keystore.Options{Dir: dir, Meta: ix})
	if err != nil {
		t.Fatal(err)
	}
	e := &oenv{t: t, ctx: ctx, dir: dir, ix: ix, keys: keys, oracle: newOracle(ix.JournalHead())}
	if !o.Hold {
		e.hold.Store(math.MaxUint64)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fo := forward.Options{Store: ix, Secrets: keys, Clock: o.Clock, BaseURL: "https://ccsync.plant.example",
		Hostname: "oracle-host", Logger: log, MinBackoff: o.MinBackoff, MaxBackoff: o.MaxBackoff, Poll: o.Poll,
		JournalConsumers: func() (uint64, error) { return min(e.hold.Load(), ix.JournalHead()), nil }}
	done := make(chan error, 2)
	runs := 1
	if o.Alerts && !alertsImplemented(ctx, ix) {
		ix.Close()
		cancel()
		t.Skip("package alerts is still a stub")
	}
	if o.Alerts {
		e.ev = alerts.New(alerts.Options{Store: ix, Logger: log, Poll: 50 * time.Millisecond})
		fo.AlertNotify = e.ev.Notify
		fo.JournalConsumers = func() (uint64, error) {
			c, err := alerts.Cursor(ix)
			return min(e.hold.Load(), c), err
		}
		runs++
		go func() { done <- e.ev.Run(ctx) }()
	}
	e.eng = forward.New(fo)
	go func() { done <- e.eng.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		for range runs {
			select {
			case err := <-done:
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Errorf("Run did not return within 15s of its context ending")
			}
		}
		ix.Close()
	})
	return e
}

// addDest creates a webhook destination for rec.
func (e *oenv) addDest(name, stream string, anon bool, rec *receiver) model.Destination {
	e.t.Helper()
	d, err := e.eng.PutDestination(e.ctx, model.Destination{Name: name, Kind: model.DestWebhook, Stream: stream,
		Enabled: true, Anonymous: anon, URL: rec.URL(), Secret: rec.secret})
	if err != nil {
		e.t.Fatalf("PutDestination %s: %v", name, err)
	}
	if d.ID == "" || d.Secret != "" {
		e.t.Fatalf("PutDestination %s: id %q, secret returned: %v", name, d.ID, d.Secret != "")
	}
	return d
}

// ingest ingests a batch and checks the journal grew as the oracle says.
func (e *oenv) ingest(b indexer.Batch) []entry {
	e.t.Helper()
	if _, err := e.ix.Ingest(e.ctx, b); err != nil {
		e.t.Fatalf("ingest: %v", err)
	}
	got := e.oracle.apply(b)
	if h := e.ix.JournalHead(); h != e.oracle.seq {
		e.t.Fatalf("journal head %d after ingest, oracle says %d", h, e.oracle.seq)
	}
	return got
}

func (e *oenv) instance() string {
	e.t.Helper()
	v, err := e.ix.Meta("fwd/instance")
	if err != nil {
		e.t.Fatalf("fwd/instance: %v", err)
	}
	return string(v)
}

// checkJournal compares the stored journal with the oracle (while held).
func (e *oenv) checkJournal() {
	e.t.Helper()
	got, err := e.ix.Journal(e.ctx, 0, 1<<30)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(got) != len(e.oracle.Entries) {
		e.t.Fatalf("journal holds %d entries, oracle %d", len(got), len(e.oracle.Entries))
	}
	for i, g := range got {
		w := e.oracle.Entries[i]
		if g.Seq != w.Seq || g.MessageID != w.Msg.ID || g.New != w.New || len(g.Fresh) != len(w.Fresh) {
			e.t.Fatalf("journal entry %d: seq %d msg %s new %v fresh %d; oracle: seq %d msg %s new %v fresh %d",
				i, g.Seq, g.MessageID, g.New, len(g.Fresh), w.Seq, w.Msg.ID, w.New, len(w.Fresh))
		}
		for k := range g.Fresh {
			if fkey(g.Fresh[k]) != fkey(w.Fresh[k]) {
				e.t.Fatalf("journal entry %d fresh %d: %s, oracle %s", i, k, fkey(g.Fresh[k]), fkey(w.Fresh[k]))
			}
		}
	}
}

func (e *oenv) status(id string) forward.Status {
	e.t.Helper()
	d, err := e.eng.Destination(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Destination %s: %v", id, err)
	}
	return d.Status
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what func() string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("after %v: %s", timeout, what())
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

func wantCount(stream string, entries []entry) int {
	if stream == model.StreamMessages {
		return len(entries)
	}
	n := 0
	for _, e := range entries {
		n += len(e.Fresh)
	}
	return n
}

func progress(recs map[string]*receiver, want map[string]int) func() string {
	return func() string {
		s := ""
		for name, r := range recs {
			s += fmt.Sprintf("%s %d/%d (hits %d) ", name, r.distinct(), want[name], r.hitCount())
		}
		return "delivery incomplete: " + s
	}
}
