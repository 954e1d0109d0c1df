package alerts

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

// tokScanner finds "[[type:severity]]" tokens, so tests say exactly which
// findings a message has. With loud set it also finds "{{type:severity}}"
// (a detector a re-scan brings).
type tokScanner struct{ loud *atomic.Bool }

var (
	tokRe  = regexp.MustCompile(`\[\[(\w+):(\w+)\]\]`)
	loudRe = regexp.MustCompile(`\{\{(\w+):(\w+)\}\}`)
)

func (s tokScanner) Scan(text string) []model.Finding {
	var out []model.Finding
	res := []*regexp.Regexp{tokRe}
	if s.loud != nil && s.loud.Load() {
		res = append(res, loudRe)
	}
	for _, re := range res {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			out = append(out, model.Finding{Type: text[m[2]:m[3]], Severity: model.Severity(text[m[4]:m[5]]),
				Rule: "tok", Start: m[0], End: m[1], Preview: "[[…]]"})
		}
	}
	return out
}

// testStore is the real indexer with knobs: ingest times the test picks
// (JournalEntry.At is the indexer's wall clock), a lagging search index,
// failing UpdateMeta, and call counters.
type testStore struct {
	*indexer.Indexer
	mu         sync.Mutex
	at         map[uint64]time.Time
	indexedCap *uint64
	failUpdate func(sets map[string][]byte) error
	updates    []int // keys per UpdateMeta
	matches    atomic.Int64
	userCalls  atomic.Int64
}

func (s *testStore) Journal(ctx context.Context, after uint64, limit int) ([]indexer.JournalEntry, error) {
	es, err := s.Indexer.Journal(ctx, after, limit)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range es {
		if at, ok := s.at[es[i].Seq]; ok {
			es[i].At = at
		}
	}
	return es, err
}

func (s *testStore) JournalIndexed() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.Indexer.JournalIndexed()
	if s.indexedCap != nil {
		n = min(n, *s.indexedCap)
	}
	return n
}

func (s *testStore) UpdateMeta(sets map[string][]byte) error {
	s.mu.Lock()
	fail := s.failUpdate
	s.mu.Unlock()
	if fail != nil {
		if err := fail(sets); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.updates = append(s.updates, len(sets))
	s.mu.Unlock()
	return s.Indexer.UpdateMeta(sets)
}

func (s *testStore) MatchingMessages(ctx context.Context, req indexer.SearchRequest, ids []string) ([]string, error) {
	s.matches.Add(1)
	return s.Indexer.MatchingMessages(ctx, req, ids)
}

func (s *testStore) User(ctx context.Context, id string) (model.User, error) {
	s.userCalls.Add(1)
	return s.Indexer.User(ctx, id)
}

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

type env struct {
	t    *testing.T
	dir  string
	loud *atomic.Bool
	ix   *indexer.Indexer
	st   *testStore
	ev   *Evaluator
	now  time.Time
	seen uint64 // alerts returned by fired so far
	n    int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), loud: &atomic.Bool{}, now: t0.Add(time.Hour)}
	e.open()
	e.ingest(indexer.OriginSync, t0, baseBatch())
	return e
}

func (e *env) open() {
	e.t.Helper()
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: e.dir, Scanner: tokScanner{e.loud},
		ScanConfigID: "alerts-test", MinFreeBytes: -1})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { ix.Close() })
	e.ix = ix
	e.st = &testStore{Indexer: ix, at: map[uint64]time.Time{}}
	e.ev = New(Options{Store: e.st, Now: func() time.Time { return e.now }})
}

// baseBatch: u1 (alias acct-1) owns c1 (claude.ai chat) and c3 (filed
// under the alias); u2 owns c2 (a Claude Code session); c4 has no owner
// and c5 an owner without a user record.
func baseBatch() indexer.Batch {
	return indexer.Batch{
		Users: []model.User{
			{ID: "u1", Name: "Ada", Email: "Ada@Example.com", Aliases: []string{"acct-1"}},
			{ID: "u2", Email: "bob@example.com"},
		},
		Conversations: []model.Conversation{
			{ID: "c1", Source: model.SourceComplianceAPI, OwnerID: "u1", Model: "claude-sonnet", CreatedAt: t0},
			{ID: "c2", Source: model.SourceComplianceAPI, OwnerID: "u2", Kind: model.KindSession, Product: model.ProductClaudeCode, CreatedAt: t0},
			{ID: "c3", Source: model.SourceExport, OwnerID: "acct-1", Model: "claude-opus", CreatedAt: t0},
			{ID: "c4", Source: model.SourceExport, CreatedAt: t0},
			{ID: "c5", Source: model.SourceExport, OwnerID: "ghost", CreatedAt: t0},
		},
	}
}

// msg makes a human message in conv created at created.
func (e *env) msg(conv string, created time.Time, text string) model.Message {
	e.n++
	return model.Message{ID: conv + "-m" + itoa(e.n), ConversationID: conv, Seq: e.n, Role: model.RoleHuman,
		OnCurrentBranch: true, CreatedAt: created, Blocks: []model.Block{{Type: model.BlockText, Text: text}}}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// ingest writes b with origin and makes its journal entries' ingest time at.
func (e *env) ingest(origin string, at time.Time, b indexer.Batch) {
	e.t.Helper()
	before := e.ix.JournalHead()
	ctx := context.Background()
	if origin != "" {
		ctx = indexer.WithOrigin(ctx, origin)
	}
	if _, err := e.ix.Ingest(ctx, b); err != nil {
		e.t.Fatal(err)
	}
	e.st.mu.Lock()
	for s := before + 1; s <= e.ix.JournalHead(); s++ {
		e.st.at[s] = at
	}
	e.st.mu.Unlock()
}

// live ingests msgs as live sync traffic at at.
func (e *env) live(at time.Time, msgs ...model.Message) {
	e.t.Helper()
	e.ingest(indexer.OriginSync, at, indexer.Batch{Messages: msgs})
}

func (e *env) rule(r model.AlertRule) model.AlertRule {
	e.t.Helper()
	if r.Name == "" {
		r.Name = "rule"
	}
	r.Enabled = true
	r, err := e.ev.PutRule(context.Background(), r)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// drain evaluates until the journal is done (or only waits for the index).
func (e *env) drain() {
	e.t.Helper()
	for range 10000 {
		n, _, waiting, err := e.ev.step(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 || waiting {
			return
		}
	}
	e.t.Fatal("evaluation does not finish")
}

// fired drains and returns the alerts fired since the last call.
func (e *env) fired() []model.Alert {
	e.t.Helper()
	e.drain()
	as, err := After(context.Background(), e.st, e.seen, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(as) > 0 {
		e.seen = as[len(as)-1].Seq
	}
	return as
}

// allMeta returns every alerts/ key, for comparing runs.
func allMeta(t *testing.T, s Store, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err := s.ScanMetaFrom(prefix, "", false, func(k string, v []byte) error { out[k] = string(v); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// wipe deletes the evaluator's alerts, state and cursor (not the rules).
func wipe(t *testing.T, s Store) {
	t.Helper()
	sets := map[string][]byte{keyCursor: nil, keyNext: nil}
	for _, p := range []string{keyFired, keyState} {
		for k := range allMeta(t, s, p) {
			sets[k] = nil
		}
	}
	if err := s.UpdateMeta(sets); err != nil {
		t.Fatal(err)
	}
}

var errInjected = errors.New("injected failure")

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func batchOf(msgs ...model.Message) indexer.Batch { return indexer.Batch{Messages: msgs} }
