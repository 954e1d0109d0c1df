package syncer

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
)

const testKey = "sk-ant-api01-SYNCER-TEST-KEY-never-in-logs-0123456789abcdef"

var windowStart = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// env is a real indexer in a temp dir and the fake API on loopback.
type env struct {
	t    *testing.T
	dir  string
	ix   *indexer.Indexer
	fake *fakeapi.Server
	url  string
	org  *fakeapi.Org
	cfg  Config
	clk  *clock
}

// clock is the engine's clock; sleeps are recorded and advance it instead of
// blocking, so 60 s backoffs cost nothing.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t *testing.T, gen fakeapi.GenOptions, seed uint64) *env {
	t.Helper()
	if gen.Start.IsZero() {
		gen.Start = windowStart
	}
	return newEnvOrg(t, fakeapi.Generate(seed, gen))
}

// newEnvOrg is newEnv serving a given organisation.
func newEnvOrg(t *testing.T, org *fakeapi.Org) *env {
	t.Helper()
	fake := fakeapi.New(org, fakeapi.Options{Key: testKey})
	hs := httptest.NewServer(fake)
	t.Cleanup(hs.Close)
	e := &env{t: t, dir: t.TempDir(), fake: fake, url: hs.URL, org: fake.Snapshot(),
		clk: &clock{now: time.Now().UTC().Truncate(time.Second)}}
	e.cfg = Config{BaseURL: hs.URL, Key: testKey, SyncFrom: windowStart, PageSize: 10, Logger: discardLogger(),
		Now: e.clk.Now, RequestsPerMinute: 1 << 20, Client: compliance.Config{Sleep: e.clk.Sleep}}
	e.open()
	return e
}

func (e *env) open() {
	e.t.Helper()
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: e.dir, Logger: discardLogger()})
	if err != nil {
		e.t.Fatal(err)
	}
	e.ix = ix
	e.t.Cleanup(func() { ix.Close() })
}

func (e *env) engine() *Engine { return New(e.ix, e.cfg) }

func (e *env) run(eng *Engine) *Summary {
	e.t.Helper()
	s, err := eng.RunOnce(context.Background())
	if err != nil {
		e.t.Fatalf("run: %v (summary %+v)", err, s)
	}
	return s
}

// verify checks the store holds exactly what the fake serves for chats in
// [from, ∞): every chat once, every message once, in order; deleted chats
// keep what was stored before (keep maps chat id -> message count expected).
func (e *env) verify(from time.Time, keep map[string]int) {
	e.t.Helper()
	ctx := context.Background()
	snap := e.fake.Snapshot()
	wantConvs, wantMsgs := 0, 0
	for _, c := range snap.Chats {
		if c.CreatedAt.Before(from) {
			if _, err := e.ix.Conversation(ctx, c.UUID); err == nil {
				e.t.Errorf("chat %s created %s before sync-from %s was stored", c.ID, c.CreatedAt, from)
			}
			continue
		}
		wantConvs++
		conv, err := e.ix.Conversation(ctx, c.UUID)
		if err != nil {
			e.t.Errorf("chat %s (%s) missing: %v", c.ID, c.UUID, err)
			continue
		}
		if conv.ExternalID != c.ID || (conv.DeletedAt != nil) != (c.DeletedAt != nil) {
			e.t.Errorf("chat %s stored as %+v", c.ID, conv)
		}
		msgs, err := e.ix.Messages(ctx, c.UUID)
		if err != nil {
			e.t.Fatal(err)
		}
		want := len(c.Messages)
		if c.DeletedAt != nil {
			want = keep[c.ID]
		}
		wantMsgs += want
		if len(msgs) != want {
			e.t.Errorf("chat %s: %d messages stored, want %d", c.ID, len(msgs), want)
			continue
		}
		if c.DeletedAt == nil {
			for i, m := range msgs {
				if m.ID != c.Messages[i].ID || m.Seq != i {
					e.t.Errorf("chat %s message %d is %s (seq %d), want %s", c.ID, i, m.ID, m.Seq, c.Messages[i].ID)
				}
			}
		}
	}
	st, err := e.ix.Stats(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if st.Conversations != wantConvs || st.Messages != wantMsgs {
		e.t.Errorf("store holds %d conversations and %d messages, want %d and %d (duplicates or loss)",
			st.Conversations, st.Messages, wantConvs, wantMsgs)
	}
}
