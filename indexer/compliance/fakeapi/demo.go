package fakeapi

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// StartDemo serves a generated organisation on a loopback port until stop is
// called or ctx ends. The key is random per call so a demo key is never a
// real credential; it is shaped like a compliance key so the UI's hint
// (sk-ant-a••••) looks as it will with a real one.
func StartDemo(ctx context.Context, seed uint64) (baseURL, key string, stop func(), err error) {
	now := time.Now().UTC()
	org := Generate(seed, GenOptions{Users: 12, Chats: 120,
		Start: now.Add(-20 * 24 * time.Hour), End: now.Add(-time.Hour)})
	var kb [24]byte
	for i := range kb {
		kb[i] = byte(rand.Uint32())
	}
	key = fmt.Sprintf("sk-ant-api01-demo%x", kb)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", nil, fmt.Errorf("fakeapi demo: listen: %w", err)
	}
	srv := &http.Server{Handler: New(org, Options{Key: key}), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the demo has no one to report to; requests will fail visibly
		}
	}()
	done := make(chan struct{})
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(done)
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		})
	}
	go func() {
		select {
		case <-ctx.Done():
			stop()
		case <-done:
		}
	}()
	return "http://" + ln.Addr().String(), key, stop, nil
}
