package forward_test

import (
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// TestOracleNewDestinationStartsAtHead: a destination created after some
// ingest gets what happens from then on, not history, while an older one
// gets everything.
func TestOracleNewDestinationStartsAtHead(t *testing.T) {
	e := newEnv(t, envOpts{Poll: 50 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	oldRec := newReceiver(t, "old", "whsec-plant-old-0123456789")
	e.addDest("old", model.StreamMessages, false, oldRec)
	c := genCorpus(corpusOpts{Seed: 8, Batches: 2, PerBatch: 15, Base: time.Now().Add(-time.Hour).Truncate(time.Second)})
	e.ingest(c.Batches[0]) // history the new destination must not get
	newRec := newReceiver(t, "new", "whsec-plant-new-0123456789")
	e.addDest("new", model.StreamFindings, false, newRec)
	later := e.ingest(c.Batches[1])
	inst := e.instance()
	waitFor(t, 20*time.Second, func() string { return "not delivered" }, func() bool {
		return oldRec.distinct() >= len(e.oracle.Entries) && newRec.distinct() >= wantCount(model.StreamFindings, later)
	})
	checkDest(t, oldRec, destCheck{Name: "old", Stream: model.StreamMessages, Want: e.oracle.want(inst, model.StreamMessages, 0, e.oracle.Entries), Secrets: e.oracle.Secrets})
	checkDest(t, newRec, destCheck{Name: "new", Stream: model.StreamFindings, Want: e.oracle.want(inst, model.StreamFindings, fBaseOf(newRec), later), Secrets: e.oracle.Secrets})
}
