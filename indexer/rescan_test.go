package indexer

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer/internal/synth"
	"github.com/ccsync/ccsync/model"
	"github.com/ccsync/ccsync/scanners"
)

var noEmail = &scanners.Config{Disable: []string{"email"}}

func openScan(t *testing.T, dir string, cfg *scanners.Config) *Indexer {
	t.Helper()
	ix, err := Open(context.Background(), Options{Dir: dir, ScanConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// staleStore ingests rescanOrg(seed) with the email detector off and
// reopens the store with the default detectors, so every message is stale.
func staleStore(t *testing.T, seed uint64) (*Indexer, Batch) {
	t.Helper()
	dir := t.TempDir()
	b := rescanOrg(seed)
	ix := openScan(t, dir, noEmail)
	if _, err := ix.Ingest(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	return openScan(t, dir, nil), b
}

// rescanOrg is a small organisation with an email planted in every 3rd
// message, spread over three months.
func rescanOrg(seed uint64) Batch {
	org := synth.Generate(synth.Options{Seed: seed, Users: 3, Conversations: 12, MessagesPer: 10, TextBytes: 300,
		SecretEvery: 3, Days: 80})
	return Batch{Users: org.Users, Conversations: org.Conversations, Messages: org.Messages}
}

func mustVerify(t *testing.T, ix *Indexer, when string) VerifyReport {
	t.Helper()
	rep, err := ix.Verify(context.Background())
	if err != nil {
		t.Fatalf("%s: verify: %v", when, err)
	}
	if !rep.OK() || rep.OutboxPending != 0 {
		t.Fatalf("%s: %+v", when, rep)
	}
	return rep
}

func facetCount(r *SearchResult, name, term string) int {
	for _, f := range r.Facets[name] {
		if f.Term == term {
			return f.Count
		}
	}
	return 0
}

// TestRescanAfterConfigChange ingests with the email detector disabled,
// then re-opens with the default configuration: every message is stale, a
// re-scan finds the emails, and the counters, facets (ingest-time and
// Bleve's) and filtered searches show them. A second re-scan has nothing
// to do; --all re-scans everything and changes nothing.
func TestRescanAfterConfigChange(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b := rescanOrg(1)
	ix := openScan(t, dir, noEmail)
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	st, err := ix.RescanStatus()
	if err != nil || st.Stale != 0 || st.Messages != int64(len(b.Messages)) || st.Stamp == "" {
		t.Fatalf("status after ingest: %+v %v", st, err)
	}
	stats, _ := ix.Stats(ctx)
	if stats.FindingsPerType["email"] != 0 {
		t.Fatalf("email disabled, yet %d email findings", stats.FindingsPerType["email"])
	}
	mustVerify(t, ix, "ingest without email")
	ix.Close()

	ix = openScan(t, dir, nil)
	defer ix.Close()
	if ix.ScanStamp() == st.Stamp {
		t.Fatalf("the stamp does not change with the configuration: %s", st.Stamp)
	}
	st, _ = ix.RescanStatus()
	if st.Stale != int64(len(b.Messages)) {
		t.Fatalf("after a config change stale = %d, want every message (%d)", st.Stale, len(b.Messages))
	}
	var calls []RescanProgress
	p, err := ix.Rescan(ctx, RescanOptions{BatchSize: 16, Progress: func(p RescanProgress) { calls = append(calls, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if p.Done != p.Total || p.Scanned != int64(len(b.Messages)) || p.Skipped != 0 || p.Updated == 0 || len(calls) < 3 {
		t.Fatalf("rescan: %+v after %d progress calls", p, len(calls))
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].Done < calls[i-1].Done {
			t.Fatalf("progress went backwards: %+v then %+v", calls[i-1], calls[i])
		}
	}
	st, _ = ix.RescanStatus()
	if st.Stale != 0 || st.Interrupted != nil || st.LastRun == nil || st.LastRun.State != "done" {
		t.Fatalf("status after rescan: %+v", st)
	}

	emails := 0
	for _, m := range b.Messages {
		for _, f := range scanners.Default().Scan(m.FlatText()) {
			if f.Type == "email" {
				emails++
				break
			}
		}
	}
	stats, _ = ix.Stats(ctx)
	if emails == 0 || stats.FindingsPerType["email"] < emails {
		t.Fatalf("after rescan %d email findings, %d messages hold one", stats.FindingsPerType["email"], emails)
	}
	dash := doSearch(t, ix, SearchRequest{})                   // ingest-time counts
	bleve := doSearch(t, ix, SearchRequest{FlaggedOnly: true}) // Bleve's facets
	if n := facetCount(dash, FacetFindingType, "email"); n != emails {
		t.Fatalf("dashboard facet email = %d, want %d", n, emails)
	}
	if n := doSearch(t, ix, SearchRequest{FindingTypes: []string{"email"}}).Total; n != uint64(emails) {
		t.Fatalf("finding_type:email matches %d messages, want %d", n, emails)
	}
	if n := facetCount(bleve, FacetFindingType, "email"); n != emails {
		t.Fatalf("Bleve's facet has no email after the rescan: %+v", bleve.Facets[FacetFindingType])
	}
	m, err := ix.Message(ctx, b.Messages[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.ScannedBy != ix.ScanStamp() {
		t.Fatalf("message stamped %q, want %q", m.ScannedBy, ix.ScanStamp())
	}
	for _, f := range m.Findings {
		if f.Engine != scanners.Version {
			t.Fatalf("finding %+v does not carry the engine version %s", f, scanners.Version)
		}
	}
	mustVerify(t, ix, "after rescan")

	// Idempotent: nothing stale is left.
	if p, err := ix.Rescan(ctx, RescanOptions{}); err != nil || p.Scanned != 0 || p.Updated != 0 {
		t.Fatalf("second rescan: %+v %v", p, err)
	}
	before, _ := ix.Stats(ctx)
	if p, err := ix.Rescan(ctx, RescanOptions{All: true, BatchSize: 50}); err != nil ||
		p.Scanned != int64(len(b.Messages)) || p.Updated != 0 || p.Done != p.Total {
		t.Fatalf("rescan --all of fresh messages: %+v %v", p, err)
	}
	if after, _ := ix.Stats(ctx); !reflect.DeepEqual(before, after) {
		t.Fatalf("rescan --all changed the counters:\n%+v\n%+v", before, after)
	}
	mustVerify(t, ix, "after rescan --all")
}

// TestRescanStampsMessagesWithoutFindings: a message with no findings is
// stale after an upgrade like any other, and counted fresh once re-scanned.
func TestRescanStampsMessagesWithoutFindings(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix, err := Open(ctx, Options{Dir: dir, ScanConfigID: "old"})
	if err != nil {
		t.Fatal(err)
	}
	b := sampleBatch()
	if _, err := ix.Ingest(ctx, b); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix = openTest(t, dir)
	if st, _ := ix.RescanStatus(); st.Stale != 3 {
		t.Fatalf("stale = %d, want all 3 messages (2 have no findings)", st.Stale)
	}
	p, err := ix.Rescan(ctx, RescanOptions{})
	if err != nil || p.Scanned != 3 || p.Updated != 3 {
		t.Fatalf("rescan: %+v %v", p, err)
	}
	if st, _ := ix.RescanStatus(); st.Stale != 0 {
		t.Fatalf("stale after rescan = %d", st.Stale)
	}
	m, _ := ix.Message(ctx, "m2")
	if len(m.Findings) != 0 || m.ScannedBy != ix.ScanStamp() {
		t.Fatalf("m2 after rescan: findings %v, stamp %q", m.Findings, m.ScannedBy)
	}
	// A deletion takes its messages out of the per-stamp counts too.
	if _, err := ix.DeleteRange(ctx, t0.AddDate(0, 0, -1), t0.AddDate(0, 0, 1), false); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, ix, "after delete")
}

// TestRescanResumesAfterCancel cancels a run after its first batch: the
// store stays consistent, the status shows the interrupted run, and the
// next run resumes from the checkpoint rather than starting over.
func TestRescanResumesAfterCancel(t *testing.T) {
	ctx := context.Background()
	ix, b := staleStore(t, 2)
	defer ix.Close()
	events, _, stop := ix.Subscribe()
	defer stop()

	cctx, cancel := context.WithCancel(ctx)
	first, err := ix.Rescan(cctx, RescanOptions{BatchSize: 20, Progress: func(RescanProgress) { cancel() }})
	if !errors.Is(err, context.Canceled) || first.Scanned != 20 {
		t.Fatalf("cancelled rescan: %+v %v", first, err)
	}
	last := Event{}
	for len(events) > 0 {
		last = <-events
	}
	if last.Kind != "rescan" || last.State != "cancelled" || last.Job != first.Job {
		t.Fatalf("last event %+v", last)
	}
	mustVerify(t, ix, "after cancel")
	st, _ := ix.RescanStatus()
	if st.Interrupted == nil || st.Interrupted.Done != 20 || st.Stale != int64(len(b.Messages)-20) || st.Running {
		t.Fatalf("status after cancel: %+v", st)
	}
	p, err := ix.Rescan(ctx, RescanOptions{BatchSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Resumed || p.Job != first.Job || p.Done != int64(len(b.Messages)) || p.Total != p.Done || p.Scanned != int64(len(b.Messages)) {
		t.Fatalf("resumed rescan: %+v", p)
	}
	if st, _ := ix.RescanStatus(); st.Stale != 0 || st.Interrupted != nil {
		t.Fatalf("status after resume: %+v", st)
	}
	mustVerify(t, ix, "after resume")

	// --all has no stale marks to go by: only the checkpoint keeps a resumed
	// run from walking the first batch again.
	cctx, cancel = context.WithCancel(ctx)
	if _, err := ix.Rescan(cctx, RescanOptions{All: true, BatchSize: 20, Progress: func(RescanProgress) { cancel() }}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled rescan --all: %v", err)
	}
	st, _ = ix.RescanStatus()
	if st.Interrupted == nil || !st.Interrupted.All || st.Interrupted.Done != 20 || st.Interrupted.After == nil {
		t.Fatalf("status after cancelling --all: %+v", st.Interrupted)
	}
	if raw, _ := json.Marshal(st); strings.Contains(string(raw), `"after"`) || strings.Contains(string(raw), `"resume"`) {
		t.Fatalf("the resume key (a message id) is shown: %s", raw)
	}
	p, err = ix.Rescan(ctx, RescanOptions{All: true, BatchSize: 20})
	if err != nil || !p.Resumed || p.Done != int64(len(b.Messages)) || p.Scanned != int64(len(b.Messages)) || p.Updated != 0 {
		t.Fatalf("resumed rescan --all: %+v %v; want each message walked once", p, err)
	}
}

// TestRescanLeavesNewerIngestAlone: an ingest that rewrites a message
// between the re-scan reading it and writing it wins. The re-scan must
// neither restore the older content nor attach findings of the older text.
func TestRescanLeavesNewerIngestAlone(t *testing.T) {
	ctx := context.Background()
	ix, b := staleStore(t, 3)
	defer ix.Close()

	var target model.Message
	newer := "rewritten: the new key owner is carol.newer@acme-corp.io, card 4242 4242 4242 4241 is void"
	ix.rescanScanned = func(ids []string) {
		if target.ID != "" {
			return
		}
		for i := range b.Messages {
			if b.Messages[i].ID == ids[len(ids)/2] {
				target = b.Messages[i]
			}
		}
		m := target
		m.Blocks = []model.Block{{Type: model.BlockText, Text: newer}}
		if _, err := ix.Ingest(ctx, Batch{Messages: []model.Message{m}}); err != nil {
			t.Error(err)
		}
	}
	p, err := ix.Rescan(ctx, RescanOptions{BatchSize: 40})
	if err != nil {
		t.Fatal(err)
	}
	if p.Skipped != 1 || p.Scanned != int64(len(b.Messages)-1) {
		t.Fatalf("rescan: %+v; want exactly the overtaken message skipped", p)
	}
	got, err := ix.Message(ctx, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Blocks[0].Text != newer {
		t.Fatalf("the re-scan restored older content: %q", got.Blocks[0].Text)
	}
	want := scanners.Default().Scan(got.FlatText())
	if len(got.Findings) != len(want) || len(want) == 0 {
		t.Fatalf("findings %+v, want those of the newer text %+v", got.Findings, want)
	}
	for i := range want {
		if got.Findings[i].Type != want[i].Type || got.Findings[i].Start != want[i].Start {
			t.Fatalf("finding %d: %+v, want %+v", i, got.Findings[i], want[i])
		}
	}
	if res := doSearch(t, ix, SearchRequest{Query: "rewritten"}); res.Total != 1 {
		t.Fatalf("the index lost the newer text: %d hits", res.Total)
	}
	if st, _ := ix.RescanStatus(); st.Stale != 0 {
		t.Fatalf("stale after rescan: %d", st.Stale)
	}
	mustVerify(t, ix, "after overtaken rescan")
}

// TestRescanOneAtATime: a second start while one runs is refused, and the
// refusal leaves the first run alone.
func TestRescanOneAtATime(t *testing.T) {
	ctx := context.Background()
	ix, b := staleStore(t, 4)
	defer ix.Close()
	var second error
	ix.rescanScanned = func([]string) {
		if second == nil {
			_, second = ix.Rescan(ctx, RescanOptions{All: true})
			if st, _ := ix.RescanStatus(); !st.Running {
				t.Error("status does not say a re-scan is running")
			}
		}
	}
	p, err := ix.Rescan(ctx, RescanOptions{})
	if err != nil || p.Scanned != int64(len(b.Messages)) {
		t.Fatalf("first rescan: %+v %v", p, err)
	}
	if !errors.Is(second, ErrRescanRunning) {
		t.Fatalf("second start during a run: %v, want ErrRescanRunning", second)
	}
	if st, _ := ix.RescanStatus(); st.Running {
		t.Fatal("still running after the run ended")
	}
}

// TestRescanRacesIngest runs a re-scan of everything while another
// goroutine keeps rewriting the same conversations. Whatever the
// interleaving, each message ends with the last text ingested and the
// findings of that text, and the store is consistent.
func TestRescanRacesIngest(t *testing.T) {
	ctx := context.Background()
	ix, b := staleStore(t, 5)
	defer ix.Close()

	conv := b.Messages[0].ConversationID
	var mine []model.Message
	for _, m := range b.Messages {
		if m.ConversationID == conv {
			mine = append(mine, m)
		}
	}
	lastText := map[string]string{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for round := 0; ; round++ {
			select {
			case <-done:
				return
			default:
			}
			batch := make([]model.Message, len(mine))
			for i, m := range mine {
				text := fmt.Sprintf("round %d message %d mail ops%d@acme-corp.io", round, i, round)
				m.Blocks = []model.Block{{Type: model.BlockText, Text: text}}
				batch[i] = m
			}
			if _, err := ix.Ingest(ctx, Batch{Messages: batch}); err != nil {
				t.Error(err)
				return
			}
			for _, m := range batch {
				lastText[m.ID] = m.Blocks[0].Text
			}
		}
	}()
	for range 3 {
		if _, err := ix.Rescan(ctx, RescanOptions{All: true, BatchSize: 7}); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	for _, m := range mine {
		got, err := ix.Message(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := lastText[m.ID]; want != "" && got.Blocks[0].Text != want {
			t.Fatalf("message %s holds %q, the last ingest wrote %q", m.ID, got.Blocks[0].Text, want)
		}
		want := scanners.Default().Scan(got.FlatText())
		if len(got.Findings) != len(want) || got.ScannedBy != ix.ScanStamp() {
			t.Fatalf("message %s: findings %+v stamped %q, want %+v", m.ID, got.Findings, got.ScannedBy, want)
		}
	}
	mustVerify(t, ix, "after racing ingest")
}

// TestConfigFingerprint: the fingerprint follows what the configuration
// says, not how it is written.
func TestConfigFingerprint(t *testing.T) {
	cases := []struct {
		a, b scanners.Config
		same bool
	}{
		{scanners.Config{}, scanners.Config{Disable: []string{}}, true},
		{scanners.Config{Disable: []string{"email", "phone"}}, scanners.Config{Disable: []string{"phone", "email", "email"}}, true},
		{scanners.Config{Disable: []string{"email"}}, scanners.Config{}, false},
		{scanners.Config{Allowlist: scanners.Allowlist{Values: []string{"x"}}}, scanners.Config{}, false},
		{scanners.Config{SuppressDocumentationEmails: true}, scanners.Config{}, false},
	}
	for i, c := range cases {
		fa, fb := ConfigFingerprint(c.a), ConfigFingerprint(c.b)
		if (fa == fb) != c.same {
			t.Errorf("case %d: %s vs %s, same = %v", i, fa, fb, c.same)
		}
	}
	if ConfigFingerprint(scanners.Config{}) != "default" {
		t.Errorf("zero config: %s", ConfigFingerprint(scanners.Config{}))
	}
}
