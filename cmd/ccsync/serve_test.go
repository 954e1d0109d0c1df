package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// String reads what was written, under the writer's lock.
func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.(*bytes.Buffer).String()
}

// `serve --demo` stopped (SIGTERM) while its first sync is running shuts
// down cleanly: the run ends and saves its summary before the store closes.
func TestServeDemoStopsCleanlyMidSync(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo organisation")
	}
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &lockedWriter{w: &bytes.Buffer{}}, &lockedWriter{w: &bytes.Buffer{}}
	done := make(chan int, 1)
	t.Setenv("CCSYNC_ADMIN_PASSWORD", "a-long-test-password-1")
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--data", t.TempDir(), "--addr", "127.0.0.1:0"},
			stdio{in: strings.NewReader(""), out: out, err: errb})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(errb.String(), "serving") {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // the demo sync is under way
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d:\n%s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop:\n%s", errb.String())
	}
	if logs := errb.String(); strings.Contains(logs, "panic") || strings.Contains(logs, "closed") {
		t.Fatalf("unclean shutdown:\n%s", logs)
	}
}
