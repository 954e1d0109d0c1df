package export

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/model"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

// memSink is an in-memory upsert store standing in for the indexer where the
// test is about the import, not storage: it keeps the latest record per id and
// counts changed and unchanged records the way Ingest reports them.
type memSink struct {
	mu      sync.Mutex
	batches []indexer.Batch
	users   map[string]model.User
	convs   map[string]model.Conversation
	msgs    map[string]model.Message
	failAt  int // fail the n-th Ingest call (1-based); 0 never
	calls   int
}

func newMemSink() *memSink {
	return &memSink{users: map[string]model.User{}, convs: map[string]model.Conversation{}, msgs: map[string]model.Message{}}
}

func (s *memSink) Ingest(ctx context.Context, b indexer.Batch) (indexer.IngestResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.failAt == s.calls {
		return indexer.IngestResult{}, errSinkFull
	}
	s.batches = append(s.batches, b)
	var r indexer.IngestResult
	for _, u := range b.Users {
		if old, ok := s.users[u.ID]; ok && sameJSON(old, u) {
			r.Unchanged++
		} else {
			r.Users++
		}
		s.users[u.ID] = u
	}
	for _, c := range b.Conversations {
		if old, ok := s.convs[c.ID]; ok && sameJSON(old, c) {
			r.Unchanged++
		} else {
			r.Conversations++
		}
		s.convs[c.ID] = c
	}
	for _, m := range b.Messages {
		if old, ok := s.msgs[m.ID]; ok && sameJSON(old, m) {
			r.Unchanged++
		} else {
			r.Messages++
		}
		s.msgs[m.ID] = m
	}
	return r, nil
}

type errString string

func (e errString) Error() string { return string(e) }

const errSinkFull = errString("sink full")

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// eventLog records published events.
type eventLog struct {
	mu     sync.Mutex
	events []indexer.Event
}

func (l *eventLog) Publish(e indexer.Event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

// writeFile writes data under dir and returns its path.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zipEntry is one file to put in a test zip; Method defaults to Deflate.
type zipEntry struct {
	Name   string
	Data   []byte
	Method uint16
}

// writeZip builds a zip the way exports are delivered: DEFLATE entries, no
// directory entries.
func writeZip(t testing.TB, dir, name string, entries ...zipEntry) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		m := e.Method
		if m == 0 {
			m = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, name, buf.Bytes())
}

// runImport imports paths into sink with small progress intervals.
func runImport(t testing.TB, sink Sink, lim Limits, paths ...string) (*Report, *eventLog) {
	t.Helper()
	ev := &eventLog{}
	rep, err := Import(context.Background(), paths, Options{Sink: sink, Events: ev, Job: "test", Limits: lim,
		ProgressEvery: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("Import(%v): %v", paths, err)
	}
	return rep, ev
}
