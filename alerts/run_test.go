package alerts

import (
	"context"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRunWakesOnIngestAndNotifies(t *testing.T) {
	e := newEnv(t)
	e.ev.opts.Poll = time.Hour // only the journal's notification can wake it
	e.rule(model.AlertRule{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.ev.Run(ctx) }()
	// Let Run go idle on an evaluated journal first.
	waitFor(t, "the first batch", func() bool { c, _ := Cursor(e.st); return c == e.ix.JournalHead() })
	notify := e.ev.Notify()
	start := time.Now()
	// Run may read the entry before the test sets its ingest time: the
	// message is live by the wall clock too.
	now := time.Now()
	e.live(now, e.msg("c1", now.Add(-time.Minute), "[[aws_access_key:critical]]"))
	select {
	case <-notify:
	case <-time.After(10 * time.Second):
		t.Fatal("no notification of the fired alert")
	}
	t.Logf("ingest to fired alert: %v", time.Since(start))
	if h, err := Head(e.st); err != nil || h != 1 {
		t.Fatalf("head %d, %v", h, err)
	}
	// An entry that fires nothing does not notify.
	notify = e.ev.Notify()
	e.live(now, e.msg("c1", now, "nothing"))
	waitFor(t, "the quiet entry", func() bool { c, _ := Cursor(e.st); return c == e.ix.JournalHead() })
	select {
	case <-notify:
		t.Error("notified without a new alert")
	default:
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v at ctx end", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}

func TestRunRetriesAfterFailure(t *testing.T) {
	e := newEnv(t)
	e.rule(model.AlertRule{})
	fails := 2
	e.st.failUpdate = func(map[string][]byte) error {
		if fails > 0 {
			fails--
			return errInjected
		}
		return nil
	}
	e.live(t0.Add(time.Minute), e.msg("c1", t0, "[[email:medium]]"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.ev.Run(ctx) }()
	waitFor(t, "the alert after two failures", func() bool { h, _ := Head(e.st); return h == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if as, _ := After(context.Background(), e.st, 0, 0); len(as) != 1 {
		t.Fatalf("%d alerts after retries, want exactly 1", len(as))
	}
}

func TestAlertLog(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.rule(model.AlertRule{GroupBy: model.AlertGroupMessage})
	for i := range 12 {
		e.live(t0.Add(time.Minute), e.msg("c1", t0.Add(time.Duration(i)*time.Second), "[[email:medium]]"))
	}
	e.drain()
	seqs := func(as []model.Alert) []uint64 {
		var out []uint64
		for _, a := range as {
			out = append(out, a.Seq)
		}
		return out
	}
	tests := []struct {
		name string
		get  func() ([]model.Alert, error)
		want []uint64
	}{
		{"after 0", func() ([]model.Alert, error) { return After(ctx, e.st, 0, 3) }, []uint64{1, 2, 3}},
		{"after 10", func() ([]model.Alert, error) { return After(ctx, e.st, 10, 0) }, []uint64{11, 12}},
		{"after head", func() ([]model.Alert, error) { return After(ctx, e.st, 12, 5) }, nil},
		{"after max", func() ([]model.Alert, error) { return After(ctx, e.st, ^uint64(0), 5) }, nil},
		{"newest", func() ([]model.Alert, error) { return e.ev.Alerts(ctx, 0, 3) }, []uint64{12, 11, 10}},
		{"before 4", func() ([]model.Alert, error) { return e.ev.Alerts(ctx, 4, 0) }, []uint64{3, 2, 1}},
		{"before 1", func() ([]model.Alert, error) { return e.ev.Alerts(ctx, 1, 0) }, nil},
		{"before beyond head", func() ([]model.Alert, error) { return e.ev.Alerts(ctx, 1000, 2) }, []uint64{12, 11}},
		{"limit capped", func() ([]model.Alert, error) { return e.ev.Alerts(ctx, 0, 1<<30) }, []uint64{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			as, err := tc.get()
			if err != nil {
				t.Fatal(err)
			}
			if got := seqs(as); len(got) != len(tc.want) || (len(got) > 0 && !equal(got, tc.want)) {
				t.Fatalf("seqs %v, want %v", got, tc.want)
			}
		})
	}
	if h, _ := Head(e.st); h != 12 {
		t.Errorf("head %d", h)
	}
	if c, _ := Cursor(e.st); c != e.ix.JournalHead() {
		t.Errorf("cursor %d, journal head %d", c, e.ix.JournalHead())
	}
	// An empty store.
	fresh := newEnv(t)
	if h, err := Head(fresh.st); h != 0 || err != nil {
		t.Errorf("empty head %d, %v", h, err)
	}
	if c, err := Cursor(fresh.st); c != 0 || err != nil {
		t.Errorf("empty cursor %d, %v", c, err)
	}
}

func equal(a, b []uint64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}
