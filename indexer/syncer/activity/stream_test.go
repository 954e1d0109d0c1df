package activity

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/internal/killtest"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
	"github.com/ccsync/ccsync/model"
)

const testKey = "sk-ant-api01-activity-test"

var syncFrom = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	dir   string
	fake  *fakeapi.Server
	org   *fakeapi.Org
	url   string
	ix    *indexer.Indexer
	own   *stream.RequestIDs
	c     *compliance.Client
	mu    sync.Mutex
	query []url.Values // every feed request's query
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t *testing.T, activities int) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), own: &stream.RequestIDs{}}
	e.org = fakeapi.Generate(5, fakeapi.GenOptions{Users: 4, Chats: 3, MaxMessages: 2, Activities: activities})
	// The fake logs every call it answers as a compliance_api_accessed
	// event, as the real feed does. Its clock stands before SyncFrom so the
	// tests' own traffic stays out of the walks they count; the calls a test
	// is about are logged explicitly with LogForTest.
	e.fake = fakeapi.New(e.org, fakeapi.Options{Key: testKey, RequestsPerMinute: 1 << 20,
		Now: func() time.Time { return syncFrom.Add(-time.Hour) }})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == feedPath {
			e.mu.Lock()
			e.query = append(e.query, r.URL.Query())
			e.mu.Unlock()
		}
		e.fake.ServeHTTP(w, r)
		// What the engine does with Config.OnResponse: remember the
		// request ids of ccsync's own responses.
		e.own.Observe(compliance.Response{RequestID: w.Header().Get("request-id"), Method: r.Method, Path: r.URL.Path})
	}))
	t.Cleanup(hs.Close)
	e.url = hs.URL
	var err error
	e.c, err = compliance.New(compliance.Config{BaseURL: hs.URL, Key: testKey, RequestsPerMinute: 1 << 20,
		Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	e.open()
	return e
}

const feedPath = "/v1/compliance/activities"

func (e *env) open() {
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: e.dir, Logger: quiet()})
	if err != nil {
		e.t.Fatal(err)
	}
	e.ix = ix
	e.t.Cleanup(func() { ix.Close() })
}

// run syncs once with the given run start times.
func (e *env) run(o Options, runStart, lastRunStart time.Time) (stream.State, error) {
	var st stream.State
	var mu sync.Mutex
	err := New(o).Run(context.Background(), &stream.Env{Client: e.c, Ix: e.ix, Log: quiet(), SyncFrom: syncFrom,
		RunStart: runStart, LastRunStart: lastRunStart, OwnRequests: e.own,
		Report: func(f func(*stream.State)) { mu.Lock(); f(&st); mu.Unlock() }})
	return st, err
}

func (e *env) mustRun(o Options, runStart, lastRunStart time.Time) stream.State {
	e.t.Helper()
	st, err := e.run(o, runStart, lastRunStart)
	if err != nil || st.State != stream.StateDone {
		e.t.Fatalf("run: %+v %v", st, err)
	}
	return st
}

func (e *env) stored(id string) model.Activity {
	e.t.Helper()
	a, err := e.ix.Activity(context.Background(), id)
	if err != nil {
		e.t.Fatalf("activity %s: %v", id, err)
	}
	return a
}

func (e *env) verify(want int) {
	e.t.Helper()
	rep, err := e.ix.Verify(context.Background())
	if err != nil || !rep.OK() || rep.Activities != want {
		e.t.Fatalf("verify: %d activities (want %d) %v %v", rep.Activities, want, rep.Problems, err)
	}
}

// ownCalls makes n real calls through ccsync's client, so their request
// ids are ccsync's own, and returns the ids.
func (e *env) ownCalls(n int) []string {
	e.t.Helper()
	before := len(e.own.Snapshot())
	for range n {
		var v any
		if err := e.c.GetJSON(context.Background(), "/v1/compliance/organizations", nil, &v, compliance.CallOpts{Family: "organizations"}); err != nil {
			e.t.Fatal(err)
		}
	}
	return e.own.Snapshot()[before:]
}

var tCall = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func call(keyID, reqID, ip string, at time.Time) fakeapi.Logged {
	return fakeapi.Logged{Time: at, KeyID: keyID, Method: "GET", Path: "/v1/compliance/apps/chats", Query: "limit=1000",
		Status: 200, RequestID: reqID, RemoteIP: ip, UserAgent: "ccsync/test"}
}

