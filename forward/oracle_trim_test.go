package forward_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/model"
)

// TestOracleTrimming: a failing destination holds the journal back through
// hours of the engine's clock (nothing it has not delivered is trimmed);
// disabling one and removing the other lets the journal empty. The removed
// destination's status, secret and dead letters go with it.
func TestOracleTrimming(t *testing.T) {
	clk := newFakeClock(time.Now())
	e := newEnv(t, envOpts{Clock: clk})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go driveClock(ctx, clk, 2*time.Second)
	good := newReceiver(t, "good", "whsec-plant-good")
	down1 := newReceiver(t, "down1", "whsec-plant-down1")
	down2 := newReceiver(t, "down2", "whsec-plant-down2")
	for _, r := range []*receiver{good, down1, down2} {
		r.mu.Lock()
		r.clocks = append(r.clocks, clk.Now)
		r.mu.Unlock()
	}
	dg := e.addDest("good", model.StreamMessages, false, good)
	d1 := e.addDest("down1", model.StreamFindings, false, down1)
	d2 := e.addDest("down2", model.StreamMessages, true, down2)
	down1.setMode(modeFail500)
	down2.setMode(modeRefuse)
	c := genCorpus(corpusOpts{Seed: 77, Batches: 4, PerBatch: 25, Base: time.Now().Add(-time.Hour).Truncate(time.Second)})
	for _, b := range c.Batches {
		e.ingest(b)
	}
	all := len(e.oracle.Entries)
	waitFor(t, 30*time.Second, func() string { return "good destination not delivered" }, func() bool { return good.distinct() >= all })
	f0 := clk.Now()
	waitFor(t, time.Minute, func() string { return "clock stuck" }, func() bool { return clk.Now().Sub(f0) > 3*time.Hour })
	if j, err := e.ix.Journal(e.ctx, 0, 1<<20); err != nil || len(j) != all {
		t.Fatalf("after 3 simulated hours with two destinations failing, the journal holds %d of %d entries (%v)", len(j), all, err)
	}

	// Disabled: down2 still holds the journal.
	d1.Enabled = false
	d1.Secret = ""
	if _, err := e.eng.PutDestination(e.ctx, d1); err != nil {
		t.Fatal(err)
	}
	f1 := clk.Now()
	waitFor(t, time.Minute, func() string { return "clock stuck" }, func() bool { return clk.Now().Sub(f1) > time.Hour })
	if j, _ := e.ix.Journal(e.ctx, 0, 1<<20); len(j) != all {
		t.Fatalf("a failing destination's entries were trimmed: %d of %d left", len(j), all)
	}
	h1 := down1.hitCount()

	// Removed: nothing holds the journal.
	if err := e.eng.DeleteDestination(e.ctx, d2.ID); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	trim := waitFor(t, time.Minute, func() string {
		j, _ := e.ix.Journal(e.ctx, 0, 1<<20)
		return "journal not trimmed after the failing destinations were disabled and removed: " + itoa(uint64(len(j))) + " entries left"
	}, func() bool {
		j, err := e.ix.Journal(e.ctx, 0, 1)
		return err == nil && len(j) == 0
	})
	t.Logf("journal of %d entries trimmed %v (real) after the last failing destination was removed", all, trim)
	_ = t0
	if _, err := e.eng.Destination(e.ctx, d2.ID); !errors.Is(err, forward.ErrNotFound) {
		t.Errorf("removed destination still answers: %v", err)
	}
	if _, err := e.keys.Get("forward/" + d2.ID); err == nil {
		t.Errorf("removed destination's secret is still in the keystore")
	}
	if n := down1.hitCount(); n != h1 {
		t.Errorf("disabled destination was sent %d more requests", n-h1)
	}
	if st := e.status(dg.ID); st.Failing || st.Delivered < int64(all) {
		t.Errorf("good destination status %+v", st)
	}
	// Nothing is lost for the live destination after the trim: new
	// entries still arrive.
	more := genCorpus(corpusOpts{Seed: 78, Batches: 1, PerBatch: 10, Base: time.Now().Add(-time.Hour).Truncate(time.Second)})
	for i := range more.Batches[0].Messages {
		more.Batches[0].Messages[i].ID += "-more"
	}
	e.ingest(more.Batches[0])
	waitFor(t, 30*time.Second, func() string { return "new entry after trim not delivered" }, func() bool { return good.distinct() >= len(e.oracle.Entries) })
	checkDest(t, good, destCheck{Name: "good", Stream: model.StreamMessages, Want: e.oracle.want(e.instance(), model.StreamMessages, 0, e.oracle.Entries), Secrets: e.oracle.Secrets})
}
