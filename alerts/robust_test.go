package alerts

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// smallBatches makes batches of n entries for the test.
func smallBatches(t *testing.T, n int) {
	old := batchSize
	batchSize = n
	t.Cleanup(func() { batchSize = old })
}

func TestQueryRulesWaitForIndex(t *testing.T) {
	e := newEnv(t)
	e.rule(model.AlertRule{Query: "budget"})
	plain := e.rule(model.AlertRule{Name: "plain", FindingTypes: []string{"ssn"}})
	cap := e.ix.JournalHead()
	e.st.mu.Lock()
	e.st.indexedCap = &cap
	e.st.mu.Unlock()
	e.live(t0.Add(time.Minute), e.msg("c1", t0, "budget [[email:medium]]"), e.msg("c2", t0, "[[ssn:critical]]"))
	n, _, waiting, err := e.ev.step(context.Background())
	if err != nil || n != 0 || !waiting {
		t.Fatalf("step = %d, waiting %v, %v; want to wait for the index", n, waiting, err)
	}
	if got := e.fired(); len(got) != 0 {
		t.Fatalf("alerts before the index caught up: %+v", got)
	}
	// Half the batch indexed: that half is evaluated, by every rule (so
	// that alert order stays the journal's).
	cap++
	got := e.fired()
	if len(got) != 1 || got[0].Messages[0] != "c1-m1" {
		t.Fatalf("with one entry indexed: %+v", got)
	}
	e.st.mu.Lock()
	e.st.indexedCap = nil
	e.st.mu.Unlock()
	got = e.fired()
	if len(got) != 1 || got[0].RuleID != plain.ID {
		t.Fatalf("after the index caught up: %+v", got)
	}
}

func TestQueryCostsOneSearchPerBatch(t *testing.T) {
	e := newEnv(t)
	e.rule(model.AlertRule{Query: "budget"})
	e.rule(model.AlertRule{Name: "r2", Query: "plan OR budget"})
	var msgs []model.Message
	for i := range 50 {
		msgs = append(msgs, e.msg([]string{"c1", "c2", "c3", "c5"}[i%4], t0.Add(time.Duration(i)*time.Second), fmt.Sprintf("budget %d [[email:medium]]", i)))
	}
	e.live(t0.Add(time.Minute), msgs...)
	e.live(t0.Add(time.Minute), e.msg("c1", t0, "no findings here"))
	e.st.userCalls.Store(0)
	got := e.fired()
	if len(got) != 6 { // 3 owners × 2 rules
		t.Fatalf("%d alerts, want 6", len(got))
	}
	if n := e.st.matches.Load(); n != 2 {
		t.Errorf("%d searches, want one per query rule", n)
	}
	if n := e.st.userCalls.Load(); n != 4 { // u1, acct-1 (u1's alias), u2, ghost
		t.Errorf("%d user lookups for 4 owner ids", n)
	}
}

func TestDeterministicReplay(t *testing.T) {
	smallBatches(t, 7)
	e := newEnv(t)
	feed(e)
	e.drain()
	want := allMeta(t, e.st, "alerts/")
	if n := countPrefix(want, keyFired); n < 5 {
		t.Fatalf("only %d alerts; the feed should fire more", n)
	}
	for range 2 {
		wipe(t, e.st)
		e.drain()
		if got := allMeta(t, e.st, "alerts/"); !reflect.DeepEqual(got, want) {
			t.Fatalf("replay differs:\n got %v\nwant %v", got, want)
		}
	}
}

// feed adds rules and a journal that fires, suppresses and thresholds.
func feed(e *env) {
	e.rule(model.AlertRule{Name: "any", QuietMinutes: 30})
	e.rule(model.AlertRule{Name: "burst", Threshold: 3, WindowMinutes: 5, GroupBy: model.AlertGroupConversation})
	e.rule(model.AlertRule{Name: "keys", FindingTypes: []string{"aws_access_key"}, Query: "prod", IncludeBackfill: true})
	convs := []string{"c1", "c2", "c3", "c4", "c5"}
	for i := range 60 {
		at := t0.Add(time.Duration(i) * 7 * time.Minute)
		text := "[[email:medium]]"
		if i%3 == 0 {
			text += " prod [[aws_access_key:critical]]"
		}
		origin := "sync"
		if i%5 == 0 {
			origin = "import"
		}
		e.ingest(origin, at, batchOf(e.msg(convs[i%len(convs)], at.Add(-time.Minute), text)))
	}
}

func countPrefix(m map[string]string, prefix string) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

func TestCrashConsistency(t *testing.T) {
	smallBatches(t, 7)
	e := newEnv(t)
	feed(e)
	e.drain()
	want := allMeta(t, e.st, "alerts/")
	var calls atomic.Int64
	for failAt := int64(1); ; failAt++ {
		wipe(t, e.st)
		calls.Store(0)
		e.st.mu.Lock()
		e.st.failUpdate = func(map[string][]byte) error {
			if calls.Add(1) == failAt {
				return errInjected
			}
			return nil
		}
		e.st.mu.Unlock()
		failed := false
		for {
			before := allMeta(t, e.st, "alerts/")
			n, _, _, err := e.ev.step(context.Background())
			if errors.Is(err, errInjected) {
				failed = true
				// Nothing of the failed batch is written.
				if after := allMeta(t, e.st, "alerts/"); !reflect.DeepEqual(after, before) {
					t.Fatalf("fail at %d: a failed batch changed state", failAt)
				}
				continue // the "restart": evaluate again from what is stored
			}
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		if got := allMeta(t, e.st, "alerts/"); !reflect.DeepEqual(got, want) {
			t.Fatalf("fail at update %d: alerts differ from an uninterrupted run", failAt)
		}
		if !failed {
			t.Logf("%d alerts; a failure tried at each of %d updates", countPrefix(want, keyFired), failAt-1)
			break // failAt is past the last update: every point was tried
		}
	}
}

func TestBatchSplitsWhenManyGroupsChange(t *testing.T) {
	old := maxWrites
	maxWrites = 10
	t.Cleanup(func() { maxWrites = old })
	e := newEnv(t)
	e.rule(model.AlertRule{GroupBy: model.AlertGroupMessage})
	var msgs []model.Message
	for range 45 {
		msgs = append(msgs, e.msg("c1", t0, "[[email:medium]]"))
	}
	e.live(t0.Add(time.Minute), msgs...)
	e.st.mu.Lock()
	e.st.updates = nil
	e.st.mu.Unlock()
	got := e.fired()
	if len(got) != 45 {
		t.Fatalf("%d alerts, want 45", len(got))
	}
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	if len(e.st.updates) < 5 {
		t.Errorf("%d updates for 45 groups with at most 10 writes each", len(e.st.updates))
	}
	for _, n := range e.st.updates {
		if n > 10+2 { // alerts and states, plus cursor and next
			t.Errorf("an update of %d keys", n)
		}
	}
	for i, a := range got {
		if a.Seq != uint64(i+1) {
			t.Fatalf("alert %d has seq %d", i, a.Seq)
		}
	}
}
