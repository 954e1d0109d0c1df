package forward_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/forward"
	"github.com/ccsync/ccsync/model"
)

// TestOraclePermanentFailure: a receiver that answers 400 gets each batch
// PermanentAttempts (3) times, then the batch is dead-lettered and the
// cursor moves on, so later events are delivered; the dead letters hold
// exactly the refused events with an error that names the refusal and
// shows no secret. Retrying while the receiver still fails keeps the
// letter; retrying once it is fixed delivers it and removes it; a
// discarded letter is never delivered.
func TestOraclePermanentFailure(t *testing.T) {
	e := newEnv(t, envOpts{Poll: 50 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	rec := newReceiver(t, "perm", "whsec-plant-permanent-s3cr3t")
	d := e.addDest("perm", model.StreamFindings, false, rec)
	c := genCorpus(corpusOpts{Seed: 400, Batches: 3, PerBatch: 30, Base: time.Now().Add(-time.Hour).Truncate(time.Second)})

	rec.setMode(modeBadRequest)
	a := e.ingest(c.Batches[0])
	inst := e.instance()
	wantA := e.oracle.want(inst, model.StreamFindings, 0, a) // ids resolved below once the numbering is known
	var letters []forward.DeadLetter
	waitFor(t, 30*time.Second, func() string { return "batch A not dead-lettered: " + describeLetters(letters) }, func() bool {
		var err error
		letters, err = e.eng.DeadLetters(e.ctx, d.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, l := range letters {
			n += len(l.Events)
		}
		return n >= len(wantA)
	})
	st := e.status(d.ID)
	if st.Cursor < a[len(a)-1].Seq {
		t.Errorf("cursor %d after dead-lettering through %d", st.Cursor, a[len(a)-1].Seq)
	}
	if st.DeadLetters != len(letters) {
		t.Errorf("status counts %d dead letters, list has %d", st.DeadLetters, len(letters))
	}
	hits := rec.modeCount(modeBadRequest)
	if hits != 3*len(letters) {
		t.Errorf("receiver refused %d requests for %d dead letters; want PermanentAttempts (3) each", hits, len(letters))
	}
	base := 1
	for _, l := range letters {
		if l.Destination != d.ID || l.Attempts != 3 || l.Error == "" || l.From > l.To {
			t.Errorf("dead letter %+v", l)
		}
		if !strings.Contains(l.Error, "400") {
			t.Errorf("dead letter error %q does not name the refusal", l.Error)
		}
		checkNoSecret(t, "dead letter error", l.Error, rec.secret, e.oracle.Secrets)
		lo, hi := -1, -1
		for _, ev := range l.Events {
			_, seq, fi, _ := parseID(ev.ID)
			if fi == 0 {
				base = 0
			}
			if lo < 0 {
				lo = seq
			}
			hi = seq
		}
		if l.From > uint64(lo) || l.To < uint64(hi) {
			t.Errorf("dead letter %s says From %d To %d; its events run from sequence %d to %d", l.ID, l.From, l.To, lo, hi)
		}
		t.Logf("dead letter id %q From %d To %d, events from sequence %d to %d", l.ID, l.From, l.To, lo, hi)
	}
	wantA = e.oracle.want(inst, model.StreamFindings, base, a)
	var inLetters []string
	for _, l := range letters {
		for _, ev := range l.Events {
			inLetters = append(inLetters, ev.ID)
		}
	}
	if strings.Join(inLetters, ",") != strings.Join(ids(wantA), ",") {
		t.Errorf("dead letters hold %v\nwant %v", inLetters, ids(wantA))
	}

	// Later events are delivered past the dead letters.
	rec.setMode(modeOK)
	b := e.ingest(c.Batches[1])
	wantB := e.oracle.want(inst, model.StreamFindings, base, b)
	waitFor(t, 30*time.Second, func() string { return "batch B not delivered" }, func() bool { return rec.distinct() >= len(wantB) })
	for _, w := range wantA {
		if rec.has(w.ID) {
			t.Errorf("dead-lettered %s was delivered", w.ID)
		}
	}

	// Retry while the receiver still fails: the letter stays.
	rec.setMode(modeFail500)
	err := e.eng.RetryDeadLetter(e.ctx, d.ID, letters[0].ID)
	if err == nil {
		t.Errorf("RetryDeadLetter against a failing receiver: no error")
	} else {
		checkNoSecret(t, "RetryDeadLetter error", err.Error(), rec.secret, e.oracle.Secrets)
	}
	after, _ := e.eng.DeadLetters(e.ctx, d.ID, 0)
	if len(after) != len(letters) || after[0].ID != letters[0].ID || !strings.Contains(after[0].Error, "500") {
		t.Errorf("after a failed retry: %s", describeLetters(after))
	}
	if err := e.eng.RetryDeadLetter(e.ctx, d.ID, "0000000000000bad"); !errors.Is(err, forward.ErrNotFound) {
		t.Errorf("RetryDeadLetter of an unknown letter: %v", err)
	}

	// Fixed: every retried letter is delivered and removed.
	rec.setMode(modeOK)
	unordered := map[string]bool{}
	for _, l := range letters {
		if err := e.eng.RetryDeadLetter(e.ctx, d.ID, l.ID); err != nil {
			t.Errorf("RetryDeadLetter %s: %v", l.ID, err)
		}
		for _, ev := range l.Events {
			unordered[ev.ID] = true
		}
	}
	if left, _ := e.eng.DeadLetters(e.ctx, d.ID, 0); len(left) != 0 {
		t.Errorf("dead letters left after successful retries: %s", describeLetters(left))
	}
	if st := e.status(d.ID); st.DeadLetters != 0 {
		t.Errorf("status still counts %d dead letters", st.DeadLetters)
	}

	// A discarded letter is never sent.
	rec.setMode(modeBadRequest)
	cc := e.ingest(c.Batches[2])
	wantC := e.oracle.want(inst, model.StreamFindings, base, cc)
	waitFor(t, 30*time.Second, func() string { return "batch C not dead-lettered" }, func() bool {
		l, _ := e.eng.DeadLetters(e.ctx, d.ID, 0)
		n := 0
		for _, x := range l {
			n += len(x.Events)
		}
		return n >= len(wantC)
	})
	rec.setMode(modeOK)
	lc, _ := e.eng.DeadLetters(e.ctx, d.ID, 0)
	for _, l := range lc {
		if err := e.eng.DiscardDeadLetter(e.ctx, d.ID, l.ID); err != nil {
			t.Errorf("DiscardDeadLetter: %v", err)
		}
	}
	if left, _ := e.eng.DeadLetters(e.ctx, d.ID, 0); len(left) != 0 {
		t.Errorf("dead letters left after discarding: %s", describeLetters(left))
	}
	// Everything but C arrived, A out of order by design.
	entries := append(append([]entry{}, a...), b...)
	checkDest(t, rec, destCheck{Name: "perm", Stream: model.StreamFindings, Want: e.oracle.want(inst, model.StreamFindings, base, entries),
		Unordered: unordered, Secrets: e.oracle.Secrets})
	for _, w := range wantC {
		if rec.has(w.ID) {
			t.Errorf("discarded %s was delivered", w.ID)
		}
	}
	t.Logf("%d dead letters for %d events; %d refused requests", len(letters), len(wantA), hits)
}

func ids(ws []wantEvent) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.ID)
	}
	return out
}

func describeLetters(ls []forward.DeadLetter) string {
	var b strings.Builder
	for _, l := range ls {
		b.WriteString(l.ID + " " + itoa(l.From) + ".." + itoa(l.To) + " n=" + itoa(uint64(len(l.Events))) + " attempts=" + itoa(uint64(l.Attempts)) + " err=" + l.Error + "; ")
	}
	return b.String()
}

func checkNoSecret(t *testing.T, what, s, secret string, values map[string]bool) {
	t.Helper()
	if strings.Contains(s, secret) {
		t.Errorf("%s shows the destination secret: %q", what, s)
	}
	for v := range values {
		if strings.Contains(s, v) {
			t.Errorf("%s shows a raw finding value: %q", what, s)
		}
	}
}
