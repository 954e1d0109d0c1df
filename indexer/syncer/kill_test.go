package syncer

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/internal/killtest"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

// TestKilledChild is the child half of TestResumeAfterKill: it syncs into
// the directory it is given until the parent kills it.
func TestKilledChild(t *testing.T) {
	dir, url := os.Getenv("CCSYNC_SYNC_CHILD_DIR"), os.Getenv("CCSYNC_SYNC_CHILD_URL")
	if dir == "" {
		t.Skip("child process of TestResumeAfterKill")
	}
	syncUntilKilled(t, dir, url, nil)
}

// syncUntilKilled is the body of this package's killed children. A run that
// returns fails the child, since its parent expects to kill it first.
func syncUntilKilled(t *testing.T, dir, url string, streams []stream.Stream) {
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: dir, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	eng := New(ix, Config{BaseURL: url, Key: testKey, SyncFrom: windowStart, PageSize: 5, Concurrency: 2,
		Logger: discardLogger(), RequestsPerMinute: 1 << 20, Streams: streams})
	if _, err := eng.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Fatal("child finished before it was killed; slow the fake down")
}

// TestResumeAfterKill kills a syncing process with SIGKILL twice, at
// different points, then lets a fresh run finish: nothing may be lost or
// stored twice.
func TestResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	e := newEnv(t, fakeapi.GenOptions{Chats: 80}, 9)
	e.ix.Close() // the child owns the directory while it runs
	e.fake.SetLatency(3 * time.Millisecond)
	for i, after := range []int{15, 40} {
		killtest.KillMidRun(t, "TestKilledChild", []string{"CCSYNC_SYNC_CHILD_DIR=" + e.dir, "CCSYNC_SYNC_CHILD_URL=" + e.url}, 30*time.Second, func() (bool, string) {
			n := e.fake.Requests()["messages"]
			return n >= after, fmt.Sprintf("child %d made only %d message requests", i, n)
		})
	}
	e.fake.SetLatency(0)
	e.open()
	var st state
	if ok, err := getJSON(e.ix, keyState, &st); err != nil || !ok || st.Cursor == "" || st.Phase != phaseBackfill {
		t.Fatalf("killed runs left no mid-walk checkpoint: %+v %v", st, err)
	}
	resumedFrom := st.Chats
	s := e.run(e.engine())
	if s.State != StateDone {
		t.Fatalf("resumed run %+v", s)
	}
	if int64(s.Chats)+resumedFrom < 80 || s.Chats >= 80 {
		t.Errorf("resumed run read %d chats after %d checkpointed; want it to continue, not restart", s.Chats, resumedFrom)
	}
	e.verify(windowStart, nil)
}
