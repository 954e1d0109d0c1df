package indexer

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ccsync/ccsync/indexer/internal/synth"
	"github.com/ccsync/ccsync/model"
)

const retCrashDirEnv = "CCSYNC_RETENTION_CRASH_DIR"

// TestRetentionCrashChild is the child half of TestRetentionSIGKILL: it
// opens the directory (finishing a pending run), runs retention when asked,
// and SIGKILLs itself right after its deletion's Nth commit.
func TestRetentionCrashChild(t *testing.T) {
	dir := os.Getenv(retCrashDirEnv)
	if dir == "" {
		t.Skip("child process of TestRetentionSIGKILL")
	}
	after, _ := strconv.Atoi(os.Getenv("CCSYNC_RETENTION_CRASH_AFTER"))
	commits := 0
	sweepCommitted = func(string) {
		if commits++; commits == after {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	}
	ix, err := Open(context.Background(), Options{Dir: dir, BadgerMemTableMB: 1})
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("CCSYNC_RETENTION_CRASH_RUN") != "" {
		if _, err := ix.RunRetention(context.Background(), yearNow); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("finished after %d commits without being killed", commits)
}

// TestRetentionSIGKILL kills a process mid-run with SIGKILL, then kills the
// next one while Open finishes the run, and checks that the run finished by
// the third Open leaves exactly what an uninterrupted run leaves, with
// Badger and Bleve in agreement.
func TestRetentionSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	ctx := context.Background()
	cutoff := time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC)
	pol := model.RetentionPolicy{DefaultDays: daysBefore(cutoff),
		Rules: []model.RetentionRule{{Name: "flagged", Flagged: true, Days: daysBefore(cutoff) + 120}}}
	prepare := func(dir string) Batch {
		ix, err := Open(ctx, Options{Dir: dir, BadgerMemTableMB: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		b := bigYearOrg()
		if _, err := ix.Ingest(ctx, b); err != nil {
			t.Fatal(err)
		}
		if err := ix.SetRetentionPolicy(ctx, pol); err != nil {
			t.Fatal(err)
		}
		return b
	}
	refDir, dir := t.TempDir(), t.TempDir()
	b := prepare(refDir)
	ref, err := Open(ctx, Options{Dir: refDir, BadgerMemTableMB: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	commits := 0
	sweepCommitted = func(string) { commits++ }
	want, err := ref.RunRetention(ctx, yearNow)
	sweepCommitted = nil
	if commits < 4 {
		t.Fatalf("the run commits %d transactions: too few to kill it twice mid-run", commits)
	}
	if err != nil {
		t.Fatal(err)
	}
	wantLeft := remaining(t, ref, b)
	prepare(dir)

	for i, child := range []struct {
		after int
		run   bool
	}{{3, true}, {2, false}} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRetentionCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), retCrashDirEnv+"="+dir, "CCSYNC_RETENTION_CRASH_AFTER="+strconv.Itoa(child.after))
		if child.run {
			cmd.Env = append(cmd.Env, "CCSYNC_RETENTION_CRASH_RUN=1")
		}
		out, err := cmd.CombinedOutput()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("child %d was not killed mid-run: %v\n%s", i, err, out)
		}
	}
	ix := openTest(t, dir)
	got := remaining(t, ix, b)
	if !slices.Equal(got, wantLeft) {
		t.Fatalf("after two kills and Open %d messages left, an uninterrupted run leaves %d", len(got), len(wantLeft))
	}
	verifyOK(t, ix)
	rs, err := ref.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ix.Stats(ctx)
	if err != nil || st.Messages != rs.Messages || st.Conversations != rs.Conversations {
		t.Fatalf("stats %+v (%v), uninterrupted %+v", st, err, rs)
	}
	for _, r := range []*Indexer{ref, ix} {
		n := doSearch(t, r, SearchRequest{From: MinTime, To: MaxTime, NoFacets: true}).Total
		if int(n) != len(wantLeft) {
			t.Fatalf("search finds %d messages, %d are stored", n, len(wantLeft))
		}
	}
	last, err := ix.LastRetention(ctx)
	if err != nil || last == nil || !last.Now.Equal(yearNow) {
		t.Fatalf("last run %+v %v", last, err)
	}
	sameReport(t, *last, want)
	t.Logf("uninterrupted run: %d transactions, deleted %d messages, %d conversations; partitions %v", commits, want.Messages, want.Conversations, want.Partitions)
}

// bigYearOrg spreads 3,000 messages over 2026: with 1 MB memtables a
// deletion of most of them takes about ten transactions.
func bigYearOrg() Batch {
	org := synth.Generate(synth.Options{Seed: 11, Users: 8, Conversations: 150, MessagesPer: 20, TextBytes: 200,
		SecretEvery: 9, Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Days: 360})
	return Batch{Users: org.Users, Conversations: org.Conversations, Messages: org.Messages}
}

// sameReport: a run finished after crashes reports what an uninterrupted
// run reports (its pending record carries the counts committed so far).
func sameReport(t *testing.T, got, want RetentionReport) {
	t.Helper()
	if got.Messages != want.Messages || got.Conversations != want.Conversations || got.Held != want.Held ||
		!maps.Equal(got.ByRule, want.ByRule) || !reflect.DeepEqual(got.Months, want.Months) ||
		!slices.Equal(got.Partitions, want.Partitions) {
		t.Fatalf("report after the interruption %+v\nuninterrupted %+v", got, want)
	}
}
