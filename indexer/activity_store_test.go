package indexer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ccsync/ccsync/model"
)

var at0 = time.Date(2026, 10, 30, 22, 0, 0, 0, time.UTC)

// sampleActivities: n events over two months; every third is ccsync's own
// call (status 200, every tenth of those 429), every seventh another key.
func sampleActivities(n int) []model.Activity {
	out := make([]model.Activity, n)
	for i := range out {
		a := model.Activity{ID: fmt.Sprintf("activity_%06d", i), CreatedAt: at0.Add(time.Duration(i) * 2 * time.Minute),
			Type: "sso_login_succeeded", OrgID: "org-uuid-1",
			Actor: model.Actor{Type: "user_actor", ID: "user_1", Email: "ana@acme.io", IP: "10.0.0.1"}}
		switch {
		case i%3 == 0:
			status := 200
			if i%10 == 0 {
				status = 429
			}
			a.Type, a.OrgID = "compliance_api_accessed", ""
			a.Actor = model.Actor{Type: "api_actor", ID: "apikey_own", IP: "192.0.2.1", UserAgent: "ccsync"}
			a.Access = &model.APIAccess{APIKeyID: "apikey_own", RequestID: fmt.Sprintf("req_%d", i), Method: "GET", Status: status,
				URL: "https://api.anthropic.com/v1/compliance/apps/chats"}
			a.Flags = []string{model.FlagOwnKey}
		case i%7 == 0:
			a.Type, a.OrgID = "compliance_api_accessed", ""
			a.Actor = model.Actor{Type: "api_actor", ID: "apikey_thief", IP: "203.0.113.9"}
			a.Access = &model.APIAccess{APIKeyID: "apikey_thief", RequestID: fmt.Sprintf("req_%d", i), Method: "GET", Status: 200}
			a.Flags = []string{model.FlagOtherKey, model.FlagUnknownIP}
		}
		out[i] = a
	}
	return out
}

func searchActs(t *testing.T, ix *Indexer, req ActivityRequest) *ActivityResult {
	t.Helper()
	res, err := ix.SearchActivities(context.Background(), req)
	if err != nil {
		t.Fatalf("search %+v: %v", req, err)
	}
	return res
}

func verifyActs(t *testing.T, ix *Indexer, wantActivities int) {
	t.Helper()
	rep, err := ix.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Activities != wantActivities {
		t.Fatalf("verify: %d activities (want %d), problems %v", rep.Activities, wantActivities, rep.Problems)
	}
}

func actFacet(r *ActivityResult, facet, term string) int {
	for _, f := range r.Facets[facet] {
		if f.Term == term {
			return f.Count
		}
	}
	return 0
}

