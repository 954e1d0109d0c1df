package forward_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/alerts"
	"github.com/ccsync/ccsync/model"
)

// driveClock moves clk forward by step every millisecond of real time
// until ctx ends: an hour of fake time passes in about two seconds.
func driveClock(ctx context.Context, clk *fakeClock, step time.Duration) {
	tk := time.NewTicker(time.Millisecond)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			clk.Advance(step)
		}
	}
}

// TestOracleOutage takes every receiver down for a simulated hour on the
// engine's clock, in six ways (500s, connection refused, 429 with a
// Retry-After above MaxBackoff, connections closed mid-request, hung
// requests, and requests accepted whose answer is lost) while ingest goes
// on; after recovery everything arrives in order, nothing is
// dead-lettered, and the only duplicates are what the lost answers force.
func TestOracleOutage(t *testing.T) {
	clk := newFakeClock(time.Now())
	e := newEnv(t, envOpts{Clock: clk, Alerts: true}) // default backoff 1s..1m, poll 5s, RetryFor 24h
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go driveClock(ctx, clk, 2*time.Second)
	ds := oracleDests(t, e)
	if _, err := e.ev.PutRule(e.ctx, model.AlertRule{Name: "oracle-outage", Enabled: true, FindingTypes: []string{"aws_access_key"},
		GroupBy: model.AlertGroupMessage}); err != nil {
		t.Fatal(err)
	}
	arec := newReceiver(t, "outage-alerts", "whsec-plant-outage-alerts-0123")
	ad := e.addDest("alerts", model.StreamAlerts, false, arec)
	all := append(ds, &oracleDest{name: "alerts", stream: model.StreamAlerts, rec: arec, d: ad})
	for _, d := range all {
		d.rec.mu.Lock()
		d.rec.clocks = append(d.rec.clocks, clk.Now) // the sender may sign with either clock
		d.rec.mu.Unlock()
		d.rec.setRetryAfter("120")
	}
	c := genCorpus(corpusOpts{Seed: 61, Batches: 14, PerBatch: 25, Base: time.Now().Add(-2 * time.Hour).Truncate(time.Second), EditEvery: 3})
	e.ingest(c.Batches[0])
	e.ingest(c.Batches[1])
	waitDelivered(t, ds, e.oracle.Entries, time.Minute)

	b := 2
	var slowest time.Duration
	outageStart := clk.Now()
	for _, mode := range []string{modeFail500, modeRefuse, modeRateLimit, modeClose, modeHang, modeAcceptDrop} {
		hits := map[string]int{}
		for _, d := range all {
			d.rec.setMode(mode)
			hits[d.name] = d.rec.hitCount()
		}
		phase := clk.Now()
		for range 2 {
			t0 := time.Now()
			e.ingest(c.Batches[b])
			slowest = max(slowest, time.Since(t0))
			b++
		}
		waitFor(t, time.Minute, func() string { return "fake clock stuck" }, func() bool { return clk.Now().Sub(phase) >= 10*time.Minute })
		var per []string
		for _, d := range all {
			n := d.rec.hitCount() - hits[d.name]
			per = append(per, d.name+"="+itoa(uint64(n)))
			if mode == modeRateLimit && n > 7 {
				t.Errorf("%s: %d requests in 10 simulated minutes of 429 with Retry-After: 120", d.name, n)
			}
		}
		t.Logf("phase %-11s %v simulated: requests %s", mode, clk.Now().Sub(phase).Round(time.Second), strings.Join(per, " "))
	}
	t.Logf("outage lasted %v simulated; slowest ingest during it %v", clk.Now().Sub(outageStart).Round(time.Second), slowest)
	for _, d := range all {
		if st := e.status(d.d.ID); !st.Failing || st.LastError == "" {
			t.Errorf("%s: status during the outage %+v: want failing with an error", d.name, st)
		} else if strings.Contains(st.LastError, d.rec.secret) {
			t.Errorf("%s: last error shows the secret: %q", d.name, st.LastError)
		}
		d.rec.setMode(modeOK)
	}
	t0, f0 := time.Now(), clk.Now()
	drain := waitDelivered(t, ds, e.oracle.Entries, 2*time.Minute)
	t.Logf("drained %v after recovery (%v on the engine's clock)", drain, clk.Now().Sub(f0).Round(time.Second))
	_ = t0
	laterVersion.Store(0)
	res := checkAll(t, e, ds, nil)
	t.Logf("%d message events described a later version of their message than their journal entry's", laterVersion.Load())
	head := e.ix.JournalHead()
	waitFor(t, time.Minute, func() string { return "evaluator behind" }, func() bool { c, _ := alerts.Cursor(e.ix); return c >= head })
	fired, err := e.ev.Alerts(e.ctx, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(fired)
	waitFor(t, time.Minute, func() string { return "alerts not drained" }, func() bool { return arec.distinct() >= len(fired) })
	adups := checkAlertDest(t, "alerts", arec, e.instance(), fired, false)
	t.Logf("alerts: %d fired, %d duplicates", len(fired), adups)
	for _, d := range all {
		if r, ok := res[d.name]; ok {
			t.Logf("%s: %d events, %d duplicates, %d requests", d.name, r.Delivered, r.Duplicates, r.Requests)
		}
		dl, err := e.eng.DeadLetters(e.ctx, d.d.ID, 0)
		if err != nil || len(dl) != 0 {
			t.Errorf("%s: dead letters after an hour's outage (RetryFor 24h): %d %v", d.name, len(dl), err)
		}
		waitFor(t, 10*time.Second, func() string { return d.name + ": still failing: " + e.status(d.d.ID).LastError }, func() bool {
			st := e.status(d.d.ID)
			return !st.Failing && st.DeadLetters == 0
		})
	}
}
