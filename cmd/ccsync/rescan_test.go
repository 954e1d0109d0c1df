package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// noEmailConfig writes a detector configuration with the email detector
// off: what a store ingested under it lacks, a re-scan with the default
// configuration must add.
func noEmailConfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "scan.json")
	if err := os.WriteFile(p, []byte(`{"disable":["email"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRescanCommand: after a detector configuration change, --status counts
// every message stale; a re-scan finds what the old configuration missed,
// leaves nothing stale, and verify passes; a second run has nothing to do.
func TestRescanCommand(t *testing.T) {
	dir := t.TempDir()
	in, n := writeExport(t, t.TempDir(), 3, 6)
	conf := noEmailConfig(t)
	if code, out, errs := runCLI(t, append([]string{"import", "--data", dir, "--scan-config", conf}, in...)...); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	before := openAndVerify(t, dir, "import without email")
	if before.Stats.FindingsPerType["email"] != 0 {
		t.Fatalf("email disabled, yet stats %+v", before.Stats.FindingsPerType)
	}
	if code, out, _ := runCLI(t, "rescan", "--data", dir, "--scan-config", conf, "--status"); code != 0 ||
		!strings.Contains(out, fmt.Sprintf(": 0 of %d messages", n)) {
		t.Fatalf("status under the same config: %d %s", code, out)
	}
	if code, out, _ := runCLI(t, "rescan", "--data", dir, "--status"); code != 0 ||
		!strings.Contains(out, fmt.Sprintf(": %d of %d messages", n, n)) {
		t.Fatalf("status under another config: %d %s", code, out)
	}
	code, out, errs := runCLI(t, "rescan", "--data", dir)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("rescan done: %d messages re-scanned", n)) {
		t.Fatalf("rescan: %d %s %s", code, out, errs)
	}
	after := openAndVerify(t, dir, "after rescan")
	if after.Stats.FindingsPerType["email"] == 0 || after.Stats.FlaggedMessages <= before.Stats.FlaggedMessages {
		t.Fatalf("rescan found no email: before %+v after %+v", before.Stats, after.Stats)
	}
	if code, out, _ := runCLI(t, "verify", "--data", dir); code != 0 {
		t.Fatalf("verify after rescan: %d %s", code, out)
	}
	if code, out, _ := runCLI(t, "rescan", "--data", dir); code != 0 || !strings.Contains(out, "rescan done: 0 messages re-scanned") {
		t.Fatalf("second rescan: %d %s", code, out)
	}
	if code, _, _ := runCLI(t, "rescan", "--data", dir, "--all", "--status"); code != 2 {
		t.Fatalf("--all with --status: exit %d, want 2", code)
	}
}

// TestCrashRescan kills `ccsync rescan` at random moments while it re-scans
// a store ingested with the email detector off, always on the same data
// directory, so each run resumes the one before. After every kill the
// store must open consistent (verify); after a last, uninterrupted run it
// must equal a clean import of the same export with the default detectors:
// the same records, findings and counters.
func TestCrashRescan(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns and kills child processes")
	}
	t.Parallel()
	convs := 200 // about 4,000 messages: many batches of 256
	if raceBuild() {
		convs = 60
	}
	in, _ := writeExport(t, t.TempDir(), 4, convs)
	conf := noEmailConfig(t)
	golden := t.TempDir()
	if code, out, errs := runCLI(t, append([]string{"import", "--data", golden, "--scan-config", conf}, in...)...); code != 0 {
		t.Fatalf("seed import: %d %s %s", code, out, errs)
	}
	fresh := t.TempDir()
	if code, out, errs := runCLI(t, append([]string{"import", "--data", fresh}, in...)...); code != 0 {
		t.Fatalf("clean import: %d %s %s", code, out, errs)
	}
	want := openAndCheck(t, fresh, "clean import with the default detectors")
	copyDir := func() string {
		d := filepath.Join(t.TempDir(), "data")
		if err := os.CopyFS(d, os.DirFS(golden)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	const started = "rescan: starting"

	ref := copyDir()
	took, out := runChild(t, started, "rescan", "--data", ref)
	if !strings.Contains(out, "rescan done: ") {
		t.Fatalf("reference rescan: %s", out)
	}
	if diff := diffState(openAndCheck(t, ref, "reference rescan"), want); diff != "" {
		t.Fatalf("an uninterrupted rescan does not give what a clean import with the same detectors gives: %s", diff)
	}
	t.Logf("reference rescan of %d messages: %s", len(want.Messages), took.Round(time.Millisecond))

	r := crashRand(t)
	dir := copyDir()
	window := took
	kills, finished := 0, 0
	for round := 0; kills < 10; round++ {
		if round >= 30 {
			t.Fatalf("only %d of %d kills landed mid-rescan", kills, round)
		}
		d := time.Duration(r.Int64N(int64(window)))
		killed, ran := killAfter(t, started, d, "rescan", "--data", dir)
		if killed {
			kills++
		} else {
			finished++
			window = ran
		}
		openAndVerify(t, dir, fmt.Sprintf("rescan round %d (kill after %s)", round, d.Round(time.Millisecond)))
		if finished > 0 && !killed {
			// Everything is re-scanned: start over on a fresh copy, so
			// the kills keep landing in a run with work to do.
			dir, window = copyDir(), took
		}
	}
	if _, out := runChild(t, started, "rescan", "--data", dir); !strings.Contains(out, "rescan done: ") {
		t.Fatalf("final rescan: %s", out)
	}
	if diff := diffState(openAndCheck(t, dir, "final rescan"), want); diff != "" {
		t.Fatalf("after %d kills and a full rescan the store differs from a clean import: %s", kills, diff)
	}
	t.Logf("%d kills mid-rescan (%d rounds finished first); final state equals a clean import", kills, finished)
}
