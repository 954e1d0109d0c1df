package sessions

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/compliance"
	"github.com/ccsync/ccsync/indexer/internal/killtest"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

var killOpts = Options{ListPageSize: 2, MessagePageSize: 7, RemoteLookback: 10 * 365 * 24 * time.Hour}

// TestSessionsKilledChild is the child half of TestSessionsResumeAfterKill:
// it runs the stream into the directory it is given until it is killed.
func TestSessionsKilledChild(t *testing.T) {
	dir, url := os.Getenv("CCSYNC_SESSIONS_CHILD_DIR"), os.Getenv("CCSYNC_SESSIONS_CHILD_URL")
	if dir == "" {
		t.Skip("child process of TestSessionsResumeAfterKill")
	}
	ctx := context.Background()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: dir, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := compliance.New(compliance.Config{BaseURL: url, Key: testKey, RequestsPerMinute: 1 << 20, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	var last time.Time
	if s, err := ix.Meta("test/last_run"); err == nil {
		last, _ = time.Parse(time.RFC3339Nano, string(s))
	}
	now := time.Now()
	en := &stream.Env{Client: c, Ix: ix, Now: time.Now, Log: discardLogger(), SyncFrom: windowStart,
		RunStart: now, LastRunStart: last, Report: func(func(*stream.State)) {}}
	if err := New(killOpts).Run(ctx, en); err != nil {
		t.Fatal(err)
	}
	t.Fatal("child finished before it was killed; slow the fake down")
}

// TestSessionsResumeAfterKill kills a syncing process with SIGKILL twice,
// at different points, then lets a fresh run finish: the list walk resumes
// from its checkpoint and nothing is lost or stored twice.
func TestSessionsResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	org := genOrg(9, 30, 10)
	e := newEnv(t, org)
	e.clk.Advance(time.Until(e.clk.Now()) * -1) // real time: the children use it
	e.ix.Close()                                // the child owns the directory while it runs
	e.fake.SetLatency(3 * time.Millisecond)
	for i, after := range []int{25, 70} {
		killtest.KillMidRun(t, "TestSessionsKilledChild", []string{"CCSYNC_SESSIONS_CHILD_DIR=" + e.dir, "CCSYNC_SESSIONS_CHILD_URL=" + e.url}, 60*time.Second, func() (bool, string) {
			n := e.fake.Requests()["sessions_local_messages"]
			return n >= after, fmt.Sprintf("child %d made only %d transcript requests", i, n)
		})
	}
	e.fake.SetLatency(0)
	e.open()
	var st state
	if err := loadState(e.ix, &st); err != nil || st.Local.Walk == nil || st.Local.Walk.Page == "" || st.Local.Backfilled {
		t.Fatalf("killed runs left no mid-walk checkpoint: %+v %v", st.Local, err)
	}
	e.opts = killOpts
	e.clk.Advance(time.Since(e.clk.Now()))
	if s := e.run(); s.State != stream.StateDone || s.Skipped != 0 {
		t.Fatalf("resumed run %+v", s)
	}
	lists := e.tap.requests("/sessions/local?")
	if len(lists) == 0 || !strings.Contains(lists[0], "page=page_") {
		t.Errorf("the resumed run did not continue the list walk: %v", lists[:min(1, len(lists))])
	}
	e.verify(nil)
}