func activityOfRequest(e *env, reqID string) model.Activity {
	e.t.Helper()
	res, err := e.ix.SearchActivities(context.Background(), indexer.ActivityRequest{Query: `"` + reqID + `"`, Size: 5, NoFacets: true})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, h := range res.Hits {
		if h.Access != nil && h.Access.RequestID == reqID {
			return h
		}
	}
	e.t.Fatalf("no stored event for request %s", reqID)
	return model.Activity{}
}

// TestOwnKeyLearnedFromRequestIDs: events answering ccsync's own request
// ids teach its key and address, and only those; a call with the same key
// from another address (a stolen key) is not learned from and stays
// flagged; an event earlier in the page than the first match is re-flagged
// once the key is learned.
func TestOwnKeyLearnedFromRequestIDs(t *testing.T) {
	e := newEnv(t, 0)
	ids := e.ownCalls(3)
	const ownKey, ourIP, thiefIP = "apikey_01Ccsync", "192.0.2.10", "198.51.100.66"
	// The stolen-key call comes first, the matched ones after it.
	e.fake.LogForTest(call(ownKey, "req_thief_1", thiefIP, tCall))
	e.fake.LogForTest(call(ownKey, "req_unmatched_ours", ourIP, tCall.Add(time.Second)))
	for i, id := range ids {
		e.fake.LogForTest(call(ownKey, id, ourIP, tCall.Add(time.Duration(2+i)*time.Second)))
	}
	e.mustRun(Options{PageSize: 50}, tCall.Add(time.Hour), time.Time{})

	learned, err := LoadLearned(e.ix)
	if err != nil {
		t.Fatal(err)
	}
	k := learned.Keys[ownKey]
	if k == nil || !slices.Equal(k.IPs, []string{ourIP}) {
		t.Fatalf("learned %+v, want key %s with only %s", k, ownKey, ourIP)
	}
	for _, tc := range []struct {
		req  string
		want []string
	}{
		{ids[0], []string{model.FlagOwnKey}},
		{"req_unmatched_ours", []string{model.FlagOwnKey}}, // same key, learned address
		{"req_thief_1", []string{model.FlagOwnKey, model.FlagUnknownIP}},
	} {
		if got := activityOfRequest(e, tc.req).Flags; !slices.Equal(got, tc.want) {
			t.Errorf("request %s flags %v, want %v", tc.req, got, tc.want)
		}
	}
	// Own calls feed the health buckets; the thief's call is in the flagged list.
	hours, err := e.ix.ActivityHealth(tCall.Add(-time.Hour), tCall.Add(time.Hour))
	if err != nil || len(hours) != 1 || hours[0].Status["200"] != len(ids)+2 {
		t.Errorf("health %+v %v", hours, err)
	}
	res, err := e.ix.SearchActivities(context.Background(), indexer.ActivityRequest{FlaggedOnly: true, NoFacets: true})
	if err != nil || res.Total != 1 || res.Hits[0].Access.RequestID != "req_thief_1" {
		t.Errorf("flagged: %+v %v", res, err)
	}
	e.verify(len(ids) + 2)
}

