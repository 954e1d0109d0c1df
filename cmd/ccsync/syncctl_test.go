package main

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer"
	"github.com/ccsync/ccsync/indexer/syncer"
)

// TestStopJoinsScheduler: the stop function startSync returns must not
// return while the scheduler goroutine still runs, or the scheduler could
// start a run on an indexer being closed. The scheduler here is held after
// its context ends until the test releases it.
func TestStopJoinsScheduler(t *testing.T) {
	ctx := context.Background() // the server's context stays live: stop alone must end the scheduler
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	ix, err := indexer.Open(ctx, indexer.Options{Dir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	cancelled, release := make(chan struct{}), make(chan struct{})
	var exited atomic.Bool
	orig := schedule
	t.Cleanup(func() { schedule = orig })
	schedule = func(ctx context.Context, _ *syncer.Engine) {
		<-ctx.Done()
		close(cancelled)
		<-release
		exited.Store(true)
	}
	_, stop, err := startSync(ctx, ix, testSettings(dir), "", quiet, false)
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan bool, 1) // whether the scheduler had exited when stop returned
	go func() {
		stop()
		stopped <- exited.Load()
	}()
	select {
	case ok := <-stopped:
		t.Fatalf("stop returned without stopping the scheduler (exited: %v)", ok)
	case <-cancelled:
	case <-time.After(20 * time.Second):
		t.Fatal("stop neither returned nor cancelled the scheduler")
	}
	close(release)
	select {
	case ok := <-stopped:
		if !ok {
			t.Fatal("stop returned before the scheduler exited")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("stop did not return after the scheduler exited")
	}
}

// testSettings is the keyset-related configuration with everything default.
func testSettings(dir string) map[string]*string {
	empty := ""
	return map[string]*string{"data": &dir, "api-base": &empty, "keyset": &empty, "kek-file": &empty}
}
