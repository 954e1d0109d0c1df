package syncer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
)

func TestBackfillThenIncremental(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 45}, 1)
	eng := e.engine()
	s := e.run(eng)
	snap := e.fake.Snapshot()
	if s.State != StateDone || s.Chats != len(snap.Chats) || s.Messages != snap.MessageCount() || s.Skipped != 0 || s.Users != len(snap.Users) {
		t.Fatalf("first run %+v; org has %d chats, %d messages, %d users", s, len(snap.Chats), snap.MessageCount(), len(snap.Users))
	}
	if s.Phase != phaseIncremental {
		t.Errorf("phase after backfill %q", s.Phase)
	}
	e.verify(windowStart, nil)

	// Users change things in claude.ai; the next (incremental) run sees them.
	var live, toDelete string
	for _, c := range snap.Chats {
		if c.DeletedAt == nil && live == "" {
			live = c.ID
		} else if c.DeletedAt == nil && toDelete == "" {
			toDelete = c.ID
		}
	}
	e.clk.Advance(time.Hour)
	newID, err := e.fake.AddMessage(live, "one more thing: mail robert.jones@acme-corp.io")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fake.DeleteChat(toDelete); err != nil {
		t.Fatal(err)
	}
	keep := map[string]int{toDelete: len(snap.Chat(toDelete).Messages)}
	s2 := e.run(eng)
	if s2.State != StateDone || s2.Chats != 2 || s2.Messages != len(snap.Chat(live).Messages)+1 {
		t.Fatalf("incremental run %+v, want the 2 changed chats", s2)
	}
	m, err := e.ix.Message(context.Background(), newID)
	if err != nil || m.Seq != len(snap.Chat(live).Messages) || len(m.Findings) == 0 {
		t.Fatalf("new message in old chat: %+v %v", m, err)
	}
	conv, _ := e.ix.Conversation(context.Background(), snap.Chat(toDelete).UUID)
	if conv.DeletedAt == nil || conv.MessageCount != keep[toDelete] {
		t.Errorf("deleted chat: %+v, want marked deleted with %d messages kept", conv, keep[toDelete])
	}
	e.verify(windowStart, keep)

	// Nothing changed: the saved cursor means nothing is re-read.
	if s3 := e.run(eng); s3.Chats != 0 || s3.State != StateDone {
		t.Errorf("idle run %+v", s3)
	}
}

func TestRateLimitAndServerErrors(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 20}, 2)
	e.fake.RateLimitNext(3, 25)
	eng := e.engine()
	s := e.run(eng)
	if s.RateLimited != 3 || s.State != StateDone {
		t.Fatalf("summary %+v, want 3 rate-limit waits", s)
	}
	n25 := 0
	for _, d := range e.clk.Sleeps() {
		if d == 25*time.Second {
			n25++
		}
	}
	if n25 != 3 {
		t.Errorf("sleeps %v, want three of retry-after 25s", e.clk.Sleeps())
	}
	e.verify(windowStart, nil)

	// 5xx in the middle of an incremental run recover with backoff.
	e.clk.Advance(time.Hour)
	snap := e.fake.Snapshot()
	if _, err := e.fake.AddMessage(snap.Chats[3].ID, "after the outage"); err != nil {
		t.Fatal(err)
	}
	e.fake.FailNext(3, 503)
	before := len(e.clk.Sleeps())
	s2 := e.run(eng)
	if s2.State != StateDone || s2.Chats != 1 {
		t.Fatalf("summary %+v", s2)
	}
	if got := e.clk.Sleeps()[before:]; len(got) != 3 || got[0] != time.Second || got[1] != 2*time.Second || got[2] != 4*time.Second {
		t.Errorf("backoff %v, want 1s 2s 4s", got)
	}
	e.verify(windowStart, nil)
}

