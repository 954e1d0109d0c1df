package indexer

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// placeHold places a hold with a matter, reason and creator filled in.
func placeHold(t *testing.T, ix *Indexer, h model.Hold) model.Hold {
	t.Helper()
	h.Matter, h.Reason, h.CreatedBy = "Acme v. Us", "litigation", "auditor"
	got, err := ix.AddHold(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Held messages survive a range deletion, which deletes the rest and says
// how many it kept and why; a month keeping a held message keeps its
// partition.
func TestDeleteRangeHolds(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	ctx := context.Background()
	b := ingestYearOrg(t, ix)
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	// A conversation with messages in February.
	var conv string
	for _, m := range b.Messages {
		if monthOf(m.CreatedAt) == "2026-02" {
			conv = m.ConversationID
			break
		}
	}
	h := placeHold(t, ix, model.Hold{Conversations: []string{conv}})
	inRange := func(m model.Message) bool { return !m.CreatedAt.Before(from) && m.CreatedAt.Before(to) }
	var held, gone []string
	for _, m := range b.Messages {
		switch {
		case inRange(m) && m.ConversationID == conv:
			held = append(held, m.ID)
		case inRange(m):
			gone = append(gone, m.ID)
		}
	}
	dry, err := ix.DeleteRange(ctx, from, to, true)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ix.DeleteRange(ctx, from, to, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages != len(gone) || res.Held != len(held) || res.HeldBy[h.ID] != len(held) {
		t.Fatalf("deleted %d, held %d %v; want %d, %d by %s", res.Messages, res.Held, res.HeldBy, len(gone), len(held), h.ID)
	}
	if dry.Messages != res.Messages || dry.Held != res.Held || dry.Conversations != res.Conversations {
		t.Fatalf("dry run %+v, run %+v", dry, res)
	}
	left := remaining(t, ix, b)
	for _, id := range held {
		if !slices.Contains(left, id) {
			t.Fatalf("held message %s deleted", id)
		}
	}
	if _, err := ix.Conversation(ctx, conv); err != nil {
		t.Fatalf("held conversation: %v", err)
	}
	verifyOK(t, ix)
	if dc, err := ix.parts.month("2026-02").DocCount(); err != nil || dc == 0 {
		t.Fatalf("February's partition has %d documents (%v), want the held ones", dc, err)
	}
	if slices.Contains(partitionDirs(t, dir), "2026-01") && !holdsIn(b, conv, "2026-01") {
		t.Errorf("January, with nothing held, kept its partition")
	}
}

func holdsIn(b Batch, conv, month string) bool {
	return slices.ContainsFunc(b.Messages, func(m model.Message) bool {
		return m.ConversationID == conv && monthOf(m.CreatedAt) == month
	})
}

// Retention keeps what a custodian hold covers, named by alias, and so
// does ingest; the plan says the same as the run.
func TestRetentionHolds(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	b := retentionBatch()
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	h := placeHold(t, ix, model.Hold{Custodians: []string{"exp-1"}}) // u1: covers ann and alias
	if err := ix.SetRetentionPolicy(ctx, model.RetentionPolicy{DefaultDays: 365}); err != nil {
		t.Fatal(err)
	}
	plan, err := ix.PlanRetention(ctx, retNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	run, err := ix.RunRetention(ctx, retNow)
	if err != nil {
		t.Fatal(err)
	}
	if run.Messages != 6 || run.Held != 4 || run.HeldBy[h.ID] != 4 || run.Conversations != 3 {
		t.Fatalf("run %+v, want 6 deleted, 4 held by %s, 3 conversations", run, h.ID)
	}
	if plan.Messages != run.Messages || plan.Held != run.Held || plan.Conversations != run.Conversations {
		t.Fatalf("plan %+v\nrun %+v", plan, run)
	}
	want := without(b.Messages, "plain-0", "plain-1", "email-0", "email-1", "card-0", "card-1")
	if got := remaining(t, ix, b); !slices.Equal(got, want) {
		t.Fatalf("left %v, want %v", got, want)
	}
	verifyOK(t, ix)
	// Re-sync: the held messages are stored again, the expired others not.
	expired := 0
	for _, m := range b.Messages {
		owner := convOf(b, m.ConversationID).OwnerID
		if owner != "u1" && owner != "exp-1" && (model.RetentionPolicy{DefaultDays: 365}).Expired(model.RetentionFacts{CreatedAt: m.CreatedAt}, time.Now()) {
			expired++
		}
	}
	res, err := ix.Ingest(ctx, b)
	if err != nil || res.Expired != expired {
		t.Fatalf("re-sync: %+v %v, want %d expired", res, err, expired)
	}
	if got := remaining(t, ix, b); !slices.Equal(got, want) {
		t.Fatalf("after re-sync left %v, want %v", got, want)
	}
}

// A hold placed while a deletion runs takes effect for the rest of it: the
// deletion reloads the holds and resumes; when holds keep changing it
// stops with a clear error after a bounded number of retries.
func TestSweepHoldPlacedMidRun(t *testing.T) {
	ctx := context.Background()
	ix, err := Open(ctx, Options{Dir: t.TempDir(), BadgerMemTableMB: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	b := ingestYearOrg(t, ix)
	// The conversation created last: its messages come late in the scan.
	last := b.Conversations[0]
	for _, c := range b.Conversations {
		if c.CreatedAt.After(last.CreatedAt) {
			last = c
		}
	}
	var h model.Hold
	placed := false
	sweepCommitted = func(string) {
		if !placed {
			placed = true
			h = placeHold(t, ix, model.Hold{Conversations: []string{last.ID}})
		}
	}
	t.Cleanup(func() { sweepCommitted = nil })
	res, err := ix.DeleteRange(ctx, MinTime, MaxTime, false)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range b.Messages {
		if m.ConversationID == last.ID {
			n++
		}
	}
	if !placed || res.Held != n || res.HeldBy[h.ID] != n || res.Messages != len(b.Messages)-n {
		t.Fatalf("hold placed %v; deleted %d, held %d %v; want %d held by %s", placed, res.Messages, res.Held, res.HeldBy, n, h.ID)
	}
	verifyOK(t, ix)

	// A hold on every commit: the deletion gives up, saying why.
	ix2, err := Open(ctx, Options{Dir: t.TempDir(), BadgerMemTableMB: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix2.Close() })
	b = bigYearOrg()
	if _, err := ix2.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	i := 0
	sweepCommitted = func(string) {
		i++
		placeHold(t, ix2, model.Hold{Conversations: []string{b.Conversations[i%len(b.Conversations)].ID}})
	}
	_, err = ix2.DeleteRange(ctx, MinTime, MaxTime, false)
	if err == nil || !strings.Contains(err.Error(), "legal holds changed") {
		t.Fatalf("delete under ever-changing holds: %v", err)
	}
	sweepCommitted = nil
	verifyOK(t, ix2)
}
