package forward_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// TestOracleDeletedBeforeSend: messages deleted (DeleteRange) while their
// destinations were down must not wedge the queue: once the receivers are
// back every destination reaches the journal head and gets every event of
// the messages that still exist. What happens to the deleted ones' events
// is logged.
func TestOracleDeletedBeforeSend(t *testing.T) {
	e := newEnv(t, envOpts{Poll: 50 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	ds := oracleDests(t, e)
	for _, d := range ds {
		d.rec.setMode(modeFail500)
	}
	base := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	c := genCorpus(corpusOpts{Seed: 12, Batches: 1, PerBatch: 20, Base: base})
	e.ingest(c.Batches[0])
	res, err := e.ix.DeleteRange(e.ctx, base, base.Add(95*time.Second), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("deleted %+v", res)
	deleted := map[string]bool{}
	var kept []entry
	for _, en := range e.oracle.Entries {
		if en.Msg.CreatedAt.Before(base.Add(95 * time.Second)) {
			deleted[en.Msg.ID] = true
			continue
		}
		kept = append(kept, en)
	}
	for _, d := range ds {
		d.rec.setMode(modeOK)
	}
	head := e.ix.JournalHead()
	waitFor(t, 30*time.Second, func() string {
		s := ""
		for _, d := range ds {
			st := e.status(d.d.ID)
			s += fmt.Sprintf("%s cursor %d/%d failing %v err %q; ", d.name, st.Cursor, head, st.Failing, st.LastError)
		}
		return "destinations wedged on deleted messages: " + s
	}, func() bool {
		for _, d := range ds {
			if e.status(d.d.ID).Cursor < head {
				return false
			}
		}
		return true
	})
	inst := e.instance()
	for _, d := range ds {
		base := fBaseOf(d.rec)
		for _, w := range e.oracle.want(inst, d.stream, base, kept) {
			if !d.rec.has(w.ID) {
				t.Errorf("%s: %s of a message that still exists never arrived", d.name, w.ID)
			}
		}
		sent, dead := 0, 0
		for _, w := range e.oracle.want(inst, d.stream, base, e.oracle.Entries) {
			if deleted[w.Entry.Msg.ID] && d.rec.has(w.ID) {
				sent++
			}
		}
		letters, _ := e.eng.DeadLetters(e.ctx, d.d.ID, 0)
		for _, l := range letters {
			dead += len(l.Events)
		}
		withText := 0
		acc, _, _ := d.rec.snapshot()
		for _, a := range acc {
			if deleted[a.Event.MessageID] && a.Event.Text != "" {
				withText++
			}
		}
		t.Logf("%s: %d events of deleted messages sent anyway (%d with their text), %d events dead-lettered", d.name, sent, withText, dead)
	}
}

// TestOracleDeletedContentNotForwarded: once DeleteRange has returned, no
// request carries the text of a deleted message, and no dead letter keeps
// it (a retry would send it; the UI would show it). Deleting content is a
// compliance action: a copy in a retry buffer or the dead-letter list
// outlives it.
func TestOracleDeletedContentNotForwarded(t *testing.T) {
	e := newEnv(t, envOpts{Poll: 50 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	retry := newReceiver(t, "retrying", "whsec-plant-retrying")
	refuse := newReceiver(t, "refusing", "whsec-plant-refusing")
	dr := e.addDest("retrying", model.StreamMessages, false, retry)
	dp := e.addDest("refusing", model.StreamMessages, false, refuse)
	retry.setMode(modeFail500)
	refuse.setMode(modeBadRequest)
	base := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	c := genCorpus(corpusOpts{Seed: 13, Batches: 1, PerBatch: 10, Base: base})
	e.ingest(c.Batches[0])
	waitFor(t, 20*time.Second, func() string {
		return fmt.Sprintf("no attempt / no dead letter yet: retrying hits %d status %+v; refusing hits %d status %+v",
			retry.hitCount(), e.status(dr.ID), refuse.hitCount(), e.status(dp.ID))
	}, func() bool {
		l, _ := e.eng.DeadLetters(e.ctx, dp.ID, 0)
		return retry.hitCount() > 0 && len(l) > 0
	})
	if _, err := e.ix.DeleteRange(e.ctx, base, base.Add(time.Hour), false); err != nil {
		t.Fatal(err)
	}
	texts := map[string]bool{}
	for _, en := range e.oracle.Entries {
		texts[en.Msg.ID] = true
	}
	letters, _ := e.eng.DeadLetters(e.ctx, dp.ID, 0)
	kept := 0
	for _, l := range letters {
		for _, ev := range l.Events {
			if texts[ev.MessageID] && ev.Text != "" {
				kept++
			}
		}
	}
	if kept > 0 {
		t.Errorf("after DeleteRange the dead-letter list still holds the text of %d deleted messages (RetryDeadLetter would send it)", kept)
	}
	h := retry.hitCount()
	retry.setMode(modeOK)
	head := e.ix.JournalHead()
	waitFor(t, 20*time.Second, func() string { return "retrying destination not at head" }, func() bool { return e.status(dr.ID).Cursor >= head })
	_, bodies, _ := retry.snapshot()
	sent := 0
	for _, b := range bodies[h:] {
		var env struct{ Events []model.ForwardEvent }
		if json.Unmarshal(b, &env) == nil {
			for _, ev := range env.Events {
				if texts[ev.MessageID] && ev.Text != "" {
					sent++
				}
			}
		}
	}
	if sent > 0 {
		t.Errorf("after DeleteRange returned, %d events carrying a deleted message's text were sent", sent)
	}
}
