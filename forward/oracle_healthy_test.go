package forward_test

import (
	"math"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

type oracleDest struct {
	name   string
	stream string
	anon   bool
	rec    *receiver
	d      model.Destination
}

func oracleDests(t *testing.T, e *oenv) []*oracleDest {
	ds := []*oracleDest{
		{name: "messages", stream: model.StreamMessages},
		{name: "findings", stream: model.StreamFindings},
		{name: "anon-findings", stream: model.StreamFindings, anon: true},
		{name: "anon-messages", stream: model.StreamMessages, anon: true},
	}
	for _, d := range ds {
		d.rec = newReceiver(t, d.name, "whsec-plant-"+d.name+"-0123456789abcdef")
		d.d = e.addDest(d.name, d.stream, d.anon, d.rec)
	}
	return ds
}

func waitDelivered(t *testing.T, ds []*oracleDest, entries []entry, timeout time.Duration) time.Duration {
	t.Helper()
	recs, want := map[string]*receiver{}, map[string]int{}
	for _, d := range ds {
		recs[d.name], want[d.name] = d.rec, wantCount(d.stream, entries)
	}
	return waitFor(t, timeout, progress(recs, want), func() bool {
		for _, d := range ds {
			if d.rec.distinct() < want[d.name] {
				return false
			}
		}
		return true
	})
}

func checkAll(t *testing.T, e *oenv, ds []*oracleDest, unordered map[string]bool) map[string]destResult {
	t.Helper()
	inst := e.instance()
	var recs []*receiver
	for _, d := range ds {
		recs = append(recs, d.rec)
	}
	base := fBaseOf(recs...)
	out := map[string]destResult{}
	for _, d := range ds {
		out[d.name] = checkDest(t, d.rec, destCheck{Name: d.name, Stream: d.stream, Anonymous: d.anon,
			Want: e.oracle.want(inst, d.stream, base, e.oracle.Entries), Secrets: e.oracle.Secrets, Unordered: unordered})
	}
	return out
}

// TestOracleHealthy ingests 2,000 messages (with edits) in batches while
// four webhook destinations (messages, findings, and both anonymous) take
// them: each must hold exactly the oracle's events, in journal order. A
// disabled destination gets nothing and does not hold back the trimming
// of the journal once every consumer is through.
func TestOracleHealthy(t *testing.T) {
	e := newEnv(t, envOpts{Poll: 50 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Hold: true})
	ds := oracleDests(t, e)
	off := newReceiver(t, "disabled", "whsec-plant-disabled")
	dd, err := e.eng.PutDestination(e.ctx, model.Destination{Name: "disabled", Kind: model.DestWebhook,
		Stream: model.StreamMessages, URL: off.URL(), Secret: off.secret})
	if err != nil {
		t.Fatal(err)
	}
	c := genCorpus(corpusOpts{Seed: 16, Batches: 40, PerBatch: 50, Base: time.Now().Add(-3 * time.Hour).Truncate(time.Second), EditEvery: 5})
	start := time.Now()
	for _, b := range c.Batches {
		e.ingest(b)
	}
	ingested := time.Since(start)
	drain := waitDelivered(t, ds, e.oracle.Entries, 2*time.Minute)
	e.checkJournal()
	res := checkAll(t, e, ds, nil)
	for _, d := range ds {
		t.Logf("%s: %v", d.name, res[d.name])
		if res[d.name].Duplicates != 0 {
			t.Errorf("%s: %d duplicates on a healthy receiver", d.name, res[d.name].Duplicates)
		}
		st := e.status(d.d.ID)
		if st.Failing || st.DeadLetters != 0 || st.Delivered < int64(res[d.name].Delivered) {
			t.Errorf("%s: status %+v after a clean run of %d events", d.name, st, res[d.name].Delivered)
		}
	}
	t.Logf("finding ids count from %d; %d journal entries, %d messages ingested in %v, all delivered %v after ingest ended", fBaseOf(ds[1].rec), len(e.oracle.Entries),
		40*50, ingested, drain)
	if n := off.hitCount(); n != 0 {
		t.Errorf("disabled destination received %d requests", n)
	}
	if st := e.status(dd.ID); st.Delivered != 0 {
		t.Errorf("disabled destination status %+v", st)
	}

	// Release the test's own consumer: the journal must empty (the
	// disabled destination holds nothing back).
	e.hold.Store(math.MaxUint64)
	trim := waitFor(t, 30*time.Second, func() string {
		j, _ := e.ix.Journal(e.ctx, 0, 5)
		if len(j) == 0 {
			return "?"
		}
		return "journal not trimmed: oldest entry " + itoa(j[0].Seq) + ", head " + itoa(e.ix.JournalHead())
	}, func() bool {
		j, err := e.ix.Journal(e.ctx, 0, 1)
		return err == nil && len(j) == 0
	})
	t.Logf("journal trimmed %v after the last consumer let go", trim)
}

func itoa(n uint64) string { return formatUint(n) }
