package indexer

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

// yearNow is after every message of yearOrg (2026).
var yearNow = time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)

// daysBefore is the period that expires everything created up to cutoff at yearNow.
func daysBefore(cutoff time.Time) int { return int(yearNow.Sub(cutoff).Hours() / 24) }

func TestRetentionPartitions(t *testing.T) {
	cutoff := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name      string
		pol       func(b Batch) model.RetentionPolicy
		wantParts []string // nil: computed
	}{
		{"fully expired months drop their partition",
			func(Batch) model.RetentionPolicy { return model.RetentionPolicy{DefaultDays: daysBefore(cutoff)} },
			[]string{"2026-01", "2026-02"}},
		{"a month keeping a message is not dropped",
			func(b Batch) model.RetentionPolicy {
				// Keep one January chat's owner forever: January keeps messages.
				return model.RetentionPolicy{DefaultDays: daysBefore(cutoff), Rules: []model.RetentionRule{
					{Name: "keep", Users: []string{ownerOf(b, "2026-01")}}}}
			},
			nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ix := openTest(t, dir)
			ctx := context.Background()
			b := ingestYearOrg(t, ix)
			pol := tc.pol(b)
			if err := ix.SetRetentionPolicy(ctx, pol); err != nil {
				t.Fatal(err)
			}
			plan, err := ix.PlanRetention(ctx, yearNow, nil)
			if err != nil {
				t.Fatal(err)
			}
			run, err := ix.RunRetention(ctx, yearNow)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Messages != run.Messages || plan.Conversations != run.Conversations || len(plan.Months) != len(run.Months) {
				t.Fatalf("plan %+v\nrun %+v", plan, run)
			}
			verifyOK(t, ix)
			kept := map[string]int{}
			deleted := 0
			for _, m := range b.Messages {
				f := model.RetentionFacts{CreatedAt: m.CreatedAt, Findings: m.Findings}
				if c := convOf(b, m.ConversationID); c != nil {
					f.UserID = c.OwnerID
				}
				if pol.Expired(f, yearNow) {
					deleted++
				} else {
					kept[monthOf(m.CreatedAt)]++
				}
			}
			if run.Messages != deleted || deleted == 0 {
				t.Fatalf("deleted %d, want %d", run.Messages, deleted)
			}
			wantParts := tc.wantParts
			if wantParts == nil {
				if kept["2026-01"] == 0 {
					t.Fatal("the rule keeps nothing in January")
				}
				for _, m := range []string{"2026-01", "2026-02"} {
					if kept[m] == 0 {
						wantParts = append(wantParts, m)
					}
				}
			}
			if !slices.Equal(run.Partitions, wantParts) || !slices.Equal(plan.Partitions, run.Partitions) {
				t.Fatalf("partitions dropped %v, planned %v, want %v", run.Partitions, plan.Partitions, wantParts)
			}
			dirs := partitionDirs(t, dir)
			for _, m := range wantParts {
				if slices.Contains(dirs, m) {
					t.Errorf("partition %s still on disk: %v", m, dirs)
				}
			}
			for m, n := range kept {
				dc, err := ix.parts.month(m).DocCount()
				if err != nil || int(dc) != n {
					t.Errorf("partition %s has %d documents (%v), want the %d kept", m, dc, err, n)
				}
			}
		})
	}
}

func ownerOf(b Batch, month string) string {
	for _, m := range b.Messages {
		if monthOf(m.CreatedAt) == month {
			return convOf(b, m.ConversationID).OwnerID
		}
	}
	return ""
}

func convOf(b Batch, id string) *model.Conversation {
	for i := range b.Conversations {
		if b.Conversations[i].ID == id {
			return &b.Conversations[i]
		}
	}
	return nil
}

func TestRetentionActivities(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	acts := sampleActivities(300)
	if _, err := ix.IngestActivities(ctx, ActivityBatch{Activities: acts}); err != nil {
		t.Fatal(err)
	}
	now := acts[100].CreatedAt.AddDate(0, 0, 1) // acts[0..100] are a day old or more
	if err := ix.SetRetentionPolicy(ctx, model.RetentionPolicy{ActivityDays: 1}); err != nil {
		t.Fatal(err)
	}
	plan, err := ix.PlanRetention(ctx, now, nil)
	if err != nil || plan.Activities != 101 || plan.Messages != 0 {
		t.Fatalf("plan %+v %v", plan, err)
	}
	run, err := ix.RunRetention(ctx, now)
	if err != nil || run.Activities != 101 {
		t.Fatalf("run %+v %v", run, err)
	}
	verifyActs(t, ix, 199)
	if n := searchActs(t, ix, ActivityRequest{To: acts[101].CreatedAt}).Total; n != 0 {
		t.Fatalf("%d expired events left", n)
	}
}

// blockingCtx holds a deletion at its first key until released.
type blockingCtx struct {
	context.Context
	once    atomic.Bool
	started chan struct{}
	release chan struct{}
}

func (c *blockingCtx) Err() error {
	if c.once.CompareAndSwap(false, true) {
		close(c.started)
		<-c.release
	}
	return nil
}

