package forward_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// TestOracleTestSendAndSecrets: a test send reaches the receiver signed,
// outside the queue (no cursor move, no dead letter when refused); the
// secret is stored nowhere in clear in the meta store and never returned;
// an update without a secret keeps it, one with a new secret switches the
// running sender to it; concurrent creations all land.
func TestOracleTestSendAndSecrets(t *testing.T) {
	e := newEnv(t, envOpts{Poll: 50 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	rec := newReceiver(t, "ts", "whsec-plant-testsend-0000111122223333")
	d := e.addDest("ts", model.StreamFindings, false, rec)
	res, err := e.eng.TestSend(e.ctx, d.ID)
	if err != nil || !res.OK || res.EventID == "" {
		t.Fatalf("TestSend: %+v %v", res, err)
	}
	if !rec.has(res.EventID) {
		t.Errorf("test event %s not at the receiver", res.EventID)
	}
	acc, _, v := rec.snapshot()
	if len(v) != 0 || len(acc) != 1 || acc[0].Event.Type != "finding" {
		t.Errorf("test send: %d events %+v, violations %q", len(acc), acc, v)
	}
	rec.setMode(modeBadRequest)
	res, err = e.eng.TestSend(e.ctx, d.ID)
	if err != nil || res.OK || !strings.Contains(res.Error, "400") || strings.Contains(res.Error, rec.secret) {
		t.Errorf("TestSend to a refusing receiver: %+v %v", res, err)
	}
	if st := e.status(d.ID); st.DeadLetters != 0 || st.Cursor != 0 {
		t.Errorf("test sends touched the queue: %+v", st)
	}
	rec.setMode(modeOK)

	// At rest and in answers.
	list, err := e.eng.Destinations(e.ctx)
	if err != nil || len(list) != 1 || list[0].Secret != "" || list[0].SecretHint == "" || strings.Contains(list[0].SecretHint, "testsend") {
		t.Errorf("Destinations: %+v %v", list, err)
	}
	checkMetaClean := func(secret string) {
		t.Helper()
		err := e.ix.ScanMeta("", func(k string, v []byte) error {
			if strings.Contains(string(v), secret) || strings.Contains(k, secret) {
				t.Errorf("meta %q holds the secret in clear", k)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	checkMetaClean(rec.secret)

	// Update keeping the secret, then with a new one.
	c := genCorpus(corpusOpts{Seed: 5, Batches: 3, PerBatch: 12, Base: time.Now().Add(-time.Hour).Truncate(time.Second)})
	d.Secret = ""
	d.Name = "ts renamed"
	if _, err := e.eng.PutDestination(e.ctx, d); err != nil {
		t.Fatal(err)
	}
	e.ingest(c.Batches[0])
	n := wantCount(model.StreamFindings, e.oracle.Entries)
	waitFor(t, 20*time.Second, func() string { return fmt.Sprintf("after an update keeping the secret: %d/%d", rec.distinct()-1, n) },
		func() bool { return rec.distinct()-1 >= n })
	newSecret := "whsec-plant-rotated-4444555566667777"
	rec.mu.Lock()
	rec.secret = newSecret
	rec.mu.Unlock()
	d.Secret = newSecret
	if _, err := e.eng.PutDestination(e.ctx, d); err != nil {
		t.Fatal(err)
	}
	e.ingest(c.Batches[1])
	n = wantCount(model.StreamFindings, e.oracle.Entries)
	waitFor(t, 20*time.Second, func() string {
		_, _, v := rec.snapshot()
		return fmt.Sprintf("after a secret change: %d/%d, violations %q", rec.distinct()-1, n, v)
	}, func() bool { return rec.distinct()-1 >= n })
	checkMetaClean(newSecret)
	if _, _, v := rec.snapshot(); len(v) != 0 {
		t.Errorf("violations: %q", v)
	}

	// Concurrent creations while ingesting.
	var wg sync.WaitGroup
	made := make(chan string, 8)
	for i := range 8 {
		wg.Go(func() {
			r := newReceiver(t, fmt.Sprintf("c%d", i), fmt.Sprintf("whsec-plant-concurrent-%d", i))
			got, err := e.eng.PutDestination(e.ctx, model.Destination{Name: fmt.Sprintf("c%d", i), Kind: model.DestWebhook,
				Stream: model.StreamMessages, Enabled: true, URL: r.URL(), Secret: r.secret})
			if err != nil {
				t.Errorf("concurrent PutDestination: %v", err)
				return
			}
			made <- got.ID
			if _, err := e.eng.Destinations(e.ctx); err != nil {
				t.Errorf("concurrent Destinations: %v", err)
			}
		})
	}
	e.ingest(c.Batches[2])
	wg.Wait()
	close(made)
	ids := map[string]bool{}
	for id := range made {
		ids[id] = true
	}
	list, _ = e.eng.Destinations(e.ctx)
	if len(ids) != 8 || len(list) != 9 {
		t.Errorf("8 concurrent creations: %d distinct ids, %d destinations listed", len(ids), len(list))
	}
}
