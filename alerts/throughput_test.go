package alerts

import (
	"fmt"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// TestEvaluationThroughput measures evaluating a 10k-message import with
// five rules (one with a query); run without -short.
func TestEvaluationThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement")
	}
	e := newEnv(t)
	e.rule(model.AlertRule{Name: "any", IncludeBackfill: true})
	e.rule(model.AlertRule{Name: "keys", FindingTypes: []string{"aws_access_key"}, IncludeBackfill: true, GroupBy: model.AlertGroupConversation})
	e.rule(model.AlertRule{Name: "burst", Threshold: 20, WindowMinutes: 10, IncludeBackfill: true})
	e.rule(model.AlertRule{Name: "users", Users: []string{"u1", "bob@example.com"}, IncludeBackfill: true})
	e.rule(model.AlertRule{Name: "query", Query: "deploy OR prod*", IncludeBackfill: true})
	convs := []string{"c1", "c2", "c3", "c4", "c5"}
	const total = 10000
	for b := 0; b < total; b += 500 {
		var msgs []model.Message
		for i := b; i < b+500; i++ {
			text := fmt.Sprintf("message %d about the deploy of production", i)
			if i%2 == 0 {
				text += " [[email:medium]]"
			}
			if i%7 == 0 {
				text += " [[aws_access_key:critical]]"
			}
			msgs = append(msgs, e.msg(convs[i%len(convs)], t0.Add(time.Duration(i)*time.Second), text))
		}
		e.ingest("import", t0.Add(time.Duration(b)*time.Second), batchOf(msgs...))
	}
	e.st.matches.Store(0)
	start := time.Now()
	e.drain()
	took := time.Since(start)
	h, _ := Head(e.st)
	t.Logf("%d journal entries, 5 rules: %v (%.0f entries/s), %d alerts, %d searches", total, took,
		total/took.Seconds(), h, e.st.matches.Load())
}
