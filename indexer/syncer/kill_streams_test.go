package syncer

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/compliance/fakeapi"
	"github.com/ccsync/ccsync/indexer/internal/killtest"
	"github.com/ccsync/ccsync/indexer/syncer/stream"
)

// killStreams are the streams of TestAllStreamsResumeAfterKill, in the
// child and in the parent's resumed run alike. One chat per page: together
// they need twice as many list requests as the test lets the children make,
// so one of them is always cut mid-walk.
func killStreams() []stream.Stream {
	return []stream.Stream{&pager{name: "side-a", limit: 1}, &pager{name: "side-b", limit: 1}}
}

// TestAllStreamsKilledChild is the child half of TestAllStreamsResumeAfterKill.
func TestAllStreamsKilledChild(t *testing.T) {
	dir, url := os.Getenv("CCSYNC_STREAMS_CHILD_DIR"), os.Getenv("CCSYNC_STREAMS_CHILD_URL")
	if dir == "" {
		t.Skip("child process of TestAllStreamsResumeAfterKill")
	}
	syncUntilKilled(t, dir, url, killStreams())
}

// TestAllStreamsResumeAfterKill kills a process syncing chats and two other
// streams concurrently with SIGKILL twice, then lets a fresh run finish:
// every stream resumes from its own checkpoint, and nothing is lost or
// stored twice (the chat store matches the fake; each stream's running
// count equals the chats it was shown, one marker each).
func TestAllStreamsResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	const chats = 60
	e := newEnv(t, fakeapi.GenOptions{Chats: chats}, 42)
	e.ix.Close() // the child owns the directory while it runs
	e.fake.SetLatency(3 * time.Millisecond)
	for i, after := range []int{20, 45} {
		killtest.KillMidRun(t, "TestAllStreamsKilledChild", []string{"CCSYNC_STREAMS_CHILD_DIR=" + e.dir, "CCSYNC_STREAMS_CHILD_URL=" + e.url}, 30*time.Second, func() (bool, string) {
			n := e.fake.Requests()["chats"]
			return n >= after, fmt.Sprintf("child %d made only %d list requests", i, n)
		})
	}
	e.fake.SetLatency(0)
	e.open()
	var st state
	if ok, err := getJSON(e.ix, keyState, &st); err != nil || !ok || st.Cursor == "" {
		t.Fatalf("killed runs left no mid-walk chat checkpoint: %+v %v", st, err)
	}
	midway := 0
	for _, s := range killStreams() {
		var ps pagerState
		if _, err := stream.LoadJSON(e.ix, stream.StateKey(s.Name()), &ps); err != nil {
			t.Fatal(err)
		}
		if ps.Count > 0 && !ps.Done {
			midway++
		}
	}
	if midway == 0 {
		t.Fatalf("no stream was killed in the middle of its walk; the test proves nothing")
	}
	e.cfg.Streams = killStreams()
	s := e.run(e.engine())
	if s.State != StateDone || s.Chats >= chats {
		t.Fatalf("resumed run %+v, want it to continue the chat walk, not restart", s)
	}
	e.verify(windowStart, nil)
	snap := e.fake.Snapshot()
	for _, str := range killStreams() {
		name := str.Name()
		var ps pagerState
		if _, err := stream.LoadJSON(e.ix, stream.StateKey(name), &ps); err != nil {
			t.Fatal(err)
		}
		inWindow := 0
		for _, c := range snap.Chats {
			if c.CreatedAt.Before(windowStart) {
				continue
			}
			inWindow++
			if b, err := e.ix.Meta(seenKey(name, c.ID)); err != nil || len(b) == 0 {
				t.Errorf("%s never stored chat %s", name, c.ID)
			}
		}
		if !ps.Done || ps.Count != inWindow {
			t.Errorf("%s: %+v, want done having counted each of the %d chats once", name, ps, inWindow)
		}
		if st := streamState(s, name); st.State != stream.StateDone {
			t.Errorf("%s: %+v", name, st)
		}
	}
}