// TestBadChatsSkippedReportedRecovered: chats that cannot be read are
// recorded and retried on later runs; one that answers 404 after being
// listed is gone upstream, not a failure (reference §11.2 item 5).
func TestBadChatsSkippedReportedRecovered(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 30, DeletedEvery: -1}, 3)
	snap := e.fake.Snapshot()
	faults := map[string]fakeapi.ChatFault{
		snap.Chats[2].ID:  fakeapi.FaultNotFound,
		snap.Chats[7].ID:  fakeapi.FaultMalformed,
		snap.Chats[11].ID: fakeapi.FaultServerError,
		snap.Chats[20].ID: fakeapi.FaultMalformedListing,
	}
	for id, f := range faults {
		e.fake.SetChatFault(id, f)
	}
	eng := e.engine()
	s := e.run(eng)
	if s.State != StateDone || s.Skipped != 3 || s.Gone != 1 || s.Chats != 26 || len(s.Errors) != 3 {
		t.Fatalf("summary %+v, want 3 skipped, 1 gone and 26 stored", s)
	}
	// The 404 was a hard deletion between listing and reading; make the
	// fake agree, so that it no longer lists the chat either.
	if err := e.fake.HardDeleteChat(snap.Chats[2].ID); err != nil {
		t.Fatal(err)
	}
	delete(faults, snap.Chats[2].ID)
	fails, err := eng.Failures()
	if err != nil || len(fails) != 3 {
		t.Fatalf("failures %+v %v", fails, err)
	}
	for _, f := range fails {
		if _, ok := faults[f.ChatID]; !ok || f.Attempts != 1 || f.Reason == "" {
			t.Errorf("failure %+v", f)
		}
		if faults[f.ChatID] == fakeapi.FaultServerError && !strings.Contains(f.Reason, "api_error") {
			t.Errorf("500 reason %q lacks the API error type", f.Reason)
		}
	}
	// Next run: the chat whose list item was malformed reads fine from its
	// messages endpoint; the other two still fail and their attempts count up.
	s2 := e.run(eng)
	if s2.Recovered != 1 || s2.Chats != 1 {
		t.Errorf("second run %+v, want one chat recovered", s2)
	}
	fails, _ = eng.Failures()
	if len(fails) != 2 || fails[0].Attempts != 2 || fails[1].Attempts != 2 {
		t.Errorf("failures after second run %+v", fails)
	}
	for id := range faults {
		e.fake.SetChatFault(id, fakeapi.FaultNone)
	}
	s3 := e.run(eng)
	if s3.Recovered != 2 || s3.Skipped != 0 {
		t.Errorf("third run %+v", s3)
	}
	if fails, _ := eng.Failures(); len(fails) != 0 {
		t.Errorf("failures left: %+v", fails)
	}
	e.verify(windowStart, nil)
}

func TestHourlyCapStopsAndResumes(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 25}, 4)
	e.cfg.HourlyCap, e.cfg.PageSize = 10, 4
	eng := e.engine()
	start := e.clk.Now()
	s := e.run(eng)
	if s.State != StateCapped || s.Chats != 10 || s.ResumeAt == nil || !s.ResumeAt.Equal(start.Truncate(time.Minute).Add(time.Hour)) {
		t.Fatalf("first run %+v, want capped at 10 with resume in an hour", s)
	}
	// Same hour: nothing more.
	if s := e.run(eng); s.State != StateCapped || s.Chats != 0 {
		t.Fatalf("second run in the same hour %+v", s)
	}
	total := 10
	for i := 0; i < 3 && total < 25; i++ {
		e.clk.Advance(61 * time.Minute)
		s := e.run(eng)
		total += s.Chats
		if s.Chats > 10 {
			t.Fatalf("run stored %d chats, over the cap", s.Chats)
		}
	}
	if total != 25 {
		t.Fatalf("stored %d chats over the runs, want 25", total)
	}
	e.verify(windowStart, nil)
}

