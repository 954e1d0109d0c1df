package jobs

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer"
)

const oneConversation = `[{"uuid":"4f1c2a3b-0000-4000-8000-000000000001","name":"Hello","created_at":"2025-01-02T03:04:05Z",
"updated_at":"2025-01-02T03:04:05Z","account":{"uuid":"acc-1"},"chat_messages":[{"uuid":"4f1c2a3b-0000-4000-8000-000000000002",
"text":"mail me at jo@example.org","sender":"human","created_at":"2025-01-02T03:04:05Z","updated_at":"2025-01-02T03:04:05Z"}]}]`

// The importer stores the export, then removes the API's spool directory —
// and only that: a directory without the spool prefix is left alone.
func TestImporterRunsJobAndCleansSpoolOnly(t *testing.T) {
	root := t.TempDir()
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: filepath.Join(root, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	im := &Importer{Indexer: ix, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	// "mine" first: by the time the spool of the second job is gone, the
	// first job's goroutine has long returned.
	for _, name := range []string{"mine", api.UploadDirPrefix + "123"} {
		dir := filepath.Join(root, name)
		os.MkdirAll(dir, 0o700)
		os.WriteFile(filepath.Join(dir, "conversations.json"), []byte(oneConversation), 0o600)
		events, _, cancel := ix.Subscribe()
		job, err := im.Import(context.Background(), []string{filepath.Join(dir, "conversations.json")})
		if err != nil {
			t.Fatal(err)
		}
		waitDone(t, events, job)
		cancel()
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(root, api.UploadDirPrefix+"123")); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("spool directory not removed after its job")
		}
	}
	if _, err := os.Stat(filepath.Join(root, "mine", "conversations.json")); err != nil {
		t.Fatalf("a directory outside the spool was touched: %v", err)
	}
	if m, err := ix.Message(context.Background(), "4f1c2a3b-0000-4000-8000-000000000002"); err != nil || len(m.Findings) != 1 {
		t.Fatalf("imported message %+v, %v", m, err)
	}
}

func waitDone(t *testing.T, events <-chan indexer.Event, job string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Job == job && e.State != "running" && e.State != "waiting" {
				if e.State != "done" {
					t.Fatalf("job %s ended %s: %s", job, e.State, e.Message)
				}
				return
			}
		case <-timeout:
			t.Fatalf("job %s did not finish", job)
		}
	}
}

// terminal waits for the job's first event that is neither running nor
// waiting.
func terminal(t *testing.T, events <-chan indexer.Event, job string) indexer.Event {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Job == job && e.State != "running" && e.State != "waiting" {
				return e
			}
		case <-timeout:
			t.Fatalf("job %s did not end", job)
		}
	}
}

// TestImporterFailedJobSaysWhy: an upload that gets past the cheap checks
// but cannot be imported used to end "done" (or, when the importer stopped
// early, with no event at all), the reason only in the server log. The
// job's last event is "failed" and its message names the file, the byte
// offset and the reason — the file as uploaded, not the server's spool path.
func TestImporterFailedJobSaysWhy(t *testing.T) {
	root := t.TempDir()
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: filepath.Join(root, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	im := &Importer{Indexer: ix, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, tc := range []struct {
		name    string
		content *string // nil: the file is missing
		want    []string
	}{
		{"absurdly deep", ptr(strings.Repeat("[", 20000) + strings.Repeat("]", 20000)), []string{"conversations.json", "at byte 1", "nesting deeper than 256 levels"}},
		{"malformed JSON", ptr(`[{"uuid":"c1" "chat_messages":[]}]`), []string{"conversations.json", "invalid JSON at byte"}},
		{"truncated", ptr(`[{"uuid":"c1","chat_messages":[`), []string{"conversations.json", "truncated", "byte 31"}},
		{"no input at all", nil, []string{"no conversations.json or users.json found", "conversations.json: no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spool, err := os.MkdirTemp(root, api.UploadDirPrefix)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(spool, "conversations.json")
			if tc.content != nil {
				os.WriteFile(p, []byte(*tc.content), 0o600)
			}
			events, _, cancel := ix.Subscribe()
			defer cancel()
			job, err := im.Import(context.Background(), []string{p})
			if err != nil {
				t.Fatal(err)
			}
			e := terminal(t, events, job)
			if e.State != "failed" || e.Kind != "import" {
				t.Fatalf("job ended %s (%s): %q, want failed", e.State, e.Kind, e.Message)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.Message, w) {
					t.Errorf("message %q lacks %q", e.Message, w)
				}
			}
			if strings.Contains(e.Message, spool) || strings.Contains(e.Message, root) {
				t.Errorf("message %q shows the server's spool path", e.Message)
			}
		})
	}
}

func ptr(s string) *string { return &s }
