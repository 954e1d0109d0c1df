package sessions

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/compliance/sessions"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
	"github.com/ccsync/ccsync/model"
)

func TestSessionsBackfill(t *testing.T) {
	org := genOrg(1, 14, 8)
	e := newEnv(t, org)
	e.opts = Options{ListPageSize: 4, MessagePageSize: 7}
	st := e.run()
	if st.State != stream.StateDone || st.Skipped != 0 {
		t.Fatalf("state %+v", st)
	}
	e.verify(nil)
	ctx := context.Background()

	// Every planted secret is found where it was planted, inside a tool
	// result (role tool, not human).
	for _, p := range org.SessionPlants() {
		m, err := e.ix.Message(ctx, p.MessageID)
		if err != nil {
			t.Fatalf("planted message %s: %v", p.MessageID, err)
		}
		if m.Role != model.RoleTool || m.Blocks[p.Block].Type != model.BlockToolResult {
			t.Errorf("planted message %s: role %s block %s", m.ID, m.Role, m.Blocks[p.Block].Type)
		}
		if len(m.Findings) == 0 {
			t.Errorf("planted %s in %s not detected", p.Type, p.MessageID)
		}
	}
	// Session metadata: product, inferred title and workdir, owner's email
	// from the list, agent pseudo-users.
	for _, l := range org.Local {
		c, err := e.ix.Conversation(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Product != model.ProductOf(l.Surface) || c.Surface != l.Surface || !c.TitleDerived || c.Title == "" {
			t.Errorf("local %s (%q): %+v", l.ID, l.Surface, c)
		}
		if l.Surface == "claude_code" && !strings.HasPrefix(c.Workdir, "/home/") {
			t.Errorf("claude_code session %s: workdir %q", l.ID, c.Workdir)
		}
		if l.Truncated != nil && *l.Truncated != c.Truncated {
			t.Errorf("truncated not kept on %s", l.ID)
		}
	}
	agents := 0
	for _, r := range org.Remote {
		c, err := e.ix.Conversation(ctx, r.ID)
		if r.Status == "pending" {
			if err == nil {
				t.Errorf("pending session %s stored", r.ID)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != r.Status || c.Product != model.ProductCowork || c.ProjectID != r.ProjectID {
			t.Errorf("remote %s: %+v", r.ID, c)
		}
		if r.AgentID != "" {
			agents++
			if c.OwnerID != sessions.AgentUserPrefix+r.AgentID || c.StartedBy != r.StartedByID {
				t.Errorf("agent session %s owner %q started by %q", r.ID, c.OwnerID, c.StartedBy)
			}
			if _, err := e.ix.User(ctx, c.OwnerID); err != nil {
				t.Errorf("agent pseudo-user %s not stored: %v", c.OwnerID, err)
			}
		}
	}
	if agents == 0 {
		t.Fatal("no agent-owned remote session generated")
	}
	u, err := e.ix.User(ctx, org.Local[0].OwnerID)
	if err != nil || u.Email == "" {
		t.Errorf("owner of a listed session stored without email: %+v %v", u, err)
	}
	// Sessions take _max_bytes=-1, never the chats' _max_chars.
	for _, q := range e.tap.requests("/messages") {
		if !strings.Contains(q, "tool_result_max_bytes=-1") || strings.Contains(q, "_max_chars") {
			t.Errorf("transcript request %s", q)
		}
	}
}

func TestSessionsIncrementalRefetchesUpdated(t *testing.T) {
	org := genOrg(2, 10, 6)
	e := newEnv(t, org)
	e.run()
	local, remote := e.fake.Sessions()
	var rs *fakeapi.RemoteSession
	for _, r := range remote {
		if r.Status == "active" {
			rs = r
			break
		}
	}
	before := len(e.tap.requests("/messages"))
	newLocal, err := e.fake.AppendSessionTurns(local[2].ID, 4)
	if err != nil {
		t.Fatal(err)
	}
	newRemote, err := e.fake.AppendSessionTurns(rs.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	st := e.run()
	if st.State != stream.StateDone || st.Messages != 6 {
		t.Fatalf("second run %+v, want 6 new messages", st)
	}
	e.verify(nil)
	// Only the two changed sessions were read again, newest first.
	again := e.tap.requests("/messages")[before:]
	for _, q := range again {
		if !strings.Contains(q, local[2].ID) && !strings.Contains(q, rs.ID) {
			t.Errorf("unchanged session re-read: %s", q)
		}
		if !strings.Contains(q, "order=desc") {
			t.Errorf("a known transcript was re-read oldest first: %s", q)
		}
	}
	if len(again) == 0 {
		t.Fatal("changed sessions were not re-read")
	}
	// The incremental list asks for sessions updated since the last run,
	// less the overlap.
	lists := e.tap.requests("/sessions/local?")
	if q := lists[len(lists)-1]; !strings.Contains(q, "updated_at.gte=") {
		t.Errorf("incremental list %s has no updated_at.gte", q)
	}
	ctx := context.Background()
	msgs, _ := e.ix.Messages(ctx, local[2].ID)
	if got := msgs[len(msgs)-1].ID; got != newLocal[3] {
		t.Errorf("last stored message %s, want %s", got, newLocal[3])
	}
	rmsgs, _ := e.ix.Messages(ctx, rs.ID)
	if got := rmsgs[len(rmsgs)-1].ID; got != newRemote[1] {
		t.Errorf("last remote message %s, want %s", got, newRemote[1])
	}
	// A third run with no change reads no transcript at all.
	n := len(e.tap.requests("/messages"))
	e.run()
	if got := len(e.tap.requests("/messages")); got != n {
		t.Errorf("an unchanged org cost %d transcript requests", got-n)
	}
}

func TestAgedOutTurnsKept(t *testing.T) {
	org := genOrg(3, 6, 0)
	e := newEnv(t, org)
	e.run()
	ctx := context.Background()
	id := org.Local[0].ID
	old, _ := e.ix.Messages(ctx, id)
	conv0, _ := e.ix.Conversation(ctx, id)
	var gone []string
	for _, m := range old[:3] {
		gone = append(gone, m.ID)
	}
	if err := e.fake.AgeOutSession(id, 3); err != nil {
		t.Fatal(err)
	}
	added, err := e.fake.AppendSessionTurns(id, 2)
	if err != nil {
		t.Fatal(err)
	}
	e.run()
	e.verify(map[string][]string{id: gone})
	now, _ := e.ix.Messages(ctx, id)
	for i, m := range old {
		if now[i].ID != m.ID || now[i].Seq != m.Seq {
			t.Errorf("message %d moved: %s seq %d, was %s seq %d", i, now[i].ID, now[i].Seq, m.ID, m.Seq)
		}
	}
	if now[len(now)-1].ID != added[1] || now[len(now)-1].Seq <= old[len(old)-1].Seq {
		t.Errorf("new turns not appended after the known ones")
	}
	conv, _ := e.ix.Conversation(ctx, id)
	if !conv.CreatedAt.Equal(conv0.CreatedAt) || conv.Title != conv0.Title || conv.Workdir != conv0.Workdir {
		t.Errorf("aged-out session lost its start, title or workdir: %+v, was %+v", conv, conv0)
	}
}

func TestCMEK503SkipsAndRetriesNextRun(t *testing.T) {
	org := genOrg(4, 8, 0)
	e := newEnv(t, org)
	victim, other := org.Local[1].ID, org.Local[2].ID
	e.fake.SetSessionFault(victim, fakeapi.SessFaultCMEK503)
	e.fake.SetSessionFault(other, fakeapi.SessFaultRetention503)
	st := e.run()
	if st.State != stream.StateDone || st.Skipped != 2 {
		t.Fatalf("run with two 503 sessions: %+v", st)
	}
	// Each 503 session is asked three times (two quick retries), not held
	// up by the client's minutes of backoff.
	if n := len(e.tap.requests(victim + "/messages")); n != 3 {
		t.Errorf("the CMEK 503 session was asked %d times, want 3", n)
	}
	ctx := context.Background()
	for _, id := range []string{victim, other} {
		if msgs, _ := e.ix.Messages(ctx, id); len(msgs) != 0 {
			t.Errorf("%s stored %d messages despite the 503", id, len(msgs))
		}
	}
	fails, _ := stream.LoadFailures(e.ix, Name, e.clk.Now)
	if len(fails.List()) != 2 || !strings.Contains(fails.List()[0].Reason, "503") {
		t.Fatalf("failure records %+v", fails.List())
	}
	for _, l := range org.Local[3:] {
		if msgs, _ := e.ix.Messages(ctx, l.ID); len(msgs) == 0 {
			t.Errorf("session %s after the skipped ones not stored", l.ID)
		}
	}
	e.fake.SetSessionFault(victim, fakeapi.SessFaultNone)
	e.fake.SetSessionFault(other, fakeapi.SessFaultNone)
	st = e.run()
	if st.State != stream.StateDone || st.Skipped != 0 {
		t.Fatalf("retry run %+v", st)
	}
	e.verify(nil)
	fails, _ = stream.LoadFailures(e.ix, Name, e.clk.Now)
	if n := len(fails.List()); n != 0 {
		t.Errorf("%d failure records left", n)
	}
}

func TestRemote404MarkedDeleted(t *testing.T) {
	org := genOrg(5, 0, 8)
	e := newEnv(t, org)
	e.run()
	var id string
	for _, r := range org.Remote {
		if r.Status != "pending" {
			id = r.ID
			break
		}
	}
	ctx := context.Background()
	before, _ := e.ix.Messages(ctx, id)
	if err := e.fake.DeleteRemoteSession(id); err != nil {
		t.Fatal(err)
	}
	at := e.clk.Now()
	e.run()
	c, err := e.ix.Conversation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.DeletedAt == nil || c.DeletedBy != model.DeletedByUpstream || c.DeletedAt.Before(at) {
		t.Errorf("deleted remote session stored as %+v", c)
	}
	after, _ := e.ix.Messages(ctx, id)
	if len(after) != len(before) || len(before) == 0 {
		t.Errorf("archived transcript changed: %d -> %d messages", len(before), len(after))
	}
	// Asked once: the mark is not re-probed every run.
	n := len(e.tap.requests(id))
	e.run()
	if got := len(e.tap.requests(id)); got != n {
		t.Errorf("a deleted session was asked about again (%d requests)", got-n)
	}
	e.verify(nil)
}

func TestExpiredPageTokenRestartsWalk(t *testing.T) {
	org := genOrg(6, 3, 0)
	e := newEnv(t, org)
	e.opts = Options{MessagePageSize: 3}
	// Before the second page of the first transcript walk, a day passes:
	// the fake refuses the token as expired and the walk starts again.
	var fired atomic.Bool
	e.tap.before = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/messages") && r.URL.Query().Get("page") != "" && fired.CompareAndSwap(false, true) {
			e.clk.Advance(25 * time.Hour)
		}
	}
	st := e.run()
	if st.State != stream.StateDone || st.Skipped != 0 || !fired.Load() {
		t.Fatalf("state %+v fired %v", st, fired.Load())
	}
	e.verify(nil)

	// A saved list token older than 23 h is not used: the walk restarts.
	e.tap.before = nil
	var s state
	if err := loadState(e.ix, &s); err != nil {
		t.Fatal(err)
	}
	s.Local.Walk = &listWalk{Phase: phaseIncremental, CreatedGTE: windowStart, UpdatedGTE: windowStart,
		Page: "page_stale", Started: e.clk.Now().Add(-24 * time.Hour)}
	if err := e.ix.PutMeta(stream.StateKey(Name), stream.MustJSON(s)); err != nil {
		t.Fatal(err)
	}
	n := len(e.tap.requests("/sessions/local?"))
	e.run()
	lists := e.tap.requests("/sessions/local?")[n:]
	if len(lists) == 0 || strings.Contains(lists[0], "page=") {
		t.Errorf("stale list token reused: %v", lists)
	}
}

func TestLocalUnavailableKeepsCursor(t *testing.T) {
	org := genOrg(7, 6, 2)
	e := newEnv(t, org)
	e.opts = Options{ListPageSize: 2}
	e.run()
	var before state
	_ = loadState(e.ix, &before)
	e.fake.SetLocalSessionsUnavailable(true)
	st := e.run()
	if st.State != stream.StateUnavailable || !strings.Contains(st.LastError, "not available") {
		t.Fatalf("state %+v", st)
	}
	var after state
	_ = loadState(e.ix, &after)
	if after.Local.Backfilled != before.Local.Backfilled || !after.Local.LastWalkStart.Equal(before.Local.LastWalkStart) {
		t.Errorf("cursor changed while unavailable: %+v -> %+v", before.Local, after.Local)
	}
	e.fake.SetLocalSessionsUnavailable(false)
	if st := e.run(); st.State != stream.StateDone {
		t.Errorf("after the switch: %+v", st)
	}
	e.verify(nil)
}

// TestHugeSessionPaged: a session of thousands of turns is stored in
// bounded batches and its transcript pages are never held whole.
func TestHugeSessionPaged(t *testing.T) {
	org := genOrg(8, 1, 0)
	e := newEnv(t, org)
	id := org.Local[0].ID
	if _, err := e.fake.AppendSessionTurns(id, 3000); err != nil {
		t.Fatal(err)
	}
	e.opts = Options{MessagePageSize: 1000, MaxBatchBytes: 64 << 10, MaxHeldBytes: 32 << 10}
	if st := e.run(); st.State != stream.StateDone {
		t.Fatalf("%+v", st)
	}
	if _, err := e.fake.AppendSessionTurns(id, 1500); err != nil {
		t.Fatal(err)
	}
	if st := e.run(); st.State != stream.StateDone || st.Messages != 1500 {
		t.Fatalf("%+v", st)
	}
	e.verify(nil)
}

// TestLocalList503FailsPartKeepsToken: a 503 on the list itself stops the
// local part (nothing to skip) with the token kept; the next run resumes.
func TestLocalList503FailsPartKeepsToken(t *testing.T) {
	org := genOrg(10, 6, 2)
	e := newEnv(t, org)
	e.opts = Options{ListPageSize: 2}
	e.fake.SetLocalListFault(fakeapi.SessFaultRetention503)
	st := e.run()
	if st.State != stream.StateFailed || !strings.Contains(st.LastError, "retention overrides") {
		t.Fatalf("state %+v", st)
	}
	e.fake.SetLocalListFault(fakeapi.SessFaultNone)
	if st := e.run(); st.State != stream.StateDone {
		t.Fatalf("state %+v", st)
	}
	e.verify(nil)
}

// TestEmptyPageDoesNotEndWalk: a transcript page can come back empty with a
// next_page (the size cap); only a null next_page ends the walk.
func TestEmptyPageDoesNotEndWalk(t *testing.T) {
	org := genOrg(11, 3, 0)
	e := newEnv(t, org)
	e.fake.SetSessionFault(org.Local[1].ID, fakeapi.SessFaultEmptyFirstPage)
	if st := e.run(); st.State != stream.StateDone || st.Skipped != 0 {
		t.Fatalf("state %+v", st)
	}
	e.verify(nil)
	// And newest first, on the next run's refresh.
	if _, err := e.fake.AppendSessionTurns(org.Local[1].ID, 2); err != nil {
		t.Fatal(err)
	}
	if st := e.run(); st.Messages != 2 {
		t.Fatalf("state %+v", st)
	}
	e.verify(nil)
}

// TestSessionsHourlyCap: the stream stops at its hourly number of sessions,
// says when it goes on, and the next hours' runs continue from the saved
// walk until every session is stored once.
func TestSessionsHourlyCap(t *testing.T) {
	e := newEnv(t, genOrg(3, 10, 0))
	e.opts = Options{ListPageSize: 4}
	e.capLimit = 4
	st := e.run()
	if st.State != stream.StateWaiting || st.WaitUntil == nil || st.Items != 4 {
		t.Fatalf("first run %+v, want waiting after 4 sessions", st)
	}
	for i := 0; i < 5 && st.State != stream.StateDone; i++ {
		if st = e.run(); st.Items > 4 {
			t.Fatalf("run read %d sessions, cap 4", st.Items)
		}
	}
	if st.State != stream.StateDone {
		t.Fatalf("never caught up: %+v", st)
	}
	e.verify(nil)
}