func TestSyncFromChanged(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 40, DeletedEvery: -1}, 5)
	mid := windowStart.Add(15 * 24 * time.Hour)
	e.cfg.SyncFrom = mid
	e.cfg.MessagePageSize = 3 // page through chats' messages, as for huge chats
	eng := e.engine()
	e.run(eng)
	e.verify(mid, nil)

	// A message in a chat older than Sync from re-surfaces it in the
	// updated_at walk; it is ignored client-side.
	snap := e.fake.Snapshot()
	var old string
	for _, c := range snap.Chats {
		if c.CreatedAt.Before(mid) {
			old = c.ID
			break
		}
	}
	e.clk.Advance(time.Hour)
	if _, err := e.fake.AddMessage(old, "late reply"); err != nil {
		t.Fatal(err)
	}
	if s := e.run(eng); s.Ignored != 1 || s.Chats != 0 {
		t.Errorf("run %+v, want the old chat ignored", s)
	}
	e.verify(mid, nil)

	// Moving Sync from earlier restarts the walk over the wider window.
	if err := eng.SetSyncFrom(windowStart); err != nil {
		t.Fatal(err)
	}
	e.cfg.SyncFrom = time.Time{}
	eng = e.engine()
	s := e.run(eng)
	if s.State != StateDone || s.Phase != phaseIncremental {
		t.Fatalf("run %+v", s)
	}
	e.verify(windowStart, nil)
	st, err := eng.Status()
	if err != nil || !st.SyncFrom.Equal(windowStart) {
		t.Errorf("status %+v %v", st, err)
	}
}

func TestOneRunAtATimeAndCancel(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 30}, 6)
	e.fake.SetLatency(20 * time.Millisecond)
	eng := e.engine()
	id, err := eng.Start(context.Background())
	if err != nil || id == "" {
		t.Fatal(id, err)
	}
	if _, err := eng.Start(context.Background()); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Start: %v, want ErrRunning", err)
	}
	if _, err := eng.RunOnce(context.Background()); !errors.Is(err, ErrRunning) {
		t.Fatalf("RunOnce while running: %v", err)
	}
	if st, _ := eng.Status(); !st.Running || st.Progress == nil || st.Progress.ID != id {
		t.Errorf("status while running %+v", st)
	}
	time.Sleep(100 * time.Millisecond)
	if !eng.Cancel() {
		t.Fatal("Cancel found no run")
	}
	st, err := eng.Status()
	if err != nil || st.Running || st.LastRun == nil || st.LastRun.State != StateCancelled {
		t.Fatalf("status after cancel %+v %v", st.LastRun, err)
	}
	e.fake.SetLatency(0)
	s := e.run(eng)
	if s.State != StateDone {
		t.Fatalf("run after cancel %+v", s)
	}
	e.verify(windowStart, nil)
}

func TestNoKey(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 2}, 7)
	e.cfg.Key = ""
	eng := e.engine()
	if _, err := eng.Start(context.Background()); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Start without key: %v", err)
	}
	e.cfg.Key = "sk-ant-api01-revoked"
	s, err := e.engine().RunOnce(context.Background())
	if !errors.Is(err, compliance.ErrUnauthorized) || s.State != StateFailed || len(s.Errors) != 1 {
		t.Fatalf("run with a bad key: %v %+v", err, s)
	}
}

func TestProgressEvents(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 12}, 8)
	ch, _, cancel := e.ix.Subscribe()
	defer cancel()
	s := e.run(e.engine())
	var last, running int
	for {
		select {
		case ev := <-ch:
			if ev.Kind != "sync" || ev.Job != s.ID {
				t.Fatalf("event %+v", ev)
			}
			if ev.State == "running" {
				running++
			}
			if ev.State == StateDone {
				last = ev.Counters["chats"]
			}
			continue
		default:
		}
		break
	}
	if running < 2 || last != 12 {
		t.Errorf("saw %d running events, final chats %d", running, last)
	}
}
