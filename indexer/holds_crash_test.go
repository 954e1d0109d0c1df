package indexer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/internal/killtest"
	"github.com/ccsync/ccsync/model"
)

const (
	holdCrashDirEnv   = "CCSYNC_HOLD_CRASH_DIR"
	holdCrashPointEnv = "CCSYNC_HOLD_CRASH_POINT"
)

// TestHoldCrashChild is the child half of TestHoldCrash: it places (or
// releases) a hold and stops at the named point until it is killed.
func TestHoldCrashChild(t *testing.T) {
	dir, point := os.Getenv(holdCrashDirEnv), os.Getenv(holdCrashPointEnv)
	if dir == "" {
		t.Skip("child half of TestHoldCrash")
	}
	holdCrashPoint = func(p string) {
		if p == point {
			if err := os.WriteFile(filepath.Join(dir, "reached"), nil, 0o600); err != nil {
				panic(err)
			}
			select {} // wait for SIGKILL
		}
	}
	ix, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	h := model.Hold{Matter: "crash", Reason: "r", Query: &model.HoldQuery{Text: "merger"}}
	if point == "released" {
		placed, err := ix.AddHold(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ix.ReleaseHold(context.Background(), placed.ID, "admin", "settled")
		t.Fatalf("release returned (%v) instead of stopping", err)
	}
	_, err = ix.AddHold(context.Background(), h)
	t.Fatalf("AddHold returned (%v) instead of stopping at %s", err, point)
}

// TestHoldCrash kills a process between a hold's transactions (query keys
// written, record not; record written, keys not settled; release committed,
// keys not removed) and checks the reopened store: holds cover exactly what
// their records say, Verify agrees, and the next AddHold settles the rest.
func TestHoldCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("child-process crash test")
	}
	ctx := context.Background()
	for _, tc := range []struct {
		point     string
		active    int    // holds in force after the crash
		held      string // messages they cover
		keysAfter int    // hm/ keys once the next hold settled them
	}{
		{"query-keys-written", 0, "", 0},
		{"placed", 1, "ca1-m0,cb1-m1,cb2-m0", 3},
		{"released", 0, "", 0},
	} {
		t.Run(tc.point, func(t *testing.T) {
			dir := t.TempDir()
			holdFixtureAt(t, dir).Close()
			killtest.KillMidRun(t, "TestHoldCrashChild", []string{holdCrashDirEnv + "=" + dir, holdCrashPointEnv + "=" + tc.point},
				time.Minute, func() (bool, string) {
					_, err := os.Stat(filepath.Join(dir, "reached"))
					return err == nil, "child never reached " + tc.point
				})
			ix := openTest(t, dir)
			hs, err := ix.Holds(ctx, false)
			if err != nil || len(hs) != tc.active {
				t.Fatalf("after the crash: %d active holds (%v), want %d", len(hs), err, tc.active)
			}
			if got := heldIDs(t, ix); got != tc.held {
				t.Fatalf("after the crash the holds cover %q, want %q", got, tc.held)
			}
			if rep, err := ix.Verify(ctx); err != nil || !rep.OK() {
				t.Fatalf("verify after the crash: %q, %v", rep.Problems, err)
			}
			// The crash left the keys and the marker that names them.
			if n, m := countPrefix(t, ix, pHoldMem), countPrefix(t, ix, pMeta+mHoldPending); n != 3 || m != 1 {
				t.Fatalf("after the crash: %d query keys and %d markers, want 3 and 1", n, m)
			}
			addHold(t, ix, model.Hold{Conversations: []string{"nothing"}})
			if n := countPrefix(t, ix, pHoldMem); n != tc.keysAfter || countPrefix(t, ix, pHoldMsg) != n {
				t.Fatalf("%d query keys after the next hold, want %d", n, tc.keysAfter)
			}
			if n := countPrefix(t, ix, pMeta+mHoldPending); n != 0 {
				t.Fatalf("%d pending markers after the next hold", n)
			}
			if rep, err := ix.Verify(ctx); err != nil || !rep.OK() {
				t.Fatalf("verify after settling: %q, %v", rep.Problems, err)
			}
		})
	}
}