// TestOtherKeyAndUnknownIPFlagged: another compliance key, an admin key and
// calls from outside the admin's ranges are flagged; a trusted key is not.
func TestOtherKeyAndUnknownIPFlagged(t *testing.T) {
	e := newEnv(t, 0)
	if _, err := SaveSettings(e.ix, Settings{
		Keys:  []KnownKey{{ID: "apikey_01Siem", Label: "SIEM connector", Role: RoleTrusted}, {ID: "apikey_01Console", Label: "Console admin", Role: RoleAdmin}},
		CIDRs: []string{"192.0.2.0/24", "2001:db8::/32"},
	}); err != nil {
		t.Fatal(err)
	}
	ids := e.ownCalls(1)
	e.fake.LogForTest(call("apikey_01Ccsync", ids[0], "192.0.2.10", tCall))
	e.fake.LogForTest(call("apikey_01Other", "req_other", "192.0.2.11", tCall.Add(time.Second)))
	e.fake.LogForTest(call("apikey_01Other", "req_other_far", "203.0.113.5", tCall.Add(2*time.Second)))
	e.fake.LogForTest(call("apikey_01Siem", "req_siem", "2001:db8::7", tCall.Add(3*time.Second)))
	e.fake.LogForTest(call("apikey_01Siem", "req_siem_far", "203.0.113.6", tCall.Add(4*time.Second)))
	e.fake.LogForTest(call("apikey_01Console", "req_admin", "192.0.2.12", tCall.Add(5*time.Second)))
	e.mustRun(Options{}, tCall.Add(time.Hour), time.Time{})
	for _, tc := range []struct {
		req  string
		want []string
	}{
		{ids[0], []string{model.FlagOwnKey}},
		{"req_other", []string{model.FlagOtherKey}},
		{"req_other_far", []string{model.FlagOtherKey, model.FlagUnknownIP}},
		{"req_siem", nil},
		{"req_siem_far", []string{model.FlagUnknownIP}},
		{"req_admin", []string{model.FlagAdminKey}},
	} {
		if got := activityOfRequest(e, tc.req).Flags; !slices.Equal(got, tc.want) {
			t.Errorf("request %s flags %v, want %v", tc.req, got, tc.want)
		}
	}
}

// TestLateRowsCaught: a row the feed records behind the cursor is missed by
// the after_id walk and caught by the next run's overlap re-poll.
func TestLateRowsCaught(t *testing.T) {
	e := newEnv(t, 40)
	run1 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) // after every generated event
	e.mustRun(Options{PageSize: 7}, run1, time.Time{})
	e.verify(40)
	late := &fakeapi.Activity{ID: "activity_01LateRow", CreatedAt: run1.Add(-3 * time.Minute), Type: "claude_chat_deleted",
		Actor:  map[string]any{"type": "user_actor", "user_id": e.org.Users[0].ID, "email_address": e.org.Users[0].Email},
		Fields: map[string]any{"claude_chat_id": e.org.Chats[0].ID}}
	// A row newer than the late one, so the cursor is past it.
	e.fake.AddActivity(&fakeapi.Activity{ID: "activity_01OnTime", CreatedAt: run1.Add(-time.Minute), Type: "user_logged_out",
		Actor: map[string]any{"type": "user_actor", "user_id": e.org.Users[1].ID}})
	e.mustRun(Options{PageSize: 7}, run1.Add(time.Minute), time.Time{})
	e.fake.AddActivity(late)
	// Without an overlap window the walk cannot see it...
	e.mustRun(Options{PageSize: 7}, run1.Add(2*time.Minute), time.Time{})
	if _, err := e.ix.Activity(context.Background(), late.ID); err == nil {
		t.Fatal("the after_id walk saw a row behind its cursor; the test proves nothing")
	}
	// ...the next scheduled run re-polls from its last start minus 10 minutes.
	e.mustRun(Options{PageSize: 7}, run1.Add(time.Hour), run1.Add(2*time.Minute))
	if a := e.stored(late.ID); a.Subjects["claude_chat_id"] != e.org.Chats[0].ID {
		t.Errorf("late row stored as %+v", a)
	}
	e.verify(42)
	for _, q := range e.query {
		for k := range q {
			if strings.Contains(k, "activity_types") {
				t.Fatalf("the stream filtered by type: %v", q)
			}
		}
	}
}

// TestBadCursorResumesByTime: a cursor the feed rejects restarts the walk
// from the newest stored time minus the overlap, with nothing lost or
// stored twice.
func TestBadCursorResumesByTime(t *testing.T) {
	e := newEnv(t, 30)
	e.mustRun(Options{PageSize: 9}, time.Time{}, time.Time{})
	var st State
	if _, err := stream.LoadJSON(e.ix, stream.StateKey(Name), &st); err != nil || st.AfterID == "" {
		t.Fatalf("state %+v %v", st, err)
	}
	e.fake.RejectActivityCursor(st.AfterID)
	e.fake.AddActivity(&fakeapi.Activity{ID: "activity_01AfterReject", CreatedAt: st.Newest.Add(time.Second), Type: "user_logged_out",
		Actor: map[string]any{"type": "user_actor", "user_id": e.org.Users[0].ID}})
	e.query = nil
	e.mustRun(Options{PageSize: 9}, time.Time{}, time.Time{})
	e.stored("activity_01AfterReject")
	e.verify(31)
	if len(e.query) < 2 || e.query[1].Get("created_at.gte") != st.Newest.Add(-10*time.Minute).Format(time.RFC3339Nano) {
		t.Errorf("restart query %v, want created_at.gte = newest − 10 min", e.query)
	}
}

