package files

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/internal/killtest"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
	"github.com/ccsync/ccsync/model"
)

// TestFilesKilledChild is the child half of TestFilesResumeAfterKill: it
// runs the files stream on the directory it is given until killed.
func TestFilesKilledChild(t *testing.T) {
	dir, url := os.Getenv("CCSYNC_FILES_CHILD_DIR"), os.Getenv("CCSYNC_FILES_CHILD_URL")
	if dir == "" {
		t.Skip("child process of TestFilesResumeAfterKill")
	}
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler), MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	// One message per ingest, so that a kill lands between stored updates.
	if err := New(Options{Concurrency: 2, BatchMessages: 1}).Run(context.Background(), streamEnv(ix, newClient(t, url), &stream.State{})); err != nil {
		t.Fatal(err)
	}
	t.Fatal("child finished before it was killed; slow the fake down")
}

// TestFilesResumeAfterKill kills a process running the files stream with
// SIGKILL twice, mid-queue, then lets a fresh run finish: every file ends
// with its content, nothing is queued, and the store verifies.
func TestFilesResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	e := newEnv(t)
	seed(t, e.ix, newClient(t, e.url))
	queued := len(pending(t, e.ix))
	msgs, err := e.ix.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e.ix.Close() // the child owns the directory while it runs
	e.fake.SetLatency(20 * time.Millisecond)
	for i, after := range []int{6, 18} {
		killtest.KillMidRun(t, "TestFilesKilledChild", []string{"CCSYNC_FILES_CHILD_DIR=" + e.dir, "CCSYNC_FILES_CHILD_URL=" + e.url}, 60*time.Second, func() (bool, string) {
			n := fileRequests(e.fake)
			return n >= after, fmt.Sprintf("child %d made only %d file requests", i, n)
		})
	}
	e.fake.SetLatency(0)
	e.open()
	left := len(pending(t, e.ix))
	if left == 0 || left >= queued {
		t.Fatalf("killed runs left %d of %d queued; want some done, some not", left, queued)
	}
	verify(t, e.ix)
	var st stream.State
	if err := New(Options{}).Run(context.Background(), streamEnv(e.ix, newClient(t, e.url), &st)); err != nil {
		t.Fatal(err)
	}
	if st.Items != left {
		t.Errorf("resumed run stored %d files, %d were left", st.Items, left)
	}
	if n := len(pending(t, e.ix)); n != 0 {
		t.Errorf("%d still queued", n)
	}
	rep, err := e.ix.Verify(context.Background())
	if err != nil || !rep.OK() || rep.Messages != msgs.Messages || rep.Conversations != msgs.Conversations {
		t.Fatalf("verify after resume: %+v (before %+v) %v", rep, msgs, err)
	}
	for _, ch := range e.org.Chats {
		if ch.DeletedAt != nil {
			continue
		}
		for _, m := range ch.Messages {
			sm, err := e.ix.Message(context.Background(), m.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range sm.Files {
				b := e.org.Blobs[f.ID]
				if want := wantState(b); f.Fetch != want || (want == model.FetchText && f.ExtractedText != string(b.Data)) {
					t.Errorf("%s: %q, want %q", f.ID, f.Fetch, want)
				}
			}
		}
	}
}

// fileRequests counts requests to the three file endpoint families.
func fileRequests(s *fakeapi.Server) int {
	n := s.Requests()
	return n[fakeapi.FamilyFiles] + n[fakeapi.FamilyGeneratedFiles] + n[fakeapi.FamilyArtifacts]
}