func TestActivityStoreIngestSearchFacets(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	acts := sampleActivities(1200) // spans a chunk boundary and two months
	res, err := ix.IngestActivities(ctx, ActivityBatch{Activities: acts, Checkpoints: map[string][]byte{"sync/activities/state": []byte("{}")}})
	if err != nil || res.New != len(acts) {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	if b, err := ix.Meta("sync/activities/state"); err != nil || string(b) != "{}" {
		t.Fatalf("checkpoint: %q %v", b, err)
	}
	res, err = ix.IngestActivities(ctx, ActivityBatch{Activities: acts})
	if err != nil || res.Unchanged != len(acts) || res.New+res.Changed != 0 {
		t.Fatalf("re-ingest is not a no-op: %+v %v", res, err)
	}
	verifyActs(t, ix, len(acts))

	all := searchActs(t, ix, ActivityRequest{})
	own, other := 0, 0
	for i := range acts {
		if ownCall(&acts[i]) {
			own++
		} else if acts[i].Access != nil {
			other++
		}
	}
	for _, tc := range []struct {
		facet, term string
		want        int
	}{
		{ActivityFacetType, "compliance_api_accessed", own + other},
		{ActivityFacetFamily, "sso", len(acts) - own - other},
		{ActivityFacetFlag, model.FlagOwnKey, own},
		{ActivityFacetFlag, model.FlagOtherKey, other},
		{ActivityFacetIP, "203.0.113.9", other},
		{ActivityFacetActorType, "api_actor", own + other},
		{ActivityFacetActor, "ana@acme.io", len(acts) - own - other},
		{ActivityFacetDate, "2026-11", len(acts) - 780},
		{ActivityFacetStatus, "429", 40},
	} {
		if got := actFacet(all, tc.facet, tc.term); got != tc.want {
			t.Errorf("facet %s %s = %d, want %d", tc.facet, tc.term, got, tc.want)
		}
	}
	if n := searchActs(t, ix, ActivityRequest{FlaggedOnly: true}).Total; n != uint64(other) {
		t.Errorf("flagged only: %d, want %d (own calls are not flagged for auditors)", n, other)
	}
	if n := searchActs(t, ix, ActivityRequest{Query: "thief"}).Total; n != 0 {
		t.Errorf("query matched a partial id: %d", n)
	}
	for _, q := range []string{"apikey_thief", `"apikey_thief"`, `"req_7"`} {
		want := uint64(other)
		if q == `"req_7"` {
			want = 1
		}
		if n := searchActs(t, ix, ActivityRequest{Query: q}).Total; n != want {
			t.Errorf("query %s: %d, want %d", q, n, want)
		}
	}
	// Cursor paging visits every event once, newest first.
	seen := map[string]bool{}
	var last time.Time
	for req := (ActivityRequest{Size: 200, NoFacets: true}); ; {
		page := searchActs(t, ix, req)
		for _, h := range page.Hits {
			if seen[h.ID] || (!last.IsZero() && h.CreatedAt.After(last)) {
				t.Fatalf("%s repeated or out of order", h.ID)
			}
			seen[h.ID], last = true, h.CreatedAt
		}
		if page.Next == "" {
			break
		}
		req.After = page.Next
	}
	if len(seen) != len(acts) {
		t.Fatalf("paging saw %d of %d", len(seen), len(acts))
	}
	// Own calls per hour by status, from the health buckets.
	hours, err := ix.ActivityHealth(at0, at0.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, h := range hours {
		for _, n := range h.Status {
			sum += n
		}
	}
	if sum != own {
		t.Errorf("health buckets count %d own calls, want %d", sum, own)
	}
	if lt, err := ix.LatestActivity(); err != nil || !lt.Equal(acts[len(acts)-1].CreatedAt) {
		t.Errorf("latest %v %v", lt, err)
	}
}

// TestActivityReflagMovesHealth: an event re-flagged (a key learned later)
// replaces the stored one and moves its health count.
func TestActivityReflagMovesHealth(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	a := sampleActivities(1)[0] // own call
	a.Flags = []string{model.FlagOtherKey}
	if _, err := ix.IngestActivities(ctx, ActivityBatch{Activities: []model.Activity{a}}); err != nil {
		t.Fatal(err)
	}
	a.Flags = []string{model.FlagOwnKey}
	res, err := ix.IngestActivities(ctx, ActivityBatch{Activities: []model.Activity{a}})
	if err != nil || res.Changed != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if n := actFacet(searchActs(t, ix, ActivityRequest{}), ActivityFacetFlag, model.FlagOtherKey); n != 0 {
		t.Errorf("stale other_key document: %d", n)
	}
	verifyActs(t, ix, 1)
}

func TestActivityIndexRebuiltFromStore(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	ix, err := Open(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	acts := sampleActivities(300)
	if _, err := ix.IngestActivities(ctx, ActivityBatch{Activities: acts}); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	// A damaged month, then a mapping-version change: both rebuilt from Badger.
	if err := os.WriteFile(filepath.Join(dir, activityIndexDir, "2026-10", "index_meta.json"), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	ix = openTest(t, dir)
	if n := searchActs(t, ix, ActivityRequest{}).Total; n != uint64(len(acts)) {
		t.Fatalf("after damage: %d of %d", n, len(acts))
	}
	verifyActs(t, ix, len(acts))
	if err := ix.PutMeta(metaActivityMapping, []byte("0")); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix = openTest(t, dir)
	if n := searchActs(t, ix, ActivityRequest{}).Total; n != uint64(len(acts)) {
		t.Fatalf("after mapping change: %d of %d", n, len(acts))
	}
	verifyActs(t, ix, len(acts))
	// The message index is not touched by any of it, and vice versa.
	if _, err := os.Stat(filepath.Join(dir, "index", activityIndexDir)); err == nil {
		t.Fatal("activity index inside index/")
	}
}

func TestActivityDeleteRange(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	acts := sampleActivities(300)
	if _, err := ix.IngestActivities(ctx, ActivityBatch{Activities: acts}); err != nil {
		t.Fatal(err)
	}
	from, to := acts[0].CreatedAt, acts[100].CreatedAt
	dry, err := ix.DeleteRange(ctx, from, to, true)
	if err != nil || dry.Activities != 100 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	res, err := ix.DeleteRange(ctx, from, to, false)
	if err != nil || res.Activities != 100 {
		t.Fatalf("delete: %+v %v", res, err)
	}
	verifyActs(t, ix, 200)
	if n := searchActs(t, ix, ActivityRequest{To: to}).Total; n != 0 {
		t.Fatalf("%d events left in the deleted range", n)
	}
	// A later sync does not bring them back.
	r, err := ix.IngestActivities(ctx, ActivityBatch{Activities: acts[:100]})
	if err != nil || r.Purged != 100 {
		t.Fatalf("re-ingest of a deleted range: %+v %v", r, err)
	}
	verifyActs(t, ix, 200)
}

func TestActivityBadInput(t *testing.T) {
	ix := openTest(t, t.TempDir())
	ctx := context.Background()
	for name, a := range map[string]model.Activity{
		"no id":     {CreatedAt: at0},
		"nul in id": {ID: "a\x00b", CreatedAt: at0},
		"far date":  {ID: "activity_far", CreatedAt: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)},
		"zero date": {ID: "activity_zero"},
	} {
		if _, err := ix.IngestActivities(ctx, ActivityBatch{Activities: []model.Activity{a}}); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	for name, req := range map[string]ActivityRequest{
		"forged cursor": {After: "bm90IGEgY3Vyc29y"},
		"bad facet":     {Facets: []string{"password"}},
		"bad sort":      {Sort: "random"},
		"bad range":     {From: at0, To: at0.Add(-time.Hour)},
		"bad query":     {Query: `type:"unterminated`},
	} {
		if _, err := ix.SearchActivities(ctx, req); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	verifyActs(t, ix, 0)
}

// BenchmarkActivityIngest measures the feed's store + index cost per
// 10,000 events (risk 1 of the plan: every Compliance call is an event):
// "new" stores and indexes them, "redelivered" is the overlap re-poll
// handing the same events back (reads and compares only).
func BenchmarkActivityIngest(b *testing.B) {
	acts := sampleActivities(10000)
	ctx := context.Background()
	for _, redeliver := range []bool{false, true} {
		name := "new"
		if redeliver {
			name = "redelivered"
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				ix, err := Open(ctx, Options{Dir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				if redeliver {
					if _, err := ix.IngestActivities(ctx, ActivityBatch{Activities: acts}); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if _, err := ix.IngestActivities(ctx, ActivityBatch{Activities: acts}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				ix.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/10k-events")
		})
	}
}
