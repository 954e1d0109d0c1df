package files

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
	"github.com/ccsync/ccsync/model"
)

const testKey = "sk-ant-api01-FILES-STREAM-TEST-KEY-0123456789"

var genOpts = fakeapi.GenOptions{Users: 4, Chats: 18, MaxMessages: 6, DeletedEvery: 7, PlantEvery: 3, FileContent: true,
	Start: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}

// env is a real indexer in a temp dir and the fake API on loopback; paths
// records every request the fake received.
type env struct {
	t     *testing.T
	dir   string
	ix    *indexer.Indexer
	org   *fakeapi.Org
	fake  *fakeapi.Server
	url   string
	mu    sync.Mutex
	paths []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	org := fakeapi.Generate(5, genOpts)
	e := &env{t: t, dir: t.TempDir(), org: org, fake: fakeapi.New(org, fakeapi.Options{Key: testKey})}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.paths = append(e.paths, r.URL.Path)
		e.mu.Unlock()
		e.fake.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	e.url = hs.URL
	e.open()
	return e
}

func (e *env) open() {
	e.t.Helper()
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: e.dir, Logger: slog.New(slog.DiscardHandler), MinFreeBytes: -1})
	if err != nil {
		e.t.Fatal(err)
	}
	e.ix = ix
	e.t.Cleanup(func() { ix.Close() })
}

func (e *env) requests() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.paths...)
}

func newClient(t testing.TB, url string) *compliance.Client {
	c, err := compliance.New(compliance.Config{BaseURL: url, Key: testKey, RequestsPerMinute: 1 << 20,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seed stores every chat the way the chat stream does: messages converted
// by the compliance package, their files queued in the same batch.
func seed(t testing.TB, ix *indexer.Indexer, c *compliance.Client) {
	ctx := context.Background()
	after := ""
	for {
		page, err := c.ListChats(ctx, compliance.ListChatsParams{AfterID: after, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range page.Chats {
			conv := ch.Conversation()
			b := indexer.Batch{Conversations: []model.Conversation{conv}}
			if u, ok := ch.Owner(); ok {
				b.Users = append(b.Users, u)
			}
			if !ch.Deleted() {
				full, err := c.ChatMessages(ctx, ch.ID, compliance.MessagesParams{})
				if err != nil {
					t.Fatal(err)
				}
				for i := range full.Messages {
					m := full.Messages[i].ModelMessage(conv.ID, i)
					b.Messages = append(b.Messages, m)
					stream.QueueMessageFiles(&b, &m, false)
				}
			}
			if _, err := ix.Ingest(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		if !page.HasMore || page.LastID == "" {
			return
		}
		after = page.LastID
	}
}

// streamEnv is the Env the engine would pass.
func streamEnv(ix *indexer.Indexer, c *compliance.Client, st *stream.State) *stream.Env {
	var mu sync.Mutex
	return &stream.Env{Client: c, Ix: ix, Now: time.Now, Log: slog.New(slog.DiscardHandler),
		Report: func(update func(*stream.State)) { mu.Lock(); update(st); mu.Unlock() }}
}

func pending(t testing.TB, ix *indexer.Indexer) []string {
	var keys []string
	if err := ix.ScanMeta(stream.PendingFilePrefix(), func(k string, _ []byte) error { keys = append(keys, k); return nil }); err != nil {
		t.Fatal(err)
	}
	return keys
}
