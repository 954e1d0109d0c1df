package sessions

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
	"github.com/ccsync/ccsync/model"
)

const testKey = "sk-ant-api01-SESSIONS-TEST-KEY-never-in-logs-0123456789"

var windowStart = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// clock is the shared clock of the fake API and the stream; client sleeps
// advance it instead of blocking.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
func (c *clock) Sleep(ctx context.Context, d time.Duration) error { c.Advance(d); return ctx.Err() }

// tap lets a test see (and act before) every request the client sends.
type tap struct {
	mu     sync.Mutex
	seen   []string
	before func(r *http.Request)
}

func (t *tap) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.seen = append(t.seen, r.URL.Path+"?"+r.URL.RawQuery)
	f := t.before
	t.mu.Unlock()
	if f != nil {
		f(r)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (t *tap) requests(substr string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, s := range t.seen {
		if strings.Contains(s, substr) {
			out = append(out, s)
		}
	}
	return out
}

type env struct {
	t        testing.TB
	dir      string
	ix       *indexer.Indexer
	fake     *fakeapi.Server
	url      string
	clk      *clock
	tap      *tap
	last     time.Time // previous run's start
	opts     Options
	capLimit int // sessions per hour; 0: no cap
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func genOrg(seed uint64, local, remote int) *fakeapi.Org {
	return fakeapi.Generate(seed, fakeapi.GenOptions{Users: 4, Chats: 1, Sessions: local, RemoteSessions: remote, Start: windowStart,
		End: windowStart.Add(20 * 24 * time.Hour)})
}

func newEnv(t testing.TB, org *fakeapi.Org) *env {
	t.Helper()
	clk := &clock{now: windowStart.Add(25 * 24 * time.Hour)}
	fake := fakeapi.New(org, fakeapi.Options{Key: testKey, Now: clk.Now})
	hs := httptest.NewServer(fake)
	t.Cleanup(hs.Close)
	e := &env{t: t, dir: t.TempDir(), fake: fake, url: hs.URL, clk: clk, tap: &tap{}}
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

func (e *env) client() *compliance.Client {
	c, err := compliance.New(compliance.Config{BaseURL: e.url, Key: testKey, RequestsPerMinute: 1 << 20,
		HTTPClient: &http.Client{Transport: e.tap}, Now: e.clk.Now, Sleep: e.clk.Sleep, Logger: discardLogger()})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// run runs the stream once, as the engine would, and returns its state.
func (e *env) run() stream.State {
	e.t.Helper()
	st, err := e.runErr(context.Background())
	if err != nil {
		e.t.Fatalf("run: %v (state %+v)", err, st)
	}
	return st
}

func (e *env) runErr(ctx context.Context) (stream.State, error) {
	var mu sync.Mutex
	st := stream.State{Name: Name, State: stream.StateIdle}
	start := e.clk.Now()
	cp, err := stream.LoadCap(e.ix, Name, e.capLimit)
	if err != nil {
		return st, err
	}
	en := &stream.Env{Client: e.client(), Ix: e.ix, Now: e.clk.Now, Log: discardLogger(), SyncFrom: windowStart,
		RunStart: start, LastRunStart: e.last, Cap: cp,
		Report: func(f func(*stream.State)) { mu.Lock(); f(&st); mu.Unlock() }}
	err = New(e.opts).Run(ctx, en)
	if err == nil {
		e.last = start
	}
	e.clk.Advance(time.Hour)
	return st, err
}

// verify checks the store holds every served session (local non-empty,
// remote not pending) once, each served message once with Seq in served
// order, plus the archived extra messages listed in keep (session id ->
// ids that must still be there), and that Verify finds the indexer sound.
func (e *env) verify(keep map[string][]string) {
	e.t.Helper()
	ctx := context.Background()
	local, remote := e.fake.Sessions()
	type served struct {
		id  string
		ids []string
	}
	var all []served
	for _, l := range local {
		var ids []string
		for _, m := range l.Messages {
			ids = append(ids, m.ID)
		}
		all = append(all, served{l.ID, ids})
	}
	for _, r := range remote {
		if r.Status == "pending" {
			continue
		}
		var ids []string
		for _, m := range r.Messages {
			ids = append(ids, m.ID)
		}
		all = append(all, served{r.ID, ids})
	}
	for _, s := range all {
		conv, err := e.ix.Conversation(ctx, s.id)
		if err != nil {
			e.t.Errorf("session %s missing: %v", s.id, err)
			continue
		}
		if conv.Kind != model.KindSession {
			e.t.Errorf("session %s stored as kind %q", s.id, conv.Kind)
		}
		msgs, err := e.ix.Messages(ctx, s.id)
		if err != nil {
			e.t.Fatal(err)
		}
		pos := map[string]int{}
		for i, m := range msgs {
			if _, dup := pos[m.ID]; dup {
				e.t.Errorf("session %s: message %s stored twice", s.id, m.ID)
			}
			pos[m.ID] = i
			if m.Seq != i {
				// Messages() returns Seq order; Seqs need not be dense
				// but must be distinct.
				if i > 0 && msgs[i-1].Seq >= m.Seq {
					e.t.Errorf("session %s: seq not increasing at %d", s.id, i)
				}
			}
		}
		prev := -1
		for _, id := range s.ids {
			p, ok := pos[id]
			if !ok {
				e.t.Errorf("session %s: served message %s not stored", s.id, id)
				continue
			}
			if p <= prev {
				e.t.Errorf("session %s: message %s out of order", s.id, id)
			}
			prev = p
		}
		for _, id := range keep[s.id] {
			if _, ok := pos[id]; !ok {
				e.t.Errorf("session %s: archived message %s lost", s.id, id)
			}
		}
		if want := len(s.ids) + len(keep[s.id]); len(msgs) != want {
			e.t.Errorf("session %s: %d messages stored, want %d", s.id, len(msgs), want)
		}
	}
	rep, err := e.ix.Verify(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if !rep.OK() {
		e.t.Errorf("indexer verify: %v", rep.Problems)
	}
}
