// Package killtest runs a test's child half in a separate process and kills
// it with SIGKILL mid-run, so that crash-resume tests exercise a real crash:
// no deferred cleanup, no flushed buffers, no closed files.
package killtest

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// KillMidRun starts this test binary again running only childTest, with env
// added to its environment, and waits until progressed reports true. It then
// SIGKILLs the child and fails the test unless the child died of that signal
// (a child that exits on its own finished or failed before the kill, and the
// test would prove nothing). If progressed is still false after timeout the
// child is killed and the test fails with progressed's description.
//
// progressed is polled every millisecond: the kill must land close to the
// point the caller asked for, and the thresholds are small request counts.
func KillMidRun(t testing.TB, childTest string, env []string, timeout time.Duration, progressed func() (bool, string)) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+childTest+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(timeout)
	for {
		ok, desc := progressed()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%s: no progress after %v: %s", childTest, timeout, desc)
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("%s was not killed mid-run: %v", childTest, err)
	}
}
