package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ccsync/ccsync/api"
	"github.com/ccsync/ccsync/indexer"
)

func TestCloseWithin(t *testing.T) {
	never := make(chan struct{})
	t.Cleanup(func() { close(never) })
	failed := errors.New("flush failed")
	for _, tc := range []struct {
		name    string
		closeFn func() error
		want    error // nil: no error
		logged  string
	}{
		{"closes in time", func() error { return nil }, nil, ""},
		{"close fails", func() error { return failed }, failed, "closing the data directory failed"},
		{"close blocks (a flush retried forever)", func() error { <-never; return nil }, errCloseTimeout, "did not finish"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			err := closeWithin(tc.closeFn, 50*time.Millisecond, "/srv/ccsync-data", slog.New(slog.NewTextHandler(&logs, nil)))
			if tc.want == nil {
				if err != nil || logs.Len() > 0 {
					t.Fatalf("err %v, logs %q", err, logs.String())
				}
				return
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "/srv/ccsync-data") {
				t.Fatalf("err %v, want %v naming the data directory", err, tc.want)
			}
			if l := logs.String(); !strings.Contains(l, tc.logged) || !strings.Contains(l, "data=/srv/ccsync-data") || !strings.Contains(l, "level=ERROR") {
				t.Errorf("log %q, want an error naming the data directory", l)
			}
		})
	}
}

const serveChildEnv = "CCSYNC_SERVE_CHILD_ARGS" // arguments separated by \x1f

// TestServeSignalChild is the child of TestServeExitsWhenDataDirGone: it
// runs ccsync as main does, SIGTERM included.
func TestServeSignalChild(t *testing.T) {
	v := os.Getenv(serveChildEnv)
	if v == "" {
		t.Skip("child process of TestServeExitsWhenDataDirGone")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, strings.Split(v, "\x1f"), stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}))
}

// TestServeExitsWhenDataDirGone: a server whose data directory can no
// longer be written (here: the store's directory is removed under it, as
// when a disk goes away) used to hang on SIGTERM for ever, Badger retrying
// its final flush every second. It must exit non-zero, naming the
// directory, once the close deadline passes. (A full disk is not the same
// case: Badger writes tables through mmap, and a mapped write to a full
// disk kills the process with SIGBUS, which --min-free exists to avoid.)
func TestServeExitsWhenDataDirGone(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeSignalChild$", "-test.count=1", "-test.v=false")
	cmd.Env = append(os.Environ(), "CCSYNC_ADMIN_PASSWORD=a-long-test-password-1",
		serveChildEnv+"="+strings.Join([]string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--close-timeout", "2s"}, "\x1f"),
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var out strings.Builder
	serving, readDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			mu.Lock()
			out.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), "msg=serving") {
				once.Do(func() { close(serving) })
			}
		}
	}()
	logs := func() string { mu.Lock(); defer mu.Unlock(); return out.String() }
	exited := make(chan error, 1)
	go func() { <-readDone; exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case <-serving:
	case err := <-exited:
		t.Fatalf("serve exited before serving: %v\n%s", err, logs())
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start:\n%s", logs())
	}
	// The first admin account is written at start, so the store has a
	// memtable to flush at close.
	if err := os.RemoveAll(filepath.Join(data, "badger")); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() == 0 {
			t.Fatalf("serve exited with %v, want a non-zero status\n%s", err, logs())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not exit after SIGTERM with its data directory gone:\n%s", logs())
	}
	l := logs()
	if !strings.Contains(l, "did not close in time") || !strings.Contains(l, data) {
		t.Errorf("no clear error naming the data directory:\n%s", l)
	}
}

// lateServer takes its listener only after Shutdown has returned: the
// window in which a SIGTERM right after start used to be lost.
type lateServer struct {
	*api.Server
	shutDown chan struct{}
}

func (l lateServer) Serve(ln net.Listener) error {
	<-l.shutDown
	return l.Server.Serve(ln)
}

func (l lateServer) Shutdown(ctx context.Context) error {
	defer close(l.shutDown)
	return l.Server.Shutdown(ctx)
}

// TestServeUntilStopsWhenCancelledEarly: a SIGTERM that arrived before the
// HTTP server had taken its listener was lost (fasthttp's Shutdown is a
// no-op then, and Serve went on for ever). serveUntil must return however
// the two interleave.
func TestServeUntilStopsWhenCancelledEarly(t *testing.T) {
	ix, err := indexer.Open(context.Background(), indexer.Options{Dir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	srv, err := api.New(api.Config{Store: ix, Origin: "http://127.0.0.1:8080", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- serveUntil(ctx, lateServer{srv, make(chan struct{})}, ln) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		_ = ln.Close() // let the stuck Serve end
		t.Fatal("serving went on after the context was cancelled")
	}
}