func TestRetentionBusy(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	b := retentionBatch()
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := ix.SetRetentionPolicy(ctx, model.RetentionPolicy{DefaultDays: 365}); err != nil {
		t.Fatal(err)
	}
	events, _, stop := ix.Subscribe()
	defer stop()
	bc := &blockingCtx{Context: ctx, started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := ix.RunRetention(bc, retNow)
		done <- err
	}()
	<-bc.started
	if !ix.RetentionRunning() {
		t.Error("RetentionRunning false during a run")
	}
	if _, err := ix.RunRetention(ctx, retNow); !errors.Is(err, ErrBusy) {
		t.Errorf("second run: %v, want ErrBusy", err)
	}
	// The dry run reads a snapshot: it does not wait for the run.
	if plan, err := ix.PlanRetention(ctx, retNow, nil); err != nil || plan.Messages != 10 {
		t.Errorf("plan during a run: %+v %v", plan, err)
	}
	close(bc.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ix.RetentionRunning() {
		t.Error("RetentionRunning true after the run")
	}
	var states []string
	for n := len(events); n > 0; n-- {
		if e := <-events; e.Job == "retention" && e.Kind == "retention" {
			states = append(states, e.State)
		}
	}
	if len(states) < 2 || states[0] != "running" || states[len(states)-1] != "done" {
		t.Errorf("retention events %v, want running … done", states)
	}
	if _, err := ix.RunRetention(ctx, retNow); err != nil {
		t.Errorf("run after the first finished: %v", err)
	}
}

func TestRetentionPolicyStored(t *testing.T) {
	dir := t.TempDir()
	ix := openTest(t, dir)
	ctx := context.Background()
	if p, err := ix.RetentionPolicy(ctx); err != nil || !p.Forever() {
		t.Fatalf("initial policy %+v %v, want forever", p, err)
	}
	want := model.RetentionPolicy{DefaultDays: 365, ActivityDays: 90, UpdatedBy: "admin",
		UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Rules:     []model.RetentionRule{{Name: "flagged", Flagged: true, Days: 2555}, {Name: "legal", Users: []string{"u1"}}}}
	if err := ix.SetRetentionPolicy(ctx, want); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix = openTest(t, dir)
	got, err := ix.RetentionPolicy(ctx)
	if err != nil || !reflectEqual(got, want) {
		t.Fatalf("after reopen %+v %v\nwant %+v", got, err, want)
	}
	bad := []struct {
		name string
		pol  model.RetentionPolicy
	}{
		{"negative default", model.RetentionPolicy{DefaultDays: -1}},
		{"too long", model.RetentionPolicy{DefaultDays: model.MaxRetentionDays + 1}},
		{"rule without criterion", model.RetentionPolicy{Rules: []model.RetentionRule{{Name: "x", Days: 3}}}},
		{"rule without name", model.RetentionPolicy{Rules: []model.RetentionRule{{Flagged: true, Days: 3}}}},
		{"duplicate names", model.RetentionPolicy{Rules: []model.RetentionRule{{Name: "x", Flagged: true}, {Name: "x", Flagged: true}}}},
		{"bad severity", model.RetentionPolicy{Rules: []model.RetentionRule{{Name: "x", MinSeverity: "huge"}}}},
	}
	for _, tc := range bad {
		if err := ix.SetRetentionPolicy(ctx, tc.pol); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v, want ErrBadRequest", tc.name, err)
		}
		if _, err := ix.PlanRetention(ctx, retNow, &tc.pol); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: plan %v, want ErrBadRequest", tc.name, err)
		}
	}
	if got, _ := ix.RetentionPolicy(ctx); !reflectEqual(got, want) {
		t.Fatalf("a refused policy replaced the stored one: %+v", got)
	}
}

func reflectEqual(a, b model.RetentionPolicy) bool {
	return a.DefaultDays == b.DefaultDays && a.ActivityDays == b.ActivityDays && a.UpdatedBy == b.UpdatedBy &&
		a.UpdatedAt.Equal(b.UpdatedAt) && slices.EqualFunc(a.Rules, b.Rules, func(x, y model.RetentionRule) bool {
		return x.Name == y.Name && x.Flagged == y.Flagged && x.Days == y.Days && x.MinSeverity == y.MinSeverity &&
			slices.Equal(x.Types, y.Types) && slices.Equal(x.Users, y.Users)
	})
}