// TestMalformedItemSkippedNotPage: one broken event is recorded as a
// failure; the rest of its page is stored and the cursor moves on.
func TestMalformedItemSkippedNotPage(t *testing.T) {
	e := newEnv(t, 25)
	e.org.Activities[3].Malformed = true
	st := e.mustRun(Options{}, time.Time{}, time.Time{})
	if st.Skipped != 1 || st.Items != 24 {
		t.Fatalf("state %+v", st)
	}
	f, err := stream.LoadFailures(e.ix, Name, time.Now)
	if err != nil || len(f.List()) != 1 || f.List()[0].ID != e.org.Activities[3].ID {
		t.Fatalf("failures %+v %v", f.List(), err)
	}
	e.verify(24)
}

// TestUnknownTypesAndActorsPassThrough: the generator's Access Transparency
// event, unknown type and unknown actor are stored as they came.
func TestUnknownTypesAndActorsPassThrough(t *testing.T) {
	e := newEnv(t, 40)
	e.mustRun(Options{}, time.Time{}, time.Time{})
	res, err := e.ix.SearchActivities(context.Background(), indexer.ActivityRequest{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, f := range res.Facets[indexer.ActivityFacetType] {
		types[f.Term] = f.Count
	}
	actors := map[string]int{}
	for _, f := range res.Facets[indexer.ActivityFacetActorType] {
		actors[f.Term] = f.Count
	}
	for _, typ := range []string{"anthropic_access", "claude_tag_runner_registered", "org_compliance_api_settings_updated"} {
		if types[typ] == 0 {
			t.Errorf("type %s missing: %v", typ, types)
		}
	}
	if actors["runner_pool_actor"] == 0 || len(actors) != 12 {
		t.Errorf("actor types %v, want the 11 variants and the unknown one", actors)
	}
}

// TestActivityKilledChild is the child half of TestActivityResumeAfterKill.
func TestActivityKilledChild(t *testing.T) {
	dir, u := os.Getenv("CCSYNC_ACT_CHILD_DIR"), os.Getenv("CCSYNC_ACT_CHILD_URL")
	if dir == "" {
		t.Skip("child process of TestActivityResumeAfterKill")
	}
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: dir, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := compliance.New(compliance.Config{BaseURL: u, Key: testKey, RequestsPerMinute: 1 << 20, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := New(Options{PageSize: 10}).Run(context.Background(), &stream.Env{Client: c, Ix: ix, Log: quiet(), SyncFrom: syncFrom}); err != nil {
		t.Fatal(err)
	}
	t.Fatal("child finished before it was killed; slow the fake down")
}

// TestActivityResumeAfterKill SIGKILLs a syncing process twice; a fresh run
// then resumes from the committed cursor, and the store holds every event
// once (Verify is the oracle).
func TestActivityResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	const total = 1500
	e := newEnv(t, total)
	e.ix.Close() // the child owns the directory while it runs
	e.fake.SetLatency(3 * time.Millisecond)
	for i, after := range []int{20, 60} {
		killtest.KillMidRun(t, "TestActivityKilledChild", []string{"CCSYNC_ACT_CHILD_DIR=" + e.dir, "CCSYNC_ACT_CHILD_URL=" + e.url}, 60*time.Second, func() (bool, string) {
			n := e.fake.Requests()["activities"]
			return n >= after, fmt.Sprintf("child %d made only %d feed requests", i, n)
		})
	}
	e.fake.SetLatency(0)
	e.open()
	var st State
	if _, err := stream.LoadJSON(e.ix, stream.StateKey(Name), &st); err != nil || st.AfterID == "" {
		t.Fatalf("killed runs left no cursor: %+v %v", st, err)
	}
	e.query = nil
	res := e.mustRun(Options{PageSize: 10}, time.Time{}, time.Time{})
	if e.query[0].Get("after_id") != st.AfterID || res.Requests >= total/10 {
		t.Errorf("resumed run started at %v after %d requests; want it to continue from %s", e.query[0], res.Requests, st.AfterID)
	}
	e.verify(total)
}
