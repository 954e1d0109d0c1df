package syncer

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/keystore"
)

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.b.Bytes()...)
}

// TestKeyNeverLeaks saves the key through the UI path, syncs through faults
// that log, then looks for the key in the logs, the summaries and every byte
// under the data directory.
func TestKeyNeverLeaks(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 20}, 10)
	var logs lockedBuf
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.ix.Close()
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: e.dir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keystore.Open(keystore.Options{Dir: e.dir, Meta: ix})
	if err != nil {
		t.Fatal(err)
	}
	e.cfg.Key, e.cfg.Keys, e.cfg.Logger = "", keys, log
	eng := New(ix, e.cfg)
	ctx := context.Background()

	if _, err := eng.SaveKey(ctx, "sk-ant-api01-wrong-key-0000000000"); !errors.Is(err, compliance.ErrUnauthorized) {
		t.Fatalf("SaveKey with a bad key: %v", err)
	}
	if _, err := eng.RunOnce(ctx); !errors.Is(err, ErrNoKey) {
		t.Fatalf("a rejected key was saved: %v", err)
	}
	hint, err := eng.SaveKey(ctx, testKey)
	if err != nil || hint != "sk-ant-a••••" {
		t.Fatalf("SaveKey: %q %v", hint, err)
	}
	e.fake.RateLimitNext(2, 1)
	e.fake.FailNext(2, 500)
	snap := e.fake.Snapshot()
	e.fake.SetChatFault(snap.Chats[4].ID, fakeapi.FaultServerError)
	s, err := eng.RunOnce(ctx)
	if err != nil || s.Chats == 0 || s.Skipped != 1 {
		t.Fatalf("run with saved key: %+v %v", s, err)
	}
	st, err := eng.Status()
	if err != nil || st.KeyHint != hint {
		t.Fatalf("status %+v %v", st, err)
	}
	sj, _ := json.Marshal(st)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	secretParts := [][]byte{[]byte(testKey), []byte(testKey[13:])}
	for _, p := range secretParts {
		if bytes.Contains(logs.Bytes(), p) {
			t.Errorf("logs contain the key")
		}
		if bytes.Contains(sj, p) {
			t.Errorf("status contains the key")
		}
	}
	if !bytes.Contains(logs.Bytes(), []byte("compliance api")) {
		t.Errorf("no client logs captured; the check above proves nothing:\n%s", logs.Bytes())
	}
	files := 0
	err = filepath.WalkDir(e.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, part := range secretParts {
			if bytes.Contains(b, part) {
				t.Errorf("%s contains the key in plaintext", strings.TrimPrefix(p, e.dir))
			}
		}
		return nil
	})
	if err != nil || files < 3 {
		t.Fatalf("walked %d files: %v", files, err)
	}
}

func TestAutoToggleAndSchedule(t *testing.T) {
	e := newEnv(t, fakeapi.GenOptions{Chats: 6}, 11)
	e.cfg.Interval = time.Hour
	eng := e.engine()
	if err := eng.SetAuto(true); err != nil {
		t.Fatal(err)
	}
	// The setting survives a new engine (a restart).
	if set, err := e.engine().Settings(); err != nil || !set.Auto {
		t.Fatalf("auto not persisted: %+v %v", set, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Schedule(ctx); close(done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, _ := eng.Status()
		if st.LastRun != nil && st.LastRun.State == StateDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("scheduler did not run a sync")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	e.verify(windowStart, nil)
}

func TestDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	demo, err := fakeapi.StartDemo(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer demo.Stop()
	url, key := demo.URL, demo.Key
	ix, err := indexer.Open(ctx, indexer.Options{Dir: t.TempDir(), Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	eng := New(ix, Config{BaseURL: url, Key: key, SyncFrom: time.Now().Add(-30 * 24 * time.Hour), Logger: discardLogger(),
		RequestsPerMinute: 1 << 20})
	s, err := eng.RunOnce(ctx)
	if err != nil || s.Chats != 120 || s.Messages == 0 {
		t.Fatalf("demo sync %+v %v", s, err)
	}
	st, _ := ix.Stats(ctx)
	if st.FlaggedMessages == 0 {
		t.Errorf("demo organisation produced no detections: %+v", st)
	}
}