// The hourly sync re-delivers whole chats: what retention deleted, or would
// delete, is not stored again.
func TestRetentionIngestExpired(t *testing.T) {
	ctx := context.Background()
	// retentionBatch's ages count from retNow; keep them relative to the
	// real clock, which Ingest uses.
	shift := func(b Batch) Batch {
		d := time.Since(retNow)
		for i := range b.Messages {
			b.Messages[i].CreatedAt = b.Messages[i].CreatedAt.Add(d)
		}
		for i := range b.Conversations {
			b.Conversations[i].CreatedAt = b.Conversations[i].CreatedAt.Add(d)
		}
		return b
	}
	cases := []struct {
		name          string
		pol           model.RetentionPolicy
		expired       int
		conversations int
	}{
		{"forever keeps all", model.RetentionPolicy{}, 0, 7},
		{"default", model.RetentionPolicy{DefaultDays: 365}, 10, 2},
		{"flagged kept longer", model.RetentionPolicy{DefaultDays: 365, Rules: []model.RetentionRule{{Name: "f", Flagged: true, Days: 3650}}}, 8, 4},
		{"user group by alias", model.RetentionPolicy{DefaultDays: 365, Rules: []model.RetentionRule{{Name: "u", Users: []string{"exp-1"}, Days: 3650}}}, 6, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ix := openTest(t, t.TempDir())
			b := shift(retentionBatch())
			// Users first, so aliases resolve when the messages come.
			if _, err := ix.Ingest(ctx, Batch{Users: b.Users}); err != nil {
				t.Fatal(err)
			}
			if err := ix.SetRetentionPolicy(ctx, tc.pol); err != nil {
				t.Fatal(err)
			}
			res, err := ix.Ingest(ctx, b)
			if err != nil {
				t.Fatal(err)
			}
			st, err := ix.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Expired != tc.expired || st.Messages != len(b.Messages)-tc.expired || st.Conversations != tc.conversations {
				t.Fatalf("expired %d, stored %d messages and %d conversations; want %d, %d, %d",
					res.Expired, st.Messages, st.Conversations, tc.expired, len(b.Messages)-tc.expired, tc.conversations)
			}
			verifyOK(t, ix)
			// A run finds nothing more to delete.
			run, err := ix.RunRetention(ctx, time.Now())
			if err != nil || run.Messages != 0 {
				t.Fatalf("run after ingest: %+v %v", run, err)
			}
		})
	}
}

// cancelAfterCommits cancels a deletion once n of its transactions have
// committed, part of the way through.
type cancelAfterCommits struct {
	context.Context
	n atomic.Int64
}

func (c *cancelAfterCommits) Err() error {
	if c.n.Load() <= 0 {
		return context.Canceled
	}
	return nil
}

func (c *cancelAfterCommits) hook(t *testing.T) {
	sweepCommitted = func(string) { c.n.Add(-1) }
	t.Cleanup(func() { sweepCommitted = nil })
}

// A run that fails part-way is recorded as pending, and the next Open
// finishes it with the same instant and policy.
func TestRetentionInterruptedFinishedAtOpen(t *testing.T) {
	ctx := context.Background()
	cutoff := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	pol := model.RetentionPolicy{DefaultDays: daysBefore(cutoff),
		Rules: []model.RetentionRule{{Name: "flagged", Flagged: true, Days: daysBefore(cutoff) + 60}}}

	ref := openTest(t, t.TempDir())
	b := ingestYearOrg(t, ref)
	if err := ref.SetRetentionPolicy(ctx, pol); err != nil {
		t.Fatal(err)
	}
	want, err := ref.RunRetention(ctx, yearNow)
	if err != nil {
		t.Fatal(err)
	}
	wantLeft := remaining(t, ref, b)

	dir := t.TempDir()
	ix, err := Open(ctx, Options{Dir: dir, BadgerMemTableMB: 1})
	if err != nil {
		t.Fatal(err)
	}
	ingestYearOrg(t, ix)
	if err := ix.SetRetentionPolicy(ctx, pol); err != nil {
		t.Fatal(err)
	}
	cc := &cancelAfterCommits{Context: ctx}
	cc.n.Store(1)
	cc.hook(t)
	events, _, stop := ix.Subscribe()
	defer stop()
	if _, err := ix.RunRetention(cc, yearNow); !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v, want it cancelled part-way", err)
	}
	var ev Event
	for n := len(events); n > 0; n-- {
		ev = <-events
	}
	if ev.Job != "retention" || ev.State != "failed" {
		t.Errorf("last event %+v, want the retention run failed", ev)
	}
	left := remaining(t, ix, b)
	if len(left) == len(b.Messages) || len(left) == len(wantLeft) {
		t.Fatalf("%d of %d messages left: the run did not stop part-way", len(left), len(b.Messages))
	}
	verifyOK(t, ix)
	if last, _ := ix.LastRetention(ctx); last != nil {
		t.Fatalf("an unfinished run reported as the last one: %+v", last)
	}
	ix.Close()

	ix = openTest(t, dir)
	if got := remaining(t, ix, b); !slices.Equal(got, wantLeft) {
		t.Fatalf("after Open %d messages left, an uninterrupted run leaves %d", len(got), len(wantLeft))
	}
	verifyOK(t, ix)
	last, err := ix.LastRetention(ctx)
	if err != nil || last == nil || !last.Now.Equal(yearNow) {
		t.Fatalf("last run after Open: %+v %v", last, err)
	}
	sameReport(t, *last, want)
	if ix.RetentionRunning() {
		t.Fatal("still running after Open")
	}
	again, err := ix.RunRetention(ctx, yearNow)
	if err != nil || again.Messages != 0 {
		t.Fatalf("a second run deleted %d (%v)", again.Messages, err)
	}
}
